// Package workload defines what a Maelstrom workload is to the runner: how
// it generates operations, performs them as RPCs, and checks the history.
// Each workload lives in a subpackage, which knows everything about it (its
// options, client, generator, checker and findings); the registry
// subpackage lists them, and the runner names none.
package workload

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/explain"
	"github.com/eddy-workbench/eddy/internal/client"
	"github.com/eddy-workbench/eddy/internal/history"
	"github.com/eddy-workbench/eddy/internal/seeded"
	"github.com/eddy-workbench/eddy/internal/trace"
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
	// Generator returns the generator of process p's main-phase operations:
	// its k-th Next is p's k-th operation. rng is p's own stream of the
	// run's seed; the generator must draw only from it and keep state of its
	// own, shared with no other process, so that p's operations depend on
	// the seed and p alone, whatever the other processes do and whenever
	// they do it. The one exception is state that changes only after
	// indeterminate operations (lin-kv's keys, which move with a whole
	// group of threads as in Jepsen): in a run without them, p's operations
	// still depend on the seed and p alone.
	Generator(p Process, rng *rand.Rand) Generator
	// Invoke performs inv through c and returns its completion (the runner
	// sets its index and time).
	Invoke(ctx context.Context, c *client.Client, inv history.Op) history.Op
	// Final returns the operation every worker performs in the final phase,
	// and false if the workload has no final phase.
	Final() (Op, bool)
	// Check analyses a finished history. Besides the findings it returns
	// warnings: one-line diagnoses of what the findings show that
	// Maelstrom's checker does not look at (such as duplicates in a
	// read), which count toward the verdict only under --strict.
	Check(ops []history.Op) (check.Findings, []string)
}

// Spec is a workload as the registry lists it: its name (the --workload
// flag) and how to make one for a run.
type Spec struct {
	Name string
	// New makes the workload of one run; an error is a bad setting, such
	// as a topology the node count does not allow.
	New func(Params) (Workload, error)
	// Explain, if set, explains the workload's findings: it turns them
	// into explanations with evidence from the run's history and journal,
	// indexed in x. The runner calls it only when there is something to
	// explain (a verdict other than valid, or a warning).
	Explain func(x *trace.Index, f check.Findings) []explain.Explanation
}

// Params are the run's settings a workload may use, resolved and
// validated by the runner.
type Params struct {
	Nodes             []string      // the node names
	Concurrency       int           // worker threads
	Rate              float64       // --rate: requests per second, all threads together
	Latency           time.Duration // --latency
	Topology          string        // --topology
	KeyCount          int           // --key-count; 0 means the workload's default
	MaxTxnLength      int           // --max-txn-length
	MaxWritesPerKey   int           // --max-writes-per-key
	ConsistencyModels []string      // --consistency-models
	Strict            bool          // --strict: eddy's extra checks count toward validity
}

// StrictNote is how a warning from Check ends: what it means for the
// verdict, given --strict.
func StrictNote(strict bool) string {
	if strict {
		return "invalid under --strict"
	}
	return "a warning only; --strict makes it invalid"
}

// Synthetic is implemented by workloads that record ops of their own which
// reach no node (kafka's crashes): the runner leaves the ops for which
// Synthetic(f) holds out of the operation counts (:stats), as Maelstrom
// does.
type Synthetic interface {
	Synthetic(f string) bool
}

// Describer is implemented by workloads with settings of their own worth
// showing in the run's report (broadcast's topology), as label and value.
type Describer interface {
	Settings() [][2]string
}

// Process identifies a client process. Process ID is run by worker thread
// ID mod Concurrency: each thread starts as the process of its own number
// and becomes a new process, Concurrency higher, after every indeterminate
// operation.
type Process struct {
	ID          int
	Concurrency int    // the run's worker threads (> 0)
	Seed        uint64 // the run's seed
}

// Stream is the run's random stream of the given name and keys
// (seeded.Stream), for choices a workload makes per process or per thread
// beyond its operations' own stream.
func (p Process) Stream(name string, keys ...int) *rand.Rand {
	return seeded.Stream(p.Seed, name, keys...)
}

// Thread is the worker thread that runs the process.
func (p Process) Thread() int { return p.ID % p.Concurrency }

// Incarnation counts the thread's processes before this one: 0 for the
// thread's first process.
func (p Process) Incarnation() int { return p.ID / p.Concurrency }

// Generator yields one process's operations, in order. It is used by one
// goroutine at a time.
type Generator interface {
	Next() Op
}

// GeneratorFunc is a Generator of a stateless workload.
type GeneratorFunc func() Op

// Next calls f.
func (f GeneratorFunc) Next() Op { return f() }

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
// completion, and randN(n) draws uniformly from [0, n) from the worker's
// own stream.
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
	// found in f, this workload's findings (e.g. "n1–n4 lack 45"), or ""
	// if the nodes converged or nothing could be judged.
	Unconverged(f check.Findings) string
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

// UniqueValue returns the j-th value (j ≥ 0) of a sequence that process p
// owns: no two (process, j) pairs of a run share a value. Every thread's
// first process (incarnation 0) takes the values C·j + thread for
// j < block, where C is the concurrency, so while each of them has used
// fewer than block values, the values in use are the integers 0, 1, 2, …
// with few gaps. Later incarnations, and j ≥ block, take blocks further up:
// block b of the thread's values (C·block values wide) goes to incarnation
// m's (j div block)-th block by the Cantor pairing of the two, block 0 being
// incarnation 0's first.
func UniqueValue(p Process, j, block int) int64 {
	m, q := int64(p.Incarnation()), int64(j/block)
	b := (m+q)*(m+q+1)/2 + q
	return int64(p.Concurrency)*(b*int64(block)+int64(j%block)) + int64(p.Thread())
}
