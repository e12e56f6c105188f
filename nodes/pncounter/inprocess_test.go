package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/eddytest"
	"github.com/eddy-workbench/eddy/nodekit"
	"github.com/eddy-workbench/eddy/nodes/internal/crdt"
	"github.com/eddy-workbench/eddy/runner"
)

// TestVirtualKillAndPause runs the node in-process, on virtual time, with
// each strategy, under kills (any target, every node at once among them)
// and pauses: what a node acknowledged, to a client or a peer, survives in
// its directory, and every node converges.
func TestVirtualKillAndPause(t *testing.T) {
	for _, tc := range []struct {
		strategy crdt.Strategy
		faults   string
		seed     uint64
	}{
		{crdt.Delta, "kill", 1},
		{crdt.State, "kill", 2},
		{crdt.Delta, "pause", 3},
		{crdt.Delta, "partition,kill,pause", 4},
	} {
		t.Run(fmt.Sprintf("%s %s", tc.strategy, tc.faults), func(t *testing.T) {
			res := eddytest.Run(t, runner.Config{
				Workload: "pn-counter", NodeCount: 3, Concurrency: "2n", TimeLimit: 20 * time.Second, Rate: 50,
				Latency: 20 * time.Millisecond, Nemesis: []string{tc.faults}, NemesisInterval: 2 * time.Second,
				Seed: tc.seed, SeedSet: true,
				Node: nodekit.Func(func(n *nodekit.Node) error { setup(n, crdt.Options{Strategy: tc.strategy}); return nil }),
			})
			require.Equal(t, 0, res.ExitCode(), "%s", res.Dir)
			require.Empty(t, res.Warnings)
			require.Greater(t, res.Figures.Ops.OK, int64(100), "operations went on through the faults")
		})
	}
}
