package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/eddy-workbench/eddy/internal/edn"
	"github.com/eddy-workbench/eddy/runner"
)

// listFlag collects a repeatable flag, or a comma-separated list.
type listFlag struct {
	vals  *[]string
	split bool
}

func (l listFlag) String() string {
	if l.vals == nil {
		return ""
	}
	return strings.Join(*l.vals, ",")
}

func (l listFlag) Set(v string) error {
	if !l.split {
		*l.vals = append(*l.vals, v)
		return nil
	}
	for _, part := range strings.Split(v, ",") {
		if p := strings.TrimSpace(part); p != "" {
			*l.vals = append(*l.vals, p)
		}
	}
	return nil
}

// secondsFlag reads a number of seconds (integer or decimal).
type secondsFlag struct{ d *time.Duration }

func (s secondsFlag) String() string {
	if s.d == nil {
		return ""
	}
	return strconv.FormatFloat(s.d.Seconds(), 'g', -1, 64)
}

func (s secondsFlag) Set(v string) error {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) {
		return fmt.Errorf("expected a number of seconds, got %q", v)
	}
	*s.d = time.Duration(f * float64(time.Second))
	return nil
}

// testFlags binds every flag of `maelstrom test`, and eddy's own, to cfg.
func testFlags(cfg *runner.Config, testCount *int) (*flag.FlagSet, func() error) {
	fs := flag.NewFlagSet("eddy test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&cfg.Workload, "w", "lin-kv", "workload (short for --workload)")
	fs.StringVar(&cfg.Workload, "workload", "lin-kv", "workload: "+strings.Join(runner.Workloads(), ", "))
	fs.StringVar(&cfg.Bin, "bin", "", "the node binary to test (required)")
	fs.IntVar(&cfg.NodeCount, "node-count", 0, "number of nodes, named n0…n(N-1)")
	fs.Var(listFlag{&cfg.Nodes, true}, "nodes", "comma-separated node names (default n1…n5)")
	fs.Var(listFlag{&cfg.Nodes, false}, "node", "a node name (repeatable)")
	fs.Var(listFlag{&cfg.Nodes, false}, "n", "a node name (short for --node)")
	var nodesFile string
	fs.StringVar(&nodesFile, "nodes-file", "", "file with one node name per line")
	fs.StringVar(&cfg.Concurrency, "concurrency", "1n", "worker threads: an integer or <k>n (k per node)")
	cfg.TimeLimit = 60 * time.Second
	fs.Var(secondsFlag{&cfg.TimeLimit}, "time-limit", "seconds of main phase")
	rate := fs.Float64("rate", 5, "total requests per second")
	var latencyMS int
	fs.IntVar(&latencyMS, "latency", 0, "mean inter-node latency, ms")
	fs.StringVar(&cfg.LatencyDist, "latency-dist", "constant", "constant, uniform or exponential")
	fs.Var(listFlag{&cfg.Nemesis, true}, "nemesis", "faults to inject: partition, kill, pause (comma-separated)")
	fs.Var(listFlag{&cfg.NemesisTargets, true}, "nemesis-targets", "whom a kill or pause hits, one picked at random each time: subset, one, minority-third, minority, majority, all (default all six)")
	cfg.NemesisInterval = 10 * time.Second
	fs.Var(secondsFlag{&cfg.NemesisInterval}, "nemesis-interval", "mean seconds between nemesis operations")
	fs.StringVar(&cfg.Topology, "topology", "grid", "broadcast topology: grid, line, total, tree, tree2, tree3, tree4")
	fs.StringVar(&cfg.Availability, "availability", "", "required availability: total, or a fraction of ok ops")
	fs.Var(listFlag{&cfg.ConsistencyModels, true}, "consistency-models", "comma-separated consistency models (default strict-serializable)")
	fs.IntVar(&cfg.KeyCount, "key-count", 0, "number of keys (txn workloads and kafka)")
	fs.IntVar(&cfg.MaxTxnLength, "max-txn-length", 4, "longest transaction")
	fs.IntVar(&cfg.MaxWritesPerKey, "max-writes-per-key", 16, "writes per key before it is retired")
	fs.BoolVar(&cfg.LogStderr, "log-stderr", false, "echo node stderr on the console")
	fs.BoolVar(&cfg.LogNetSend, "log-net-send", false, "log every message sent")
	fs.BoolVar(&cfg.LogNetRecv, "log-net-recv", false, "log every message delivered")
	fs.IntVar(testCount, "test-count", 1, "run the test this many times, stopping at the first failure")
	fs.BoolVar(&cfg.LeaveDBRunning, "leave-db-running", false, "do not stop the node processes at the end")
	fs.Bool("logging-json", false, "accepted for compatibility; eddy logs plain text")
	for _, inert := range []string{"username", "password", "ssh-private-key", "strict-host-key-checking"} {
		fs.String(inert, "", "accepted for compatibility; unused")
	}
	fs.Bool("no-ssh", false, "accepted for compatibility; unused")
	var seed string
	fs.StringVar(&seed, "seed", "", "seed of every random choice of the run (default: random, printed)")
	fs.BoolVar(&cfg.Strict, "strict", false, "count eddy's extra checks toward validity")
	fs.StringVar(&cfg.StoreDir, "store", "store", "directory runs are written to")

	finish := func() error {
		cfg.Rate, cfg.RateSet = *rate, true
		cfg.Latency = time.Duration(latencyMS) * time.Millisecond
		if latencyMS < 0 {
			return errors.New("--latency must not be negative")
		}
		if seed != "" {
			s, err := strconv.ParseUint(seed, 10, 63)
			if err != nil {
				return fmt.Errorf("--seed must be a non-negative integer, got %q", seed)
			}
			cfg.Seed, cfg.SeedSet = s, true
		}
		if nodesFile != "" && cfg.NodeCount == 0 && len(cfg.Nodes) == 0 {
			data, err := os.ReadFile(nodesFile)
			if err != nil {
				return fmt.Errorf("--nodes-file: %v", err)
			}
			cfg.Nodes = strings.Fields(string(data))
		}
		return nil
	}
	return fs, finish
}

func testCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var cfg runner.Config
	testCount := 1
	fs, finish := testFlags(&cfg, &testCount)
	if code, ok := parseFlags(fs, args, "Usage: eddy test [flags] [-- args for the node binary]\n", stdout, stderr); !ok {
		return code
	}
	if err := finish(); err != nil {
		fmt.Fprintf(stderr, "eddy test: %v\n", err)
		return exitBadArgs
	}
	cfg.Args = fs.Args()
	cfg.Log = stderr
	if testCount < 1 {
		fmt.Fprintln(stderr, "eddy test: --test-count must be at least 1")
		return exitBadArgs
	}
	code := 0
	for i := 0; i < testCount && code == 0; i++ {
		one := cfg
		if cfg.SeedSet {
			one.Seed = cfg.Seed + uint64(i) // repetitions of a seeded run use successive seeds
		}
		code = runOnce(ctx, one, stdout, stderr)
	}
	return code
}

// runOnce runs one test and prints its results and verdict.
func runOnce(ctx context.Context, cfg runner.Config, stdout, stderr io.Writer) int {
	res, err := runner.Run(ctx, cfg)
	var bad *runner.ConfigError
	if errors.As(err, &bad) {
		fmt.Fprintf(stderr, "eddy test: %v\n", err)
		return exitBadArgs
	}
	if err != nil {
		fmt.Fprintf(stderr, "eddy test: %v\n", err)
		return exitAborted
	}
	return printVerdict(res, stdout)
}

// printVerdict prints a run's results, problems and verdict as Maelstrom
// ends a test, and returns the exit status.
func printVerdict(res runner.Result, stdout io.Writer) int {
	stdout.Write(edn.Pretty(res.Results))
	fmt.Fprintln(stdout)
	for _, p := range res.Problems {
		fmt.Fprintf(stdout, "problem: %s\n", p)
	}
	fmt.Fprintf(stdout, "\nResults in %s (seed %d)\n", res.Dir, res.Seed)
	code := res.ExitCode()
	switch code {
	case 0:
		fmt.Fprintln(stdout, "Everything looks good! ヽ(‘ー`)ノ")
	case 1:
		fmt.Fprintln(stdout, "Analysis invalid! (ﾉಥ益ಥ）ﾉ ┻━┻")
	case 2:
		fmt.Fprintln(stdout, "Errors occurred during analysis, but no anomalies found. ಠ~ಠ")
	default:
		fmt.Fprintf(stdout, "The run was aborted: %s\n", res.Aborted)
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(stdout, "\nWARNING: %s\n", w)
	}
	return code
}
