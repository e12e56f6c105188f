package main

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/nodekit"
)

var t0 = time.Unix(1000, 0)

// at is t0 plus ms milliseconds.
func at(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }

// deliver hands every out addressed to a core of cs to it, through JSON
// like the network would.
func deliver(t *testing.T, cs map[string]*Core, from string, outs []Out) {
	t.Helper()
	for _, o := range outs {
		b, err := json.Marshal(o.Body)
		require.NoError(t, err)
		var body SyncBody
		require.NoError(t, json.Unmarshal(b, &body))
		cs[o.Dest].Receive(from, body)
	}
}

// pollOffs polls one key and lists the offsets returned.
func pollOffs(c *Core, key string, from int64) []int64 {
	return offs(c.Poll(map[string]int64{key: from})[key])
}

func TestNewCore(t *testing.T) {
	c := NewCore("n2", []string{"n2", "n0", "n1"}, Options{})
	assert.Equal(t, []string{"n0", "n1", "n2"}, c.nodes)
	assert.Equal(t, 2, c.pos)
	assert.Equal(t, DefaultInterval, c.opt.Interval)
	assert.Equal(t, 5*DefaultInterval, c.opt.Resend)
	assert.Equal(t, DefaultPollLimit, c.opt.PollLimit)
	assert.Len(t, c.peers, 2)
	assert.Equal(t, []string{"n0", "n9"}, NewCore("n9", []string{"n0"}, Options{}).nodes, "self is added if missing")
	assert.Equal(t, 100*time.Millisecond, NewCore("n0", nil, Options{Interval: 20 * time.Millisecond, Resend: 100 * time.Millisecond}).opt.Resend)
}

func TestSingleNode(t *testing.T) {
	c := NewCore("n0", []string{"n0"}, Options{PollLimit: 3})
	for i := range int64(5) {
		assert.Equal(t, i, c.Send("a", raw(10+i)))
	}
	assert.Equal(t, int64(0), c.Send("b", raw("x")))
	tests := []struct {
		name    string
		offsets map[string]int64
		want    map[string][]Entry
	}{
		{"nothing asked", map[string]int64{}, map[string][]Entry{}},
		{"from the start, limited", map[string]int64{"a": 0}, map[string][]Entry{"a": {{0, raw(10)}, {1, raw(11)}, {2, raw(12)}}}},
		{"from the middle", map[string]int64{"a": 3}, map[string][]Entry{"a": {{3, raw(13)}, {4, raw(14)}}}},
		{"two keys", map[string]int64{"a": 4, "b": 0}, map[string][]Entry{"a": {{4, raw(14)}}, "b": {{0, raw("x")}}}},
		{"past the end and unknown keys are left out", map[string]int64{"a": 5, "zz": 0}, map[string][]Entry{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, c.Poll(tt.offsets))
		})
	}
	assert.Empty(t, c.Tick(at(0)), "a lone node sends nothing")
	assert.Empty(t, c.stream, "and keeps no stream")
}

func TestCommitted(t *testing.T) {
	c := NewCore("n0", []string{"n0"}, Options{})
	assert.Equal(t, map[string]int64{}, c.Committed([]string{"a"}))
	c.Commit(map[string]int64{"a": 3, "b": 0})
	c.Commit(map[string]int64{"a": 2, "c": 7})
	assert.Equal(t, map[string]int64{"a": 3, "b": 0}, c.Committed([]string{"a", "b", "d"}), "never lowered; unknown keys left out")
	c.Commit(map[string]int64{"a": 9})
	assert.Equal(t, map[string]int64{"a": 9, "c": 7}, c.Committed([]string{"a", "c"}))
}

// TestTwoNodes follows one send on n1 until both nodes may poll it.
func TestTwoNodes(t *testing.T) {
	nodes := []string{"n0", "n1"}
	cs := map[string]*Core{"n0": NewCore("n0", nodes, Options{}), "n1": NewCore("n1", nodes, Options{})}
	n0, n1 := cs["n0"], cs["n1"]

	assert.Equal(t, int64(1), n1.Send("k", raw(7)), "n1 allocates odd offsets")
	assert.Empty(t, pollOffs(n1, "k", 0), "n0 might still write 0")
	assert.Empty(t, pollOffs(n0, "k", 0), "n0 has not heard of it")

	outs := n1.Tick(at(20))
	require.Len(t, outs, 1)
	assert.Equal(t, Out{Dest: "n0", Body: SyncBody{Type: "sync", Seq: 1, Items: []Item{{Kind: KindEntry, Key: "k", Off: 1, Msg: raw(7)}}}}, outs[0])
	assert.Empty(t, n1.Tick(at(25)), "sent once")
	deliver(t, cs, "n1", outs)
	assert.Equal(t, []int64{1}, pollOffs(n0, "k", 0), "n0 will write no lower than 2 now, and n1 no lower than 3")
	assert.Empty(t, pollOffs(n1, "k", 0), "n1 has not heard n0's promise")

	outs = n0.Tick(at(30))
	require.Len(t, outs, 1)
	assert.Equal(t, SyncBody{Type: "sync", Seq: 1, Items: []Item{{Kind: KindFrontier, Key: "k", Off: 1}}, Ack: 1}, outs[0].Body)
	deliver(t, cs, "n0", outs)
	assert.Equal(t, []int64{1}, pollOffs(n1, "k", 0))

	outs = n1.Tick(at(40))
	assert.Equal(t, []Out{{Dest: "n0", Body: SyncBody{Type: "sync", Ack: 1}}}, outs, "a bare acknowledgement")
	assert.Equal(t, int64(1), n1.base, "acknowledged items are dropped")
	assert.Empty(t, n1.stream)
	deliver(t, cs, "n1", outs)
	assert.Empty(t, n0.Tick(at(50)), "then silence")
	assert.Empty(t, n1.Tick(at(60)))
	assert.Empty(t, n0.Tick(at(500)), "no resends of what was acknowledged")

	// The next send on n0 lands above n1's entry.
	assert.Equal(t, int64(2), n0.Send("k", raw(8)))
}

func TestCommitsReplicate(t *testing.T) {
	nodes := []string{"n0", "n1"}
	cs := map[string]*Core{"n0": NewCore("n0", nodes, Options{}), "n1": NewCore("n1", nodes, Options{})}
	cs["n0"].Commit(map[string]int64{"a": 4})
	cs["n0"].Commit(map[string]int64{"a": 6, "b": 1})
	outs := cs["n0"].Tick(at(0))
	require.Len(t, outs, 1)
	assert.ElementsMatch(t, []Item{{Kind: KindCommit, Key: "a", Off: 6}, {Kind: KindCommit, Key: "b", Off: 1}}, outs[0].Body.Items, "one item per key per tick")
	cs["n1"].Commit(map[string]int64{"a": 9})
	deliver(t, cs, "n0", outs)
	assert.Equal(t, map[string]int64{"a": 9, "b": 1}, cs["n1"].Committed([]string{"a", "b"}))
	assert.Empty(t, cs["n0"].Tick(at(1)), "nothing new")
}

func TestResendAfterLoss(t *testing.T) {
	nodes := []string{"n0", "n1"}
	c := NewCore("n0", nodes, Options{Interval: 20 * time.Millisecond})
	c.Send("k", raw(1))
	lost := c.Tick(at(0))
	require.Len(t, lost, 1)
	c.Send("k", raw(2))
	outs := c.Tick(at(20))
	require.Len(t, outs, 1)
	assert.Equal(t, int64(2), outs[0].Body.Seq, "only what is new")
	assert.Empty(t, c.Tick(at(99)), "the first sync is not yet overdue")
	outs = c.Tick(at(100))
	require.Len(t, outs, 1)
	assert.Equal(t, int64(1), outs[0].Body.Seq, "everything unacknowledged again")
	assert.Len(t, outs[0].Body.Items, 2)

	// An acknowledgement of the first only: the rest goes again later.
	c.Receive("n1", SyncBody{Type: "sync", Ack: 1})
	assert.Empty(t, c.Tick(at(150)))
	outs = c.Tick(at(200))
	require.Len(t, outs, 1)
	assert.Equal(t, int64(2), outs[0].Body.Seq)
	c.Receive("n1", SyncBody{Type: "sync", Ack: 2})
	assert.Empty(t, c.Tick(at(1000)))
	assert.Empty(t, c.stream)

	c.Receive("n1", SyncBody{Type: "sync", Ack: 99})
	assert.Equal(t, int64(2), c.byID["n1"].acked, "an acknowledgement beyond what exists is capped")
}

// TestResendBackoff: while a peer stays silent the resend wait doubles up
// to 8 times Resend; an acknowledgement resets it.
func TestResendBackoff(t *testing.T) {
	c := NewCore("n0", []string{"n0", "n1"}, Options{Interval: 10 * time.Millisecond, Resend: 100 * time.Millisecond})
	c.Send("k", raw(1))
	var sentAt []int
	for ms := 0; ms <= 3200; ms += 10 {
		if len(c.Tick(at(ms))) > 0 {
			sentAt = append(sentAt, ms)
		}
	}
	assert.Equal(t, []int{0, 100, 300, 700, 1500, 2300, 3100}, sentAt)

	c.Receive("n1", SyncBody{Type: "sync", Ack: 1})
	c.Send("k", raw(2))
	require.Len(t, c.Tick(at(4000)), 1)
	assert.Empty(t, c.Tick(at(4090)))
	assert.Len(t, c.Tick(at(4100)), 1, "back to Resend")
}

func TestReceiveOrder(t *testing.T) {
	// n1's stream: entry 1 (seq 1), entry 3 (seq 2), a promise of 5 (seq 3).
	e1 := Item{Kind: KindEntry, Key: "k", Off: 1, Msg: raw("a")}
	e3 := Item{Kind: KindEntry, Key: "k", Off: 3, Msg: raw("b")}
	f5 := Item{Kind: KindFrontier, Key: "k", Off: 5}
	tests := []struct {
		name    string
		syncs   []SyncBody
		want    []int64 // offsets n0 may poll
		applied int64
		early   int
	}{
		{"in order", []SyncBody{{Seq: 1, Items: []Item{e1, e3, f5}}}, []int64{1, 3}, 3, 0},
		{"split", []SyncBody{{Seq: 1, Items: []Item{e1}}, {Seq: 2, Items: []Item{e3, f5}}}, []int64{1, 3}, 3, 0},
		{"reordered", []SyncBody{{Seq: 3, Items: []Item{f5}}, {Seq: 2, Items: []Item{e3}}, {Seq: 1, Items: []Item{e1}}}, []int64{1, 3}, 3, 0},
		{"a gap holds later items back", []SyncBody{{Seq: 2, Items: []Item{e3, f5}}}, []int64{}, 0, 2},
		{"duplicates", []SyncBody{{Seq: 1, Items: []Item{e1}}, {Seq: 1, Items: []Item{e1, e3}}, {Seq: 2, Items: []Item{e3, f5}}}, []int64{1, 3}, 3, 0},
		{"only entry 1 so far", []SyncBody{{Seq: 1, Items: []Item{e1}}, {Seq: 3, Items: []Item{f5}}}, []int64{1}, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewCore("n0", []string{"n0", "n1"}, Options{})
			for _, s := range tt.syncs {
				c.Receive("n1", s)
			}
			assert.Equal(t, tt.want, pollOffs(c, "k", 0))
			assert.Equal(t, tt.applied, c.byID["n1"].applied)
			assert.Len(t, c.byID["n1"].early, tt.early)
		})
	}
	c := NewCore("n0", []string{"n0", "n1"}, Options{})
	c.Receive("n9", SyncBody{Seq: 1, Items: []Item{e1}})
	assert.Empty(t, c.keys, "syncs from strangers are ignored")
}

func TestSyncSplit(t *testing.T) {
	const limit = 300 + syncOverhead
	c := NewCore("n0", []string{"n0", "n1"}, Options{MaxBytes: limit})
	for i := range 40 {
		c.Send(fmt.Sprintf("key-%d", i%3), raw(i))
	}
	outs := c.Tick(at(0))
	require.Greater(t, len(outs), 3)
	next, total := int64(1), 0
	for _, o := range outs {
		assert.Equal(t, next, o.Body.Seq, "consecutive")
		b, err := json.Marshal(o.Body)
		require.NoError(t, err)
		assert.LessOrEqual(t, len(b), limit)
		next += int64(len(o.Body.Items))
		total += len(o.Body.Items)
	}
	assert.Equal(t, 40, total)
}

// TestBoundedSyncAtDefault: by default a sync body stays within the kit's
// budget, and its whole line, with the envelope, under 49 KiB.
func TestBoundedSyncAtDefault(t *testing.T) {
	c := NewCore("n0", []string{"n0", "n1"}, Options{})
	for i := range 20000 {
		c.Send(fmt.Sprintf("%d", i%50), raw(i))
	}
	outs := c.Tick(at(0))
	require.Greater(t, len(outs), 1)
	for i, o := range outs {
		b, err := json.Marshal(o.Body)
		require.NoError(t, err)
		assert.LessOrEqual(t, len(b), nodekit.DefaultMaxBody)
		if i < len(outs)-1 {
			assert.Greater(t, len(b), nodekit.DefaultMaxBody-200, "and is filled")
		}
		b, err = json.Marshal(map[string]any{"src": "n0", "dest": o.Dest, "id": 1 << 40, "body": o.Body})
		require.NoError(t, err)
		assert.Less(t, len(b), 49<<10)
	}
}

// simNet is an unreliable network between Cores for the property test.
type simNet struct {
	t      *testing.T
	rng    *rand.Rand
	cores  map[string]*Core
	flight []simMsg
}

type simMsg struct {
	from, to string
	body     []byte
}

func (s *simNet) post(from string, outs []Out) {
	for _, o := range outs {
		b, err := json.Marshal(o.Body)
		require.NoError(s.t, err)
		s.flight = append(s.flight, simMsg{from, o.Dest, b})
	}
}

// step delivers, drops or duplicates one random message in flight.
func (s *simNet) step(dropRate float64) {
	if len(s.flight) == 0 {
		return
	}
	i := s.rng.IntN(len(s.flight))
	m := s.flight[i]
	if s.rng.Float64() < 0.1 {
		// Duplicate: deliver now, keep the original in flight.
	} else {
		s.flight = slices.Delete(s.flight, i, i+1)
	}
	if s.rng.Float64() < dropRate {
		return
	}
	var body SyncBody
	require.NoError(s.t, json.Unmarshal(m.body, &body))
	s.cores[m.to].Receive(m.from, body)
}

// TestProperty drives 2 or 3 Cores with random sends and polls over a
// network that reorders, drops and duplicates syncs, then heals it.
func TestProperty(t *testing.T) {
	for _, n := range []int{2, 3} {
		for seed := range uint64(15) {
			t.Run(fmt.Sprintf("%d nodes seed %d", n, seed), func(t *testing.T) {
				runProperty(t, n, seed)
			})
		}
	}
}

func runProperty(t *testing.T, n int, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 42))
	var nodes []string
	for i := range n {
		nodes = append(nodes, fmt.Sprintf("n%d", i))
	}
	net := &simNet{t: t, rng: rng, cores: map[string]*Core{}}
	for _, id := range nodes {
		net.cores[id] = NewCore(id, nodes, Options{Interval: 10 * time.Millisecond, PollLimit: 4, MaxBytes: 200 + syncOverhead})
	}
	keys := []string{"a", "b", "c"}
	type sendRec struct{ key, node string }
	sends := map[string]map[int64]json.RawMessage{} // key → offset → msg
	lastOff := map[[2]string]int64{}                // (node, key) → last offset
	type pollRec struct {
		key  string
		from int64
		got  []Entry
	}
	var polls []pollRec
	now := t0
	dropRate := 0.0
	for step := range 3000 {
		if step%1000 == 0 {
			dropRate = []float64{0.05, 0.6, 0.2}[step/1000] // the middle third is nearly a partition
		}
		id := nodes[rng.IntN(n)]
		c := net.cores[id]
		switch r := rng.IntN(10); {
		case r < 3:
			k := keys[rng.IntN(len(keys))]
			msg := raw(fmt.Sprintf("%s-%d", id, step))
			off := c.Send(k, msg)
			if sends[k] == nil {
				sends[k] = map[int64]json.RawMessage{}
			}
			_, dup := sends[k][off]
			require.False(t, dup, "offset %d of %s allocated twice", off, k)
			sends[k][off] = msg
			if last, ok := lastOff[[2]string{id, k}]; ok {
				require.Greater(t, off, last, "offsets of one node increase")
			}
			lastOff[[2]string{id, k}] = off
		case r < 5:
			k := keys[rng.IntN(len(keys))]
			from := rng.Int64N(int64(2*len(sends[k]) + 2))
			polls = append(polls, pollRec{k, from, c.Poll(map[string]int64{k: from})[k]})
		case r < 6:
			now = now.Add(time.Duration(rng.IntN(10)) * time.Millisecond)
			net.post(id, c.Tick(now))
		default:
			net.step(dropRate)
		}
	}

	// Heal: reliable delivery until nobody has had anything to say for
	// longer than the resend timeout.
	for round, quiet := 0, 0; quiet < 20; round++ {
		require.Less(t, round, 1000, "no quiescence")
		now = now.Add(10 * time.Millisecond)
		for _, id := range nodes {
			net.post(id, net.cores[id].Tick(now))
		}
		if quiet++; len(net.flight) > 0 {
			quiet = 0
		}
		for len(net.flight) > 0 {
			m := net.flight[0]
			net.flight = net.flight[1:]
			var body SyncBody
			require.NoError(t, json.Unmarshal(m.body, &body))
			net.cores[m.to].Receive(m.from, body)
		}
	}

	nonEmpty := 0
	for _, k := range keys {
		var final []Entry
		for off, msg := range sends[k] {
			final = append(final, Entry{Off: off, Msg: msg})
		}
		slices.SortFunc(final, func(a, b Entry) int { return int(a.Off - b.Off) })
		for _, id := range nodes {
			c := net.cores[id]
			if len(final) == 0 {
				continue
			}
			assert.Equal(t, final, c.keys[k].log.Entries(), "%s has every entry of %s", id, k)
			assert.GreaterOrEqual(t, c.keys[k].log.Stable(), final[len(final)-1].Off, "%s: all of %s is final", id, k)
			assert.Empty(t, c.stream, "%s: everything acknowledged", id)
		}
		for _, p := range polls {
			if p.key == k {
				assertRun(t, final, p.from, p.got)
				if len(p.got) > 0 {
					nonEmpty++
				}
			}
		}
	}
	assert.Greater(t, nonEmpty, len(polls)/10, "polls returned something while sends went on")
}

// TestMessageCount simulates 20 s of 2 nodes under the workload's load: 500
// sends/s and 500 polls/s, ten keys at a time, sixteen messages per key,
// syncs every 20 ms, 5 ms network latency. It counts syncs per operation and
// how long a message takes to become pollable on both nodes.
func TestMessageCount(t *testing.T) {
	const (
		seconds = 20
		latency = 5 * time.Millisecond
	)
	nodes := []string{"n0", "n1"}
	cores := map[string]*Core{}
	for _, id := range nodes {
		cores[id] = NewCore(id, nodes, Options{})
	}
	type inFlight struct {
		at       time.Time
		from, to string
		body     SyncBody
	}
	type pending struct {
		key  string
		off  int64
		sent time.Time
	}
	var (
		flight  []inFlight
		waiting = map[string][]pending{} // per node: sends not yet pollable there
		worst   time.Duration
		total   time.Duration
		visible int
		syncs   int
		ops     int
	)
	rng := rand.New(rand.NewPCG(1, 2))
	pool := make([]int, 10)
	for i := range pool {
		pool[i] = i
	}
	count := map[int]int{}
	nextKey := len(pool)

	for ms := 0; ms < seconds*1000; ms++ {
		now := at(ms)
		// Deliveries due.
		keep := flight[:0]
		for _, f := range flight {
			if f.at.After(now) {
				keep = append(keep, f)
				continue
			}
			cores[f.to].Receive(f.from, f.body)
		}
		flight = keep
		// One op per millisecond, alternating sends and polls, at a random
		// node.
		id := nodes[rng.IntN(2)]
		c := cores[id]
		ops++
		if ms%2 == 0 {
			slot := rng.IntN(len(pool))
			k := pool[slot]
			off := c.Send(fmt.Sprint(k), raw(count[k]))
			if count[k]++; count[k] == 16 {
				pool[slot] = nextKey
				nextKey++
			}
			for _, n := range nodes {
				waiting[n] = append(waiting[n], pending{fmt.Sprint(k), off, now})
			}
		} else {
			positions := map[string]int64{}
			for _, k := range pool[:3] {
				positions[fmt.Sprint(k)] = 0
			}
			c.Poll(positions)
		}
		// Ticks: each node every 20 ms, the two out of phase.
		for i, n := range nodes {
			if (ms+10*i)%20 == 0 {
				for _, o := range cores[n].Tick(now) {
					syncs++
					flight = append(flight, inFlight{now.Add(latency), n, o.Dest, o.Body})
				}
			}
		}
		// Visibility.
		for _, n := range nodes {
			rest := waiting[n][:0]
			for _, p := range waiting[n] {
				if ks := cores[n].keys[p.key]; ks != nil && ks.log.Stable() >= p.off {
					d := now.Sub(p.sent)
					worst = max(worst, d)
					total += d
					visible++
					continue
				}
				rest = append(rest, p)
			}
			waiting[n] = rest
		}
	}
	perOp := float64(syncs) / float64(ops)
	t.Logf("%d ops, %d syncs in %d s: %.3f server msgs per op; pollable after %v on average, %v at worst",
		ops, syncs, seconds, perOp, total/time.Duration(visible), worst)
	assert.LessOrEqual(t, perOp, 0.5)
	assert.Less(t, worst, 100*time.Millisecond)
}

// TestPollBounded: a poll_ok stays within PollBytes, and holds for each key
// a prefix of what an unbounded poll returns.
func TestPollBounded(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	c := NewCore("n0", []string{"n0"}, Options{PollBytes: 1000})
	free := NewCore("n0", []string{"n0"}, Options{PollBytes: 1 << 30})
	for i := range 300 {
		k, m := fmt.Sprintf("key-%d", i%7), raw(strings.Repeat("é", r.IntN(60)))
		c.Send(k, m)
		free.Send(k, m)
	}
	for range 50 {
		offsets := map[string]int64{}
		for k := range 7 {
			if r.IntN(3) > 0 {
				offsets[fmt.Sprintf("key-%d", k)] = r.Int64N(40)
			}
		}
		got, all := c.Poll(offsets), free.Poll(offsets)
		b, err := json.Marshal(map[string]any{"type": "poll_ok", "in_reply_to": int64(math.MaxInt64), "msgs": got})
		require.NoError(t, err)
		assert.LessOrEqual(t, len(b), 1000)
		assert.NotEmpty(t, got)
		for k, es := range got {
			assert.Equal(t, all[k][:len(es)], es, "a prefix of %s", k)
		}
	}
}
