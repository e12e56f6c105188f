package main

import (
	"fmt"
	"math/bits"
	"slices"
	"time"

	"github.com/eddy-workbench/eddy/nodekit"
)

// Strategy selects how a Core spreads values.
type Strategy string

// The two strategies; the package comment in main.go compares them.
const (
	// Latency floods every new value straight to every other node and
	// repairs losses with one anti-entropy message per node per round.
	Latency Strategy = "latency"
	// Messages batches values through a hub once per round.
	Messages Strategy = "messages"
)

// Defaults for Options fields left zero.
const (
	DefaultLatencyRound  = time.Second
	DefaultMessagesRound = 1200 * time.Millisecond
	DefaultFlush         = 30 * time.Millisecond
	// MaxHaveBytes bounds the JSON of the "have" field, so that a whole sync
	// body, {"type":"sync","have":…}, stays within the kit's budget for a
	// message to another node (48 KiB), and its line well under the 64 KiB
	// a node built on the Maelstrom library can read.
	MaxHaveBytes = nodekit.DefaultMaxBody - 64
)

// Options configures a Core.
type Options struct {
	Strategy Strategy
	// Round is the length T of a round; zero means the strategy's default.
	Round time.Duration
	// Flush is how long the hub of the messages strategy waits after the
	// first sync of a batch before forwarding (D); zero means DefaultFlush.
	Flush time.Duration
	// MaxBytes bounds the JSON of each outgoing interval list; zero means
	// MaxHaveBytes.
	MaxBytes int
}

func (o Options) withDefaults() Options {
	if o.Strategy == "" {
		o.Strategy = Latency
	}
	if o.Round <= 0 {
		o.Round = DefaultLatencyRound
		if o.Strategy == Messages {
			o.Round = DefaultMessagesRound
		}
	}
	if o.Flush <= 0 {
		o.Flush = DefaultFlush
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = MaxHaveBytes
	}
	return o
}

// The messages a node takes: from clients, broadcast (or add, for g-set)
// and read; from other nodes, sync.
type (
	// BroadcastReq is the body of a broadcast request.
	BroadcastReq struct {
		Message int64 `json:"message" nodekit:"required"`
	}
	// AddReq is the body of a g-set add request.
	AddReq struct {
		Element int64 `json:"element" nodekit:"required"`
	}
	// SyncBody is the only message between nodes, fire-and-forget:
	// intervals of values the sender has. Boot names the sender's current
	// life (it grows at every restart) and Seen the receiver's life as the
	// sender last heard of it; both are left out until a node restarts
	// (see Core.Meet).
	SyncBody struct {
		Type string     `json:"type"`
		Have [][2]int64 `json:"have"`
		Boot int64      `json:"boot,omitempty"`
		Seen int64      `json:"seen,omitempty"`
	}
)

// Out is a sync message to send: {"type":"sync","have":Have} to Dest,
// with Boot and Seen.
type Out struct {
	Dest       string
	Have       [][2]int64
	Boot, Seen int64
}

// peer is what a Core keeps about another node. Every field is an interval
// set or a scalar, so its size does not grow with the number of messages.
type peer struct {
	// known is the union of every interval list received from the peer:
	// values the peer is known to have.
	known Set

	// The fields below serve the messages strategy only.

	// sent and sentAt: the values sent to the peer since sentAt, while some
	// of them are not acknowledged (not in known). They count as on their way
	// for 2T after sentAt; after that they are sent again.
	sent   Set
	sentAt time.Time
	// ackOwed is set when the peer sent something it cannot know we have;
	// the next message to it starts no later than ackFrom, which tells it.
	ackOwed bool
	ackFrom int64

	// Lives (see Core.Meet): the peer's boot as last heard; whether it
	// has heard ours; whether it must hear from us soon (it restarted).
	boot  int64
	heard bool
	owe   bool
}

// Core is one node's broadcast state and decisions: the values it has, what
// each other node is known to have, and when to tell whom what. It has no
// goroutines, clock or I/O: the caller passes the time in, sends the Outs it
// gets back, and serialises calls.
//
// Rounds of length T are aligned to the wall clock (round r covers
// [r·T, (r+1)·T) in Unix time), so nodes sharing a host clock agree on them.
type Core struct {
	self  string
	nodes []string // every node, self included, sorted
	pos   int      // index of self in nodes
	opt   Options
	set   Set
	peers map[string]*peer

	started bool  // a Tick has run
	round   int64 // the round of the last Tick

	// Messages strategy, hub only.
	roundStart time.Time
	forwarded  bool      // a forward ran since roundStart
	flushAt    time.Time // when to forward the syncs that arrived; zero if none

	boot int64 // this life's boot (0: lives are not tracked)
}

// NewCore returns the state of node self among nodes (self is added to
// nodes if missing). It panics on an unknown strategy.
func NewCore(self string, nodes []string, opt Options) *Core {
	opt = opt.withDefaults()
	if opt.Strategy != Latency && opt.Strategy != Messages {
		panic(fmt.Sprintf("broadcast: unknown strategy %q", opt.Strategy))
	}
	all := slices.Clone(nodes)
	if !slices.Contains(all, self) {
		all = append(all, self)
	}
	slices.Sort(all)
	all = slices.Compact(all)
	c := &Core{self: self, nodes: all, opt: opt, peers: map[string]*peer{}}
	for i, id := range all {
		if id == self {
			c.pos = i
			continue
		}
		c.peers[id] = &peer{heard: true}
	}
	return c
}

// Boot starts life number boot (1, 2, … for each start of the process) of
// a node that keeps its state across restarts only in part (its own
// clients' values) and recovers the rest from its peers: every sync then
// carries the boot. After a restart (restarted), no peer knows that this
// node forgot what it had told them: each gets a sync every round until it
// confirms the new life (Meet).
func (c *Core) Boot(boot int64, restarted bool) {
	c.boot = boot
	for _, p := range c.peers {
		p.heard = !restarted
	}
}

// Meet takes the lives a sync from another node names: the sender's boot,
// and ours as it last heard of it (0s from a node that does not track
// lives). A new boot of a peer that had one means it restarted and forgot
// what it did not keep: what it was known to have is forgotten too, so it
// is sent again, and the peer is owed a sync that confirms its new life.
// Call it before Receive.
func (c *Core) Meet(from string, boot, seen int64) {
	p := c.peers[from]
	if p == nil {
		return
	}
	if boot != 0 && boot != p.boot {
		if p.boot != 0 {
			*p = peer{heard: p.heard, owe: true}
		}
		p.boot = boot
	}
	if c.boot != 0 && seen == c.boot {
		p.heard = true
	}
}

// out is a sync to dest with the lives filled in.
func (c *Core) out(dest string, have [][2]int64) Out {
	return Out{Dest: dest, Have: have, Boot: c.boot, Seen: c.peers[dest].boot}
}

// hub is the node every leaf talks to in the messages strategy.
func (c *Core) hub() string { return c.nodes[0] }

func (c *Core) isHub() bool { return c.pos == 0 }

// Has reports whether the node has v.
func (c *Core) Has(v int64) bool { return c.set.Contains(v) }

// Values returns every value the node has, ascending.
func (c *Core) Values() []int64 { return c.set.Values() }

// Broadcast stores a value from a client and returns what to send now.
func (c *Core) Broadcast(v int64, now time.Time) []Out {
	if !c.set.Add(v) || c.opt.Strategy != Latency {
		return nil
	}
	outs := make([]Out, 0, len(c.nodes)-1)
	for _, id := range c.nodes {
		if id != c.self {
			outs = append(outs, c.out(id, [][2]int64{{v, v}}))
		}
	}
	return outs
}

// Restore stores values the node kept from an earlier life, sending
// nothing: the next rounds spread them.
func (c *Core) Restore(vs []int64) {
	for _, v := range vs {
		c.set.Add(v)
	}
}

// Receive takes a sync from another node and returns what to send now
// (always nothing: replies wait for Tick).
func (c *Core) Receive(from string, have [][2]int64, now time.Time) []Out {
	h := FromIntervals(have)
	c.set.Union(h)
	p := c.peers[from]
	if p == nil {
		return nil
	}
	if c.opt.Strategy == Messages {
		c.noteAck(p, h, from, now)
	}
	p.known.Union(h)
	return nil
}

// noteAck records, for the messages strategy, that p sent h and whether a
// message back is owed to tell p we have it.
func (c *Core) noteAck(p *peer, h Set, from string, now time.Time) {
	switch {
	case c.isHub():
		// A leaf keeps sending values until it hears the hub has them. The
		// values the hub sent it lately need no such word; any other value
		// in h does.
		var recent Set
		if now.Sub(p.sentAt) < 2*c.opt.Round {
			recent = p.sent
		}
		if v, ok := h.FirstMissing(recent); ok {
			c.owe(p, v)
		}
		if c.flushAt.IsZero() {
			c.flushAt = now.Add(c.opt.Flush)
		}
	case from == c.hub():
		// A leaf answers every sync from the hub at its next round, so the
		// hub learns what arrived and stops resending it.
		if v, ok := h.FirstMissing(Set{}); ok {
			c.owe(p, v)
		}
	}
}

func (c *Core) owe(p *peer, from int64) {
	if !p.ackOwed || from < p.ackFrom {
		p.ackFrom = from
	}
	p.ackOwed = true
}

// Tick lets time pass and returns what is due. The caller calls it every
// few milliseconds.
func (c *Core) Tick(now time.Time) []Out {
	r := c.roundOf(now)
	boundary := !c.started || r != c.round
	c.started, c.round = true, r
	return c.lives(c.strategyTick(now, r, boundary), boundary)
}

func (c *Core) strategyTick(now time.Time, r int64, boundary bool) []Out {
	if c.opt.Strategy == Latency {
		if boundary {
			return c.antiEntropy(r)
		}
		return nil
	}
	if !c.isHub() {
		if boundary {
			return c.leafSync()
		}
		return nil
	}
	if boundary {
		c.roundStart = time.Unix(0, r*int64(c.opt.Round))
		c.forwarded = false
	}
	switch {
	case !c.flushAt.IsZero() && !now.Before(c.flushAt):
		return c.forward(now)
	case !c.forwarded && !now.Before(c.roundStart.Add(c.opt.Round/2)):
		return c.forward(now)
	}
	return nil
}

// lives adds to outs, outside the strategy's pattern, a sync (of what the
// peer may lack, possibly nothing) to each peer that is owed one because
// it restarted, at once, and at each round boundary to each peer that has
// not confirmed this node's new life.
func (c *Core) lives(outs []Out, boundary bool) []Out {
	if c.boot == 0 {
		return outs
	}
	for _, id := range c.nodes {
		p := c.peers[id]
		if p == nil || !(p.owe || (!p.heard && boundary)) {
			continue
		}
		p.owe = false
		if slices.ContainsFunc(outs, func(o Out) bool { return o.Dest == id }) {
			continue
		}
		w := c.set.Window(p.known, c.opt.MaxBytes)
		if w == nil {
			w = [][2]int64{}
		}
		outs = append(outs, c.out(id, w))
	}
	return outs
}

// roundOf is floor(unix nanoseconds / T).
func (c *Core) roundOf(now time.Time) int64 {
	ns, t := now.UnixNano(), int64(c.opt.Round)
	r := ns / t
	if ns%t < 0 {
		r--
	}
	return r
}

// antiEntropy (latency strategy) sends the window of what one peer may lack
// to the peer 2^(r mod k) places further along the sorted node list, with
// k = ceil(log2 n). Over any k consecutive rounds the offsets are 1, 2, 4, …,
// 2^(k-1) in some order; their subset sums reach every distance below n,
// so each node's values reach every node within k rounds without loss.
func (c *Core) antiEntropy(r int64) []Out {
	n := len(c.nodes)
	if n < 2 {
		return nil
	}
	k := int64(bits.Len(uint(n - 1))) // ceil(log2 n) for n ≥ 2
	step := r % k
	if step < 0 {
		step += k
	}
	off := 1 << step
	dest := c.nodes[(c.pos+off)%n]
	w := c.set.Window(c.peers[dest].known, c.opt.MaxBytes)
	if len(w) == 0 {
		return nil
	}
	return []Out{c.out(dest, w)}
}

// leafSync (messages strategy, leaf) sends the hub what it may lack, or an
// acknowledgement of the hub's last syncs, once per round.
func (c *Core) leafSync() []Out {
	hub := c.hub()
	p := c.peers[hub]
	start, ok := c.set.FirstMissing(p.known)
	if p.ackOwed && (!ok || p.ackFrom < start) {
		start, ok = p.ackFrom, true
	}
	if !ok {
		return nil
	}
	p.ackOwed = false
	w := c.set.WindowFrom(start, c.opt.MaxBytes)
	if len(w) == 0 {
		return nil
	}
	return []Out{c.out(hub, w)}
}

// forward (messages strategy, hub) sends each leaf what it may lack, except
// what is already on its way (sent less than 2T ago), plus any
// acknowledgement owed.
func (c *Core) forward(now time.Time) []Out {
	c.flushAt = time.Time{}
	c.forwarded = true
	var outs []Out
	for _, id := range c.nodes {
		p := c.peers[id]
		if p == nil {
			continue
		}
		_, unacked := p.sent.FirstMissing(p.known)
		inFlight := unacked && now.Sub(p.sentAt) < 2*c.opt.Round
		cover := p.known
		if inFlight {
			cover = p.known.Clone()
			cover.Union(p.sent)
		}
		start, ok := c.set.FirstMissing(cover)
		if p.ackOwed && (!ok || p.ackFrom < start) {
			start, ok = p.ackFrom, true
		}
		if !ok {
			continue
		}
		p.ackOwed = false
		w := c.set.WindowFrom(start, c.opt.MaxBytes)
		if len(w) == 0 {
			continue
		}
		if inFlight {
			p.sent.Union(FromIntervals(w))
		} else {
			p.sent, p.sentAt = FromIntervals(w), now
		}
		outs = append(outs, c.out(id, w))
	}
	return outs
}
