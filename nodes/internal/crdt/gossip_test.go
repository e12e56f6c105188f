package crdt

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// t0 is a round boundary for every round length used here.
var t0 = time.Unix(1_000_000, 0)

// packet is a message on its way.
type packet struct {
	at   time.Time
	from string
	m    Message
}

// sim runs Gossips over a simulated network that delays, reorders, drops,
// duplicates and partitions messages, all drawn from a seeded generator.
type sim struct {
	t     *testing.T
	r     *rand.Rand
	opt   Options
	now   time.Time
	ids   []string
	nodes map[string]*Gossip
	net   []packet
	// drop and dup are the chances of losing a message and of delivering
	// it twice; cut isolates the nodes it holds from the others.
	drop, dup float64
	cut       map[string]bool
	sent      int
	want      MaxMap // the join of every local change
}

func newSim(t *testing.T, seed uint64, n int, opt Options) *sim {
	s := &sim{t: t, r: rand.New(rand.NewPCG(seed, 99)), opt: opt.withDefaults(), now: t0, nodes: map[string]*Gossip{}}
	for i := range n {
		s.ids = append(s.ids, fmt.Sprintf("n%d", i))
	}
	for i, id := range s.ids {
		o := opt
		o.FirstID = uint64(i+1) * 1000
		s.nodes[id] = NewGossip(id, s.ids, o)
	}
	return s
}

// step advances 10 ms: delivers what is due, in random order, then ticks
// every node and puts what it sends on the network.
func (s *sim) step() {
	s.now = s.now.Add(10 * time.Millisecond)
	var due, later []packet
	for _, p := range s.net {
		if p.at.After(s.now) {
			later = append(later, p)
		} else {
			due = append(due, p)
		}
	}
	s.net = later
	s.r.Shuffle(len(due), func(i, j int) { due[i], due[j] = due[j], due[i] })
	for _, p := range due {
		s.nodes[p.m.Dest].Receive(p.from, p.m, s.now)
	}
	for _, id := range s.ids {
		for _, m := range s.nodes[id].Tick(s.now) {
			s.sent++
			s.checkSize(m)
			if s.cut[id] != s.cut[m.Dest] || s.r.Float64() < s.drop {
				continue
			}
			copies := 1
			if s.r.Float64() < s.dup {
				copies = 2
			}
			for range copies {
				delay := time.Duration(s.r.IntN(60)) * time.Millisecond
				s.net = append(s.net, packet{s.now.Add(delay), id, m})
			}
		}
	}
}

// checkSize fails the test if a message is over the byte bound.
func (s *sim) checkSize(m Message) {
	size := 0
	for _, a := range m.Ack {
		size += len(fmt.Sprint(a)) + 1
	}
	for _, e := range m.Entries {
		size += s.opt.EntrySize(e)
	}
	if len(m.Entries) > 1 {
		require.LessOrEqual(s.t, size, s.opt.MaxBytes, "message to %s", m.Dest)
	}
	require.False(s.t, len(m.Entries) == 0 && len(m.Ack) == 0, "empty message to %s", m.Dest)
}

// update makes a random local change at a random node.
func (s *sim) update() {
	id := s.ids[s.r.IntN(len(s.ids))]
	g := s.nodes[id]
	if s.r.IntN(2) == 0 {
		k := fmt.Sprintf("e%d", s.r.IntN(300))
		g.Raise(k, 1)
		s.want.Raise(k, 1)
		return
	}
	e, ok, err := CounterEntry(g.State(), id, 1+s.r.Int64N(5))
	require.NoError(s.t, err)
	if ok {
		g.Raise(e.Key, e.Val)
		s.want.Raise(e.Key, e.Val)
	}
}

func (s *sim) converged() bool {
	for _, g := range s.nodes {
		if !g.State().Equal(&s.want) {
			return false
		}
	}
	return true
}

// TestGossipConverges: under any delivery order, duplication, loss and
// partition, every node ends with the join of every change once the
// network heals; with deltas, the cluster then falls silent.
func TestGossipConverges(t *testing.T) {
	for _, strategy := range []Strategy{State, Delta} {
		for seed := uint64(1); seed <= 25; seed++ {
			t.Run(fmt.Sprintf("%s/seed%d", strategy, seed), func(t *testing.T) {
				r := rand.New(rand.NewPCG(seed, 1))
				n := 1 + r.IntN(6)
				opt := Options{Strategy: strategy, Round: 100 * time.Millisecond, Flush: 10 * time.Millisecond}
				if seed%3 == 0 {
					opt.MaxBytes, opt.MaxMessages = 200, 2 // many small messages
				}
				s := newSim(t, seed, n, opt)
				s.drop, s.dup = 0.2, 0.2
				// 4 s of changes, the partition reshuffled every 500 ms.
				for i := range 400 {
					if i%50 == 0 {
						s.cut = map[string]bool{}
						for _, id := range s.ids {
							s.cut[id] = s.r.IntN(3) == 0
						}
					}
					if s.r.IntN(3) == 0 {
						s.update()
					}
					s.step()
				}
				// Heal; duplicates and reordering go on.
				s.drop, s.cut = 0, nil
				// Deltas lost to the partition go again as soon as the peer
				// is heard from: within a few rounds. The state strategy
				// may need many rounds to cycle through a state that takes
				// more than MaxMessages messages.
				limit := 300
				if strategy == Delta {
					limit = 50
				}
				steps := 0
				for !s.converged() {
					steps++
					require.Less(t, steps, limit, "not converged %d ms after healing", limit*10)
					s.step()
				}
				if strategy == State {
					return
				}
				// Let acknowledgements settle, then nothing more is sent.
				for range 100 {
					s.step()
				}
				before := s.sent
				for range 100 {
					s.step()
				}
				assert.Equal(t, before, s.sent, "a settled cluster sends nothing")
				for id, g := range s.nodes {
					assert.Zero(t, g.Pending(), id)
				}
			})
		}
	}
}

// TestGossipRounds walks one exchange on three nodes: a leaf sends at the
// round boundary, the hub forwards Flush later with its acknowledgement,
// and the other leaf's acknowledgement waits a round for a ride.
func TestGossipRounds(t *testing.T) {
	opt := Options{Strategy: Delta, Round: time.Second, Flush: 30 * time.Millisecond}
	ids := []string{"n0", "n1", "n2"}
	hub, a, b := NewGossip("n0", ids, opt), NewGossip("n1", ids, opt), NewGossip("n2", ids, opt)
	for _, g := range []*Gossip{hub, a, b} {
		assert.Empty(t, g.Tick(t0), "nothing to send")
	}
	a.Raise("x", 1)
	assert.Empty(t, a.Tick(t0.Add(500*time.Millisecond)), "a leaf waits for the boundary")
	at := t0.Add(time.Second)
	out := a.Tick(at)
	require.Len(t, out, 1)
	assert.Equal(t, Message{Dest: "n0", ID: 1, Entries: []Entry{{"x", 1}}}, out[0])

	assert.Empty(t, hub.Tick(at))
	hub.Receive("n1", out[0], at.Add(time.Millisecond))
	assert.Empty(t, hub.Tick(at.Add(20*time.Millisecond)), "the hub waits Flush")
	fwd := hub.Tick(at.Add(31 * time.Millisecond))
	assert.Equal(t, []Message{{Dest: "n2", ID: 1, Entries: []Entry{{"x", 1}}}}, fwd,
		"n1 gets nothing: it has x, and its acknowledgement may wait for a ride")
	b.Receive("n0", fwd[0], at.Add(32*time.Millisecond))
	assert.Equal(t, int64(1), b.State().Get("x"))
	assert.Equal(t, 1, a.Pending(), "not acknowledged yet")

	// A round later each owed acknowledgement has waited long enough and
	// goes alone: n2's at the boundary, the hub's to n1 at its flush.
	next := at.Add(time.Second)
	assert.Empty(t, a.Tick(next), "x is in flight, not yet due again")
	assert.Empty(t, b.Tick(next), "owed for less than a round")
	assert.Empty(t, hub.Tick(next))
	ack := hub.Tick(next.Add(time.Second / 2))
	assert.Equal(t, []Message{{Dest: "n1", Ack: []uint64{1}}}, ack)
	a.Receive("n0", ack[0], next.Add(time.Second/2))
	assert.Zero(t, a.Pending(), "acknowledged")
	assert.Equal(t, []Message{{Dest: "n0", Ack: []uint64{1}}}, b.Tick(next.Add(time.Second)))
	assert.Empty(t, a.Tick(next.Add(time.Second)))
}

// TestGossipStateSendsEverything: the state strategy sends the whole state
// every round, in bounded messages.
func TestGossipStateSendsEverything(t *testing.T) {
	opt := Options{Strategy: State, Round: time.Second, MaxBytes: 100, MaxMessages: 3,
		EntrySize: func(e Entry) int { return len(e.Key) }}
	g := NewGossip("n1", []string{"n0", "n1"}, opt)
	for i := range 10 {
		g.Raise(fmt.Sprintf("%02d%s", i, strings.Repeat("x", 38)), 1) // 40 bytes each
	}
	var got []string
	for r := range 3 {
		out := g.Tick(t0.Add(time.Duration(r) * time.Second))
		require.Len(t, out, 3, "round %d", r)
		for _, m := range out {
			assert.Len(t, m.Entries, 2)
			assert.Zero(t, m.ID, "state is not acknowledged")
			for _, e := range m.Entries {
				got = append(got, e.Key[:2])
			}
		}
	}
	// 6 entries a round, resuming where the last round stopped.
	want := []string{"00", "01", "02", "03", "04", "05", "06", "07", "08", "09", "00", "01", "02", "03", "04", "05", "06", "07"}
	assert.Equal(t, want, got)
}

// TestGossipDeltaBounds: a large backlog goes in messages under the byte
// bound, at most MaxMessages at a time.
func TestGossipDeltaBounds(t *testing.T) {
	opt := Options{Strategy: Delta, Round: time.Second, MaxBytes: 1000, MaxMessages: 2}
	g := NewGossip("n1", []string{"n0", "n1"}, opt)
	for i := range 200 {
		g.Raise(fmt.Sprintf("k%03d", i), 1)
	}
	var keys []string
	for r := range 5 {
		for _, m := range g.Tick(t0.Add(time.Duration(r) * time.Second)) {
			size := 0
			for _, e := range m.Entries {
				size += len(e.Key) + 24
				keys = append(keys, e.Key)
			}
			assert.LessOrEqual(t, size, 1000)
			g.Receive("n0", Message{Ack: []uint64{m.ID}}, t0.Add(time.Duration(r)*time.Second+time.Millisecond))
		}
	}
	assert.Len(t, keys, 200)
	assert.True(t, slices.IsSorted(keys))
	assert.Zero(t, g.Pending())
}

func TestNewGossipPanicsOnUnknownStrategy(t *testing.T) {
	assert.Panics(t, func() { NewGossip("n0", nil, Options{Strategy: "rumour"}) })
}
