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
)

func TestKeyPoolFavoursRecentKeys(t *testing.T) {
	p := newKeyPool(10, 1000)
	rng := rand.New(rand.NewPCG(1, 2))
	counts := map[int64]int{}
	for range 100_000 {
		counts[p.pick(rng)]++
	}
	// Position i has weight 2^i: the newest key gets about half the picks,
	// each older one about half the next.
	assert.InDelta(t, 0.5, float64(counts[9])/100_000, 0.01)
	assert.InDelta(t, 0.25, float64(counts[8])/100_000, 0.01)
	assert.Less(t, counts[0], 100)
}

func TestKeyPoolRetiresKeys(t *testing.T) {
	p := newKeyPool(3, 2)
	assert.Equal(t, int64(1), p.write(1))
	assert.Equal(t, []int64{0, 1, 2}, p.keys)
	assert.Equal(t, int64(2), p.write(1))
	assert.Equal(t, []int64{0, 2, 3}, p.keys, "a key with max writes is replaced by a new, most recent key")
}

func TestNext(t *testing.T) {
	w := New(Options{KeyCount: 10, MaxWritesPerKey: 16, Concurrency: 4, Rate: 1000})
	rng := rand.New(rand.NewPCG(3, 4))
	counts := map[string]int{}
	msgs := map[int64][]int64{}
	var prev workload.Op
	for range 64_000 {
		op := w.Next(rng)
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
	assert.InDelta(t, 0.5, float64(counts["send"])/float64(counts["send"]+counts["poll"]), 0.02)
	assert.InDelta(t, 1000, counts["assign"], 150, "one op in 64 is preceded by an assign")
	// 4 workers at 1000 ops/s: a crash every 30/4 s, i.e. one per 7500 ops.
	assert.InDelta(t, 64_000/7500, counts["crash"], 6)
	for k, vs := range msgs {
		for i, v := range vs {
			require.Equal(t, int64(i+1), v, "key %d gets messages 1, 2, …", k)
		}
		assert.LessOrEqual(t, len(vs), 16)
	}
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
