// Package crdtnode wires a crdt.Gossip to a node of the kit (nodekit):
// flags, the gossip message, the clock. The g-set and pn-counter nodes add
// their client handlers on top.
//
// Nodes exchange one fire-and-forget message,
//
//	{"type":"gossip","id":7,"ack":[3,4],"entries":…}
//
// where id (absent when 0) asks for an acknowledgement, ack acknowledges
// the peer's messages, and entries is encoded by the node's Codec.
//
// With a directory (under eddy, which may kill and restart the node),
// every rise of the state — a client's change, what a peer's message
// merged — is appended to a log there before the client is answered or
// the message acknowledged, so what the node told anyone it has survives a
// kill. At a restart the log is replayed as local changes, which marks
// them for every peer: the node sends its whole state again once, and
// what peers sent it while it was down (never acknowledged) they send
// again.
package crdtnode

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/eddy-workbench/eddy/nodekit"
	"github.com/eddy-workbench/eddy/nodekit/durable"
	"github.com/eddy-workbench/eddy/nodes/internal/crdt"
)

// Codec encodes a node's entries in gossip messages.
type Codec struct {
	// Encode renders entries as the JSON of the "entries" field.
	Encode func([]crdt.Entry) (json.RawMessage, error)
	// Decode reads the "entries" field back.
	Decode func(json.RawMessage) ([]crdt.Entry, error)
	// Size is the encoded size of one entry, for the byte bound.
	Size func(crdt.Entry) int
}

// Flags registers -strategy state|delta, -round and -flush on fs; the
// function it returns checks them and gives the gossip options.
func Flags(fs *flag.FlagSet) func() (crdt.Options, error) {
	strategy := fs.String("strategy", string(crdt.Delta), "state (whole state every round) or delta (what a peer may lack, acknowledged)")
	round := fs.Duration("round", crdt.DefaultRound, "round length")
	flush := fs.Duration("flush", crdt.DefaultFlush, "how long the hub waits after the first message of a round before sending")
	return func() (crdt.Options, error) {
		opt := crdt.Options{Strategy: crdt.Strategy(*strategy), Round: *round, Flush: *flush}
		switch {
		case opt.Strategy != crdt.State && opt.Strategy != crdt.Delta:
			return crdt.Options{}, fmt.Errorf("-strategy must be state or delta, not %q", *strategy)
		case *round <= 0:
			return crdt.Options{}, errors.New("-round must be positive")
		case *flush <= 0:
			return crdt.Options{}, errors.New("-flush must be positive")
		case *flush >= *round/2:
			return crdt.Options{}, errors.New("-flush must be under half a round")
		}
		return opt, nil
	}
}

// ParseFlags reads -strategy, -round and -flush from args into gossip
// options. name is the command's name, for messages.
func ParseFlags(name string, args []string) (crdt.Options, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(nopWriter{})
	check := Flags(fs)
	if err := fs.Parse(args); err != nil {
		return crdt.Options{}, err
	}
	if fs.NArg() > 0 {
		return crdt.Options{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return check()
}

type nopWriter struct{}

func (nopWriter) Write(p []byte) (int, error) { return len(p), nil }

// tickEvery is how often the Gossip is given the time.
const tickEvery = 10 * time.Millisecond

// stateFile is the log, in the node's directory, of the state's rises.
const stateFile = "state"

// Server runs a Gossip on a node.
type Server struct {
	n  *nodekit.Node
	mu sync.Mutex
	g  *crdt.Gossip // set at init

	log    *durable.Log // nil without a directory
	raised []crdt.Entry // rises not yet kept, under mu
}

// keep appends the rises since the last call to the log; called under mu
// before anything that shows them goes out.
func (s *Server) keep() error {
	if s.log == nil || len(s.raised) == 0 {
		s.raised = s.raised[:0]
		return nil
	}
	b, err := json.Marshal(s.raised)
	s.raised = s.raised[:0]
	if err != nil {
		return err
	}
	return s.log.Append(b)
}

// gossipBody is the node-to-node message.
type gossipBody struct {
	Type    string          `json:"type"`
	ID      uint64          `json:"id,omitempty"`
	Ack     []uint64        `json:"ack,omitempty"`
	Entries json.RawMessage `json:"entries,omitempty"`
}

// New sets up gossip on node n; register the client handlers next, and
// reach the state through Do.
func New(n *nodekit.Node, opt crdt.Options, codec Codec) *Server {
	opt.EntrySize = codec.Size
	// Room for the envelope and the acknowledgements around the entries.
	opt.MaxBytes = n.MaxBody() - 1024
	s := &Server{n: n}
	opt.OnRaise = func(key string, val int64) { s.raised = append(s.raised, crdt.Entry{Key: key, Val: val}) }
	n.OnInit(func(context.Context) error {
		// Message ids differ between runs of the node, so that an
		// acknowledgement meant for an earlier run matches nothing.
		opt.FirstID = uint64(n.Now().UnixNano())
		s.g = crdt.NewGossip(n.ID(), n.NodeIDs(), opt)
		if n.Dir() == "" {
			return nil
		}
		log, records, err := durable.OpenLog(filepath.Join(n.Dir(), stateFile))
		if err != nil {
			return err
		}
		for i, r := range records {
			var es []crdt.Entry
			if err := json.Unmarshal(r, &es); err != nil {
				return fmt.Errorf("%s: record %d: %w", stateFile, i, err)
			}
			for _, e := range es {
				s.g.Raise(e.Key, e.Val)
			}
		}
		s.raised = s.raised[:0] // replayed, not new
		s.log = log
		if len(records) > 0 {
			n.Logger().Info("restarted", "keys", s.g.State().Len())
		}
		return nil
	})
	nodekit.HandleOneWay(n, "gossip", func(_ context.Context, m nodekit.Message, b gossipBody) {
		var entries []crdt.Entry
		if len(b.Entries) > 0 {
			var err error
			if entries, err = codec.Decode(b.Entries); err != nil {
				n.Logger().Warn("dropping gossip with bad entries", "src", m.Src, "error", err)
				return
			}
		}
		s.mu.Lock()
		s.g.Receive(m.Src, crdt.Message{ID: b.ID, Ack: b.Ack, Entries: entries}, n.Now())
		// Kept before the acknowledgement, which the next Tick sends.
		err := s.keep()
		s.mu.Unlock()
		if err != nil {
			n.Logger().Error("cannot keep what a peer sent", "src", m.Src, "error", err)
		}
	})
	n.Every(tickEvery, func(_ context.Context, now time.Time) {
		s.mu.Lock()
		out := s.g.Tick(now)
		s.mu.Unlock()
		for _, m := range out {
			body := gossipBody{Type: "gossip", ID: m.ID, Ack: m.Ack}
			if len(m.Entries) > 0 {
				raw, err := codec.Encode(m.Entries)
				if err != nil {
					n.Logger().Warn("encoding gossip", "dest", m.Dest, "error", err)
					continue
				}
				body.Entries = raw
			}
			if err := n.Send(m.Dest, body); err != nil {
				n.Logger().Warn("sending gossip", "dest", m.Dest, "error", err)
			}
		}
	})
	return s
}

// Do runs f on the gossip under the server's lock, then keeps what f
// raised (see the package comment) before it returns: a handler answers
// its client after Do. Handlers run only after init, so the gossip is
// always there.
func (s *Server) Do(f func(*crdt.Gossip) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := f(s.g)
	if kerr := s.keep(); kerr != nil && err == nil {
		err = fmt.Errorf("cannot keep the change: %w", kerr)
	}
	return err
}
