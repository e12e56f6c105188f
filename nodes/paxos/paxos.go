package main

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/eddy-workbench/eddy/nodes/internal/durable"
	"github.com/eddy-workbench/eddy/nodes/internal/rsm"
)

// Ballot numbers a proposer's attempt to lead: a round and the proposer's
// name, so that two proposers never share a ballot. Ballots compare by
// round, then by name; the zero ballot is below every real one.
type Ballot struct {
	N  uint64 `json:"n"`
	ID string `json:"id,omitempty"`
}

// Less reports whether b is below o.
func (b Ballot) Less(o Ballot) bool { return b.N < o.N || b.N == o.N && b.ID < o.ID }

// IsZero reports whether b is the zero ballot.
func (b Ballot) IsZero() bool { return b == Ballot{} }

func (b Ballot) String() string { return fmt.Sprintf("%d.%s", b.N, b.ID) }

// HardState is the acceptor's promise: it takes part in no ballot below
// Promised.
type HardState struct {
	Promised Ballot `json:"promised"`
}

// Accepted is what an acceptor accepted for one slot: the value (a batch of
// ops, none for a no-op) and the ballot it came in. The zero Accepted
// means nothing was accepted.
type Accepted struct {
	Ballot Ballot   `json:"ballot"`
	Ops    []rsm.Op `json:"ops,omitempty"`
}

// SlotValue is a value for one slot on the wire: a proposal (accept), a
// chosen value (decided), or an acceptor's report in a promise, where
// Chosen says the value is known chosen and otherwise Ballot is the ballot
// it was accepted in.
type SlotValue struct {
	Slot   uint64   `json:"slot"`
	Ballot *Ballot  `json:"ballot,omitempty"`
	Chosen bool     `json:"chosen,omitempty"`
	Ops    []rsm.Op `json:"ops,omitempty"`
}

func (v SlotValue) size() int {
	n := 64
	for _, op := range v.Ops {
		n += op.Size() + 1
	}
	return n
}

// Message kinds, which are the "type" of the message's body on the wire.
const (
	KindPrepare  = "prepare"
	KindPromise  = "promise"
	KindAccept   = "accept"
	KindAccepted = "accepted"
	KindNack     = "nack"
	// KindForward carries client ops from a follower to the leader on
	// their own (latency mode; otherwise they ride on accepted replies).
	KindForward = "forward"
)

// Kinds lists the message kinds, for registering handlers.
var Kinds = []string{KindPrepare, KindPromise, KindAccept, KindAccepted, KindNack, KindForward}

// Message is a Multi-Paxos message between two nodes.
type Message struct {
	Kind   string `json:"type"`
	From   string `json:"-"`
	To     string `json:"-"`
	Ballot Ballot `json:"ballot"`

	// prepare: the first slot asked about; promise: the first and last
	// slot reported, and whether the acceptor has more to report.
	Slot    uint64 `json:"slot,omitempty"`
	Through uint64 `json:"through,omitempty"`
	More    bool   `json:"more,omitempty"`
	// promise and accepted: every slot up to Learned is known chosen to
	// the acceptor.
	Learned uint64 `json:"learned,omitempty"`
	// accept: every slot up to Chosen is chosen; accepted (latency mode,
	// to the leader): the Chosen of the accept answered, so that the
	// leader sees an acceptor that could not learn up to it.
	Chosen uint64 `json:"chosen,omitempty"`
	// promise: the acceptor's reports; accept: the proposals.
	Entries []SlotValue `json:"entries,omitempty"`
	// accept: chosen values for slots the acceptor lacks.
	Decided []SlotValue `json:"decided,omitempty"`
	// accepted: the slots accepted (to a learner that took an op in one
	// of them: every slot above the accept's Chosen accepted in Ballot).
	Slots []uint64 `json:"slots,omitempty"`
	// accepted and forward: client ops a follower took, for the leader.
	Forward []rsm.Op `json:"forward,omitempty"`
}

// Source is the sender.
func (m Message) Source() string { return m.From }

// Dest is the receiver.
func (m Message) Dest() string { return m.To }

// Config configures a Multi-Paxos core. Durations are in ticks.
type Config struct {
	// ID is this node; Nodes are all nodes, this one included.
	ID    string
	Nodes []string
	// Election is the least time without a leader before this node tries
	// to lead (phase 1); each timeout is drawn from [Election,
	// 2·Election) with Rand, a fresh node's first from [First, 2·First).
	Election, First int
	// Heartbeat is how long a leader with nothing new stays silent to an
	// acceptor.
	Heartbeat int
	// Batch is the least time between two accepts to one acceptor, and
	// how often the leader fills a slot with the ops that arrived.
	Batch int
	// Resend is how long the leader waits for an answer before sending
	// an acceptor again what it has not accepted.
	Resend int
	// Queue is how long a follower keeps a client op while it knows of no
	// leader; then the op fails (it was never sent).
	Queue int
	// MaxBytes bounds what one message carries (at least one slot goes in
	// any case).
	MaxBytes int
	// Rand is the source of the timeouts.
	Rand *rand.Rand
	// Eager is the latency mode: no batching. A follower passes each
	// client op to the leader at once in a forward of its own; the leader
	// puts each in a slot and sends the accepts at once, however many
	// slots are still open (pipelining); an acceptor sends its accepted
	// to the node that took each op as well as to the leader, and that
	// node learns the slot chosen from a majority of accepted in one
	// ballot (classic Paxos learning) rather than from the leader's
	// watermark a round later. Batch, Heartbeat and Resend still time
	// heartbeats and resends.
	Eager bool
}

// DefaultConfig returns the timing the node uses, in ticks of 10 ms.
func DefaultConfig(id string, nodes []string, seed uint64) Config {
	return Config{
		ID: id, Nodes: nodes,
		Election: 50, First: 10, Heartbeat: 10, Batch: 5, Resend: 20, Queue: 50,
		MaxBytes: 32 << 10,
		Rand:     rand.New(rand.NewPCG(seed, seedOf(id))),
	}
}

// seedOf derives a stream number from a node's name.
func seedOf(id string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(id); i++ {
		h ^= uint64(id[i])
		h *= 1099511628211
	}
	return h
}

type role int

const (
	follower role = iota
	preparing
	leading
)

func (r role) String() string { return [...]string{"follower", "preparing", "leading"}[r] }

// slot is what this node knows of one slot.
type slot struct {
	acc    Accepted // as an acceptor (durable)
	chosen bool     // as a learner: the value is chosen
	value  []rsm.Op // the chosen value
}

// peer is what the leader knows of one acceptor.
type peer struct {
	next       uint64 // first open slot not sent yet
	learned    uint64
	sinceSend  int
	phase      int // this acceptor's place in the batch interval
	sinceHeard int
	inflight   bool
	sentChosen uint64
	known      bool // learned is the acceptor's, not a guess
	// latency mode
	sinceResend int
	lacking     bool // it could not learn up to a watermark sent: send it chosen values
}

// open is a slot the leader proposed and has not seen chosen.
type open struct {
	value []rsm.Op
	votes map[string]bool
	at    int // the leader's ticks when it was proposed
}

// tally is what a learner heard of one slot from acceptors (latency
// mode): who accepted it in ballot, the highest ballot heard of.
type tally struct {
	ballot Ballot
	by     map[string]bool
}

// report is the best a proposer has heard of one slot in phase 1.
type report struct {
	ballot Ballot
	chosen bool
	ops    []rsm.Op
	set    bool
}

type queued struct {
	op  rsm.Op
	age int
}

// Paxos is the core of one Multi-Paxos node — acceptor, learner and, when
// it leads, the distinguished proposer — as a pure state machine with no
// clock, goroutine or I/O, driven by Tick, Submit and Step and drained
// with Ready.
//
// A node that hears from no leader for an election timeout runs phase 1
// with a ballot above every one it has seen, over every slot from the
// first it does not know chosen: acceptors promise and report what they
// accepted (or know chosen) there, and the new leader proposes again, in
// its ballot, the value of the highest ballot in each open slot, a no-op
// in a gap. Then it runs phase 2 alone: every Batch ticks each acceptor
// (their turns spread over the interval) gets one accept with, in a new
// slot, all the client ops that arrived since the last slot, every open
// slot it has not been sent, the chosen watermark and the chosen values
// the acceptor lacks (gap filling). A slot is chosen when a majority accepted it in the same
// ballot, whatever came before it; slots are applied in order.
//
// In the latency mode (Config.Eager) nothing waits for a turn: a
// follower sends each op it takes to the leader at once, the leader
// gives it a slot and sends its accepts at once, and every acceptor
// sends its accepted both to the leader and to the node that took the
// op, which learns the slot chosen (and the slots below it) from a
// majority in one ballot — itself, the ballot's proposer and one more —
// three hops after its client asked.
type Paxos struct {
	cfg    Config
	quorum int

	promised Ballot // durable
	slots    []slot // slots[i] is slot i+1

	role             role
	ballot           Ballot // the ballot this node proposes in (preparing, leading)
	leader           string // the leader this node follows
	leaderBallot     Ballot
	seen             Ballot // the highest ballot seen in any message
	elapsed, timeout int
	learned, applied uint64

	// phase 1
	from      uint64
	promises  map[string]bool   // acceptor → its report is complete
	learnedBy map[string]uint64 // acceptor → its watermark, from its promise
	reports   map[uint64]*report
	// phase 2
	ticks   int    // ticks since this node started leading
	next    uint64 // the next slot to fill
	opens   map[uint64]*open
	peers   map[string]*peer
	pending []rsm.Op // taken by the leader, not yet in a slot
	forward []queued // taken by a follower, not yet passed on
	// as a learner, in latency mode: slot → accepted heard of
	tallies map[uint64]*tally

	out rsm.Ready[Message, HardState, Accepted]
}

// New returns a core that starts from the durable state st.
func New(cfg Config, st durable.State[HardState, Accepted]) *Paxos {
	p := &Paxos{cfg: cfg, quorum: len(cfg.Nodes)/2 + 1, promised: st.Hard.Promised}
	for _, a := range st.Records {
		p.slots = append(p.slots, slot{acc: a})
	}
	p.resetTimer()
	if p.promised.IsZero() && len(p.slots) == 0 && cfg.First > 0 {
		p.timeout = cfg.First + cfg.Rand.IntN(cfg.First)
	}
	return p
}

// ID is this node.
func (p *Paxos) ID() string { return p.cfg.ID }

// IsLeader reports whether this node leads (phase 1 done).
func (p *Paxos) IsLeader() bool { return p.role == leading }

// Ballot is the ballot this node leads or prepares in.
func (p *Paxos) Ballot() Ballot { return p.ballot }

// Promised is the acceptor's promise.
func (p *Paxos) Promised() Ballot { return p.promised }

// Leader is the leader this node follows ("" for none).
func (p *Paxos) Leader() string { return p.leader }

// Learned is the chosen watermark: every slot up to it is known chosen.
func (p *Paxos) Learned() uint64 { return p.learned }

// Chosen returns the chosen value of slot s, if known.
func (p *Paxos) Chosen(s uint64) ([]rsm.Op, bool) {
	if s == 0 || s > uint64(len(p.slots)) || !p.slots[s-1].chosen {
		return nil, false
	}
	return p.slots[s-1].value, true
}

// AcceptedAt returns what the acceptor accepted in slot s.
func (p *Paxos) AcceptedAt(s uint64) Accepted {
	if s == 0 || s > uint64(len(p.slots)) {
		return Accepted{}
	}
	return p.slots[s-1].acc
}

// Slots is the highest slot this node knows anything of.
func (p *Paxos) Slots() uint64 { return uint64(len(p.slots)) }

func (p *Paxos) slot(s uint64) *slot {
	for uint64(len(p.slots)) < s {
		p.slots = append(p.slots, slot{})
	}
	return &p.slots[s-1]
}

// Ready returns what to persist, send, apply and log, and forgets it.
func (p *Paxos) Ready() rsm.Ready[Message, HardState, Accepted] {
	for p.applied < p.learned {
		p.applied++
		p.out.Committed = append(p.out.Committed, rsm.Entry{Index: p.applied, Ops: p.slots[p.applied-1].value})
	}
	out := p.out
	p.out = rsm.Ready[Message, HardState, Accepted]{}
	return out
}

func (p *Paxos) send(m Message) {
	m.From = p.ID()
	p.out.Messages = append(p.out.Messages, m)
}

func (p *Paxos) broadcast(m Message) {
	for _, id := range p.cfg.Nodes {
		if id != p.ID() {
			m.To = id
			p.send(m)
		}
	}
}

func (p *Paxos) promise(b Ballot) {
	if p.promised.Less(b) {
		p.promised = b
		h := HardState{Promised: b}
		p.out.Persist = append(p.out.Persist, durable.Update[HardState, Accepted]{Hard: &h})
	}
}

// accept records values accepted in ballot b, durably.
func (p *Paxos) accept(b Ballot, vals []SlotValue) {
	for i := 0; i < len(vals); {
		// One update per run of consecutive slots.
		j := i + 1
		for j < len(vals) && vals[j].Slot == vals[j-1].Slot+1 {
			j++
		}
		u := durable.Update[HardState, Accepted]{First: vals[i].Slot}
		for _, v := range vals[i:j] {
			a := Accepted{Ballot: b, Ops: v.Ops}
			p.slot(v.Slot).acc = a
			u.Records = append(u.Records, a)
		}
		p.out.Persist = append(p.out.Persist, u)
		i = j
	}
}

// choose records that slot s holds value.
func (p *Paxos) choose(s uint64, value []rsm.Op) {
	sl := p.slot(s)
	if !sl.chosen {
		sl.chosen, sl.value = true, value
	}
	for p.learned < uint64(len(p.slots)) && p.slots[p.learned].chosen {
		p.learned++
	}
}

func (p *Paxos) resetTimer() {
	p.elapsed = 0
	p.timeout = p.cfg.Election + p.cfg.Rand.IntN(p.cfg.Election)
}

// inLease reports whether this node heard from a live leader within the
// least election timeout; it then ignores other proposers' prepares.
func (p *Paxos) inLease() bool {
	return p.leader != "" && (p.role == leading || p.elapsed < p.cfg.Election)
}

// Tick advances time by one tick.
func (p *Paxos) Tick() {
	p.elapsed++
	switch p.role {
	case leading:
		p.tickLeader()
	default:
		if p.elapsed >= p.timeout {
			p.prepare(p.ballotAbove(p.promised, p.seen))
		}
	}
	p.ageQueue()
	for s := range p.tallies {
		if s <= p.learned {
			delete(p.tallies, s)
		}
	}
}

func (p *Paxos) ballotAbove(bs ...Ballot) Ballot {
	var n uint64
	for _, b := range bs {
		n = max(n, b.N)
	}
	return Ballot{N: n + 1, ID: p.ID()}
}

func (p *Paxos) ageQueue() {
	keep := p.forward[:0]
	for _, q := range p.forward {
		q.age++
		if q.age < p.cfg.Queue {
			keep = append(keep, q)
		} else if q.op.Origin == p.ID() {
			p.out.Failed = append(p.out.Failed, q.op)
		}
	}
	clear(p.forward[len(keep):])
	p.forward = keep
}

// prepare starts phase 1 in ballot b over every slot from the first this
// node does not know chosen.
func (p *Paxos) prepare(b Ballot) {
	p.stopLeading()
	p.resetTimer()
	p.role = preparing
	p.ballot = b
	p.leader = ""
	p.promise(b)
	p.from = p.learned + 1
	p.promises = map[string]bool{}
	p.learnedBy = map[string]uint64{}
	p.reports = map[uint64]*report{}
	p.merge(p.ID(), p.reportFrom(p.from, 1<<62))
	p.broadcast(Message{Kind: KindPrepare, Ballot: b, Slot: p.from})
	p.maybeLead()
}

// reportFrom is this acceptor's promise: what it knows of the slots from
// s on, up to maxBytes.
func (p *Paxos) reportFrom(s uint64, maxBytes int) Message {
	m := Message{Kind: KindPromise, Ballot: p.promised, Slot: s, Learned: p.learned, Through: max(s, 1) - 1}
	size := 0
	for i := s; i <= uint64(len(p.slots)); i++ {
		sl := p.slots[i-1]
		v := SlotValue{Slot: i}
		switch {
		case sl.chosen:
			v.Chosen, v.Ops = true, sl.value
		case !sl.acc.Ballot.IsZero():
			b := sl.acc.Ballot
			v.Ballot, v.Ops = &b, sl.acc.Ops
		default:
			m.Through = i
			continue
		}
		if size += v.size(); size > maxBytes && len(m.Entries) > 0 {
			m.More = true
			break
		}
		m.Entries = append(m.Entries, v)
		m.Through = i
	}
	return m
}

// merge takes an acceptor's promise into phase 1.
func (p *Paxos) merge(from string, m Message) {
	p.learnedBy[from] = max(p.learnedBy[from], m.Learned)
	for _, v := range m.Entries {
		if v.Chosen {
			p.choose(v.Slot, v.Ops)
			continue
		}
		r := p.reports[v.Slot]
		if r == nil {
			r = &report{}
			p.reports[v.Slot] = r
		}
		if v.Ballot != nil && (!r.set || r.ballot.Less(*v.Ballot)) {
			r.ballot, r.ops, r.set = *v.Ballot, v.Ops, true
		}
	}
	if m.More {
		p.promises[from] = false
		p.send(Message{Kind: KindPrepare, To: from, Ballot: p.ballot, Slot: m.Through + 1})
		return
	}
	p.promises[from] = true
	if r := m.Through; r > 0 {
		p.slot(r) // so that the new leader's slots start above it
	}
}

// maybeLead ends phase 1 once a majority has reported everything.
func (p *Paxos) maybeLead() {
	done := 0
	for _, complete := range p.promises {
		if complete {
			done++
		}
	}
	if p.role != preparing || done < p.quorum {
		return
	}
	p.role = leading
	p.leader, p.leaderBallot = p.ID(), p.ballot
	p.elapsed = 0
	p.out.Events = append(p.out.Events, fmt.Sprintf("leader %s ballot %d", p.ID(), p.ballot.N))
	p.opens = map[uint64]*open{}
	p.peers = map[string]*peer{}
	top := uint64(len(p.slots))
	for s := range p.reports {
		top = max(top, s)
	}
	// Propose again, in this ballot, each open slot's value of the highest
	// ballot, and a no-op in each gap.
	var vals []SlotValue
	for s := p.from; s <= top; s++ {
		if sl := p.slot(s); sl.chosen {
			continue
		}
		var ops []rsm.Op
		if r := p.reports[s]; r != nil && r.set {
			ops = r.ops
		}
		vals = append(vals, SlotValue{Slot: s, Ops: ops})
		p.opens[s] = &open{value: ops, votes: map[string]bool{p.ID(): true}, at: 0}
	}
	p.accept(p.ballot, vals)
	p.reports = nil
	p.next = top + 1
	first := p.learned + 1
	p.ticks = 0
	i := 0
	for _, id := range p.cfg.Nodes {
		if id != p.ID() {
			l, known := p.learnedBy[id]
			p.peers[id] = &peer{next: first, learned: l, known: known, phase: phase(i, len(p.cfg.Nodes)-1, p.cfg.Batch)}
			i++
		}
	}
	// What was queued for a leader is now ours to propose.
	for _, q := range p.forward {
		p.pending = append(p.pending, q.op)
	}
	clear(p.forward)
	p.forward = p.forward[:0]
	p.checkChosen()
	p.fill()
	for _, id := range p.cfg.Nodes {
		if pr := p.peers[id]; pr != nil {
			if p.cfg.Eager {
				p.eagerSend(id, pr, false)
			} else {
				p.maybeSend(id, pr, true)
			}
		}
	}
}

// stopLeading ends this node's leadership or phase 1, if any. Client ops
// it took and never proposed fail (if it took them from a client) or are
// forgotten (if a follower passed them on: they were sent once, so only
// their origin's client can learn their fate, by timing out).
func (p *Paxos) stopLeading() {
	for _, op := range p.pending {
		p.forward = append(p.forward, queued{op: op})
	}
	p.pending = nil
	p.opens, p.peers, p.promises, p.reports, p.learnedBy = nil, nil, nil, nil, nil
	p.role = follower
}

func (p *Paxos) follow(b Ballot, lead string) {
	if p.role != follower && p.ballot.Less(b) {
		p.stopLeading()
	}
	if p.leaderBallot.Less(b) || p.leaderBallot == b {
		p.leader, p.leaderBallot = lead, b
	}
	p.elapsed = 0
}

func (p *Paxos) tickLeader() {
	p.ticks++
	for _, pr := range p.peers {
		pr.sinceSend++
		pr.sinceHeard++
		pr.sinceResend++
	}
	if p.elapsed >= p.cfg.Election {
		p.elapsed = 0
		heard := 1
		for _, pr := range p.peers {
			if pr.sinceHeard < p.cfg.Election {
				heard++
			}
		}
		if heard < p.quorum {
			p.out.Events = append(p.out.Events, fmt.Sprintf("%s stops leading ballot %s: no majority heard from", p.ID(), p.ballot))
			p.stopLeading()
			p.leader = ""
			p.resetTimer()
			return
		}
	}
	if p.cfg.Eager {
		for _, id := range p.cfg.Nodes {
			if pr := p.peers[id]; pr != nil {
				p.eagerTick(id, pr)
			}
		}
		return
	}
	// A slot per accept round: fill one when an acceptor is due one.
	for _, pr := range p.peers {
		if p.due(pr) && (!pr.inflight || pr.sinceSend >= p.cfg.Resend) {
			p.fill()
			break
		}
	}
	for _, id := range p.cfg.Nodes {
		if pr := p.peers[id]; pr != nil {
			p.maybeSend(id, pr, false)
		}
	}
}

// due reports whether this tick is an acceptor's place in the batch
// interval.
func (p *Paxos) due(pr *peer) bool { return (p.ticks+pr.phase)%p.cfg.Batch == 0 }

// phase spreads the acceptors' accepts evenly over the batch interval:
// acceptor i of n gets its accept at tick i·batch/n of every interval. A
// slot then gathers its majority from the acceptors due next, before the
// acceptor that passed its ops on is due again and learns it chosen.
func phase(i, n, batch int) int { return i * batch / max(n, 1) }

// fill puts the pending ops into the next slot (or as many slots as the
// byte bound needs).
func (p *Paxos) fill() {
	for len(p.pending) > 0 {
		n, size := 0, 64
		for n < len(p.pending) {
			if size += p.pending[n].Size() + 1; size > p.cfg.MaxBytes/2 && n > 0 {
				break
			}
			n++
		}
		ops := slices.Clone(p.pending[:n])
		p.pending = p.pending[n:]
		s := p.next
		p.next++
		p.opens[s] = &open{value: ops, votes: map[string]bool{p.ID(): true}, at: p.ticks}
		p.accept(p.ballot, []SlotValue{{Slot: s, Ops: ops}})
	}
	p.checkChosen()
}

// maybeSend sends an acceptor an accept if one is due: the open slots it
// was not sent, the chosen watermark, and the chosen values it lacks.
func (p *Paxos) maybeSend(id string, pr *peer, now bool) {
	if pr.inflight {
		if pr.sinceSend < p.cfg.Resend {
			return
		}
		// Lost, or the acceptor is cut off: send again what it has not
		// accepted.
		pr.next = p.next
		for s := p.learned + 1; s < p.next; s++ {
			if o := p.opens[s]; o != nil && !o.votes[id] {
				pr.next = s
				break
			}
		}
	}
	news := pr.next < p.next || pr.sentChosen < p.learned || pr.known && pr.learned < p.learned
	if !now && (!p.due(pr) || !news && pr.sinceSend < p.cfg.Heartbeat) {
		return
	}
	m := Message{Kind: KindAccept, To: id, Ballot: p.ballot, Chosen: p.learned}
	size := 0
	s := max(pr.next, p.learned+1)
	for ; s < p.next; s++ {
		o := p.opens[s]
		if o == nil {
			continue // chosen since: the acceptor gets it as decided
		}
		v := SlotValue{Slot: s, Ops: o.value}
		if size += v.size(); size > p.cfg.MaxBytes && len(m.Entries) > 0 {
			break
		}
		m.Entries = append(m.Entries, v)
	}
	pr.next = s
	// Gap filling: chosen values from the acceptor's watermark on (once
	// it is known).
	for d := pr.learned + 1; pr.known && d <= p.learned; d++ {
		v := SlotValue{Slot: d, Ops: p.slots[d-1].value}
		if size += v.size(); size > p.cfg.MaxBytes && len(m.Entries)+len(m.Decided) > 0 {
			break
		}
		m.Decided = append(m.Decided, v)
	}
	p.send(m)
	pr.inflight, pr.sinceSend, pr.sentChosen = true, 0, p.learned
}

// checkChosen moves the open slots a majority accepted to chosen.
func (p *Paxos) checkChosen() {
	for s, o := range p.opens {
		if len(o.votes) >= p.quorum {
			p.choose(s, o.value)
			delete(p.opens, s)
		}
	}
}

// Submit takes a client op: the leader (or a node in phase 1) keeps it for
// its next slot; a follower queues it for the leader.
//
// In latency mode a follower that heard from its leader lately sends it
// an op of its own client at once (ops other nodes passed on wait for
// its next reply, so that no op bounces between two nodes that each
// take the other for the leader), and the leader proposes it at once.
func (p *Paxos) Submit(op rsm.Op) { p.take([]rsm.Op{op}) }

// take is Submit for several ops at once (a forward's).
func (p *Paxos) take(ops []rsm.Op) {
	if len(ops) == 0 {
		return
	}
	if p.role == follower {
		for _, op := range ops {
			if p.cfg.Eager && op.Origin == p.ID() && p.leader != "" && p.leader != p.ID() && p.elapsed < 2*p.cfg.Heartbeat {
				p.send(Message{Kind: KindForward, To: p.leader, Ballot: p.leaderBallot, Forward: []rsm.Op{op}})
				continue
			}
			p.forward = append(p.forward, queued{op: op})
		}
		return
	}
	p.pending = append(p.pending, ops...)
	if p.role == leading && (len(p.cfg.Nodes) == 1 || p.cfg.Eager) {
		p.fill()
		if p.cfg.Eager {
			for _, id := range p.cfg.Nodes {
				if pr := p.peers[id]; pr != nil {
					p.eagerSend(id, pr, false)
				}
			}
		}
	}
}

// Step takes a message from another node.
func (p *Paxos) Step(m Message) {
	if p.seen.Less(m.Ballot) {
		p.seen = m.Ballot
	}
	switch m.Kind {
	case KindPrepare:
		p.handlePrepare(m)
	case KindPromise:
		if p.role == preparing && m.Ballot == p.ballot {
			p.elapsed = 0 // phase 1 is making progress: no new ballot yet
			p.merge(m.From, m)
			p.maybeLead()
		}
	case KindAccept:
		p.handleAccept(m)
	case KindAccepted:
		p.handleAccepted(m)
	case KindNack:
		p.handleNack(m)
	}
	p.take(m.Forward)
}

func (p *Paxos) handlePrepare(m Message) {
	switch {
	case m.Ballot.Less(p.promised):
		p.send(Message{Kind: KindNack, To: m.From, Ballot: p.promised})
		return
	case m.Ballot != p.promised && p.inLease() && m.From != p.leader:
		return // a live leader is known: no help to depose it
	}
	if p.role != follower && p.ballot.Less(m.Ballot) {
		p.stopLeading()
		p.leader = ""
	}
	p.promise(m.Ballot)
	p.resetTimer()
	r := p.reportFrom(m.Slot, p.cfg.MaxBytes)
	r.To = m.From
	p.send(r)
}

func (p *Paxos) handleAccept(m Message) {
	if m.Ballot.Less(p.promised) {
		p.send(Message{Kind: KindNack, To: m.From, Ballot: p.promised})
		return
	}
	p.promise(m.Ballot)
	p.follow(m.Ballot, m.From)
	p.accept(m.Ballot, m.Entries)
	for _, d := range m.Decided {
		p.choose(d.Slot, d.Ops)
	}
	// Learn: up to the leader's watermark, what was accepted in its
	// ballot is what it chose.
	for s := p.learned + 1; s <= m.Chosen; s++ {
		sl := p.slot(s)
		if !sl.chosen && sl.acc.Ballot != m.Ballot {
			break
		}
		p.choose(s, sl.acc.Ops)
	}
	reply := Message{Kind: KindAccepted, To: m.From, Ballot: m.Ballot, Learned: p.learned}
	for _, v := range m.Entries {
		reply.Slots = append(reply.Slots, v.Slot)
	}
	if p.cfg.Eager {
		reply.Chosen = m.Chosen
		p.tellOrigins(m)
		// Accepted from other acceptors may have come first.
		for _, v := range m.Entries {
			p.tryLearn(v.Slot)
		}
	}
	size := 0
	n := 0
	for _, q := range p.forward {
		if size += q.op.Size(); size > p.cfg.MaxBytes && n > 0 {
			break
		}
		reply.Forward = append(reply.Forward, q.op)
		n++
	}
	clear(p.forward[:n])
	p.forward = p.forward[n:]
	p.send(reply)
}

func (p *Paxos) handleAccepted(m Message) {
	if p.role != leading || m.Ballot != p.ballot {
		if p.cfg.Eager {
			p.learnFrom(m)
		}
		return
	}
	pr := p.peers[m.From]
	if pr == nil {
		return
	}
	pr.sinceHeard = 0
	pr.inflight = false
	pr.learned, pr.known = m.Learned, true
	if p.cfg.Eager && m.Learned < m.Chosen {
		pr.lacking = true
	}
	for _, s := range m.Slots {
		if o := p.opens[s]; o != nil {
			o.votes[m.From] = true
		}
	}
	p.checkChosen()
}

func (p *Paxos) handleNack(m Message) {
	if p.role == follower || !p.ballot.Less(m.Ballot) {
		return
	}
	if p.role == leading {
		// An acceptor promised a higher ballot (a node that tried to lead
		// while cut off, say): lead again above it, or it never takes
		// part again.
		p.prepare(p.ballotAbove(p.seen, p.promised))
		return
	}
	// Another proposer is ahead: let it try.
	p.stopLeading()
	p.resetTimer()
}

// eagerSend sends an acceptor, in latency mode, the open slots it was not
// sent, the chosen watermark and, if it lacks some (or this is a resend),
// the chosen values from its watermark on.
func (p *Paxos) eagerSend(id string, pr *peer, resend bool) {
	m := Message{Kind: KindAccept, To: id, Ballot: p.ballot, Chosen: p.learned}
	size := 0
	s := max(pr.next, p.learned+1)
	for ; s < p.next; s++ {
		o := p.opens[s]
		if o == nil {
			continue
		}
		v := SlotValue{Slot: s, Ops: o.value}
		if size += v.size(); size > p.cfg.MaxBytes && len(m.Entries) > 0 {
			break
		}
		m.Entries = append(m.Entries, v)
	}
	pr.next = s
	if pr.known && (pr.lacking || resend) {
		for d := pr.learned + 1; d <= p.learned; d++ {
			v := SlotValue{Slot: d, Ops: p.slots[d-1].value}
			if size += v.size(); size > p.cfg.MaxBytes && len(m.Entries)+len(m.Decided) > 0 {
				break
			}
			m.Decided = append(m.Decided, v)
		}
		pr.lacking = false
	}
	p.send(m)
	pr.inflight, pr.sinceSend, pr.sentChosen = true, 0, p.learned
}

// eagerTick is the leader's tick for one acceptor in latency mode: open
// slots it has not accepted for Resend ticks are sent again (at most
// once per Resend ticks), what did not fit the last accept goes now,
// chosen values it lacks go at once, and a heartbeat after Heartbeat
// ticks of silence.
func (p *Paxos) eagerTick(id string, pr *peer) {
	if pr.sinceResend >= p.cfg.Resend {
		first := uint64(0)
		for s, o := range p.opens {
			if s < pr.next && !o.votes[id] && p.ticks-o.at >= p.cfg.Resend && (first == 0 || s < first) {
				first = s
			}
		}
		if first != 0 {
			pr.next, pr.sinceResend = first, 0
			p.eagerSend(id, pr, true)
			return
		}
	}
	if pr.next < p.next || pr.lacking || pr.sinceSend >= p.cfg.Heartbeat {
		p.eagerSend(id, pr, false)
	}
}

// maxReport bounds how many slots an accepted to a learner lists.
const maxReport = 256

// tellOrigins sends, in latency mode, the nodes that took the ops of an
// accept (other than this node and the leader) an accepted of their own:
// every slot above the accept's watermark this acceptor has accepted in
// its ballot, so that a learner learns the slots before its op's too.
// The leader sends accepts in slot order, so an acceptor that accepted
// a learner's slot has most likely accepted the slots below it.
func (p *Paxos) tellOrigins(m Message) {
	var top uint64
	var to []string
	for _, v := range m.Entries {
		top = max(top, v.Slot)
		for _, op := range v.Ops {
			if op.Origin != p.ID() && op.Origin != m.From && !slices.Contains(to, op.Origin) && slices.Contains(p.cfg.Nodes, op.Origin) {
				to = append(to, op.Origin)
			}
		}
	}
	if len(to) == 0 {
		return
	}
	var slots []uint64
	for s := max(m.Chosen, top-min(top, maxReport)) + 1; s <= top && s <= uint64(len(p.slots)); s++ {
		if p.slots[s-1].acc.Ballot == m.Ballot {
			slots = append(slots, s)
		}
	}
	slices.Sort(to)
	for _, id := range to {
		p.send(Message{Kind: KindAccepted, To: id, Ballot: m.Ballot, Slots: slots})
	}
}

// learnFrom takes, in latency mode, an accepted sent to this node as a
// learner: the acceptor accepted the slots in m.Ballot.
func (p *Paxos) learnFrom(m Message) {
	if p.tallies == nil {
		p.tallies = map[uint64]*tally{}
	}
	for _, s := range m.Slots {
		if s <= p.learned || s <= uint64(len(p.slots)) && p.slots[s-1].chosen {
			continue
		}
		t := p.tallies[s]
		if t == nil || t.ballot.Less(m.Ballot) {
			// Accepted in different ballots do not add up: keep the
			// highest ballot heard of.
			t = &tally{ballot: m.Ballot, by: map[string]bool{}}
			p.tallies[s] = t
		}
		if t.ballot == m.Ballot {
			t.by[m.From] = true
			p.tryLearn(s)
		}
	}
}

// tryLearn chooses slot s if a majority accepted in one ballot the value
// this node accepted in it: the acceptors that said so, this node, and
// the ballot's proposer, which accepted every value it proposed in it.
func (p *Paxos) tryLearn(s uint64) {
	t := p.tallies[s]
	if t == nil || s > uint64(len(p.slots)) {
		return
	}
	sl := p.slots[s-1]
	if sl.chosen {
		delete(p.tallies, s)
		return
	}
	if sl.acc.Ballot != t.ballot {
		return // this node does not hold (or no longer holds) that ballot's value
	}
	n := len(t.by)
	for _, id := range []string{p.ID(), t.ballot.ID} {
		if !t.by[id] {
			t.by[id] = true
			n++
		}
	}
	if n >= p.quorum {
		p.choose(s, sl.acc.Ops)
		delete(p.tallies, s)
	}
}
