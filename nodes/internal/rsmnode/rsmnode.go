// Package rsmnode is the glue between a consensus core (rsm.Core) and a
// Maelstrom node serving the lin-kv workload: it turns read, write and cas
// requests into ops for the core, feeds it the protocol's messages and a
// tick every few milliseconds, and carries out what the core returns —
// persist, send, apply, answer — in that order. Everything protocol-specific
// is in the core; everything here is I/O.
package rsmnode

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"time"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"

	"github.com/eddy-workbench/eddy/nodes/internal/durable"
	"github.com/eddy-workbench/eddy/nodes/internal/rsm"
)

// Limits on what a client may store, so that any op fits a protocol
// message many times over.
const (
	MaxKeyBytes   = 1 << 10
	MaxValueBytes = 8 << 10
)

// Config is what a node binary gives Serve.
type Config[M rsm.Message, H, R any] struct {
	// Name prefixes the node's own log lines.
	Name string
	// Kinds are the protocol's message types.
	Kinds []string
	// Decode rebuilds a protocol message from a body.
	Decode func(src, dest string, body []byte) (M, error)
	// NewCore makes the core once the node knows its name and its peers,
	// starting from st.
	NewCore func(id string, nodes []string, st durable.State[H, R]) rsm.Core[M, H, R]
	// Store keeps the durable state; a fresh durable.Memory if nil.
	Store durable.Store[H, R]
	// Tick is how often the core is ticked.
	Tick time.Duration
	// Expire is how long a client request waits for its op to be applied
	// before the node forgets it (the client has given up by then).
	Expire time.Duration
	// Log receives the node's log lines (its stderr).
	Log io.Writer
}

// server is one running node.
type server[M rsm.Message, H, R any] struct {
	cfg  Config[M, H, R]
	node *maelstrom.Node
	boot uint64 // high bits of every op's Seq, so ops of a restarted node never collide

	start sync.Once
	done  chan struct{}

	stdin *io.PipeReader // what Run reads; closed to stop the node

	mu      sync.Mutex
	core    rsm.Core[M, H, R] // nil until init
	machine rsm.Machine
	seq     uint64
	pending map[uint64]*request
	fatal   error
}

// request is a client request waiting for its op.
type request struct {
	src   string
	msgID int
	f     string
	age   int // in ticks
}

// Serve runs a node on in (its stdin) until in ends.
func Serve[M rsm.Message, H, R any](node *maelstrom.Node, in io.Reader, cfg Config[M, H, R]) error {
	if cfg.Store == nil {
		cfg.Store = &durable.Memory[H, R]{}
	}
	s := &server[M, H, R]{
		cfg:     cfg,
		node:    node,
		boot:    uint64(rand.Uint32()) << 32,
		done:    make(chan struct{}),
		pending: map[uint64]*request{},
	}
	node.Handle("init", func(maelstrom.Message) error {
		// The library set the node's ids in this goroutine just before.
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.core == nil {
			st, err := cfg.Store.Load()
			if err != nil {
				return fmt.Errorf("loading durable state: %w", err)
			}
			s.core = cfg.NewCore(node.ID(), node.NodeIDs(), st)
		}
		s.start.Do(func() { go s.tickLoop() })
		return nil
	})
	for _, f := range []string{rsm.Read, rsm.Write, rsm.CAS} {
		node.Handle(f, s.handleClient)
	}
	for _, kind := range cfg.Kinds {
		node.Handle(kind, s.handlePeer)
	}
	handled := map[string]bool{"init": true, rsm.Read: true, rsm.Write: true, rsm.CAS: true}
	for _, k := range cfg.Kinds {
		handled[k] = true
	}
	defer close(s.done)
	r, w := io.Pipe()
	s.stdin = r
	node.Stdin = r
	go screen(node, handled, in, w, s.logf)
	err := node.Run()
	r.Close() // unblocks screen if Run stopped early
	if err == nil {
		s.mu.Lock()
		err = s.fatal
		s.mu.Unlock()
	}
	return err
}

func (s *server[M, H, R]) logf(format string, args ...any) {
	fmt.Fprintf(s.cfg.Log, s.cfg.Name+": "+format+"\n", args...)
}

// clientReq is a read, write or cas request. Raw fields tell a missing
// field (nil) from a null one.
type clientReq struct {
	MsgID  int             `json:"msg_id"`
	Key    json.RawMessage `json:"key"`
	Value  json.RawMessage `json:"value"`
	From   json.RawMessage `json:"from"`
	To     json.RawMessage `json:"to"`
	Create *bool           `json:"create_if_not_exists"`
}

func (s *server[M, H, R]) handleClient(msg maelstrom.Message) error {
	var req clientReq
	if err := json.Unmarshal(msg.Body, &req); err != nil {
		return malformed("the body is not a lin-kv request: %v", err)
	}
	op, err := opOf(msg.Type(), req)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.core == nil {
		return maelstrom.NewRPCError(maelstrom.TemporarilyUnavailable, "not initialised yet")
	}
	s.seq++
	op.Origin, op.Seq = s.node.ID(), s.boot|s.seq
	s.pending[op.Seq] = &request{src: msg.Src, msgID: req.MsgID, f: op.F}
	s.core.Submit(op)
	s.drain()
	return nil
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

func (s *server[M, H, R]) handlePeer(msg maelstrom.Message) error {
	m, err := s.cfg.Decode(msg.Src, msg.Dest, msg.Body)
	if err != nil {
		s.logf("dropping a malformed %s message from %s: %v", msg.Type(), msg.Src, err)
		return nil // no reply: peer messages are not requests
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.core != nil {
		s.core.Step(m)
		s.drain()
	}
	return nil
}

// tickLoop ticks the core until the node stops.
func (s *server[M, H, R]) tickLoop() {
	t := time.NewTicker(s.cfg.Tick)
	defer t.Stop()
	expire := int(s.cfg.Expire / s.cfg.Tick)
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
		}
		s.mu.Lock()
		if s.core == nil {
			s.mu.Unlock()
			return
		}
		s.core.Tick()
		s.drain()
		for seq, r := range s.pending {
			if r.age++; r.age > expire {
				delete(s.pending, seq)
			}
		}
		s.mu.Unlock()
	}
}

// drain carries out what the core returns: persist, send, apply and
// answer, log. It is called with the lock held.
func (s *server[M, H, R]) drain() {
	if s.fatal != nil {
		return
	}
	rd := s.core.Ready()
	for _, u := range rd.Persist {
		if err := s.cfg.Store.Save(u); err != nil {
			// Nothing may be sent that depends on an unsaved change.
			s.fatal = fmt.Errorf("saving durable state: %w", err)
			s.logf("%v; stopping", s.fatal)
			s.core = nil
			s.stdin.CloseWithError(s.fatal)
			return
		}
	}
	for _, m := range rd.Messages {
		if err := s.node.Send(m.Dest(), m); err != nil {
			s.logf("sending to %s: %v", m.Dest(), err)
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

// answer replies to the client whose op seq has its result, if the
// client is still waiting.
func (s *server[M, H, R]) answer(seq uint64, res rsm.Result) {
	r := s.pending[seq]
	if r == nil {
		return
	}
	delete(s.pending, seq)
	var body any
	switch {
	case res.Code != 0:
		body = struct {
			Type      string `json:"type"`
			InReplyTo int    `json:"in_reply_to"`
			Code      int    `json:"code"`
			Text      string `json:"text"`
		}{"error", r.msgID, res.Code, res.Text}
	case r.f == rsm.Read:
		body = struct {
			Type      string          `json:"type"`
			InReplyTo int             `json:"in_reply_to"`
			Value     json.RawMessage `json:"value"`
		}{"read_ok", r.msgID, res.Value}
	default:
		body = struct {
			Type      string `json:"type"`
			InReplyTo int    `json:"in_reply_to"`
		}{r.f + "_ok", r.msgID}
	}
	if err := s.node.Send(r.src, body); err != nil {
		s.logf("answering %s: %v", r.src, err)
	}
}
