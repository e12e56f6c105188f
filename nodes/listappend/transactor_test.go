package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeStore is a Store in memory: a root register and a map of packs. It
// can show a reader a stale view (a pack missing until the reader catches
// up), refuse or lose compare-and-sets, and run a hook before each
// compare-and-set, where a test lets another transactor commit first.
type fakeStore struct {
	mu    sync.Mutex
	root  string
	packs map[string][]byte
	// stale lists packs each reader does not see until its next Catchup.
	stale map[string]bool
	// beforeCAS runs (without the lock) before each compare-and-set.
	beforeCAS func()
	inHook    bool
	// casErr, when set, is returned by the next compare-and-set, which is
	// applied first if casApplies.
	casErr     error
	casApplies bool
	// failFetch makes every pack read fail as not found.
	failFetch bool
	calls     map[string]int
	announced []Pack
}

func newFakeStore() *fakeStore {
	return &fakeStore{packs: map[string][]byte{}, stale: map[string]bool{}, calls: map[string]int{}}
}

func (f *fakeStore) ReadRoot(context.Context) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["read-root"]++
	return f.root, nil
}

func (f *fakeStore) CASRoot(_ context.Context, from, to string) error {
	if hook := f.beforeCAS; hook != nil && !f.inHook {
		// Not again for the compare-and-sets the hook itself makes.
		f.inHook = true
		hook()
		f.inHook = false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["cas"]++
	if err := f.casErr; err != nil {
		f.casErr = nil
		if f.casApplies && f.root == from {
			f.root = to
		}
		return err
	}
	if f.root != from {
		return fmt.Errorf("%w: root is %q, not %q", ErrConflict, f.root, from)
	}
	for _, id := range strings.Split(to, "/")[:1] {
		if _, ok := f.packs[id]; !ok {
			panic("the root would point at an unwritten pack " + id)
		}
	}
	f.root = to
	return nil
}

func (f *fakeStore) ReadPack(_ context.Context, id string) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["read-pack"]++
	raw, ok := f.packs[id]
	if !ok || f.stale[id] || f.failFetch {
		return nil, ErrNotFound
	}
	return raw, nil
}

func (f *fakeStore) WritePack(_ context.Context, p Pack) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["write-pack"]++
	if _, ok := f.packs[p.ID]; ok {
		panic("pack " + p.ID + " written twice")
	}
	f.packs[p.ID] = p.Value
	return nil
}

func (f *fakeStore) Catchup(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["catchup"]++
	f.stale = map[string]bool{}
	return nil
}

func (f *fakeStore) Announce(packs []Pack) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.announced = append(f.announced, packs...)
}

// newTestTransactor makes a transactor with its own cache over store.
func newTestTransactor(store Store, name string, lim Limits) *Transactor {
	return NewTransactor(store, NewDB(NewCache(64<<20), name, lim), DefaultOptions, nil)
}

// txn parses a transaction written as Maelstrom sends it.
func txn(t *testing.T, s string) Txn {
	t.Helper()
	tx, err := ParseTxn([]byte(s))
	require.NoError(t, err)
	return tx
}

// render shows outcomes as Maelstrom would receive them.
func render(t *testing.T, outs []Outcome) []string {
	t.Helper()
	var r []string
	for _, o := range outs {
		if o.Err != nil {
			r = append(r, fmt.Sprintf("error %d", o.Err.Code))
			continue
		}
		var parts []string
		for _, op := range o.Txn {
			b, err := op.MarshalJSON()
			require.NoError(t, err)
			parts = append(parts, string(b))
		}
		r = append(r, "["+strings.Join(parts, ",")+"]")
	}
	return r
}

func TestCommit(t *testing.T) {
	store := newFakeStore()
	a := newTestTransactor(store, "a", DefaultLimits)
	ctx := context.Background()
	out := a.Commit(ctx, []Txn{
		txn(t, `[["r",1,null],["append",1,10],["r",1,null]]`),
		txn(t, `[["r",1,null],["r","k",null]]`),
		txn(t, `[["append",1,11],["append","k",{"x":1}],["r",1,null]]`),
	})
	assert.Equal(t, []string{
		`[["r",1,null],["append",1,10],["r",1,[10]]]`,
		`[["r",1,null],["r","k",null]]`, // read-only: sees the root alone
		`[["append",1,11],["append","k",{"x":1}],["r",1,[10,11]]]`,
	}, render(t, out))
	assert.Equal(t, 1, store.calls["cas"])
	assert.Equal(t, 1, store.calls["write-pack"], "one pack for the batch")
	assert.Len(t, store.announced, 1)

	// Another node, with nothing cached, reads the packs from the store.
	b := newTestTransactor(store, "b", DefaultLimits)
	out = b.Commit(ctx, []Txn{txn(t, `[["r",1,null],["r","k",null],["r",2,null]]`)})
	assert.Equal(t, []string{`[["r",1,[10,11]],["r","k",[{"x":1}]],["r",2,null]]`}, render(t, out))
	assert.Equal(t, 1, store.calls["cas"], "read-only: no compare-and-set")
	st := b.Stats()
	assert.Equal(t, Stats{Txns: 1, ReadOnly: 1, Batches: 1, Fetched: 1}, st)
}

// TestConflictRetries: another node commits between this one's root read
// and its compare-and-set; the refused batch runs again on the new root,
// and its reads see the other node's append.
func TestConflictRetries(t *testing.T) {
	store := newFakeStore()
	a := newTestTransactor(store, "a", DefaultLimits)
	b := newTestTransactor(store, "b", DefaultLimits)
	ctx := context.Background()
	once := true
	store.beforeCAS = func() {
		if once {
			once = false
			out := b.Commit(ctx, []Txn{txn(t, `[["append",1,"b"]]`)})
			require.Nil(t, out[0].Err)
		}
	}
	out := a.Commit(ctx, []Txn{txn(t, `[["append",1,"a"],["r",1,null]]`), txn(t, `[["r",1,null]]`)})
	assert.Equal(t, []string{`[["append",1,"a"],["r",1,["b","a"]]]`, `[["r",1,null]]`}, render(t, out))
	st := a.Stats()
	assert.Equal(t, 2, st.CAS)
	assert.Equal(t, 1, st.Conflicts)
	assert.Zero(t, st.Aborted)
	assert.Equal(t, 3, store.calls["read-root"]-1,
		"a read the root three times (b once): on the retry it fetched b's pack, then read the root again")

	store.beforeCAS = nil
	out = b.Commit(ctx, []Txn{txn(t, `[["r",1,null]]`)})
	assert.Equal(t, []string{`[["r",1,["b","a"]]]`}, render(t, out))
}

// TestConflictAborts: when every compare-and-set is refused the writing
// transactions are answered txn-conflict, and none of their appends is
// ever visible; read-only ones of the batch are answered all the same.
func TestConflictAborts(t *testing.T) {
	store := newFakeStore()
	a := newTestTransactor(store, "a", DefaultLimits)
	a.opt.MaxAttempts = 3
	b := newTestTransactor(store, "b", DefaultLimits)
	ctx := context.Background()
	n := 0
	store.beforeCAS = func() {
		n++
		b.Commit(ctx, []Txn{txn(t, fmt.Sprintf(`[["append",2,%d]]`, n))})
	}
	out := a.Commit(ctx, []Txn{txn(t, `[["append",1,"a"]]`), txn(t, `[["r",2,null]]`), txn(t, `[["append",2,"a"]]`)})
	assert.Equal(t, []string{"error 30", `[["r",2,null]]`, "error 30"}, render(t, out))
	assert.Equal(t, maelstrom.TxnConflict, out[0].Err.Code)
	st := a.Stats()
	assert.Equal(t, Stats{Txns: 3, ReadOnly: 1, Batches: 1, CAS: 3, Conflicts: 3, Aborted: 2, Written: 3, Fetched: 2}, st)

	store.beforeCAS = nil
	out = b.Commit(ctx, []Txn{txn(t, `[["r",1,null],["r",2,null]]`)})
	assert.Equal(t, []string{`[["r",1,null],["r",2,[1,2,3]]]`}, render(t, out), "none of a's appends")
}

// TestUnknownOutcome: a compare-and-set whose answer is lost may have been
// applied, so its transactions are answered crash (indefinite), whether
// it was applied or not.
func TestUnknownOutcome(t *testing.T) {
	for _, applied := range []bool{false, true} {
		t.Run(strconv.FormatBool(applied), func(t *testing.T) {
			store := newFakeStore()
			a := newTestTransactor(store, "a", DefaultLimits)
			store.casErr, store.casApplies = errors.New("lin-kv: no answer in time"), applied
			out := a.Commit(context.Background(), []Txn{txn(t, `[["append",1,1]]`), txn(t, `[["r",1,null]]`)})
			assert.Equal(t, []string{"error 13", `[["r",1,null]]`}, render(t, out))
			assert.Equal(t, 1, store.calls["cas"], "no retry after an unknown outcome")
			assert.Equal(t, applied, store.root != "")
		})
	}
}

// TestStalePacks: a node whose view of the pack service is stale catches
// up and reads again.
func TestStalePacks(t *testing.T) {
	store := newFakeStore()
	a := newTestTransactor(store, "a", DefaultLimits)
	ctx := context.Background()
	a.Commit(ctx, []Txn{txn(t, `[["append",1,1]]`)})
	for id := range store.packs {
		store.stale[id] = true
	}
	b := newTestTransactor(store, "b", DefaultLimits)
	out := b.Commit(ctx, []Txn{txn(t, `[["append",1,2],["r",1,null]]`)})
	assert.Equal(t, []string{`[["append",1,2],["r",1,[1,2]]]`}, render(t, out))
	st := b.Stats()
	assert.Equal(t, 1, st.Misses)
	assert.Equal(t, 1, st.Catchups)
	assert.Equal(t, 1, st.Fetched)

	// A pack that never shows fails the batch, definitely: nothing moved.
	store.failFetch = true
	c := newTestTransactor(store, "c", DefaultLimits)
	c.opt.FetchBackoff = 0
	root := store.root
	out = c.Commit(ctx, []Txn{txn(t, `[["append",1,3]]`)})
	assert.Equal(t, []string{"error 11"}, render(t, out))
	assert.Equal(t, root, store.root)
	assert.Equal(t, DefaultOptions.FetchTries, c.Stats().Misses)
}

// TestAgainstModel runs random transactions from several nodes on small
// limits (so leaves split and lists move into chunks), with other nodes
// committing between a node's read and its compare-and-set, and checks
// every answer against a serial execution in commit order.
func TestAgainstModel(t *testing.T) {
	lim := Limits{MaxPack: 2000, MaxLeaf: 300, MaxTail: 40}
	for seed := uint64(1); seed <= 8; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 3))
			store := newFakeStore()
			var nodes []*Transactor
			for i := range 3 {
				nodes = append(nodes, newTestTransactor(store, fmt.Sprintf("n%d", i), lim))
			}
			model := map[string][]string{}
			next := 0
			randomTxn := func() Txn {
				var parts []string
				for range 1 + r.IntN(4) {
					k := r.IntN(40)
					if r.IntN(2) == 0 {
						parts = append(parts, fmt.Sprintf(`["r",%d,null]`, k))
					} else {
						next++
						parts = append(parts, fmt.Sprintf(`["append",%d,%d]`, k, next))
					}
				}
				return txn(t, "["+strings.Join(parts, ",")+"]")
			}
			// check replays a committed transaction on the model and
			// compares its reads.
			check := func(in, got Txn) {
				require.Len(t, got, len(in))
				for i, op := range in {
					if op.F == "append" {
						model[op.Key] = append(model[op.Key], op.Val)
						continue
					}
					want := model[op.Key]
					if want == nil {
						assert.Nil(t, got[i].Read, "key %s", op.Key)
					} else {
						assert.Equal(t, want, got[i].Read, "key %s", op.Key)
					}
				}
			}
			// commit runs a batch on node i; writing transactions are
			// checked in the order their compare-and-sets landed, which
			// the hook makes nested: an interloper's batch lands first.
			var commit func(i, depth int)
			commit = func(i, depth int) {
				batch := make([]Txn, 1+r.IntN(3))
				for k := range batch {
					batch[k] = randomTxn()
				}
				// Read-only transactions see the root as of the first
				// read, before any interloper: check them now, on the
				// model as it is.
				var before map[string][]string
				before = cloneModel(model)
				if depth < 2 && r.IntN(3) == 0 {
					store.beforeCAS = func() {
						store.beforeCAS = nil
						commit((i+1)%len(nodes), depth+1)
					}
				}
				out := nodes[i].Commit(context.Background(), batch)
				after := model
				model = before
				for k, o := range out {
					require.Nil(t, o.Err)
					if batch[k].ReadOnly() {
						check(batch[k], o.Txn)
					}
				}
				model = after
				for k, o := range out {
					if !batch[k].ReadOnly() {
						check(batch[k], o.Txn)
					}
				}
			}
			for range 150 {
				commit(r.IntN(len(nodes)), 0)
			}
			conflicts := 0
			for _, n := range nodes {
				conflicts += n.Stats().Conflicts
			}
			assert.Greater(t, conflicts, 10, "the hook made nodes retry")
			for id, raw := range store.packs {
				assert.LessOrEqual(t, len(raw), lim.MaxPack, id)
			}
			// Everything is readable from a node with nothing cached.
			fresh := newTestTransactor(store, "z", lim)
			var all Txn
			keys := make([]string, 0, len(model))
			for k := range model {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				all = append(all, Op{F: "r", Key: k})
			}
			out := fresh.Commit(context.Background(), []Txn{all})
			require.Nil(t, out[0].Err)
			check(all, out[0].Txn)
			assert.Greater(t, fresh.Stats().Fetched, 5, "the trie spans many packs")
		})
	}
}

func cloneModel(m map[string][]string) map[string][]string {
	c := make(map[string][]string, len(m))
	for k, v := range m {
		c[k] = slices.Clone(v)
	}
	return c
}
