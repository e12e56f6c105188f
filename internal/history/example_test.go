package history_test

import (
	"fmt"

	"github.com/eddy-workbench/eddy/internal/history"
)

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
