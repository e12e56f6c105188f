package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/eddytest"
	"github.com/eddy-workbench/eddy/nodekit"
	"github.com/eddy-workbench/eddy/runner"
)

// TestVirtualKillAndPause runs the 6c command's workload in-process, on
// virtual time, under kills and pauses (and partitions): it stays read
// committed through restarts.
func TestVirtualKillAndPause(t *testing.T) {
	for _, faults := range []string{"kill", "pause", "partition,kill,pause"} {
		t.Run(faults, func(t *testing.T) {
			res := eddytest.Run(t, runner.Config{
				Workload: "txn-rw-register", NodeCount: 2, Concurrency: "2n", TimeLimit: 20 * time.Second, Rate: 100,
				ConsistencyModels: []string{"read-committed"}, Nemesis: []string{faults}, NemesisInterval: 2 * time.Second,
				Latency: 10 * time.Millisecond, Seed: 1, SeedSet: true,
				Node: nodekit.Func(func(n *nodekit.Node) error { setup(n, 100*time.Millisecond); return nil }),
			})
			require.Equal(t, 0, res.ExitCode(), "%s", res.Dir)
			require.Empty(t, res.Warnings)
		})
	}
}
