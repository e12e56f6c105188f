// Package eddytest runs Maelstrom workloads against Go nodes from go test,
// in the test's own process and on virtual time.
//
// A node is a function that sets up a node of Maelstrom's Go library
// (github.com/jepsen-io/maelstrom/demo/go); Run runs every node of the test
// as a goroutine wired to in-memory pipes, inside a testing/synctest bubble.
// The simulated network, the services, the clients, the generator, the
// nemesis and the checkers are the same code that runs a binary under
// `eddy test`; only the clock differs: in the bubble, time moves on only when
// every goroutine is blocked, so a 20-second run takes what the CPU needs.
//
// The nodes must stop every goroutine they start when their context is
// cancelled (at the end of the run): a bubble ends only when all of its
// goroutines have.
package eddytest

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"testing"
	"testing/synctest"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"

	"github.com/eddy-workbench/eddy/internal/hunt"
	"github.com/eddy-workbench/eddy/runner"
)

// Setup registers a node's handlers and starts whatever it runs in the
// background (tickers, gossip), all of which must end once ctx is done. It
// runs before the node reads its first message.
type Setup func(ctx context.Context, n *maelstrom.Node) error

// Node adapts a Setup to a runner.NodeFunc: each call makes a fresh
// maelstrom.Node on the given pipes, sets it up and runs it until its stdin
// ends. The library logs every message it handles through the standard log
// package, to the test process's stderr; silence it with log.SetOutput in
// TestMain if it is too much.
func Node(setup Setup) runner.NodeFunc {
	return func(ctx context.Context, stdin io.Reader, stdout, _ io.Writer) error {
		n := maelstrom.NewNode()
		n.Stdin, n.Stdout = stdin, stdout
		if err := setup(ctx, n); err != nil {
			return err
		}
		return n.Run()
	}
}

// Run runs one test of cfg with cfg.Node in-process, inside a synctest
// bubble, and returns its result; a configuration error fails t. If
// cfg.StoreDir is empty the run is stored in a temporary directory that is
// removed with the test. Run must not be called from inside a bubble.
func Run(t *testing.T, cfg runner.Config) runner.Result {
	t.Helper()
	if cfg.Node == nil {
		t.Fatal("eddytest.Run: cfg.Node is nil (set it to eddytest.Node(setup))")
	}
	if cfg.StoreDir == "" {
		cfg.StoreDir = t.TempDir()
	}
	var res runner.Result
	var err error
	synctest.Test(t, func(*testing.T) {
		res, err = runner.Run(context.Background(), cfg)
	})
	if err != nil {
		t.Fatalf("eddytest.Run: %v", err)
	}
	return res
}

// Failure is a failing run found by Hunt.
type Failure struct {
	// Seed is the first seed whose run was invalid.
	Seed uint64
	// Config is the smallest configuration found that still fails with
	// Seed (the original one if shrinking found nothing smaller).
	Config runner.Config
	// Flags are Config's sizes as eddy test flags, with the seed.
	Flags string
	// Reruns and Failures say how often Config failed when run again.
	Reruns, Failures int
	// Runs is how many runs the hunt took in all.
	Runs int
}

// Hunt runs cfg on virtual time once per seed, in order, and stops at the
// first invalid run; it then shrinks that run (fewer nodes and threads, a
// shorter run, a lower rate, fewer faults) while it still fails, trying
// each candidate up to three times, and reruns the smallest ten times. It
// returns nil if every seed gave a valid (or unknown) run. A configuration
// error or an aborted run fails t.
func Hunt(t *testing.T, cfg runner.Config, seeds []uint64) *Failure {
	t.Helper()
	if cfg.Node == nil {
		t.Fatal("eddytest.Hunt: cfg.Node is nil (set it to eddytest.Node(setup))")
	}
	knobs, err := hunt.FromConfig(cfg)
	if err != nil {
		t.Fatalf("eddytest.Hunt: %v", err)
	}
	store := cfg.StoreDir
	if store == "" {
		store = t.TempDir()
	}
	runs := 0
	trial := func(ctx context.Context, k hunt.Knobs, seed uint64) (bool, error) {
		runs++
		one := hunt.Apply(cfg, k)
		one.Seed, one.SeedSet = seed, true
		one.StoreDir = filepath.Join(store, fmt.Sprintf("hunt-%d", runs))
		var res runner.Result
		var err error
		synctest.Test(t, func(*testing.T) { res, err = runner.Run(context.Background(), one) })
		if err != nil {
			return false, err
		}
		if res.Aborted != "" {
			return false, fmt.Errorf("seed %d: the run aborted: %s", seed, res.Aborted)
		}
		return res.ExitCode() == 1, nil
	}
	ctx := t.Context()
	found := hunt.Search(ctx, knobs, seeds, 1, false, trial, nil)
	var first *hunt.Found
	for i := range found {
		if found[i].Err != nil {
			t.Fatalf("eddytest.Hunt: %v", found[i].Err)
		}
		if found[i].Failed {
			first = &found[i]
			break
		}
	}
	if first == nil {
		return nil
	}
	small, err := hunt.Shrink(ctx, knobs, first.Seed, hunt.Limits{}, 3, trial, nil)
	if err != nil {
		t.Fatalf("eddytest.Hunt: shrinking: %v", err)
	}
	const reruns = 10
	failures, err := hunt.FailRate(ctx, small, first.Seed, reruns, trial)
	if err != nil {
		t.Fatalf("eddytest.Hunt: rerunning: %v", err)
	}
	return &Failure{
		Seed:     first.Seed,
		Config:   hunt.Apply(cfg, small),
		Flags:    fmt.Sprintf("%s --seed %d", small, first.Seed),
		Reruns:   reruns,
		Failures: failures,
		Runs:     runs,
	}
}
