// Package trace indexes a finished run for the explainers: its history and
// its network journal, once, so that an explainer can ask what became of a
// message (delivered, dropped by the partition active then, sent to a
// crashed node, still in flight at the end), which messages a node sent and
// received, which request and reply carried an operation, which node served
// it, which messages carried a value, and when the nemesis killed or paused
// each node and brought it back.
//
// Building the index reads every journal event once without decoding any
// body; what only some explanations need (requests by node, values carried)
// is computed on first use. An Index is not safe for concurrent use.
package trace

import (
	"math"
	"slices"
	"sort"
	"time"

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

// msgRec is a message as the index keeps it: where its send is in the
// journal, and when it was delivered (-1 if it was not).
type msgRec struct {
	ev   int32
	recv int64
	drop int64 // when the network dropped it because its destination was down; -1 if it did not
}

// ev is the send event of the message at position p.
func (x *Index) ev(p int32) *netsim.Event { return &x.journal[x.msgs[p].ev] }

// sentAt is when the message at position p was sent.
func (x *Index) sentAt(p int32) int64 { return x.journal[x.msgs[p].ev].Time }

// Ends are the sender and the receiver of the message at position p
// (cheaper than Msg, for loops over many).
func (x *Index) Ends(p int32) (src, dest string) {
	e := x.ev(p)
	return e.Msg.Src, e.Msg.Dest
}

// Body is the body of the message at position p.
func (x *Index) Body(p int32) []byte { return x.ev(p).Msg.Body }

// Sent is when the message at position p was sent.
func (x *Index) Sent(p int32) int64 { return x.sentAt(p) }

// msgp is the message at position p.
func (x *Index) msgp(p int32) *Msg {
	e := x.ev(p)
	return &Msg{ID: e.Msg.ID, Src: e.Msg.Src, Dest: e.Msg.Dest, Body: e.Msg.Body, Sent: e.Time, Recv: x.msgs[p].recv}
}

// Index is a run's history and journal, indexed.
type Index struct {
	ops []history.Op
	opt Options

	journal []netsim.Event
	msgs    []msgRec
	byID    []int32            // message id → position in msgs + 1; 0 if not journaled
	sparse  map[int64]int32    // the same, for ids too sparse for a slice
	bySrc   map[string][]int32 // sender → its messages, in send order
	byDest  map[string][]int32 // destination → messages to it, in send order
	end     int64              // the time of the last event or op

	comp []int32 // op position → position of its completion, or -1
	inv  []int32 // op position → position of its invocation, or -1
	pos  map[int]int32

	parts  []Partition
	faults []Fault

	// Computed on first use.
	procOps  map[int][]int32 // process → positions of its invocations
	clientOf map[int]string  // process → its client, "" if unknown
}

// New indexes a run's history and journal.
func New(ops []history.Op, journal []netsim.Event, opt Options) *Index {
	x := &Index{ops: ops, opt: opt, journal: journal, bySrc: map[string][]int32{}, byDest: map[string][]int32{}}
	var maxID int64 = -1
	sends := 0
	for i := range journal {
		if journal[i].Kind == netsim.Send {
			sends++
			maxID = max(maxID, journal[i].Msg.ID)
		}
	}
	x.msgs = make([]msgRec, 0, sends)
	if maxID >= 0 && maxID < int64(4*sends+1024) {
		x.byID = make([]int32, maxID+1)
	}
	var sparse map[int64]int32 // ids too sparse for a slice (a hand-made journal)
	if x.byID == nil {
		sparse = map[int64]int32{}
	}
	// Ends are looked up by name once per run of events with the same
	// name (a node sending to all its peers sends many in a row).
	var lastSrc, lastDest string
	var srcList, destList *[]int32
	srcLists, destLists := map[string]*[]int32{}, map[string]*[]int32{}
	for i := range journal {
		ev := &journal[i]
		x.end = max(x.end, ev.Time)
		if ev.Kind == netsim.Send {
			p := int32(len(x.msgs))
			x.msgs = append(x.msgs, msgRec{ev: int32(i), recv: -1, drop: -1})
			if sparse != nil {
				sparse[ev.Msg.ID] = p + 1
			} else if ev.Msg.ID >= 0 {
				x.byID[ev.Msg.ID] = p + 1
			}
			if srcList == nil || ev.Msg.Src != lastSrc {
				lastSrc = ev.Msg.Src
				if srcList = srcLists[lastSrc]; srcList == nil {
					srcList = new([]int32)
					srcLists[lastSrc] = srcList
				}
			}
			if destList == nil || ev.Msg.Dest != lastDest {
				lastDest = ev.Msg.Dest
				if destList = destLists[lastDest]; destList == nil {
					destList = new([]int32)
					destLists[lastDest] = destList
				}
			}
			*srcList = append(*srcList, p)
			*destList = append(*destList, p)
			continue
		}
		var p int32
		if sparse != nil {
			p = sparse[ev.Msg.ID]
		} else if ev.Msg.ID >= 0 && ev.Msg.ID < int64(len(x.byID)) {
			p = x.byID[ev.Msg.ID]
		}
		switch {
		case p == 0:
		case ev.Kind == netsim.Drop:
			// The nemesis had killed its destination (netsim.FateCrashed).
			if x.msgs[p-1].drop < 0 {
				x.msgs[p-1].drop = ev.Time
			}
		case x.msgs[p-1].recv < 0:
			x.msgs[p-1].recv = ev.Time
		}
	}
	for name, l := range srcLists {
		x.bySrc[name] = *l
	}
	for name, l := range destLists {
		x.byDest[name] = *l
	}
	if sparse != nil {
		x.byID = nil
		x.sparse = sparse
	}
	x.indexOps()
	x.parts = partitions(ops, opt.Cluster.Nodes)
	x.faults = faultsOf(ops, x.end)
	x.downEarlier()
	return x
}

// indexOps pairs every client invocation with its completion.
func (x *Index) indexOps() {
	n := len(x.ops)
	x.comp, x.inv = make([]int32, n), make([]int32, n)
	for i, op := range x.ops {
		if op.Index != i { // not numbered by position: look indices up
			x.pos = make(map[int]int32, n)
			for j, o := range x.ops {
				x.pos[o.Index] = int32(j)
			}
			break
		}
	}
	maxProc := 0
	for _, op := range x.ops {
		maxProc = max(maxProc, op.Process)
	}
	// The open invocation of each process, by process number + 1 (0: none);
	// a map if the numbers are too large for a slice.
	var openSlice []int32
	var openMap map[int]int32
	if maxProc < 1<<20 {
		openSlice = make([]int32, maxProc+1)
	} else {
		openMap = map[int]int32{}
	}
	for i, op := range x.ops {
		x.comp[i], x.inv[i] = -1, -1
		x.end = max(x.end, op.Time)
		if !op.IsClient() || op.Process < 0 {
			continue
		}
		var j int32
		if openSlice != nil {
			j = openSlice[op.Process]
		} else {
			j = openMap[op.Process]
		}
		if op.Type == history.Invoke {
			j = int32(i) + 1
		} else if j > 0 {
			x.comp[j-1], x.inv[i] = int32(i), j-1
			j = 0
		}
		if openSlice != nil {
			openSlice[op.Process] = j
		} else {
			openMap[op.Process] = j
		}
	}
}

// Ops is the history, as given.
func (x *Index) Ops() []history.Op { return x.ops }

// Op is the op at position p of the history.
func (x *Index) Op(p int) *history.Op { return &x.ops[p] }

// Position is the position in the history of the op with index i, or -1.
func (x *Index) Position(index int) int {
	if x.pos == nil {
		if index >= 0 && index < len(x.ops) {
			return index
		}
		return -1
	}
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

// Len is the number of journaled messages; positions 0 … Len()-1 are
// what the other methods take and return, in send order.
func (x *Index) Len() int { return len(x.msgs) }

// Msg is the message at position p.
func (x *Index) Msg(p int32) *Msg { return x.msgp(p) }

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

// window is the span of the op invoked at position p: its invocation and
// completion times (the end of the run if it never completed).
func (x *Index) window(p int) (int64, int64) {
	t1 := int64(never)
	if c := x.comp[p]; c >= 0 {
		t1 = x.ops[c].Time
	}
	return x.ops[p].Time, t1
}

// slack is how far out of time order the journal may be: events are
// numbered as they are recorded, a moment after their time is read.
const slack = int64(time.Millisecond)

// candidates are the client requests to node (to any node, if node is
// "") sent within [t0, t1].
func (x *Index) candidates(node string, t0, t1 int64) []int32 {
	var in []int32
	if node != "" {
		in = x.byDest[node]
	}
	at := func(i int) int64 {
		if node == "" {
			return x.sentAt(int32(i))
		}
		return x.sentAt(in[i])
	}
	n := len(in)
	if node == "" {
		n = len(x.msgs)
	}
	i := sort.Search(n, func(i int) bool { return at(i) >= t0-slack })
	var out []int32
	for ; i < n; i++ {
		t := at(i)
		if t > t1+slack {
			break
		}
		p := int32(i)
		if node != "" {
			p = in[i]
		}
		if src, dest := x.Ends(p); t >= t0 && t <= t1 && netsim.IsClient(src) && !netsim.IsClient(dest) {
			out = append(out, p)
		}
	}
	return out
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
			m := &x.ev(r).Msg
			if seen[m.Src] || Type(m.Body) != x.ops[i].F && len(x.procOps[p]) > 1 {
				continue
			}
			seen[m.Src] = true
			votes[m.Src]++
			if _, ok := first[m.Src]; !ok {
				first[m.Src] = x.sentAt(r)
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
		m := &x.ev(r).Msg
		if m.Src != client {
			continue
		}
		if req < 0 || Type(m.Body) == op.F && Type(x.ev(req).Msg.Body) != op.F {
			req = r
		}
	}
	if req < 0 {
		return
	}
	id, ok := Int(x.ev(req).Msg.Body, "msg_id")
	if !ok {
		return
	}
	// The reply: the first message from the node to the client, sent
	// after the request, answering its msg_id.
	to := x.byDest[client]
	i, _ := slices.BinarySearch(to, req)
	server := x.ev(req).Msg.Dest
	for _, r := range to[i:] {
		e := x.ev(r)
		if e.Msg.Src != server {
			continue
		}
		if n, ok := Int(e.Msg.Body, "in_reply_to"); ok && n == id {
			reply = r
			break
		}
	}
	return req, reply
}

// Server is the node that served the op at position p: the node of its
// process when the cluster is known, else the destination of its request.
func (x *Index) Server(p int) string {
	if n := x.NodeOf(x.ops[p].Process); n != "" {
		return n
	}
	if req, _ := x.Exchange(p); req >= 0 {
		return x.ev(req).Msg.Dest
	}
	return ""
}

// ServedAt is when the node got the request of the op at position p (its
// invocation or completion): the request's delivery, else the invocation.
func (x *Index) ServedAt(p int) int64 {
	if req, _ := x.Exchange(p); req >= 0 && x.msgs[req].recv >= 0 {
		return x.msgs[req].recv
	}
	if x.ops[p].Type != history.Invoke {
		if i := x.inv[p]; i >= 0 {
			return x.ops[i].Time
		}
	}
	return x.ops[p].Time
}
