// Package broadcast is Maelstrom's broadcast workload: clients broadcast
// unique integers to the nodes and read back everything a node has seen;
// every acknowledged value must eventually be in every node's reads. Before
// the test each node is sent the topology the run was given.
package broadcast

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"eddy/internal/checker"
	"eddy/internal/client"
	"eddy/internal/edn"
	"eddy/internal/history"
	"eddy/internal/proto"
	"eddy/internal/workload"
)

// TopologyTimeout is how long a node has to answer the topology message.
const TopologyTimeout = 5 * time.Second

// Workload is the broadcast workload of one run.
type Workload struct {
	topology map[string][]string
	strict   bool
	next     int64 // the next value to broadcast; Next calls are serialised
}

// New returns the workload; topology is sent to every node at setup, and
// strict makes duplicates in reads invalid.
func New(topology map[string][]string, strict bool) *Workload {
	return &Workload{topology: topology, strict: strict}
}

var (
	// Read timeouts and errors fail (a read changes nothing); a broadcast's
	// are indeterminate.
	rules           = client.Rules{Wrapped: true, Idempotent: map[string]bool{"read": true}}
	topologySchema  = proto.Schema{Type: "topology_ok"}
	broadcastSchema = proto.Schema{Type: "broadcast_ok"}
	readSchema      = proto.Schema{Type: "read_ok", Required: []string{"messages"}, Check: func(f map[string]json.RawMessage) error {
		_, err := Elements(f["messages"])
		return err
	}}
)

// Setup sends the node the whole topology and waits for topology_ok.
func (w *Workload) Setup(ctx context.Context, c *client.Client) error {
	reply, err := c.RPC(ctx, TopologyTimeout, "type", "topology", "topology", w.topology)
	switch {
	case errors.Is(err, client.ErrTimeout):
		return fmt.Errorf("node %s did not answer the topology message within %v", c.Node(), TopologyTimeout)
	case err != nil:
		return fmt.Errorf("sending node %s the topology: %w", c.Node(), err)
	case reply.Header.Type == "error":
		return fmt.Errorf("node %s answered the topology message with error %d: %s", c.Node(), reply.Header.Code, reply.Header.Text)
	}
	if err := topologySchema.Validate(reply.Body); err != nil {
		return fmt.Errorf("node %s answered the topology message with %s: %v", c.Node(), reply.Body, err)
	}
	return nil
}

// Reusable is false: a new client after every indeterminate op.
func (*Workload) Reusable() bool { return false }

// Next is a broadcast of the next value or a read, with equal odds.
func (w *Workload) Next(rng *rand.Rand) workload.Op {
	if rng.IntN(2) == 0 {
		return workload.Op{F: "read"}
	}
	v := w.next
	w.next++
	return workload.Op{F: "broadcast", Value: v}
}

// Invoke sends a broadcast or a read; a read's completion value is the
// vector of values the node returned.
func (*Workload) Invoke(ctx context.Context, c *client.Client, inv history.Op) history.Op {
	if inv.F == "broadcast" {
		reply, err := c.RPC(ctx, workload.DefaultTimeout, "type", "broadcast", "message", inv.Value)
		comp, _ := rules.Complete(inv, reply, err, broadcastSchema, c.Node())
		return comp
	}
	reply, err := c.RPC(ctx, workload.DefaultTimeout, "type", "read")
	comp, ok := rules.Complete(inv, reply, err, readSchema, c.Node())
	if ok {
		f, _ := proto.Fields(reply.Body)
		comp.Value, _ = Elements(f["messages"])
	}
	return comp
}

// Final is one final read per worker.
func (*Workload) Final() (workload.Op, bool) { return workload.Op{F: "read", Final: true}, true }

// Check runs the set-full checker with broadcasts as additions.
func (w *Workload) Check(ops []history.Op) *edn.Map {
	return checker.SetFull(ops, "broadcast", w.strict)
}

// Elements decodes the JSON array of a read as edn values.
func Elements(raw json.RawMessage) ([]any, error) {
	v, err := edn.FromJSON(raw)
	if err != nil {
		return nil, fmt.Errorf("%s is not JSON", raw)
	}
	xs, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%s is not an array", raw)
	}
	return xs, nil
}
