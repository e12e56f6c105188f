// Command txn is a Maelstrom node for the txn-rw-register workload (Gossip
// Glomers challenges 6a–6c): a key-value store of registers that runs every
// transaction at once on the node that receives it and answers txn_ok,
// without waiting for any other node, so it is totally available under
// partitions; and that is read committed, as core.go explains: writes are
// staged and installed together at commit, only a transaction's last write
// of a key is ever visible, and committed writes replicate asynchronously,
// the last writer (by Lamport version) winning.
//
// Replication costs at most two messages per pair of nodes per -sync
// interval (100ms by default), whatever the request rate, and nothing when
// there is nothing new.
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

const usage = "usage: txn [-sync DURATION]"

func main() {
	interval, err := parseFlags(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "txn: %v\n%s\n", err, usage)
		os.Exit(2)
	}
	// The library logs every message it sends or receives, and nothing
	// reads it.
	log.SetOutput(io.Discard)
	s := newServer(maelstrom.NewNode(), interval)
	err = s.node.Run()
	s.stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "txn: %v\n", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (time.Duration, error) {
	fs := flag.NewFlagSet("txn", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	interval := fs.Duration("sync", 100*time.Millisecond, "how often to send peers the writes they lack")
	if err := fs.Parse(args); err != nil {
		return 0, err
	}
	if fs.NArg() > 0 {
		return 0, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *interval <= 0 {
		return 0, errors.New("-sync must be positive")
	}
	return *interval, nil
}

// maxTxn bounds the micro-ops of one transaction.
const maxTxn = 1000

// server wires a Core to a Maelstrom node.
type server struct {
	node     *maelstrom.Node
	interval time.Duration
	start    sync.Once
	stopOnce sync.Once
	done     chan struct{}

	mu   sync.Mutex
	core *Core // nil until init
}

func newServer(n *maelstrom.Node, interval time.Duration) *server {
	s := &server{node: n, interval: interval, done: make(chan struct{})}
	n.Handle("init", func(maelstrom.Message) error {
		s.mu.Lock()
		if s.core == nil {
			s.core = NewCore(n.ID(), n.NodeIDs())
		}
		s.mu.Unlock()
		s.start.Do(func() { go s.tickLoop() })
		return nil
	})
	n.Handle("txn", func(msg maelstrom.Message) error {
		var req struct {
			MsgID int   `json:"msg_id"`
			Txn   []Mop `json:"txn"`
		}
		if err := json.Unmarshal(msg.Body, &req); err != nil || req.Txn == nil {
			return maelstrom.NewRPCError(maelstrom.MalformedRequest, `txn needs "txn", a list of ["r", key, null] and ["w", key, value]`)
		}
		if len(req.Txn) > maxTxn {
			return maelstrom.NewRPCError(maelstrom.MalformedRequest, fmt.Sprintf("a transaction has at most %d micro-ops", maxTxn))
		}
		s.mu.Lock()
		if s.core == nil {
			s.mu.Unlock()
			return maelstrom.NewRPCError(maelstrom.TemporarilyUnavailable, "not initialised yet")
		}
		out := s.core.Txn(req.Txn)
		s.mu.Unlock()
		return s.node.Send(msg.Src, map[string]any{"type": "txn_ok", "in_reply_to": req.MsgID, "txn": out})
	})
	n.Handle("sync", func(msg maelstrom.Message) error {
		// Fire and forget: a returned error would be sent back as a reply.
		var b Batch
		if err := json.Unmarshal(msg.Body, &b); err != nil {
			log.Printf("dropping malformed sync from %s: %v", msg.Src, err)
			return nil
		}
		s.mu.Lock()
		if s.core == nil {
			s.mu.Unlock()
			return nil
		}
		ack := s.core.Receive(msg.Src, b)
		s.mu.Unlock()
		return s.node.Send(msg.Src, ack)
	})
	n.Handle("sync_ok", func(msg maelstrom.Message) error {
		var a Ack
		if err := json.Unmarshal(msg.Body, &a); err != nil {
			return nil
		}
		s.mu.Lock()
		if s.core != nil {
			s.core.Acked(msg.Src, a.Seq)
		}
		s.mu.Unlock()
		return nil
	})
	return s
}

func (s *server) stop() { s.stopOnce.Do(func() { close(s.done) }) }

// tickLoop sends each peer, every interval, the writes it lacks.
func (s *server) tickLoop() {
	t := time.NewTicker(s.interval)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
		}
		s.mu.Lock()
		outs := s.core.Tick()
		s.mu.Unlock()
		for _, o := range outs {
			if err := s.node.Send(o.Dest, o.Body); err != nil {
				log.Printf("sending sync to %s: %v", o.Dest, err)
			}
		}
	}
}
