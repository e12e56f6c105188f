package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/nodes/internal/durable"
	"github.com/eddy-workbench/eddy/nodes/internal/rsm"
)

// cluster drives Multi-Paxos cores by hand: nothing moves unless the test
// ticks a node or delivers messages.
type cluster struct {
	t       *testing.T
	ids     []string
	ps      map[string]*Paxos
	stores  map[string]*durable.Memory[HardState, Accepted]
	queue   []Message
	cut     map[string]bool
	applied map[string][]rsm.Entry
	failed  map[string][]rsm.Op
	events  []string
	sent    []Message // every message delivered or lost, in order
}

func newCluster(t *testing.T, n int, tweak func(*Config)) *cluster {
	c := &cluster{t: t, ps: map[string]*Paxos{}, stores: map[string]*durable.Memory[HardState, Accepted]{},
		cut: map[string]bool{}, applied: map[string][]rsm.Entry{}, failed: map[string][]rsm.Op{}}
	for i := range n {
		c.ids = append(c.ids, fmt.Sprintf("n%d", i+1))
	}
	for i, id := range c.ids {
		cfg := DefaultConfig(id, c.ids, uint64(i))
		if tweak != nil {
			tweak(&cfg)
		}
		c.stores[id] = &durable.Memory[HardState, Accepted]{}
		c.ps[id] = New(cfg, durable.State[HardState, Accepted]{})
	}
	return c
}

func (c *cluster) drain(id string) {
	rd := c.ps[id].Ready()
	for _, u := range rd.Persist {
		require.NoError(c.t, c.stores[id].Save(u))
	}
	c.queue = append(c.queue, rd.Messages...)
	c.applied[id] = append(c.applied[id], rd.Committed...)
	c.failed[id] = append(c.failed[id], rd.Failed...)
	c.events = append(c.events, rd.Events...)
}

func (c *cluster) tick(id string, n int) {
	for range n {
		c.ps[id].Tick()
		c.drain(id)
	}
}

func (c *cluster) tickAll(n int) {
	for range n {
		for _, id := range c.ids {
			c.tick(id, 1)
		}
		c.deliver()
	}
}

func (c *cluster) deliver() {
	for len(c.queue) > 0 {
		m := c.queue[0]
		c.queue = c.queue[1:]
		c.sent = append(c.sent, m)
		if c.cut[m.From] || c.cut[m.To] {
			continue
		}
		c.step(m)
	}
}

func (c *cluster) step(m Message) {
	body, err := json.Marshal(m)
	require.NoError(c.t, err)
	var got Message
	require.NoError(c.t, json.Unmarshal(body, &got))
	got.From, got.To = m.From, m.To
	c.ps[m.To].Step(got)
	c.drain(m.To)
}

// only cuts off every node but ids.
func (c *cluster) only(ids ...string) {
	for _, id := range c.ids {
		c.cut[id] = true
	}
	for _, id := range ids {
		c.cut[id] = false
	}
}

// lead makes id run phase 1 now, with whoever is reachable; the others
// act as if they had not heard from a leader for an election timeout (a
// leader among them has stepped down).
func (c *cluster) lead(id string) {
	for _, n := range c.ps {
		if n.IsLeader() {
			n.stopLeading()
		}
		n.leader = ""
	}
	p := c.ps[id]
	var top Ballot
	for _, n := range c.ps {
		if top.Less(n.Promised()) {
			top = n.Promised()
		}
	}
	p.prepare(p.ballotAbove(top))
	c.drain(id)
	c.deliver()
}

func (c *cluster) leaders() []string {
	var out []string
	for _, id := range c.ids {
		if c.ps[id].IsLeader() {
			out = append(out, id)
		}
	}
	return out
}

func op(origin string, seq uint64, value int) rsm.Op {
	return rsm.Op{Origin: origin, Seq: seq, F: rsm.Write, Key: json.RawMessage("0"), Value: json.RawMessage(fmt.Sprint(value))}
}

func (c *cluster) submit(id string, o rsm.Op) {
	c.ps[id].Submit(o)
	c.drain(id)
}

func (c *cluster) appliedOps(id string) []string {
	var out []string
	for _, e := range c.applied[id] {
		for _, o := range e.Ops {
			out = append(out, fmt.Sprintf("%s/%d", o.Origin, o.Seq))
		}
	}
	return out
}

func names(ops []rsm.Op) []string {
	var out []string
	for _, o := range ops {
		out = append(out, fmt.Sprintf("%s/%d", o.Origin, o.Seq))
	}
	return out
}

func TestPhase1AndPhase2(t *testing.T) {
	c := newCluster(t, 5, nil)
	c.lead("n1")
	require.Equal(t, []string{"n1"}, c.leaders())
	assert.Contains(t, c.events, "leader n1 ballot 1")
	for _, id := range c.ids {
		assert.Equal(t, Ballot{1, "n1"}, c.ps[id].Promised(), id)
	}
	st, err := c.stores["n4"].Load()
	require.NoError(t, err)
	assert.Equal(t, Ballot{1, "n1"}, st.Hard.Promised, "the promise is durable")
	c.submit("n1", op("n1", 1, 1))
	c.submit("n3", op("n3", 1, 2))
	c.tickAll(20)
	for _, id := range c.ids {
		assert.ElementsMatch(t, []string{"n1/1", "n3/1"}, c.appliedOps(id), id)
	}
}

func TestFirstLeaderByTimeout(t *testing.T) {
	c := newCluster(t, 3, nil)
	c.tickAll(20)
	require.Len(t, c.leaders(), 1)
	lead := c.leaders()[0]
	c.tickAll(500)
	assert.Equal(t, []string{lead}, c.leaders(), "a leader that keeps sending stays leader")
	assert.Equal(t, uint64(1), c.ps[lead].Ballot().N)
}

// TestPhase1RecoversAcceptedValue: a value one acceptor accepted (not a
// majority: it may or may not have been chosen) is proposed again by the
// next leader, whose phase 1 hears of it.
func TestPhase1RecoversAcceptedValue(t *testing.T) {
	c := newCluster(t, 5, nil)
	c.lead("n1")
	c.only("n1", "n2")
	c.submit("n1", op("n1", 1, 1))
	c.tick("n1", 10)
	c.deliver()
	require.Equal(t, []string{"n1/1"}, names(c.ps["n2"].AcceptedAt(1).Ops))
	// n1 goes down; n3 leads with n2, n4, n5.
	c.only("n2", "n3", "n4", "n5")
	c.lead("n3")
	require.True(t, c.ps["n3"].IsLeader())
	c.tickAll(20)
	for _, id := range []string{"n2", "n3", "n4", "n5"} {
		assert.Equal(t, []string{"n1/1"}, c.appliedOps(id), id)
	}
}

// TestPhase1PicksTheHighestBallot: two acceptors accepted different values
// in the same slot in two ballots; the new leader must propose the value
// of the higher one (which may have been chosen), not the other.
func TestPhase1PicksTheHighestBallot(t *testing.T) {
	c := newCluster(t, 5, nil)
	c.lead("n1")
	c.only("n1", "n2")
	c.submit("n1", op("n1", 1, 1))
	c.tick("n1", 10)
	c.deliver()
	// n4 leads ballot 2 with n3 and n5 (n2 unreachable), proposes its own
	// value in slot 1 and gets it to n3 and n5 — chosen in ballot 2.
	c.only("n3", "n4", "n5")
	c.lead("n4")
	require.True(t, c.ps["n4"].IsLeader())
	c.submit("n4", op("n4", 1, 4))
	c.tickAll(10)
	v, ok := c.ps["n4"].Chosen(1)
	require.True(t, ok)
	require.Equal(t, []string{"n4/1"}, names(v))
	// n2 leads with n1, n2 (slot 1: n1/1 in ballot 1) and n3 (n4/1 in
	// ballot 2): ballot 2 wins.
	c.only("n1", "n2", "n3")
	c.lead("n2")
	require.True(t, c.ps["n2"].IsLeader())
	c.tickAll(10)
	for _, id := range []string{"n1", "n2", "n3"} {
		assert.Equal(t, []string{"n4/1"}, c.appliedOps(id), id)
	}
}

// TestGapsAreFilledWithNoOps: a leader that finds slot 2 accepted but no
// trace of slot 1 fills slot 1 with a no-op, and both are applied in order.
func TestGapsAreFilledWithNoOps(t *testing.T) {
	c := newCluster(t, 3, nil)
	c.lead("n1")
	c.only("n1")
	c.submit("n1", op("n1", 1, 1))
	c.tick("n1", 10) // slot 1: lost on the way
	c.queue = nil
	c.only("n1", "n2")
	c.submit("n1", op("n1", 2, 2))
	c.ps["n1"].peers["n2"].inflight = false // pretend slot 1 was answered
	c.ps["n1"].peers["n2"].next = 2
	c.tick("n1", 10)
	c.queue = c.queue[:1]
	require.Equal(t, KindAccept, c.queue[0].Kind)
	c.deliver()
	require.True(t, c.ps["n2"].AcceptedAt(1).Ballot.IsZero())
	require.Equal(t, []string{"n1/2"}, names(c.ps["n2"].AcceptedAt(2).Ops))
	// n1 goes down for good; n3 leads with n2.
	c.only("n2", "n3")
	c.lead("n3")
	require.True(t, c.ps["n3"].IsLeader())
	c.tickAll(10)
	require.Len(t, c.applied["n3"], 2)
	assert.Empty(t, c.applied["n3"][0].Ops, "slot 1 is a no-op")
	assert.Equal(t, []string{"n1/2"}, c.appliedOps("n3"))
}

// TestChosenOutOfOrderAppliedInOrder: a learner that learns slot 2 before
// slot 1 applies neither until it has slot 1.
func TestChosenOutOfOrderAppliedInOrder(t *testing.T) {
	c := newCluster(t, 3, nil)
	c.lead("n1")
	p := c.ps["n1"]
	p.choose(2, []rsm.Op{op("n1", 2, 2)})
	c.drain("n1")
	assert.Empty(t, c.applied["n1"])
	assert.Equal(t, uint64(0), p.Learned())
	p.choose(1, []rsm.Op{op("n1", 1, 1)})
	c.drain("n1")
	assert.Equal(t, []string{"n1/1", "n1/2"}, c.appliedOps("n1"))
}

// TestGapFillingForALaggingAcceptor: an acceptor that missed many slots
// gets their chosen values from the leader, several messages' worth.
func TestGapFillingForALaggingAcceptor(t *testing.T) {
	c := newCluster(t, 3, func(cfg *Config) { cfg.MaxBytes = 1000 })
	c.lead("n1")
	c.only("n1", "n2")
	for i := range 100 {
		c.submit("n1", op("n1", uint64(i+1), i%5))
		c.tickAll(1)
	}
	c.tickAll(20)
	require.Len(t, c.appliedOps("n2"), 100)
	require.Empty(t, c.appliedOps("n3"))
	c.only(c.ids...)
	decided := 0
	for range 100 {
		for _, id := range c.ids {
			c.tick(id, 1)
		}
		for _, m := range c.queue {
			if m.To == "n3" {
				decided += len(m.Decided)
				body, err := json.Marshal(m)
				require.NoError(t, err)
				assert.Less(t, len(body), 1500, "messages stay near the byte bound")
			}
		}
		c.deliver()
	}
	assert.Len(t, c.appliedOps("n3"), 100)
	assert.Greater(t, decided, 0)
}

// TestOneSlotPerBatch: the ops that arrive within one batch interval go in
// one slot and one accept per acceptor.
func TestOneSlotPerBatch(t *testing.T) {
	c := newCluster(t, 3, func(cfg *Config) { cfg.Batch = 5 })
	c.lead("n1")
	c.tickAll(10)
	for i := range 20 {
		c.submit("n1", op("n1", uint64(i+1), i%5))
	}
	var accepts, replies, carried int
	for range 10 {
		for _, id := range c.ids {
			c.tick(id, 1)
		}
		for len(c.queue) > 0 {
			m := c.queue[0]
			c.queue = c.queue[1:]
			switch m.Kind {
			case KindAccept:
				accepts++
				for _, e := range m.Entries {
					carried = max(carried, len(e.Ops))
				}
			case KindAccepted:
				replies++
			}
			c.step(m)
		}
	}
	assert.LessOrEqual(t, accepts, 4, "at most one accept per acceptor per 5 ticks")
	assert.Equal(t, accepts, replies)
	assert.Equal(t, 20, carried, "one slot holds all 20")
	assert.Len(t, c.applied["n3"], 1)
	assert.Len(t, c.appliedOps("n3"), 20)
}

// TestANodeBackFromAPartitionMakesTheLeaderRaiseItsBallot: a node cut off
// tried to lead with ever higher ballots; back, it refuses the leader's
// accepts, and the leader runs phase 1 again above its ballot and stays
// leader. The majority ignored its prepares meanwhile (leader lease).
func TestANodeBackFromAPartitionMakesTheLeaderRaiseItsBallot(t *testing.T) {
	c := newCluster(t, 3, nil)
	c.lead("n1")
	c.tickAll(10)
	c.cut["n3"] = true
	c.tickAll(300)
	require.Equal(t, []string{"n1"}, c.leaders())
	high := c.ps["n3"].Promised()
	require.Greater(t, high.N, uint64(1), "n3 tried to lead, cut off")
	c.cut["n3"] = false
	c.tickAll(50)
	assert.Equal(t, []string{"n1"}, c.leaders())
	assert.True(t, high.Less(c.ps["n1"].Ballot()))
	c.submit("n3", op("n3", 1, 1))
	c.tickAll(20)
	for _, id := range c.ids {
		assert.Equal(t, []string{"n3/1"}, c.appliedOps(id), id)
	}
	var leaderLines []string
	for _, e := range c.events {
		if strings.HasPrefix(e, "leader ") {
			leaderLines = append(leaderLines, e)
		}
	}
	require.Len(t, leaderLines, 2)
	assert.Equal(t, "leader n1 ballot 1", leaderLines[0])
	var n uint64
	_, err := fmt.Sscanf(leaderLines[1], "leader n1 ballot %d", &n)
	require.NoError(t, err)
	assert.Greater(t, n, high.N, "above n3's")
}

// TestDuelingProposers: two nodes start phase 1 at once; the randomized
// timeouts settle it on one leader.
func TestDuelingProposers(t *testing.T) {
	c := newCluster(t, 5, nil)
	c.ps["n1"].prepare(Ballot{1, "n1"})
	c.drain("n1")
	c.ps["n2"].prepare(Ballot{1, "n2"})
	c.drain("n2")
	c.deliver()
	c.tickAll(300)
	require.Len(t, c.leaders(), 1)
	c.submit("n5", op("n5", 1, 1))
	c.tickAll(20)
	for _, id := range c.ids {
		assert.Equal(t, []string{"n5/1"}, c.appliedOps(id), id)
	}
}

// TestPhase1Paginates: acceptors whose reports exceed the byte bound send
// them in pages, and the leader asks for the rest.
func TestPhase1Paginates(t *testing.T) {
	c := newCluster(t, 3, func(cfg *Config) { cfg.MaxBytes = 300 })
	c.lead("n1")
	c.only("n1", "n2")
	for i := range 30 {
		c.submit("n1", op("n1", uint64(i+1), i%5))
		c.tick("n1", 5)
		c.deliver()
	}
	// n2 accepted 30 slots; n1 goes down before telling it they are chosen.
	c.queue = nil
	c.only("n2", "n3")
	c.lead("n3")
	require.True(t, c.ps["n3"].IsLeader())
	prepares := 0
	for _, m := range c.sent {
		if m.Kind == KindPrepare && m.From == "n3" && m.To == "n2" {
			prepares++
		}
	}
	assert.Greater(t, prepares, 1, "phase 1 took several pages")
	c.tickAll(20)
	assert.Len(t, c.appliedOps("n3"), 30)
}

func TestMinoritySideStopsAndFails(t *testing.T) {
	c := newCluster(t, 5, nil)
	c.lead("n1")
	c.tickAll(10)
	side := map[string]int{"n1": 0, "n2": 0, "n3": 1, "n4": 1, "n5": 1}
	round := func() {
		for _, id := range c.ids {
			c.tick(id, 1)
		}
		for len(c.queue) > 0 {
			m := c.queue[0]
			c.queue = c.queue[1:]
			if side[m.From] == side[m.To] {
				c.step(m)
			}
		}
	}
	c.submit("n1", op("n1", 1, 1))
	for range 200 {
		round()
	}
	assert.False(t, c.ps["n1"].IsLeader(), "the old leader stopped: no majority heard from")
	var lead string
	for _, id := range []string{"n3", "n4", "n5"} {
		if c.ps[id].IsLeader() {
			lead = id
		}
	}
	require.NotEmpty(t, lead, "the majority elected a leader")
	c.submit("n2", op("n2", 1, 2))
	for range 100 {
		round()
	}
	require.Len(t, c.failed["n2"], 1, "the minority fails what it never sent")
	clear(side)
	for range 50 {
		round()
	}
	for _, id := range c.ids {
		assert.Equal(t, c.appliedOps(lead), c.appliedOps(id), id)
		assert.NotContains(t, c.appliedOps(id), "n2/1")
	}
}

func TestRestartFromDurableState(t *testing.T) {
	c := newCluster(t, 3, nil)
	c.lead("n1")
	c.only("n1", "n2") // so that n2's vote is needed
	c.submit("n1", op("n1", 1, 1))
	c.tickAll(20)
	c.only(c.ids...)
	st, err := c.stores["n2"].Load()
	require.NoError(t, err)
	c.ps["n2"] = New(DefaultConfig("n2", c.ids, 9), st)
	assert.Equal(t, Ballot{1, "n1"}, c.ps["n2"].Promised())
	assert.Equal(t, []string{"n1/1"}, names(c.ps["n2"].AcceptedAt(1).Ops))
	assert.Equal(t, uint64(0), c.ps["n2"].Learned(), "what was chosen is volatile: learned again")
	c.applied["n2"] = nil
	c.tickAll(20)
	assert.Equal(t, []string{"n1/1"}, c.appliedOps("n2"))
}

// eagerCfg is the latency mode (-batch 0s).
func eagerCfg(cfg *Config) { cfg.Eager, cfg.Batch = true, 1 }

// hop delivers the messages in flight now, not those they cause: one
// network hop.
func (c *cluster) hop() {
	msgs := c.queue
	c.queue = nil
	for _, m := range msgs {
		c.sent = append(c.sent, m)
		if c.cut[m.From] || c.cut[m.To] {
			continue
		}
		c.step(m)
	}
}

// TestLatencyModeHops: in the latency mode an op the leader takes is
// applied there after 2 hops (accept, accepted), and one a follower takes
// after 3 at that follower (forward, accept, accepted from the
// acceptors to it as well as to the leader), with no tick in between.
func TestLatencyModeHops(t *testing.T) {
	for _, tc := range []struct {
		origin string
		hops   int
		msgs   map[string]int
	}{
		{"n1", 2, map[string]int{KindAccept: 4, KindAccepted: 4}},
		{"n3", 3, map[string]int{KindForward: 1, KindAccept: 4, KindAccepted: 4 + 3}},
	} {
		t.Run(tc.origin, func(t *testing.T) {
			c := newCluster(t, 5, eagerCfg)
			c.lead("n1")
			c.tickAll(3)
			before := len(c.sent)
			c.submit(tc.origin, op(tc.origin, 1, 1))
			hops := 0
			for len(c.appliedOps(tc.origin)) == 0 && hops < 10 {
				c.hop()
				hops++
			}
			assert.Equal(t, tc.hops, hops)
			assert.Equal(t, []string{tc.origin + "/1"}, c.appliedOps(tc.origin))
			c.deliver()
			kinds := map[string]int{}
			for _, m := range c.sent[before:] {
				kinds[m.Kind]++
			}
			assert.Equal(t, tc.msgs, kinds, "one op's messages")
			// The others learn it from the leader's next accept.
			c.tickAll(15)
			for _, id := range c.ids {
				assert.Equal(t, []string{tc.origin + "/1"}, c.appliedOps(id), id)
			}
		})
	}
}

// TestLatencyModePipelines: the leader sends each op's accept at once,
// without waiting for the previous one's answers, and a follower learns
// the slots below its own from the same accepted messages.
func TestLatencyModePipelines(t *testing.T) {
	c := newCluster(t, 5, eagerCfg)
	c.lead("n1")
	c.tickAll(3)
	c.submit("n1", op("n1", 1, 1)) // slot 1
	c.submit("n2", op("n2", 1, 2)) // slot 2
	c.submit("n3", op("n3", 1, 3)) // slot 3
	c.hop()                        // the forwards reach n1, slot 1's accepts the others
	accepts := 0
	for _, m := range c.sent {
		if m.Kind == KindAccept && m.To == "n3" {
			accepts++
		}
	}
	for _, m := range c.queue {
		if m.Kind == KindAccept && m.To == "n3" {
			accepts++
		}
	}
	assert.Equal(t, 1+3, accepts, "phase 2's first accept, then one per op, none answered yet")
	c.hop()
	c.hop()
	assert.Equal(t, []string{"n1/1", "n2/1"}, c.appliedOps("n2"))
	assert.Equal(t, []string{"n1/1", "n2/1", "n3/1"}, c.appliedOps("n3"), "n3 learned the slots below its own in 3 hops")
}

// TestLatencyModeLearning: a learner counts, per slot, the acceptors that
// accepted in one ballot the value it accepted in it, itself and the
// ballot's proposer; accepted in different ballots do not add up, and an
// accepted that comes before the learner's own accept counts once it
// accepts.
func TestLatencyModeLearning(t *testing.T) {
	ids := []string{"n1", "n2", "n3", "n4", "n5"}
	b1, b2 := Ballot{1, "n1"}, Ballot{2, "n2"}
	mine := op("n3", 1, 1)
	accept := func(b Ballot, v rsm.Op) Message {
		return Message{Kind: KindAccept, From: b.ID, To: "n3", Ballot: b, Entries: []SlotValue{{Slot: 1, Ops: []rsm.Op{v}}}}
	}
	accepted := func(from string, b Ballot) Message {
		return Message{Kind: KindAccepted, From: from, To: "n3", Ballot: b, Slots: []uint64{1}}
	}
	for _, tc := range []struct {
		name  string
		steps []Message
		want  []string // slot 1's value learned, nil for not learned
	}{
		{"a majority in one ballot", []Message{accept(b1, mine), accepted("n4", b1)}, []string{"n3/1"}},
		{"the accepted first", []Message{accepted("n4", b1), accept(b1, mine)}, []string{"n3/1"}},
		{"itself and the proposer only", []Message{accept(b1, mine)}, nil},
		{"the same acceptor twice", []Message{accept(b1, mine), accepted("n1", b1), accepted("n1", b1)}, nil},
		{"another ballot", []Message{accept(b1, mine), accepted("n4", b2)}, nil},
		{"a lower ballot after a higher one", []Message{accept(b1, mine), accepted("n4", b2), accepted("n5", b1)}, nil},
		{"a ballot this node did not accept in", []Message{accept(b1, mine), accepted("n4", b2), accepted("n5", b2)}, nil},
		{"then it accepts in that ballot", []Message{accept(b1, mine), accepted("n4", b2), accept(b2, op("n3", 2, 2))}, []string{"n3/2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig("n3", ids, 1)
			eagerCfg(&cfg)
			p := New(cfg, durable.State[HardState, Accepted]{})
			for _, m := range tc.steps {
				p.Step(m)
			}
			v, ok := p.Chosen(1)
			assert.Equal(t, tc.want != nil, ok)
			assert.Equal(t, tc.want, names(v))
			var got []string
			for _, e := range p.Ready().Committed {
				got = append(got, names(e.Ops)...)
			}
			assert.Equal(t, tc.want, got, "applied")
		})
	}
}

// TestLatencyModePhase1RecoversLearnedSlot: a follower learned its op's
// slot chosen from the acceptors, and answered, before the leader knew;
// the leader goes down. A new leader whose phase 1 does not hear from
// that follower still finds the value and proposes it again, so every
// node applies it in that slot.
func TestLatencyModePhase1RecoversLearnedSlot(t *testing.T) {
	c := newCluster(t, 5, eagerCfg)
	c.lead("n1")
	c.tickAll(3)
	c.only("n1", "n2", "n3")
	c.submit("n3", op("n3", 1, 1))
	c.hop() // forward
	c.hop() // accepts to n2 and n3
	require.Equal(t, []string{"n3/1"}, names(c.ps["n2"].AcceptedAt(1).Ops))
	c.cut["n1"] = true // n1 never hears n2's accepted
	c.hop()
	require.Equal(t, []string{"n3/1"}, c.appliedOps("n3"), "n3 learned it from n2, n1 and itself")
	_, ok := c.ps["n1"].Chosen(1)
	require.False(t, ok)
	// n1 is gone; n4 leads with n2 and n5.
	c.queue = nil
	c.only("n2", "n4", "n5")
	c.lead("n4")
	require.True(t, c.ps["n4"].IsLeader())
	c.submit("n5", op("n5", 1, 5))
	c.tickAll(5)
	c.only("n2", "n3", "n4", "n5")
	c.tickAll(30)
	for _, id := range []string{"n2", "n3", "n4", "n5"} {
		assert.Equal(t, []string{"n3/1", "n5/1"}, c.appliedOps(id), id)
	}
}
