// Package broadcast is Maelstrom's broadcast and g-set workloads: clients
// add unique integers (broadcast them, or add them to a grow-only set) and
// read back everything a node has; every acknowledged value must eventually
// be in every read. Broadcast also sends each node the run's topology before
// the test. Both are checked by set-full.
package broadcast

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/checker"
	"github.com/eddy-workbench/eddy/internal/client"
	"github.com/eddy-workbench/eddy/internal/history"
	"github.com/eddy-workbench/eddy/internal/proto"
	"github.com/eddy-workbench/eddy/internal/topology"
	"github.com/eddy-workbench/eddy/internal/workload"
)

// TopologyTimeout is how long a node has to answer the topology message.
const TopologyTimeout = 5 * time.Second

// dialect is what differs between broadcast and g-set on the wire and in
// the client.
type dialect struct {
	add      string // the f and request type of an addition
	field    string // the request field holding the value
	readKey  string // the read_ok field holding the values
	final    bool   // final reads are marked :final?
	rules    client.Rules
	addReply proto.Schema
	read     proto.Schema
}

var (
	broadcastDialect = dialect{
		add: "broadcast", field: "message", readKey: "messages", final: true,
		// Read timeouts and errors fail (a read changes nothing); a
		// broadcast's are indeterminate.
		rules:    client.Rules{Wrapped: true, Idempotent: map[string]bool{"read": true}},
		addReply: proto.Schema{Type: "broadcast_ok"},
		read:     readSchema("messages"),
	}
	gsetDialect = dialect{
		add: "add", field: "element", readKey: "value",
		// Without Maelstrom's error wrapper every error and timeout is
		// indeterminate.
		rules:    client.Rules{},
		addReply: proto.Schema{Type: "add_ok"},
		read:     readSchema("value"),
	}
	topologySchema = proto.Schema{Type: "topology_ok"}
)

func readSchema(key string) proto.Schema {
	return proto.Schema{Type: "read_ok", Required: []string{key}, Check: func(f map[string]json.RawMessage) error {
		_, err := Elements(f[key])
		return err
	}}
}

// Workload is the broadcast or g-set workload of one run.
type Workload struct {
	d        dialect
	topology map[string][]string // broadcast only
	// topologyName is the --topology it was built from, for the report.
	topologyName string
	cluster      checker.Cluster
	strict       bool
}

// FromParams returns the broadcast workload for a run's settings: the
// --topology over its nodes is sent to every node at setup, and --strict
// makes duplicates in reads and nodes that did not converge invalid.
func FromParams(p workload.Params) (workload.Workload, error) {
	topo, err := topology.Build(p.Topology, p.Nodes)
	if err != nil {
		return nil, err
	}
	w := New(topo, cluster(p), p.Strict)
	w.topologyName = p.Topology
	return w, nil
}

// GSetFromParams returns the g-set workload for a run's settings.
func GSetFromParams(p workload.Params) (workload.Workload, error) {
	return NewGSet(cluster(p), p.Strict), nil
}

// cluster is the run's nodes and worker threads, for the convergence
// check.
func cluster(p workload.Params) checker.Cluster {
	return checker.Cluster{Nodes: p.Nodes, Concurrency: p.Concurrency}
}

// New returns the broadcast workload on cluster; topology is sent to every
// node at setup, and strict makes duplicates in reads and nodes that did
// not converge invalid.
func New(topology map[string][]string, cluster checker.Cluster, strict bool) *Workload {
	return &Workload{d: broadcastDialect, topology: topology, cluster: cluster, strict: strict}
}

// NewGSet returns the g-set workload on cluster; strict makes duplicates in
// reads and nodes that did not converge invalid.
func NewGSet(cluster checker.Cluster, strict bool) *Workload {
	return &Workload{d: gsetDialect, cluster: cluster, strict: strict}
}

// Setup sends a broadcast node the whole topology and waits for
// topology_ok; g-set has nothing to set up.
func (w *Workload) Setup(ctx context.Context, c *client.Client) error {
	if w.topology == nil {
		return nil
	}
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

// valueBlock is how many values each thread's first process adds before
// its values jump (workload.UniqueValue).
const valueBlock = 1 << 16

// Generator adds a value or reads, with equal odds. Maelstrom adds 0, 1,
// 2, … in the order ops are handed out, whichever process gets them; here
// process p adds its own sequence, so that what it adds depends on the seed
// and p alone: with C worker threads, thread t's first process adds t,
// C + t, 2C + t, … (workload.UniqueValue). The values in use are thus still
// the integers from 0 up, with gaps only where some thread has added fewer
// than others; a process that replaces one after an indeterminate add takes
// values from C·65536 up.
func (w *Workload) Generator(p workload.Process, rng *rand.Rand) workload.Generator {
	j := 0
	return workload.GeneratorFunc(func() workload.Op {
		if rng.IntN(2) == 0 {
			return workload.Op{F: "read"}
		}
		v := workload.UniqueValue(p, j, valueBlock)
		j++
		return workload.Op{F: w.d.add, Value: v}
	})
}

// Invoke sends an addition or a read; a read's completion value is the
// vector of values the node returned.
func (w *Workload) Invoke(ctx context.Context, c *client.Client, inv history.Op) history.Op {
	if inv.F == w.d.add {
		reply, err := c.RPC(ctx, workload.DefaultTimeout, "type", w.d.add, w.d.field, inv.Value)
		comp, _ := w.d.rules.Complete(inv, reply, err, w.d.addReply, c.Node())
		return comp
	}
	reply, err := c.RPC(ctx, workload.DefaultTimeout, "type", "read")
	comp, ok := w.d.rules.Complete(inv, reply, err, w.d.read, c.Node())
	if ok {
		f, _ := proto.Fields(reply.Body)
		comp.Value, _ = Elements(f[w.d.readKey])
	}
	return comp
}

// Final is one final read per worker (marked :final? for broadcast only,
// as in Maelstrom).
func (w *Workload) Final() (workload.Op, bool) {
	return workload.Op{F: "read", Final: w.d.final}, true
}

// Check runs the set-full checker, and eddy's convergence check (every
// node's final read holds every acknowledged value), under :convergence;
// duplicates in reads are a warning.
func (w *Workload) Check(ops []history.Op) (check.Findings, []string) {
	f := checker.SetFull(ops, w.d.add, w.strict)
	f.Convergence = checker.SetConvergence(ops, w.d.add, w.cluster)
	if w.strict && f.Convergence.Converged == check.Invalid {
		f.Valid = check.Invalid
	}
	var warnings []string
	if f.DuplicatedCount > 0 {
		warnings = append(warnings, fmt.Sprintf("reads returned %d element(s) more than once in the same read (see :workload :duplicated); %s", f.DuplicatedCount, workload.StrictNote(w.strict)))
	}
	return f, warnings
}

// Unconverged summarises which nodes' final reads lack acknowledged values.
func (w *Workload) Unconverged(f check.Findings) string {
	if s, ok := f.(*check.SetFull); ok && s.Convergence != nil {
		return s.Convergence.Summary
	}
	return ""
}

// Settings show the topology sent to broadcast nodes.
func (w *Workload) Settings() [][2]string {
	if w.topology == nil {
		return nil
	}
	return [][2]string{{"topology", w.topologyName}}
}

// Distributions are the stable latencies of the elements (and the lost
// ones', if any were lost): how long after an add was acknowledged every
// read saw its element.
func (w *Workload) Distributions(ops []history.Op) []workload.Distribution {
	stable, lost := checker.SetFullLatencies(ops, w.d.add)
	out := []workload.Distribution{{
		File: "stable-latencies.svg", Title: "Stable latency of each element", XLabel: "stable latency (ms)", Values: floats(stable),
	}}
	if len(lost) > 0 {
		out = append(out, workload.Distribution{
			File: "lost-latencies.svg", Title: "Lost latency of each lost element", XLabel: "lost latency (ms)", Values: floats(lost),
		})
	}
	return out
}

func floats(xs []int64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = float64(x)
	}
	return out
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
