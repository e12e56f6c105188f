package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/eddytest"
	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/nodekit"
	"github.com/eddy-workbench/eddy/runner"
)

// TestVirtualKillAndPause runs the node in-process, on virtual time, under
// kills (any target, every node at once among them) and pauses: every
// acknowledged add is counted in the final reads, as each node keeps its
// share in its directory before acknowledging an add.
func TestVirtualKillAndPause(t *testing.T) {
	for _, tc := range []struct {
		workload, faults string
		seed             uint64
	}{
		{"g-counter", "kill", 1},
		{"pn-counter", "kill", 2},
		{"g-counter", "pause", 3},
		{"pn-counter", "partition,kill,pause", 4},
	} {
		t.Run(fmt.Sprintf("%s %s", tc.workload, tc.faults), func(t *testing.T) {
			res := eddytest.Run(t, runner.Config{
				Workload: tc.workload, NodeCount: 3, TimeLimit: 20 * time.Second, Rate: 50, Concurrency: "2n",
				Latency: 20 * time.Millisecond, Nemesis: []string{tc.faults}, NemesisInterval: 2 * time.Second,
				Seed: tc.seed, SeedSet: true,
				Node: nodekit.Func(func(n *nodekit.Node) error { setup(n, time.Second); return nil }),
			})
			require.Equal(t, 0, res.ExitCode(), "%s", res.Dir)
			require.Empty(t, res.Warnings)
			eddy, _ := res.Results.Get(edn.Keyword("eddy"))
			require.Contains(t, edn.String(eddy), ":fault")
		})
	}
}
