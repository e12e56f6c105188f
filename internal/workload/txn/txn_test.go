package txn

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/history"
	"github.com/eddy-workbench/eddy/internal/workload"
)

func TestGenerator(t *testing.T) {
	for _, listAppend := range []bool{false, true} {
		w := New(Options{ListAppend: listAppend, KeyCount: 3, MaxTxnLength: 4, MaxWritesPerKey: 6})
		const procs = 3
		gens := make([]workload.Generator, procs)
		for p := range gens {
			gens[p] = w.Generator(workload.Process{ID: p, Concurrency: procs}, rand.New(rand.NewPCG(1, uint64(p))))
		}
		written := map[int64][]int64{}
		writers := map[int64]map[int]bool{}
		lengths := map[int]int{}
		for range 5000 {
			for p, g := range gens {
				op := g.Next()
				require.Equal(t, "txn", op.F)
				txn := op.Value.([]any)
				lengths[len(txn)]++
				for _, m := range txn {
					mop := m.([]any)
					k := mop[1].(int64)
					switch mop[0] {
					case edn.Keyword("r"):
						assert.Nil(t, mop[2])
					case edn.Keyword(w.write):
						written[k] = append(written[k], mop[2].(int64))
						if writers[k] == nil {
							writers[k] = map[int]bool{}
						}
						writers[k][p] = true
					default:
						t.Fatalf("unexpected micro-op %v", mop)
					}
				}
			}
		}
		for n := 1; n <= 4; n++ {
			assert.Greater(t, lengths[n], 3000, "length %d is uniform in [1, 4]", n)
		}
		assert.Zero(t, lengths[0]+lengths[5])
		shared, writes := 0, 0
		for k, vs := range written {
			seen := map[int64]bool{}
			for _, v := range vs {
				assert.False(t, seen[v], "key %d was written %d twice", k, v)
				seen[v] = true
			}
			writes += len(vs)
			if len(writers[k]) > 1 {
				shared++
			}
		}
		assert.Greater(t, len(written), 1000, "fresh keys replace used ones")
		assert.InDelta(t, 6, float64(writes)/float64(len(written)), 1.5, "keys take about 6 writes")
		assert.Greater(t, shared, len(written)/2, "processes in step write the same keys")
	}
}

// A process's transactions depend on its stream alone, not on what other
// processes drew meanwhile.
func TestGeneratorIsPerProcess(t *testing.T) {
	w := New(Options{KeyCount: 5, MaxWritesPerKey: 4})
	ops := func(p int, interleave bool) []string {
		g := w.Generator(workload.Process{ID: p, Concurrency: 4}, rand.New(rand.NewPCG(9, uint64(p))))
		other := w.Generator(workload.Process{ID: 5, Concurrency: 4}, rand.New(rand.NewPCG(9, 5)))
		var out []string
		for range 300 {
			if interleave {
				other.Next()
			}
			out = append(out, edn.String(g.Next().Value))
		}
		return out
	}
	assert.Equal(t, ops(2, false), ops(2, true))
	assert.NotEqual(t, ops(2, false), ops(1, false))
}

func TestParseTxn(t *testing.T) {
	got, err := parseTxn(json.RawMessage(`[["r",1,[1,2]],["append",2,3],["w",3,null]]`))
	require.NoError(t, err)
	assert.Equal(t, `[[:r 1 [1 2]] [:append 2 3] [:w 3 nil]]`, edn.String(got))
	for _, bad := range []string{`{}`, `[["r",1]]`, `[["x",1,2]]`, `[[1,2,3]]`, `[1]`} {
		_, err := parseTxn(json.RawMessage(bad))
		assert.Error(t, err, bad)
	}
}

func TestMismatch(t *testing.T) {
	req := []any{[]any{edn.Keyword("r"), int64(1), nil}, []any{edn.Keyword("w"), int64(2), int64(5)}}
	cases := []struct {
		resp any
		want string
	}{
		{[]any{[]any{edn.Keyword("r"), int64(1), int64(3)}, []any{edn.Keyword("w"), int64(2), int64(5)}}, ""},
		{[]any{[]any{edn.Keyword("r"), int64(1), int64(3)}}, "2 micro-ops asked, 1 answered"},
		{[]any{[]any{edn.Keyword("r"), int64(9), nil}, []any{edn.Keyword("w"), int64(2), int64(5)}}, "micro-op 0 asked [:r 1 nil], answered [:r 9 nil]"},
		{[]any{[]any{edn.Keyword("r"), int64(1), nil}, []any{edn.Keyword("w"), int64(2), int64(6)}}, "micro-op 1 wrote 5, answered 6"},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, mismatch(req, tc.resp))
	}
}

func op(i int, typ history.Type, p int, v any) history.Op {
	return history.Op{Index: i, Type: typ, Process: p, F: "txn", Value: v}
}

func TestCheckWrapsElleAsMaelstrom(t *testing.T) {
	w1 := []any{[]any{edn.Keyword("w"), int64(1), int64(1)}}
	r1 := []any{[]any{edn.Keyword("r"), int64(1), int64(1)}}
	r1nil := []any{[]any{edn.Keyword("r"), int64(1), nil}}
	good := []history.Op{op(0, history.Invoke, 0, w1), op(1, history.OK, 0, w1), op(2, history.Invoke, 1, r1nil), op(3, history.OK, 1, r1)}
	res := results(New(Options{Models: []string{"read-committed"}}).Check(good))
	v, _ := res.Get(edn.Keyword("valid?"))
	assert.Equal(t, true, v)

	// No edges: Maelstrom's rw-register wrapper makes that invalid.
	empty := []history.Op{op(0, history.Invoke, 0, r1nil), op(1, history.OK, 0, r1nil)}
	res = results(New(Options{Models: []string{"read-committed"}}).Check(empty))
	v, _ = res.Get(edn.Keyword("valid?"))
	assert.Equal(t, false, v)
	// Elle's list-append leaves it unknown.
	res = results(New(Options{ListAppend: true, Models: []string{"read-committed"}}).Check(empty))
	v, _ = res.Get(edn.Keyword("valid?"))
	assert.Equal(t, edn.Keyword("unknown"), v)
}

func TestMismatchedRepliesCountOnlyWhenStrict(t *testing.T) {
	w1 := []any{[]any{edn.Keyword("w"), int64(1), int64(1)}}
	dropped := []any{}
	r1 := []any{[]any{edn.Keyword("r"), int64(1), nil}}
	r1ok := []any{[]any{edn.Keyword("r"), int64(1), int64(1)}}
	h := []history.Op{op(0, history.Invoke, 0, w1), op(1, history.OK, 0, dropped), op(2, history.Invoke, 1, w1), op(3, history.OK, 1, w1),
		op(4, history.Invoke, 0, r1), op(5, history.OK, 0, r1ok)}
	for _, strict := range []bool{false, true} {
		f, warnings := New(Options{Models: []string{"read-committed"}, Strict: strict}).Check(h)
		res := f.EDN()
		n, _ := res.Get(edn.Keyword("mismatched-count"))
		assert.Equal(t, 1, n)
		v, _ := res.Get(edn.Keyword("valid?"))
		assert.Equal(t, !strict, v, "strict %v", strict)
		require.Len(t, warnings, 1)
		assert.Contains(t, warnings[0], "1 txn_ok replies do not answer the transaction asked")
		txn := f.(*check.Txn)
		require.Len(t, txn.Mismatched, 1)
		assert.Equal(t, 1, txn.Mismatched[0].Op.Index)
		assert.Equal(t, "1 micro-ops asked, 0 answered", txn.Mismatched[0].Why)
	}
}

// results renders what Check found as results.edn's :workload.
func results(f check.Findings, _ []string) *edn.Map { return f.EDN() }
