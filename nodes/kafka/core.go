package main

import (
	"encoding/json"
	"maps"
	"slices"
	"time"

	"github.com/eddy-workbench/eddy/nodekit"
)

// Defaults for Options fields left zero, and limits.
const (
	DefaultInterval  = 20 * time.Millisecond
	DefaultPollLimit = 100
	// syncOverhead is the JSON of a sync body without items, its numbers
	// at their longest.
	syncOverhead = len(`{"type":"sync","seq":-9223372036854775808,"items":[],"ack":-9223372036854775808}`)
	// pollOverhead is the JSON of a poll_ok body without entries.
	pollOverhead = len(`{"type":"poll_ok","in_reply_to":-9223372036854775808,"msgs":{}}`)
	// resendRounds is the default resend timeout in intervals.
	resendRounds = 5
	// maxBackoff is the longest resend wait, in multiples of Resend.
	maxBackoff = 8
	// maxEarly bounds how many items a Core holds per peer that arrived
	// ahead of a gap in that peer's stream; more are dropped and come again.
	maxEarly = 1 << 16
)

// Options configures a Core.
type Options struct {
	// Interval is how often the caller calls Tick (T); zero means
	// DefaultInterval.
	Interval time.Duration
	// Resend is how long a sync may stay unacknowledged before what it
	// carried is sent again; zero means 5 intervals. While a peer stays
	// silent the wait doubles at each resend, up to 8 times Resend, so a
	// long partition does not fill the network with copies.
	Resend time.Duration
	// PollLimit bounds the entries a poll returns per key; zero means
	// DefaultPollLimit.
	PollLimit int
	// PollBytes bounds the JSON of a poll_ok body; zero means
	// nodekit.DefaultMaxBody.
	PollBytes int
	// MaxBytes bounds the JSON of a sync body; zero means
	// nodekit.DefaultMaxBody, which keeps its line well under the 64 KiB a
	// node built on the Maelstrom library can read. A single item larger
	// than that would still go alone: the caller bounds keys and messages.
	MaxBytes int
}

func (o Options) withDefaults() Options {
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	if o.Resend <= 0 {
		o.Resend = resendRounds * o.Interval
	}
	if o.PollLimit <= 0 {
		o.PollLimit = DefaultPollLimit
	}
	if o.PollBytes <= 0 {
		o.PollBytes = nodekit.DefaultMaxBody
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = nodekit.DefaultMaxBody
	}
	return o
}

// Kind tells what an Item carries.
type Kind string

// The kinds of Item.
const (
	// KindEntry: the sender appended Msg at offset Off of Key.
	KindEntry Kind = "e"
	// KindFrontier: the sender will never allocate at or below Off in Key.
	KindFrontier Kind = "f"
	// KindCommit: a client committed offset Off of Key at the sender.
	KindCommit Kind = "c"
)

// Item is one element of a node's replication stream. Every node numbers
// the items it originates 1, 2, 3, …; each peer applies them strictly in
// that order, so a promise is never applied before the entries it covers.
type Item struct {
	Kind Kind            `json:"t"`
	Key  string          `json:"k"`
	Off  int64           `json:"o"`
	Msg  json.RawMessage `json:"m,omitempty"`
}

// SyncBody is the only node-to-node message, sent fire-and-forget: the
// items of the sender's stream numbered Seq, Seq+1, …, and Ack, the highest
// number up to which the sender has applied every item of the receiver's
// stream. A sync without items only acknowledges.
type SyncBody struct {
	Type  string `json:"type"`
	Seq   int64  `json:"seq,omitempty"`
	Items []Item `json:"items,omitempty"`
	Ack   int64  `json:"ack"`
}

// Out is a sync to send to Dest.
type Out struct {
	Dest string
	Body SyncBody
}

// keyState is what a Core keeps per key.
type keyState struct {
	log *Log
	// reported is this node's frontier as its stream has conveyed it so
	// far, either by a frontier item or implied by its latest own entry.
	reported  int64
	committed int64
	hasCommit bool
	// Set while the key waits in Core.dirty: the frontier may have risen
	// through other nodes' entries; a client committed here.
	frontierDirty, commitDirty bool
}

// queued is an item of this node's stream with the size of its JSON.
type queued struct {
	item Item
	size int
}

// flight is a sync sent to a peer whose items end at high, sent at at.
type flight struct {
	high int64
	at   time.Time
}

// peer is what a Core keeps about another node.
type peer struct {
	id  string
	idx int // position in the sorted node list

	// Outgoing: this node's stream items up to sent have been sent, up to
	// acked are confirmed. flights are the syncs sent and not yet covered
	// by acked, oldest first.
	sent, acked int64
	flights     []flight
	// wait is the current resend timeout; zero means Resend.
	wait time.Duration

	// Incoming: the peer's items up to applied are applied; early holds
	// items that arrived past a gap. ackOwed is set when items came since
	// the last sync to the peer.
	applied int64
	early   map[int64]Item
	ackOwed bool
}

// Core is one node's kafka state and decisions: the logs, what each node
// has promised, committed offsets, and the replication streams. It has no
// goroutines, clock or I/O: the caller passes the time in, sends the Outs
// it gets back, and serialises calls.
type Core struct {
	self  string
	nodes []string // every node, self included, sorted
	pos   int      // index of self in nodes
	opt   Options
	keys  map[string]*keyState
	// dirty lists the keys with frontierDirty or commitDirty set, in the
	// order they became so.
	dirty []string

	// stream holds this node's items that some peer has not acknowledged;
	// stream[i] is item number base+1+i.
	stream []queued
	base   int64

	peers []*peer // sorted by id
	byID  map[string]*peer
}

// NewCore returns the state of node self among nodes (self is added to
// nodes if missing).
func NewCore(self string, nodes []string, opt Options) *Core {
	all := slices.Clone(nodes)
	if !slices.Contains(all, self) {
		all = append(all, self)
	}
	slices.Sort(all)
	all = slices.Compact(all)
	c := &Core{self: self, nodes: all, opt: opt.withDefaults(), keys: map[string]*keyState{}, byID: map[string]*peer{}}
	for i, id := range all {
		if id == self {
			c.pos = i
			continue
		}
		p := &peer{id: id, idx: i, early: map[int64]Item{}}
		c.peers = append(c.peers, p)
		c.byID[id] = p
	}
	return c
}

// key returns the state of k, creating it.
func (c *Core) key(k string) *keyState {
	ks := c.keys[k]
	if ks == nil {
		ks = &keyState{log: NewLog(c.pos, len(c.nodes)), reported: int64(c.pos) - 1}
		c.keys[k] = ks
	}
	return ks
}

// Send appends a client's message to key k and returns its offset.
func (c *Core) Send(k string, msg json.RawMessage) int64 {
	ks := c.key(k)
	off := ks.log.Append(msg)
	// The entry itself tells the peers this node's new frontier.
	ks.reported = max(ks.reported, off+int64(len(c.nodes))-1)
	c.enqueue(Item{Kind: KindEntry, Key: k, Off: off, Msg: msg})
	return off
}

// Poll returns, for each key in offsets, the final entries from the given
// offset on, at most PollLimit of them; keys with none are left out. The
// whole poll_ok stays within PollBytes: keys are taken in order, and once
// an entry does not fit the poll ends there (the client polls again for
// the rest).
func (c *Core) Poll(offsets map[string]int64) map[string][]Entry {
	out := map[string][]Entry{}
	b := nodekit.NewBudget(c.opt.PollBytes, pollOverhead)
	for _, k := range slices.Sorted(maps.Keys(offsets)) {
		ks := c.keys[k]
		if ks == nil {
			continue
		}
		es := ks.log.Read(offsets[k], c.opt.PollLimit)
		if len(es) == 0 {
			continue
		}
		// "k":[…]: the key, a colon and brackets; Add counts a comma before
		// the key and before each entry, one more than there are.
		if !b.Add(jsonStringLen(k) + 3) {
			break
		}
		n := 0
		for n < len(es) && b.Add(es[n].jsonLen()) {
			n++
		}
		if n > 0 {
			out[k] = es[:n]
		}
		if n < len(es) {
			break
		}
	}
	return out
}

// jsonStringLen is the length of s encoded as a JSON string.
func jsonStringLen(s string) int {
	b, _ := json.Marshal(s)
	return len(b)
}

// Commit raises the committed offsets of the given keys (never lowers).
func (c *Core) Commit(offsets map[string]int64) {
	for k, off := range offsets {
		ks := c.key(k)
		if c.raiseCommit(ks, off) {
			c.markDirty(k, ks, false, true)
		}
	}
}

// Committed returns the committed offsets of those keys that have one.
func (c *Core) Committed(keys []string) map[string]int64 {
	out := map[string]int64{}
	for _, k := range keys {
		if ks := c.keys[k]; ks != nil && ks.hasCommit {
			out[k] = ks.committed
		}
	}
	return out
}

func (c *Core) raiseCommit(ks *keyState, off int64) bool {
	if ks.hasCommit && off <= ks.committed {
		return false
	}
	ks.committed, ks.hasCommit = off, true
	return true
}

// markDirty records that k's frontier may have risen or that a client
// committed here, and queues k for the next Tick unless it is queued.
func (c *Core) markDirty(k string, ks *keyState, frontier, commit bool) {
	if !ks.frontierDirty && !ks.commitDirty {
		c.dirty = append(c.dirty, k)
	}
	ks.frontierDirty = ks.frontierDirty || frontier
	ks.commitDirty = ks.commitDirty || commit
}

// enqueue appends an item to this node's stream, if anyone will read it.
func (c *Core) enqueue(it Item) {
	if len(c.peers) == 0 {
		return
	}
	b, _ := json.Marshal(it) // cannot fail: msg was validated JSON
	c.stream = append(c.stream, queued{item: it, size: len(b)})
}

// top is the number of the last item of this node's stream.
func (c *Core) top() int64 { return c.base + int64(len(c.stream)) }

// Receive applies a sync from another node. Replies wait for Tick.
func (c *Core) Receive(from string, b SyncBody) {
	p := c.byID[from]
	if p == nil {
		return
	}
	if ack := min(b.Ack, c.top()); ack > p.acked {
		p.acked = ack
		p.sent = max(p.sent, ack)
		p.wait = 0
	}
	if len(b.Items) == 0 {
		return
	}
	p.ackOwed = true
	for i, it := range b.Items {
		seq := b.Seq + int64(i)
		switch {
		case seq <= p.applied:
			// A duplicate.
		case seq == p.applied+1:
			delete(p.early, seq)
			c.apply(p, it)
			p.applied = seq
		case len(p.early) < maxEarly:
			p.early[seq] = it
		}
	}
	for {
		it, ok := p.early[p.applied+1]
		if !ok {
			break
		}
		delete(p.early, p.applied+1)
		c.apply(p, it)
		p.applied++
	}
}

// apply applies one item of p's stream, in stream order.
func (c *Core) apply(p *peer, it Item) {
	switch it.Kind {
	case KindEntry:
		if it.Off < 0 {
			return
		}
		ks := c.key(it.Key)
		before := ks.log.Frontier()
		ks.log.AddFrom(p.idx, Entry{Off: it.Off, Msg: it.Msg})
		if ks.log.Frontier() > before {
			c.markDirty(it.Key, ks, true, false)
		}
	case KindFrontier:
		c.key(it.Key).log.Promise(p.idx, it.Off)
	case KindCommit:
		c.raiseCommit(c.key(it.Key), it.Off)
	}
}

// Tick returns the syncs due: to each peer, the items of this node's stream
// it has not been sent (or all it has not acknowledged, once the oldest
// unacknowledged sync is overdue), and an acknowledgement if one is
// owed. A peer with nothing new gets nothing.
func (c *Core) Tick(now time.Time) []Out {
	c.flushDirty()
	c.trim()
	top := c.top()
	var outs []Out
	for _, p := range c.peers {
		i := 0
		for i < len(p.flights) && p.flights[i].high <= p.acked {
			i++
		}
		p.flights = p.flights[i:]
		if p.wait == 0 {
			p.wait = c.opt.Resend
		}
		if len(p.flights) > 0 && now.Sub(p.flights[0].at) >= p.wait {
			p.sent, p.flights = p.acked, nil
			p.wait = min(2*p.wait, maxBackoff*c.opt.Resend)
		}
		if p.sent < top || p.ackOwed {
			outs = c.compose(p, top, now, outs)
		}
	}
	return outs
}

// flushDirty turns the dirty keys into stream items: a frontier item where
// this node's frontier rose beyond what the stream conveyed, a commit item
// where a client committed here.
func (c *Core) flushDirty() {
	for _, k := range c.dirty {
		ks := c.keys[k]
		if ks.frontierDirty {
			ks.frontierDirty = false
			if f := ks.log.Frontier(); f > ks.reported {
				ks.reported = f
				c.enqueue(Item{Kind: KindFrontier, Key: k, Off: f})
			}
		}
		if ks.commitDirty {
			ks.commitDirty = false
			c.enqueue(Item{Kind: KindCommit, Key: k, Off: ks.committed})
		}
	}
	c.dirty = c.dirty[:0]
}

// trim drops the items every peer has acknowledged.
func (c *Core) trim() {
	low := c.top()
	for _, p := range c.peers {
		low = min(low, p.acked)
	}
	if k := low - c.base; k > 0 {
		c.stream = append([]queued(nil), c.stream[k:]...)
		c.base = low
	}
}

// compose appends to outs the syncs carrying p's items after p.sent up to
// top, each within MaxBytes, or one bare acknowledgement.
func (c *Core) compose(p *peer, top int64, now time.Time, outs []Out) []Out {
	p.ackOwed = false
	if p.sent >= top {
		return append(outs, Out{Dest: p.id, Body: SyncBody{Type: "sync", Ack: p.applied}})
	}
	for p.sent < top {
		from := p.sent + 1
		var items []Item
		b := nodekit.NewBudget(c.opt.MaxBytes, syncOverhead)
		for seq := from; seq <= top; seq++ {
			q := c.stream[seq-c.base-1]
			if !b.Add(q.size) {
				if len(items) == 0 {
					items = append(items, q.item) // too large even alone: see MaxBytes
				}
				break
			}
			items = append(items, q.item)
		}
		p.sent = from + int64(len(items)) - 1
		p.flights = append(p.flights, flight{high: p.sent, at: now})
		outs = append(outs, Out{Dest: p.id, Body: SyncBody{Type: "sync", Seq: from, Items: items, Ack: p.applied}})
	}
	return outs
}
