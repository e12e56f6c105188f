package repro

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/history"
)

func inv(p int, t int64, f string, v any) history.Op {
	return history.Op{Type: history.Invoke, Process: p, Time: t, F: f, Value: v}
}

func TestOfKeepsMainPhaseInvocationsPerProcess(t *testing.T) {
	ops := []history.Op{
		{Type: history.Info, Process: history.Nemesis, F: "start-partition", Value: edn.Keyword("one")},
		{Type: history.Info, Process: history.Nemesis, F: "start-partition", Value: []any{edn.Keyword("isolated"), "x"}},
		{Type: history.Info, Process: history.Nemesis, F: "stop-partition"},
		{Type: history.Info, Process: history.Nemesis, F: "stop-partition", Value: edn.Keyword("network-healed")},
		inv(0, 100, "add", int64(0)),
		{Type: history.OK, Process: 0, Time: 150, F: "add", Value: int64(0)},
		inv(1, 200, "read", nil),
		inv(0, 300, "add", int64(3)),
		inv(0, 400, "read", nil),
		{Type: history.Invoke, Process: 1, Time: 500, F: "read", Final: true},
		inv(2, 100+int64(5*time.Second), "read", nil), // after limit + recovery/2: final phase
	}
	s := Of(ops, Phase{TimeLimit: 2 * time.Second, RecoveryWait: 4 * time.Second})
	assert.Equal(t, map[int][]string{0: {"add 0", "add 3", "read nil"}, 1: {"read nil"}}, s.Process)
	assert.Equal(t, []string{`:one [:isolated "x"]`}, s.Nemesis, "the partitions, not the heals")

	all := Of(ops, Phase{})
	assert.Equal(t, []string{"read nil"}, all.Process[2], "no time rule without a time limit")
}

func TestCompare(t *testing.T) {
	a := Streams{Process: map[int][]string{0: {"add 0", "read nil", "add 3"}, 1: {"read nil"}, 4: {"add 4"}}, Nemesis: []string{"x", "y"}}
	b := Streams{Process: map[int][]string{0: {"add 0", "read nil"}, 1: {"add 1", "read nil"}, 7: {"read nil"}}, Nemesis: []string{"x", "z", "w"}}
	d := Compare(a, b)
	assert.Equal(t, 4, d.Processes)
	assert.Equal(t, [2]int{5, 5}, d.Ops)
	assert.Equal(t, 3, d.Compared) // process 0: 2 positions, process 1: 1
	assert.Equal(t, 1, d.Differ)
	assert.Equal(t, 1, d.Diverged)
	assert.InDelta(t, 1.0/3, d.Fraction(), 1e-9)
	assert.Equal(t, 2, d.NemesisCompared)
	assert.Equal(t, 1, d.NemesisDiffer)
	require.Len(t, d.Examples, 2)
	assert.Equal(t, "process 1 op 0: read nil / add 1", d.Examples[0])
	assert.False(t, d.Prefixes())

	same := Compare(a, a)
	assert.True(t, same.Prefixes())
	assert.Zero(t, same.Fraction())
	assert.Zero(t, Diff{}.Fraction())
}
