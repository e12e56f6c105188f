// Command listappend is a Maelstrom node for the txn-list-append workload,
// strictly serializable, built as a Datomic-style transactor: mutable
// pointers to immutable values.
//
// The database is a hash trie of immutable nodes (tree.go) written in
// packs, each under a unique key in seq-kv and never changed; one root
// pointer in lin-kv, changed only by compare-and-set, says which trie is
// the database. A node gathers the transactions that arrive while it is
// busy into one batch and commits them together (transactor.go): read the
// root, execute the batch on a copy-on-write view of the trie, write the
// new nodes as one pack (or a few, each under 40 KiB), compare-and-set the
// root from the one it read to the new one, and on a refusal start over
// from the new root, at most -max-attempts times before answering
// txn-conflict. Read-only transactions are answered from the root read.
// Packs never change, so they are cached (up to -cache bytes) and each is
// sent to the other nodes as it is written, which spares them reading it.
//
// seq-kv may show a node a stale state, but never a wrong one here: a pack
// key has one value ever, so staleness can only look like a missing key.
// A pack is written (write_ok) before the compare-and-set that makes the
// root reach it, and a node learns of a pack only through a root it read
// afterwards (or the pack itself, sent by its writer). So a missing pack is
// only not yet visible to this node: it writes its own catch-up key, which
// seq-kv applies to its newest state, after which this node sees every
// earlier write, and reads again; further misses are retried with growing
// waits, and a batch that still cannot see a pack fails with
// temporarily-unavailable, having changed nothing.
//
// stderr gets one line per compare-and-set refused,
//
//	cas-retry attempt=N txns=M
//
// and, each second something changed, the running totals:
//
//	stats txns=… read-only=… batches=… cas=… conflicts=… aborted=… failed=… written=… fetched=… misses=… catchups=… cached=…
//
// where cas counts compare-and-sets sent and conflicts those refused; the
// retry rate is conflicts/cas.
//
// Flags come after Maelstrom's "--": -max-attempts N, -max-batch N,
// -cache BYTES, -timeout DURATION, -announce=false.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"slices"
	"sync"
	"syscall"
	"time"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"
)

const usage = "usage: listappend [-max-attempts N] [-max-batch N] [-cache BYTES] [-timeout DURATION] [-announce=false]"

// config is the node's flags.
type config struct {
	opt      Options
	maxBatch int
	maxQueue int
	cache    int
	timeout  time.Duration
	announce bool
}

func parseFlags(args []string) (config, error) {
	fs := flag.NewFlagSet("listappend", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c := config{opt: DefaultOptions, maxQueue: 10000}
	fs.IntVar(&c.opt.MaxAttempts, "max-attempts", DefaultOptions.MaxAttempts, "compare-and-sets tried per batch before answering txn-conflict")
	fs.IntVar(&c.maxBatch, "max-batch", 64, "most transactions committed together")
	fs.IntVar(&c.cache, "cache", 64<<20, "bytes of packs kept in memory")
	fs.DurationVar(&c.timeout, "timeout", time.Second, "how long to wait for a service's answer")
	fs.BoolVar(&c.announce, "announce", true, "send new packs to the other nodes")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	switch {
	case fs.NArg() > 0:
		return config{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case c.opt.MaxAttempts < 1:
		return config{}, errors.New("-max-attempts must be at least 1")
	case c.maxBatch < 1:
		return config{}, errors.New("-max-batch must be at least 1")
	case c.cache < 1<<20:
		return config{}, errors.New("-cache must be at least 1 MiB")
	case c.timeout <= 0:
		return config{}, errors.New("-timeout must be positive")
	}
	return c, nil
}

func main() {
	c, err := parseFlags(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "listappend: %v\n%s\n", err, usage)
		os.Exit(2)
	}
	// The library logs every message it sends or receives; nothing reads it.
	log.SetOutput(io.Discard)
	s := newServer(maelstrom.NewNode(), c)
	// Maelstrom and eddy stop nodes with SIGTERM: log the final totals.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-sig
		s.logStats()
		os.Exit(0)
	}()
	if err := s.run(); err != nil {
		fmt.Fprintf(os.Stderr, "listappend: %v\n", err)
		os.Exit(1)
	}
}

// request is a transaction waiting for its batch.
type request struct {
	msg maelstrom.Message
	txn Txn
}

// server wires a Transactor to a Maelstrom node.
type server struct {
	node   *maelstrom.Node
	c      config
	logger *log.Logger
	cache  *Cache
	ctx    context.Context
	cancel context.CancelFunc
	start  sync.Once
	wake   chan struct{}

	mu     sync.Mutex
	t      *Transactor // nil until init
	queue  []request
	logged Stats // the totals last logged
}

func newServer(n *maelstrom.Node, c config) *server {
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{
		node: n, c: c, logger: log.New(os.Stderr, "", log.LstdFlags|log.Lmicroseconds),
		cache: NewCache(c.cache), ctx: ctx, cancel: cancel, wake: make(chan struct{}, 1),
	}
	n.Handle("init", func(maelstrom.Message) error {
		// The library set the node's ids in this goroutine just before.
		s.start.Do(func() {
			var peers []string
			if c.announce {
				peers = slices.DeleteFunc(slices.Clone(n.NodeIDs()), func(id string) bool { return id == n.ID() })
			}
			store := &kvStore{caller: caller{node: n, timeout: c.timeout}, self: n.ID(), peers: peers}
			db := NewDB(s.cache, n.ID()+"."+nonce(), DefaultLimits)
			s.mu.Lock()
			s.t = NewTransactor(store, db, c.opt, s.logger.Printf)
			s.mu.Unlock()
			go s.commitLoop()
			go s.statsLoop()
		})
		return nil
	})
	n.Handle("txn", s.txn)
	n.Handle("pack", func(msg maelstrom.Message) error {
		// No reply: a pack has no msg_id.
		var body packBody
		if err := json.Unmarshal(msg.Body, &body); err != nil || body.ID == "" {
			s.logger.Printf("dropping a malformed pack from %s", msg.Src)
			return nil
		}
		if err := s.cache.Add(body.ID, body.Value); err != nil {
			s.logger.Printf("dropping a pack from %s: %v", msg.Src, err)
		}
		return nil
	})
	return s
}

// nonce returns 8 random hex digits, so that the pack ids of one run of
// a node differ from those of any other.
func nonce() string {
	var b [4]byte
	_, _ = rand.Read(b[:]) // never fails on Linux
	return hex.EncodeToString(b[:])
}

// txn queues a transaction for the next batch; the commit loop answers it.
func (s *server) txn(msg maelstrom.Message) error {
	var req struct {
		Txn json.RawMessage `json:"txn"`
	}
	if err := json.Unmarshal(msg.Body, &req); err != nil {
		return maelstrom.NewRPCError(maelstrom.MalformedRequest, "request body is not a JSON object")
	}
	txn, err := ParseTxn(req.Txn)
	if err != nil {
		return maelstrom.NewRPCError(maelstrom.MalformedRequest, err.Error())
	}
	s.mu.Lock()
	switch {
	case s.t == nil:
		s.mu.Unlock()
		return maelstrom.NewRPCError(maelstrom.TemporarilyUnavailable, "not initialised yet")
	case len(s.queue) >= s.c.maxQueue:
		s.mu.Unlock()
		return maelstrom.NewRPCError(maelstrom.TemporarilyUnavailable, "too many transactions waiting")
	}
	s.queue = append(s.queue, request{msg, txn})
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return nil
}

// run serves until stdin ends.
func (s *server) run() error {
	defer s.cancel()
	return s.node.Run()
}

// commitLoop commits whatever is queued, one batch at a time.
func (s *server) commitLoop() {
	for {
		s.mu.Lock()
		n := min(len(s.queue), s.c.maxBatch)
		batch := slices.Clone(s.queue[:n])
		s.queue = slices.Delete(s.queue, 0, n)
		t := s.t
		s.mu.Unlock()
		if n == 0 {
			select {
			case <-s.ctx.Done():
				return
			case <-s.wake:
			}
			continue
		}
		txns := make([]Txn, n)
		for i, r := range batch {
			txns[i] = r.txn
		}
		for i, o := range t.Commit(s.ctx, txns) {
			var err error
			if o.Err != nil {
				err = s.node.Reply(batch[i].msg, o.Err)
			} else {
				err = s.node.Reply(batch[i].msg, map[string]any{"type": "txn_ok", "txn": o.Txn})
			}
			if err != nil {
				s.logger.Printf("replying to %s: %v", batch[i].msg.Src, err)
			}
		}
	}
}

// statsLoop logs the transactor's totals each second they changed, and
// once more when stdin ends.
func (s *server) statsLoop() {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-s.ctx.Done():
			s.logStats()
			return
		case <-tick.C:
		}
		s.logStats()
	}
}

// logStats logs the transactor's totals if they changed since last time.
func (s *server) logStats() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.t == nil {
		return
	}
	st := s.t.Stats()
	if st == s.logged {
		return
	}
	s.logged = st
	s.logger.Printf("stats txns=%d read-only=%d batches=%d cas=%d conflicts=%d aborted=%d failed=%d written=%d fetched=%d misses=%d catchups=%d cached=%d",
		st.Txns, st.ReadOnly, st.Batches, st.CAS, st.Conflicts, st.Aborted, st.Failed, st.Written, st.Fetched, st.Misses, st.Catchups, s.cache.Len())
}
