// Package gset is Maelstrom's g-set workload: clients add unique integers to
// a grow-only set and read it back; every acknowledged element must
// eventually be in every read.
package gset

import (
	"context"
	"encoding/json"
	"math/rand/v2"

	"eddy/internal/checker"
	"eddy/internal/client"
	"eddy/internal/edn"
	"eddy/internal/history"
	"eddy/internal/proto"
	"eddy/internal/workload"
	"eddy/internal/workload/broadcast"
)

// Workload is the g-set workload of one run.
type Workload struct {
	strict bool
	next   int64 // the next element to add; Next calls are serialised
}

// New returns the workload; strict makes duplicates in reads invalid.
func New(strict bool) *Workload { return &Workload{strict: strict} }

var (
	// Without Maelstrom's error wrapper every error and timeout is
	// indeterminate.
	rules      = client.Rules{}
	addSchema  = proto.Schema{Type: "add_ok"}
	readSchema = proto.Schema{Type: "read_ok", Required: []string{"value"}, Check: func(f map[string]json.RawMessage) error {
		_, err := broadcast.Elements(f["value"])
		return err
	}}
)

// Reusable is false: a new client after every indeterminate op.
func (*Workload) Reusable() bool { return false }

// Next adds the next element or reads, with equal odds.
func (w *Workload) Next(rng *rand.Rand) workload.Op {
	if rng.IntN(2) == 0 {
		return workload.Op{F: "read"}
	}
	v := w.next
	w.next++
	return workload.Op{F: "add", Value: v}
}

// Invoke sends an add or a read; a read's completion value is the vector of
// elements the node returned.
func (*Workload) Invoke(ctx context.Context, c *client.Client, inv history.Op) history.Op {
	if inv.F == "add" {
		reply, err := c.RPC(ctx, workload.DefaultTimeout, "type", "add", "element", inv.Value)
		comp, _ := rules.Complete(inv, reply, err, addSchema, c.Node())
		return comp
	}
	reply, err := c.RPC(ctx, workload.DefaultTimeout, "type", "read")
	comp, ok := rules.Complete(inv, reply, err, readSchema, c.Node())
	if ok {
		f, _ := proto.Fields(reply.Body)
		comp.Value, _ = broadcast.Elements(f["value"])
	}
	return comp
}

// Final is one read per worker; unlike the other workloads, Maelstrom does
// not mark g-set's final reads :final?.
func (*Workload) Final() (workload.Op, bool) { return workload.Op{F: "read"}, true }

// Check runs the set-full checker.
func (w *Workload) Check(ops []history.Op) *edn.Map { return checker.SetFull(ops, "add", w.strict) }
