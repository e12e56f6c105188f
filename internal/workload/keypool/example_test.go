package keypool_test

import (
	"fmt"

	"github.com/eddy-workbench/eddy/internal/workload"
	"github.com/eddy-workbench/eddy/internal/workload/keypool"
)

// Two processes in step use the same keys and never write the same value
// to a key. With 2 processes and 4 writes a key, each process's share is 2;
// writes beyond it take higher values. Position 2, picked 4 times in 7,
// changes key every 3.5 operations.
func ExamplePool() {
	opt := keypool.Options{Count: 3, MaxWrites: 4, WritesPerOp: 1}
	a := keypool.New(opt, workload.Process{ID: 0, Concurrency: 2}, 0)
	b := keypool.New(opt, workload.Process{ID: 1, Concurrency: 2}, 0)
	for range 5 {
		a.Begin()
		b.Begin()
		k := a.Key(2)
		fmt.Println(a.Keys(), b.Keys(), k, a.Write(k), b.Write(k))
	}
	// Output:
	// [0 1 2] [0 1 2] 2 1 2
	// [0 1 2] [0 1 2] 2 3 4
	// [0 1 2] [0 1 2] 2 9 10
	// [0 1 2] [0 1 2] 2 11 12
	// [0 1 5] [0 1 5] 5 1 2
}
