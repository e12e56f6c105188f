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
	"io"
	"testing"
	"testing/synctest"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"

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
