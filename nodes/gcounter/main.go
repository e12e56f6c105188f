// Command gcounter is a Maelstrom node for the g-counter and pn-counter
// workloads (Gossip Glomers challenge 4). Its state lives in Maelstrom's
// seq-kv service: each node keeps its share of the counter under its own key
// and only ever writes that key, so no compare-and-set is needed.
//
// Adds and reads are answered at once from memory; service round trips stay
// off that path. Once per sync interval (-sync, default 1s) a node writes
// its share to seq-kv and then reads every peer's share (counter.go explains
// why those reads are fresh). With n nodes a round costs 2n messages,
// whatever the rate of client operations. At start a node reads its own key
// back, so a restarted node continues from its earlier share.
//
// With a directory (under eddy, which may kill and restart the node), the
// node also writes its share there (a file replaced atomically) before it
// acknowledges an add, and a restarted node starts from that share: seq-kv
// alone would lose the adds acknowledged since the last sync.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/eddy-workbench/eddy/nodekit"
	"github.com/eddy-workbench/eddy/nodekit/durable"
)

func main() { nodekit.Main(program()) }

// program returns the node's flags and its setup.
func program() (*flag.FlagSet, func(*nodekit.Node) error) {
	fs := flag.NewFlagSet("gcounter", flag.ContinueOnError)
	interval := fs.Duration("sync", time.Second, "how often to write this node's share to seq-kv and read the others'")
	return fs, func(n *nodekit.Node) error {
		if *interval <= 0 {
			return errors.New("-sync must be positive")
		}
		setup(n, *interval)
		return nil
	}
}

type (
	addReq struct {
		Delta int64 `json:"delta" nodekit:"required"`
	}
	readOK struct {
		Value int64 `json:"value"`
	}
)

// shareFile is the file, in the node's directory, holding its share.
const shareFile = "share"

// setup registers the handlers and the sync round, every interval.
func setup(n *nodekit.Node, interval time.Duration) {
	s := &syncer{c: NewCounter(), kv: nodekit.NewKV(n, "seq-kv", nodekit.CallOptions{Timeout: time.Second})}
	share := ""
	if n.Dir() != "" {
		share = filepath.Join(n.Dir(), shareFile)
		n.OnInit(func(context.Context) error {
			b, err := durable.ReadFile(share)
			if err != nil || b == nil {
				return err
			}
			total, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
			if err != nil {
				return fmt.Errorf("%s holds %q, not a share", share, b)
			}
			s.locked(func(c *Counter) { c.Keep(total) })
			n.Logger().Info("restarted", "share", total)
			return nil
		})
	}
	nodekit.Handle(n, "add", func(_ context.Context, _ nodekit.Message, r addReq) (_ struct{}, err error) {
		s.locked(func(c *Counter) {
			if share != "" {
				// Kept before acknowledged, in the order of the adds.
				if err = durable.WriteFile(share, strconv.AppendInt(nil, c.Own()+r.Delta, 10)); err != nil {
					return
				}
			}
			c.Add(r.Delta)
		})
		return struct{}{}, err
	})
	nodekit.Handle(n, "read", func(context.Context, nodekit.Message, struct{}) (v readOK, _ error) {
		s.locked(func(c *Counter) { v.Value = c.Value() })
		return v, nil
	})
	n.Every(interval, func(ctx context.Context, _ time.Time) {
		if err := s.round(ctx, n.ID(), n.Peers()); err != nil {
			n.Logger().Warn("sync round", "error", err)
		}
	})
}
