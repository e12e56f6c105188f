package main

import (
	"context"
	"errors"
	"flag"
	"sync"
	"time"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"

	"github.com/eddy-workbench/eddy/nodekit"
)

func main() { nodekit.Main(program()) }

// program returns the node's flags and its setup.
func program() (*flag.FlagSet, func(*nodekit.Node) error) {
	fs := flag.NewFlagSet("txn", flag.ContinueOnError)
	interval := fs.Duration("sync", 100*time.Millisecond, "how often to send peers the writes they lack")
	return fs, func(n *nodekit.Node) error {
		if *interval <= 0 {
			return errors.New("-sync must be positive")
		}
		setup(n, *interval)
		return nil
	}
}

// setup wires a Core, made at init, to n: transactions run on it at once,
// and every interval it says which batches to send.
func setup(n *nodekit.Node, interval time.Duration) {
	var mu sync.Mutex
	var core *Core
	locked := func(f func(c *Core)) { mu.Lock(); defer mu.Unlock(); f(core) }
	n.OnInit(func(context.Context) error { core = NewCore(n.ID(), n.NodeIDs(), n.MaxBody()); return nil })
	nodekit.Handle(n, "txn", func(_ context.Context, _ nodekit.Message, r TxnReq) (resp TxnOK, err error) {
		locked(func(c *Core) { resp.Txn, err = c.Txn(r.Txn) })
		if errors.Is(err, ErrTooLarge) {
			err = nodekit.Errorf(maelstrom.MalformedRequest, "%v (at most %d bytes of JSON)", err, n.MaxBody())
		}
		return resp, err
	})
	nodekit.HandleOneWay(n, "sync", func(_ context.Context, m nodekit.Message, b Batch) {
		var ack Ack
		locked(func(c *Core) { ack = c.Receive(m.Src, b) })
		if err := n.Send(m.Src, ack); err != nil {
			n.Logger().Warn("acknowledging", "dest", m.Src, "error", err)
		}
	})
	nodekit.HandleOneWay(n, "sync_ok", func(_ context.Context, m nodekit.Message, a Ack) {
		locked(func(c *Core) { c.Acked(m.Src, a.Seq) })
	})
	n.Every(interval, func(context.Context, time.Time) {
		var outs []Outgoing
		locked(func(c *Core) { outs = c.Tick() })
		for _, o := range outs {
			if err := n.Send(o.Dest, o.Body); err != nil {
				n.Logger().Warn("sending sync", "dest", o.Dest, "error", err)
			}
		}
	})
}
