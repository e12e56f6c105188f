package txn

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/explain"
	"github.com/eddy-workbench/eddy/internal/history"
	"github.com/eddy-workbench/eddy/internal/trace/tracetest"
)

func kw(s string) edn.Keyword { return edn.Keyword(s) }

func txnCall(r *tracetest.Run, ms float64, p int, client string, typ history.Type, mops ...[]any) {
	var v []any
	for _, m := range mops {
		v = append(v, m)
	}
	reply := map[string]any{"type": "txn_ok", "txn": mops}
	if typ == history.Fail {
		reply = map[string]any{"type": "error", "code": 30, "text": "conflict"}
	}
	r.Call(ms, ms+1, p, client, "txn", v, map[string]any{"type": "txn", "txn": mops}, typ, reply, v)
}

// A node that aborts a transaction yet keeps its write (G1a), read back on
// the same node.
func TestExplainAbortedRead(t *testing.T) {
	r := tracetest.New("n0")
	txnCall(r, 10, 0, "c0", history.Fail, []any{kw("w"), int64(9), int64(6)})
	txnCall(r, 20, 0, "c0", history.OK, []any{kw("r"), int64(9), int64(6)})
	x := r.Index()
	ops := x.Ops()
	f := &check.Txn{Valid: check.Invalid, AnomalyTypes: []string{"G1a"}, Anomalies: []check.TxnAnomalies{{Type: "G1a", Count: 1, Cases: []check.TxnAnomaly{{
		Type: "G1a", Op: &ops[3], Mop: []any{kw("r"), int64(9), int64(6)}, Writer: &ops[1],
		Explanation: "op 3 read key 9 = 6, which only op 1 wrote, a transaction that failed",
	}}}}}
	out := Explain(x, f)
	require.Len(t, out, 1)
	assert.Equal(t, "G1a", out[0].Finding)
	assert.Equal(t, "op 3 read key 9 = 6, which only op 1 wrote, a transaction that failed; served the writer (op 1) by n0 at 0.010 s, which answered fail, the reader (op 3) by n0 at 0.020 s; all on n0, so no message between nodes was involved.", out[0].Summary)
	assert.NotEmpty(t, out[0].Details)
}

// A cycle across two nodes whose replication was cut.
func TestExplainCycleAcrossNodes(t *testing.T) {
	r := tracetest.New("n0", "n1")
	txnCall(r, 10, 0, "c0", history.OK, []any{kw("r"), int64(1), nil}, []any{kw("w"), int64(2), int64(1)})
	txnCall(r, 11, 1, "c1", history.OK, []any{kw("r"), int64(2), nil}, []any{kw("w"), int64(1), int64(1)})
	r.Partition(5, 50, []string{"n0"}, []string{"n1"})
	r.Send(12, "n0", "n1", map[string]any{"type": "replicate", "writes": [][]int{{2, 1}}})
	x := r.Index()
	ops := x.Ops()
	var t1, t2 int
	for p, op := range ops {
		if op.F == "txn" && op.Type == history.OK {
			if op.Process == 0 {
				t1 = p
			} else {
				t2 = p
			}
		}
	}
	out := ExplainCases(x, []Case{{Type: "G2-item", Ops: []int{t1, t2}, Steps: []Step{{"rw", int64(1)}, {"rw", int64(2)}}, Explanation: "Let: …"}})
	require.Len(t, out, 1)
	s := out[0].Summary
	assert.Contains(t, s, "G2-item cycle of 2 transactions, served T1 (op 3) by n0 at 0.010 s, T2 (op 5) by n1 at 0.011 s")
	assert.Contains(t, s, "T1 → T2 (rw on key 1): n0 and n1 exchanged no message between 0.010 s and 0.011 s")
	assert.Equal(t, "Let: …", out[0].Details)
	_ = explain.Op
}

// A node killed between a write and a read it served: the kill and the
// restart are named and in the evidence; a case with no fault between its
// transactions names none.
func TestExplainKillBetween(t *testing.T) {
	for _, killed := range []bool{true, false} {
		r := tracetest.New("n0")
		txnCall(r, 10, 0, "c0", history.OK, []any{kw("w"), int64(9), int64(6)})
		if killed {
			r.Kill(12, 15, "n0")
		} else {
			r.Kill(30, 35, "n0")
		}
		txnCall(r, 20, 0, "c0", history.OK, []any{kw("r"), int64(9), nil})
		x := r.Index()
		var w, rd int
		for p, op := range x.Ops() {
			if op.F == "txn" && op.Type == history.OK {
				if rd = p; w == 0 {
					w = p
				}
			}
		}
		out := ExplainCases(x, []Case{{Type: "G-single", Ops: []int{w, rd}, Explanation: "op 5 did not see op 2's write"}})
		require.Len(t, out, 1)
		var kills int
		for _, it := range out[0].Evidence {
			if it.Kind == explain.Nemesis && it.Type == "kill" {
				kills++
			}
		}
		if killed {
			assert.Contains(t, out[0].Summary, "; between the first and the last of them, n0 was killed at 0.012 s and restarted at 0.015 s.")
			assert.Equal(t, 1, kills)
		} else {
			assert.NotContains(t, out[0].Summary, "killed")
			assert.Zero(t, kills)
		}
	}
}
