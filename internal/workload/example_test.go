package workload_test

import (
	"fmt"

	"github.com/eddy-workbench/eddy/internal/workload"
)

// Three threads' first processes share out 0, 1, 2, …; the process that
// replaces thread 1's after an indeterminate operation starts further up.
func ExampleUniqueValue() {
	for id := range 3 {
		p := workload.Process{ID: id, Concurrency: 3}
		fmt.Println(id, workload.UniqueValue(p, 0, 4), workload.UniqueValue(p, 1, 4), workload.UniqueValue(p, 4, 4))
	}
	fmt.Println(4, workload.UniqueValue(workload.Process{ID: 4, Concurrency: 3}, 0, 4))
	// Output:
	// 0 0 3 24
	// 1 1 4 25
	// 2 2 5 26
	// 4 13
}
