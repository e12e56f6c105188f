package durable_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/eddy-workbench/eddy/nodekit/durable"
)

// A node keeps every value it acknowledged in a log in its directory, and
// reads them back when it starts again after a kill.
func ExampleOpenLog() {
	dir, _ := os.MkdirTemp("", "node")
	defer os.RemoveAll(dir)
	ctx := durable.WithDir(context.Background(), dir) // eddy does this for an in-process node

	// First incarnation: append, then "killed".
	log, _, _ := durable.OpenLog(filepath.Join(durable.Dir(ctx), "values"))
	log.Append([]byte("7"))
	log.Append([]byte("12"))
	log.Close()

	// Second incarnation: what was appended is there.
	log, values, _ := durable.OpenLog(filepath.Join(durable.Dir(ctx), "values"))
	defer log.Close()
	for _, v := range values {
		fmt.Println(string(v))
	}
	// Output:
	// 7
	// 12
}

// A node's small state, replaced whole and atomically.
func ExampleWriteFile() {
	dir, _ := os.MkdirTemp("", "node")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "term")
	durable.WriteFile(path, []byte(`{"term":3,"voted_for":"n2"}`))
	b, _ := durable.ReadFile(path)
	fmt.Println(string(b))
	// Output: {"term":3,"voted_for":"n2"}
}
