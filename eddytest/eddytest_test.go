package eddytest_test

import (
	"context"
	"encoding/json"
	"io"
	"log"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/eddytest"
	"github.com/eddy-workbench/eddy/runner"
)

func TestMain(m *testing.M) {
	log.SetOutput(io.Discard) // Maelstrom's library logs every message
	os.Exit(m.Run())
}

// gossip is a broadcast node that forwards each new value once to every
// peer; with repair set it also sends its whole set to every peer every
// 500 ms, so values cut off by a partition arrive after it heals.
func gossip(repair bool) eddytest.Setup {
	return func(ctx context.Context, n *maelstrom.Node) error {
		var mu sync.Mutex
		seen := map[int]bool{}
		values := []int{}
		add := func(v int) bool {
			mu.Lock()
			defer mu.Unlock()
			if seen[v] {
				return false
			}
			seen[v] = true
			values = append(values, v)
			return true
		}
		peers := func() []string {
			return slices.DeleteFunc(slices.Clone(n.NodeIDs()), func(id string) bool { return id == n.ID() })
		}
		n.Handle("broadcast", func(msg maelstrom.Message) error {
			var body struct{ Message int }
			if err := json.Unmarshal(msg.Body, &body); err != nil {
				return err
			}
			if add(body.Message) {
				for _, p := range peers() {
					_ = n.Send(p, map[string]any{"type": "gossip", "values": []int{body.Message}})
				}
			}
			return n.Reply(msg, map[string]any{"type": "broadcast_ok"})
		})
		n.Handle("gossip", func(msg maelstrom.Message) error {
			var body struct{ Values []int }
			if err := json.Unmarshal(msg.Body, &body); err != nil {
				return err
			}
			for _, v := range body.Values {
				add(v)
			}
			return nil
		})
		n.Handle("read", func(msg maelstrom.Message) error {
			mu.Lock()
			defer mu.Unlock()
			return n.Reply(msg, map[string]any{"type": "read_ok", "messages": slices.Clone(values)})
		})
		n.Handle("topology", func(msg maelstrom.Message) error {
			return n.Reply(msg, map[string]any{"type": "topology_ok"})
		})
		if repair {
			go func() {
				tick := time.NewTicker(500 * time.Millisecond)
				defer tick.Stop()
				for {
					select {
					case <-ctx.Done():
						return
					case <-tick.C:
						mu.Lock()
						all := slices.Clone(values)
						mu.Unlock()
						if len(all) == 0 || n.ID() == "" {
							continue
						}
						for _, p := range peers() {
							_ = n.Send(p, map[string]any{"type": "gossip", "values": all})
						}
					}
				}
			}()
		}
		return nil
	}
}

func broadcast(node eddytest.Setup) runner.Config {
	return runner.Config{
		Workload: "broadcast", Node: eddytest.Node(node), NodeCount: 5,
		TimeLimit: 10 * time.Second, Rate: 10, Latency: 100 * time.Millisecond,
		Nemesis: []string{"partition"}, NemesisInterval: 2 * time.Second,
	}
}

// The repairing node is valid under partitions; the 10 s run plus its 10 s
// of recovery take a fraction of a second.
func TestVirtualBroadcastValid(t *testing.T) {
	cfg := broadcast(gossip(true))
	cfg.Seed, cfg.SeedSet = 3, true
	res := eddytest.Run(t, cfg)
	require.Equal(t, 0, res.ExitCode(), "%s", res.Dir)
}

// Gossip without retries loses values under partitions: the hunt finds a
// seed, shrinks it, and the shrunk run fails again when rerun.
func TestVirtualHuntFindsLostGossip(t *testing.T) {
	seeds := []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	f := eddytest.Hunt(t, broadcast(gossip(false)), seeds)
	require.NotNil(t, f, "no seed of 10 lost a value")
	require.Positive(t, f.Failures, "the shrunk run %s never failed again", f.Flags)
	require.LessOrEqual(t, f.Config.NodeCount, 5)
	t.Logf("seed %d shrunk to %s; failed in %d of %d reruns; %d runs", f.Seed, f.Flags, f.Failures, f.Reruns, f.Runs)

	// The repairing node passes the same seeds.
	require.Nil(t, eddytest.Hunt(t, broadcast(gossip(true)), seeds[:3]))
}

// BenchmarkHunt times a hunt over many seeds of a 10-second 5-node
// broadcast run with partitions, on virtual time, with a node that passes
// every seed (so every seed runs). EDDY_HUNT_SEEDS sets how many (default
// 100; the README's figure is for 1,000). A bubble needs a *testing.T, so
// each iteration runs as a one-test suite.
//
//	EDDY_HUNT_SEEDS=1000 go test -run x -bench Hunt -benchtime 1x ./eddytest/
func BenchmarkHunt(b *testing.B) {
	n := 100
	if v := os.Getenv("EDDY_HUNT_SEEDS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			b.Fatalf("EDDY_HUNT_SEEDS=%q: want a positive number", v)
		}
	}
	seeds := make([]uint64, n)
	for i := range seeds {
		seeds[i] = uint64(i + 1)
	}
	for b.Loop() {
		ok := testing.RunTests(func(string, string) (bool, error) { return true, nil }, []testing.InternalTest{{
			Name: "Hunt",
			F: func(t *testing.T) {
				if f := eddytest.Hunt(t, broadcast(gossip(true)), seeds); f != nil {
					t.Errorf("the repairing node failed: %s", f.Flags)
				}
			},
		}})
		if !ok {
			b.Fatal("the hunt failed")
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N*n), "ms/seed")
}
