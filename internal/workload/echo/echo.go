// Package echo is Maelstrom's echo workload: every operation asks a node to
// echo a string back.
package echo

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/internal/checker"
	"github.com/eddy-workbench/eddy/internal/client"
	"github.com/eddy-workbench/eddy/internal/history"
	"github.com/eddy-workbench/eddy/internal/proto"
	"github.com/eddy-workbench/eddy/internal/workload"
)

// Workload is the echo workload.
type Workload struct{}

// FromParams returns the echo workload, which has no settings.
func FromParams(workload.Params) (workload.Workload, error) { return Workload{}, nil }

var (
	rules  = client.Rules{Wrapped: true}
	schema = proto.Schema{Type: "echo_ok", Required: []string{"echo"}}
)

// Reusable is false: a new client after every indeterminate op.
func (Workload) Reusable() bool { return false }

// Generator asks to echo "Please echo N", N uniform in [0, 128).
func (Workload) Generator(_ workload.Process, rng *rand.Rand) workload.Generator {
	return workload.GeneratorFunc(func() workload.Op {
		return workload.Op{F: "echo", Value: fmt.Sprintf("Please echo %d", rng.IntN(128))}
	})
}

// Invoke sends an echo request; an ok completion's value is the whole reply body.
func (Workload) Invoke(ctx context.Context, c *client.Client, inv history.Op) history.Op {
	reply, err := c.RPC(ctx, workload.DefaultTimeout, "type", "echo", "echo", inv.Value)
	comp, ok := rules.Complete(inv, reply, err, schema, c.Node())
	if ok {
		comp.Value = reply.Value()
	}
	return comp
}

// Final: echo has no final phase.
func (Workload) Final() (workload.Op, bool) { return workload.Op{}, false }

// Check compares every echo with its request.
func (Workload) Check(ops []history.Op) (check.Findings, []string) { return checker.Echo(ops), nil }
