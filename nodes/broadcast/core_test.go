package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var five = []string{"n0", "n1", "n2", "n3", "n4"}

// roundStart is the start of round r for rounds of length t.
func roundStart(r int64, t time.Duration) time.Time { return time.Unix(0, r*int64(t)) }

// dests lists the destinations of outs, sorted.
func dests(outs []Out) []string {
	var ds []string
	for _, o := range outs {
		ds = append(ds, o.Dest)
	}
	slices.Sort(ds)
	return ds
}

func TestNewCore(t *testing.T) {
	c := NewCore("n3", []string{"n3", "n1", "n2"}, Options{})
	assert.Equal(t, []string{"n1", "n2", "n3"}, c.nodes)
	assert.Equal(t, 2, c.pos)
	assert.Equal(t, Latency, c.opt.Strategy)
	assert.Equal(t, DefaultLatencyRound, c.opt.Round)
	assert.Equal(t, DefaultMessagesRound, NewCore("n1", nil, Options{Strategy: Messages}).opt.Round)
	assert.Equal(t, []string{"n0", "n9"}, NewCore("n9", []string{"n0"}, Options{}).nodes, "self is added if missing")
	assert.Panics(t, func() { NewCore("n0", nil, Options{Strategy: "gossip"}) })
}

func TestLatencyBroadcastFloods(t *testing.T) {
	c := NewCore("n2", five, Options{Strategy: Latency})
	now := time.Unix(100, 0)
	outs := c.Broadcast(7, now)
	require.Len(t, outs, 4)
	assert.Equal(t, []string{"n0", "n1", "n3", "n4"}, dests(outs))
	for _, o := range outs {
		assert.Equal(t, iv{{7, 7}}, o.Have)
	}
	assert.Empty(t, c.Broadcast(7, now), "a value already stored is not sent again")
	assert.Equal(t, []int64{7}, c.Values())

	assert.Empty(t, NewCore("n0", nil, Options{}).Broadcast(1, now), "a lone node sends nothing")
}

// TestLatencyAntiEntropySchedule: with n = 5, k = 3, so node i sends in
// round r to node (i + 2^(r mod 3)) mod 5, once per round.
func TestLatencyAntiEntropySchedule(t *testing.T) {
	const T = time.Second
	tests := []struct {
		self  string
		round int64
		want  string
	}{
		{"n0", 300, "n1"}, // 300 mod 3 = 0: offset 1
		{"n0", 301, "n2"}, // offset 2
		{"n0", 302, "n4"}, // offset 4
		{"n0", 303, "n1"},
		{"n3", 300, "n4"},
		{"n3", 301, "n0"},
		{"n3", 302, "n2"},
		{"n4", 302, "n3"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s round %d", tt.self, tt.round), func(t *testing.T) {
			c := NewCore(tt.self, five, Options{Strategy: Latency, Round: T})
			c.Broadcast(1, time.Unix(0, 0))
			c.Broadcast(2, time.Unix(0, 0))
			start := roundStart(tt.round, T)
			outs := c.Tick(start)
			require.Len(t, outs, 1)
			assert.Equal(t, tt.want, outs[0].Dest)
			assert.Equal(t, iv{{1, 2}}, outs[0].Have)
			assert.Empty(t, c.Tick(start.Add(10*time.Millisecond)), "once per round")
			assert.Empty(t, c.Tick(start.Add(T-1)), "once per round")
		})
	}
}

func TestLatencyAntiEntropySendsOnlyWhatMayLack(t *testing.T) {
	const T = time.Second
	c := NewCore("n0", five, Options{Strategy: Latency, Round: T})
	for v := range int64(10) {
		c.Broadcast(v, time.Unix(0, 0))
	}
	// Round 300 goes to n1. n1 told us it has 0…5 and 8.
	c.Receive("n1", iv{{0, 5}, {8, 8}}, time.Unix(0, 0))
	outs := c.Tick(roundStart(300, T))
	require.Len(t, outs, 1)
	assert.Equal(t, Out{Dest: "n1", Have: iv{{0, 9}}}, outs[0], "the window starts at the interval holding the first gap")

	// Round 303 goes to n1 again; now n1 is known to have everything.
	c.Receive("n1", iv{{0, 9}}, time.Unix(0, 0))
	assert.Empty(t, c.Tick(roundStart(303, T)), "nothing for a peer known to have everything")

	// Values received from a peer count as the peer's and as ours.
	c.Receive("n2", iv{{20, 22}}, time.Unix(0, 0))
	assert.Equal(t, []int64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 20, 21, 22}, c.Values())
	outs = c.Tick(roundStart(306, T)) // n1 again
	require.Len(t, outs, 1)
	assert.Equal(t, iv{{20, 22}}, outs[0].Have)
}

func TestMessagesLeafSyncsAtBoundary(t *testing.T) {
	const T = 1200 * time.Millisecond
	c := NewCore("n2", five, Options{Strategy: Messages, Round: T})
	b := roundStart(1000, T)
	assert.Empty(t, c.Tick(b.Add(T/2)), "nothing to send yet")
	assert.Empty(t, c.Broadcast(7, b.Add(T/2)), "a leaf never sends on broadcast")
	assert.Empty(t, c.Tick(b.Add(T-time.Millisecond)), "waits for the boundary")

	outs := c.Tick(b.Add(T))
	assert.Equal(t, []Out{{Dest: "n0", Have: iv{{7, 7}}}}, outs)
	assert.Empty(t, c.Tick(b.Add(T+10*time.Millisecond)))
	outs = c.Tick(b.Add(2 * T))
	assert.Equal(t, []Out{{Dest: "n0", Have: iv{{7, 7}}}}, outs, "resent until the hub is known to have it")

	// The hub's sync shows it has 7.
	c.Receive("n0", iv{{3, 7}}, b.Add(2*T+200*time.Millisecond))
	outs = c.Tick(b.Add(3 * T))
	assert.Equal(t, []Out{{Dest: "n0", Have: iv{{3, 7}}}}, outs, "one acknowledgement of the hub's sync")
	assert.Empty(t, c.Tick(b.Add(4*T)), "then quiet")
}

func TestMessagesLeafAcknowledges(t *testing.T) {
	const T = time.Second
	c := NewCore("n1", five, Options{Strategy: Messages, Round: T})
	b := roundStart(50, T)
	c.Tick(b)
	c.Broadcast(1, b.Add(10*time.Millisecond))
	c.Receive("n0", iv{{1, 1}}, b.Add(20*time.Millisecond)) // the hub has 1
	c.Receive("n0", iv{{10, 12}, {14, 14}}, b.Add(30*time.Millisecond))
	c.Broadcast(20, b.Add(40*time.Millisecond))
	outs := c.Tick(b.Add(T))
	assert.Equal(t, []Out{{Dest: "n0", Have: iv{{1, 1}, {10, 12}, {14, 14}, {20, 20}}}}, outs,
		"the acknowledgement starts at the lowest value of the hub's syncs and carries the new value")
	assert.Empty(t, c.Tick(b.Add(T+500*time.Millisecond)))
	outs = c.Tick(b.Add(2 * T))
	assert.Equal(t, []Out{{Dest: "n0", Have: iv{{20, 20}}}}, outs, "20 is resent: the hub has not shown it has it")
	c.Receive("n0", iv{{20, 20}}, b.Add(2*T+200*time.Millisecond))
	outs = c.Tick(b.Add(3 * T))
	assert.Equal(t, []Out{{Dest: "n0", Have: iv{{20, 20}}}}, outs, "acknowledges the hub's confirmation")
	assert.Empty(t, c.Tick(b.Add(4*T)), "then quiet")
}

func TestMessagesHubForwardsAfterFlush(t *testing.T) {
	const T, D = 1200 * time.Millisecond, 30 * time.Millisecond
	c := NewCore("n0", five, Options{Strategy: Messages, Round: T, Flush: D})
	b := roundStart(1000, T)
	assert.Empty(t, c.Tick(b))
	first := b.Add(100 * time.Millisecond)
	c.Receive("n1", iv{{1, 1}}, first)
	c.Receive("n3", iv{{3, 4}}, first.Add(5*time.Millisecond))
	assert.Empty(t, c.Tick(first.Add(D-time.Millisecond)), "waits D after the first sync")

	outs := c.Tick(first.Add(D))
	want := map[string]iv{
		"n1": {{1, 1}, {3, 4}}, // what it lacks, and word that 1 arrived
		"n2": {{1, 1}, {3, 4}},
		"n3": {{1, 1}, {3, 4}},
		"n4": {{1, 1}, {3, 4}},
	}
	got := map[string]iv{}
	for _, o := range outs {
		got[o.Dest] = o.Have
	}
	assert.Equal(t, want, got)
	assert.Empty(t, c.Tick(b.Add(T/2)), "no mid-round forward after one in this round")

	// A late sync starts a new batch.
	late := b.Add(300 * time.Millisecond)
	c.Receive("n2", iv{{1, 1}, {3, 4}, {9, 9}}, late)
	outs = c.Tick(late.Add(D))
	assert.Equal(t, []string{"n1", "n2", "n3", "n4"}, dests(outs))
	for _, o := range outs {
		assert.Equal(t, iv{{9, 9}}, o.Have, "to %s: only what is not on its way already", o.Dest)
	}
}

func TestMessagesHubIgnoresPureAck(t *testing.T) {
	const T, D = time.Second, 30 * time.Millisecond
	c := NewCore("n0", []string{"n0", "n1"}, Options{Strategy: Messages, Round: T, Flush: D})
	b := roundStart(10, T)
	c.Tick(b)
	c.Broadcast(5, b)
	outs := c.Tick(b.Add(T / 2))
	require.Equal(t, []Out{{Dest: "n1", Have: iv{{5, 5}}}}, outs, "the hub's own values go out at mid-round")
	c.Receive("n1", iv{{5, 5}}, b.Add(T+100*time.Millisecond))
	assert.Empty(t, c.Tick(b.Add(T+100*time.Millisecond+D)), "an acknowledgement needs no answer")
	assert.Empty(t, c.Tick(b.Add(T+T/2)))
	assert.Empty(t, c.Tick(b.Add(5*T+T/2)), "nothing to resend")
}

// TestMessagesHubResends: the hub resends what a leaf has not acknowledged
// 2T after sending it, not before, and not to a leaf that acknowledged.
func TestMessagesHubResends(t *testing.T) {
	const T = time.Second
	c := NewCore("n0", five, Options{Strategy: Messages, Round: T})
	b := roundStart(10, T)
	c.Tick(b)
	c.Broadcast(5, b)
	sends := map[string][]time.Duration{}
	for at := time.Duration(0); at <= 5*T; at += 5 * time.Millisecond {
		if at == T+200*time.Millisecond {
			c.Receive("n1", iv{{5, 5}}, b.Add(at)) // n1 acknowledges
		}
		for _, o := range c.Tick(b.Add(at)) {
			sends[o.Dest] = append(sends[o.Dest], at)
		}
	}
	// Sent at T/2; the forward at 1.5T finds it still on its way; the one at
	// 2.5T resends (2T later), the ones at 3.5T and 4.5T find it on its way.
	assert.Equal(t, []time.Duration{T / 2}, sends["n1"], "n1 acknowledged")
	for _, id := range []string{"n2", "n3", "n4"} {
		assert.Equal(t, []time.Duration{T / 2, T/2 + 2*T, T/2 + 4*T}, sends[id], id)
	}
}

func TestMessagesLoneHub(t *testing.T) {
	c := NewCore("n0", []string{"n0"}, Options{Strategy: Messages})
	c.Broadcast(1, time.Unix(0, 0))
	for at := time.Duration(0); at < 5*time.Second; at += 10 * time.Millisecond {
		assert.Empty(t, c.Tick(time.Unix(0, 0).Add(at)))
	}
	assert.Equal(t, []int64{1}, c.Values())
}

// simConfig describes one simulated run: n Cores, a clock moving in 5 ms
// steps, Tick every 10 ms, and a network that delivers every node-to-node
// message after a fixed latency unless a partition separates the two nodes
// at delivery time.
type simConfig struct {
	n          int
	opt        Options
	seed       uint64
	latency    time.Duration
	rate       float64       // broadcasts per second, at random nodes
	bcastUntil time.Duration // broadcasts happen in [0, bcastUntil)
	partFrom   time.Duration // a random split is active in [partFrom, partUntil)
	partUntil  time.Duration
	duration   time.Duration
}

type simResult struct {
	values []int64 // every value broadcast
	msgs   int     // node-to-node messages sent (delivered or not)
	maxLen int     // the longest message's "have", in JSON bytes
	// diverged: when the partition healed, some node lacked a value
	// broadcast before then.
	diverged bool
	delays   []time.Duration
	cores    []*Core
}

type simMsg struct {
	at       time.Time
	from, to int
	have     [][2]int64
}

func simulate(t *testing.T, cfg simConfig) simResult {
	t.Helper()
	const step = 5 * time.Millisecond
	rng := rand.New(rand.NewPCG(cfg.seed, 7))
	ids := make([]string, cfg.n)
	index := map[string]int{}
	for i := range ids {
		ids[i] = fmt.Sprintf("n%d", i)
		index[ids[i]] = i
	}
	cores := make([]*Core, cfg.n)
	for i, id := range ids {
		cores[i] = NewCore(id, ids, cfg.opt)
	}
	side := make([]bool, cfg.n)
	for _, j := range rng.Perm(cfg.n)[:1+rng.IntN(cfg.n-1)] {
		side[j] = true
	}
	// Start anywhere in a round, on a whole millisecond.
	base := time.Unix(1_700_000_000, 0).Add(time.Duration(rng.IntN(10_000)) * time.Millisecond)

	type bcast struct {
		at   time.Duration
		node int
	}
	bcasts := make([]bcast, int(cfg.rate*cfg.bcastUntil.Seconds()))
	for i := range bcasts {
		bcasts[i] = bcast{at: time.Duration(rng.Int64N(int64(cfg.bcastUntil))), node: rng.IntN(cfg.n)}
	}
	slices.SortFunc(bcasts, func(a, b bcast) int { return int(a.at - b.at) })
	holders := make([]int, len(bcasts))
	doneAt := make([]time.Duration, len(bcasts))

	var res simResult
	var queue []simMsg
	enqueue := func(from int, outs []Out, now time.Time) {
		for _, o := range outs {
			res.msgs++
			res.maxLen = max(res.maxLen, JSONLen(o.Have))
			queue = append(queue, simMsg{at: now.Add(cfg.latency), from: from, to: index[o.Dest], have: o.Have})
		}
	}
	next := 0
	for i := 0; time.Duration(i)*step <= cfg.duration; i++ {
		at := time.Duration(i) * step
		now := base.Add(at)
		cut := at >= cfg.partFrom && at < cfg.partUntil
		if at == cfg.partUntil && cfg.partUntil > 0 {
			for _, c := range cores {
				res.diverged = res.diverged || c.set.Len() < next
			}
		}
		for len(queue) > 0 && !queue[0].at.After(now) {
			m := queue[0]
			queue = queue[1:]
			if cut && side[m.from] != side[m.to] {
				continue
			}
			c := cores[m.to]
			for _, r := range m.have {
				for v := r[0]; v <= r[1]; v++ {
					if !c.set.Contains(v) {
						holders[v]++
						if holders[v] == cfg.n {
							doneAt[v] = at
						}
					}
				}
			}
			enqueue(m.to, c.Receive(ids[m.from], m.have, now), now)
		}
		for ; next < len(bcasts) && bcasts[next].at <= at; next++ {
			v := int64(next)
			res.values = append(res.values, v)
			holders[v]++
			if holders[v] == cfg.n {
				doneAt[v] = at
			}
			enqueue(bcasts[next].node, cores[bcasts[next].node].Broadcast(v, now), now)
		}
		if i%2 == 0 {
			for j, c := range cores {
				enqueue(j, c.Tick(now), now)
			}
		}
	}
	for v, b := range bcasts {
		if holders[v] == cfg.n {
			res.delays = append(res.delays, doneAt[v]-b.at)
		}
	}
	slices.Sort(res.delays)
	res.cores = cores
	return res
}

// TestSimulationConverges: values broadcast before, during and after a
// partition reach every node within 10 s of the heal, for both strategies,
// several sizes and seeds.
func TestSimulationConverges(t *testing.T) {
	type tc struct {
		strategy Strategy
		n        int
		round    time.Duration
	}
	var cases []tc
	for _, s := range []Strategy{Latency, Messages} {
		for _, n := range []int{5, 25} {
			cases = append(cases, tc{s, n, 0})
		}
		cases = append(cases, tc{s, 5, 200 * time.Millisecond})
	}
	for _, c := range cases {
		for seed := range uint64(3) {
			t.Run(fmt.Sprintf("%s/n=%d/round=%v/seed=%d", c.strategy, c.n, c.round, seed), func(t *testing.T) {
				t.Parallel()
				const heal = 7 * time.Second
				res := simulate(t, simConfig{
					n: c.n, opt: Options{Strategy: c.strategy, Round: c.round}, seed: seed,
					latency: 100 * time.Millisecond, rate: 20, bcastUntil: 9 * time.Second,
					partFrom: 2 * time.Second, partUntil: heal, duration: heal + 10*time.Second,
				})
				require.NotEmpty(t, res.values)
				require.True(t, res.diverged, "the partition kept some value from some node")
				for i, core := range res.cores {
					require.Equal(t, res.values, core.Values(), "node n%d", i)
				}
			})
		}
	}
}

// TestSimulationCost counts messages for the 3d/3e load: 25 nodes, 100 ms
// latency, 100 operations per second for 20 s of which half are broadcasts
// (reads cost no messages), and measures how long each value takes to reach
// every node.
func TestSimulationCost(t *testing.T) {
	tests := []struct {
		strategy   Strategy
		maxPerOp   float64
		maxMedian  time.Duration
		maxLatency time.Duration
	}{
		{Latency, 13, 150 * time.Millisecond, 200 * time.Millisecond},
		{Messages, 0.5, time.Second, 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(string(tt.strategy), func(t *testing.T) {
			t.Parallel()
			for seed := range uint64(2) {
				const ops = 100 * 20
				res := simulate(t, simConfig{
					n: 25, opt: Options{Strategy: tt.strategy}, seed: seed,
					latency: 100 * time.Millisecond, rate: 50, bcastUntil: 20 * time.Second,
					duration: 30 * time.Second,
				})
				require.Len(t, res.delays, len(res.values), "every value reached every node")
				perOp := float64(res.msgs) / ops
				median, worst := res.delays[len(res.delays)/2], res.delays[len(res.delays)-1]
				t.Logf("%s seed %d: %d messages, %.3f per op; delivery to all nodes: median %v, max %v; largest have %d bytes",
					tt.strategy, seed, res.msgs, perOp, median, worst, res.maxLen)
				assert.LessOrEqual(t, perOp, tt.maxPerOp)
				assert.Less(t, median, tt.maxMedian)
				assert.Less(t, worst, tt.maxLatency)
			}
		})
	}
}

// A peer that restarts forgot what it did not keep: once a sync names its
// new boot, what it was known to have is forgotten and sent again, at once,
// with a sync that confirms the new life (Seen).
func TestLivesPeerRestarted(t *testing.T) {
	const T = time.Second
	c := NewCore("n0", []string{"n0", "n1", "n2"}, Options{Strategy: Latency, Round: T})
	c.Boot(1, false)
	c.Restore([]int64{1, 2, 3})
	c.Meet("n1", 1, 1)
	c.Receive("n1", iv{{1, 3}}, roundStart(10, T))
	assert.Empty(t, c.lives(nil, true), "a fresh start owes nobody anything")

	// n1 restarts (boot 2) and says so.
	c.Meet("n1", 2, 1)
	outs := c.Tick(roundStart(10, T).Add(T / 2)) // not a round boundary
	require.Len(t, outs, 1)
	assert.Equal(t, Out{Dest: "n1", Have: iv{{1, 3}}, Boot: 1, Seen: 2}, outs[0])
	assert.Empty(t, c.Tick(roundStart(10, T).Add(3*T/4)), "owed once")

	// The first boot heard of a peer resets nothing.
	c.Meet("n2", 1, 1)
	assert.Empty(t, c.Tick(roundStart(10, T).Add(4*T/5)))
}

// A node that restarted tells every peer its new life at each round
// boundary, with what the peer may lack (maybe nothing), until the peer
// confirms it (a sync whose Seen is the new boot).
func TestLivesRestartedNodeSaysHello(t *testing.T) {
	const T = time.Second
	c := NewCore("n1", []string{"n0", "n1", "n2"}, Options{Strategy: Messages, Round: T})
	c.Boot(3, true)
	c.Restore([]int64{7})
	outs := c.Tick(roundStart(20, T).Add(time.Millisecond))
	got := map[string]Out{}
	for _, o := range outs {
		got[o.Dest] = o
	}
	require.Len(t, got, 2, "%v", outs)
	assert.Equal(t, Out{Dest: "n2", Have: iv{{7, 7}}, Boot: 3}, got["n2"])
	assert.Equal(t, int64(3), got["n0"].Boot)
	assert.Empty(t, c.Tick(roundStart(20, T).Add(2*time.Millisecond)), "once per round")

	c.Meet("n0", 1, 3) // n0 confirms
	c.Meet("n2", 1, 2) // n2 still names an old life
	c.Receive("n2", iv{{7, 7}}, roundStart(20, T))
	outs = c.Tick(roundStart(21, T).Add(time.Millisecond))
	// The leaf's usual sync to the hub n0 (which lacks 7), and the hello
	// to n2, empty: n2 lacks nothing.
	assert.Equal(t, []Out{{Dest: "n0", Have: iv{{7, 7}}, Boot: 3, Seen: 1}, {Dest: "n2", Have: iv{}, Boot: 3, Seen: 1}}, outs)
	c.Meet("n2", 1, 3)
	assert.Empty(t, c.lives(nil, true))
}
