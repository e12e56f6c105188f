// Package linkv is Maelstrom's lin-kv workload: clients read, write and
// compare-and-set registers, each group of worker threads on a key of its
// own, and every key's history must be linearizable.
package linkv

import (
	"context"
	"math/rand/v2"
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

// maxProcesses is how many processes may use a key before their group
// moves to a fresh one (Jepsen's independent generator).
const maxProcesses = 20

// Workload is one run's lin-kv workload.
type Workload struct {
	opt     Options
	timeout time.Duration
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

// Generator returns the ops of a process: threads come in groups of 2n,
// each group on one key; in a group the first n threads read, the others
// write (one in three) or compare-and-set values in 0…4.
//
// Jepsen hands out keys 0, 1, … in order, a group's first key being its
// number, and moves a whole group to the next unused key once 20 distinct
// processes have used its key, which depends on when which thread had an
// indeterminate op. Here the key is a function of the process: a group of
// s threads keeps its key for ⌊20/s⌋ (at least 1) incarnations of its
// threads, so every key still sees at most 20 processes (s with more than
// 20 threads in a group), and incarnation m of a thread in group g of G
// uses key e·G + g with e = m div ⌊20/s⌋. Until some thread has had ⌊20/s⌋
// indeterminate ops, which with 2n < 20 is the usual case, both give group
// g the key g for the whole run.
func (w *Workload) Generator(p workload.Process, rng *rand.Rand) workload.Generator {
	size := 2 * w.opt.Nodes
	t := p.Thread()
	g := t / size
	groups := (p.Concurrency + size - 1) / size
	members := min(size, p.Concurrency-g*size)
	perKey := max(1, maxProcesses/members)
	k := int64((p.Incarnation()/perKey)*groups + g)
	reader := t%size < w.opt.Nodes
	return workload.GeneratorFunc(func() workload.Op {
		if reader {
			return workload.Op{F: "read", Value: []any{k, nil}}
		}
		if rng.IntN(3) == 0 {
			return workload.Op{F: "write", Value: []any{k, int64(rng.IntN(5))}}
		}
		return workload.Op{F: "cas", Value: []any{k, []any{int64(rng.IntN(5)), int64(rng.IntN(5))}}}
	})
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
