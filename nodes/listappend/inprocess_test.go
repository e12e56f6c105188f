package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/eddytest"
	"github.com/eddy-workbench/eddy/nodekit"
	"github.com/eddy-workbench/eddy/runner"
)

// TestVirtualKillAndPause runs the transactor in-process, on virtual time,
// under kills and pauses: its state is in the services, so a restarted
// node starts from the root in lin-kv and the history stays strictly
// serializable.
func TestVirtualKillAndPause(t *testing.T) {
	for _, faults := range []string{"kill", "pause", "partition,kill,pause"} {
		t.Run(faults, func(t *testing.T) {
			c := config{opt: DefaultOptions, maxQueue: 10000, maxBatch: 64, cache: 64 << 20, timeout: time.Second, announce: true}
			res := eddytest.Run(t, runner.Config{
				Workload: "txn-list-append", NodeCount: 3, Concurrency: "2n", TimeLimit: 20 * time.Second, Rate: 50,
				Latency: 10 * time.Millisecond, Nemesis: []string{faults}, NemesisInterval: 2 * time.Second,
				Seed: 1, SeedSet: true,
				Node: nodekit.Func(func(n *nodekit.Node) error { setup(n, c); return nil }),
			})
			require.Equal(t, 0, res.ExitCode(), "%s", res.Dir)
			require.Greater(t, res.Figures.Ops.OK, int64(100))
		})
	}
}
