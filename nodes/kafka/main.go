package main

import (
	"context"
	"errors"
	"flag"
	"sync"
	"time"

	"github.com/eddy-workbench/eddy/nodekit"
)

func main() { nodekit.Main(program()) }

// program returns the node's flags and its setup.
func program() (*flag.FlagSet, func(*nodekit.Node) error) {
	fs := flag.NewFlagSet("kafka", flag.ContinueOnError)
	interval := fs.Duration("sync", DefaultInterval, "how often to send peers what is new")
	return fs, func(n *nodekit.Node) error {
		if *interval <= 0 {
			return errors.New("-sync must be positive")
		}
		setup(n, Options{Interval: *interval})
		return nil
	}
}

// setup wires a Core, made at init, to n: requests are answered from it at
// once, and every interval it says what to send peers.
func setup(n *nodekit.Node, opt Options) {
	opt = opt.withDefaults()
	var mu sync.Mutex
	var core *Core
	locked := func(f func(c *Core)) { mu.Lock(); defer mu.Unlock(); f(core) }
	n.OnInit(func(context.Context) error { core = NewCore(n.ID(), n.NodeIDs(), opt); return nil })
	nodekit.Handle(n, "send", func(_ context.Context, _ nodekit.Message, r SendReq) (resp SendOK, _ error) {
		locked(func(c *Core) { resp.Offset = c.Send(r.Key, r.Msg) })
		return resp, nil
	})
	nodekit.Handle(n, "poll", func(_ context.Context, _ nodekit.Message, r OffsetsReq) (resp PollOK, _ error) {
		locked(func(c *Core) { resp.Msgs = c.Poll(r.Offsets) })
		return resp, nil
	})
	nodekit.Handle(n, "commit_offsets", func(_ context.Context, _ nodekit.Message, r OffsetsReq) (struct{}, error) {
		locked(func(c *Core) { c.Commit(r.Offsets) })
		return struct{}{}, nil
	})
	nodekit.Handle(n, "list_committed_offsets", func(_ context.Context, _ nodekit.Message, r KeysReq) (resp OffsetsOK, _ error) {
		locked(func(c *Core) { resp.Offsets = c.Committed(r.Keys) })
		return resp, nil
	})
	nodekit.HandleOneWay(n, "sync", func(_ context.Context, m nodekit.Message, b SyncBody) {
		locked(func(c *Core) { c.Receive(m.Src, b) })
	})
	n.Every(opt.Interval, func(_ context.Context, now time.Time) {
		var outs []Out
		locked(func(c *Core) { outs = c.Tick(now) })
		for _, o := range outs {
			if err := n.Send(o.Dest, o.Body); err != nil {
				n.Logger().Warn("sending sync", "dest", o.Dest, "error", err)
			}
		}
	})
}
