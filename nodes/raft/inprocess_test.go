package main

import (
	"flag"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/eddytest"
	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/nodekit"
	"github.com/eddy-workbench/eddy/nodes/internal/rsmnode"
	"github.com/eddy-workbench/eddy/runner"
)

// TestVirtualKillAndPause runs the node in-process, on virtual time, on
// five nodes under kills of a majority at a time and under pauses: with
// its term, vote and log in its directory, every key's history stays
// linearizable and operations go on.
func TestVirtualKillAndPause(t *testing.T) {
	for _, tc := range []struct {
		faults string
		seed   uint64
	}{{"kill", 1}, {"kill", 2}, {"pause", 3}, {"partition,kill,pause", 4}} {
		t.Run(fmt.Sprintf("%s %d", tc.faults, tc.seed), func(t *testing.T) {
			fs := flag.NewFlagSet("raft", flag.ContinueOnError)
			o := rsmnode.Flags(fs)
			require.NoError(t, fs.Parse([]string{fmt.Sprint("-seed=", tc.seed)}))
			require.True(t, o.Persist, "persisting is the default")
			res := eddytest.Run(t, runner.Config{
				Workload: "lin-kv", NodeCount: 5, Concurrency: "2n", TimeLimit: 20 * time.Second, Rate: 100,
				Latency: 10 * time.Millisecond, Nemesis: []string{tc.faults}, NemesisInterval: time.Second,
				NemesisTargets: []string{"one", "majority"}, Seed: tc.seed, SeedSet: true,
				Node: nodekit.Func(func(n *nodekit.Node) error { rsmnode.Setup(n, glue(*o)); return nil }),
			})
			require.Empty(t, res.Aborted)
			w, _ := res.Results.Get(edn.Keyword("workload"))
			valid, _ := w.(*edn.Map).Get(edn.Keyword("valid?"))
			require.Equal(t, true, valid, "%s", res.Dir)
			// A majority down or paused, or cut off, leaves no quorum: fewer
			// operations succeed under everything at once.
			require.Positive(t, res.Figures.Ops.OK)
		})
	}
}

// TestVirtualLatencyMode runs the node in its latency mode (-batch 0s)
// in-process, on virtual time, on five nodes with --latency 10: without
// faults the median operation takes three network hops (30 ms; the leader's
// own take two), where the batching mode takes fifteen; under partitions
// every key's history stays linearizable.
func TestVirtualLatencyMode(t *testing.T) {
	for _, tc := range []struct {
		nemesis string
		seed    uint64
	}{{"", 1}, {"partition", 2}} {
		t.Run(fmt.Sprintf("nemesis %q seed %d", tc.nemesis, tc.seed), func(t *testing.T) {
			res := virtualLatency(t, tc.seed, 5*time.Second, tc.nemesis, "-batch=0s")
			require.Empty(t, res.Aborted)
			require.Equal(t, 0, res.ExitCode(), "%s", res.Dir)
			if tc.nemesis == "" {
				p50 := res.Figures.Latency.P50
				t.Logf("p50 %v, p95 %v, servers msgs-per-op %v", p50, res.Figures.Latency.P95, res.Figures.Net.Servers.MsgsPerOp)
				require.GreaterOrEqual(t, p50, 30*time.Millisecond)
				require.Less(t, p50, 35*time.Millisecond, "three hops, and what the network's delivery queues add")
			}
		})
	}
}

// virtualLatency is a run of the lin-kv workload on five nodes with
// --latency 10, in-process on virtual time, with the nemesis given (if
// any, every second) and the node's flags args.
func virtualLatency(t *testing.T, seed uint64, timeLimit time.Duration, nemesis string, args ...string) runner.Result {
	fs := flag.NewFlagSet("raft", flag.ContinueOnError)
	o := rsmnode.Flags(fs)
	require.NoError(t, fs.Parse(append([]string{fmt.Sprint("-seed=", seed)}, args...)))
	cfg := runner.Config{
		Workload: "lin-kv", NodeCount: 5, Concurrency: "2n", TimeLimit: timeLimit, Rate: 100,
		Latency: 10 * time.Millisecond, Seed: seed, SeedSet: true,
		Node: nodekit.Func(func(n *nodekit.Node) error { rsmnode.Setup(n, glue(*o)); return nil }),
	}
	if nemesis != "" {
		cfg.Nemesis, cfg.NemesisInterval = []string{nemesis}, time.Second
	}
	return eddytest.Run(t, cfg)
}

// BenchmarkVirtualLatency reports, for the default batching and the
// latency mode (-batch 0s), the latency of the lin-kv operations and the
// servers' messages per operation on five nodes with --latency 10 (seed
// 1), in-process on virtual time: exact figures, with no scheduling noise.
//
//	go test -run x -bench VirtualLatency -benchtime 1x ./nodes/raft/
func BenchmarkVirtualLatency(b *testing.B) {
	for _, mode := range []struct{ name, batch string }{{"batch=50ms", "50ms"}, {"batch=0s", "0s"}} {
		b.Run(mode.name, func(b *testing.B) {
			var res runner.Result
			for b.Loop() {
				ok := testing.RunTests(func(string, string) (bool, error) { return true, nil }, []testing.InternalTest{{
					Name: "VirtualLatency",
					F: func(t *testing.T) {
						res = virtualLatency(t, 1, 20*time.Second, "", "-batch="+mode.batch)
						if res.ExitCode() != 0 {
							t.Errorf("exit status %d: %s", res.ExitCode(), res.Dir)
						}
					},
				}})
				if !ok {
					b.Fatal("the in-process run failed")
				}
			}
			b.ReportMetric(float64(res.Figures.Latency.P50.Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(res.Figures.Latency.P95.Microseconds())/1000, "p95-ms")
			b.ReportMetric(res.Figures.Net.Servers.MsgsPerOp, "servers-msgs/op")
		})
	}
}
