package main

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"time"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"
)

// broadcastSetup sets up a broadcast node for the tests that run in the
// test's own process (virtual_test.go): it floods each new value to every
// peer at once, and every interval sends each peer the values it has not
// yet acknowledged, so values cut off by a partition arrive once it heals.
// Its background work ends with ctx, as an in-process node's must.
func broadcastSetup(interval time.Duration) func(ctx context.Context, n *maelstrom.Node) error {
	return func(ctx context.Context, n *maelstrom.Node) error {
		var mu sync.Mutex
		have := map[int]bool{}
		var values []int
		unacked := map[string]map[int]bool{} // per peer, values it may lack
		peers := func() []string {
			return slices.DeleteFunc(slices.Clone(n.NodeIDs()), func(id string) bool { return id == n.ID() })
		}
		// learn records new values and marks them for every peer but from.
		learn := func(vs []int, from string) (fresh []int) {
			mu.Lock()
			defer mu.Unlock()
			for _, v := range vs {
				if have[v] {
					continue
				}
				have[v] = true
				values = append(values, v)
				fresh = append(fresh, v)
				for _, p := range peers() {
					if p == from {
						continue
					}
					if unacked[p] == nil {
						unacked[p] = map[int]bool{}
					}
					unacked[p][v] = true
				}
			}
			return fresh
		}
		send := func(peer string, vs []int) {
			_ = n.RPC(peer, map[string]any{"type": "gossip", "values": vs}, func(maelstrom.Message) error {
				mu.Lock()
				defer mu.Unlock()
				for _, v := range vs {
					delete(unacked[peer], v)
				}
				return nil
			})
		}
		n.Handle("broadcast", func(msg maelstrom.Message) error {
			var body struct{ Message int }
			if err := json.Unmarshal(msg.Body, &body); err != nil {
				return err
			}
			if fresh := learn([]int{body.Message}, ""); len(fresh) > 0 {
				for _, p := range peers() {
					send(p, fresh)
				}
			}
			return n.Reply(msg, map[string]any{"type": "broadcast_ok"})
		})
		n.Handle("gossip", func(msg maelstrom.Message) error {
			var body struct{ Values []int }
			if err := json.Unmarshal(msg.Body, &body); err != nil {
				return err
			}
			learn(body.Values, msg.Src)
			return n.Reply(msg, map[string]any{"type": "gossip_ok"})
		})
		n.Handle("read", func(msg maelstrom.Message) error {
			mu.Lock()
			defer mu.Unlock()
			return n.Reply(msg, map[string]any{"type": "read_ok", "messages": slices.Clone(values)})
		})
		n.Handle("topology", func(msg maelstrom.Message) error {
			return n.Reply(msg, map[string]any{"type": "topology_ok"})
		})
		go func() {
			tick := time.NewTicker(interval)
			defer tick.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
				mu.Lock()
				resend := map[string][]int{}
				for p, vs := range unacked {
					for v := range vs {
						resend[p] = append(resend[p], v)
					}
				}
				mu.Unlock()
				for _, p := range slices.Sorted(func(yield func(string) bool) {
					for p := range resend {
						if !yield(p) {
							return
						}
					}
				}) {
					vs := resend[p]
					slices.Sort(vs)
					send(p, vs)
				}
			}
		}()
		return nil
	}
}
