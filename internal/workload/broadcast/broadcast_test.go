package broadcast

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/checker"
	"github.com/eddy-workbench/eddy/internal/history"
)

// unconverged is a g-set history set-full passes although n1 never held
// element 2: n0's final read, which has it, happens to come last.
func unconverged() []history.Op {
	ops := []history.Op{
		{Type: history.Invoke, Process: 0, F: "add", Value: int64(1)}, {Type: history.OK, Process: 0, F: "add", Value: int64(1)},
		{Type: history.Invoke, Process: 1, F: "add", Value: int64(2)}, {Type: history.OK, Process: 1, F: "add", Value: int64(2)},
		{Type: history.Invoke, Process: 1, F: "read"}, {Type: history.Invoke, Process: 0, F: "read"},
		{Type: history.OK, Process: 1, F: "read", Value: []any{int64(1)}}, {Type: history.OK, Process: 0, F: "read", Value: []any{int64(1), int64(2)}},
	}
	for i := range ops {
		ops[i].Index, ops[i].Time = i, int64(i)*1e6
	}
	return ops
}

func TestCheckReportsConvergence(t *testing.T) {
	cluster := checker.Cluster{Nodes: []string{"n0", "n1"}, Concurrency: 2}
	for _, strict := range []bool{false, true} {
		w := NewGSet(cluster, strict)
		f, _ := w.Check(unconverged())
		res := f.EDN()
		valid, _ := res.Get(edn.Keyword("valid?"))
		assert.Equal(t, !strict, valid, "strict=%v: %s", strict, edn.String(res))
		assert.Equal(t, "n1 lacks 2", w.Unconverged(f))
	}
	f, _ := NewGSet(checker.Cluster{}, true).Check(unconverged())
	valid, _ := f.EDN().Get(edn.Keyword("valid?"))
	assert.Equal(t, true, valid, "an unknown cluster cannot be judged")
}
