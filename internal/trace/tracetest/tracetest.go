// Package tracetest builds small runs by hand, a history and a network
// journal together, for the tests of explainers.
package tracetest

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/history"
	"github.com/eddy-workbench/eddy/internal/netsim"
	"github.com/eddy-workbench/eddy/internal/trace"
)

// Run is a run being built. Times are in milliseconds since it began.
type Run struct {
	Nodes       []string
	Concurrency int
	Crashes     map[string]int64

	ops    []history.Op
	events []netsim.Event
	nextID int64
	msgID  map[string]int64 // per sender, its next msg_id
}

// New starts a run with nodes and one worker thread per node (process p
// talks to nodes[p mod len(nodes)]).
func New(nodes ...string) *Run {
	return &Run{Nodes: nodes, Concurrency: len(nodes), msgID: map[string]int64{}}
}

func ns(ms float64) int64 { return int64(ms * 1e6) }

// Op records a history op at time ms.
func (r *Run) Op(ms float64, process int, typ history.Type, f string, value any) {
	r.ops = append(r.ops, history.Op{Time: ns(ms), Type: typ, Process: process, F: f, Value: value})
}

// Send journals a message sent at ms and returns its id; body is JSON or a
// value to marshal.
func (r *Run) Send(ms float64, src, dest string, body any) int64 {
	raw, ok := body.(string)
	if !ok {
		b, err := json.Marshal(body)
		if err != nil {
			panic(err)
		}
		raw = string(b)
	}
	id := r.nextID
	r.nextID++
	r.events = append(r.events, netsim.Event{Time: ns(ms), Kind: netsim.Send, Msg: netsim.Message{ID: id, Src: src, Dest: dest, Body: []byte(raw)}})
	return id
}

// Recv journals the delivery of message id at ms.
func (r *Run) Recv(ms float64, id int64) {
	for _, ev := range r.events {
		if ev.Kind == netsim.Send && ev.Msg.ID == id {
			ev.Kind, ev.Time = netsim.Recv, ns(ms)
			r.events = append(r.events, ev)
			return
		}
	}
	panic(fmt.Sprintf("no message %d", id))
}

// Drop journals that the network dropped message id at ms because its
// destination was down (killed by the nemesis).
func (r *Run) Drop(ms float64, id int64) {
	for _, ev := range r.events {
		if ev.Kind == netsim.Send && ev.Msg.ID == id {
			ev.Kind, ev.Time, ev.Fate = netsim.Drop, ns(ms), netsim.FateCrashed
			r.events = append(r.events, ev)
			return
		}
	}
	panic(fmt.Sprintf("no message %d", id))
}

// Deliver journals a message sent at ms and delivered at recv ms.
func (r *Run) Deliver(ms, recv float64, src, dest string, body any) int64 {
	id := r.Send(ms, src, dest, body)
	r.Recv(recv, id)
	return id
}

// Call is a client operation: process p invokes f with value at ms
// through client (e.g. "c1"), which sends req (a map without msg_id) to
// the process's node; the node's reply (nil for none) comes back at end
// ms, and the op completes as typ with result (nil keeps value).
func (r *Run) Call(ms, end float64, p int, client, f string, value any, req map[string]any, typ history.Type, reply map[string]any, result any) {
	node := r.Nodes[(p%r.Concurrency)%len(r.Nodes)]
	r.Op(ms, p, history.Invoke, f, value)
	r.msgID[client]++
	req = clone(req)
	req["msg_id"] = r.msgID[client]
	id := r.Deliver(ms+0.01, ms+0.02, client, node, req)
	_ = id
	if reply != nil {
		reply = clone(reply)
		reply["in_reply_to"] = r.msgID[client]
		r.Deliver(end-0.02, end-0.01, node, client, reply)
	}
	if result == nil {
		result = value
	}
	r.Op(end, p, typ, f, result)
}

func clone(m map[string]any) map[string]any {
	out := make(map[string]any, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Partition records the nemesis cutting the cluster into groups from ms to
// healed ms (negative: never healed).
func (r *Run) Partition(ms, healed float64, groups ...[]string) {
	g := map[string][]string{}
	for _, grp := range groups {
		for _, n := range grp {
			for _, other := range groups {
				if slices.Equal(other, grp) {
					continue
				}
				g[n] = append(g[n], other...)
			}
		}
	}
	m := edn.NewMap()
	for _, n := range r.Nodes {
		set := edn.Set{}
		for _, d := range g[n] {
			set = append(set, d)
		}
		m.Set(n, set)
	}
	r.Op(ms, history.Nemesis, history.Info, "start-partition", edn.Keyword("majority"))
	r.Op(ms+0.01, history.Nemesis, history.Info, "start-partition", []any{edn.Keyword("isolated"), m})
	if healed >= 0 {
		r.Op(healed, history.Nemesis, history.Info, "stop-partition", nil)
		r.Op(healed+0.01, history.Nemesis, history.Info, "stop-partition", edn.Keyword("network-healed"))
	}
}

// Kill records the nemesis killing nodes at ms and restarting them at
// restarted ms (negative: never), as the runner records --nemesis kill: a
// kill op with the target, then one mapping each node to :killed, and
// later a start with :all, then one mapping each to :started.
func (r *Run) Kill(ms, restarted float64, nodes ...string) {
	r.process(ms, restarted, "kill", "killed", "start", "started", nodes)
}

// Pause records the nemesis pausing nodes at ms and resuming them at
// resumed ms (negative: never), as the runner records --nemesis pause.
// Pausing does not hold the journal's deliveries: the caller journals
// them when they happened.
func (r *Run) Pause(ms, resumed float64, nodes ...string) {
	r.process(ms, resumed, "pause", "paused", "resume", "resumed", nodes)
}

func (r *Run) process(ms, undone float64, f, done, undo, undoneAs string, nodes []string) {
	m, back := edn.NewMap(), edn.NewMap()
	for _, n := range nodes {
		m.Set(n, edn.Keyword(done))
		back.Set(n, edn.Keyword(undoneAs))
	}
	r.Op(ms, history.Nemesis, history.Info, f, edn.Keyword("one"))
	r.Op(ms+0.01, history.Nemesis, history.Info, f, m)
	if undone >= 0 {
		r.Op(undone-0.01, history.Nemesis, history.Info, undo, edn.Keyword("all"))
		r.Op(undone, history.Nemesis, history.Info, undo, back)
	}
}

// History is the ops in time order, indexed.
func (r *Run) History() []history.Op {
	ops := slices.Clone(r.ops)
	slices.SortStableFunc(ops, func(a, b history.Op) int { return cmpInt(a.Time, b.Time) })
	for i := range ops {
		ops[i].Index = i
	}
	return ops
}

// Journal is the events in time order, numbered.
func (r *Run) Journal() []netsim.Event {
	evs := slices.Clone(r.events)
	slices.SortStableFunc(evs, func(a, b netsim.Event) int { return cmpInt(a.Time, b.Time) })
	for i := range evs {
		evs[i].Seq = int64(i)
	}
	return evs
}

// Index indexes the run.
func (r *Run) Index() *trace.Index {
	return trace.New(r.History(), r.Journal(), trace.Options{
		Cluster: trace.Cluster{Nodes: r.Nodes, Concurrency: r.Concurrency},
		Crashes: r.Crashes,
	})
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
