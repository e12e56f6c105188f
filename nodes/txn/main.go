package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"

	"github.com/eddy-workbench/eddy/nodekit"
	"github.com/eddy-workbench/eddy/nodekit/durable"
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

// walFile is the log, in the node's directory, of what changed its state.
const walFile = "wal"

// walRecord is one entry of the log: a transaction that writes (Txn), or
// the entries of a peer's batch applied here (Origin, Batch).
type walRecord struct {
	Txn    []Mop  `json:"t,omitempty"`
	Origin string `json:"o,omitempty"`
	Batch  *Batch `json:"b,omitempty"`
}

// setup wires a Core, made at init, to n: transactions run on it at once,
// and every interval it says which batches to send.
//
// With a directory (under eddy, which may kill and restart the node), what
// changes the Core — a transaction that writes, the new entries of a
// peer's batch — is first appended to a log there, under the Core's lock,
// so before the transaction is answered or the batch acknowledged, and
// before anything it changed can be replicated. At a restart the log is
// replayed through a fresh Core, which rebuilds exactly the same state
// (the Core is deterministic): the registers, the clock, this node's
// numbered stream (so peers see no number reused) and what it holds of
// every peer's. What peers had acknowledged goes to them again, and they
// ignore what they hold.
func setup(n *nodekit.Node, interval time.Duration) {
	var mu sync.Mutex
	var core *Core
	var wal *durable.Log // nil without a directory
	locked := func(f func(c *Core)) { mu.Lock(); defer mu.Unlock(); f(core) }
	keep := func(r walRecord) error {
		if wal == nil {
			return nil
		}
		b, err := json.Marshal(r)
		if err == nil {
			err = wal.Append(b)
		}
		return err
	}
	n.OnInit(func(context.Context) error {
		core = NewCore(n.ID(), n.NodeIDs(), n.MaxBody())
		if n.Dir() == "" {
			return nil
		}
		log, records, err := durable.OpenLog(filepath.Join(n.Dir(), walFile))
		if err != nil {
			return err
		}
		for i, raw := range records {
			var r walRecord
			if err := json.Unmarshal(raw, &r); err != nil {
				return fmt.Errorf("%s: record %d: %w", walFile, i, err)
			}
			if r.Batch != nil {
				core.Receive(r.Origin, *r.Batch)
			} else if _, err := core.Txn(r.Txn); err != nil {
				return fmt.Errorf("%s: record %d: %w", walFile, i, err)
			}
		}
		wal = log
		if len(records) > 0 {
			n.Logger().Info("restarted", "replayed", len(records))
		}
		return nil
	})
	nodekit.Handle(n, "txn", func(_ context.Context, _ nodekit.Message, r TxnReq) (resp TxnOK, err error) {
		locked(func(c *Core) {
			if writes(r.Txn) {
				if err = keep(walRecord{Txn: r.Txn}); err != nil {
					err = nodekit.Errorf(maelstrom.Crash, "cannot keep the transaction: %v", err)
					return
				}
			}
			resp.Txn, err = c.Txn(r.Txn)
		})
		if errors.Is(err, ErrTooLarge) {
			err = nodekit.Errorf(maelstrom.MalformedRequest, "%v (at most %d bytes of JSON)", err, n.MaxBody())
		}
		return resp, err
	})
	nodekit.HandleOneWay(n, "sync", func(_ context.Context, m nodekit.Message, b Batch) {
		var ack Ack
		var err error
		locked(func(c *Core) {
			if fresh := c.Fresh(m.Src, b); len(fresh.Entries) > 0 {
				if err = keep(walRecord{Origin: m.Src, Batch: &fresh}); err != nil {
					return // not applied, not acknowledged: it comes again
				}
			}
			ack = c.Receive(m.Src, b)
		})
		if err != nil {
			n.Logger().Error("cannot keep a batch", "src", m.Src, "error", err)
			return
		}
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

// writes reports whether a transaction writes anything.
func writes(mops []Mop) bool {
	for _, m := range mops {
		if m.F == "w" {
			return true
		}
	}
	return false
}
