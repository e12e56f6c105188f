package history_test

import (
	"fmt"
	"strings"

	"github.com/eddy-workbench/eddy/internal/history"
)

// A history whose invoke line of :index 1 was deleted: the gap and the
// orphaned completion are named by their lines, and only the sound ops are
// kept.
func ExampleReadAudited() {
	stored := `{:index 0, :time 0, :type :invoke, :process 0, :f :echo, :value "a"}
{:index 2, :time 20, :type :ok, :process 0, :f :echo, :value "a"}
{:index 3, :time 30, :type :ok, :process 1, :f :echo, :value "b"}
`
	a, err := history.ReadAudited(strings.NewReader(stored))
	if err != nil {
		panic(err)
	}
	for _, f := range a.Faults {
		fmt.Println(f)
	}
	fmt.Println("sound ops:", len(a.Ops), "lossy:", a.Lossy)
	// Output:
	// line 2: :index 1 missing before :index 2 (deleted lines?)
	// line 3: a :ok completion of process 1 (:index 3) with no invocation before it; dropped
	// sound ops: 2 lossy: true
}

// A history whose line for op 1 was lost: Pairs names completions by
// :index, Positions finds them.
func ExamplePositions() {
	ops := []history.Op{
		{Index: 0, Type: history.Invoke, Process: 0, F: "read"},
		{Index: 2, Type: history.Invoke, Process: 1, F: "read"},
		{Index: 3, Type: history.OK, Process: 1, F: "read", Value: int64(5)},
	}
	pairs, pos := history.Pairs(ops), history.Positions(ops)
	comp := ops[pos[pairs[2]]]
	fmt.Println(comp.Index, comp.Type, comp.Value)
	// Output: 3 ok 5
}
