// Package linkv is Maelstrom's lin-kv workload: clients read, write and
// compare-and-set registers, each group of worker threads on a key of its
// own, and every key's history must be linearizable.
package linkv

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/checker"
	"github.com/eddy-workbench/eddy/internal/client"
	"github.com/eddy-workbench/eddy/internal/history"
	"github.com/eddy-workbench/eddy/internal/proto"
	"github.com/eddy-workbench/eddy/internal/workload"
)

// Options configure the workload.
type Options struct {
	Nodes   int           // the node count n: threads work in groups of 2n
	Latency time.Duration // --latency, for the RPC timeout
}

// maxProcesses is how many processes may use a key before its group moves
// to a fresh one (Jepsen's independent generator).
const maxProcesses = 20

// Workload is one run's lin-kv workload.
type Workload struct {
	opt     Options
	timeout time.Duration

	mu      sync.Mutex
	groups  map[int]*group
	nextKey int64
}

// group is the key a group of threads works on, and the processes that
// have used it.
type group struct {
	key  int64
	seen map[int]bool
}

// FromParams returns the workload for a run's settings.
func FromParams(p workload.Params) (workload.Workload, error) {
	return New(Options{Nodes: len(p.Nodes), Latency: p.Latency}), nil
}

// New returns the workload.
func New(opt Options) *Workload {
	opt.Nodes = max(opt.Nodes, 1)
	return &Workload{
		opt:     opt,
		timeout: max(10*opt.Latency, time.Second),
		groups:  map[int]*group{},
	}
}

var (
	rules       = client.Rules{Wrapped: true, Idempotent: map[string]bool{"read": true}}
	readSchema  = proto.Schema{Type: "read_ok", Required: []string{"value"}}
	writeSchema = proto.Schema{Type: "write_ok"}
	casSchema   = proto.Schema{Type: "cas_ok"}
)

// Reusable is true: a worker keeps its client after an indeterminate op.
func (*Workload) Reusable() bool { return true }

// Next is not used: ops depend on the thread (NextFor).
func (w *Workload) Next(rng *rand.Rand) workload.Op { return w.NextFor(0, 0, rng) }

// NextFor returns the next op of a thread: threads come in groups of 2n,
// each group on one key (0, 1, … in order, a fresh one once 20 processes
// have used it); in a group the first n threads read, the others write or
// compare-and-set (one to two) values in 0…4.
func (w *Workload) NextFor(thread, process int, rng *rand.Rand) workload.Op {
	size := 2 * w.opt.Nodes
	w.mu.Lock()
	g := w.groups[thread/size]
	if g == nil || len(g.seen) >= maxProcesses && !g.seen[process] {
		g = &group{key: w.nextKey, seen: map[int]bool{}}
		w.nextKey++
		w.groups[thread/size] = g
	}
	g.seen[process] = true
	k := g.key
	w.mu.Unlock()
	if thread%size < w.opt.Nodes {
		return workload.Op{F: "read", Value: []any{k, nil}}
	}
	if rng.IntN(3) == 0 {
		return workload.Op{F: "write", Value: []any{k, int64(rng.IntN(5))}}
	}
	return workload.Op{F: "cas", Value: []any{k, []any{int64(rng.IntN(5)), int64(rng.IntN(5))}}}
}

// Invoke performs one op.
func (w *Workload) Invoke(ctx context.Context, c *client.Client, inv history.Op) history.Op {
	kv := inv.Value.([]any)
	k := kv[0]
	switch inv.F {
	case "read":
		reply, err := c.RPC(ctx, w.timeout, "type", "read", "key", k)
		comp, ok := rules.Complete(inv, reply, err, readSchema, c.Node())
		if ok {
			f, _ := proto.Fields(reply.Body)
			v, err := edn.FromJSON(f["value"])
			if err != nil {
				v = string(f["value"])
			}
			comp.Value = []any{k, v}
		}
		return comp
	case "write":
		reply, err := c.RPC(ctx, w.timeout, "type", "write", "key", k, "value", kv[1])
		comp, _ := rules.Complete(inv, reply, err, writeSchema, c.Node())
		return comp
	default:
		ft := kv[1].([]any)
		reply, err := c.RPC(ctx, w.timeout, "type", "cas", "key", k, "from", ft[0], "to", ft[1])
		comp, _ := rules.Complete(inv, reply, err, casSchema, c.Node())
		return comp
	}
}

// Final: lin-kv has no final phase.
func (*Workload) Final() (workload.Op, bool) { return workload.Op{}, false }

// Check checks each key's history for linearizability against a
// compare-and-set register that starts empty.
func (*Workload) Check(ops []history.Op) (check.Findings, []string) {
	return checker.LinearizableKV(ops, 0), nil
}
