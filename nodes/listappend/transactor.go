package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"
)

// Store is where the database lives: one root pointer in a linearizable
// register, changed only by compare-and-set, and packs of immutable nodes
// in a key-value service, each written once under a unique key.
type Store interface {
	// ReadRoot returns the root's ref, or "" if there is none yet.
	ReadRoot(ctx context.Context) (string, error)
	// CASRoot sets the root to to if it is from ("" meaning there is no
	// root yet). It returns nil if it did, an error wrapping ErrConflict
	// if it definitely did not, and any other error if the outcome is
	// unknown (a timeout, say).
	CASRoot(ctx context.Context, from, to string) error
	// ReadPack returns a pack, or an error wrapping ErrNotFound if the
	// service does not show it (it may be stale: see Catchup).
	ReadPack(ctx context.Context, id string) ([]byte, error)
	// WritePack stores a pack.
	WritePack(ctx context.Context, p Pack) error
	// Catchup makes the service show this node every write that completed
	// before the call.
	Catchup(ctx context.Context) error
	// Announce offers new packs to the other nodes, best effort, before
	// the root may point at them.
	Announce(packs []Pack)
}

// Errors of a Store.
var (
	ErrConflict = errors.New("the root was not the expected one")
	ErrNotFound = errors.New("no such pack")
)

// Options tune a Transactor.
type Options struct {
	// MaxAttempts bounds how many times a batch is tried (root read,
	// execution, compare-and-set) before its writing transactions are
	// aborted with txn-conflict.
	MaxAttempts int
	// FetchTries bounds how many times one pack is read before the batch
	// fails; a Catchup comes before the second try, and the wait between
	// tries doubles from FetchBackoff.
	FetchTries   int
	FetchBackoff time.Duration
	// Backoff says how long to wait after the attempt-th compare-and-set
	// of a batch was refused; nil means no wait.
	Backoff func(attempt int) time.Duration
}

// DefaultOptions are the defaults of the node's flags.
var DefaultOptions = Options{MaxAttempts: 50, FetchTries: 8, FetchBackoff: 5 * time.Millisecond, Backoff: Jitter}

// Jitter is the default Backoff: nothing after the first refusal, then a
// random wait of up to attempt milliseconds (at most 5), so that nodes
// that keep colliding draw apart.
func Jitter(attempt int) time.Duration {
	if attempt < 2 {
		return 0
	}
	return rand.N(time.Duration(min(attempt, 5)) * time.Millisecond)
}

// Stats count what a Transactor did.
type Stats struct {
	Txns      int // transactions answered
	ReadOnly  int // of which read-only, answered from a root read alone
	Batches   int // batches committed or answered
	CAS       int // compare-and-sets sent
	Conflicts int // compare-and-sets refused: each one is a retry or an abort
	Aborted   int // transactions answered txn-conflict after MaxAttempts
	Failed    int // transactions answered with another error
	Written   int // packs written
	Fetched   int // packs read from the service
	Misses    int // pack reads that found nothing (stale service view)
	Catchups  int // Catchup calls
}

// Outcome is the answer to one transaction: the completed transaction, or
// an error.
type Outcome struct {
	Txn Txn
	Err *maelstrom.RPCError
}

// Transactor runs batches of transactions against a Store, Datomic
// style: read the root, execute on the immutable trie (fetching missing
// packs), write the new packs, compare-and-set the root; on a conflict,
// again from the new root.
//
// Every transaction of a batch that commits takes effect at the moment of
// its compare-and-set, in batch order; each was invoked before the batch
// began and is answered after, so the history is strictly serializable.
// Read-only transactions are answered from the first root read, their
// moment being that read. A transaction is answered txn-conflict (a
// definite failure) only when every compare-and-set of its batch was
// refused, so it took effect nowhere; when the outcome of a compare-and-
// set is unknown, the answer is crash (indefinite).
type Transactor struct {
	store Store
	db    *DB
	opt   Options
	logf  func(format string, args ...any)

	mu    sync.Mutex
	stats Stats
}

// NewTransactor returns a transactor over store and db; logf receives one
// line per compare-and-set retry.
func NewTransactor(store Store, db *DB, opt Options, logf func(string, ...any)) *Transactor {
	if opt.Backoff == nil {
		opt.Backoff = func(int) time.Duration { return 0 }
	}
	if logf == nil {
		logf = func(string, ...any) {}
	}
	return &Transactor{store: store, db: db, opt: opt, logf: logf}
}

// Stats returns the counts so far.
func (t *Transactor) Stats() Stats {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.stats
}

func (t *Transactor) count(f func(*Stats)) {
	t.mu.Lock()
	f(&t.stats)
	t.mu.Unlock()
}

// Commit runs a batch and returns an outcome per transaction, in order.
// Calls must not overlap.
func (t *Transactor) Commit(ctx context.Context, txns []Txn) []Outcome {
	out := make([]Outcome, len(txns))
	var reads, writes []int
	for i, txn := range txns {
		if txn.ReadOnly() {
			reads = append(reads, i)
		} else {
			writes = append(writes, i)
		}
	}
	answer := func(idx []int, o Outcome) {
		for _, i := range idx {
			out[i] = o
		}
	}
	defer func() {
		t.count(func(s *Stats) {
			s.Batches++
			s.Txns += len(txns)
			s.ReadOnly += len(reads)
			for _, o := range out {
				if o.Err != nil && o.Err.Code != maelstrom.TxnConflict {
					s.Failed++
				}
			}
		})
	}()

	// Read-only transactions go first, so that they see the root alone
	// (they change nothing, so the others' results are the same).
	idx := append(append([]int(nil), reads...), writes...)
	batch := make([]Txn, len(idx))
	for k, i := range idx {
		batch[k] = txns[i]
	}
	for attempt := 1; attempt <= t.opt.MaxAttempts; attempt++ {
		root, err := t.store.ReadRoot(ctx)
		if err != nil {
			// Nothing of this batch took effect: every earlier
			// compare-and-set was refused.
			answer(idx, fail(maelstrom.TemporarilyUnavailable, "reading the root: %v", err))
			return out
		}
		// On a retry, if packs had to be fetched, read the root again
		// and go on from there: fetching takes round trips, and a node
		// that always starts from an older root than the others loses
		// every race.
		root, res, err := t.execute(ctx, root, batch, attempt > 1)
		if err != nil {
			answer(idx, fail(maelstrom.TemporarilyUnavailable, "%v", err))
			return out
		}
		if attempt == 1 && len(reads) > 0 {
			// Read-only transactions take effect at the root read.
			for k, i := range reads {
				out[i] = Outcome{Txn: res.Txns[k]}
			}
			batch, idx, res.Txns = batch[len(reads):], idx[len(reads):], res.Txns[len(reads):]
			if len(batch) == 0 {
				return out
			}
		}
		if err := t.write(ctx, res.Packs); err != nil {
			answer(idx, fail(maelstrom.TemporarilyUnavailable, "writing the new nodes: %v", err))
			return out
		}
		t.count(func(s *Stats) { s.CAS++ })
		err = t.store.CASRoot(ctx, root, res.Root)
		switch {
		case err == nil:
			for k, i := range idx {
				out[i] = Outcome{Txn: res.Txns[k]}
			}
			return out
		case errors.Is(err, ErrConflict):
			t.count(func(s *Stats) { s.Conflicts++ })
			t.logf("cas-retry attempt=%d txns=%d", attempt, len(batch))
			if d := t.opt.Backoff(attempt); d > 0 {
				select {
				case <-ctx.Done():
				case <-time.After(d):
				}
			}
		default:
			answer(idx, fail(maelstrom.Crash, "the outcome of moving the root is unknown: %v", err))
			return out
		}
	}
	t.count(func(s *Stats) { s.Aborted += len(idx) })
	answer(idx, fail(maelstrom.TxnConflict, "the root moved under each of %d attempts", t.opt.MaxAttempts))
	return out
}

func fail(code int, format string, args ...any) Outcome {
	return Outcome{Err: maelstrom.NewRPCError(code, fmt.Sprintf(format, args...))}
}

// execute runs the batch against root, fetching packs until every node it
// needs is cached. With refresh, after a fetch it reads the root again
// and runs the batch against that one instead. It returns the root the
// result is for.
func (t *Transactor) execute(ctx context.Context, root string, batch []Txn, refresh bool) (string, Result, error) {
	for round := 0; ; round++ {
		res, missing, err := t.db.Execute(root, batch)
		if err != nil {
			return "", Result{}, err
		}
		if len(missing) == 0 {
			return root, res, nil
		}
		if round >= 4*maxDepth {
			return "", Result{}, fmt.Errorf("still missing %d packs after %d fetches", len(missing), round)
		}
		if err := t.fetch(ctx, missing); err != nil {
			return "", Result{}, err
		}
		if refresh && round < 2 {
			if root, err = t.store.ReadRoot(ctx); err != nil {
				return "", Result{}, fmt.Errorf("reading the root: %v", err)
			}
		}
	}
}

// fetch reads packs into the cache, in parallel. A pack the service does
// not show yet is read again after a Catchup, then with growing waits.
func (t *Transactor) fetch(ctx context.Context, ids []string) error {
	pending := ids
	wait := t.opt.FetchBackoff
	for try := 1; len(pending) > 0; try++ {
		if try > t.opt.FetchTries {
			return fmt.Errorf("pack %s not found after %d reads", pending[0], t.opt.FetchTries)
		}
		if try > 1 {
			if try > 2 {
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(wait):
				}
				wait *= 2
			}
			t.count(func(s *Stats) { s.Catchups++ })
			if err := t.store.Catchup(ctx); err != nil {
				return fmt.Errorf("catching up: %v", err)
			}
		}
		errs := make([]error, len(pending))
		var wg sync.WaitGroup
		for i, id := range pending {
			wg.Go(func() {
				raw, err := t.store.ReadPack(ctx, id)
				if err == nil {
					err = t.db.Cache().Add(id, raw)
				}
				errs[i] = err
			})
		}
		wg.Wait()
		var again []string
		for i, err := range errs {
			switch {
			case err == nil:
				t.count(func(s *Stats) { s.Fetched++ })
			case errors.Is(err, ErrNotFound):
				t.count(func(s *Stats) { s.Misses++ })
				again = append(again, pending[i])
			default:
				return fmt.Errorf("reading pack %s: %v", pending[i], err)
			}
		}
		pending = again
	}
	return nil
}

// write stores packs, in parallel, after offering them to the other
// nodes, and keeps them in the cache.
func (t *Transactor) write(ctx context.Context, packs []Pack) error {
	if len(packs) == 0 {
		return nil
	}
	t.store.Announce(packs)
	errs := make([]error, len(packs))
	var wg sync.WaitGroup
	for i, p := range packs {
		wg.Go(func() { errs[i] = t.store.WritePack(ctx, p) })
	}
	wg.Wait()
	for i, p := range packs {
		if errs[i] != nil {
			return fmt.Errorf("pack %s: %v", p.ID, errs[i])
		}
		if err := t.db.Cache().Add(p.ID, p.Value); err != nil {
			return err
		}
	}
	t.count(func(s *Stats) { s.Written += len(packs) })
	return nil
}
