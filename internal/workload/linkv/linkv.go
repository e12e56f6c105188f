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

// maxProcesses is how many distinct processes may use a key before their
// group moves to a fresh one (Jepsen's gen/process-limit 20).
const maxProcesses = 20

// Workload is one run's lin-kv workload. Its processes share the run's
// key state (keys), so a Workload serves one run.
type Workload struct {
	opt     Options
	timeout time.Duration
	keys    keys
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
// write (one in three) or compare-and-set values in 0…4. Each op takes its
// group's current key at the time it is generated (see keys), and its
// values from rng alone.
func (w *Workload) Generator(p workload.Process, rng *rand.Rand) workload.Generator {
	size := 2 * w.opt.Nodes
	reader := p.Thread()%size < w.opt.Nodes
	return workload.GeneratorFunc(func() workload.Op {
		k := w.keys.key(p, size)
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

// keys is the key state of a run, as Jepsen's independent
// concurrent-generator keeps it: threads 0 … C−1 form groups of size
// threads in order (the last group may be smaller), group g starts on key
// g, and each group has one current key at a time, shared by its readers
// and writers. A key's processes are those of the group's threads while it
// is current: the threads' processes when the group took it, and every
// process that asks for an op on it later. Once an op would give the key
// more than max(20, s) distinct processes (s the group's thread count), the
// whole group moves to the next key no group has had yet (keys are handed
// out 0, 1, 2, … across groups in the order groups need them), and that op
// is the new key's first. Jepsen's gen/process-limit 20 counts the same
// processes: its generator sees all of a group's processes whenever it
// generates an op for the group, so a thread's new process counts there
// from the group's next op and here from the thread's own next one; and
// with more than 20 threads in a group it never yields an op at all
// (Jepsen loops over fresh keys), where here the group moves at each new
// process.
//
// A process's next key depends on the group's earlier indeterminate ops,
// and so on timing, as in Maelstrom; in a run without indeterminate ops
// (and groups of at most 20 threads) group g keeps key g throughout. keys
// is safe for concurrent use.
type keys struct {
	mu          sync.Mutex
	concurrency int      // the run's thread count, once known
	size        int      // threads per group
	next        int64    // the next key no group has had
	groups      []*group // by group number
}

// group is one group's current key and the processes that have used it.
type group struct {
	key     int64
	first   int          // the group's first thread
	limit   int          // processes a key may have: max(20, thread count)
	current []int        // each thread's latest process, by thread − first
	used    map[int]bool // distinct processes counted on key
}

// key returns the key of process p's next op, p's thread being in a group
// of size threads.
func (s *keys) key(p workload.Process, size int) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.concurrency != p.Concurrency || s.size != size {
		s.reset(p.Concurrency, size)
	}
	t := p.Thread()
	g := s.groups[t/size]
	if i := t - g.first; p.ID > g.current[i] {
		g.current[i] = p.ID
	}
	if !g.used[p.ID] {
		if len(g.used) >= g.limit {
			g.key = s.next
			s.next++
			clear(g.used)
			for _, q := range g.current {
				g.used[q] = true
			}
		}
		g.used[p.ID] = true
	}
	return g.key
}

// reset starts the key state of a run of concurrency threads in groups of
// size: group g on key g, with its threads' first processes.
func (s *keys) reset(concurrency, size int) {
	s.concurrency, s.size = concurrency, size
	n := (concurrency + size - 1) / size
	s.groups = make([]*group, n)
	s.next = int64(n)
	for g := range s.groups {
		first := g * size
		members := min(size, concurrency-first)
		gr := &group{key: int64(g), first: first, limit: max(maxProcesses, members),
			current: make([]int, members), used: make(map[int]bool, members)}
		for i := range members {
			gr.current[i] = first + i
			gr.used[first+i] = true
		}
		s.groups[g] = gr
	}
}
