package netsim

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/internal/seeded"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const ms = time.Millisecond

// recorder is a handler that keeps every delivered message and the (bubble)
// time it was delivered at.
type recorder struct {
	mu   sync.Mutex
	msgs []Message
	at   []time.Time
}

func (r *recorder) handle(m Message) {
	r.mu.Lock()
	r.msgs = append(r.msgs, m)
	r.at = append(r.at, time.Now())
	r.mu.Unlock()
}

func (r *recorder) get() ([]Message, []time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Message(nil), r.msgs...), append([]time.Time(nil), r.at...)
}

func (r *recorder) bodies() []string {
	msgs, _ := r.get()
	var out []string
	for _, m := range msgs {
		out = append(out, string(m.Body))
	}
	return out
}

// cutSet is a mutable partition that records every Cut query.
type cutSet struct {
	mu    sync.Mutex
	cut   map[[2]string]bool
	all   bool // cut every link
	calls [][2]string
}

func (c *cutSet) Cut(src, dest string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = append(c.calls, [2]string{src, dest})
	return c.all || c.cut[[2]string{src, dest}]
}

func (c *cutSet) set(src, dest string, on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cut == nil {
		c.cut = map[[2]string]bool{}
	}
	c.cut[[2]string{src, dest}] = on
}

func (c *cutSet) queries() [][2]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([][2]string(nil), c.calls...)
}

// register registers ids with fresh recorders.
func register(t *testing.T, n *Network, ids ...string) map[string]*recorder {
	t.Helper()
	recs := map[string]*recorder{}
	for _, id := range ids {
		r := &recorder{}
		require.NoError(t, n.Register(id, r.handle))
		recs[id] = r
	}
	return recs
}

func mustSend(t *testing.T, n *Network, src, dest, body string) int64 {
	t.Helper()
	id, err := n.Send(src, dest, []byte(body))
	require.NoError(t, err)
	return id
}

func TestParseDist(t *testing.T) {
	for _, s := range []string{"constant", "uniform", "exponential"} {
		d, err := ParseDist(s)
		require.NoError(t, err)
		assert.Equal(t, Dist(s), d)
	}
	for _, s := range []string{"", "Constant", "normal", "uniform "} {
		_, err := ParseDist(s)
		assert.ErrorContains(t, err, "unknown latency distribution", s)
	}
}

func TestIsClient(t *testing.T) {
	for id, want := range map[string]bool{
		"c0": true, "c123": true, "cat": true, // Maelstrom quirk: first letter only
		"n0": false, "n1": false, "seq-kv": false, "lin-kv": false, "lww-kv": false,
		"lin-tso": false, "": false, "C0": false,
	} {
		assert.Equal(t, want, IsClient(id), id)
	}
}

// TestLatencyPerClass checks that node→node and node→service messages pay the
// configured latency and that anything to or from a client is immediate.
func TestLatencyPerClass(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := New(Config{Latency: 100 * ms, Dist: Constant})
		defer n.Close()
		recs := register(t, n, "n0", "n1", "seq-kv", "c0")
		start := time.Now()

		mustSend(t, n, "n0", "n1", `"n0->n1"`)
		mustSend(t, n, "n0", "seq-kv", `"n0->seq-kv"`)
		mustSend(t, n, "seq-kv", "n1", `"seq-kv->n1"`)
		mustSend(t, n, "c0", "n0", `"c0->n0"`)
		mustSend(t, n, "n1", "c0", `"n1->c0"`)
		synctest.Wait()

		// Client traffic is delivered at once, without any time passing.
		assert.Equal(t, []string{`"c0->n0"`}, recs["n0"].bodies())
		assert.Equal(t, []string{`"n1->c0"`}, recs["c0"].bodies())
		_, at := recs["c0"].get()
		assert.Equal(t, time.Duration(0), at[0].Sub(start))
		assert.Empty(t, recs["n1"].bodies())
		assert.Empty(t, recs["seq-kv"].bodies())

		time.Sleep(99 * ms)
		synctest.Wait()
		assert.Empty(t, recs["n1"].bodies(), "delivered before the latency elapsed")
		assert.Empty(t, recs["seq-kv"].bodies(), "delivered before the latency elapsed")

		time.Sleep(1 * ms)
		synctest.Wait()
		assert.Equal(t, []string{`"n0->n1"`, `"seq-kv->n1"`}, recs["n1"].bodies())
		assert.Equal(t, []string{`"n0->seq-kv"`}, recs["seq-kv"].bodies())
		for _, id := range []string{"n1", "seq-kv"} {
			_, at := recs[id].get()
			for _, a := range at {
				assert.Equal(t, 100*ms, a.Sub(start), id)
			}
		}
	})
}

// TestLatencyFIFOConstant: with constant latency, a destination receives in
// send order.
func TestLatencyFIFOConstant(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := New(Config{Latency: 10 * ms})
		defer n.Close()
		recs := register(t, n, "n0", "n1", "n2")
		var want []string
		for i := range 20 {
			body := fmt.Sprintf("%d", i)
			mustSend(t, n, []string{"n0", "n2"}[i%2], "n1", body)
			want = append(want, body)
			if i%3 == 0 {
				time.Sleep(1 * ms)
			}
		}
		time.Sleep(time.Second)
		assert.Equal(t, want, recs["n1"].bodies())
	})
}

func drawLatencies(t *testing.T, cfg Config, k int) []time.Duration {
	t.Helper()
	n := New(cfg)
	defer n.Close()
	out := make([]time.Duration, k)
	for i := range out {
		out[i] = n.latency("n0", "n1")
	}
	return out
}

func TestLatencyDistributions(t *testing.T) {
	const draws = 200_000
	mean := func(ls []time.Duration) float64 {
		var sum int64
		for _, l := range ls {
			sum += l.Milliseconds()
		}
		return float64(sum) / float64(len(ls))
	}
	integral := func(t *testing.T, ls []time.Duration) {
		for _, l := range ls {
			if l%ms != 0 || l < 0 {
				t.Fatalf("latency %v is not a non-negative whole number of ms", l)
			}
		}
	}

	t.Run("constant", func(t *testing.T) {
		ls := drawLatencies(t, Config{Latency: 100 * ms, Dist: Constant}, 1000)
		for _, l := range ls {
			require.Equal(t, 100*ms, l)
		}
		// The default distribution is constant.
		ls = drawLatencies(t, Config{Latency: 37 * ms}, 10)
		for _, l := range ls {
			require.Equal(t, 37*ms, l)
		}
	})

	t.Run("uniform", func(t *testing.T) {
		ls := drawLatencies(t, Config{Latency: 100 * ms, Dist: Uniform, Seed: 1}, draws)
		integral(t, ls)
		lo, hi := ls[0], ls[0]
		for _, l := range ls {
			lo, hi = min(lo, l), max(hi, l)
		}
		assert.Equal(t, time.Duration(0), lo, "0 is reachable")
		assert.Equal(t, 199*ms, hi, "the upper end 2×latency is excluded")
		// Mean is latency − ½; stderr over 200k draws is ~0.13 ms.
		assert.InDelta(t, 99.5, mean(ls), 0.6)
	})

	t.Run("exponential", func(t *testing.T) {
		ls := drawLatencies(t, Config{Latency: 100 * ms, Dist: Exponential, Seed: 3}, draws)
		integral(t, ls)
		// Truncation to whole ms lowers the mean by ~½; stderr ~0.22 ms.
		assert.InDelta(t, 100, mean(ls), 1.5)
		var over int
		for _, l := range ls {
			if l >= 300*ms {
				over++
			}
		}
		// P(X ≥ 3·mean) = e^-3 ≈ 0.0498: a real exponential tail.
		assert.InDelta(t, 0.0498, float64(over)/draws, 0.005)
	})

	t.Run("same seed same sequence", func(t *testing.T) {
		for _, d := range []Dist{Uniform, Exponential} {
			a := drawLatencies(t, Config{Latency: 100 * ms, Dist: d, Seed: 42}, 1000)
			b := drawLatencies(t, Config{Latency: 100 * ms, Dist: d, Seed: 42}, 1000)
			c := drawLatencies(t, Config{Latency: 100 * ms, Dist: d, Seed: 43}, 1000)
			assert.Equal(t, a, b, d)
			assert.NotEqual(t, a, c, d)
		}
	})

	t.Run("zero latency never draws", func(t *testing.T) {
		// Maelstrom crashes (exponential) or hangs (uniform) on --latency 0;
		// eddy just delivers at once.
		for _, d := range []Dist{Constant, Uniform, Exponential} {
			for _, l := range drawLatencies(t, Config{Latency: 0, Dist: d}, 10) {
				assert.Equal(t, time.Duration(0), l, d)
			}
		}
	})
}

// linkStream is the latency stream the network uses for src→dest.
func linkStream(seed uint64, src, dest string) *rand.Rand {
	return seeded.Stream(seed, "latency "+strconv.Quote(src)+" "+strconv.Quote(dest))
}

// TestLatencySeededEndToEnd checks, through Send and delivery, that a seeded
// network draws the uniform sequence of the link's stream, one draw per
// non-client message and none for client messages, whatever is sent on
// other links.
func TestLatencySeededEndToEnd(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := New(Config{Latency: 100 * ms, Dist: Uniform, Seed: 7})
		defer n.Close()
		ref := linkStream(7, "n0", "n1")
		recs := register(t, n, "n0", "n1", "n2", "c0")
		for i := range 50 {
			if i%5 == 0 {
				mustSend(t, n, "c0", "n1", `"client"`) // must not consume a draw
			}
			if i%3 == 0 {
				mustSend(t, n, "n2", "n0", `"other link"`) // draws from its own stream (to n0: a message queued at n1 could hold this one up, head of line)
				mustSend(t, n, "n1", "n0", `"reverse"`)
			}
			t0 := time.Now()
			mustSend(t, n, "n0", "n1", fmt.Sprintf("%d", i))
			time.Sleep(200 * ms)
			synctest.Wait()
			msgs, at := recs["n1"].get()
			last := -1
			for j, m := range msgs {
				if string(m.Body) == fmt.Sprintf("%d", i) {
					last = j
				}
			}
			require.GreaterOrEqual(t, last, 0)
			assert.Equal(t, time.Duration(ref.Int64N(200))*ms, at[last].Sub(t0), "message %d", i)
		}
	})
}

// seedWithTwoDraws finds a seed whose first uniform draws (latency 100 ms)
// on the links n0→n1 and n2→n1 are a and b with a > b+margin.
func seedWithTwoDraws(t *testing.T, margin int64) (seed uint64, a, b time.Duration) {
	t.Helper()
	for seed = range uint64(10_000) {
		x, y := linkStream(seed, "n0", "n1").Int64N(200), linkStream(seed, "n2", "n1").Int64N(200)
		if x > y+margin {
			return seed, time.Duration(x) * ms, time.Duration(y) * ms
		}
	}
	t.Fatal("no suitable seed")
	return
}

// TestHeadOfLine: once a message is taken from the queue, later-sent messages
// with earlier deadlines wait behind it.
func TestHeadOfLine(t *testing.T) {
	seed, a, b := seedWithTwoDraws(t, 20)
	cfg := func() Config {
		return Config{Latency: 100 * ms, Dist: Uniform, Seed: seed}
	}

	t.Run("taken message blocks the queue", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			n := New(cfg())
			defer n.Close()
			recs := register(t, n, "n0", "n1", "n2")
			start := time.Now()
			mustSend(t, n, "n0", "n1", `"slow"`) // deadline a
			synctest.Wait()                      // n1's delivery goroutine has taken it
			mustSend(t, n, "n2", "n1", `"fast"`) // deadline b < a
			time.Sleep(b)
			synctest.Wait()
			assert.Empty(t, recs["n1"].bodies(), "fast message overtook the taken one")
			time.Sleep(a - b)
			synctest.Wait()
			msgs, at := recs["n1"].get()
			require.Len(t, msgs, 2)
			assert.Equal(t, []string{`"slow"`, `"fast"`}, recs["n1"].bodies())
			assert.Equal(t, a, at[0].Sub(start))
			assert.Equal(t, a, at[1].Sub(start), "fast waits exactly until slow is delivered")
		})
	})

	t.Run("queued messages reorder by deadline", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			n := New(cfg())
			defer n.Close()
			register(t, n, "n0", "n2", "c0")
			gate := make(chan struct{})
			r := &recorder{}
			require.NoError(t, n.Register("n1", func(m Message) {
				if string(m.Body) == `"block"` {
					<-gate
				}
				r.handle(m)
			}))
			mustSend(t, n, "c0", "n1", `"block"`) // zero latency, no draw
			synctest.Wait()                       // n1's goroutine is stuck in the handler
			start := time.Now()
			mustSend(t, n, "n0", "n1", `"slow"`) // deadline a
			mustSend(t, n, "n2", "n1", `"fast"`) // deadline b < a, queued with slow
			close(gate)
			time.Sleep(time.Second)
			msgs, at := r.get()
			require.Len(t, msgs, 3)
			assert.Equal(t, []string{`"block"`, `"fast"`, `"slow"`}, []string{string(msgs[0].Body), string(msgs[1].Body), string(msgs[2].Body)})
			assert.Equal(t, b, at[1].Sub(start))
			assert.Equal(t, a, at[2].Sub(start))
		})
	})
}

// TestPartitionAtDequeue checks that the partition is decided when a message
// reaches the head of its queue, before its latency is waited out.
func TestPartitionAtDequeue(t *testing.T) {
	t.Run("in-flight message survives a new partition", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			n := New(Config{Latency: 100 * ms})
			defer n.Close()
			recs := register(t, n, "n0", "n1")
			p := &cutSet{}
			n.SetPartition(p)
			start := time.Now()
			mustSend(t, n, "n0", "n1", `"m"`)
			synctest.Wait() // taken from the queue, Cut consulted, now sleeping
			assert.Equal(t, [][2]string{{"n0", "n1"}}, p.queries())
			p.set("n0", "n1", true)
			time.Sleep(100 * ms)
			synctest.Wait()
			_, at := recs["n1"].get()
			require.Len(t, at, 1, "message taken before the partition must be delivered")
			assert.Equal(t, 100*ms, at[0].Sub(start))
			assert.Len(t, p.queries(), 1, "the partition is consulted once, at dequeue")
		})
	})

	t.Run("message reaching the head during a partition is lost", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			n := New(Config{Latency: 100 * ms})
			defer n.Close()
			recs := register(t, n, "n0", "n1", "n2")
			p := &cutSet{}
			n.SetPartition(p)
			mustSend(t, n, "n0", "n1", `"first"`) // taken at 0, due at 100
			time.Sleep(10 * ms)
			p.set("n0", "n1", true)
			time.Sleep(10 * ms)
			mustSend(t, n, "n0", "n1", `"second"`) // due at 120, reaches the head at 100
			mustSend(t, n, "n2", "n1", `"other"`)  // due at 120, its link is not cut
			time.Sleep(90 * ms)                    // t = 110: heal before second's deadline
			synctest.Wait()
			n.SetPartition(nil)
			time.Sleep(time.Second)
			assert.Equal(t, []string{`"first"`, `"other"`}, recs["n1"].bodies())

			st := n.Stats()
			assert.Equal(t, Counts{SendCount: 3, RecvCount: 2, MsgCount: 3}, st.Servers)
			assert.Equal(t, Counts{SendCount: 3, RecvCount: 2, MsgCount: 3}, st.All)
			var recvIDs []int64
			for _, ev := range n.Journal() {
				if ev.Kind == Recv {
					recvIDs = append(recvIDs, ev.Msg.ID)
				}
			}
			assert.Equal(t, []int64{0, 2}, recvIDs, "the dropped message has no recv event")
		})
	})

	t.Run("cut before send, heal later: still lost", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			n := New(Config{Latency: 100 * ms})
			defer n.Close()
			recs := register(t, n, "n0", "n1")
			p := &cutSet{}
			p.set("n0", "n1", true)
			n.SetPartition(p)
			mustSend(t, n, "n0", "n1", `"lost"`)
			mustSend(t, n, "n1", "n0", `"reverse"`) // one-way cut: the other direction flows
			synctest.Wait()
			n.SetPartition(nil)
			time.Sleep(time.Second)
			assert.Empty(t, recs["n1"].bodies())
			assert.Equal(t, []string{`"reverse"`}, recs["n0"].bodies())
			assert.ElementsMatch(t, [][2]string{{"n0", "n1"}, {"n1", "n0"}}, p.queries())
		})
	})

	t.Run("cut is consulted for client links too", func(t *testing.T) {
		// The runner's partitions never cut clients; the network itself just
		// asks the partition about every (src, dest).
		synctest.Test(t, func(t *testing.T) {
			n := New(Config{Latency: 100 * ms})
			defer n.Close()
			recs := register(t, n, "n0", "c0")
			p := &cutSet{all: true}
			n.SetPartition(p)
			mustSend(t, n, "c0", "n0", `"req"`)
			mustSend(t, n, "n0", "c0", `"resp"`)
			time.Sleep(time.Second)
			assert.Empty(t, recs["n0"].bodies())
			assert.Empty(t, recs["c0"].bodies())
			assert.ElementsMatch(t, [][2]string{{"c0", "n0"}, {"n0", "c0"}}, p.queries())
			st := n.Stats()
			assert.Equal(t, Counts{SendCount: 2, RecvCount: 0, MsgCount: 2}, st.Clients)
			assert.Equal(t, Counts{}, st.Servers)
			assert.Equal(t, Counts{SendCount: 2, RecvCount: 0, MsgCount: 2}, st.All)
		})
	})
}

// TestIDs: ids are network-global, start at 0 and count every successful
// send, whatever the classes of its ends.
func TestIDs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := New(Config{Latency: 5 * ms})
		defer n.Close()
		recs := register(t, n, "n0", "n1", "c0", "c1", "seq-kv", "lin-kv")
		sends := [][2]string{
			{"c0", "n0"}, {"n0", "seq-kv"}, {"seq-kv", "n0"}, {"n0", "n1"}, {"n0", "c0"},
			{"c1", "n1"}, {"n1", "lin-kv"}, {"lin-kv", "n1"}, {"n1", "c1"}, {"n1", "n1"},
		}
		for i, s := range sends {
			assert.Equal(t, int64(i), mustSend(t, n, s[0], s[1], fmt.Sprintf("%d", i)))
			if i == 4 {
				// A refused send does not consume an id.
				_, err := n.Send("n0", "n9", []byte(`1`))
				require.Error(t, err)
			}
		}
		time.Sleep(time.Second)
		got := map[int64]Message{}
		for _, r := range recs {
			msgs, _ := r.get()
			for _, m := range msgs {
				got[m.ID] = m
			}
		}
		require.Len(t, got, len(sends))
		for i, s := range sends {
			m := got[int64(i)]
			assert.Equal(t, Message{ID: int64(i), Src: s[0], Dest: s[1], Body: []byte(fmt.Sprintf("%d", i))}, m)
		}
	})
}

func TestStats(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := New(Config{Latency: 10 * ms})
		defer n.Close()
		register(t, n, "n0", "n1", "c0", "seq-kv", "cat")
		assert.Equal(t, Stats{}, n.Stats())
		p := &cutSet{}
		p.set("n0", "n1", true)
		n.SetPartition(p)
		for _, s := range [][2]string{
			{"c0", "n0"}, {"n0", "c0"}, {"n1", "cat"}, // clients: "cat" is one by the first-letter rule
			{"n0", "n1"}, {"n0", "seq-kv"}, {"seq-kv", "n0"}, {"n1", "n0"}, // servers; n0→n1 is cut
		} {
			mustSend(t, n, s[0], s[1], `{}`)
		}
		time.Sleep(time.Second)
		st := n.Stats()
		assert.Equal(t, Counts{SendCount: 3, RecvCount: 3, MsgCount: 3}, st.Clients)
		assert.Equal(t, Counts{SendCount: 4, RecvCount: 3, MsgCount: 4}, st.Servers)
		assert.Equal(t, Counts{SendCount: 7, RecvCount: 6, MsgCount: 7}, st.All)

		// Stats agree with the journal.
		var sends, recvs int64
		for _, ev := range n.Journal() {
			if ev.Kind == Send {
				sends++
			} else {
				recvs++
			}
		}
		assert.Equal(t, st.All.SendCount, sends)
		assert.Equal(t, st.All.RecvCount, recvs)
	})
}

func TestSendErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := New(Config{})
		defer n.Close()
		register(t, n, "n0", "n1", "c0")
		n.Deregister("c0")

		for _, tc := range []struct {
			src, dest string
			want      error
			name      string
		}{
			{"n9", "n0", ErrUnknownSrc, `"n9"`},
			{"n0", "n9", ErrUnknownDest, `"n9"`},
			{"n0", "c0", ErrClosedDest, `"c0"`},
			{"c0", "n0", ErrClosedSrc, `"c0"`},
			{"", "n0", ErrUnknownSrc, `""`},
			{"n9", "n8", ErrUnknownSrc, `"n9"`}, // the source is checked first
		} {
			_, err := n.Send(tc.src, tc.dest, []byte(`{}`))
			require.Error(t, err, "%s→%s", tc.src, tc.dest)
			assert.ErrorIs(t, err, tc.want, "%s→%s", tc.src, tc.dest)
			assert.Contains(t, err.Error(), tc.name)
			for _, other := range []error{ErrUnknownSrc, ErrUnknownDest, ErrClosedDest, ErrClosedSrc} {
				if other != tc.want {
					assert.NotErrorIs(t, err, other)
				}
			}
		}
		assert.Equal(t, Stats{}, n.Stats(), "refused sends are not counted")
		assert.Empty(t, n.Journal(), "refused sends are not journaled")

		// Re-registering a closed id makes it valid again.
		register(t, n, "c0")
		assert.Equal(t, int64(0), mustSend(t, n, "n0", "c0", `{}`))
	})
}

func TestRegisterErrors(t *testing.T) {
	n := New(Config{})
	require.NoError(t, n.Register("n0", func(Message) {}))
	assert.ErrorContains(t, n.Register("n0", func(Message) {}), `"n0" is already registered`)
	n.Close()
	assert.ErrorContains(t, n.Register("n1", func(Message) {}), "closed")
	n.Close() // idempotent
	n.Deregister("n0")
	n.Deregister("nobody")
}

// TestDeregisterDropsQueued: messages queued for an endpoint when it is
// deregistered are never handed to its handler, whether their latency has
// elapsed or not; the message being handled completes.
func TestDeregisterDropsQueued(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := New(Config{Latency: 100 * ms})
		defer n.Close()
		register(t, n, "n0", "c0")
		gate := make(chan struct{})
		var handled []string
		var mu sync.Mutex
		require.NoError(t, n.Register("n1", func(m Message) {
			mu.Lock()
			handled = append(handled, string(m.Body))
			mu.Unlock()
			if string(m.Body) == `"block"` {
				<-gate
			}
		}))
		mustSend(t, n, "c0", "n1", `"block"`)
		synctest.Wait() // the handler is running
		for i := range 3 {
			mustSend(t, n, "c0", "n1", fmt.Sprintf(`"client %d"`, i)) // due now
			mustSend(t, n, "n0", "n1", fmt.Sprintf(`"node %d"`, i))   // due in 100 ms
		}
		n.Deregister("n1")
		close(gate)
		time.Sleep(time.Second)
		mu.Lock()
		assert.Equal(t, []string{`"block"`}, handled)
		mu.Unlock()
		assert.Equal(t, int64(1), n.Stats().All.RecvCount)
		_, err := n.Send("n0", "n1", []byte(`1`))
		assert.ErrorIs(t, err, ErrClosedDest)
	})
}

// TestDeregisterWhileWaiting: an endpoint deregistered while waiting out a
// message's latency drops it and its goroutine exits (synctest would report
// a goroutine left in the bubble otherwise).
func TestDeregisterWhileWaiting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := New(Config{Latency: 100 * ms})
		recs := register(t, n, "n0", "n1")
		mustSend(t, n, "n0", "n1", `1`)
		time.Sleep(50 * ms)
		n.Deregister("n1")
		n.Deregister("n0")
		time.Sleep(time.Second)
		assert.Empty(t, recs["n1"].bodies())
		// Both goroutines are gone: Close has nothing to wait for.
		n.Close()
	})
}

// TestCloseStopsEverything closes a network with goroutines in every state:
// idle, waiting out a latency, and busy with a zero-latency flood.
func TestCloseStopsEverything(t *testing.T) {
	n := New(Config{Latency: time.Hour})
	for i := range 10 {
		require.NoError(t, n.Register(fmt.Sprintf("n%d", i), func(Message) {}))
	}
	for i := range 9 {
		mustSend(t, n, fmt.Sprintf("n%d", i), fmt.Sprintf("n%d", i+1), `"late"`)
	}
	// Two clients bouncing 64 messages between them as fast as they can.
	for _, pair := range [][2]string{{"c0", "c1"}, {"c1", "c0"}} {
		self, peer := pair[0], pair[1]
		require.NoError(t, n.Register(self, func(m Message) { _, _ = n.Send(self, peer, m.Body) }))
	}
	for range 64 {
		mustSend(t, n, "c0", "c1", `"ball"`)
	}
	time.Sleep(10 * ms)
	done := make(chan struct{})
	go func() { n.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return")
	}
	goleak.VerifyNone(t)
	n.Close()
}

func TestJournal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var evMu sync.Mutex
		var onEvent []Event
		n := New(Config{Latency: 100 * ms, OnEvent: func(ev Event) {
			evMu.Lock()
			onEvent = append(onEvent, ev)
			evMu.Unlock()
		}})
		defer n.Close()
		odd := "n\"q\\\x01é\u2028"
		register(t, n, "n0", odd, "c0")
		bodies := []string{
			`{"type":"echo","echo":"hi","msg_id":1}`,
			// Odd spacing (no raw newline: a node's body comes from one line),
			// escapes and nesting must all survive byte for byte.
			"{ \"a\" : [1, 2.50, -0e3] ,\r\t\"s\":\"\\u00e9\\\"\\n\", \"nested\":{\"z\":{},\"y\":[]}}",
			`"just a string"`,
			`[1,{"x":null}]`,
		}
		mustSend(t, n, "c0", "n0", bodies[0])
		synctest.Wait()
		time.Sleep(5 * ms)
		mustSend(t, n, "n0", odd, bodies[1])
		time.Sleep(200 * ms)
		mustSend(t, n, odd, "c0", bodies[2])
		synctest.Wait()
		mustSend(t, n, "c0", "c0", bodies[3])
		synctest.Wait()

		evs := n.Journal()
		type want struct {
			kind     EventKind
			id       int64
			time     time.Duration
			src, dst string
		}
		wants := []want{
			{Send, 0, 0, "c0", "n0"}, {Recv, 0, 0, "c0", "n0"},
			{Send, 1, 5 * ms, "n0", odd}, {Recv, 1, 105 * ms, "n0", odd},
			{Send, 2, 205 * ms, odd, "c0"}, {Recv, 2, 205 * ms, odd, "c0"},
			{Send, 3, 205 * ms, "c0", "c0"}, {Recv, 3, 205 * ms, "c0", "c0"},
		}
		require.Len(t, evs, len(wants))
		for i, w := range wants {
			ev := evs[i]
			assert.Equal(t, int64(i), ev.Seq)
			assert.Equal(t, w.kind, ev.Kind, "event %d", i)
			assert.Equal(t, w.id, ev.Msg.ID, "event %d", i)
			assert.Equal(t, int64(w.time), ev.Time, "event %d", i)
			assert.Equal(t, w.src, ev.Msg.Src)
			assert.Equal(t, w.dst, ev.Msg.Dest)
			assert.Equal(t, bodies[w.id], string(ev.Msg.Body))
		}
		evMu.Lock()
		assert.Equal(t, evs, onEvent, "OnEvent sees every event, in order here")
		evMu.Unlock()
		assert.Equal(t, "send", Send.String())
		assert.Equal(t, "recv", Recv.String())

		var buf bytes.Buffer
		require.NoError(t, WriteJournal(&buf, evs))
		sc := bufio.NewScanner(&buf)
		i := 0
		for sc.Scan() {
			line := sc.Bytes()
			require.True(t, json.Valid(line), "line %d is not JSON: %s", i, line)
			var got struct {
				Seq  *int64          `json:"seq"`
				Time *int64          `json:"time"`
				Type string          `json:"type"`
				ID   *int64          `json:"id"`
				Src  string          `json:"src"`
				Dest string          `json:"dest"`
				Body json.RawMessage `json:"body"`
			}
			dec := json.NewDecoder(bytes.NewReader(line))
			dec.DisallowUnknownFields()
			require.NoError(t, dec.Decode(&got))
			ev := evs[i]
			require.NotNil(t, got.Seq)
			require.NotNil(t, got.Time)
			require.NotNil(t, got.ID)
			assert.Equal(t, ev.Seq, *got.Seq)
			assert.Equal(t, ev.Time, *got.Time)
			assert.Equal(t, ev.Kind.String(), got.Type)
			assert.Equal(t, ev.Msg.ID, *got.ID)
			assert.Equal(t, ev.Msg.Src, got.Src)
			assert.Equal(t, ev.Msg.Dest, got.Dest)
			assert.Equal(t, string(ev.Msg.Body), string(got.Body), "body is written verbatim")
			assert.True(t, bytes.HasPrefix(line, []byte(`{"seq":`)))
			i++
		}
		require.NoError(t, sc.Err())
		assert.Equal(t, len(evs), i)

		// An empty journal writes nothing; a failing writer's error comes back.
		buf.Reset()
		require.NoError(t, WriteJournal(&buf, nil))
		assert.Zero(t, buf.Len())
		assert.ErrorIs(t, WriteJournal(failWriter{}, evs), errWrite)
	})
}

var errWrite = errors.New("disk full")

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errWrite }

// TestJournalStartTime: event times count from Config.Start.
func TestJournalStartTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := New(Config{Start: time.Now().Add(-time.Second)})
		defer n.Close()
		register(t, n, "n0", "n1")
		mustSend(t, n, "n0", "n1", `1`)
		synctest.Wait()
		for _, ev := range n.Journal() {
			assert.Equal(t, int64(time.Second), ev.Time)
		}
	})
}

// TestConcurrentSend25 has 25 endpoints (20 nodes, 5 clients) send to each
// other at once while nodes answer node pings, and Stats, Journal and
// SetPartition are called concurrently. Run it under -race.
func TestConcurrentSend25(t *testing.T) {
	const perEndpoint = 200
	var ids []string
	for i := range 20 {
		ids = append(ids, fmt.Sprintf("n%d", i))
	}
	for i := range 5 {
		ids = append(ids, fmt.Sprintf("c%d", i))
	}

	run := func(t *testing.T, cfg Config, poll time.Duration, settle func()) {
		n := New(cfg)
		defer n.Close()
		var recvd [25]atomic.Int64
		var replyErrs atomic.Int64
		for k, id := range ids {
			require.NoError(t, n.Register(id, func(m Message) {
				if m.Dest != id {
					replyErrs.Add(1)
				}
				recvd[k].Add(1)
				if string(m.Body) == `"ping"` && !IsClient(m.Src) && !IsClient(id) {
					if _, err := n.Send(id, m.Src, []byte(`"pong"`)); err != nil {
						replyErrs.Add(1)
					}
				}
			}))
		}
		index := map[string]int{}
		for k, id := range ids {
			index[id] = k
		}
		// Expected deliveries per endpoint.
		var want [25]int64
		var total int64
		for k, src := range ids {
			for j := range perEndpoint {
				d := (k + 1 + j%24) % 25
				want[d]++
				total++
				if !IsClient(src) && !IsClient(ids[d]) {
					want[k]++
					total++
				}
			}
		}

		stop := make(chan struct{})
		var bg sync.WaitGroup
		bg.Add(1)
		go func() { // concurrent readers and partition changes
			defer bg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				st := n.Stats()
				if st.All.RecvCount > st.All.SendCount+1000 {
					panic("impossible stats")
				}
				_ = n.Journal()
				n.SetPartition(nil)
				time.Sleep(poll)
			}
		}()

		var senders sync.WaitGroup
		var sendErrs atomic.Int64
		for k, src := range ids {
			senders.Add(1)
			go func() {
				defer senders.Done()
				for j := range perEndpoint {
					if _, err := n.Send(src, ids[(k+1+j%24)%25], []byte(`"ping"`)); err != nil {
						sendErrs.Add(1)
					}
				}
			}()
		}
		senders.Wait()
		settle()
		deadline := time.Now().Add(8 * time.Second)
		for n.Stats().All.RecvCount < total && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		close(stop)
		bg.Wait()

		require.Zero(t, sendErrs.Load())
		require.Zero(t, replyErrs.Load())
		for k := range ids {
			assert.Equal(t, want[k], recvd[k].Load(), ids[k])
		}
		st := n.Stats()
		assert.Equal(t, Counts{SendCount: total, RecvCount: total, MsgCount: total}, st.All)
		assert.Equal(t, st.All.SendCount, st.Clients.SendCount+st.Servers.SendCount)

		evs := n.Journal()
		require.Len(t, evs, int(2*total))
		sent := make([]bool, total)
		recvSeen := make([]bool, total)
		for i, ev := range evs {
			require.Equal(t, int64(i), ev.Seq, "journal seqs are 0..n-1 in order")
			require.True(t, ev.Msg.ID >= 0 && ev.Msg.ID < total, "id %d", ev.Msg.ID)
			if ev.Kind == Send {
				require.False(t, sent[ev.Msg.ID], "id %d sent twice", ev.Msg.ID)
				sent[ev.Msg.ID] = true
			} else {
				require.True(t, sent[ev.Msg.ID], "id %d received before it was sent", ev.Msg.ID)
				require.False(t, recvSeen[ev.Msg.ID], "id %d received twice", ev.Msg.ID)
				recvSeen[ev.Msg.ID] = true
			}
		}
	}

	t.Run("zero latency", func(t *testing.T) {
		run(t, Config{}, time.Millisecond, func() {})
	})
	t.Run("uniform latency", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			run(t, Config{Latency: 20 * ms, Dist: Uniform, Seed: 5}, 25*ms, func() {
				time.Sleep(time.Second)
				synctest.Wait()
			})
		})
	})
}

// TestHandlerSeesBodyUntouched: the network hands over the very bytes it was
// given (it never decodes or copies bodies).
func TestHandlerSeesBodyUntouched(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := New(Config{})
		defer n.Close()
		recs := register(t, n, "n0", "n1")
		body := []byte(strings.Repeat("x", 100))
		mustSend(t, n, "n0", "n1", string(body))
		_, err := n.Send("n0", "n1", body)
		require.NoError(t, err)
		synctest.Wait()
		msgs, _ := recs["n1"].get()
		require.Len(t, msgs, 2)
		assert.Same(t, &body[0], &msgs[1].Body[0])
	})
}

// TestJournalCap: past MaxJournal events are counted, not kept, and the
// message counts stay exact.
func TestJournalCap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := New(Config{MaxJournal: 5})
		defer n.Close()
		register(t, n, "n0", "n1")
		for range 4 {
			mustSend(t, n, "n0", "n1", `{"type":"x"}`)
		}
		synctest.Wait()
		assert.Len(t, n.Journal(), 5)
		assert.Equal(t, int64(3), n.Unjournaled())
		st := n.Stats()
		assert.Equal(t, int64(4), st.Servers.SendCount)
		assert.Equal(t, int64(4), st.Servers.RecvCount)
	})
}
