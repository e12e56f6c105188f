package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/eddy-workbench/eddy/internal/compare"
	"github.com/eddy-workbench/eddy/internal/hunt"
	"github.com/eddy-workbench/eddy/runner"
)

const huntUsage = `Usage: eddy hunt [eddy test flags] --seeds 1-200 [-j N] [--all] [-- args for the node binary]

Runs the test once per seed (N at a time), stops at the first invalid run
(or runs every seed with --all), then shrinks the failing run: fewer nodes,
fewer threads, a shorter run, a lower rate, fewer faults, while it still
fails (each candidate tried --tries times). It prints the smallest failing
eddy test command and how often it failed when rerun --reruns times.
Exit status: 1 if a failing seed was found, 0 if none, 254 bad arguments.
`

// knobFlags are the test flags a shrunk command sets itself.
var knobFlags = []string{"node-count", "nodes", "node", "n", "nodes-file", "concurrency", "time-limit", "rate", "nemesis-interval", "seed"}

// huntFlags are hunt's own flags, left out of the printed command.
var huntFlags = []string{"seeds", "j", "all", "tries", "reruns", "shrink"}

func huntCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var cfg runner.Config
	testCount := 1
	fs, finish := testFlags(&cfg, &testCount)
	fs.Init("eddy hunt", flag.ContinueOnError)
	seedsArg := fs.String("seeds", "1-100", "seeds to try: N, N-M or a comma-separated list")
	jobs := fs.Int("j", 1, "runs at a time")
	all := fs.Bool("all", false, "run every seed instead of stopping at the first failure")
	tries := fs.Int("tries", 3, "runs of each shrinking candidate before it counts as passing")
	reruns := fs.Int("reruns", 10, "reruns of the final command to measure how often it fails")
	shrink := fs.Bool("shrink", true, "shrink the first failing run")
	if code, ok := parseFlags(fs, args, huntUsage, stdout, stderr); !ok {
		return code
	}
	bad := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "eddy hunt: "+format+"\n", a...)
		return exitBadArgs
	}
	if err := finish(); err != nil {
		return bad("%v", err)
	}
	cfg.Args = fs.Args()
	seeds, err := hunt.ParseSeeds(*seedsArg)
	if err != nil {
		return bad("--seeds: %v", err)
	}
	if *jobs < 1 || *tries < 1 || *reruns < 0 {
		return bad("-j and --tries must be at least 1, --reruns at least 0")
	}
	if err := runner.Validate(cfg); err != nil {
		return bad("%v", err)
	}
	knobs, err := hunt.FromConfig(cfg)
	if err != nil {
		return bad("%v", err)
	}
	base := filepath.Join(cfg.StoreDir, "hunt", time.Now().UTC().Format("20060102T150405"))
	var mu sync.Mutex
	var n int
	trial := func(ctx context.Context, k hunt.Knobs, seed uint64) (bool, error) {
		mu.Lock()
		n++
		dir := filepath.Join(base, fmt.Sprintf("run-%04d-seed-%d", n, seed))
		mu.Unlock()
		one := hunt.Apply(cfg, k)
		one.Seed, one.SeedSet = seed, true
		one.StoreDir, one.Log = dir, nil
		res, err := runner.Run(ctx, one)
		if err != nil {
			return false, err
		}
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		return res.ExitCode() == 1, nil
	}

	fmt.Fprintf(stdout, "Hunting over %d seed(s), %d at a time; runs stored under %s\n", len(seeds), *jobs, base)
	found := hunt.Search(ctx, knobs, seeds, *jobs, *all, trial, func(f hunt.Found) {
		verdict := "valid or unknown"
		switch {
		case errors.Is(f.Err, context.Canceled):
			verdict = "stopped"
		case f.Err != nil:
			verdict = "error: " + f.Err.Error()
		case f.Failed:
			verdict = "INVALID"
		}
		fmt.Fprintf(stdout, "  seed %d: %s\n", f.Seed, verdict)
	})
	var failing []uint64
	for _, f := range found {
		if f.Err != nil && !errors.Is(f.Err, context.Canceled) {
			fmt.Fprintf(stderr, "eddy hunt: seed %d: %v\n", f.Seed, f.Err)
			return exitAborted
		}
		if f.Failed {
			failing = append(failing, f.Seed)
		}
	}
	if ctx.Err() != nil {
		fmt.Fprintln(stderr, "eddy hunt: interrupted")
		return exitAborted
	}
	if len(failing) == 0 {
		fmt.Fprintf(stdout, "No failing seed among %d run(s).\n", len(found))
		return 0
	}
	seed := failing[0]
	fmt.Fprintf(stdout, "%d failing seed(s): %s\n", len(failing), joinSeeds(failing))
	final := knobs
	if *shrink {
		fmt.Fprintf(stdout, "Shrinking seed %d from %s\n", seed, knobs)
		final, err = hunt.Shrink(ctx, knobs, seed, hunt.Limits{}, *tries, trial, func(s hunt.Step) {
			verdict := fmt.Sprintf("passed %d time(s)", s.Attempts)
			if s.Failed {
				verdict = fmt.Sprintf("fails (try %d)", s.Attempts)
			}
			fmt.Fprintf(stdout, "  %s: %s\n", s.Knobs, verdict)
		})
		if err != nil {
			fmt.Fprintf(stderr, "eddy hunt: shrinking: %v\n", err)
			return exitAborted
		}
	}
	command := shrunkCommand(args, fs, final, seed)
	fmt.Fprintf(stdout, "\nSmallest failing command:\n  %s\n", command)
	if *reruns > 0 {
		failures, err := hunt.FailRate(ctx, final, seed, *reruns, trial)
		if err != nil {
			fmt.Fprintf(stderr, "eddy hunt: rerunning: %v\n", err)
			return exitAborted
		}
		fmt.Fprintf(stdout, "It failed in %d of %d reruns.\n", failures, *reruns)
	}
	return 1
}

func joinSeeds(seeds []uint64) string {
	parts := make([]string, len(seeds))
	for i, s := range seeds {
		parts[i] = fmt.Sprint(s)
	}
	return strings.Join(parts, ", ")
}

// shrunkCommand is the eddy test command line of the original arguments
// with hunt's flags and the knobs' flags replaced by k and seed.
func shrunkCommand(args []string, fs *flag.FlagSet, k hunt.Knobs, seed uint64) string {
	drop := map[string]bool{}
	for _, f := range append(append([]string{}, knobFlags...), huntFlags...) {
		drop[f] = true
	}
	var kept, nodeArgs []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			nodeArgs = args[i:]
			break
		}
		name, _, inline := strings.Cut(strings.TrimLeft(a, "-"), "=")
		takesValue := false
		if f := fs.Lookup(name); f != nil && strings.HasPrefix(a, "-") {
			bf, isBool := f.Value.(interface{ IsBoolFlag() bool })
			takesValue = !inline && !(isBool && bf.IsBoolFlag())
		}
		if drop[name] && strings.HasPrefix(a, "-") {
			if takesValue {
				i++
			}
			continue
		}
		kept = append(kept, a)
		if takesValue && i+1 < len(args) {
			i++
			kept = append(kept, args[i])
		}
	}
	words := append([]string{"eddy", "test"}, kept...)
	words = append(words, strings.Fields(k.String())...)
	words = append(words, "--seed", fmt.Sprint(seed))
	words = append(words, nodeArgs...)
	return compare.QuoteWords(words)
}
