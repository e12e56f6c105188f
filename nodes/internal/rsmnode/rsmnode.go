// Package rsmnode is the glue between a consensus core (rsm.Core) and a
// node of the kit (nodekit) serving the lin-kv workload: it turns read,
// write and cas requests into ops for the core, feeds it the protocol's
// messages and a tick every few milliseconds, and carries out what the
// core returns — persist, send, apply, answer — in that order. Everything
// protocol-specific is in the core; everything here is I/O.
package rsmnode

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"time"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"

	"github.com/eddy-workbench/eddy/nodekit"
	"github.com/eddy-workbench/eddy/nodes/internal/durable"
	"github.com/eddy-workbench/eddy/nodes/internal/rsm"
)

// Limits on what a client may store, so that any op fits a protocol
// message many times over.
const (
	MaxKeyBytes   = 1 << 10
	MaxValueBytes = 8 << 10
)

// Config is what a node binary gives Setup.
type Config[M rsm.Message, H, R any] struct {
	// Kinds are the protocol's message types.
	Kinds []string
	// Decode rebuilds a protocol message from a body.
	Decode func(src, dest string, body []byte) (M, error)
	// NewCore makes the core once the node knows its name and its peers,
	// starting from st.
	NewCore func(id string, nodes []string, st durable.State[H, R]) rsm.Core[M, H, R]
	// Store keeps the durable state. If nil: with Persist and a node
	// directory (nodekit.Node.Dir), a durable.File there, opened at init;
	// otherwise a fresh durable.Memory.
	Store durable.Store[H, R]
	// Persist asks for a durable.File when Store is nil (see Store).
	Persist bool
	// Tick is how often the core is ticked.
	Tick time.Duration
	// Expire is how long, on the node's clock, a client request waits for
	// its op to be applied; an older one is forgotten unanswered, as its
	// client has given up (Maelstrom's lin-kv clients wait 1 s, or ten
	// times --latency if that is longer).
	Expire time.Duration
	// Log receives the core's events as lines "eddy: …" (os.Stderr if
	// nil).
	Log io.Writer
}

// server is one running node.
type server[M rsm.Message, H, R any] struct {
	cfg  Config[M, H, R]
	node *nodekit.Node
	boot uint64 // high bits of every op's Seq, so ops of a restarted node never collide

	mu      sync.Mutex
	core    rsm.Core[M, H, R] // nil until init, and after a failure to persist
	machine rsm.Machine
	seq     uint64
	pending map[uint64]*request
}

// request is a client request waiting for its op.
type request struct {
	msg nodekit.Message
	f   string
	at  time.Time // when it came
}

// storeFile is the durable.File in the node's directory.
const storeFile = "consensus"

// Setup registers on n the lin-kv requests, the protocol's messages and
// the tick, around a core made at init.
func Setup[M rsm.Message, H, R any](n *nodekit.Node, cfg Config[M, H, R]) {
	if cfg.Log == nil {
		cfg.Log = os.Stderr
	}
	s := &server[M, H, R]{
		cfg:     cfg,
		node:    n,
		boot:    uint64(rand.Uint32()) << 32,
		pending: map[uint64]*request{},
	}
	n.OnInit(func(context.Context) error {
		if cfg.Persist && n.Dir() != "" && s.cfg.Store == nil {
			f, err := durable.OpenFile[H, R](filepath.Join(n.Dir(), storeFile))
			if err != nil {
				return fmt.Errorf("opening durable state: %w", err)
			}
			s.mu.Lock()
			s.cfg.Store = f
			s.mu.Unlock()
		}
		s.mu.Lock()
		if s.cfg.Store == nil {
			s.cfg.Store = &durable.Memory[H, R]{}
		}
		store := s.cfg.Store
		s.mu.Unlock()
		st, err := store.Load()
		if err != nil {
			return fmt.Errorf("loading durable state: %w", err)
		}
		s.mu.Lock()
		s.core = cfg.NewCore(n.ID(), n.NodeIDs(), st)
		s.mu.Unlock()
		return nil
	})
	for _, f := range []string{rsm.Read, rsm.Write, rsm.CAS} {
		nodekit.HandleOneWay(n, f, s.handleClient)
	}
	for _, kind := range cfg.Kinds {
		nodekit.HandleOneWay(n, kind, s.handlePeer)
	}
	n.Every(cfg.Tick, func(context.Context, time.Time) { s.tick() })
}

// clientReq is a read, write or cas request. Raw fields tell a missing
// field (nil) from a null one.
type clientReq struct {
	Key    json.RawMessage `json:"key"`
	Value  json.RawMessage `json:"value"`
	From   json.RawMessage `json:"from"`
	To     json.RawMessage `json:"to"`
	Create *bool           `json:"create_if_not_exists"`
}

func (s *server[M, H, R]) handleClient(_ context.Context, m nodekit.Message, req clientReq) {
	op, err := opOf(m.Type, req)
	if err == nil {
		s.mu.Lock()
		if s.core == nil {
			err = maelstrom.NewRPCError(maelstrom.TemporarilyUnavailable, "this node cannot serve: it could not save its state")
		} else {
			s.seq++
			op.Origin, op.Seq = s.node.ID(), s.boot|s.seq
			s.pending[op.Seq] = &request{msg: m, f: op.F, at: s.node.Now()}
			s.core.Submit(op)
			s.drain()
		}
		s.mu.Unlock()
	}
	if err != nil {
		if rerr := s.node.ReplyError(m, err); rerr != nil {
			s.node.Logger().Warn("answering a client", "dest", m.Src, "error", rerr)
		}
	}
}

func malformed(format string, args ...any) error {
	return maelstrom.NewRPCError(maelstrom.MalformedRequest, fmt.Sprintf(format, args...))
}

// opOf checks a request and makes its op, with canonical JSON.
func opOf(f string, req clientReq) (rsm.Op, error) {
	op := rsm.Op{F: f}
	fields := []struct {
		name string
		raw  json.RawMessage
		dst  *json.RawMessage
		max  int
		need bool
	}{
		{"key", req.Key, &op.Key, MaxKeyBytes, true},
		{"value", req.Value, &op.Value, MaxValueBytes, f == rsm.Write},
		{"from", req.From, &op.From, MaxValueBytes, f == rsm.CAS},
		{"to", req.To, &op.To, MaxValueBytes, f == rsm.CAS},
	}
	for _, fl := range fields {
		if !fl.need {
			continue
		}
		if fl.raw == nil {
			return op, malformed("%s needs %q", f, fl.name)
		}
		if len(fl.raw) > fl.max {
			return op, malformed("%q is %d bytes of JSON; this node takes up to %d", fl.name, len(fl.raw), fl.max)
		}
		c, err := rsm.Canonical(fl.raw)
		if err != nil {
			return op, malformed("%q is not JSON: %v", fl.name, err)
		}
		*fl.dst = c
	}
	op.Create = f == rsm.CAS && req.Create != nil && *req.Create
	return op, nil
}

func (s *server[M, H, R]) handlePeer(_ context.Context, m nodekit.Message, _ json.RawMessage) {
	msg, err := s.cfg.Decode(m.Src, s.node.ID(), m.Body)
	if err != nil {
		s.node.Logger().Warn("dropping a malformed protocol message", "type", m.Type, "src", m.Src, "error", err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.core != nil {
		s.core.Step(msg)
		s.drain()
	}
}

// tick ticks the core and forgets client requests too old to matter.
func (s *server[M, H, R]) tick() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.core == nil {
		return
	}
	s.core.Tick()
	s.drain()
	now := s.node.Now()
	for seq, r := range s.pending {
		if now.Sub(r.at) > s.cfg.Expire {
			delete(s.pending, seq)
		}
	}
}

// drain carries out what the core returns: persist, send, apply and
// answer, log. It is called with the lock held.
func (s *server[M, H, R]) drain() {
	rd := s.core.Ready()
	for _, u := range rd.Persist {
		if err := s.cfg.Store.Save(u); err != nil {
			// Nothing may be sent that depends on an unsaved change: the
			// node stops taking part.
			s.node.Logger().Error("saving durable state; this node stops serving", "error", err)
			s.core = nil
			return
		}
	}
	for _, m := range rd.Messages {
		if err := s.node.Send(m.Dest(), m); err != nil {
			s.node.Logger().Warn("sending a protocol message", "dest", m.Dest(), "error", err)
		}
	}
	for _, e := range rd.Committed {
		for _, op := range e.Ops {
			res := s.machine.Apply(op)
			if op.Origin == s.node.ID() {
				s.answer(op.Seq, res)
			}
		}
	}
	for _, op := range rd.Failed {
		s.answer(op.Seq, rsm.Result{Code: rsm.CodeTemporarilyUnavailable, Text: "no leader to pass the request to; it was not applied"})
	}
	for _, ev := range rd.Events {
		fmt.Fprintf(s.cfg.Log, "eddy: %s\n", ev)
	}
}

// Replies.
type (
	readOK struct {
		Type  string          `json:"type"`
		Value json.RawMessage `json:"value"`
	}
	doneOK struct {
		Type string `json:"type"`
	}
)

// answer replies to the client whose op seq has its result, if the
// client is still waiting.
func (s *server[M, H, R]) answer(seq uint64, res rsm.Result) {
	r := s.pending[seq]
	if r == nil {
		return
	}
	delete(s.pending, seq)
	if s.node.Now().Sub(r.at) > s.cfg.Expire {
		return // its client has given up
	}
	var err error
	switch {
	case res.Code != 0:
		err = s.node.ReplyError(r.msg, maelstrom.NewRPCError(res.Code, res.Text))
	case r.f == rsm.Read:
		err = s.node.Reply(r.msg, readOK{"read_ok", res.Value})
	default:
		err = s.node.Reply(r.msg, doneOK{r.f + "_ok"})
	}
	if err != nil {
		s.node.Logger().Warn("answering a client", "dest", r.msg.Src, "error", err)
	}
}
