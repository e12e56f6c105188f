package checker_test

import (
	"fmt"

	"github.com/eddy-workbench/eddy/internal/checker"
	"github.com/eddy-workbench/eddy/internal/history"
)

// Two nodes, one worker each: value 2 reached only n0, whose final read
// came last, so set-full passes; the convergence check does not.
func ExampleSetConvergence() {
	ops := []history.Op{
		{Type: history.Invoke, Process: 0, F: "broadcast", Value: int64(1)},
		{Type: history.OK, Process: 0, F: "broadcast", Value: int64(1)},
		{Type: history.Invoke, Process: 0, F: "broadcast", Value: int64(2)},
		{Type: history.OK, Process: 0, F: "broadcast", Value: int64(2)},
		{Type: history.Invoke, Process: 1, F: "read", Final: true},
		{Type: history.OK, Process: 1, F: "read", Final: true, Value: []any{int64(1)}},
		{Type: history.Invoke, Process: 0, F: "read", Final: true},
		{Type: history.OK, Process: 0, F: "read", Final: true, Value: []any{int64(1), int64(2)}},
	}
	for i := range ops {
		ops[i].Index = i
	}
	setFull := checker.SetFull(ops, "broadcast", false).Verdict()
	conv := checker.SetConvergence(ops, "broadcast", checker.Cluster{Nodes: []string{"n0", "n1"}, Concurrency: 2})
	fmt.Println("set-full valid?", setFull)
	fmt.Println("converged?", conv.Converged, "-", conv.Summary)
	// Output:
	// set-full valid? valid
	// converged? invalid - n1 lacks 2
}
