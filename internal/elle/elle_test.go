package elle

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/history"
)

// hist builds histories by hand: each call to txn appends an invocation and
// its completion; start and end let transactions overlap.
type hist struct{ ops []history.Op }

func (h *hist) emit(o history.Op) int {
	o.Index = len(h.ops)
	o.Time = int64(o.Index) * 1000
	h.ops = append(h.ops, o)
	return o.Index
}

// start invokes a txn on process p; the invocation shows reads as nil.
func (h *hist) start(p int, mops ...[]any) {
	inv := make([]any, len(mops))
	for i, m := range mops {
		if m[0] == edn.Keyword("r") {
			inv[i] = []any{m[0], m[1], nil}
		} else {
			inv[i] = m
		}
	}
	h.emit(history.Op{Type: history.Invoke, Process: p, F: "txn", Value: inv})
}

// end completes process p's txn with type t and these mops.
func (h *hist) end(p int, t history.Type, mops ...[]any) {
	v := make([]any, len(mops))
	for i, m := range mops {
		v[i] = m
	}
	h.emit(history.Op{Type: t, Process: p, F: "txn", Value: v})
}

func (h *hist) txn(p int, t history.Type, mops ...[]any) {
	h.start(p, mops...)
	h.end(p, t, mops...)
}

func r(k, v any) []any  { return []any{edn.Keyword("r"), k, v} }
func w(k, v any) []any  { return []any{edn.Keyword("w"), k, v} }
func ap(k, v any) []any { return []any{edn.Keyword("append"), k, v} }
func list(xs ...any) []any {
	if xs == nil {
		return []any{}
	}
	return xs
}

const ok, fail, info = history.OK, history.Fail, history.Info

func checkHist(t *testing.T, h *hist, listAppend bool, models ...string) (*Result, *edn.Map) {
	t.Helper()
	res, err := Check(h.ops, Options{Models: models, ListAppend: listAppend})
	require.NoError(t, err)
	return res, res.Findings(0).EDN()
}

func kw(s string) edn.Keyword { return edn.Keyword(s) }

func types(m *edn.Map) []string {
	v, _ := m.Get(kw("anomaly-types"))
	var out []string
	for _, t := range v.([]any) {
		out = append(out, string(t.(edn.Keyword)))
	}
	return out
}

func found(res *Result) []string {
	var out []string
	for t := range res.Anomalies {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

func TestInjectedAnomalies(t *testing.T) {
	cases := []struct {
		name       string
		listAppend bool
		build      func(h *hist)
		// anomaly must be found; invalid under these models, valid
		// under allowed.
		anomaly string
		invalid []string
		allowed []string
	}{
		{
			name: "aborted read", anomaly: "G1a",
			build: func(h *hist) {
				h.txn(0, fail, w(1, 1))
				h.txn(1, ok, r(1, 1))
			},
			invalid: []string{"read-committed", "serializable"}, allowed: []string{"read-uncommitted"},
		},
		{
			name: "intermediate read", anomaly: "G1b",
			build: func(h *hist) {
				h.txn(0, ok, w(1, 1), w(1, 2))
				h.txn(1, ok, r(1, 1))
			},
			invalid: []string{"read-committed"}, allowed: []string{"read-uncommitted"},
		},
		{
			name: "write cycle", anomaly: "G0",
			build: func(h *hist) {
				h.start(0, r(1, nil), w(1, 1), w(2, 1))
				h.start(1, r(2, nil), w(2, 2), w(1, 2))
				h.end(0, ok, r(1, 2), w(1, 1), w(2, 1))
				h.end(1, ok, r(2, 1), w(2, 2), w(1, 2))
			},
			invalid: []string{"read-uncommitted", "read-committed"},
		},
		{
			name: "circular information flow", anomaly: "G1c",
			build: func(h *hist) {
				h.start(0, w(1, 1), r(2, nil))
				h.start(1, w(2, 1), r(1, nil))
				h.end(0, ok, w(1, 1), r(2, 1))
				h.end(1, ok, w(2, 1), r(1, 1))
			},
			invalid: []string{"read-committed"}, allowed: []string{"read-uncommitted"},
		},
		{
			name: "read skew", anomaly: "G-single",
			build: func(h *hist) {
				h.start(0, r(1, nil), r(2, nil))
				h.txn(1, ok, w(1, 1), w(2, 1))
				h.end(0, ok, r(1, nil), r(2, 1))
			},
			invalid: []string{"snapshot-isolation", "serializable"}, allowed: []string{"read-committed"},
		},
		{
			name: "write skew", anomaly: "G2-item",
			build: func(h *hist) {
				h.start(0, r(1, nil), r(2, nil), w(1, 1))
				h.start(1, r(1, nil), r(2, nil), w(2, 1))
				h.end(0, ok, r(1, nil), r(2, nil), w(1, 1))
				h.end(1, ok, r(1, nil), r(2, nil), w(2, 1))
			},
			invalid: []string{"serializable", "repeatable-read"}, allowed: []string{"snapshot-isolation", "read-committed"},
		},
		{
			name: "lost update", anomaly: "lost-update",
			build: func(h *hist) {
				h.start(0, r(1, nil), w(1, 1))
				h.start(1, r(1, nil), w(1, 2))
				h.end(0, ok, r(1, nil), w(1, 1))
				h.end(1, ok, r(1, nil), w(1, 2))
			},
			invalid: []string{"repeatable-read", "snapshot-isolation"}, allowed: []string{"read-committed"},
		},
		{
			name: "internal inconsistency", anomaly: "internal",
			build: func(h *hist) {
				h.txn(0, ok, w(1, 1), r(1, 2))
				h.txn(1, ok, w(1, 2))
			},
			invalid: []string{"serializable"}, allowed: []string{"read-committed", "repeatable-read"},
		},
		{
			name: "stale read after a completed write", anomaly: "G-single-realtime",
			build: func(h *hist) {
				h.txn(0, ok, w(1, 1))
				h.txn(1, ok, r(1, nil))
			},
			invalid: []string{"strict-serializable"}, allowed: []string{"serializable"},
		},
		{
			name: "stale read on the same process", anomaly: "G-single-process",
			build: func(h *hist) {
				h.txn(0, ok, w(1, 1))
				h.txn(0, ok, r(1, nil))
			},
			invalid: []string{"strong-session-snapshot-isolation"}, allowed: []string{"serializable"},
		},
		{
			name: "cyclic versions", anomaly: "cyclic-versions",
			build: func(h *hist) {
				h.start(0, r(1, nil), w(1, 2))
				h.start(1, r(1, nil), w(1, 1))
				h.end(0, ok, r(1, 1), w(1, 2))
				h.end(1, ok, r(1, 2), w(1, 1))
			},
			invalid: []string{"read-uncommitted"},
		},
		{
			name: "list-append aborted read", listAppend: true, anomaly: "G1a",
			build: func(h *hist) {
				h.txn(0, fail, ap(1, 1))
				h.txn(1, ok, r(1, list(1)))
			},
			invalid: []string{"read-committed"}, allowed: []string{"read-uncommitted"},
		},
		{
			name: "list-append intermediate read", listAppend: true, anomaly: "G1b",
			build: func(h *hist) {
				h.txn(0, ok, ap(1, 1), ap(1, 2))
				h.txn(1, ok, r(1, list(1)))
			},
			invalid: []string{"read-committed"}, allowed: []string{"read-uncommitted"},
		},
		{
			name: "list-append incompatible orders", listAppend: true, anomaly: "incompatible-order",
			build: func(h *hist) {
				h.txn(0, ok, ap(1, 1))
				h.txn(1, ok, ap(1, 2))
				h.txn(2, ok, r(1, list(1, 2)))
				h.txn(3, ok, r(1, list(2, 1)))
			},
			invalid: []string{"read-committed"}, allowed: []string{"read-uncommitted"},
		},
		{
			name: "list-append duplicate elements", listAppend: true, anomaly: "duplicate-elements",
			build: func(h *hist) {
				h.txn(0, ok, ap(1, 1))
				h.txn(1, ok, r(1, list(1, 1)))
			},
			invalid: []string{"read-uncommitted"},
		},
		{
			name: "list-append write cycle", listAppend: true, anomaly: "G0",
			build: func(h *hist) {
				h.start(0, ap(1, 1), ap(2, 2))
				h.start(1, ap(1, 2), ap(2, 1))
				h.end(0, ok, ap(1, 1), ap(2, 2))
				h.end(1, ok, ap(1, 2), ap(2, 1))
				h.txn(2, ok, r(1, list(1, 2)), r(2, list(1, 2)))
			},
			invalid: []string{"read-uncommitted"},
		},
		{
			name: "list-append read skew", listAppend: true, anomaly: "G-single",
			build: func(h *hist) {
				h.start(0, r(1, nil), r(2, nil))
				h.txn(1, ok, ap(1, 1), ap(2, 1))
				h.end(0, ok, r(1, nil), r(2, list(1)))
				h.txn(2, ok, r(1, list(1)))
			},
			invalid: []string{"serializable"}, allowed: []string{"read-committed"},
		},
		{
			name: "future read", anomaly: "future-read",
			build: func(h *hist) {
				h.txn(0, ok, r(1, 1), w(1, 1))
			},
			invalid: []string{"read-committed"}, allowed: []string{"read-uncommitted"},
		},
		{
			name: "list-append future read", listAppend: true, anomaly: "future-read",
			build: func(h *hist) {
				h.txn(0, ok, r(1, list(1)), ap(1, 1))
			},
			invalid: []string{"read-committed"}, allowed: []string{"read-uncommitted"},
		},
		{
			name: "list-append internal", listAppend: true, anomaly: "internal",
			build: func(h *hist) {
				h.txn(0, ok, ap(1, 1), r(1, list(2)))
				h.txn(1, ok, ap(1, 2))
			},
			invalid: []string{"serializable"}, allowed: []string{"read-committed"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := &hist{}
			tc.build(h)
			// An unrelated write and its read, so that no verdict rests on
			// an empty graph.
			if tc.listAppend {
				h.txn(8, ok, ap(99, 1))
				h.txn(9, ok, r(99, list(1)))
			} else {
				h.txn(8, ok, w(99, 1))
				h.txn(9, ok, r(99, 1))
			}
			for _, m := range tc.invalid {
				res, out := checkHist(t, h, tc.listAppend, m)
				assert.Contains(t, found(res), tc.anomaly, "found under %s", m)
				v, _ := out.Get(kw("valid?"))
				assert.Equal(t, false, v, "verdict under %s: %s", m, edn.String(out))
				assert.Contains(t, types(out), tc.anomaly, "reported under %s", m)
				for _, c := range res.Anomalies[tc.anomaly] {
					assert.NotEmpty(t, c.Explanation, "every case explains itself: %s", edn.String(c.EDN()))
				}
			}
			for _, m := range tc.allowed {
				_, out := checkHist(t, h, tc.listAppend, m)
				v, _ := out.Get(kw("valid?"))
				assert.Equal(t, true, v, "verdict under %s: %s", m, edn.String(out))
			}
		})
	}
}

// TestRandomSerialHistories: any serial execution, over few keys and
// processes, is strict-serializable, for both data models; and corrupting
// one read of it is caught.
func TestRandomSerialHistories(t *testing.T) {
	for _, listAppend := range []bool{false, true} {
		for seed := range uint64(200) {
			rng := rand.New(rand.NewPCG(seed, 7))
			h := serial(rng, listAppend, 2+rng.IntN(40))
			res, out := checkHist(t, h, listAppend, "strict-serializable")
			v, _ := out.Get(kw("valid?"))
			if !assert.Equal(t, true, v, "seed %d list-append %v: %s", seed, listAppend, edn.String(out)) {
				t.Logf("found %v", found(res))
				return
			}
		}
	}
}

// serial runs n random transactions one after another against a map.
func serial(rng *rand.Rand, listAppend bool, n int) *hist {
	h := &hist{}
	regs := map[int64]int64{}
	lists := map[int64][]any{}
	next := map[int64]int64{}
	for range n {
		var mops [][]any
		for range 1 + rng.IntN(4) {
			k := int64(rng.IntN(3))
			if rng.IntN(2) == 0 {
				switch {
				case listAppend && lists[k] == nil:
					mops = append(mops, r(k, nil))
				case listAppend:
					mops = append(mops, r(k, append([]any{}, lists[k]...)))
				default:
					v, ok := regs[k]
					if !ok {
						mops = append(mops, r(k, nil))
					} else {
						mops = append(mops, r(k, v))
					}
				}
				continue
			}
			next[k]++
			v := next[k]
			if listAppend {
				lists[k] = append(lists[k], v)
				mops = append(mops, ap(k, v))
			} else {
				regs[k] = v
				mops = append(mops, w(k, v))
			}
		}
		h.txn(rng.IntN(3), ok, mops...)
	}
	return h
}

func TestCorruptedSerialHistoryIsCaught(t *testing.T) {
	// T0 writes 1, T1 overwrites with 2 after reading 1, T2 reads 2 then
	// a later txn reads 1 again: a stale read, G-single-realtime.
	h := &hist{}
	h.txn(0, ok, w(1, 1))
	h.txn(1, ok, r(1, 1), w(1, 2))
	h.txn(2, ok, r(1, 2))
	h.txn(0, ok, r(1, 1))
	_, out := checkHist(t, h, false, "strict-serializable")
	v, _ := out.Get(kw("valid?"))
	assert.Equal(t, false, v, edn.String(out))
	assert.Contains(t, types(out), "G-single-realtime")
}

func TestExplanationNamesEveryEdge(t *testing.T) {
	h := &hist{}
	h.start(0, w(1, 1), r(2, nil))
	h.start(1, w(2, 1), r(1, nil))
	h.end(0, ok, w(1, 1), r(2, 1))
	h.end(1, ok, w(2, 1), r(1, 1))
	res, _ := checkHist(t, h, false, "read-committed")
	require.Len(t, res.Anomalies["G1c"], 1)
	c := res.Anomalies["G1c"][0]
	s := c.Explanation
	assert.Contains(t, s, "T1 = ")
	assert.Contains(t, s, "T2 = ")
	assert.Contains(t, s, "set key 1 to 1, and T")
	assert.Contains(t, s, "read that version")
	assert.Contains(t, s, "a contradiction!")
	assert.Len(t, c.Steps, 2)
	assert.Len(t, c.Cycle, 3, "the cycle's ops, the first repeated at the end")
	assert.Equal(t, c.Cycle[0], c.Cycle[2])
}

func TestProhibited(t *testing.T) {
	cases := []struct {
		model    string
		has, not []string
	}{
		{"read-uncommitted", []string{"G0", "cyclic-versions", "duplicate-elements"}, []string{"G1a", "G1c", "G-single"}},
		{"read-committed", []string{"G0", "G1a", "G1b", "G1c", "G1", "dirty-update", "incompatible-order", "future-read"}, []string{"G-single", "G2-item", "lost-update", "internal"}},
		{"repeatable-read", []string{"G1c", "G2-item", "lost-update", "G-single-item"}, []string{"internal", "G1c-realtime"}},
		{"snapshot-isolation", []string{"internal", "G-single", "G-nonadjacent", "lost-update"}, []string{"G2-item", "G2"}},
		{"serializable", []string{"G2", "G2-item", "G-single", "internal"}, []string{"G1c-realtime", "G-single-process"}},
		{"strict-serializable", []string{"G2-realtime", "G1c-realtime", "G-single-realtime", "G0-realtime", "G2"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.model, func(t *testing.T) {
			p := Prohibited([]string{tc.model})
			for _, a := range tc.has {
				assert.True(t, p[a], "%s prohibits %s", tc.model, a)
			}
			for _, a := range tc.not {
				assert.False(t, p[a], "%s allows %s", tc.model, a)
			}
		})
	}
}

func TestBoundary(t *testing.T) {
	not, also := Boundary([]string{"G1c"})
	assert.Equal(t, []string{"read-committed"}, not)
	assert.Contains(t, also, "serializable")
	assert.Contains(t, also, "strict-serializable")
	not, _ = Boundary([]string{"G-single"})
	assert.Contains(t, not, "consistent-view")
	assert.NotContains(t, not, "read-committed")
}

func TestValidateModels(t *testing.T) {
	assert.NoError(t, ValidateModels([]string{"read-committed", "strict-serializable", "PL-2", "causal-cerone"}))
	err := ValidateModels([]string{"read-comitted"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"read-comitted"`)
}

func TestEmptyGraph(t *testing.T) {
	h := &hist{}
	h.txn(0, ok, r(1, nil))
	_, out := checkHist(t, h, false, "read-committed")
	assert.Contains(t, types(out), "empty-transaction-graph")
	v, _ := out.Get(kw("valid?"))
	assert.Equal(t, kw("unknown"), v)
}

func TestCycleSearchTimesOut(t *testing.T) {
	// A search with no time left reports a timeout, not a verdict.
	h := &hist{}
	h.start(0, r(1, nil), r(2, nil), w(1, 1))
	h.start(1, r(1, nil), r(2, nil), w(2, 1))
	h.end(0, ok, r(1, nil), r(2, nil), w(1, 1))
	h.end(1, ok, r(1, nil), r(2, nil), w(2, 1))
	res, err := Check(h.ops, Options{Models: []string{"serializable"}, SCCTimeout: time.Nanosecond})
	require.NoError(t, err)
	assert.Contains(t, found(res), "cycle-search-timeout")
	v, _ := res.Findings(0).EDN().Get(kw("valid?"))
	assert.Equal(t, kw("unknown"), v)
}

// TestLargeSerialHistory: a 20,000-transaction serial history over a
// changing key pool is found valid in full.
func TestLargeSerialHistory(t *testing.T) {
	h := largeSerial()
	began := time.Now()
	res, err := Check(h.ops, Options{Models: []string{"strict-serializable"}})
	require.NoError(t, err)
	assert.Empty(t, res.Anomalies, "a serial history")
	t.Logf("%d txns, %d edges, %d SCCs in %v", res.Txns, res.Edges, res.SCCs, time.Since(began))
	assert.Equal(t, 20000, res.Txns)
}

// BenchmarkCheck checks a history the size of a 20 s run at --rate 1000:
// go test -run x -bench Check ./internal/elle/
func BenchmarkCheck(b *testing.B) {
	h := largeSerial()
	for b.Loop() {
		if _, err := Check(h.ops, Options{Models: []string{"strict-serializable"}}); err != nil {
			b.Fatal(err)
		}
	}
}

func largeSerial() *hist {
	rng := rand.New(rand.NewPCG(1, 1))
	h := &hist{}
	regs := map[int64]int64{}
	next := map[int64]int64{}
	for i := range 20000 {
		p := i % 4
		var mops [][]any
		for range 1 + rng.IntN(4) {
			k := int64(rng.IntN(10)) + int64(i/500)*10
			if rng.IntN(2) == 0 {
				if v, ok := regs[k]; ok {
					mops = append(mops, r(k, v))
				} else {
					mops = append(mops, r(k, nil))
				}
			} else {
				next[k]++
				regs[k] = next[k]
				mops = append(mops, w(k, next[k]))
			}
		}
		h.txn(p, ok, mops...)
	}
	return h
}

// TestDirtyUpdate: a list in which an element a failed transaction
// appended comes before one a committed transaction appended.
func TestDirtyUpdate(t *testing.T) {
	h := &hist{}
	h.txn(0, fail, ap(1, 1))
	h.txn(1, ok, ap(1, 2))
	h.txn(2, ok, r(1, list(1, 2)))
	res, out := checkHist(t, h, true, "read-committed")
	assert.Contains(t, types(out), "dirty-update")
	require.Len(t, res.Anomalies["dirty-update"], 1)
	assert.Equal(t, `{:key 1, :values [1 2], :explanation "key 1 reads as [1 2]: an element appended by a failed transaction comes before 2, which a transaction that did not fail appended"}`,
		edn.String(res.Anomalies["dirty-update"][0].EDN()))
}
