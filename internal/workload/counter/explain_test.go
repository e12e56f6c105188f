package counter

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/explain"
	"github.com/eddy-workbench/eddy/internal/history"
	"github.com/eddy-workbench/eddy/internal/trace/tracetest"
)

func addCall(r *tracetest.Run, ms float64, p int, client string, d int64) {
	r.Call(ms, ms+1, p, client, "add", d, map[string]any{"type": "add", "delta": d}, history.OK, map[string]any{"type": "add_ok"}, nil)
}

func readCall(r *tracetest.Run, ms float64, p int, client string, v int64, final bool) {
	r.Call(ms, ms+1, p, client, "read", nil, map[string]any{"type": "read"}, history.OK, map[string]any{"type": "read_ok", "value": v}, v)
}

// markFinal marks the last n reads final, as the workload does.
func final(ops []history.Op, n int) []int {
	var out []int
	for i := len(ops) - 1; i >= 0 && len(out) < n; i-- {
		if ops[i].F == "read" && ops[i].Type == history.OK {
			out = append(out, i)
		}
	}
	return out
}

// Nodes that count only their own adds.
func TestExplainLocalCounter(t *testing.T) {
	r := tracetest.New("n1", "n2", "n3")
	addCall(r, 10, 0, "c0", 3)
	addCall(r, 11, 1, "c1", 4)
	addCall(r, 12, 2, "c2", 5)
	addCall(r, 13, 0, "c0", 1)
	readCall(r, 100, 0, "c3", 4, true)
	x := r.Index()
	wrong := final(x.Ops(), 1)
	out := ExplainFinalReads(x, wrong, [][2]int64{{13, 13}})
	require.Len(t, out, 1)
	assert.Equal(t, "final read 4 at n1", out[0].Finding)
	assert.Equal(t, "n1's final read at 0.101 s returned 4, 9 less than the nearest acceptable total 13 (acceptable: 13; the acknowledged adds sum to 13); "+
		"4 is exactly the sum of the adds n1 served itself: it never counted the adds acknowledged through n2 (sum 4) and n3 (sum 5); "+
		"no node among n2, n3 (which acknowledged adds) ever sent n1 a message.", out[0].Summary)
}

// A single node that acknowledges an add and drops it.
func TestExplainDroppedAdds(t *testing.T) {
	r := tracetest.New("n1")
	readCall(r, 1, 0, "c0", 0, false)
	addCall(r, 10, 0, "c0", 3)
	addCall(r, 12, 0, "c0", 2) // dropped
	readCall(r, 20, 0, "c0", 3, false)
	addCall(r, 30, 0, "c0", 1)
	readCall(r, 40, 0, "c0", 4, true)
	x := r.Index()
	out := ExplainFinalReads(x, final(x.Ops(), 1), [][2]int64{{6, 6}})
	require.Len(t, out, 1)
	s := out[0].Summary
	assert.Contains(t, s, "n1's final read at 0.041 s returned 4, 2 less than the nearest acceptable total 6")
	assert.Contains(t, s, "after its read at 0.002 s returned 0 it acknowledged adds of 3 (op 2), 2 (op 4), yet its next read at 0.020 s returned 3, 2 less (2 less in all between reads: the whole difference)")
	var ops []int
	for _, it := range out[0].Evidence {
		if it.Kind == explain.Op {
			ops = append(ops, it.Index)
		}
	}
	assert.Contains(t, ops, 4) // the dropped add
}

// Negative deltas taken for zero.
func TestExplainIgnoredNegatives(t *testing.T) {
	r := tracetest.New("n1", "n2")
	addCall(r, 10, 0, "c0", 3)
	addCall(r, 11, 1, "c1", -2)
	addCall(r, 12, 1, "c1", 4)
	readCall(r, 100, 0, "c2", 7, true)
	x := r.Index()
	out := ExplainFinalReads(x, final(x.Ops(), 1), [][2]int64{{5, 5}})
	require.Len(t, out, 1)
	assert.Contains(t, out[0].Summary, "7 is the sum of the positive deltas alone: the 1 acknowledged adds with negative deltas (-2 in all) were not counted")
}

// A node that sums seq-kv reads without writing first.
func TestExplainStaleServiceRead(t *testing.T) {
	r := tracetest.New("n1", "n2")
	addCall(r, 10, 1, "c1", 5)
	w := r.Deliver(11, 12, "n2", "seq-kv", map[string]any{"type": "write", "key": "n2", "value": 5, "msg_id": 1})
	_ = w
	r.Deliver(12, 13, "seq-kv", "n2", map[string]any{"type": "write_ok", "in_reply_to": 1})
	addCall(r, 20, 1, "c1", 2)
	r.Deliver(21, 22, "n2", "seq-kv", map[string]any{"type": "write", "key": "n2", "value": 7, "msg_id": 2})
	r.Deliver(22, 23, "seq-kv", "n2", map[string]any{"type": "write_ok", "in_reply_to": 2})
	r.Op(100, 0, history.Invoke, "read", nil)
	r.Deliver(100.5, 101, "n1", "seq-kv", map[string]any{"type": "read", "key": "n2", "msg_id": 1})
	r.Deliver(101, 101.5, "seq-kv", "n1", map[string]any{"type": "read_ok", "value": 5, "in_reply_to": 1})
	r.Op(102, 0, history.OK, "read", int64(5))
	x := r.Index()
	out := ExplainFinalReads(x, final(x.Ops(), 1), [][2]int64{{7, 7}})
	require.Len(t, out, 1)
	s := out[0].Summary
	assert.Contains(t, s, `while the final read was in progress seq-kv answered n1 1 stale read(s): key "n2" = 5 though n2 had written 7 at 0.021 s, 2 less in all: the whole difference`)
	var fates []explain.FateKind
	for _, it := range out[0].Evidence {
		fates = append(fates, it.Fate.Kind)
	}
	assert.Contains(t, fates, explain.Delivered)
}

func TestExplainFromFindings(t *testing.T) {
	r := tracetest.New("n1")
	addCall(r, 10, 0, "c0", 3)
	readCall(r, 20, 0, "c0", 1, true)
	x := r.Index()
	ops := x.Ops()
	f := &check.Counter{Valid: check.Invalid, Errors: []check.Op{ops[len(ops)-1]}, Acceptable: []check.Range{{Lo: 3, Hi: 3}}}
	out := Explain(x, f)
	require.Len(t, out, 1)
	assert.Equal(t, "final read 1 at n1", out[0].Finding)
	assert.Nil(t, Explain(x, &check.Echo{}), "another workload's findings")
}

// Final reads each acceptable but different: warnings of the convergence
// check, against what most nodes read.
func TestExplainDisagreement(t *testing.T) {
	r := tracetest.New("n1", "n2", "n3")
	addCall(r, 10, 0, "c0", 3)
	r.Call(20, 21, 1, "c1", "add", int64(2), map[string]any{"type": "add", "delta": 2}, history.Info, nil, nil)
	for p, v := range []int64{5, 5, 3} {
		r.Call(100, 101, p, "c"+string(rune('3'+p)), "read", nil, map[string]any{"type": "read"}, history.OK, map[string]any{"type": "read_ok", "value": v}, v)
	}
	x := r.Index()
	for i := range x.Ops() {
		if op := x.Op(i); op.F == "read" {
			op.Final = true
		}
	}
	f := &check.Counter{Valid: check.Valid, Acceptable: []check.Range{{Lo: 3, Hi: 5}},
		Convergence: &check.CounterConvergence{Converged: check.Invalid}}
	out := Explain(x, f)
	require.Len(t, out, 1)
	assert.True(t, out[0].Warning)
	assert.Equal(t, "disagreeing final read 3 at n3", out[0].Finding)
	assert.Contains(t, out[0].Summary, "n3's final read at 0.101 s returned 3, an acceptable total (acceptable: 3–5), but 2 less than most final reads, which returned 5")
}

// A node that keeps its count only in memory: killed, it restarts from
// zero. With reads on both sides of the kill, the summary tells the drop;
// without a read before it, the adds acknowledged before it.
func TestExplainCountLostToKill(t *testing.T) {
	cases := []struct {
		name      string
		readFirst bool
		want      string
	}{
		{"reads around the kill", true, "n1 was killed at 0.030 s and restarted at 0.040 s, and its reads went from 5 (at 0.021 s) before the kill to 2 (at 0.061 s) after the restart"},
		{"no read before the kill", false, "n1 had acknowledged an add of 5 when it was killed at 0.030 s; it restarted at 0.040 s"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := tracetest.New("n1")
			addCall(r, 10, 0, "c0", 5)
			if c.readFirst {
				readCall(r, 20, 0, "c0", 5, false)
			}
			r.Kill(30, 40, "n1")
			addCall(r, 50, 0, "c0", 2)
			readCall(r, 60, 0, "c0", 2, true)
			x := r.Index()
			out := ExplainFinalReads(x, final(x.Ops(), 1), [][2]int64{{7, 7}})
			require.Len(t, out, 1)
			assert.Contains(t, out[0].Summary, c.want)
			nemesis := 0
			for _, it := range out[0].Evidence {
				if it.Kind == explain.Nemesis {
					nemesis++
				}
			}
			assert.Equal(t, 2, nemesis, "the kill and the restart")
		})
	}
}
