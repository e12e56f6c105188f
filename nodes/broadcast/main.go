// Command broadcast is a Maelstrom node for the broadcast workload (Gossip
// Glomers challenges 3a–3e). Clients send {"type":"broadcast","message":<int>}
// and {"type":"read"}; every value acknowledged by any node must eventually
// be in every node's read_ok, also across network partitions.
//
// A node answers broadcast_ok as soon as the value is stored locally and
// read_ok from memory. Nodes exchange one kind of fire-and-forget message,
// {"type":"sync","have":[[lo,hi],…]}, listing intervals of values the sender
// has; the workload's values are 0, 1, 2, …, so a set of thousands of values
// is a few intervals. A node also records, per peer, every interval list it
// received from it (what that peer is known to have), and sends it only what
// it may lack, in windows of under 48 KiB. The suggested topology is
// acknowledged and ignored: each strategy uses its own overlay. State is a
// handful of interval sets per node, so memory stays bounded.
//
// Time is cut into rounds of length T (-round), aligned to the wall clock so
// that nodes on one host agree on them. Two strategies (-strategy):
//
// latency (default; challenge 3d): a new value goes at once to every other
// node, so it is everywhere after one network latency, at a cost of n−1
// messages per broadcast (24 on 25 nodes, i.e. 12 per operation when half
// the operations are reads). Losses are repaired by anti-entropy: at each
// round boundary a node sends what one peer may lack to the peer 2^(r mod k)
// places further along the sorted node list (r the round number,
// k = ceil(log2 n)), so within k rounds without partition every node has
// every value. That adds up to n messages per round (T = 1s by default);
// in practice n, because a node seldom hears from the peers it sends to and
// so seldom knows that they have everything.
//
// messages (challenge 3e): a star. The first node of the sorted list is the
// hub. At each round boundary every other node (leaf) sends the hub what it
// may lack, or acknowledges the hub's last syncs; the hub waits -flush (30ms
// by default) after the first sync to arrive, then sends each leaf what it
// may lack, in one message. That is about 2(n−1) messages per round whatever
// the rate (T = 1.2s by default), and a value reaches every node within
// about T + 2 latencies + flush. The hub resends what a leaf has not
// acknowledged after 2T, and leaves resend every round until the hub has
// confirmed, which carries values across partitions once they heal.
//
// The node also serves Maelstrom's g-set workload ({"type":"add","element":<int>}
// and read_ok with "value"): reads answer with "messages" once a topology
// message has come, which the broadcast workload sends before any read and
// g-set never sends.
//
// Flags come after Maelstrom's "--": -strategy latency|messages, -round
// DURATION, -flush DURATION.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"sync"
	"sync/atomic"
	"time"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"
)

func main() {
	opt, err := parseFlags(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "broadcast: %v\n", err)
		os.Exit(2)
	}
	// The library logs every message it sends or receives; with 25 nodes
	// that is most of the work, and nothing reads it.
	log.SetOutput(io.Discard)
	if err := newServer(maelstrom.NewNode(), opt).run(); err != nil {
		fmt.Fprintf(os.Stderr, "broadcast: %v\n", err)
		os.Exit(1)
	}
}

const usage = "usage: broadcast [-strategy latency|messages] [-round DURATION] [-flush DURATION]"

// parseFlags reads the node's flags. -round defaults to the strategy's
// round length.
func parseFlags(args []string) (Options, error) {
	fs := flag.NewFlagSet("broadcast", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	strategy := fs.String("strategy", string(Latency), "latency or messages")
	round := fs.Duration("round", 0, "round length T (default 1s for latency, 1.2s for messages)")
	flush := fs.Duration("flush", DefaultFlush, "how long the hub waits after the first sync before forwarding")
	if err := fs.Parse(args); err != nil {
		return Options{}, err
	}
	if fs.NArg() > 0 {
		return Options{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	opt := Options{Strategy: Strategy(*strategy), Round: *round, Flush: *flush}
	switch {
	case opt.Strategy != Latency && opt.Strategy != Messages:
		return Options{}, fmt.Errorf("-strategy must be latency or messages, not %q", *strategy)
	case *round < 0 || (*round == 0 && isSet(fs, "round")):
		return Options{}, errors.New("-round must be positive")
	case *flush <= 0:
		return Options{}, errors.New("-flush must be positive")
	}
	return opt.withDefaults(), nil
}

func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// tickEvery is how often the Core is given the time.
const tickEvery = 10 * time.Millisecond

// server wires a Core to a Maelstrom node.
type server struct {
	node     *maelstrom.Node
	opt      Options
	start    sync.Once
	stopOnce sync.Once
	done     chan struct{}

	// broadcast is set once a topology message has come: the broadcast
	// workload sends one to every node before any read, g-set never does.
	broadcast atomic.Bool

	mu   sync.Mutex
	core *Core // nil until init
}

// add stores the integer in the request's field and replies with okType at
// once, then sends what the Core asks for.
func (s *server) add(msg maelstrom.Message, field, okType string) error {
	var req map[string]json.RawMessage
	if err := json.Unmarshal(msg.Body, &req); err != nil {
		return maelstrom.NewRPCError(maelstrom.MalformedRequest, "request body is not a JSON object")
	}
	v, ok := parseValue(req[field])
	if !ok {
		return maelstrom.NewRPCError(maelstrom.MalformedRequest, badValueText(field, req[field]))
	}
	s.mu.Lock()
	if s.core == nil {
		s.mu.Unlock()
		return maelstrom.NewRPCError(maelstrom.TemporarilyUnavailable, "not initialised yet")
	}
	outs := s.core.Broadcast(v, time.Now())
	s.mu.Unlock()
	err := s.node.Reply(msg, map[string]string{"type": okType})
	s.send(outs)
	return err
}

// syncBody is the node-to-node message.
type syncBody struct {
	Type string     `json:"type"`
	Have [][2]int64 `json:"have"`
}

func newServer(n *maelstrom.Node, opt Options) *server {
	s := &server{node: n, opt: opt, done: make(chan struct{})}
	n.Handle("init", func(maelstrom.Message) error {
		// The library set the node's ids in this goroutine just before.
		s.mu.Lock()
		if s.core == nil {
			s.core = NewCore(n.ID(), n.NodeIDs(), s.opt)
		}
		s.mu.Unlock()
		s.start.Do(func() { go s.tickLoop() })
		return nil
	})
	n.Handle("topology", func(msg maelstrom.Message) error {
		s.broadcast.Store(true)
		return n.Reply(msg, map[string]string{"type": "topology_ok"})
	})
	n.Handle("broadcast", func(msg maelstrom.Message) error {
		return s.add(msg, "message", "broadcast_ok")
	})
	n.Handle("add", func(msg maelstrom.Message) error {
		return s.add(msg, "element", "add_ok")
	})
	n.Handle("read", func(msg maelstrom.Message) error {
		s.mu.Lock()
		if s.core == nil {
			s.mu.Unlock()
			return maelstrom.NewRPCError(maelstrom.TemporarilyUnavailable, "not initialised yet")
		}
		values := s.core.Values()
		s.mu.Unlock()
		key := "value" // g-set
		if s.broadcast.Load() {
			key = "messages"
		}
		return n.Reply(msg, map[string]any{"type": "read_ok", key: values})
	})
	n.Handle("sync", func(msg maelstrom.Message) error {
		// No reply: a sync has no msg_id, and a returned error would be sent
		// back as one.
		var body syncBody
		if err := json.Unmarshal(msg.Body, &body); err != nil {
			log.Printf("dropping malformed sync from %s: %v", msg.Src, err)
			return nil
		}
		s.mu.Lock()
		var outs []Out
		if s.core != nil {
			outs = s.core.Receive(msg.Src, body.Have, time.Now())
		}
		s.mu.Unlock()
		s.send(outs)
		return nil
	})
	return s
}

// parseValue reads a broadcast value: a JSON integer that fits in int64.
// Unmarshalling into int64 rejects fractions, exponents, strings and
// booleans; null (or a missing field) has to be refused separately.
func parseValue(raw json.RawMessage) (int64, bool) {
	var v int64
	if len(raw) == 0 || string(raw) == "null" || json.Unmarshal(raw, &v) != nil {
		return 0, false
	}
	return v, true
}

// badValueText explains why a value was refused.
func badValueText(field string, raw json.RawMessage) string {
	if len(raw) == 0 {
		return fmt.Sprintf("the request needs a %q field holding an integer", field)
	}
	shown := string(raw)
	if len(shown) > 40 {
		shown = shown[:40] + "…"
	}
	return fmt.Sprintf("%s must be an integer that fits in 64 bits, not %s", field, shown)
}

// run serves until stdin ends, then stops the ticker.
func (s *server) run() error {
	defer s.stop()
	return s.node.Run()
}

func (s *server) stop() { s.stopOnce.Do(func() { close(s.done) }) }

// tickLoop gives the Core the time every tickEvery until stop.
func (s *server) tickLoop() {
	t := time.NewTicker(tickEvery)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
		}
		s.mu.Lock()
		outs := s.core.Tick(time.Now())
		s.mu.Unlock()
		s.send(outs)
	}
}

func (s *server) send(outs []Out) {
	for _, o := range outs {
		if err := s.node.Send(o.Dest, syncBody{Type: "sync", Have: o.Have}); err != nil {
			log.Printf("sending sync to %s: %v", o.Dest, err)
		}
	}
}
