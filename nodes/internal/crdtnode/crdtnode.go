// Package crdtnode wires a crdt.Gossip to a Maelstrom node: flags, the
// gossip message, the clock. The g-set and pn-counter nodes add their
// client handlers on top.
//
// Nodes exchange one fire-and-forget message,
//
//	{"type":"gossip","id":7,"ack":[3,4],"entries":…}
//
// where id (absent when 0) asks for an acknowledgement, ack acknowledges
// the peer's messages, and entries is encoded by the node's Codec.
package crdtnode

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"sync"
	"time"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"

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

// ParseFlags reads -strategy state|delta, -round and -flush into gossip
// options. name is the command's name, for messages.
func ParseFlags(name string, args []string) (crdt.Options, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	strategy := fs.String("strategy", string(crdt.Delta), "state (whole state every round) or delta (what a peer may lack, acknowledged)")
	round := fs.Duration("round", crdt.DefaultRound, "round length")
	flush := fs.Duration("flush", crdt.DefaultFlush, "how long the hub waits after the first message of a round before sending")
	if err := fs.Parse(args); err != nil {
		return crdt.Options{}, err
	}
	if fs.NArg() > 0 {
		return crdt.Options{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
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

// tickEvery is how often the Gossip is given the time.
const tickEvery = 10 * time.Millisecond

// Server is a Maelstrom node running a Gossip.
type Server struct {
	node     *maelstrom.Node
	opt      crdt.Options
	codec    Codec
	logger   *log.Logger // stderr; the library's own log is usually discarded
	start    sync.Once
	stopOnce sync.Once
	done     chan struct{}

	mu sync.Mutex
	g  *crdt.Gossip // nil until init
}

// gossipBody is the node-to-node message.
type gossipBody struct {
	Type    string          `json:"type"`
	ID      uint64          `json:"id,omitempty"`
	Ack     []uint64        `json:"ack,omitempty"`
	Entries json.RawMessage `json:"entries,omitempty"`
}

// New makes a server on node n. Register the client handlers with
// n.Handle, then call Run.
func New(n *maelstrom.Node, opt crdt.Options, codec Codec) *Server {
	opt.EntrySize = codec.Size
	// Message ids differ between runs of the node, so that an
	// acknowledgement meant for an earlier run matches nothing.
	opt.FirstID = uint64(time.Now().UnixNano())
	s := &Server{node: n, opt: opt, codec: codec, logger: log.New(os.Stderr, "", log.LstdFlags|log.Lmicroseconds), done: make(chan struct{})}
	n.Handle("init", func(maelstrom.Message) error {
		// The library set the node's ids in this goroutine just before.
		s.mu.Lock()
		if s.g == nil {
			s.g = crdt.NewGossip(n.ID(), n.NodeIDs(), s.opt)
		}
		s.mu.Unlock()
		s.start.Do(func() { go s.tickLoop() })
		return nil
	})
	n.Handle("gossip", func(msg maelstrom.Message) error {
		// No reply: gossip has no msg_id, and a returned error would be
		// sent back as one.
		var body gossipBody
		if err := json.Unmarshal(msg.Body, &body); err != nil {
			s.logger.Printf("dropping malformed gossip from %s: %v", msg.Src, err)
			return nil
		}
		var entries []crdt.Entry
		if len(body.Entries) > 0 {
			var err error
			if entries, err = codec.Decode(body.Entries); err != nil {
				s.logger.Printf("dropping gossip from %s with bad entries: %v", msg.Src, err)
				return nil
			}
		}
		s.mu.Lock()
		if s.g != nil {
			s.g.Receive(msg.Src, crdt.Message{ID: body.ID, Ack: body.Ack, Entries: entries}, time.Now())
		}
		s.mu.Unlock()
		return nil
	})
	return s
}

// Do runs f on the gossip under the server's lock, or answers
// temporarily-unavailable before init.
func (s *Server) Do(f func(*crdt.Gossip) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.g == nil {
		return maelstrom.NewRPCError(maelstrom.TemporarilyUnavailable, "not initialised yet")
	}
	return f(s.g)
}

// Run serves until stdin ends, then stops the clock.
func (s *Server) Run() error {
	defer s.stopOnce.Do(func() { close(s.done) })
	return s.node.Run()
}

func (s *Server) tickLoop() {
	t := time.NewTicker(tickEvery)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
		}
		s.mu.Lock()
		out := s.g.Tick(time.Now())
		s.mu.Unlock()
		for _, m := range out {
			s.send(m)
		}
	}
}

func (s *Server) send(m crdt.Message) {
	body := gossipBody{Type: "gossip", ID: m.ID, Ack: m.Ack}
	if len(m.Entries) > 0 {
		raw, err := s.codec.Encode(m.Entries)
		if err != nil {
			s.logger.Printf("encoding gossip for %s: %v", m.Dest, err)
			return
		}
		body.Entries = raw
	}
	if err := s.node.Send(m.Dest, body); err != nil {
		s.logger.Printf("sending gossip to %s: %v", m.Dest, err)
	}
}
