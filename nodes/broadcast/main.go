package main

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eddy-workbench/eddy/nodekit"
)

func main() { nodekit.Main(program()) }

// tickEvery is how often the Core is given the time.
const tickEvery = 10 * time.Millisecond

// setup wires a Core, made at init, to n. A value is acknowledged as soon
// as it is stored, then spread. Reads answer with "messages" once a
// topology message has come (the broadcast workload sends one to every
// node before any read), with "value" otherwise (g-set).
func setup(n *nodekit.Node, opt Options) {
	var mu sync.Mutex
	var core *Core
	var broadcast atomic.Bool
	n.OnInit(func(context.Context) error { core = NewCore(n.ID(), n.NodeIDs(), opt); return nil })
	n.HandleTopology(func([]string) { broadcast.Store(true) })
	step := func(f func(c *Core, now time.Time) []Out, then func()) {
		mu.Lock()
		outs := f(core, n.Now())
		mu.Unlock()
		then()
		for _, o := range outs {
			if err := n.Send(o.Dest, SyncBody{Type: "sync", Have: o.Have}); err != nil {
				n.Logger().Warn("sending sync", "dest", o.Dest, "error", err)
			}
		}
	}
	add := func(m nodekit.Message, v int64, okType string) {
		step(func(c *Core, now time.Time) []Out { return c.Broadcast(v, now) }, func() {
			if err := n.Reply(m, map[string]string{"type": okType}); err != nil {
				n.Logger().Warn("replying", "dest", m.Src, "error", err)
			}
		})
	}
	nodekit.HandleOneWay(n, "broadcast", func(_ context.Context, m nodekit.Message, r BroadcastReq) { add(m, r.Message, "broadcast_ok") })
	nodekit.HandleOneWay(n, "add", func(_ context.Context, m nodekit.Message, r AddReq) { add(m, r.Element, "add_ok") })
	nodekit.Handle(n, "read", func(context.Context, nodekit.Message, struct{}) (map[string][]int64, error) {
		key := "value"
		if broadcast.Load() {
			key = "messages"
		}
		mu.Lock()
		defer mu.Unlock()
		return map[string][]int64{key: core.Values()}, nil
	})
	nodekit.HandleOneWay(n, "sync", func(_ context.Context, m nodekit.Message, b SyncBody) {
		step(func(c *Core, now time.Time) []Out { return c.Receive(m.Src, b.Have, now) }, func() {})
	})
	n.Every(tickEvery, func(context.Context, time.Time) {
		step(func(c *Core, now time.Time) []Out { return c.Tick(now) }, func() {})
	})
}
