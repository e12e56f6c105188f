// Package counter is Maelstrom's pn-counter and g-counter workloads: clients
// add deltas to a counter and read it, and after the network heals every
// client's final read must be a total the history allows.
package counter

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/checker"
	"github.com/eddy-workbench/eddy/internal/client"
	"github.com/eddy-workbench/eddy/internal/history"
	"github.com/eddy-workbench/eddy/internal/proto"
	"github.com/eddy-workbench/eddy/internal/workload"
)

// Workload is a counter workload.
type Workload struct {
	// Grow selects g-counter (no negative deltas) over pn-counter.
	Grow bool
	// Cluster is the run's nodes and threads, for the convergence check.
	Cluster checker.Cluster
	// Strict makes final reads that disagree invalid.
	Strict bool
}

// GCounterFromParams returns the g-counter workload for a run's settings.
func GCounterFromParams(p workload.Params) (workload.Workload, error) {
	return Workload{Grow: true, Cluster: cluster(p), Strict: p.Strict}, nil
}

// PNCounterFromParams returns the pn-counter workload for a run's
// settings.
func PNCounterFromParams(p workload.Params) (workload.Workload, error) {
	return Workload{Cluster: cluster(p), Strict: p.Strict}, nil
}

// cluster is the run's nodes and worker threads, for the convergence
// check.
func cluster(p workload.Params) checker.Cluster {
	return checker.Cluster{Nodes: p.Nodes, Concurrency: p.Concurrency}
}

var (
	// Without Maelstrom's error wrapper every error and timeout is
	// indeterminate.
	rules      = client.Rules{}
	addSchema  = proto.Schema{Type: "add_ok"}
	readSchema = proto.Schema{Type: "read_ok", Required: []string{"value"}, Check: func(f map[string]json.RawMessage) error {
		if _, err := readValue(f["value"]); err != nil {
			return err
		}
		return nil
	}}
)

// Reusable is false: a new client after every indeterminate op.
func (Workload) Reusable() bool { return false }

// Generator picks an add or a read with equal odds; an add's delta is
// uniform in [-5, 4]. g-counter redraws the whole choice when the delta is
// negative, as Maelstrom's filtered generator does, so its mix is two reads
// to one add with deltas uniform in [0, 4].
func (w Workload) Generator(_ workload.Process, rng *rand.Rand) workload.Generator {
	return workload.GeneratorFunc(func() workload.Op {
		for {
			if rng.IntN(2) == 1 {
				return workload.Op{F: "read"}
			}
			d := int64(rng.IntN(10) - 5)
			if w.Grow && d < 0 {
				continue
			}
			return workload.Op{F: "add", Value: d}
		}
	})
}

// Invoke sends an add or a read; a read's completion value is the counter.
func (Workload) Invoke(ctx context.Context, c *client.Client, inv history.Op) history.Op {
	switch inv.F {
	case "add":
		reply, err := c.RPC(ctx, workload.DefaultTimeout, "type", "add", "delta", inv.Value)
		comp, _ := rules.Complete(inv, reply, err, addSchema, c.Node())
		return comp
	default:
		reply, err := c.RPC(ctx, workload.DefaultTimeout, "type", "read")
		comp, ok := rules.Complete(inv, reply, err, readSchema, c.Node())
		if ok {
			f, _ := proto.Fields(reply.Body)
			comp.Value, _ = readValue(f["value"])
		}
		return comp
	}
}

// Final is one final read per worker.
func (Workload) Final() (workload.Op, bool) { return workload.Op{F: "read", Final: true}, true }

// Check checks the final reads against the acceptable totals, and runs
// eddy's convergence check (all final reads agree on an acceptable total),
// under :convergence.
func (w Workload) Check(ops []history.Op) (check.Findings, []string) {
	f := checker.Counter(ops)
	f.Convergence = checker.CounterConvergence(ops, checker.CounterAcceptable(ops), w.Cluster)
	if w.Strict && f.Convergence.Converged == check.Invalid {
		f.Valid = check.Invalid
	}
	return f, nil
}

// Unconverged summarises how the final reads disagree.
func (Workload) Unconverged(f check.Findings) string {
	if c, ok := f.(*check.Counter); ok && c.Convergence != nil {
		return c.Convergence.Summary
	}
	return ""
}

// readValue decodes a read's value, which must be an integer that fits in 64
// bits (Maelstrom coerces it to a long).
func readValue(raw json.RawMessage) (int64, error) {
	v, err := edn.FromJSON(raw)
	if err != nil {
		return 0, fmt.Errorf("value %s is not JSON", raw)
	}
	n, ok := v.(int64)
	if !ok {
		return 0, fmt.Errorf("value %s is not an integer", raw)
	}
	return n, nil
}
