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
	fs, setup := program()
	code := nodekit.Exec(ctx, fs, os.Args[1:], setup)
	if ctx.Err() != nil {
		code = 0 // stopped as asked
	}
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

// program returns the node's flags and its setup.
func program() (*flag.FlagSet, func(*nodekit.Node) error) {
	fs := flag.NewFlagSet("listappend", flag.ContinueOnError)
	c := config{opt: DefaultOptions, maxQueue: 10000}
	fs.IntVar(&c.opt.MaxAttempts, "max-attempts", DefaultOptions.MaxAttempts, "compare-and-sets tried per batch before answering txn-conflict")
	fs.IntVar(&c.maxBatch, "max-batch", 64, "most transactions committed together")
	fs.IntVar(&c.cache, "cache", 64<<20, "bytes of packs kept in memory")
	fs.DurationVar(&c.timeout, "timeout", time.Second, "how long to wait for a service's answer")
	fs.BoolVar(&c.announce, "announce", true, "send new packs to the other nodes")
	return fs, func(n *nodekit.Node) error {
		if err := c.check(); err != nil {
			return err
		}
		setup(n, c)
		return nil
	}
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
	Txn Txn `json:"txn"`
}

// request is a transaction waiting for its batch, and where its outcome
// goes.
type request struct {
	txn  Txn
	done chan Outcome // buffered: the commit loop never waits
}

// server wires a Transactor to a node.
type server struct {
	n     *nodekit.Node
	c     config
	cache *Cache
	wake  chan struct{}

	mu     sync.Mutex
	t      *Transactor // set at init
	queue  []request
	logged Stats // the totals last logged
}

// setup wires a Transactor, made at init, to node n.
func setup(n *nodekit.Node, c config) {
	s := &server{n: n, c: c, cache: NewCache(c.cache), wake: make(chan struct{}, 1)}
	n.OnInit(func(context.Context) error {
		store := newKVStore(n, nodekit.CallOptions{Timeout: c.timeout}, c.announce)
		db := NewDB(s.cache, n.ID()+"."+nonce(), DefaultLimits)
		logf := func(format string, args ...any) { n.Logger().Info(fmt.Sprintf(format, args...)) }
		s.t = NewTransactor(store, db, c.opt, logf)
		n.Go(s.commitLoop)
		n.Go(func(ctx context.Context) {
			<-ctx.Done()
			s.logStats()
		})
		return nil
	})
	nodekit.Handle(n, "txn", s.txn)
	nodekit.HandleOneWay(n, "pack", func(_ context.Context, m nodekit.Message, b packBody) {
		if err := s.cache.Add(b.ID, b.Value); err != nil {
			n.Logger().Warn("dropping a pack", "src", m.Src, "error", err)
		}
	})
	n.Every(time.Second, func(context.Context, time.Time) { s.logStats() })
}

// nonce returns 8 random hex digits, so that the pack ids of one run of
// a node differ from those of any other.
func nonce() string {
	var b [4]byte
	_, _ = rand.Read(b[:]) // never fails on Linux
	return hex.EncodeToString(b[:])
}

// txn queues a transaction for the next batch and waits for its outcome.
func (s *server) txn(ctx context.Context, _ nodekit.Message, r txnReq) (txnOK, error) {
	txn, err := ParseTxn(r.Txn)
	if err != nil {
		return txnOK{}, nodekit.Errorf(maelstrom.MalformedRequest, "%v", err)
	}
	req := request{txn: txn, done: make(chan Outcome, 1)}
	s.mu.Lock()
	if len(s.queue) >= s.c.maxQueue {
		s.mu.Unlock()
		return txnOK{}, nodekit.Errorf(maelstrom.TemporarilyUnavailable, "too many transactions waiting")
	}
	s.queue = append(s.queue, req)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
	select {
	case o := <-req.done:
		if o.Err != nil {
			return txnOK{}, o.Err
		}
		return txnOK{Txn: o.Txn}, nil
	case <-ctx.Done():
		// The node is stopping; whether the batch committed is unknown.
		return txnOK{}, nodekit.Errorf(maelstrom.Crash, "the node stopped")
	}
}

// commitLoop commits whatever is queued, one batch at a time, until the
// node stops.
func (s *server) commitLoop(ctx context.Context) {
	for {
		s.mu.Lock()
		n := min(len(s.queue), s.c.maxBatch)
		batch := slices.Clone(s.queue[:n])
		s.queue = slices.Delete(s.queue, 0, n)
		s.mu.Unlock()
		if n == 0 {
			select {
			case <-ctx.Done():
				return
			case <-s.wake:
			}
			continue
		}
		txns := make([]Txn, n)
		for i, r := range batch {
			txns[i] = r.txn
		}
		for i, o := range s.t.Commit(ctx, txns) {
			batch[i].done <- o
		}
	}
}

// logStats logs the transactor's totals if they changed since last time.
func (s *server) logStats() {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.t.Stats()
	if st == s.logged {
		return
	}
	s.logged = st
	s.n.Logger().Info(fmt.Sprintf("stats txns=%d read-only=%d batches=%d cas=%d conflicts=%d aborted=%d failed=%d written=%d fetched=%d misses=%d catchups=%d cached=%d",
		st.Txns, st.ReadOnly, st.Batches, st.CAS, st.Conflicts, st.Aborted, st.Failed, st.Written, st.Fetched, st.Misses, st.Catchups, s.cache.Len()))
}
