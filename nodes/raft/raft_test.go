package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/nodes/internal/durable"
	"github.com/eddy-workbench/eddy/nodes/internal/rsm"
)

// cluster drives Raft cores by hand: nothing moves unless the test ticks a
// node or delivers messages.
type cluster struct {
	t       *testing.T
	ids     []string
	rs      map[string]*Raft
	stores  map[string]*durable.Memory[HardState, Entry]
	queue   []Message
	cut     map[string]bool // nodes cut off from everyone
	applied map[string][]rsm.Entry
	failed  map[string][]rsm.Op
	events  []string
}

func newCluster(t *testing.T, n int, tweak func(*Config)) *cluster {
	c := &cluster{t: t, rs: map[string]*Raft{}, stores: map[string]*durable.Memory[HardState, Entry]{},
		cut: map[string]bool{}, applied: map[string][]rsm.Entry{}, failed: map[string][]rsm.Op{}}
	for i := range n {
		c.ids = append(c.ids, fmt.Sprintf("n%d", i+1))
	}
	for i, id := range c.ids {
		cfg := DefaultConfig(id, c.ids, uint64(i))
		if tweak != nil {
			tweak(&cfg)
		}
		c.stores[id] = &durable.Memory[HardState, Entry]{}
		c.rs[id] = New(cfg, durable.State[HardState, Entry]{})
	}
	return c
}

// drain takes a core's Ready: persists, queues messages, records what it
// applied.
func (c *cluster) drain(id string) {
	rd := c.rs[id].Ready()
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
		c.rs[id].Tick()
		c.drain(id)
	}
}

// tickAll ticks every node that is not cut off n times, delivering
// messages after each round.
func (c *cluster) tickAll(n int) {
	for range n {
		for _, id := range c.ids {
			c.tick(id, 1)
		}
		c.deliver()
	}
}

// deliver delivers messages until none is left; those to or from a cut
// node are lost.
func (c *cluster) deliver() {
	for len(c.queue) > 0 {
		m := c.queue[0]
		c.queue = c.queue[1:]
		if c.cut[m.From] || c.cut[m.To] {
			continue
		}
		c.step(m)
	}
}

// step delivers one message, after a JSON round trip.
func (c *cluster) step(m Message) {
	body, err := json.Marshal(m)
	require.NoError(c.t, err)
	var got Message
	require.NoError(c.t, json.Unmarshal(body, &got))
	got.From, got.To = m.From, m.To
	c.rs[m.To].Step(got)
	c.drain(m.To)
}

// campaign makes id time out and campaign, and delivers everything.
func (c *cluster) campaign(id string) {
	c.rs[id].campaign(preCandidate)
	c.drain(id)
	c.deliver()
}

// forget makes nodes forget their leader, as if they had not heard from
// it for an election timeout: they no longer refuse to help depose it.
func (c *cluster) forget(ids ...string) {
	for _, id := range ids {
		if !c.rs[id].IsLeader() {
			c.rs[id].leader = ""
		}
	}
}

func (c *cluster) leaders() []string {
	var out []string
	for _, id := range c.ids {
		if c.rs[id].IsLeader() {
			out = append(out, id)
		}
	}
	return out
}

func op(origin string, seq uint64, value int) rsm.Op {
	return rsm.Op{Origin: origin, Seq: seq, F: rsm.Write, Key: json.RawMessage("0"), Value: json.RawMessage(fmt.Sprint(value))}
}

// submit gives id a client op.
func (c *cluster) submit(id string, o rsm.Op) {
	c.rs[id].Submit(o)
	c.drain(id)
}

// appliedOps lists the ops id applied, as origin/seq.
func (c *cluster) appliedOps(id string) []string {
	var out []string
	for _, e := range c.applied[id] {
		for _, o := range e.Ops {
			out = append(out, fmt.Sprintf("%s/%d", o.Origin, o.Seq))
		}
	}
	return out
}

func TestElection(t *testing.T) {
	c := newCluster(t, 5, nil)
	c.campaign("n1")
	require.Equal(t, []string{"n1"}, c.leaders())
	for _, id := range c.ids {
		assert.Equal(t, uint64(1), c.rs[id].Term(), id)
		assert.Equal(t, "n1", c.rs[id].Leader(), id)
	}
	assert.Contains(t, c.events, "leader n1 term 1")
	st, err := c.stores["n3"].Load()
	require.NoError(t, err)
	assert.Equal(t, HardState{Term: 1, Vote: "n1"}, st.Hard, "the vote is durable")
	// The no-op of term 1 commits once the followers answer.
	c.tickAll(10)
	for _, id := range c.ids {
		assert.Equal(t, uint64(1), c.rs[id].Commit(), id)
	}
}

func TestFirstElectionByTimeout(t *testing.T) {
	c := newCluster(t, 3, nil)
	c.tickAll(2 * 10) // the first timeout of a fresh node is under 2·First
	require.Len(t, c.leaders(), 1)
	// A leader that keeps heartbeating stays leader.
	lead := c.leaders()[0]
	c.tickAll(500)
	assert.Equal(t, []string{lead}, c.leaders())
	assert.Equal(t, uint64(1), c.rs[lead].Term())
}

func TestSplitVote(t *testing.T) {
	// Four nodes: n1 and n2 stand in the same term (pre-votes granted by
	// nobody's lease), n3 votes for n1 and n4 for n2: two votes each,
	// three needed.
	c := newCluster(t, 4, nil)
	for _, id := range []string{"n1", "n2"} {
		c.rs[id].campaign(candidate)
		c.drain(id)
	}
	var first, second []Message
	for _, m := range c.queue {
		if m.From == "n1" && m.To == "n3" || m.From == "n2" && m.To == "n4" {
			first = append(first, m)
		} else {
			second = append(second, m)
		}
	}
	c.queue = nil
	for _, m := range append(first, second...) {
		c.step(m)
	}
	c.deliver()
	assert.Empty(t, c.leaders(), "a split vote elects nobody")
	assert.Equal(t, candidate, c.rs["n1"].role)
	assert.Equal(t, candidate, c.rs["n2"].role)
	// The randomized timeouts break the tie.
	c.tickAll(200)
	require.Len(t, c.leaders(), 1)
	assert.Greater(t, c.rs[c.leaders()[0]].Term(), uint64(1))
}

func TestLogConflictsAreOverwritten(t *testing.T) {
	c := newCluster(t, 3, nil)
	c.campaign("n1")
	c.tickAll(10)
	// n1, cut off, takes five ops it can never commit.
	c.cut["n1"] = true
	for i := range 5 {
		c.submit("n1", op("n1", uint64(i+1), i))
	}
	c.tickAll(5)
	c.queue = nil
	// n2 leads term 2 with n3 and commits its own.
	c.forget("n2", "n3")
	c.campaign("n2")
	require.True(t, c.rs["n2"].IsLeader())
	c.submit("n2", op("n2", 1, 7))
	c.tickAll(10)
	require.Equal(t, []string{"n2/1"}, c.appliedOps("n3"))
	// Back, n1 learns of term 2, loses its five entries, and takes n2's.
	c.cut["n1"] = false
	c.tickAll(20)
	assert.Equal(t, []string{"n2"}, c.leaders())
	assert.Equal(t, c.rs["n2"].Log(), c.rs["n1"].Log())
	assert.Equal(t, []string{"n2/1"}, c.appliedOps("n1"))
	st, err := c.stores["n1"].Load()
	require.NoError(t, err)
	assert.Equal(t, c.rs["n2"].Log(), st.Records, "the truncation is durable")
}

func TestLongConflictsAreSkippedTermByTerm(t *testing.T) {
	// A follower whose last 300 entries conflict catches up in a few
	// round trips, not 300.
	c := newCluster(t, 3, nil)
	c.campaign("n1")
	c.tickAll(10)
	c.cut["n1"] = true
	for i := range 300 {
		c.submit("n1", op("n1", uint64(i+1), i%5))
	}
	c.tickAll(5)
	c.queue = nil
	c.forget("n2", "n3")
	c.campaign("n2")
	require.True(t, c.rs["n2"].IsLeader())
	c.tickAll(10)
	c.cut["n1"] = false
	appends := 0
	for range 10 {
		for _, id := range c.ids {
			c.tick(id, 1)
		}
		for _, m := range c.queue {
			if m.Kind == KindAppend && m.To == "n1" {
				appends++
			}
		}
		c.deliver()
	}
	assert.Equal(t, c.rs["n2"].Log(), c.rs["n1"].Log())
	assert.LessOrEqual(t, appends, 4)
}

func TestPartitionedOldLeader(t *testing.T) {
	c := newCluster(t, 5, nil)
	c.campaign("n1")
	c.tickAll(10)
	// n1 and n2 on one side, n3–n5 on the other.
	side := map[string]int{"n1": 0, "n2": 0, "n3": 1, "n4": 1, "n5": 1}
	deliver := func() {
		for len(c.queue) > 0 {
			m := c.queue[0]
			c.queue = c.queue[1:]
			if side[m.From] == side[m.To] {
				c.step(m)
			}
		}
	}
	round := func() {
		for _, id := range c.ids {
			c.tick(id, 1)
		}
		deliver()
	}
	c.submit("n1", op("n1", 1, 1)) // can never commit
	c.submit("n2", op("n2", 1, 2)) // forwarded to n1: never commits either
	for range 200 {
		round()
	}
	// The majority elected a leader and serves.
	var lead string
	for _, id := range []string{"n3", "n4", "n5"} {
		if c.rs[id].IsLeader() {
			lead = id
		}
	}
	require.NotEmpty(t, lead)
	c.submit(lead, op(lead, 1, 3))
	for range 20 {
		round()
	}
	assert.Contains(t, c.appliedOps("n3"), lead+"/1")
	// The old leader stepped down (check quorum), without a newer term.
	assert.False(t, c.rs["n1"].IsLeader())
	assert.Equal(t, uint64(1), c.rs["n1"].Term(), "pre-votes on the minority side fail, so terms stay")
	// An op taken on the minority side, with no leader there, fails: it
	// was never sent.
	c.submit("n2", op("n2", 2, 4))
	for range 60 {
		round()
	}
	require.Len(t, c.failed["n2"], 1)
	assert.Equal(t, uint64(2), c.failed["n2"][0].Seq)
	// Healed: the old side catches up; its uncommitted ops are gone.
	clear(side)
	for range 30 {
		round()
	}
	for _, id := range c.ids {
		assert.Equal(t, c.appliedOps(lead), c.appliedOps(id), id)
		assert.NotContains(t, c.appliedOps(id), "n1/1")
		assert.NotContains(t, c.appliedOps(id), "n2/1")
	}
	assert.Equal(t, []string{lead}, c.leaders(), "the healed nodes do not disrupt the leader")
}

// figure8 brings a cluster of five to state (c) of Figure 8 of the Raft
// paper and returns it: n1 leads term 4 and has copied index 2, an entry of
// term 2, to n2 and n3 — a majority — while n5 holds a different index 2,
// of term 3. Appends carry one entry each, so that copies can be stopped
// between entries.
func figure8(t *testing.T) *cluster {
	c := newCluster(t, 5, func(cfg *Config) { cfg.MaxBytes = 1 })
	only := func(ids ...string) {
		for _, id := range c.ids {
			c.cut[id] = true
		}
		for _, id := range ids {
			c.cut[id] = false
		}
	}
	elect := func(id string, term uint64, voters ...string) {
		only(append(voters, id)...)
		c.forget(c.ids...)
		c.rs[id].term = term - 1
		c.rs[id].campaign(candidate)
		c.drain(id)
		var appends []Message
		for len(c.queue) > 0 {
			m := c.queue[0]
			c.queue = c.queue[1:]
			if m.Kind == KindAppend {
				appends = append(appends, m) // held back
			} else if !c.cut[m.From] && !c.cut[m.To] {
				c.step(m)
			}
		}
		require.True(t, c.rs[id].IsLeader(), "%s leads term %d", id, term)
		c.queue = appends
	}
	// Index 1, term 1, everywhere.
	c.campaign("n1")
	c.tickAll(10)
	require.Equal(t, uint64(1), c.rs["n5"].Commit())
	// (a) n1 leads term 2 (votes of n2, n3); its index 2 reaches n2 only.
	elect("n1", 2, "n2", "n3")
	only("n1", "n2")
	c.deliver()
	c.tick("n1", 20)
	c.deliver()
	require.Len(t, c.rs["n2"].Log(), 2)
	require.Len(t, c.rs["n3"].Log(), 1)
	// (b) n5 leads term 3 (votes of n3, n4) and appends its index 2, which
	// reaches nobody.
	elect("n5", 3, "n3", "n4")
	c.queue = nil
	// (c) n1 leads term 4 (votes of n2, n3) and appends index 3. Its
	// first appends give n2 index 3 and, after n3 rejects one, give n3
	// index 2 but not yet index 3: n1 knows that n1, n2 and n3 hold
	// index 2. n5 could still win with n3 and n4 (its last term, 3, beats
	// n3's, 2) and overwrite index 2.
	elect("n1", 4, "n2", "n3")
	only("n1", "n2", "n3")
	c.deliver()
	require.Equal(t, []uint64{1, 2, 4}, terms(c.rs["n2"].Log()))
	require.Equal(t, []uint64{1, 2}, terms(c.rs["n3"].Log()))
	require.Equal(t, []uint64{1, 3}, terms(c.rs["n5"].Log()))
	return c
}

func terms(log []Entry) []uint64 {
	var out []uint64
	for _, e := range log {
		out = append(out, e.Term)
	}
	return out
}

// TestFigure8 is the case of Figure 8 of the Raft paper: an entry of an
// earlier term that a new leader has copied to a majority may still be
// overwritten, so the leader must not count it committed; once an entry of
// its own term is on a majority, both are committed.
func TestFigure8(t *testing.T) {
	c := figure8(t)
	assert.Equal(t, uint64(1), c.rs["n1"].Commit(), "an earlier term's entry is not committed by counting")
	// (e) n1's entry of term 4 reaches n2 and n3: everything commits.
	for _, id := range c.ids {
		c.cut[id] = id == "n4" || id == "n5"
	}
	for range 40 {
		c.tick("n1", 1)
		c.deliver()
	}
	assert.Equal(t, uint64(3), c.rs["n1"].Commit())
	assert.Equal(t, uint64(2), c.rs["n1"].Log()[1].Term)
}

// TestFigure8Overwrite plays branch (d) of Figure 8: n1 goes down before
// its own entry spreads, n5 (last term 3) wins and overwrites the entry of
// term 2 that was on a majority. Nobody had applied it.
func TestFigure8Overwrite(t *testing.T) {
	c := figure8(t)
	for _, id := range c.ids {
		c.cut[id] = id == "n1"
	}
	c.forget(c.ids...)
	c.rs["n5"].term = 4
	c.rs["n5"].campaign(candidate)
	c.drain("n5")
	c.deliver()
	require.True(t, c.rs["n5"].IsLeader(), "n5's last term, 3, beats n3's, 2, and n4's, 1")
	for range 20 {
		for _, id := range []string{"n2", "n3", "n4", "n5"} {
			c.tick(id, 1)
		}
		c.deliver()
	}
	for _, id := range []string{"n2", "n3", "n4", "n5"} {
		assert.Equal(t, []uint64{1, 3, 5}, terms(c.rs[id].Log()), "%s's index 2 is n5's", id)
		assert.GreaterOrEqual(t, c.rs[id].Commit(), uint64(2), id)
	}
}

func TestFollowersForwardOnTheirReplies(t *testing.T) {
	c := newCluster(t, 3, nil)
	c.campaign("n1")
	c.tickAll(10)
	c.submit("n2", op("n2", 1, 1))
	c.submit("n3", op("n3", 1, 2))
	require.Empty(t, c.queue, "a follower sends nothing of its own")
	c.tickAll(20)
	for _, id := range c.ids {
		assert.ElementsMatch(t, []string{"n2/1", "n3/1"}, c.appliedOps(id), id)
	}
}

func TestBatching(t *testing.T) {
	// Ops that arrive within one batch interval travel in one append per
	// follower; a follower answers each append and sends nothing else.
	c := newCluster(t, 3, func(cfg *Config) { cfg.Batch = 5 })
	c.campaign("n1")
	c.tickAll(10)
	for i := range 20 {
		c.submit("n1", op("n1", uint64(i+1), i%5))
	}
	var appends, replies, carried int
	for range 10 {
		for _, id := range c.ids {
			c.tick(id, 1)
		}
		for len(c.queue) > 0 {
			m := c.queue[0]
			c.queue = c.queue[1:]
			switch m.Kind {
			case KindAppend:
				appends++
				carried = max(carried, len(m.Entries))
			case KindAppendReply:
				replies++
			}
			c.step(m)
		}
	}
	assert.LessOrEqual(t, appends, 4, "at most one append per follower per 5 ticks")
	assert.Equal(t, appends, replies)
	assert.Equal(t, 20, carried, "the first append carries all 20")
	assert.Len(t, c.appliedOps("n1"), 20)
	assert.Len(t, c.appliedOps("n3"), 20)
}

func TestAppendsAreBoundedInBytes(t *testing.T) {
	c := newCluster(t, 3, func(cfg *Config) { cfg.MaxBytes = 1000 })
	c.campaign("n1")
	c.tickAll(10)
	for i := range 100 {
		c.submit("n1", op("n1", uint64(i+1), i))
	}
	for range 200 {
		for _, id := range c.ids {
			c.tick(id, 1)
		}
		for _, m := range c.queue {
			body, err := json.Marshal(m)
			require.NoError(t, err)
			assert.Less(t, len(body), 1300)
		}
		c.deliver()
	}
	assert.Len(t, c.appliedOps("n3"), 100)
}

func TestRestartFromDurableState(t *testing.T) {
	c := newCluster(t, 3, nil)
	c.campaign("n1")
	c.tickAll(10)
	c.submit("n1", op("n1", 1, 1))
	c.tickAll(10)
	st, err := c.stores["n2"].Load()
	require.NoError(t, err)
	before := c.rs["n2"].Log()
	c.rs["n2"] = New(DefaultConfig("n2", c.ids, 9), st)
	assert.Equal(t, uint64(1), c.rs["n2"].Term())
	assert.Equal(t, before, c.rs["n2"].Log())
	assert.Equal(t, uint64(0), c.rs["n2"].Commit(), "the commit index is volatile")
	c.applied["n2"] = nil
	c.tickAll(20)
	assert.Equal(t, []string{"n1/1"}, c.appliedOps("n2"), "a restarted node applies its log again")
}

func TestEventsNameLeaders(t *testing.T) {
	c := newCluster(t, 3, nil)
	c.campaign("n2")
	var leaders []string
	for _, e := range c.events {
		if strings.HasPrefix(e, "leader ") {
			leaders = append(leaders, e)
		}
	}
	assert.Equal(t, []string{"leader n2 term 1"}, leaders)
}

// TestStaggeredAppends: the followers' appends are spread over the batch
// interval, so an op a follower passes on commits on the others before the
// follower's next append, which brings it the entry and the commit
// together: the follower answers within two intervals of taking the op
// (one to pass it on, one to learn it committed), where appends sent to all
// followers at once would take three. (With heartbeats every interval, as
// in a busy cluster, where every interval has news for every follower.)
func TestStaggeredAppends(t *testing.T) {
	const batch = 5
	c := newCluster(t, 5, func(cfg *Config) { cfg.Batch, cfg.Heartbeat = batch, batch })
	c.campaign("n1")
	c.tickAll(20)
	worst := 0
	for k := range 2 * batch {
		c.tickAll(1) // every offset within the interval
		seq := uint64(k + 1)
		c.submit("n2", op("n2", seq, k))
		for ticks := 1; ; ticks++ {
			c.tickAll(1)
			if slices.Contains(c.appliedOps("n2"), fmt.Sprintf("n2/%d", seq)) {
				worst = max(worst, ticks)
				break
			}
			require.Less(t, ticks, 10*batch, "op %d never applied", seq)
		}
	}
	assert.LessOrEqual(t, worst, 2*batch)
}

// latencyMode sets a cluster's cores to the latency mode.
func latencyMode(cfg *Config) { cfg.Batch = 0 }

// hop delivers the messages now queued, and only those: one network hop.
// Messages they cause wait for the next hop.
func (c *cluster) hop() {
	now := c.queue
	c.queue = nil
	for _, m := range now {
		if !c.cut[m.From] && !c.cut[m.To] {
			c.step(m)
		}
	}
}

// hopsUntilApplied counts the hops until id applies the op origin/seq.
func (c *cluster) hopsUntilApplied(id string, origin string, seq uint64) int {
	want := fmt.Sprintf("%s/%d", origin, seq)
	for hops := 0; hops < 20; hops++ {
		if slices.Contains(c.appliedOps(id), want) {
			return hops
		}
		c.hop()
	}
	c.t.Fatalf("%s never applied %s", id, want)
	return 0
}

// TestLatencyModeHops: in latency mode an op taken by the leader is
// answered after two hops (append, ack) and one taken by a follower after
// three on five nodes (forward, append, acks to the leader and to the
// follower) and two on three (forward, append: the leader and the
// follower are a majority).
func TestLatencyModeHops(t *testing.T) {
	for _, tc := range []struct {
		nodes          int
		leader, follow int // hops for an op taken by the leader, by a follower
	}{{3, 2, 2}, {5, 2, 3}} {
		t.Run(fmt.Sprint(tc.nodes, " nodes"), func(t *testing.T) {
			c := newCluster(t, tc.nodes, latencyMode)
			c.campaign("n1")
			c.tickAll(20)
			c.submit("n1", op("n1", 1, 1))
			assert.Equal(t, tc.leader, c.hopsUntilApplied("n1", "n1", 1))
			c.submit("n2", op("n2", 1, 2))
			require.Len(t, c.queue, 1, "the follower passes its op on at once")
			assert.Equal(t, KindForward, c.queue[0].Kind)
			assert.Equal(t, tc.follow, c.hopsUntilApplied("n2", "n2", 1))
			assert.Less(t, c.rs["n1"].peers["n2"].sentCommit, uint64(3), "n2 did not learn the commit from the leader")
			// Everyone applies everything in the end.
			c.tickAll(20)
			for _, id := range c.ids {
				assert.Equal(t, []string{"n1/1", "n2/1"}, c.appliedOps(id), id)
			}
		})
	}
}

// TestLatencyModeOriginCommit drives a follower by hand: it counts the
// acks of the current term toward committing an entry of that term, needs
// to hold the entry itself, ignores acks of an older term, and never
// commits an entry of an older term by counting (Figure 8), only as the
// prefix of one of the current term.
func TestLatencyModeOriginCommit(t *testing.T) {
	ids := []string{"n1", "n2", "n3", "n4", "n5"}
	mine := op("n3", 1, 1)
	// n3 holds index 1 (term 1) and its own op at index 2 (term 1), and is
	// in term 2, whose leader is n1.
	st := durable.State[HardState, Entry]{Hard: HardState{Term: 2}, Records: []Entry{{Term: 1}, {Term: 1, Op: &mine}}}
	cfg := DefaultConfig("n3", ids, 1)
	latencyMode(&cfg)
	r := New(cfg, st)
	ack := func(from string, term, match uint64) {
		r.Step(Message{Kind: KindAck, From: from, To: "n3", Term: term, Match: match})
	}
	// n1's heartbeat: index 2 matches, commit 1.
	r.Step(Message{Kind: KindAppend, From: "n1", To: "n3", Term: 2, Prev: 2, PrevTerm: 1, Commit: 1})
	require.Equal(t, uint64(1), r.Commit())
	ack("n4", 2, 2)
	ack("n5", 2, 2)
	assert.Equal(t, uint64(1), r.Commit(), "index 2 is on all five but of term 1: not committed by counting")
	// n1's no-op of term 2 at index 3; n2 acks it, but in term 1.
	r.Step(Message{Kind: KindAppend, From: "n1", To: "n3", Term: 2, Prev: 2, PrevTerm: 1, Entries: []Entry{{Term: 2}}, Commit: 1})
	ack("n2", 1, 3)
	assert.Equal(t, uint64(1), r.Commit(), "n1 and n3 hold index 3; an ack of an older term does not count")
	// n4 acks index 3 in term 2: n1, n3, n4 are a majority.
	ack("n4", 2, 3)
	assert.Equal(t, uint64(3), r.Commit(), "index 3 of term 2 is on a majority, and index 2 with it")
	rd := r.Ready()
	require.Len(t, rd.Committed, 3)
	assert.Equal(t, []rsm.Op{mine}, rd.Committed[1].Ops)
	// n4 and n5 hold index 4, n3 does not yet: it waits for the entry.
	ack("n4", 2, 4)
	ack("n5", 2, 4)
	assert.Equal(t, uint64(3), r.Commit(), "not committed where this node lacks the entry")
	r.Step(Message{Kind: KindAppend, From: "n1", To: "n3", Term: 2, Prev: 3, PrevTerm: 2, Entries: []Entry{{Term: 2}}, Commit: 3})
	assert.Equal(t, uint64(4), r.Commit(), "committed once the entry arrives")
	// n1's index 5 (term 2) reaches n4 and n5 but not n3. In term 3, n2
	// gives n3 another index 5: the acks of term 2 were about n1's, and
	// no longer count, even those that arrive late.
	ack("n4", 2, 5)
	ack("n5", 2, 5)
	r.Step(Message{Kind: KindAppend, From: "n2", To: "n3", Term: 3, Prev: 4, PrevTerm: 2, Entries: []Entry{{Term: 3}}, Commit: 4})
	ack("n5", 2, 5)
	assert.Equal(t, uint64(4), r.Commit(), "n2 and n3 hold n2's index 5, n4 and n5 n1's")
	ack("n4", 3, 5)
	assert.Equal(t, uint64(5), r.Commit())
}

// TestLatencyModePipelining: the leader sends each op at once, without
// waiting for the answers to earlier appends; a follower that loses one
// rejects those that follow, the leader falls back to one append at a time
// from the follower's hint, and the follower catches up. The same with
// appends that arrive in reverse order.
func TestLatencyModePipelining(t *testing.T) {
	for _, tc := range []struct {
		name string
		// mangle changes the appends to n2 in flight.
		mangle  func(appends []Message) []Message
		rejects int // n2's rejections
	}{
		{"lost append", func(a []Message) []Message { return a[1:] }, 2},
		{"out of order", func(a []Message) []Message { slices.Reverse(a); return a }, 2},
		{"in order", func(a []Message) []Message { return a }, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster(t, 3, latencyMode)
			c.campaign("n1")
			c.tickAll(20)
			for i := range 3 {
				c.submit("n1", op("n1", uint64(i+1), i))
			}
			var toN2, rest []Message
			for _, m := range c.queue {
				if m.Kind == KindAppend && m.To == "n2" {
					toN2 = append(toN2, m)
				} else {
					rest = append(rest, m)
				}
			}
			require.Len(t, toN2, 3, "three appends to n2 on their way at once")
			c.queue = append(rest, tc.mangle(toN2)...)
			rejects := 0
			for range 4 {
				for _, m := range c.queue {
					if m.Kind == KindAppendReply && m.From == "n2" && m.Reject {
						rejects++
					}
				}
				c.hop()
			}
			assert.Equal(t, tc.rejects, rejects)
			assert.Equal(t, c.rs["n1"].Log(), c.rs["n2"].Log(), "n2 caught up at once")
			c.tickAll(30)
			for _, id := range c.ids {
				assert.Equal(t, []string{"n1/1", "n1/2", "n1/3"}, c.appliedOps(id), id)
			}
		})
	}
}

// TestLatencyModeConflictingTail: a follower whose tail conflicts with
// the new leader's log (entries of an old term, never committed) rejects
// the leader's first append; the leader then sends it one append at a
// time, from the follower's hint, until one is accepted, and pipelines
// again after that.
func TestLatencyModeConflictingTail(t *testing.T) {
	c := newCluster(t, 3, latencyMode)
	c.campaign("n1")
	c.tickAll(20)
	// n2 leads term 2 and, cut off, takes three ops: indexes 3–5, term 2.
	c.forget(c.ids...)
	c.campaign("n2")
	require.True(t, c.rs["n2"].IsLeader())
	c.tickAll(5)
	c.cut["n2"] = true
	for i := range 3 {
		c.submit("n2", op("n2", uint64(i+1), i))
	}
	c.queue = nil
	// n3 leads term 3 with n1 and commits an op: index 4, term 3.
	c.forget("n1", "n3")
	c.campaign("n3")
	require.True(t, c.rs["n3"].IsLeader())
	c.submit("n3", op("n3", 1, 7))
	c.tickAll(5)
	// n2 steps down (it hears from no majority); n1 leads term 4 with
	// n2's vote, n2 back.
	c.tick("n2", 60)
	c.queue = nil
	require.False(t, c.rs["n2"].IsLeader())
	c.cut["n2"] = false
	c.forget(c.ids...)
	c.rs["n1"].campaign(candidate)
	c.drain("n1")
	var appends []Message
	for len(c.queue) > 0 {
		m := c.queue[0]
		c.queue = c.queue[1:]
		if m.Kind == KindAppend {
			appends = append(appends, m) // held back
		} else {
			c.step(m)
		}
	}
	require.True(t, c.rs["n1"].IsLeader())
	c.queue = appends
	for i := range 3 {
		c.submit("n1", op("n1", uint64(i+1), i))
	}
	inflight, rejects := 0, 0
	for range 6 {
		n := 0
		for _, m := range c.queue {
			switch {
			case m.Kind == KindAppend && m.To == "n2":
				n++
			case m.Kind == KindAppendReply && m.From == "n2" && m.Reject:
				rejects++
			}
		}
		inflight = max(inflight, n)
		c.hop()
	}
	assert.Equal(t, 1, rejects, "n2 rejects the append after its last index of term 3")
	assert.Equal(t, 1, inflight, "one append at a time while probing")
	assert.Equal(t, c.rs["n1"].Log(), c.rs["n2"].Log())
	assert.False(t, c.rs["n1"].peers["n2"].probe, "probing over")
	c.submit("n1", op("n1", 4, 4))
	c.submit("n1", op("n1", 5, 4))
	n := 0
	for _, m := range c.queue {
		if m.Kind == KindAppend && m.To == "n2" {
			n++
		}
	}
	assert.Equal(t, 2, n, "pipelining again")
	c.tickAll(30)
	for _, id := range c.ids {
		assert.Equal(t, c.appliedOps("n1"), c.appliedOps(id), id)
		assert.NotContains(t, c.appliedOps(id), "n2/1")
		assert.Contains(t, c.appliedOps(id), "n3/1")
	}
}
