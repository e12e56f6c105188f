// Command kafka is a Maelstrom node for the kafka workload (Gossip Glomers
// challenges 5a–5c): an append-only log per key, with send, poll,
// commit_offsets and list_committed_offsets. It uses no service and every
// client request is answered from local memory, without waiting for any
// other node, so it stays available under partitions.
//
// Offsets: among n nodes in sorted order, node i allocates for every key
// from its own progression, the offsets congruent to i modulo n, each above
// every offset it has seen for that key. Offsets therefore never collide,
// increase per node, and stay below about n times the number of messages
// in the key. log.go explains the promise (frontier) this lets each node
// make, and why a poll that stops at the least frontier over all nodes
// never skips a message that turns up later.
//
// Replication: every -sync interval (20ms by default) a node sends each
// peer one fire-and-forget {"type":"sync",…} carrying, in order, what it
// originated since the last one — entries, raised frontiers, commits —
// numbered in one stream per node, plus the highest number of the peer's
// stream it has applied without gaps (core.go). Unacknowledged items go
// again after 5 intervals (backing off while the peer stays silent), which
// repairs losses and partitions. A node with nothing new for a peer sends
// it nothing, so an idle cluster is silent and a busy one costs about two
// syncs per interval per pair of nodes, whatever the request rate. Each
// sync stays under 48 KiB.
//
// Polls return at most 100 entries per key. Input lines the Maelstrom
// library cannot take (over 60 KiB, not JSON, unknown types) are answered
// or dropped before it sees them (input.go), so no request can stop the
// node.
//
// Flags come after Maelstrom's "--": -sync DURATION.
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
		fmt.Fprintf(os.Stderr, "kafka: %v\n", err)
		os.Exit(2)
	}
	// The library logs every message it sends or receives, and nothing
	// reads it.
	log.SetOutput(io.Discard)
	if err := newServer(maelstrom.NewNode(), opt).run(os.Stdin); err != nil {
		fmt.Fprintf(os.Stderr, "kafka: %v\n", err)
		os.Exit(1)
	}
}

const usage = "usage: kafka [-sync DURATION]"

// parseFlags reads the node's flags.
func parseFlags(args []string) (Options, error) {
	fs := flag.NewFlagSet("kafka", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	interval := fs.Duration("sync", DefaultInterval, "how often to send peers what is new")
	if err := fs.Parse(args); err != nil {
		return Options{}, err
	}
	if fs.NArg() > 0 {
		return Options{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *interval <= 0 {
		return Options{}, errors.New("-sync must be positive")
	}
	return Options{Interval: *interval}.withDefaults(), nil
}

// Limits on what a client may store, so that any entry fits a sync many
// times over.
const (
	maxKeyBytes = 1 << 10
	maxMsgBytes = 8 << 10
)

// server wires a Core to a Maelstrom node.
type server struct {
	node     *maelstrom.Node
	opt      Options
	start    sync.Once
	stopOnce sync.Once
	done     chan struct{}

	mu   sync.Mutex
	core *Core // nil until init
}

// Request bodies. Pointers and nil maps tell a missing field.
type (
	sendReq struct {
		MsgID int             `json:"msg_id"`
		Key   *string         `json:"key"`
		Msg   json.RawMessage `json:"msg"`
	}
	offsetsReq struct {
		MsgID   int              `json:"msg_id"`
		Offsets map[string]int64 `json:"offsets"`
	}
	keysReq struct {
		MsgID int      `json:"msg_id"`
		Keys  []string `json:"keys"`
	}
)

func malformed(format string, args ...any) error {
	return maelstrom.NewRPCError(maelstrom.MalformedRequest, fmt.Sprintf(format, args...))
}

var errNotReady = maelstrom.NewRPCError(maelstrom.TemporarilyUnavailable, "not initialised yet")

func newServer(n *maelstrom.Node, opt Options) *server {
	s := &server{node: n, opt: opt.withDefaults(), done: make(chan struct{})}
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
	n.Handle("send", func(msg maelstrom.Message) error {
		var req sendReq
		if err := json.Unmarshal(msg.Body, &req); err != nil || req.Key == nil || len(req.Msg) == 0 {
			return malformed(`send needs "key", a string, and "msg", any JSON value`)
		}
		if len(*req.Key) > maxKeyBytes || len(req.Msg) > maxMsgBytes {
			return malformed("send takes keys up to %d bytes and messages up to %d bytes of JSON", maxKeyBytes, maxMsgBytes)
		}
		var off int64
		if err := s.locked(func(c *Core) { off = c.Send(*req.Key, req.Msg) }); err != nil {
			return err
		}
		return s.reply(msg.Src, req.MsgID, map[string]any{"type": "send_ok", "offset": off})
	})
	n.Handle("poll", func(msg maelstrom.Message) error {
		var req offsetsReq
		if err := json.Unmarshal(msg.Body, &req); err != nil || req.Offsets == nil {
			return malformed(`poll needs "offsets", an object mapping keys to integer offsets`)
		}
		var msgs map[string][]Entry
		if err := s.locked(func(c *Core) { msgs = c.Poll(req.Offsets) }); err != nil {
			return err
		}
		return s.reply(msg.Src, req.MsgID, map[string]any{"type": "poll_ok", "msgs": msgs})
	})
	n.Handle("commit_offsets", func(msg maelstrom.Message) error {
		var req offsetsReq
		if err := json.Unmarshal(msg.Body, &req); err != nil || req.Offsets == nil {
			return malformed(`commit_offsets needs "offsets", an object mapping keys to integer offsets`)
		}
		if err := s.locked(func(c *Core) { c.Commit(req.Offsets) }); err != nil {
			return err
		}
		return s.reply(msg.Src, req.MsgID, map[string]any{"type": "commit_offsets_ok"})
	})
	n.Handle("list_committed_offsets", func(msg maelstrom.Message) error {
		var req keysReq
		if err := json.Unmarshal(msg.Body, &req); err != nil || req.Keys == nil {
			return malformed(`list_committed_offsets needs "keys", an array of strings`)
		}
		var offsets map[string]int64
		if err := s.locked(func(c *Core) { offsets = c.Committed(req.Keys) }); err != nil {
			return err
		}
		return s.reply(msg.Src, req.MsgID, map[string]any{"type": "list_committed_offsets_ok", "offsets": offsets})
	})
	n.Handle("sync", func(msg maelstrom.Message) error {
		// No reply: a sync has no msg_id, and a returned error would be sent
		// back as one.
		var body SyncBody
		if err := json.Unmarshal(msg.Body, &body); err != nil {
			log.Printf("dropping malformed sync from %s: %v", msg.Src, err)
			return nil
		}
		_ = s.locked(func(c *Core) { c.Receive(msg.Src, body) })
		return nil
	})
	return s
}

// locked runs f on the Core under the lock, or fails if init has not come.
func (s *server) locked(f func(c *Core)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.core == nil {
		return errNotReady
	}
	f(s.core)
	return nil
}

// reply sends body to dest as the reply to request id. Unlike the library's
// Reply it marshals once, and so keeps client messages byte for byte.
func (s *server) reply(dest string, id int, body map[string]any) error {
	body["in_reply_to"] = id
	return s.node.Send(dest, body)
}

// run serves the lines of in until it ends, then stops the ticker.
func (s *server) run(in io.Reader) error {
	defer s.stop()
	r, w := io.Pipe()
	s.node.Stdin = r
	go s.screen(in, w)
	err := s.node.Run()
	r.Close() // unblocks screen if Run stopped early
	return err
}

func (s *server) stop() { s.stopOnce.Do(func() { close(s.done) }) }

// tickLoop gives the Core the time every interval until stop, and sends
// what it returns.
func (s *server) tickLoop() {
	t := time.NewTicker(s.opt.Interval)
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
		for _, o := range outs {
			if err := s.node.Send(o.Dest, o.Body); err != nil {
				log.Printf("sending sync to %s: %v", o.Dest, err)
			}
		}
	}
}
