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

	"github.com/eddy-workbench/eddy/edn"
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

// secondsFlag reads a positive number of seconds (integer or decimal), as
// Maelstrom's --time-limit and --nemesis-interval must be: an explicit zero
// is rejected, never taken for the default.
type secondsFlag struct{ d *time.Duration }

func (s secondsFlag) String() string {
	if s.d == nil {
		return ""
	}
	return strconv.FormatFloat(s.d.Seconds(), 'g', -1, 64)
}

func (s secondsFlag) Set(v string) error {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	switch {
	case err != nil || math.IsNaN(f) || math.IsInf(f, 0):
		return fmt.Errorf("expected a number of seconds, got %q", v)
	case f <= 0:
		return fmt.Errorf("must be a positive number of seconds, got %q", v)
	case f > runner.MaxDuration.Seconds():
		return fmt.Errorf("%s seconds is longer than eddy runs (at most a year, %g s)", v, runner.MaxDuration.Seconds())
	}
	// Round up, so that a tiny positive value stays positive.
	*s.d = time.Duration(math.Ceil(f * float64(time.Second)))
	return nil
}

// countFlag reads a positive integer, as Maelstrom's counts must be: an
// explicit zero is rejected, never taken for the default. Its default is
// whatever *p holds when the flag is bound (0 shows as none).
type countFlag struct{ p *int }

func (c countFlag) String() string {
	if c.p == nil || *c.p == 0 {
		return ""
	}
	return strconv.Itoa(*c.p)
}

func (c countFlag) Set(v string) error {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 1 {
		return fmt.Errorf("must be a positive integer, got %q", v)
	}
	*c.p = n
	return nil
}

// testFlags binds every flag of `maelstrom test`, and eddy's own, to cfg.
func testFlags(cfg *runner.Config, testCount *int) (*flag.FlagSet, func() error) {
	fs := flag.NewFlagSet("eddy test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&cfg.Workload, "w", "lin-kv", "workload (short for --workload)")
	fs.StringVar(&cfg.Workload, "workload", "lin-kv", "workload: "+strings.Join(runner.Workloads(), ", "))
	fs.StringVar(&cfg.Bin, "bin", "", "the node binary to test (required)")
	fs.Var(countFlag{&cfg.NodeCount}, "node-count", "number of nodes, named n0…n(N-1)")
	fs.Var(listFlag{&cfg.Nodes, true}, "nodes", "comma-separated node names (default n1…n5)")
	fs.Var(listFlag{&cfg.Nodes, false}, "node", "a node name (repeatable)")
	fs.Var(listFlag{&cfg.Nodes, false}, "n", "a node name (short for --node)")
	var nodesFile string
	fs.StringVar(&nodesFile, "nodes-file", "", "file with one node name per line")
	fs.StringVar(&cfg.Concurrency, "concurrency", "1n", "worker threads: an integer or <k>n (k per node)")
	cfg.TimeLimit = 60 * time.Second
	fs.Var(secondsFlag{&cfg.TimeLimit}, "time-limit", "seconds of main phase")
	rate := fs.Float64("rate", 5, "total requests per second (0: none)")
	var latencyMS int64
	fs.Int64Var(&latencyMS, "latency", 0, "mean inter-node latency, ms")
	fs.StringVar(&cfg.LatencyDist, "latency-dist", "constant", "constant, uniform or exponential")
	fs.Var(listFlag{&cfg.Nemesis, true}, "nemesis", "faults to inject: partition, kill, pause (comma-separated)")
	fs.Var(listFlag{&cfg.NemesisTargets, true}, "nemesis-targets", "whom a kill or pause hits, one picked at random each time: subset, one, minority-third, minority, majority, all (default all six)")
	cfg.NemesisInterval = 10 * time.Second
	fs.Var(secondsFlag{&cfg.NemesisInterval}, "nemesis-interval", "mean seconds between nemesis operations")
	fs.StringVar(&cfg.Topology, "topology", "grid", "broadcast topology: grid, line, total, tree, tree2, tree3, tree4")
	fs.StringVar(&cfg.Availability, "availability", "", "required availability: total, or a fraction of ok ops")
	fs.Var(listFlag{&cfg.ConsistencyModels, true}, "consistency-models", "comma-separated consistency models (default strict-serializable)")
	fs.Var(countFlag{&cfg.KeyCount}, "key-count", "number of keys (txn workloads and kafka; default 10)")
	cfg.MaxTxnLength = 4
	fs.Var(countFlag{&cfg.MaxTxnLength}, "max-txn-length", "longest transaction")
	cfg.MaxWritesPerKey = 16
	fs.Var(countFlag{&cfg.MaxWritesPerKey}, "max-writes-per-key", "writes per key before it is retired")
	fs.BoolVar(&cfg.LogStderr, "log-stderr", false, "echo node stderr on the console")
	fs.BoolVar(&cfg.LogNetSend, "log-net-send", false, "log every message sent")
	fs.BoolVar(&cfg.LogNetRecv, "log-net-recv", false, "log every message delivered")
	*testCount = 1
	fs.Var(countFlag{testCount}, "test-count", "run the test this many times, stopping at the first failure")
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
		switch {
		case latencyMS < 0:
			return fmt.Errorf("--latency must not be negative, got %d", latencyMS)
		case latencyMS > int64(runner.MaxLatency/time.Millisecond):
			return fmt.Errorf("--latency %d ms is longer than eddy simulates (at most %d ms, an hour)", latencyMS, runner.MaxLatency/time.Millisecond)
		}
		cfg.Latency = time.Duration(latencyMS) * time.Millisecond
		if seed != "" {
			s, err := strconv.ParseUint(seed, 10, 63)
			if err != nil {
				return fmt.Errorf("--seed must be a non-negative integer, got %q", seed)
			}
			cfg.Seed, cfg.SeedSet = s, true
		}
		if nodesFile != "" && cfg.NodeCount == 0 && len(cfg.Nodes) == 0 {
			nodes, err := readNodesFile(nodesFile)
			if err != nil {
				return err
			}
			cfg.Nodes = nodes
		}
		return nil
	}
	return fs, finish
}

// maxNodesFile is the largest --nodes-file eddy reads.
const maxNodesFile = 1 << 20

// readNodesFile reads node names, separated by white space.
func readNodesFile(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--nodes-file: %v", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxNodesFile+1))
	if err != nil {
		return nil, fmt.Errorf("--nodes-file: %v", err)
	}
	if len(data) > maxNodesFile {
		return nil, fmt.Errorf("--nodes-file %s is larger than %d bytes", path, maxNodesFile)
	}
	return strings.Fields(string(data)), nil
}

const testUsage = "Usage: eddy test [flags] [-- args for the node binary]\n"

// parseTest turns eddy test's arguments into a configuration that
// runner.Validate accepts, and the number of runs. Any error is one line
// (exit status 254); flag.ErrHelp is returned for -h and --help.
func parseTest(args []string) (runner.Config, int, error) {
	var cfg runner.Config
	testCount := 1
	fs, finish := testFlags(&cfg, &testCount)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cfg, 0, err
		}
		return cfg, 0, fmt.Errorf("%v (see eddy test --help)", err)
	}
	if err := finish(); err != nil {
		return cfg, 0, err
	}
	cfg.Args = fs.Args()
	return cfg, testCount, runner.Validate(cfg)
}

func testCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, testCount, err := parseTest(args)
	if errors.Is(err, flag.ErrHelp) {
		fs, _ := testFlags(&runner.Config{}, new(int))
		parseFlags(fs, []string{"--help"}, testUsage, stdout, stderr)
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "eddy test: %v\n", err)
		return exitBadArgs
	}
	cfg.Log = stderr
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
	printExplanations(res, stdout)
	return code
}

// consoleExplanations is how many explanations the console shows.
const consoleExplanations = 3

// printExplanations prints the first explanations of a run, one paragraph
// each, and where the rest are.
func printExplanations(res runner.Result, stdout io.Writer) {
	n := len(res.Explanations)
	if n == 0 {
		return
	}
	fmt.Fprintln(stdout)
	if n == 1 {
		fmt.Fprintln(stdout, "Why:")
	} else {
		fmt.Fprintf(stdout, "Why (%d explanations):\n", n)
	}
	for i, e := range res.Explanations {
		if i == consoleExplanations {
			break
		}
		fmt.Fprintf(stdout, "- %s\n", e.Paragraph())
	}
	rest := ""
	if n > consoleExplanations {
		rest = fmt.Sprintf("%d more, and ", n-consoleExplanations)
	}
	fmt.Fprintf(stdout, "%sthe evidence and diagrams: %s (index.html; results.json :explanations)\n", rest, res.Dir)
}
