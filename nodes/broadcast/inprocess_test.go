package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/eddytest"
	"github.com/eddy-workbench/eddy/edn"
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

// TestVirtualKillAndPause runs the node under kills (any target, all nodes
// at once among them) and pauses, on virtual time, with each strategy and
// with the g-set workload: every acknowledged value survives (a node keeps
// its clients' values in its directory and gets the rest back from its
// peers), and every node converges.
func TestVirtualKillAndPause(t *testing.T) {
	for _, tc := range []struct {
		workload string
		strategy Strategy
		faults   string
		seed     uint64
	}{
		{"broadcast", Latency, "kill", 1},
		{"broadcast", Messages, "kill", 2},
		{"broadcast", Latency, "pause", 3},
		{"broadcast", Messages, "pause", 4},
		{"g-set", Latency, "partition,kill,pause", 5},
	} {
		t.Run(fmt.Sprintf("%s %s %s", tc.workload, tc.strategy, tc.faults), func(t *testing.T) {
			cfg := runner.Config{
				Workload: tc.workload, NodeCount: 5, TimeLimit: 20 * time.Second, Rate: 20, Concurrency: "2n",
				Latency: 50 * time.Millisecond, Nemesis: []string{tc.faults}, NemesisInterval: 2 * time.Second,
				Seed: tc.seed, SeedSet: true,
				Node: nodekit.Func(func(n *nodekit.Node) error {
					setup(n, Options{Strategy: tc.strategy}.withDefaults())
					return nil
				}),
			}
			res := eddytest.Run(t, cfg)
			require.Equal(t, 0, res.ExitCode(), "%s", res.Dir)
			require.Empty(t, res.Warnings)
			eddy, ok := res.Results.Get(edn.Keyword("eddy"))
			require.True(t, ok)
			for _, f := range strings.Split(tc.faults, ",") {
				require.Contains(t, edn.String(eddy), ":fault :"+f, "the run had its faults")
			}
		})
	}
}

// virtual3d is the 3d challenge's command (25 nodes, 100 ms latency, 100
// ops/s for 20 s), with or without partitions, for this node in-process.
func virtual3d(partition bool, seed uint64) runner.Config {
	cfg := runner.Config{
		Workload: "broadcast", NodeCount: 25, TimeLimit: 20 * time.Second, Rate: 100,
		Latency: 100 * time.Millisecond, Seed: seed, SeedSet: true,
		Node: nodekit.Func(func(n *nodekit.Node) error {
			setup(n, Options{Strategy: Latency}.withDefaults())
			return nil
		}),
	}
	if partition {
		cfg.Nemesis = []string{"partition"}
	}
	return cfg
}

// BenchmarkVirtual3d times the 3d command in-process on virtual time: a
// run that takes 30 s of wall time as a subprocess (20 s of operations, 10
// s of recovery) takes what the CPU needs. A bubble needs a *testing.T, so
// each iteration runs as a one-test suite.
//
//	go test -run x -bench Virtual3d -benchtime 3x ./nodes/broadcast/
func BenchmarkVirtual3d(b *testing.B) {
	for _, partition := range []bool{false, true} {
		name := "nemesis=none"
		if partition {
			name = "nemesis=partition"
		}
		b.Run(name, func(b *testing.B) {
			var servers float64
			for b.Loop() {
				ok := testing.RunTests(func(string, string) (bool, error) { return true, nil }, []testing.InternalTest{{
					Name: "Virtual3d",
					F: func(t *testing.T) {
						res := eddytest.Run(t, virtual3d(partition, 1))
						if res.ExitCode() != 0 {
							t.Errorf("exit status %d: %s", res.ExitCode(), res.Dir)
						}
						servers = res.Figures.Net.Servers.MsgsPerOp
					},
				}})
				if !ok {
					b.Fatal("the in-process 3d run failed")
				}
			}
			b.ReportMetric(servers, "servers-msgs/op")
		})
	}
}
