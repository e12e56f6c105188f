package main

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/eddy-workbench/eddy/nodes/internal/durable"
	"github.com/eddy-workbench/eddy/nodes/internal/rsm"
)

// Entry is one entry of the Raft log: the term it was created in and the
// client op it carries, or none for the no-op a new leader appends.
type Entry struct {
	Term uint64  `json:"t"`
	Op   *rsm.Op `json:"op,omitempty"`
}

// size bounds the length of the entry's JSON encoding.
func (e Entry) size() int {
	if e.Op == nil {
		return 32
	}
	return 32 + e.Op.Size()
}

// HardState is what Raft keeps durable besides the log: the current term
// and the node this node voted for in it ("" for none).
type HardState struct {
	Term uint64 `json:"term"`
	Vote string `json:"vote,omitempty"`
}

// Message kinds, which are the "type" of the message's body on the wire.
const (
	KindAppend       = "append"
	KindAppendReply  = "append_reply"
	KindVote         = "vote"
	KindVoteReply    = "vote_reply"
	KindPreVote      = "prevote"
	KindPreVoteReply = "prevote_reply"
	// Latency mode only (Config.Batch 0): a follower's client op passed
	// to the leader on its own, and a follower's acknowledgement of an
	// append sent to the nodes whose ops the append carried.
	KindForward = "forward"
	KindAck     = "ack"
)

// Kinds lists the message kinds, for registering handlers.
var Kinds = []string{KindAppend, KindAppendReply, KindVote, KindVoteReply, KindPreVote, KindPreVoteReply, KindForward, KindAck}

// Message is a Raft message between two nodes.
type Message struct {
	Kind string `json:"type"`
	From string `json:"-"`
	To   string `json:"-"`
	Term uint64 `json:"term"`

	// append: the entries after Prev (whose term is PrevTerm), and the
	// leader's commit index.
	Prev     uint64  `json:"prev,omitempty"`
	PrevTerm uint64  `json:"prev_term,omitempty"`
	Entries  []Entry `json:"entries,omitempty"`
	Commit   uint64  `json:"commit,omitempty"`

	// append_reply: Index is the Prev it answers; on success Match is the
	// last index known to match the leader's log; on rejection Hint is
	// where the leader should try next. ack: Match is the last index the
	// sender's log is known to share with the leader of Term.
	Index  uint64 `json:"index,omitempty"`
	Reject bool   `json:"reject,omitempty"`
	Match  uint64 `json:"match,omitempty"`
	Hint   uint64 `json:"hint,omitempty"`
	// Forward are client ops a follower took and passes to the leader
	// (on an append_reply, or on a forward of its own).
	Forward []rsm.Op `json:"forward,omitempty"`

	// vote and prevote: the candidate's last log index and term.
	LastIndex uint64 `json:"last_index,omitempty"`
	LastTerm  uint64 `json:"last_term,omitempty"`
	// vote_reply and prevote_reply.
	Granted bool `json:"granted,omitempty"`
}

// Source is the sender.
func (m Message) Source() string { return m.From }

// Dest is the receiver.
func (m Message) Dest() string { return m.To }

// Config configures a Raft core. Durations are in ticks.
type Config struct {
	// ID is this node; Nodes are all nodes, this one included, in the
	// same order on every node.
	ID    string
	Nodes []string
	// Election is the least election timeout; each timeout is drawn
	// from [Election, 2·Election) with Rand. A fresh node (no durable
	// state) draws its first from [First, 2·First) instead, so that a new
	// cluster elects its first leader quickly.
	Election, First int
	// Heartbeat is how long a leader with nothing new stays silent to a
	// follower.
	Heartbeat int
	// Batch is the least time between two replication messages to one
	// follower: what arrives in between goes together. 0 is the latency
	// mode: every message goes at once (see Raft).
	Batch int
	// Resend is how long a leader waits for the answer to a replication
	// message before sending again from the last index it knows matches.
	Resend int
	// Queue is how long a follower keeps a client op while it knows of no
	// leader to forward it to; then the op fails (it was never sent, so
	// the failure is definite).
	Queue int
	// MaxBytes bounds the entries of one append and the ops forwarded in
	// one reply (at least one goes in any case).
	MaxBytes int
	// Rand is the source of the election timeouts.
	Rand *rand.Rand
}

// DefaultConfig returns the timing the node uses, in ticks of 10 ms: a
// replication message per follower every 50 ms at most, elections after
// 500–1000 ms without a leader.
func DefaultConfig(id string, nodes []string, seed uint64) Config {
	return Config{
		ID: id, Nodes: nodes,
		Election: 50, First: 10, Heartbeat: 10, Batch: 5, Resend: 20, Queue: 50,
		MaxBytes: 32 << 10,
		Rand:     rand.New(rand.NewPCG(seed, seedOf(id))),
	}
}

// seedOf derives a stream number from a node's name, so that nodes given
// the same seed draw different timeouts.
func seedOf(id string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(id); i++ {
		h ^= uint64(id[i])
		h *= 1099511628211
	}
	return h
}

// Roles of a node.
type role int

const (
	follower role = iota
	preCandidate
	candidate
	leader
)

func (r role) String() string {
	return [...]string{"follower", "pre-candidate", "candidate", "leader"}[r]
}

// progress is what a leader knows of one follower.
type progress struct {
	next, match uint64
	sinceSend   int  // ticks since the last append was sent
	phase       int  // this follower's place in the batch interval
	inflight    bool // an append awaits its answer
	probe       bool // latency mode: one append at a time, until one is accepted
	sentCommit  uint64
	sentPrev    uint64 // the Prev of the last append sent
	sinceHeard  int    // ticks since the follower last answered
}

// tally is what a follower knows, within one term, of how far each node's
// log is the same as the log of that term's leader.
type tally struct {
	term   uint64
	leader string            // the node that sent appends in term
	match  map[string]uint64 // node → last index known to match
}

// queued is a client op waiting to be forwarded.
type queued struct {
	op  rsm.Op
	age int
}

// Raft is the core of one Raft node: a pure state machine with no clock,
// goroutine or I/O. It is driven by Tick, Submit and Step, and hands back
// what to persist, send and apply through Ready.
//
// On top of the algorithm of the Raft paper it has pre-vote and check
// quorum (a candidate first asks whether it could win; a node that has
// heard from a leader within the least election timeout refuses to help
// depose it; a leader that has not heard from a majority for that long
// steps down), so a node cut off and back does not disrupt the leader.
// Replication is batched: at most one append per follower per Batch ticks,
// carrying every entry the follower lacks (up to MaxBytes), the followers'
// appends spread evenly over the interval, and the follower's reply carries
// the client ops it took meanwhile to the leader. Reads go through the log like writes.
//
// With Batch 0 it runs in latency mode instead, which trades messages for
// network hops. A follower that heard from its leader lately (within two
// heartbeat intervals) passes each client op on at once, in a forward of
// its own. The leader appends what it takes and
// sends it at once to every follower whose log it knows to match its own,
// without waiting for the answers to earlier appends (pipelining); a
// follower it is not sure of gets one append at a time (probing) until one
// is accepted. A follower that accepts an append acknowledges it to the
// leader and also, in an ack, to every other node whose ops the append
// carries; such an origin counts the acks and learns its op committed
// without waiting for the leader to say so (see originCommit). An op taken
// by the leader is answered after two hops (append, ack), one taken by a
// follower after three (forward, append, ack).
type Raft struct {
	cfg    Config
	quorum int

	// Durable.
	term uint64
	vote string
	log  []Entry // log[i] is index i+1

	// Volatile.
	role             role
	leader           string
	commit, applied  uint64
	elapsed, timeout int // ticks since the election timer was reset; its current timeout
	votes            map[string]bool
	peers            map[string]*progress
	ticks            int // ticks since this node became leader
	forward          []queued
	tally            tally // latency mode: who holds the current term's log

	out rsm.Ready[Message, HardState, Entry]
}

// New returns a core that starts from the durable state st (the zero
// State for a fresh node).
func New(cfg Config, st durable.State[HardState, Entry]) *Raft {
	r := &Raft{
		cfg:    cfg,
		quorum: len(cfg.Nodes)/2 + 1,
		term:   st.Hard.Term,
		vote:   st.Hard.Vote,
		log:    slices.Clone(st.Records),
	}
	r.becomeFollower(r.term, "")
	if r.term == 0 && len(r.log) == 0 && cfg.First > 0 {
		r.timeout = cfg.First + cfg.Rand.IntN(cfg.First)
	}
	return r
}

// Term is the current term.
func (r *Raft) Term() uint64 { return r.term }

// Leader is the leader this node knows of, "" for none.
func (r *Raft) Leader() string { return r.leader }

// IsLeader reports whether this node is the leader of its term.
func (r *Raft) IsLeader() bool { return r.role == leader }

// Commit is the commit index.
func (r *Raft) Commit() uint64 { return r.commit }

// Log returns a copy of the log.
func (r *Raft) Log() []Entry { return slices.Clone(r.log) }

func (r *Raft) lastIndex() uint64 { return uint64(len(r.log)) }

func (r *Raft) termAt(i uint64) uint64 {
	if i == 0 || i > r.lastIndex() {
		return 0
	}
	return r.log[i-1].Term
}

// Ready returns what to persist, send, apply and log, and forgets it.
func (r *Raft) Ready() rsm.Ready[Message, HardState, Entry] {
	for r.applied < r.commit {
		r.applied++
		e := rsm.Entry{Index: r.applied}
		if op := r.log[r.applied-1].Op; op != nil {
			e.Ops = []rsm.Op{*op}
		}
		r.out.Committed = append(r.out.Committed, e)
	}
	out := r.out
	r.out = rsm.Ready[Message, HardState, Entry]{}
	return out
}

func (r *Raft) send(m Message) {
	m.From = r.ID()
	if m.Term == 0 {
		m.Term = r.term
	}
	r.out.Messages = append(r.out.Messages, m)
}

// ID is this node.
func (r *Raft) ID() string { return r.cfg.ID }

func (r *Raft) persistHard() {
	h := HardState{Term: r.term, Vote: r.vote}
	r.out.Persist = append(r.out.Persist, durable.Update[HardState, Entry]{Hard: &h})
}

func (r *Raft) persistEntries(first uint64, truncate bool) {
	recs := slices.Clone(r.log[first-1:])
	r.out.Persist = append(r.out.Persist, durable.Update[HardState, Entry]{First: first, Records: recs, Truncate: truncate})
}

func (r *Raft) resetTimer() {
	r.elapsed = 0
	r.timeout = r.cfg.Election + r.cfg.Rand.IntN(r.cfg.Election)
}

func (r *Raft) becomeFollower(term uint64, lead string) {
	if term != r.term {
		r.term, r.vote = term, ""
		r.persistHard()
	}
	r.role = follower
	r.leader = lead
	r.peers = nil
	r.resetTimer()
}

// Tick advances time by one tick.
func (r *Raft) Tick() {
	r.elapsed++
	if r.role == leader {
		r.tickLeader()
	} else if r.elapsed >= r.timeout {
		r.campaign(preCandidate)
	}
	r.ageQueue()
}

// ageQueue fails the queued client ops that have waited too long for a
// leader to forward them to.
func (r *Raft) ageQueue() {
	keep := r.forward[:0]
	for _, q := range r.forward {
		q.age++
		if q.age < r.cfg.Queue {
			keep = append(keep, q)
		} else if q.op.Origin == r.ID() {
			r.out.Failed = append(r.out.Failed, q.op)
		}
	}
	clear(r.forward[len(keep):])
	r.forward = keep
}

func (r *Raft) tickLeader() {
	r.ticks++
	for _, id := range r.cfg.Nodes {
		if pr := r.peers[id]; pr != nil {
			pr.sinceSend++
			pr.sinceHeard++
		}
	}
	// Check quorum: step down unless a majority was heard from within the
	// least election timeout.
	if r.elapsed >= r.cfg.Election {
		r.elapsed = 0
		heard := 1
		for _, pr := range r.peers {
			if pr.sinceHeard < r.cfg.Election {
				heard++
			}
		}
		if heard < r.quorum {
			r.out.Events = append(r.out.Events, fmt.Sprintf("%s steps down in term %d: no majority heard from", r.ID(), r.term))
			r.becomeFollower(r.term, "")
			return
		}
	}
	for _, id := range r.cfg.Nodes {
		if pr := r.peers[id]; pr == nil {
			continue
		} else if r.latency() {
			r.tickPipeline(id, pr)
		} else {
			r.maybeSend(id, pr, false)
		}
	}
}

// latency reports whether the core runs in latency mode (Batch 0).
func (r *Raft) latency() bool { return r.cfg.Batch == 0 }

// maybeSend sends an append to a follower if one is due.
func (r *Raft) maybeSend(id string, pr *progress, now bool) {
	if pr.inflight {
		if pr.sinceSend < r.cfg.Resend {
			return
		}
		// Lost, or the follower is cut off: go back to what is known.
		pr.next = pr.match + 1
	}
	news := pr.next <= r.lastIndex() || pr.sentCommit < r.commit
	due := (r.ticks+pr.phase)%r.cfg.Batch == 0
	if !now && (!due || !news && pr.sinceSend < r.cfg.Heartbeat) {
		return
	}
	r.sendAppend(id, pr)
}

// sendAppend sends a follower an append of what it lacks from pr.next on,
// up to MaxBytes.
func (r *Raft) sendAppend(id string, pr *progress) {
	prev := pr.next - 1
	m := Message{Kind: KindAppend, To: id, Prev: prev, PrevTerm: r.termAt(prev), Commit: r.commit}
	size := 0
	for i := pr.next; i <= r.lastIndex(); i++ {
		e := r.log[i-1]
		if size += e.size(); size > r.cfg.MaxBytes && len(m.Entries) > 0 {
			break
		}
		m.Entries = append(m.Entries, e)
	}
	r.send(m)
	pr.next = prev + uint64(len(m.Entries)) + 1
	pr.inflight, pr.sinceSend, pr.sentCommit, pr.sentPrev = true, 0, r.commit, prev
}

// pipeline sends a follower, in latency mode, what it lacks: everything
// at once if its log is known to match (each append leaves without
// waiting for the answers to earlier ones), else one append at a time.
func (r *Raft) pipeline(id string, pr *progress) {
	if pr.probe {
		if !pr.inflight {
			r.sendAppend(id, pr)
		}
		return
	}
	for pr.next <= r.lastIndex() {
		r.sendAppend(id, pr)
	}
}

// tickPipeline is a tick's work for one follower in latency mode:
// heartbeats, and going back to probing when appends go unanswered.
func (r *Raft) tickPipeline(id string, pr *progress) {
	switch {
	case pr.probe && pr.inflight:
		if pr.sinceSend >= r.cfg.Resend {
			pr.next = pr.match + 1
			r.sendAppend(id, pr)
		}
	case pr.probe:
		r.sendAppend(id, pr)
	case pr.next-1 > pr.match && pr.sinceHeard >= r.cfg.Resend:
		// Appends go unanswered: lost, or the follower is cut off. Stop
		// sending it every entry and probe from what is known.
		pr.probe, pr.next = true, pr.match+1
		r.sendAppend(id, pr)
	case pr.sinceSend >= r.cfg.Heartbeat:
		r.sendAppend(id, pr)
	}
}

// campaign starts a pre-vote or a vote.
func (r *Raft) campaign(as role) {
	r.resetTimer()
	r.leader = ""
	r.peers = nil
	r.role = as
	r.votes = map[string]bool{r.ID(): true}
	kind, term := KindPreVote, r.term+1
	if as == candidate {
		r.term++
		r.vote = r.ID()
		r.persistHard()
		kind, term = KindVote, r.term
	}
	if len(r.votes) >= r.quorum {
		r.won(as)
		return
	}
	for _, id := range r.cfg.Nodes {
		if id != r.ID() {
			r.send(Message{Kind: kind, To: id, Term: term, LastIndex: r.lastIndex(), LastTerm: r.termAt(r.lastIndex())})
		}
	}
}

// won moves a pre-candidate that gathered a majority on to the vote, and
// makes a candidate that did the leader.
func (r *Raft) won(as role) {
	if as == preCandidate {
		r.campaign(candidate)
		return
	}
	r.role = leader
	r.leader = r.ID()
	r.elapsed = 0
	r.out.Events = append(r.out.Events, fmt.Sprintf("leader %s term %d", r.ID(), r.term))
	r.peers = map[string]*progress{}
	// The no-op of the new term: committing it commits every earlier
	// entry (entries of earlier terms are never committed by counting).
	first := r.lastIndex() + 1
	r.log = append(r.log, Entry{Term: r.term})
	for _, q := range r.forward {
		r.log = append(r.log, Entry{Term: r.term, Op: &q.op})
	}
	clear(r.forward)
	r.forward = r.forward[:0]
	r.persistEntries(first, false)
	r.ticks = 0
	for i, id := range r.followers() {
		pr := &progress{next: first}
		r.peers[id] = pr
		if r.latency() {
			pr.probe = true
			r.pipeline(id, pr)
			continue
		}
		pr.phase = phase(i, len(r.cfg.Nodes)-1, r.cfg.Batch)
		r.maybeSend(id, pr, true)
	}
	r.maybeCommit()
}

func (r *Raft) followers() []string {
	var out []string
	for _, id := range r.cfg.Nodes {
		if id != r.ID() {
			out = append(out, id)
		}
	}
	return out
}

// phase spreads the followers' appends evenly over the batch interval:
// follower i of n gets its append at tick i·batch/n of every interval. An
// op a follower passes on then reaches the other followers, and commits,
// before that follower's next append, which brings it the entry and its
// commit at once: one interval, not two, for most ops, at the same number
// of messages.
func phase(i, n, batch int) int { return i * batch / max(n, 1) }

// Submit takes a client op: a leader appends it, others queue it for the
// leader (in latency mode, pass it on at once if they know a leader).
func (r *Raft) Submit(op rsm.Op) {
	r.take(op, true)
	r.flush()
}

// take appends op if this node leads, else passes it on at once (a
// client's op, in latency mode, with a leader heard from lately) or queues
// it for the leader. Ops passed on by others are queued, not passed on again, so
// that none goes round between nodes that disagree on the leader.
func (r *Raft) take(op rsm.Op, client bool) {
	switch {
	case r.role == leader:
		r.log = append(r.log, Entry{Term: r.term, Op: &op})
		r.persistEntries(r.lastIndex(), false)
	case client && r.latency() && r.leader != "" && r.elapsed < 2*r.cfg.Heartbeat:
		// The leader was heard from lately: an op sent to a leader that
		// is gone may never be answered, where one held back fails for
		// certain once no leader is known for a while.
		r.send(Message{Kind: KindForward, To: r.leader, Forward: []rsm.Op{op}})
	default:
		r.forward = append(r.forward, queued{op: op})
	}
}

// flush commits what a leader alone can (a cluster of one) and, in
// latency mode, sends its new entries at once.
func (r *Raft) flush() {
	if r.role != leader {
		return
	}
	r.maybeCommit()
	if r.latency() {
		for _, id := range r.cfg.Nodes {
			if pr := r.peers[id]; pr != nil {
				r.pipeline(id, pr)
			}
		}
	}
}

// upToDate reports whether a candidate's log is at least as up to date as
// this node's.
func (r *Raft) upToDate(lastIndex, lastTerm uint64) bool {
	my := r.termAt(r.lastIndex())
	return lastTerm > my || lastTerm == my && lastIndex >= r.lastIndex()
}

// inLease reports whether this node has heard from a leader within the
// least election timeout, and so will not help depose it.
func (r *Raft) inLease() bool {
	return r.leader != "" && (r.role == leader || r.elapsed < r.cfg.Election)
}

// Step takes a message from another node.
func (r *Raft) Step(m Message) {
	r.step(m)
	// Client ops a follower passed on: appended if this node leads,
	// queued for the leader otherwise.
	for _, op := range m.Forward {
		r.take(op, false)
	}
	if len(m.Forward) > 0 {
		r.flush()
	}
}

func (r *Raft) step(m Message) {
	switch {
	case m.Term > r.term:
		switch {
		case m.Kind == KindPreVote:
			// A pre-vote asks about a term it does not start.
		case m.Kind == KindPreVoteReply && m.Granted:
			// Granted for the term this node would start.
		case m.Kind == KindVote && r.inLease():
			return
		case m.Kind == KindAppend:
			r.becomeFollower(m.Term, m.From)
		default:
			r.becomeFollower(m.Term, "")
		}
	case m.Term < r.term:
		switch m.Kind {
		case KindAppend:
			// Tell a deposed leader of the newer term.
			r.send(Message{Kind: KindAppendReply, To: m.From, Index: m.Prev, Reject: true})
		case KindPreVote, KindVote:
			r.send(Message{Kind: replyKind(m.Kind), To: m.From})
		}
		return
	}
	switch m.Kind {
	case KindAppend:
		r.handleAppend(m)
	case KindAppendReply:
		r.handleAppendReply(m)
	case KindPreVote, KindVote:
		r.handleVote(m)
	case KindPreVoteReply, KindVoteReply:
		r.handleVoteReply(m)
	case KindAck:
		if r.role != leader {
			r.heard(m.From, m.Match, "")
			r.originCommit()
		}
	}
}

func replyKind(kind string) string {
	if kind == KindPreVote {
		return KindPreVoteReply
	}
	return KindVoteReply
}

func (r *Raft) handleVote(m Message) {
	grant := r.upToDate(m.LastIndex, m.LastTerm)
	if m.Kind == KindPreVote {
		grant = grant && !r.inLease()
		if !grant {
			r.send(Message{Kind: KindPreVoteReply, To: m.From})
			return
		}
		r.send(Message{Kind: KindPreVoteReply, To: m.From, Term: m.Term, Granted: true})
		return
	}
	grant = grant && (r.vote == "" || r.vote == m.From)
	if grant {
		r.vote = m.From
		r.persistHard()
		r.resetTimer()
	}
	r.send(Message{Kind: KindVoteReply, To: m.From, Granted: grant})
}

func (r *Raft) handleVoteReply(m Message) {
	want := candidate
	if m.Kind == KindPreVoteReply {
		want = preCandidate
	}
	if r.role != want || !m.Granted || want == preCandidate && m.Term != r.term+1 {
		return
	}
	r.votes[m.From] = true
	if len(r.votes) >= r.quorum {
		r.won(want)
	}
}

func (r *Raft) handleAppend(m Message) {
	if r.role != follower {
		r.becomeFollower(r.term, m.From)
	}
	r.leader = m.From
	r.resetTimer()
	reply := Message{Kind: KindAppendReply, To: m.From, Index: m.Prev}
	switch {
	case m.Prev > r.lastIndex():
		reply.Reject, reply.Hint = true, r.lastIndex()+1
	case r.termAt(m.Prev) != m.PrevTerm:
		// Skip back over the whole conflicting term at once.
		t, i := r.termAt(m.Prev), m.Prev
		for i > 1 && r.termAt(i-1) == t {
			i--
		}
		reply.Reject, reply.Hint = true, i
	default:
		for k, e := range m.Entries {
			i := m.Prev + uint64(k) + 1
			if i <= r.lastIndex() && r.termAt(i) == e.Term {
				continue
			}
			// The first new or conflicting entry: what follows is replaced.
			r.log = append(r.log[:i-1], m.Entries[k:]...)
			r.persistEntries(i, true)
			break
		}
		last := m.Prev + uint64(len(m.Entries))
		if c := min(m.Commit, last); c > r.commit {
			r.commit = c
		}
		reply.Match = last
		if r.latency() {
			r.heard(r.ID(), last, m.From)
			r.originCommit()
			r.ackOrigins(m, last)
		}
	}
	// Pass on the client ops taken meanwhile.
	size := 0
	n := 0
	for _, q := range r.forward {
		if size += q.op.Size(); size > r.cfg.MaxBytes && n > 0 {
			break
		}
		reply.Forward = append(reply.Forward, q.op)
		n++
	}
	clear(r.forward[:n])
	r.forward = r.forward[n:]
	r.send(reply)
}

func (r *Raft) handleAppendReply(m Message) {
	if r.role != leader {
		return
	}
	pr := r.peers[m.From]
	if pr == nil {
		return
	}
	pr.sinceHeard = 0
	if r.latency() {
		r.handlePipelinedReply(m, pr)
		return
	}
	latest := m.Index == pr.sentPrev
	if m.Reject {
		if !latest {
			return // answers an append older than the last one sent
		}
		pr.inflight = false
		pr.next = max(pr.match+1, min(m.Hint, r.lastIndex()+1))
		r.maybeSend(m.From, pr, true)
		return
	}
	pr.match = max(pr.match, m.Match)
	pr.next = max(pr.next, pr.match+1)
	if latest {
		pr.inflight = false
	}
	r.maybeCommit()
}

// maybeCommit advances the commit index to the highest index a majority
// holds, if that entry is of the current term.
func (r *Raft) maybeCommit() {
	matches := []uint64{r.lastIndex()}
	for _, pr := range r.peers {
		matches = append(matches, pr.match)
	}
	slices.Sort(matches)
	n := matches[len(matches)-r.quorum]
	if n > r.commit && r.termAt(n) == r.term {
		r.commit = n
	}
}

// handlePipelinedReply takes a follower's answer in latency mode, where
// several appends may be on their way: a rejection that is stale (the
// follower has since been known to hold its Prev) or, while probing,
// answers anything but the probe is ignored; any other moves the follower
// to probing from its hint. A success raises what the follower is known to
// hold; the answer to the probe ends probing, and what the follower still
// lacks goes at once.
func (r *Raft) handlePipelinedReply(m Message, pr *progress) {
	answersProbe := pr.probe && m.Index == pr.sentPrev
	if m.Reject {
		if m.Index <= pr.match || pr.probe && !answersProbe {
			return
		}
		pr.probe, pr.inflight = true, false
		pr.next = max(pr.match+1, min(m.Hint, r.lastIndex()+1))
		r.sendAppend(m.From, pr)
		return
	}
	pr.match = max(pr.match, m.Match)
	pr.next = max(pr.next, pr.match+1)
	if answersProbe {
		pr.probe, pr.inflight = false, false
	}
	r.maybeCommit()
	r.pipeline(m.From, pr)
}

// ackOrigins sends, in latency mode, an ack of an append this follower
// accepted to every other node whose client ops the append carries
// (leader excepted: it has the reply): its log matches the leader's up to
// last.
func (r *Raft) ackOrigins(m Message, last uint64) {
	var sent []string
	for _, e := range m.Entries {
		if e.Op == nil {
			continue
		}
		o := e.Op.Origin
		if o == r.ID() || o == m.From || slices.Contains(sent, o) || !slices.Contains(r.cfg.Nodes, o) {
			continue
		}
		sent = append(sent, o)
		r.send(Message{Kind: KindAck, To: o, Match: last})
	}
}

// heard records that id's log is known to match, up to index match, the
// log of the leader of the current term (named if known).
func (r *Raft) heard(id string, match uint64, lead string) {
	if r.tally.term != r.term {
		r.tally = tally{term: r.term, match: map[string]uint64{}}
	}
	if lead != "" {
		r.tally.leader = lead
	}
	r.tally.match[id] = max(r.tally.match[id], match)
}

// originCommit is Raft's commit rule computed by a follower from the acks
// of the current term T, rather than by the leader from its replies: an
// index of term T that a majority holds is committed. The rule's safety
// (Raft §5.4.2, leader completeness) rests on what the nodes stored, not on
// who counts: if a majority each stored, in term T, the entry of term T at
// index n, every leader of a later term holds it — it got a vote from one
// of that majority, which stored the entry before voting (once it voted in
// a later term it would reject T's appends), kept it (by induction every
// leader in between held it, leaders never remove entries, and followers
// remove only what conflicts with their leader) and voted only for a log
// at least as up to date. The facts counted here are of that kind: an ack
// of term T from A says that A accepted, in term T, an append from T's
// leader and persisted it, so that A's log was that leader's up to Match;
// this node's own replies in T say the same of itself; and T's leader holds
// every entry it sent anybody. The replies a leader counts are the same
// facts, and no fresher. So if T's leader, this node and the acks make a
// majority holding n, n ≤ this node's own match (it holds the entry to
// apply) and termAt(n) = T, then n is committed, and every index before
// it. Entries of older terms are never committed by counting (Figure 8):
// only as the prefix of one of T. Acks of an older term do not count, nor
// what was heard in an older term (the tally is per term).
func (r *Raft) originCommit() {
	t := r.tally
	if t.term != r.term || t.leader == "" {
		return
	}
	own := t.match[r.ID()]
	holds := []uint64{}
	top := own
	for _, id := range r.cfg.Nodes {
		if id != t.leader {
			holds = append(holds, t.match[id])
			top = max(top, t.match[id])
		}
	}
	// The leader holds whatever anyone acked in its term.
	holds = append(holds, top)
	slices.Sort(holds)
	n := min(holds[len(holds)-r.quorum], own)
	if n > r.commit && r.termAt(n) == r.term {
		r.commit = n
	}
}
