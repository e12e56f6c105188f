// Package workload defines what a Maelstrom workload is to the runner: how
// it generates operations, performs them as RPCs, and checks the history.
// Each workload lives in a subpackage.
package workload

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/eddy-workbench/eddy/internal/client"
	"github.com/eddy-workbench/eddy/internal/edn"
	"github.com/eddy-workbench/eddy/internal/history"
)

// Op is an operation a generator asks a worker to perform.
type Op struct {
	F     string
	Value any
	Final bool
}

// Workload is one of Maelstrom's workloads.
type Workload interface {
	// Reusable reports whether a worker keeps its client connection after an
	// indeterminate operation (otherwise it opens a new client).
	Reusable() bool
	// Next returns the next operation of the main phase. Calls are
	// serialised; rng is the generator's.
	Next(rng *rand.Rand) Op
	// Invoke performs inv through c and returns its completion (the runner
	// sets its index and time).
	Invoke(ctx context.Context, c *client.Client, inv history.Op) history.Op
	// Final returns the operation every worker performs in the final phase,
	// and false if the workload has no final phase.
	Final() (Op, bool)
	// Check analyses a finished history.
	Check(ops []history.Op) *edn.Map
}

// Threaded is implemented by workloads whose operations depend on the
// worker thread that performs them (lin-kv gives each group of threads a
// key of its own). The runner then calls NextFor instead of Next, with the
// thread and its current process; calls are serialised.
type Threaded interface {
	NextFor(thread, process int, rng *rand.Rand) Op
}

// Setup is implemented by workloads that prepare every node before the main
// phase, as broadcast sends each node the topology. The runner calls Setup
// once per node, concurrently, each with a fresh client of that node; an
// error aborts the run.
type Setup interface {
	Setup(ctx context.Context, c *client.Client) error
}

// Finisher is implemented by workloads whose final phase is a conversation
// rather than one op per worker (kafka polls until it has caught up). The
// runner calls Finish once per worker, concurrently, after healing and the
// recovery wait; do performs an op on that worker and returns its
// completion, and randN(n) draws uniformly from [0, n) and is safe for
// concurrent use.
type Finisher interface {
	Finish(ctx context.Context, randN func(n int64) int64, do func(Op) history.Op)
}

// Converger is implemented by workloads whose Check also judges, beyond
// Maelstrom's checker, whether the nodes converged: whether every node's
// final read agrees with what the history acknowledged (broadcast, g-set,
// the counters). The finding is a warning, and counts toward validity only
// under --strict.
type Converger interface {
	// Unconverged is a one-line summary of what the convergence check
	// found in results, this workload's Check result (e.g. "n1–n4 lack
	// 45"), or "" if the nodes converged or nothing could be judged.
	Unconverged(results *edn.Map) string
}

// Distributor is implemented by workloads with a per-element figure worth
// plotting as a distribution (broadcast and g-set: stable latencies).
type Distributor interface {
	Distributions(ops []history.Op) []Distribution
}

// Distribution is one such figure: the plot's file name in the run
// directory, its title, the label of its values and the values.
type Distribution struct {
	File, Title, XLabel string
	Values              []float64
}

// DefaultTimeout is the RPC timeout of most workloads.
const DefaultTimeout = 5 * time.Second
