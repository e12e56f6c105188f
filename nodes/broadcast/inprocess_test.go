package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/eddytest"
	"github.com/eddy-workbench/eddy/nodekit"
	"github.com/eddy-workbench/eddy/runner"
)

// TestVirtualRun runs the node in-process, on virtual time, under the
// broadcast workload with partitions, with each strategy: the nodes of
// the kit run unchanged on a simulated clock.
func TestVirtualRun(t *testing.T) {
	for _, s := range []Strategy{Latency, Messages} {
		t.Run(string(s), func(t *testing.T) {
			cfg := runner.Config{
				Workload: "broadcast", NodeCount: 5, TimeLimit: 10 * time.Second, Rate: 10,
				Latency: 100 * time.Millisecond, Nemesis: []string{"partition"}, NemesisInterval: 2 * time.Second,
				Seed: 1, SeedSet: true,
				Node: nodekit.Func(func(n *nodekit.Node) error {
					setup(n, Options{Strategy: s}.withDefaults())
					return nil
				}),
			}
			res := eddytest.Run(t, cfg)
			require.Equal(t, 0, res.ExitCode(), "%s", res.Dir)
			require.Empty(t, res.Problems)
			require.Empty(t, res.Warnings)
			b, err := os.ReadFile(filepath.Join(res.Dir, "results.json"))
			require.NoError(t, err)
			var r struct {
				Stats struct {
					OKCount int `json:"ok-count"`
				} `json:"stats"`
			}
			require.NoError(t, json.Unmarshal(b, &r))
			require.Greater(t, r.Stats.OKCount, 80, "about 10 operations a second for 10 s")
		})
	}
}
