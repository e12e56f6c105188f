package runner_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/runner"
)

// A node author's test: run a workload on the node's binary and look at
// the verdict, the figures and the workload's typed findings. (It needs a
// node binary, so it is compiled but not run.)
func ExampleRun() {
	res, err := runner.Run(context.Background(), runner.Config{
		Workload:  "broadcast",
		Bin:       "./bin/mynode",
		NodeCount: 5,
		TimeLimit: 20 * time.Second,
		Rate:      100,
		Latency:   100 * time.Millisecond,
		Nemesis:   []string{"partition"},
		StoreDir:  os.TempDir(),
	})
	var bad *runner.ConfigError
	if errors.As(err, &bad) {
		log.Fatalf("bad setting: %v", bad)
	}
	fmt.Println("verdict:", res.Valid, "exit status:", res.ExitCode())
	fmt.Println("servers msgs-per-op:", res.Figures.Net.Servers.MsgsPerOp)
	if f, ok := res.Findings.(*check.SetFull); ok {
		fmt.Println("lost:", f.Lost, "stable latency p50:", f.StableLatencies.P50)
	}
	fmt.Println("files in", res.Dir)
}

// Re-check a stored run, as eddy analyze does. (It needs a stored run, so
// it is compiled but not run.)
func ExampleAnalyze() {
	res, err := runner.Analyze(context.Background(), "store/latest")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Valid, res.Figures.Ops.OK, res.Figures.Ops.Total())
}

// A configuration no run could honour is a one-line *ConfigError, before
// anything starts.
func ExampleValidate() {
	err := runner.Validate(runner.Config{Workload: "echo", Bin: "/bin/sh", Rate: 1e-20})
	var bad *runner.ConfigError
	fmt.Println(errors.As(err, &bad), err)
	// Output: true --rate 1e-20 is too low to schedule anything (the least is 1e-09 per second, one op in 32 years); --rate 0 means no operations
}

func ExampleWorkloads() {
	fmt.Println(runner.Workloads())
	// Output: [echo unique-ids broadcast g-set g-counter pn-counter lin-kv kafka txn-list-append txn-rw-register]
}

func ExampleResult_ExitCode() {
	for _, res := range []runner.Result{
		{Valid: check.Valid},
		{Valid: check.Invalid},
		{Valid: check.Unknown},
		{Valid: check.Unknown, Aborted: "node n1 crashed"},
	} {
		fmt.Print(res.ExitCode(), " ")
	}
	fmt.Println()
	// Output: 0 1 2 255
}
