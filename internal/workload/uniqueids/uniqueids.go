// Package uniqueids is Maelstrom's unique-ids workload: every operation asks
// a node for an id, and all acknowledged ids must be distinct.
package uniqueids

import (
	"context"
	"math/rand/v2"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/internal/checker"
	"github.com/eddy-workbench/eddy/internal/client"
	"github.com/eddy-workbench/eddy/internal/history"
	"github.com/eddy-workbench/eddy/internal/proto"
	"github.com/eddy-workbench/eddy/internal/workload"
)

// Workload is the unique-ids workload.
type Workload struct{}

// FromParams returns the unique-ids workload, which has no settings.
func FromParams(workload.Params) (workload.Workload, error) { return Workload{}, nil }

var (
	rules  = client.Rules{Wrapped: true}
	schema = proto.Schema{Type: "generate_ok", Required: []string{"id"}}
)

// Reusable is true: clients survive indeterminate ops.
func (Workload) Reusable() bool { return true }

// Generator is always a generate.
func (Workload) Generator(workload.Process, *rand.Rand) workload.Generator {
	return workload.GeneratorFunc(func() workload.Op { return workload.Op{F: "generate"} })
}

// Invoke sends a generate request; an ok completion's value is the id.
func (Workload) Invoke(ctx context.Context, c *client.Client, inv history.Op) history.Op {
	reply, err := c.RPC(ctx, workload.DefaultTimeout, "type", "generate")
	comp, ok := rules.Complete(inv, reply, err, schema, c.Node())
	if ok {
		v, ferr := reply.FieldValue("id")
		if ferr != nil {
			v = nil
		}
		comp.Value = v
	}
	return comp
}

// Final: unique-ids has no final phase.
func (Workload) Final() (workload.Op, bool) { return workload.Op{}, false }

// Check looks for duplicate ids.
func (Workload) Check(ops []history.Op) (check.Findings, []string) {
	return checker.UniqueIDs(ops), nil
}
