package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/runner"
)

// build compiles this directory's node into a temporary directory.
func build(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "nodetest")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go build: %v", err)
	}
	return bin
}

// counterRun runs the g-counter workload on three of the node's
// processes, with a partition now and then, for a few seconds.
func counterRun(t *testing.T, args ...string) runner.Result {
	t.Helper()
	res, err := runner.Run(context.Background(), runner.Config{
		Workload:        "g-counter",
		Bin:             build(t),
		Args:            args,
		NodeCount:       3,
		TimeLimit:       3 * time.Second,
		Rate:            50,
		Nemesis:         []string{"partition"},
		NemesisInterval: time.Second,
		RecoveryWait:    time.Second, // Maelstrom waits 10 s; gossip needs far less
		StoreDir:        t.TempDir(),
		Seed:            1,
		SeedSet:         true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestCounterConverges(t *testing.T) {
	t.Parallel()
	res := counterRun(t)
	if res.Valid != check.Valid {
		t.Fatalf("verdict %v, problems %q; see %s", res.Valid, res.Problems, res.Dir)
	}

	fig := res.Figures
	if fig.Ops.OK == 0 || fig.Ops.OK != fig.Ops.Total() {
		t.Errorf("ops %+v: want some, all ok", fig.Ops)
	}
	if fig.Availability != 1 {
		t.Errorf("availability %v, want 1: the node answers from memory", fig.Availability)
	}
	// Gossip is the only traffic between nodes: 3 × 2 messages every
	// 100 ms, far more than one per operation at 50 ops/s.
	if fig.Net.Servers.MsgsPerOp < 1 {
		t.Errorf("servers msgs-per-op %v, want gossip", fig.Net.Servers.MsgsPerOp)
	}

	counter, ok := res.Findings.(*check.Counter)
	if !ok {
		t.Fatalf("findings are %T, want *check.Counter", res.Findings)
	}
	if len(counter.FinalReads) != 3 {
		t.Fatalf("final reads %v, want one per worker", counter.FinalReads)
	}
	for _, v := range counter.FinalReads {
		total, _ := v.(int64)
		if v != counter.FinalReads[0] || !slices.ContainsFunc(counter.Acceptable, func(r check.Range) bool { return r.Contains(total) }) {
			t.Errorf("final reads %v, acceptable %v: want one acceptable total", counter.FinalReads, counter.Acceptable)
		}
	}
	// eddy's convergence check says the same, node by node.
	if c := counter.Convergence; c == nil || c.Converged != check.Valid {
		t.Errorf("convergence %+v, want every node to agree", c)
	}
}

func TestIgnoredGossipIsCaught(t *testing.T) {
	t.Parallel()
	res := counterRun(t, "-ignore-gossip")
	if res.Valid != check.Invalid || res.ExitCode() != 1 {
		t.Fatalf("verdict %v (exit %d), want invalid (exit 1)", res.Valid, res.ExitCode())
	}
	counter := res.Findings.(*check.Counter)
	if len(counter.Errors) == 0 {
		t.Fatalf("no wrong final read; final reads %v, acceptable %v", counter.FinalReads, counter.Acceptable)
	}
	for _, read := range counter.Errors {
		if !read.Final || read.Type != check.OK {
			t.Errorf("error %v is not an ok final read", read)
		}
	}
	// Each node counted only its own adds, so the nodes disagree, and the
	// convergence check names who read what.
	if c := counter.Convergence; c == nil || c.Converged != check.Invalid || c.Summary == "" {
		t.Errorf("convergence %+v, want nodes that disagree", c)
	} else {
		t.Log(c.Summary)
	}
}
