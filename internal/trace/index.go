// Package trace indexes a finished run for the explainers: its history and
// its network journal, once, so that an explainer can ask what became of a
// message (delivered, dropped by the partition active then, sent to a
// crashed node, still in flight at the end), which messages a node sent and
// received, which request and reply carried an operation, which node served
// it, and which messages carried a value.
//
// Building the index reads every journal event once without decoding any
// body; what only some explanations need (requests by node, values carried)
// is computed on first use. An Index is not safe for concurrent use.
package trace

import (
	"math"
	"slices"

	"github.com/eddy-workbench/eddy/internal/history"
	"github.com/eddy-workbench/eddy/internal/netsim"
)

// Cluster is the shape of a run as an explainer needs it: the nodes in
// order and the number of worker threads. Worker thread t always talks to
// node Nodes[t mod len(Nodes)], and process p is thread p mod Concurrency
// (a thread takes process p + Concurrency after an indeterminate op).
type Cluster struct {
	Nodes       []string
	Concurrency int
}

// Options are what the index needs beyond the history and the journal.
type Options struct {
	Cluster Cluster
	// Crashes are the nodes that crashed during the run, and when
	// (nanoseconds since the run began).
	Crashes map[string]int64
}

// Msg is one message of the journal.
type Msg struct {
	ID        int64
	Src, Dest string
	Body      []byte
	// Sent and Recv are the times of its send and delivery (nanoseconds
	// since the run began); Recv is -1 when the journal has no delivery.
	Sent, Recv int64
}

// Delivered reports whether the message was delivered.
func (m *Msg) Delivered() bool { return m.Recv >= 0 }

// Index is a run's history and journal, indexed.
type Index struct {
	ops []history.Op
	opt Options

	msgs   []Msg
	byID   []int32            // message id → position in msgs + 1; 0 if not journaled
	sparse map[int64]int32    // the same, for ids too sparse for a slice
	bySrc  map[string][]int32 // sender → its messages, in send order
	byDest map[string][]int32 // destination → messages to it, in send order
	end    int64              // the time of the last event or op

	comp []int32 // op position → position of its completion, or -1
	inv  []int32 // op position → position of its invocation, or -1
	pos  map[int]int32

	parts []Partition

	// Computed on first use.
	reqs     map[string][]int32 // node → client requests to it, by send time
	allReqs  []int32            // every client request, by send time
	procOps  map[int][]int32    // process → positions of its invocations
	clientOf map[int]string     // process → its client, "" if unknown
}

// New indexes a run's history and journal.
func New(ops []history.Op, journal []netsim.Event, opt Options) *Index {
	x := &Index{ops: ops, opt: opt, bySrc: map[string][]int32{}, byDest: map[string][]int32{}}
	var maxID int64 = -1
	sends := 0
	for i := range journal {
		if journal[i].Kind == netsim.Send {
			sends++
			maxID = max(maxID, journal[i].Msg.ID)
		}
	}
	x.msgs = make([]Msg, 0, sends)
	if maxID >= 0 && maxID < int64(4*sends+1024) {
		x.byID = make([]int32, maxID+1)
	}
	var sparse map[int64]int32 // ids too sparse for a slice (a hand-made journal)
	if x.byID == nil {
		sparse = map[int64]int32{}
	}
	for i := range journal {
		ev := &journal[i]
		x.end = max(x.end, ev.Time)
		if ev.Kind == netsim.Send {
			p := int32(len(x.msgs))
			x.msgs = append(x.msgs, Msg{ID: ev.Msg.ID, Src: ev.Msg.Src, Dest: ev.Msg.Dest, Body: ev.Msg.Body, Sent: ev.Time, Recv: -1})
			if sparse != nil {
				sparse[ev.Msg.ID] = p + 1
			} else if ev.Msg.ID >= 0 {
				x.byID[ev.Msg.ID] = p + 1
			}
			x.bySrc[ev.Msg.Src] = append(x.bySrc[ev.Msg.Src], p)
			x.byDest[ev.Msg.Dest] = append(x.byDest[ev.Msg.Dest], p)
			continue
		}
		var p int32
		if sparse != nil {
			p = sparse[ev.Msg.ID]
		} else if ev.Msg.ID >= 0 && ev.Msg.ID < int64(len(x.byID)) {
			p = x.byID[ev.Msg.ID]
		}
		if p > 0 && x.msgs[p-1].Recv < 0 {
			x.msgs[p-1].Recv = ev.Time
		}
	}
	if sparse != nil {
		x.byID = nil
		x.sparse = sparse
	}
	x.indexOps()
	x.parts = partitions(ops, opt.Cluster.Nodes)
	return x
}

// indexOps pairs every client invocation with its completion.
func (x *Index) indexOps() {
	n := len(x.ops)
	x.comp, x.inv = make([]int32, n), make([]int32, n)
	x.pos = make(map[int]int32, n)
	open := map[int]int32{}
	for i, op := range x.ops {
		x.comp[i], x.inv[i] = -1, -1
		x.pos[op.Index] = int32(i)
		x.end = max(x.end, op.Time)
		if !op.IsClient() {
			continue
		}
		if op.Type == history.Invoke {
			open[op.Process] = int32(i)
			continue
		}
		if j, ok := open[op.Process]; ok {
			x.comp[j], x.inv[i] = int32(i), j
			delete(open, op.Process)
		}
	}
}

// Ops is the history, as given.
func (x *Index) Ops() []history.Op { return x.ops }

// Op is the op at position p of the history.
func (x *Index) Op(p int) *history.Op { return &x.ops[p] }

// Position is the position in the history of the op with index i, or -1.
func (x *Index) Position(index int) int {
	if p, ok := x.pos[index]; ok {
		return int(p)
	}
	return -1
}

// Completion is the position of the completion of the invocation at
// position p, or -1 if it never completed (or p is not an invocation).
func (x *Index) Completion(p int) int { return int(x.comp[p]) }

// Invocation is the position of the invocation that the completion at
// position p completes, or -1.
func (x *Index) Invocation(p int) int { return int(x.inv[p]) }

// End is the time of the last journal event or op: when the run ended, as
// far as the evidence shows.
func (x *Index) End() int64 { return x.end }

// Cluster is the run's shape, as given.
func (x *Index) Cluster() Cluster { return x.opt.Cluster }

// Msgs are every journaled message, in send order; positions in it are
// what the other methods return.
func (x *Index) Msgs() []Msg { return x.msgs }

// Msg is the message at position p.
func (x *Index) Msg(p int32) *Msg { return &x.msgs[p] }

// ByID is the position of the message with journal id id, or -1.
func (x *Index) ByID(id int64) int32 {
	if x.sparse != nil {
		return x.sparse[id] - 1
	}
	if id < 0 || id >= int64(len(x.byID)) {
		return -1
	}
	return x.byID[id] - 1
}

// From is the positions of the messages src sent, in send order.
func (x *Index) From(src string) []int32 { return x.bySrc[src] }

// To is the positions of the messages sent to dest, delivered or not, in
// send order.
func (x *Index) To(dest string) []int32 { return x.byDest[dest] }

// NodeOf is the node process p's worker talks to, or "" when the cluster
// is unknown or p is not a client process.
func (x *Index) NodeOf(p int) string {
	c := x.opt.Cluster
	if len(c.Nodes) == 0 || c.Concurrency <= 0 || p < 0 {
		return ""
	}
	return c.Nodes[(p%c.Concurrency)%len(c.Nodes)]
}

// Crashed is when node crashed, and whether it did.
func (x *Index) Crashed(node string) (int64, bool) {
	t, ok := x.opt.Crashes[node]
	return t, ok
}

// never is a time after every other.
const never = math.MaxInt64

// requests are the positions of client requests (client to non-client),
// by send time; to node, or every one when node is "".
func (x *Index) requests(node string) []int32 {
	if x.reqs == nil {
		x.reqs = map[string][]int32{}
		for p := range x.msgs {
			m := &x.msgs[p]
			if netsim.IsClient(m.Src) && !netsim.IsClient(m.Dest) {
				x.reqs[m.Dest] = append(x.reqs[m.Dest], int32(p))
				x.allReqs = append(x.allReqs, int32(p))
			}
		}
		bySent := func(a, b int32) int {
			ta, tb := x.msgs[a].Sent, x.msgs[b].Sent
			switch {
			case ta < tb:
				return -1
			case ta > tb:
				return 1
			}
			return int(a - b)
		}
		for _, rs := range x.reqs {
			slices.SortFunc(rs, bySent)
		}
		slices.SortFunc(x.allReqs, bySent)
	}
	if node == "" {
		return x.allReqs
	}
	return x.reqs[node]
}

// window is the span of the op invoked at position p: its invocation and
// completion times (the end of the run if it never completed).
func (x *Index) window(p int) (int64, int64) {
	t1 := int64(never)
	if c := x.comp[p]; c >= 0 {
		t1 = x.ops[c].Time
	}
	return x.ops[p].Time, t1
}

// candidates are the requests to node sent within [t0, t1].
func (x *Index) candidates(node string, t0, t1 int64) []int32 {
	rs := x.requests(node)
	i, _ := slices.BinarySearchFunc(rs, t0, func(p int32, t int64) int {
		switch s := x.msgs[p].Sent; {
		case s < t:
			return -1
		case s > t:
			return 1
		}
		return 0
	})
	for i > 0 && x.msgs[rs[i-1]].Sent >= t0 {
		i--
	}
	j := i
	for j < len(rs) && x.msgs[rs[j]].Sent <= t1 {
		j++
	}
	return rs[i:j]
}

// ClientOf is the client (c4, …) through which process p performed its
// operations, found by matching its operations' spans against the
// requests to its node; "" if none fits.
func (x *Index) ClientOf(p int) string {
	if c, ok := x.clientOf[p]; ok {
		return c
	}
	if x.procOps == nil {
		x.procOps = map[int][]int32{}
		x.clientOf = map[int]string{}
		for i, op := range x.ops {
			if op.IsClient() && op.Type == history.Invoke {
				x.procOps[op.Process] = append(x.procOps[op.Process], int32(i))
			}
		}
	}
	// Vote over the process's first few operations: each counts the
	// clients that sent a request of its type within its span.
	votes := map[string]int{}
	first := map[string]int64{}
	node := x.NodeOf(p)
	for k, i := range x.procOps[p] {
		if k == 8 {
			break
		}
		t0, t1 := x.window(int(i))
		seen := map[string]bool{}
		for _, r := range x.candidates(node, t0, t1) {
			m := &x.msgs[r]
			if seen[m.Src] || Type(m.Body) != x.ops[i].F && len(x.procOps[p]) > 1 {
				continue
			}
			seen[m.Src] = true
			votes[m.Src]++
			if _, ok := first[m.Src]; !ok {
				first[m.Src] = m.Sent
			}
		}
	}
	best := ""
	for c, v := range votes {
		if best == "" || v > votes[best] || v == votes[best] && first[c] < first[best] {
			best = c
		}
	}
	x.clientOf[p] = best
	return best
}

// Exchange is the positions of the request and the reply that carried the
// op invoked at position p (an invocation's or its completion's position),
// each -1 when the journal has none.
func (x *Index) Exchange(p int) (req, reply int32) {
	req, reply = -1, -1
	if x.ops[p].Type != history.Invoke {
		if p = int(x.inv[p]); p < 0 {
			return
		}
	}
	op := &x.ops[p]
	client := x.ClientOf(op.Process)
	if client == "" {
		return
	}
	t0, t1 := x.window(p)
	node := x.NodeOf(op.Process)
	for _, r := range x.candidates(node, t0, t1) {
		m := &x.msgs[r]
		if m.Src != client {
			continue
		}
		if req < 0 || Type(m.Body) == op.F && Type(x.msgs[req].Body) != op.F {
			req = r
		}
	}
	if req < 0 {
		return
	}
	id, ok := Int(x.msgs[req].Body, "msg_id")
	if !ok {
		return
	}
	for _, r := range x.byDest[client] {
		m := &x.msgs[r]
		if m.Sent < x.msgs[req].Sent {
			continue
		}
		if n, ok := Int(m.Body, "in_reply_to"); ok && n == id && m.Src == x.msgs[req].Dest {
			reply = r
			break
		}
	}
	return req, reply
}

// Server is the node that served the op at position p: the destination of
// its request, else the node of its process.
func (x *Index) Server(p int) string {
	if req, _ := x.Exchange(p); req >= 0 {
		return x.msgs[req].Dest
	}
	return x.NodeOf(x.ops[p].Process)
}

// ServedAt is when the node got the request of the op at position p (its
// invocation or completion): the request's delivery, else the invocation.
func (x *Index) ServedAt(p int) int64 {
	if req, _ := x.Exchange(p); req >= 0 && x.msgs[req].Recv >= 0 {
		return x.msgs[req].Recv
	}
	if x.ops[p].Type != history.Invoke {
		if i := x.inv[p]; i >= 0 {
			return x.ops[i].Time
		}
	}
	return x.ops[p].Time
}
