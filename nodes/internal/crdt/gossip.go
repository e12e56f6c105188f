package crdt

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"time"
)

// Strategy selects what Gossip sends.
type Strategy string

// The two strategies.
const (
	// State sends a node's whole state every round, unacknowledged: simple,
	// and as costly on a quiet cluster as on a busy one.
	State Strategy = "state"
	// Delta sends a peer only the keys it may lack at their current value,
	// and resends them until the peer acknowledges; a cluster where every
	// node has everything is silent.
	Delta Strategy = "delta"
)

// Defaults for Options fields left zero.
const (
	DefaultRound = 2 * time.Second
	DefaultFlush = 30 * time.Millisecond
	// DefaultMaxBytes bounds the encoded entries and acknowledgements of
	// one message, so that a whole message stays far below the 64 KiB line
	// a node built on the Maelstrom library can read.
	DefaultMaxBytes = 48 << 10
	// DefaultMaxMessages bounds the messages sent to one peer at one
	// opportunity; what does not fit goes at the next one.
	DefaultMaxMessages = 8
)

// Options configures a Gossip.
type Options struct {
	Strategy Strategy
	// Round is the length T of a round; zero means DefaultRound.
	Round time.Duration
	// Flush is how long the hub waits after the first message of a round
	// before sending to the leaves; zero means DefaultFlush.
	Flush time.Duration
	// Resend is how long an unacknowledged delta waits before it is sent
	// again; zero means 2.5 rounds.
	Resend time.Duration
	// MaxBytes bounds the encoded size of one message's entries and
	// acknowledgements, as EntrySize counts; zero means DefaultMaxBytes.
	MaxBytes int
	// MaxMessages bounds the messages to one peer at one opportunity; zero
	// means DefaultMaxMessages.
	MaxMessages int
	// EntrySize returns the encoded size of an entry in a message; nil
	// means len(key) + 24, enough for the JSON of a key and an int64. An
	// entry larger than MaxBytes goes in a message of its own, so callers
	// keep their entries well below it.
	EntrySize func(Entry) int
	// FirstID is the id of the first message that asks for an
	// acknowledgement; zero means 1. A node that may restart should pass
	// something that differs between runs, such as the boot time, so that
	// a late acknowledgement to an earlier run matches nothing.
	FirstID uint64
	// OnRaise, if set, is called with every key whose value rose, by a
	// local Raise or by what Receive merged, and its new value: a node
	// that keeps its state durably writes these down before it answers
	// the client or acknowledges the message.
	OnRaise func(key string, val int64)
}

func (o Options) withDefaults() Options {
	if o.Strategy == "" {
		o.Strategy = Delta
	}
	if o.Round <= 0 {
		o.Round = DefaultRound
	}
	if o.Flush <= 0 {
		o.Flush = DefaultFlush
	}
	if o.Resend <= 0 {
		o.Resend = o.Round*5/2 + o.Flush
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxMessages <= 0 {
		o.MaxMessages = DefaultMaxMessages
	}
	if o.EntrySize == nil {
		o.EntrySize = func(e Entry) int { return len(e.Key) + 24 }
	}
	if o.FirstID == 0 {
		o.FirstID = 1
	}
	return o
}

// Message is what Gossip asks to send to Dest.
type Message struct {
	Dest string
	// ID, when not 0, asks Dest to acknowledge the message (delta only).
	ID uint64
	// Ack lists the ids of messages from Dest that this one acknowledges.
	Ack []uint64
	// Entries are keys and values for Dest to merge.
	Entries []Entry
}

// mark is what was last sent to a peer of one key, and when; a zero at
// means it has not been sent.
type mark struct {
	val int64
	at  time.Time
}

// sent is an unacknowledged delta message.
type sent struct {
	at      time.Time
	entries []Entry
}

// peer is what a Gossip keeps about another node.
type peer struct {
	// overlay is set for the nodes this one sends state to: the hub for a
	// leaf, every leaf for the hub.
	overlay bool
	// dirty holds the keys the peer may lack at their current value
	// (delta only).
	dirty map[string]mark
	// inflight holds the unacknowledged messages sent to the peer, by id.
	inflight map[uint64]sent
	// owed lists the ids of messages from the peer not yet acknowledged,
	// owed since owedSince.
	owed      []uint64
	owedSince time.Time
	// cursor is where the next full-state send resumes when the state
	// needs more than MaxMessages messages (state only).
	cursor string
}

// Gossip spreads a MaxMap over a star: the first node of the sorted node
// list is the hub, the others are leaves. Time is cut into rounds of
// length T aligned to the wall clock (round r covers [r·T, (r+1)·T) in Unix
// time), so nodes sharing a host clock agree on them. At each round
// boundary a leaf sends the hub what it has to send; the hub waits Flush
// after the first such message arrives (or half a round, if none does) and
// then sends each leaf what it has for it. A round therefore costs at most
// about 2(n−1) messages on n nodes, and a change reaches every node within
// about a round.
//
// With the State strategy what is sent is the whole state, every round.
// With Delta it is the keys the peer may lack at their current value; each
// such message carries an id the peer acknowledges, and keys stay marked
// for the peer until an acknowledgement (or a message from the peer) shows
// it has them. Acknowledgements ride on the next message to the sender;
// one that finds no ride within a round goes alone. A message the peer
// has not acknowledged in what it sent half a round or more later was
// lost, and its keys go again at the next opportunity; keys unacknowledged
// for Resend go again regardless. Once every node has everything, Delta
// sends nothing.
//
// A Gossip has no goroutines, clock or I/O: the caller passes the time in,
// sends the Messages it gets back, and serialises calls.
type Gossip struct {
	self  string
	nodes []string // every node, self included, sorted
	opt   Options
	state MaxMap
	peers map[string]*peer

	nextID     uint64
	started    bool
	round      int64
	roundStart time.Time
	forwarded  bool      // hub: sent to the leaves this round
	flushAt    time.Time // hub: when to send to the leaves; zero if not set
}

// NewGossip returns the gossip of node self among nodes (self is added to
// nodes if missing). It panics on an unknown strategy.
func NewGossip(self string, nodes []string, opt Options) *Gossip {
	opt = opt.withDefaults()
	if opt.Strategy != State && opt.Strategy != Delta {
		panic(fmt.Sprintf("crdt: unknown strategy %q", opt.Strategy))
	}
	all := slices.Clone(nodes)
	all = append(all, self)
	slices.Sort(all)
	all = slices.Compact(all)
	g := &Gossip{self: self, nodes: all, opt: opt, peers: map[string]*peer{}, nextID: opt.FirstID}
	for _, id := range all {
		if id == self {
			continue
		}
		g.peers[id] = &peer{overlay: g.isHub() || id == g.hub(), dirty: map[string]mark{}, inflight: map[uint64]sent{}}
	}
	return g
}

func (g *Gossip) hub() string     { return g.nodes[0] }
func (g *Gossip) isHub() bool     { return g.self == g.hub() }
func (g *Gossip) delta() bool     { return g.opt.Strategy == Delta }
func (g *Gossip) roundLen() int64 { return int64(g.opt.Round) }

// State returns the node's state. The caller must not change it except
// through Gossip.
func (g *Gossip) State() *MaxMap { return &g.state }

// Raise makes a local change, setting key to val if that is larger, and
// reports whether it was. The change goes out with the next round.
func (g *Gossip) Raise(key string, val int64) bool {
	if !g.state.Raise(key, val) {
		return false
	}
	g.raised(key)
	g.touch(key, "")
	return true
}

// raised tells OnRaise about key's new value.
func (g *Gossip) raised(key string) {
	if g.opt.OnRaise != nil {
		g.opt.OnRaise(key, g.state.Get(key))
	}
}

// touch marks key for every overlay peer but except, after its value rose.
func (g *Gossip) touch(key, except string) {
	if !g.delta() {
		return
	}
	for id, p := range g.peers {
		if p.overlay && id != except {
			if _, ok := p.dirty[key]; !ok {
				p.dirty[key] = mark{}
			}
		}
	}
}

// Receive takes a message from another node: merges its entries, applies
// its acknowledgements and notes that it needs one. Sends wait for Tick.
func (g *Gossip) Receive(from string, m Message, now time.Time) {
	if from == g.self {
		return
	}
	p := g.peers[from]
	if p == nil {
		// A node outside the list: merge what it sent, and acknowledge it
		// (Tick does) so that it stops resending, but send it nothing else.
		p = &peer{dirty: map[string]mark{}, inflight: map[uint64]sent{}}
		g.peers[from] = p
	}
	for _, e := range m.Entries {
		if g.state.Raise(e.Key, e.Val) {
			g.raised(e.Key)
			g.touch(e.Key, from)
		}
		if g.state.Get(e.Key) <= e.Val {
			delete(p.dirty, e.Key) // the sender has what we have
		}
	}
	for _, id := range m.Ack {
		s, ok := p.inflight[id]
		if !ok {
			continue
		}
		delete(p.inflight, id)
		for _, e := range s.entries {
			if g.state.Get(e.Key) <= e.Val {
				delete(p.dirty, e.Key)
			}
		}
	}
	// The peer acknowledges everything it received with whatever it sends
	// next, and it sends within about a round. So a message sent half a
	// round or more before this one came, and still not acknowledged, was
	// lost: its keys are due again now, not after Resend. This is what
	// repairs quickly once a partition heals.
	for id, s := range p.inflight {
		if now.Sub(s.at) < g.opt.Round/2 {
			continue
		}
		delete(p.inflight, id)
		for _, e := range s.entries {
			if mk, ok := p.dirty[e.Key]; ok && mk.at.Equal(s.at) {
				p.dirty[e.Key] = mark{}
			}
		}
	}
	if m.ID != 0 {
		if len(p.owed) == 0 {
			p.owedSince = now
		}
		p.owed = append(p.owed, m.ID)
	}
	if g.isHub() && g.started && !g.forwarded && g.flushAt.IsZero() && len(m.Entries) > 0 {
		g.flushAt = now.Add(g.opt.Flush)
	}
}

// Tick advances time to now and returns the messages to send. Call it
// often (every 10 ms, say); it does nothing between round boundaries and
// the hub's flush.
func (g *Gossip) Tick(now time.Time) []Message {
	var out []Message
	if r := now.UnixNano() / g.roundLen(); !g.started || r != g.round {
		g.started, g.round = true, r
		g.roundStart = time.Unix(0, r*g.roundLen())
		g.forwarded, g.flushAt = false, time.Time{}
		if !g.isHub() {
			out = g.sendTo(out, g.hub(), now)
		}
	}
	if g.isHub() && !g.forwarded &&
		((!g.flushAt.IsZero() && !now.Before(g.flushAt)) || !now.Before(g.roundStart.Add(g.opt.Round/2))) {
		g.forwarded = true
		for _, id := range g.nodes[1:] {
			out = g.sendTo(out, id, now)
		}
	}
	// Nodes outside the overlay that sent something get a bare
	// acknowledgement.
	for _, id := range g.strangers() {
		if p := g.peers[id]; len(p.owed) > 0 {
			out = append(out, Message{Dest: id, Ack: p.owed})
			p.owed, p.owedSince = nil, time.Time{}
		}
	}
	return out
}

// strangers returns, sorted, the senders that are not overlay peers.
func (g *Gossip) strangers() []string {
	var ids []string
	for id, p := range g.peers {
		if !p.overlay && len(p.owed) > 0 {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// sendTo appends what to send peer id now.
func (g *Gossip) sendTo(out []Message, id string, now time.Time) []Message {
	p := g.peers[id]
	if p == nil || !p.overlay {
		return out
	}
	if !g.delta() {
		return g.sendState(out, id, p)
	}
	// Forget messages long unacknowledged: their keys are still dirty, so
	// they go again anyway.
	for mid, s := range p.inflight {
		if now.Sub(s.at) > 4*g.opt.Resend {
			delete(p.inflight, mid)
		}
	}
	var due []Entry
	for k, mk := range p.dirty {
		cur := g.state.Get(k)
		if mk.at.IsZero() || cur > mk.val || now.Sub(mk.at) >= g.opt.Resend {
			due = append(due, Entry{k, cur})
		}
	}
	sort.Slice(due, func(i, j int) bool { return due[i].Key < due[j].Key })
	ackDue := len(p.owed) > 0 && now.Sub(p.owedSince) >= g.opt.Round
	if len(due) == 0 && !ackDue {
		return out
	}
	acks := p.owed
	p.owed, p.owedSince = nil, time.Time{}
	for n := 0; n < g.opt.MaxMessages && (len(due) > 0 || len(acks) > 0); n++ {
		m := Message{Dest: id}
		budget := g.opt.MaxBytes
		for len(acks) > 0 && budget > 32 {
			budget -= len(strconv.FormatUint(acks[0], 10)) + 1
			m.Ack = append(m.Ack, acks[0])
			acks = acks[1:]
		}
		for len(due) > 0 {
			sz := g.opt.EntrySize(due[0])
			if sz > budget && len(m.Entries) > 0 {
				break
			}
			budget -= sz
			m.Entries = append(m.Entries, due[0])
			due = due[1:]
		}
		if len(m.Entries) > 0 {
			m.ID = g.nextID
			g.nextID++
			p.inflight[m.ID] = sent{at: now, entries: m.Entries}
			for _, e := range m.Entries {
				p.dirty[e.Key] = mark{val: e.Val, at: now}
			}
		}
		out = append(out, m)
	}
	if len(acks) > 0 {
		// Did not fit: owed still.
		p.owed, p.owedSince = acks, now
	}
	return out
}

// sendState appends the whole state for peer id, in at most MaxMessages
// messages; a state larger than that resumes where it stopped next time.
func (g *Gossip) sendState(out []Message, id string, p *peer) []Message {
	all := g.state.Entries()
	if len(all) == 0 {
		return out
	}
	i := sort.Search(len(all), func(i int) bool { return all[i].Key >= p.cursor })
	if i == len(all) {
		i = 0
	}
	start, wrapped := i, false
	for n := 0; n < g.opt.MaxMessages && !wrapped; n++ {
		m := Message{Dest: id}
		budget := g.opt.MaxBytes
		for {
			sz := g.opt.EntrySize(all[i])
			if sz > budget && len(m.Entries) > 0 {
				break
			}
			budget -= sz
			m.Entries = append(m.Entries, all[i])
			i = (i + 1) % len(all)
			if i == start {
				wrapped = true
				break
			}
		}
		out = append(out, m)
	}
	p.cursor = all[i].Key
	return out
}

// Pending returns how many keys wait to be sent or acknowledged, over all
// peers (delta only; 0 for state). A settled cluster has none.
func (g *Gossip) Pending() int {
	n := 0
	for _, p := range g.peers {
		n += len(p.dirty)
	}
	return n
}
