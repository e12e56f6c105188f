package runner_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/internal/history"
	"github.com/eddy-workbench/eddy/internal/repro"
	"github.com/eddy-workbench/eddy/runner"
)

// streams reads a finished run's per-process invocations back from its
// history.edn, as scripts/repro does.
func streams(t *testing.T, res runner.Result, cfg runner.Config) repro.Streams {
	t.Helper()
	f, err := os.Open(filepath.Join(res.Dir, "history.edn"))
	require.NoError(t, err)
	defer f.Close()
	ops, err := history.ReadEDN(f)
	require.NoError(t, err)
	return repro.Of(ops, repro.Phase{TimeLimit: cfg.TimeLimit, RecoveryWait: cfg.RecoveryWait})
}

// TestSameSeedSameOperations runs every workload twice with one seed and
// once with another: with the same seed, every process's invocations (f
// and value) in one run are a prefix of its invocations in the other, and
// the nemesis does the same; with another seed they differ.
func TestSameSeedSameOperations(t *testing.T) {
	cases := []struct {
		workload, node string
		tweak          func(*runner.Config)
		sameAnyway     bool // no random choice in the ops themselves
	}{
		{workload: "echo", node: "nodes/echo"},
		{workload: "unique-ids", node: "nodes/uniqueids", sameAnyway: true},
		{workload: "broadcast", node: "nodes/broadcast", tweak: func(c *runner.Config) {
			c.NodeCount, c.Nemesis, c.NemesisInterval = 3, []string{"partition"}, 300*time.Millisecond
			c.Latency, c.LatencyDist = 5*time.Millisecond, "uniform"
		}},
		{workload: "g-set", node: "nodes/broadcast"},
		{workload: "g-counter", node: "nodes/gcounter"},
		{workload: "pn-counter", node: "nodes/gcounter"},
		{workload: "lin-kv", node: "nodes/linkv", tweak: func(c *runner.Config) { c.Concurrency = "2n" }},
		{workload: "kafka", node: "nodes/kafka", tweak: func(c *runner.Config) { c.Concurrency = "2n"; c.Rate = 100 }},
		{workload: "txn-rw-register", node: "nodes/txn", tweak: func(c *runner.Config) {
			c.Concurrency, c.ConsistencyModels = "2n", []string{"read-committed"}
		}},
		// The txn node serves registers only: its appends fail, which
		// changes nothing about what is asked.
		{workload: "txn-list-append", node: "nodes/txn", tweak: func(c *runner.Config) { c.Concurrency = "2n" }},
	}
	for _, tc := range cases {
		t.Run(tc.workload, func(t *testing.T) {
			t.Parallel()
			bin := bins.MustBuild(t, tc.node)
			config := func(seed uint64) runner.Config {
				cfg := quick(t, tc.workload, bin, 2)
				cfg.Seed, cfg.Rate, cfg.RecoveryWait = seed, 60, 200*time.Millisecond
				if tc.tweak != nil {
					tc.tweak(&cfg)
				}
				return cfg
			}
			cfgs := []runner.Config{config(11), config(11), config(12)}
			got := make([]repro.Streams, len(cfgs))
			done := make(chan int)
			for i, cfg := range cfgs {
				go func() {
					res, err := runner.Run(t.Context(), cfg)
					if assert.NoError(t, err) && assert.Empty(t, res.Aborted) {
						got[i] = streams(t, res, cfg)
					}
					done <- i
				}()
			}
			for range cfgs {
				<-done
			}
			if t.Failed() {
				return
			}
			same := repro.Compare(got[0], got[1])
			assert.True(t, same.Prefixes(), "same seed: %d of %d positions differ, %d of %d partitions: %v",
				same.Differ, same.Compared, same.NemesisDiffer, same.NemesisCompared, same.Examples)
			assert.Greater(t, same.Compared, 40, "enough operations to compare")
			if len(cfgs[0].Nemesis) > 0 {
				assert.GreaterOrEqual(t, same.NemesisCompared, 2, "the nemesis made partitions")
			}
			other := repro.Compare(got[0], got[2])
			t.Logf("same seed: %d processes, %d positions compared, %d partitions; another seed: %.2f of positions differ",
				same.Processes, same.Compared, same.NemesisCompared, other.Fraction())
			if tc.sameAnyway {
				assert.Zero(t, other.Differ)
				return
			}
			assert.Greater(t, other.Fraction(), 0.2, "another seed, other operations")
			if len(cfgs[0].Nemesis) > 0 {
				assert.Positive(t, other.NemesisDiffer, "another seed, other partitions")
			}
		})
	}
}
