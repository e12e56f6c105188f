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

// walFile is the log, in the node's directory, of what changed its state.
const walFile = "wal"

// walRecord is one entry of the log, one of: a client's send (Key, Msg), a
// client's commit (Commit), a peer's sync carrying items (From, Sync), or
// a turn of dirty keys into stream items (Flush).
type walRecord struct {
	Key    string           `json:"k,omitempty"`
	Msg    json.RawMessage  `json:"m,omitempty"`
	Commit map[string]int64 `json:"c,omitempty"`
	From   string           `json:"r,omitempty"`
	Sync   *SyncBody        `json:"b,omitempty"`
	Flush  bool             `json:"f,omitempty"`
}

// replay applies a record to a Core as it was applied when it was kept.
func (r walRecord) replay(c *Core) {
	switch {
	case r.Sync != nil:
		c.Receive(r.From, *r.Sync)
	case r.Commit != nil:
		c.Commit(r.Commit)
	case r.Flush:
		c.flushDirty()
	default:
		c.Send(r.Key, r.Msg)
	}
}

// setup wires a Core, made at init, to n: requests are answered from it at
// once, and every interval it says what to send peers.
//
// With a directory (under eddy, which may kill and restart the node),
// every input that changes the Core — a send, a commit, a peer's sync with
// items, the turn of dirty keys into stream items at a tick — is first
// appended to a log there, under the Core's lock, so before its answer,
// acknowledgement or replication. At a restart the log is replayed through
// a fresh Core, which, being deterministic, rebuilds the same logs,
// frontier promises, commits and numbered stream: no offset is allocated
// twice, no promise is broken, and peers see no item number reused.
func setup(n *nodekit.Node, opt Options) {
	opt = opt.withDefaults()
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
		if err != nil {
			return nodekit.Errorf(maelstrom.Crash, "cannot keep the request: %v", err)
		}
		return nil
	}
	n.OnInit(func(context.Context) error {
		core = NewCore(n.ID(), n.NodeIDs(), opt)
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
			r.replay(core)
		}
		wal = log
		if len(records) > 0 {
			n.Logger().Info("restarted", "replayed", len(records))
		}
		return nil
	})
	nodekit.Handle(n, "send", func(_ context.Context, _ nodekit.Message, r SendReq) (resp SendOK, err error) {
		locked(func(c *Core) {
			if err = keep(walRecord{Key: r.Key, Msg: r.Msg}); err == nil {
				resp.Offset = c.Send(r.Key, r.Msg)
			}
		})
		return resp, err
	})
	nodekit.Handle(n, "poll", func(_ context.Context, _ nodekit.Message, r OffsetsReq) (resp PollOK, _ error) {
		locked(func(c *Core) { resp.Msgs = c.Poll(r.Offsets) })
		return resp, nil
	})
	nodekit.Handle(n, "commit_offsets", func(_ context.Context, _ nodekit.Message, r OffsetsReq) (_ struct{}, err error) {
		locked(func(c *Core) {
			if len(r.Offsets) == 0 {
				return // changes nothing, and an empty map is not kept
			}
			if err = keep(walRecord{Commit: r.Offsets}); err == nil {
				c.Commit(r.Offsets)
			}
		})
		return struct{}{}, err
	})
	nodekit.Handle(n, "list_committed_offsets", func(_ context.Context, _ nodekit.Message, r KeysReq) (resp OffsetsOK, _ error) {
		locked(func(c *Core) { resp.Offsets = c.Committed(r.Keys) })
		return resp, nil
	})
	nodekit.HandleOneWay(n, "sync", func(_ context.Context, m nodekit.Message, b SyncBody) {
		locked(func(c *Core) {
			if len(b.Items) > 0 {
				if err := keep(walRecord{From: m.Src, Sync: &b}); err != nil {
					n.Logger().Error("cannot keep a sync; dropped, it comes again", "src", m.Src, "error", err)
					return
				}
			}
			c.Receive(m.Src, b)
		})
	})
	n.Every(opt.Interval, func(_ context.Context, now time.Time) {
		var outs []Out
		locked(func(c *Core) {
			if len(c.dirty) > 0 {
				if err := keep(walRecord{Flush: true}); err != nil {
					n.Logger().Error("cannot keep a flush; the tick is skipped", "error", err)
					return
				}
			}
			outs = c.Tick(now)
		})
		for _, o := range outs {
			if err := n.Send(o.Dest, o.Body); err != nil {
				n.Logger().Warn("sending sync", "dest", o.Dest, "error", err)
			}
		}
	})
}
