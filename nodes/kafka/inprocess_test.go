package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/eddytest"
	"github.com/eddy-workbench/eddy/nodekit"
	"github.com/eddy-workbench/eddy/runner"
)

// TestVirtualKillAndPause runs the 5b command's workload in-process, on
// virtual time, under kills and pauses (and partitions): no acknowledged
// message is lost, no offset is reused, no poll skips, through restarts.
func TestVirtualKillAndPause(t *testing.T) {
	for _, tc := range []struct {
		faults string
		seed   uint64
	}{{"kill", 1}, {"kill", 2}, {"pause", 3}, {"partition,kill,pause", 4}} {
		t.Run(tc.faults, func(t *testing.T) {
			res := eddytest.Run(t, runner.Config{
				Workload: "kafka", NodeCount: 2, Concurrency: "2n", TimeLimit: 20 * time.Second, Rate: 100,
				Nemesis: []string{tc.faults}, NemesisInterval: 2 * time.Second, Latency: 10 * time.Millisecond,
				Seed: tc.seed, SeedSet: true,
				Node: nodekit.Func(func(n *nodekit.Node) error { setup(n, Options{}); return nil }),
			})
			require.Equal(t, 0, res.ExitCode(), "%s", res.Dir)
			require.Empty(t, res.Warnings)
		})
	}
}
