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
// -cache BYTES, -timeout DURATION, -announce=false. The node is built on
// the node kit (nodekit).
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"sync"
	"syscall"
	"time"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"

	"github.com/eddy-workbench/eddy/nodekit"
)

func main() {
	// Maelstrom and eddy stop nodes with SIGTERM: stop the node, which
	// logs its final totals.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	fs, setup, final := program()
	code := nodekit.Exec(ctx, fs, os.Args[1:], setup)
	if ctx.Err() != nil {
		code = 0 // stopped as asked
	}
	final()
	stop()
	os.Exit(code)
}

// config is the node's flags.
type config struct {
	opt      Options
	maxBatch int
	maxQueue int
	cache    int
	timeout  time.Duration
	announce bool
}

// program returns the node's flags, its setup, and what to call once the
// node has stopped (it logs the final totals).
func program() (*flag.FlagSet, func(*nodekit.Node) error, func()) {
	fs := flag.NewFlagSet("listappend", flag.ContinueOnError)
	c := config{opt: DefaultOptions, maxQueue: 10000}
	fs.IntVar(&c.opt.MaxAttempts, "max-attempts", DefaultOptions.MaxAttempts, "compare-and-sets tried per batch before answering txn-conflict")
	fs.IntVar(&c.maxBatch, "max-batch", 64, "most transactions committed together")
	fs.IntVar(&c.cache, "cache", 64<<20, "bytes of packs kept in memory")
	fs.DurationVar(&c.timeout, "timeout", time.Second, "how long to wait for a service's answer")
	fs.BoolVar(&c.announce, "announce", true, "send new packs to the other nodes")
	var s *server
	build := func(n *nodekit.Node) error {
		if err := c.check(); err != nil {
			return err
		}
		s = setup(n, c)
		return nil
	}
	final := func() {
		if s != nil {
			s.logStats()
		}
	}
	return fs, build, final
}

func (c config) check() error {
	switch {
	case c.opt.MaxAttempts < 1:
		return errors.New("-max-attempts must be at least 1")
	case c.maxBatch < 1:
		return errors.New("-max-batch must be at least 1")
	case c.cache < 1<<20:
		return errors.New("-cache must be at least 1 MiB")
	case c.timeout <= 0:
		return errors.New("-timeout must be positive")
	}
	return nil
}

// txnReq is {"type":"txn","txn":[…]}.
type txnReq struct {
	Txn json.RawMessage `json:"txn" nodekit:"required"`
}

// txnOK is txn's reply: the transaction with its reads filled in.
type txnOK struct {
	Type string `json:"type"`
	Txn  Txn    `json:"txn"`
}

// request is a transaction waiting for its batch.
type request struct {
	msg nodekit.Message
	txn Txn
}

// server wires a Transactor to a node.
type server struct {
	n     *nodekit.Node
	c     config
	cache *Cache

	mu         sync.Mutex
	t          *Transactor // set at init
	queue      []request
	committing bool  // a handler is committing the queue
	logged     Stats // the totals last logged
}

// setup wires a Transactor, made at init, to node n.
func setup(n *nodekit.Node, c config) *server {
	s := &server{n: n, c: c, cache: NewCache(c.cache)}
	n.OnInit(func(context.Context) error {
		store := newKVStore(n, nodekit.CallOptions{Timeout: c.timeout}, c.announce)
		db := NewDB(s.cache, n.ID()+"."+nonce(), DefaultLimits)
		logf := func(format string, args ...any) { n.Logger().Info(fmt.Sprintf(format, args...)) }
		s.mu.Lock()
		s.t = NewTransactor(store, db, c.opt, logf)
		s.mu.Unlock()
		return nil
	})
	nodekit.HandleOneWay(n, "txn", s.txn)
	nodekit.HandleOneWay(n, "pack", func(_ context.Context, m nodekit.Message, b packBody) {
		if err := s.cache.Add(b.ID, b.Value); err != nil {
			n.Logger().Warn("dropping a pack", "src", m.Src, "error", err)
		}
	})
	n.Every(time.Second, func(context.Context, time.Time) { s.logStats() })
	return s
}

// nonce returns 8 random hex digits, so that the pack ids of one run of
// a node differ from those of any other.
func nonce() string {
	var b [4]byte
	_, _ = rand.Read(b[:]) // never fails on Linux
	return hex.EncodeToString(b[:])
}

// txn queues a transaction for the next batch. If no handler is
// committing, this one does, batch after batch, until the queue is empty;
// every transaction is answered as its batch ends.
func (s *server) txn(ctx context.Context, m nodekit.Message, r txnReq) {
	txn, err := ParseTxn(r.Txn)
	if err != nil {
		s.reply(m, Outcome{Err: maelstrom.NewRPCError(maelstrom.MalformedRequest, err.Error())})
		return
	}
	s.mu.Lock()
	if len(s.queue) >= s.c.maxQueue {
		s.mu.Unlock()
		s.reply(m, Outcome{Err: maelstrom.NewRPCError(maelstrom.TemporarilyUnavailable, "too many transactions waiting")})
		return
	}
	s.queue = append(s.queue, request{m, txn})
	lead := !s.committing
	s.committing = true
	s.mu.Unlock()
	if lead {
		s.commitAll(ctx)
	}
}

// commitAll commits the queue, one batch at a time, until it is empty.
func (s *server) commitAll(ctx context.Context) {
	for {
		s.mu.Lock()
		n := min(len(s.queue), s.c.maxBatch)
		if n == 0 {
			s.committing = false
			s.mu.Unlock()
			return
		}
		batch := slices.Clone(s.queue[:n])
		s.queue = slices.Delete(s.queue, 0, n)
		t := s.t
		s.mu.Unlock()
		txns := make([]Txn, n)
		for i, r := range batch {
			txns[i] = r.txn
		}
		for i, o := range t.Commit(ctx, txns) {
			s.reply(batch[i].msg, o)
		}
	}
}

func (s *server) reply(m nodekit.Message, o Outcome) {
	var err error
	if o.Err != nil {
		err = s.n.ReplyError(m, o.Err)
	} else {
		err = s.n.Reply(m, txnOK{Type: "txn_ok", Txn: o.Txn})
	}
	if err != nil {
		s.n.Logger().Warn("replying", "dest", m.Src, "error", err)
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
	s.n.Logger().Info(fmt.Sprintf("stats txns=%d read-only=%d batches=%d cas=%d conflicts=%d aborted=%d failed=%d written=%d fetched=%d misses=%d catchups=%d cached=%d",
		st.Txns, st.ReadOnly, st.Batches, st.CAS, st.Conflicts, st.Aborted, st.Failed, st.Written, st.Fetched, st.Misses, st.Catchups, s.cache.Len()))
}
