package main

import (
	"io"
	"log"
	"testing"
	"time"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/eddytest"
	"github.com/eddy-workbench/eddy/runner"
)

// virtual3d is the 3d challenge's command (25 nodes, 100 ms of latency,
// 100 operations a second for 20 s) for broadcastSetup in-process.
func virtual3d(nemesis ...string) runner.Config {
	return runner.Config{
		Workload: "broadcast", Node: eddytest.Node(broadcastSetup(500 * time.Millisecond)),
		NodeCount: 25, TimeLimit: 20 * time.Second, Rate: 100, Latency: 100 * time.Millisecond,
		Nemesis: nemesis, Seed: 1, SeedSet: true,
	}
}

func quiet(t *testing.T) {
	w := log.Writer()
	log.SetOutput(io.Discard) // Maelstrom's library logs every message
	t.Cleanup(func() { log.SetOutput(w) })
}

// TestVirtual3d runs the 3d command on virtual time: thirty seconds of
// simulated run (twenty of operations, ten of recovery) in about a second.
func TestVirtual3d(t *testing.T) {
	quiet(t)
	res := eddytest.Run(t, virtual3d())
	if res.Valid != check.Valid {
		t.Fatalf("verdict %v, problems %q; see %s", res.Valid, res.Problems, res.Dir)
	}
	f, ok := res.Findings.(*check.SetFull)
	if !ok {
		t.Fatalf("findings are %T, not *check.SetFull", res.Findings)
	}
	if len(f.Lost) > 0 {
		t.Errorf("lost %v", f.Lost)
	}
	if p50 := f.StableLatencies.P50; p50 > 400*time.Millisecond {
		t.Errorf("stable latency p50 %v; a value should reach every node within a network hop or two", p50)
	}
}

// TestVirtual3dPartitioned adds the partition nemesis: values wait for the
// cut to heal, and then arrive.
func TestVirtual3dPartitioned(t *testing.T) {
	quiet(t)
	res := eddytest.Run(t, virtual3d("partition"))
	if res.Valid != check.Valid {
		t.Fatalf("verdict %v, problems %q; see %s", res.Valid, res.Problems, res.Dir)
	}
}
