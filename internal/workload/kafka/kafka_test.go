package kafka

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/client"
	"github.com/eddy-workbench/eddy/internal/history"
	"github.com/eddy-workbench/eddy/internal/netsim"
	"github.com/eddy-workbench/eddy/internal/proto"
	"github.com/eddy-workbench/eddy/internal/workload"
	"github.com/eddy-workbench/eddy/internal/workload/keypool"
)

func TestGenerator(t *testing.T) {
	const procs = 4
	w := New(Options{KeyCount: 10, MaxWritesPerKey: 16, Concurrency: procs}) // no rate: no crashes
	counts := map[string]int{}
	msgs := map[int64][]int64{}
	for p := range procs {
		g := w.Generator(workload.Process{ID: p, Concurrency: procs, Seed: 3}, rand.New(rand.NewPCG(3, uint64(p))))
		var prev workload.Op
		for range 16_000 {
			op := g.Next()
			counts[op.F]++
			if op.F == "send" {
				mop := op.Value.([]any)[0].([]any)
				msgs[mop[1].(int64)] = append(msgs[mop[1].(int64)], mop[2].(int64))
			}
			if prev.F == "assign" {
				assert.Contains(t, []string{"send", "poll"}, op.F, "an assign comes in front of the op it was made for")
			}
			prev = op
		}
	}
	assert.InDelta(t, 0.5, float64(counts["send"])/float64(counts["send"]+counts["poll"]), 0.02)
	total := counts["send"] + counts["poll"]
	assert.InDelta(t, float64(total)/64, counts["assign"], float64(total)/64*0.2, "one op in 64 is preceded by an assign")
	sends := 0
	for k, vs := range msgs {
		seen := map[int64]bool{}
		for _, v := range vs {
			require.False(t, seen[v], "key %d got message %d twice", k, v)
			seen[v] = true
		}
		sends += len(vs)
	}
	assert.InDelta(t, 16, float64(sends)/float64(len(msgs)), 4, "keys take about 16 messages")
}

// 4 workers at 1000 ops/s: each thread's process crashes after 7500 ops on
// average (one crash per 30 s per thread); crash points depend on the seed,
// the thread and the incarnation, and a later process's pool goes on from
// where the crashed one's would be.
func TestCrashes(t *testing.T) {
	w := New(Options{Concurrency: 4, Rate: 1000})
	sum, n := 0, 0
	for th := range 4 {
		for m := range 50 {
			l := w.crashLength(workload.Process{ID: 4*m + th, Concurrency: 4, Seed: 11}, m)
			require.GreaterOrEqual(t, l, 1)
			sum += l
			n++
		}
	}
	assert.InDelta(t, 7500, float64(sum)/float64(n), 1500)

	p := workload.Process{ID: 2, Concurrency: 4, Seed: 5}
	crashAt := -1
	g := w.Generator(p, rand.New(rand.NewPCG(1, 1)))
	for k := 0; crashAt < 0; k++ {
		if g.Next().F == "crash" {
			crashAt = k
		}
	}
	assert.Equal(t, w.crashLength(p, 0)-1, crashAt)

	next := w.Generator(workload.Process{ID: 6, Concurrency: 4, Seed: 5}, rand.New(rand.NewPCG(1, 1))).(*gen)
	next.pool.Begin()
	ref := keypool.New(keypool.Options{Count: 10, MaxWrites: 16, WritesPerOp: 0.5}, workload.Process{ID: 6, Concurrency: 4}, crashAt+1)
	ref.Begin()
	assert.Equal(t, ref.Keys(), next.pool.Keys())

	none := New(Options{Concurrency: 4})
	assert.Equal(t, maxCrashLength, none.crashLength(p, 0), "no crashes without a rate")
	assert.Equal(t, 1, New(Options{Concurrency: 40, Rate: 1}).crashLength(p, 0), "crashes more often than ops")
}

// A process's ops depend on its own stream and the seed alone.
func TestGeneratorIsPerProcess(t *testing.T) {
	w := New(Options{Concurrency: 3, Rate: 100})
	ops := func(id int, interleave bool) []string {
		g := w.Generator(workload.Process{ID: id, Concurrency: 3, Seed: 8}, rand.New(rand.NewPCG(8, uint64(id))))
		other := w.Generator(workload.Process{ID: 1, Concurrency: 3, Seed: 8}, rand.New(rand.NewPCG(8, 1)))
		var out []string
		for range 2000 {
			if interleave {
				other.Next()
			}
			op := g.Next()
			out = append(out, op.F+" "+edn.String(op.Value))
		}
		return out
	}
	assert.Equal(t, ops(5, false), ops(5, true))
	assert.NotEqual(t, ops(5, false), ops(2, false))
}

// fakeNode answers kafka requests from a fixed log, through a network.
func fakeNode(t *testing.T, handle func(h proto.Header, f map[string]json.RawMessage) []byte) *client.Client {
	t.Helper()
	net := netsim.New(netsim.Config{})
	t.Cleanup(net.Close)
	require.NoError(t, net.Register("n0", func(m netsim.Message) {
		h, f, err := proto.ParseHeader(m.Body)
		require.NoError(t, err)
		net.Send("n0", m.Src, handle(h, f))
	}))
	var ids client.Allocator
	c, err := client.Open(net, &ids, "n0")
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c
}

func TestPollCommitsAndAdvances(t *testing.T) {
	var polls []string
	var commits []string
	c := fakeNode(t, func(h proto.Header, f map[string]json.RawMessage) []byte {
		switch h.Type {
		case "poll":
			polls = append(polls, string(f["offsets"]))
			return proto.Body("type", "poll_ok", "msgs", map[string]any{"1": [][]int64{{0, 5}, {2, 6}}}, "in_reply_to", h.MsgID)
		case "commit_offsets":
			commits = append(commits, string(f["offsets"]))
			return proto.Body("type", "commit_offsets_ok", "in_reply_to", h.MsgID)
		case "list_committed_offsets":
			return proto.Body("type", "list_committed_offsets_ok", "offsets", map[string]int64{"1": 9}, "in_reply_to", h.MsgID)
		}
		return proto.Body("type", "error", "code", 10, "in_reply_to", h.MsgID)
	})
	w := New(Options{})
	ctx := context.Background()
	comp := w.Invoke(ctx, c, history.Op{F: "assign", Value: []any{int64(1)}})
	require.Equal(t, history.OK, comp.Type)
	assert.Equal(t, positions{1: 0}, c.State, "without --strict the committed offset is ignored, as in Maelstrom")

	comp = w.Invoke(ctx, c, history.Op{F: "poll", Value: []any{[]any{edn.Keyword("poll")}}})
	require.Equal(t, history.OK, comp.Type)
	assert.Equal(t, `[[:poll {1 [[0 5] [2 6]]}]]`, edn.String(comp.Value))
	assert.Equal(t, positions{1: 3}, c.State)
	assert.Equal(t, []string{`{"1":0}`}, polls)
	assert.Equal(t, []string{`{"1":2}`}, commits, "the highest offset polled is committed")

	strict := New(Options{Strict: true})
	c.State = nil
	strict.Invoke(ctx, c, history.Op{F: "assign", Value: []any{int64(1), int64(2)}})
	assert.Equal(t, positions{1: 9, 2: 0}, c.State, "under --strict a new key starts at its committed offset")
}

func TestFailedCommitFailsThePoll(t *testing.T) {
	c := fakeNode(t, func(h proto.Header, f map[string]json.RawMessage) []byte {
		if h.Type == "poll" {
			return proto.Body("type", "poll_ok", "msgs", map[string]any{"1": [][]int64{{0, 5}}}, "in_reply_to", h.MsgID)
		}
		return proto.Body("type", "error", "code", 11, "text", "not now", "in_reply_to", h.MsgID)
	})
	w := New(Options{})
	c.State = positions{1: 0}
	comp := w.Invoke(context.Background(), c, history.Op{F: "poll", Value: []any{[]any{edn.Keyword("poll")}}})
	assert.Equal(t, history.Fail, comp.Type)
	assert.Equal(t, `[[:poll]]`, edn.String(comp.Value), "the poll's data is not recorded")
}

func TestSendAndMalformedReplies(t *testing.T) {
	offset := 0
	c := fakeNode(t, func(h proto.Header, f map[string]json.RawMessage) []byte {
		offset++
		if offset == 2 {
			return proto.Body("type", "send_ok", "offset", "seven", "in_reply_to", h.MsgID)
		}
		return proto.Body("type", "send_ok", "offset", offset*10, "in_reply_to", h.MsgID)
	})
	w := New(Options{})
	ctx := context.Background()
	send := history.Op{F: "send", Value: []any{[]any{edn.Keyword("send"), int64(4), int64(1)}}}
	comp := w.Invoke(ctx, c, send)
	require.Equal(t, history.OK, comp.Type)
	assert.Equal(t, `[[:send 4 [10 1]]]`, edn.String(comp.Value))
	comp = w.Invoke(ctx, c, send)
	assert.Equal(t, history.Info, comp.Type)
	assert.Contains(t, comp.Exception, "offset \"seven\" is not an integer")
}

func TestParsePoll(t *testing.T) {
	got, err := parsePoll(json.RawMessage(`{"10":[[3,"a"]],"2":[]}`))
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, int64(2), got[0].key, "keys in numeric order")
	assert.Equal(t, []pair{{3, "a"}}, got[1].pairs)
	for _, bad := range []string{`[]`, `{"x":[]}`, `{"1":[[1]]}`, `{"1":[["a",1]]}`} {
		_, err := parsePoll(json.RawMessage(bad))
		assert.Error(t, err, bad)
	}
}
