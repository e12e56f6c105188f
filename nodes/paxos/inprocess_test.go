package main

import (
	"flag"
	"fmt"
	"slices"
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
// its promise and what it accepted in its directory, every key's history
// stays linearizable and operations go on, in the latency mode (-batch
// 0s) too.
func TestVirtualKillAndPause(t *testing.T) {
	for _, tc := range []struct {
		faults string
		seed   uint64
		batch  string
	}{{"kill", 1, "50ms"}, {"kill", 2, "50ms"}, {"pause", 3, "50ms"}, {"partition,kill,pause", 4, "50ms"},
		{"partition,kill,pause", 5, "0s"}} {
		t.Run(fmt.Sprintf("%s %d batch %s", tc.faults, tc.seed, tc.batch), func(t *testing.T) {
			fs := flag.NewFlagSet("paxos", flag.ContinueOnError)
			o := rsmnode.Flags(fs)
			require.NoError(t, fs.Parse([]string{fmt.Sprint("-seed=", tc.seed), "-batch", tc.batch}))
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

// BenchmarkVirtualLatency runs the node in-process on virtual time, five
// nodes, lin-kv with --concurrency 2n --rate 100 --time-limit 20 and
// --latency 10 (node to node 10 ms, client to node 0), seeds 1–5, in the
// default mode and in the latency mode (-batch 0s), and reports the
// median over the seeds of the operations' latency p50 and p95 and of the
// servers' msgs-per-op; each seed's figures go to the log (-v). A bubble
// needs a *testing.T, so each run is a one-test suite.
//
//	go test -run x -bench VirtualLatency -benchtime 1x -v ./nodes/paxos/
func BenchmarkVirtualLatency(b *testing.B) {
	for _, batch := range []string{"50ms", "0s"} {
		b.Run("batch="+batch, func(b *testing.B) {
			var p50s, p95s, msgs []float64
			for b.Loop() {
				p50s, p95s, msgs = nil, nil, nil
				for seed := uint64(1); seed <= 5; seed++ {
					ok := testing.RunTests(func(string, string) (bool, error) { return true, nil }, []testing.InternalTest{{
						Name: "VirtualLatency",
						F: func(t *testing.T) {
							fs := flag.NewFlagSet("paxos", flag.ContinueOnError)
							o := rsmnode.Flags(fs)
							require.NoError(t, fs.Parse([]string{"-batch", batch, fmt.Sprint("-seed=", seed)}))
							res := eddytest.Run(t, runner.Config{
								Workload: "lin-kv", NodeCount: 5, Concurrency: "2n", TimeLimit: 20 * time.Second, Rate: 100,
								Latency: 10 * time.Millisecond, Seed: seed, SeedSet: true,
								Node: nodekit.Func(func(n *nodekit.Node) error { rsmnode.Setup(n, glue(*o)); return nil }),
							})
							if res.ExitCode() != 0 {
								t.Errorf("exit status %d: %s", res.ExitCode(), res.Dir)
							}
							f := res.Figures
							ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
							p50s, p95s = append(p50s, ms(f.Latency.P50)), append(p95s, ms(f.Latency.P95))
							msgs = append(msgs, f.Net.Servers.MsgsPerOp)
							b.Logf("-batch %s seed %d: latency p50 %.1f ms, p95 %.1f ms; servers msgs-per-op %.3f; %d of %d ok",
								batch, seed, ms(f.Latency.P50), ms(f.Latency.P95), f.Net.Servers.MsgsPerOp, f.Ops.OK, f.Invocations)
						},
					}})
					if !ok {
						b.Fatalf("the in-process run of seed %d failed", seed)
					}
				}
			}
			b.ReportMetric(median(p50s), "p50-ms")
			b.ReportMetric(median(p95s), "p95-ms")
			b.ReportMetric(median(msgs), "servers-msgs/op")
		})
	}
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}
