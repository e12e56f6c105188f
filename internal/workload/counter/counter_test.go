package counter

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/checker"
	"github.com/eddy-workbench/eddy/internal/history"
)

// disagreeing is a history Maelstrom's counter checker passes: an
// indeterminate add of 2 makes both 3 and 5 acceptable, and the two nodes'
// final reads differ.
func disagreeing() []history.Op {
	ops := []history.Op{
		{Type: history.Invoke, Process: 0, F: "add", Value: int64(3)}, {Type: history.OK, Process: 0, F: "add", Value: int64(3)},
		{Type: history.Invoke, Process: 1, F: "add", Value: int64(2)}, {Type: history.Info, Process: 1, F: "add", Value: int64(2)},
		{Type: history.Invoke, Process: 0, F: "read", Final: true}, {Type: history.OK, Process: 0, F: "read", Value: int64(3), Final: true},
		{Type: history.Invoke, Process: 3, F: "read", Final: true}, {Type: history.OK, Process: 3, F: "read", Value: int64(5), Final: true},
	}
	for i := range ops {
		ops[i].Index, ops[i].Time = i, int64(i)*1e6
	}
	return ops
}

func TestCheckReportsConvergence(t *testing.T) {
	cluster := checker.Cluster{Nodes: []string{"n0", "n1"}, Concurrency: 2}
	for _, strict := range []bool{false, true} {
		w := Workload{Cluster: cluster, Strict: strict}
		f, _ := w.Check(disagreeing())
		res := f.EDN()
		valid, _ := res.Get(edn.Keyword("valid?"))
		assert.Equal(t, !strict, valid, "strict=%v: %s", strict, edn.String(res))
		assert.Equal(t, "n0 read 3; n1 read 5 (acceptable totals: 3, 5)", w.Unconverged(f))
	}
}
