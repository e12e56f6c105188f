package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eddy-workbench/eddy/nodekit"
	"github.com/eddy-workbench/eddy/nodekit/durable"
)

func main() { nodekit.Main(program()) }

// tickEvery is how often the Core is given the time.
const tickEvery = 10 * time.Millisecond

// valuesFile is the log, in the node's directory, of the values its own
// clients gave it.
const valuesFile = "values"

// setup wires a Core, made at init, to n. A value is acknowledged as soon
// as it is stored, then spread. Reads answer with "messages" once a
// topology message has come (the broadcast workload sends one to every
// node before any read), with "value" otherwise (g-set).
//
// With a directory (under eddy, which may kill and restart the node), a
// value from a client is also appended to a log there before it is
// acknowledged, and the node counts its lives: restarted, it restores its
// clients' values and tells its peers it forgot the rest, which they send
// again (Core.Boot, Core.Meet).
func setup(n *nodekit.Node, opt Options) {
	var mu sync.Mutex
	var core *Core
	var values *durable.Log // nil without a directory
	var broadcast atomic.Bool
	n.OnInit(func(context.Context) error {
		core = NewCore(n.ID(), n.NodeIDs(), opt)
		if n.Dir() == "" {
			return nil
		}
		boot, restarted, err := durable.NextBoot(n.Dir())
		if err != nil {
			return err
		}
		log, records, err := durable.OpenLog(filepath.Join(n.Dir(), valuesFile))
		if err != nil {
			return err
		}
		kept := make([]int64, 0, len(records))
		for _, r := range records {
			v, err := strconv.ParseInt(string(r), 10, 64)
			if err != nil {
				return fmt.Errorf("%s: a record %q is not a value", valuesFile, r)
			}
			kept = append(kept, v)
		}
		core.Restore(kept)
		core.Boot(boot, restarted)
		values = log
		if restarted {
			n.Logger().Info("restarted", "boot", boot, "kept", len(kept))
		}
		return nil
	})
	n.HandleTopology(func([]string) { broadcast.Store(true) })
	step := func(f func(c *Core, now time.Time) []Out, then func()) {
		mu.Lock()
		outs := f(core, n.Now())
		mu.Unlock()
		then()
		for _, o := range outs {
			if err := n.Send(o.Dest, SyncBody{Type: "sync", Have: o.Have, Boot: o.Boot, Seen: o.Seen}); err != nil {
				n.Logger().Warn("sending sync", "dest", o.Dest, "error", err)
			}
		}
	}
	add := func(m nodekit.Message, v int64, okType string) {
		if values != nil {
			mu.Lock()
			fresh := !core.Has(v)
			mu.Unlock()
			if fresh {
				if err := values.Append(strconv.AppendInt(nil, v, 10)); err != nil {
					if rerr := n.ReplyError(m, fmt.Errorf("cannot keep the value: %w", err)); rerr != nil {
						n.Logger().Warn("replying", "dest", m.Src, "error", rerr)
					}
					return
				}
			}
		}
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
		step(func(c *Core, now time.Time) []Out {
			c.Meet(m.Src, b.Boot, b.Seen)
			return c.Receive(m.Src, b.Have, now)
		}, func() {})
	})
	n.Every(tickEvery, func(context.Context, time.Time) {
		step(func(c *Core, now time.Time) []Out { return c.Tick(now) }, func() {})
	})
}
