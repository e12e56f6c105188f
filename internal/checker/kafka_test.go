package checker

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/history"
)

// kSendValue is a send invocation's value: [[:send k m]].
func kSendValue(k, m int64) []any { return []any{[]any{kw("send"), k, m}} }

// kSentValue is an :ok send's value: [[:send k [offset m]]].
func kSentValue(k, off, m int64) []any { return []any{[]any{kw("send"), k, []any{off, m}}} }

// kPollValue is a poll invocation's value: [[:poll]].
func kPollValue() []any { return []any{[]any{kw("poll")}} }

// kList is one key's list in a poll: offsets and messages, alternating.
type kList struct {
	k  int64
	om []int64
}

// kPolledValue is an :ok poll's value: [[:poll {k [[offset m] ...]}]].
func kPolledValue(lists ...kList) []any {
	m := edn.NewMap()
	for _, l := range lists {
		pairs := []any{}
		for i := 0; i+1 < len(l.om); i += 2 {
			pairs = append(pairs, []any{l.om[i], l.om[i+1]})
		}
		m.Set(l.k, pairs)
	}
	return []any{[]any{kw("poll"), m}}
}

// kSend is a send of m to k by p that was acknowledged at off.
func kSend(p int, k, off, m int64) []history.Op {
	return []history.Op{inv(p, "send", kSendValue(k, m)), ok(p, "send", kSentValue(k, off, m))}
}

// kSendOutcome is a send of m to k by p that failed or crashed.
func kSendOutcome(p int, t history.Type, k, m int64) []history.Op {
	return []history.Op{inv(p, "send", kSendValue(k, m)), op(p, t, "send", kSendValue(k, m))}
}

// kPoll is an :ok poll by p.
func kPoll(p int, lists ...kList) []history.Op {
	return []history.Op{inv(p, "poll", kPollValue()), ok(p, "poll", kPolledValue(lists...))}
}

// kAssign is an :ok assign of keys by p.
func kAssign(p int, keys ...int64) []history.Op {
	v := []any{}
	for _, k := range keys {
		v = append(v, k)
	}
	return []history.Op{inv(p, "assign", v), ok(p, "assign", v)}
}

// kHist joins groups of ops into a history, numbered and timed by hist.
func kHist(groups ...[]history.Op) []history.Op {
	var all []history.Op
	for _, g := range groups {
		all = append(all, g...)
	}
	return hist(all...)
}

// kTypes is a result's :error-types as strings.
func kTypes(t *testing.T, r *edn.Map) []string {
	t.Helper()
	out := []string{}
	for _, v := range field(t, r, "error-types").([]any) {
		out = append(out, string(v.(edn.Keyword)))
	}
	return out
}

// kErrs is the :errs of error type typ in result r.
func kErrs(t *testing.T, r *edn.Map, typ string) []any {
	t.Helper()
	return field(t, field(t, r, typ).(*edn.Map), "errs").([]any)
}

func TestKafkaErrorTypes(t *testing.T) {
	cases := []struct {
		name  string
		ops   []history.Op
		types []string
		// example is the EDN of the first example, if set.
		example string
	}{
		{
			name: "clean",
			ops: kHist(
				kSend(0, 1, 0, 1), kSend(0, 1, 1, 2),
				kPoll(1, kList{1, []int64{0, 1, 1, 2}}),
				kSend(0, 1, 2, 3),
				kPoll(1, kList{1, []int64{2, 3}}),
				[]history.Op{nemesis("start-partition")},
			),
			types: []string{},
		},
		{
			name: "inconsistent offsets",
			ops: kHist(
				kSend(0, 1, 0, 1), kSend(3, 1, 0, 2),
				kPoll(1, kList{1, []int64{0, 1}}),
				kPoll(2, kList{1, []int64{0, 2}}),
			),
			types:   []string{"inconsistent-offsets"},
			example: `{:key 1, :offset 0, :index 0, :values #{1 2}}`,
		},
		{
			name: "duplicate",
			ops: kHist(
				kSend(0, 1, 0, 1),
				kPoll(1, kList{1, []int64{0, 1, 1, 1}}),
			),
			types:   []string{"duplicate"},
			example: `{:key 1, :value 1, :count 2, :offsets [0 1]}`,
		},
		{
			// The lost message was sent indefinitely, and only an :info poll
			// returned it, so it is committed but not unseen.
			name: "lost write",
			ops: kHist(
				kSendOutcome(0, history.Info, 1, 1),
				[]history.Op{inv(2, "poll", kPollValue()), info(2, "poll", kPolledValue(kList{1, []int64{0, 1}}))},
				kSend(3, 1, 1, 2),
				kPoll(1, kList{1, []int64{1, 2}}),
			),
			types: []string{"lost-write"},
		},
		{
			name: "acknowledged lost write is also unseen",
			ops: kHist(
				kSend(0, 1, 0, 1), kSend(0, 1, 1, 2),
				kPoll(1, kList{1, []int64{1, 2}}),
			),
			types: []string{"lost-write", "unseen"},
		},
		{
			name:    "unseen",
			ops:     kHist(kSend(0, 1, 0, 1)),
			types:   []string{"unseen"},
			example: `{:time 1000, :unseen {1 1}, :messages {1 #{1}}}`,
		},
		{
			name: "G1a",
			ops: kHist(
				kSendOutcome(0, history.Fail, 1, 1),
				kPoll(1, kList{1, []int64{0, 1}}),
			),
			types: []string{"G1a"},
		},
		{
			name: "poll skip",
			ops: kHist(
				kSend(0, 1, 0, 1), kSend(0, 1, 1, 2), kSend(0, 1, 2, 3),
				kPoll(1, kList{1, []int64{0, 1}}),
				kPoll(1, kList{1, []int64{2, 3}}),
				kPoll(2, kList{1, []int64{0, 1, 1, 2, 2, 3}}),
			),
			types: []string{"poll-skip"},
		},
		{
			name: "nonmonotonic poll",
			ops: kHist(
				kSend(0, 1, 0, 1), kSend(0, 1, 1, 2),
				kPoll(1, kList{1, []int64{0, 1, 1, 2}}),
				kPoll(1, kList{1, []int64{1, 2}}),
			),
			types: []string{"nonmonotonic-poll"},
		},
		{
			name: "internal poll skip",
			ops: kHist(
				kSend(0, 1, 0, 1), kSend(0, 1, 1, 2), kSend(0, 1, 2, 3),
				kPoll(1, kList{1, []int64{0, 1, 2, 3}}),
				kPoll(2, kList{1, []int64{1, 2}}),
			),
			types: []string{"int-poll-skip"},
		},
		{
			name: "internal nonmonotonic poll",
			ops: kHist(
				kSend(0, 1, 0, 1), kSend(0, 1, 1, 2),
				kPoll(1, kList{1, []int64{1, 2, 0, 1}}),
			),
			types: []string{"int-nonmonotonic-poll"},
		},
		{
			name: "nonmonotonic send",
			ops: kHist(
				kSend(0, 1, 5, 1), kSend(0, 1, 3, 2),
				kPoll(1, kList{1, []int64{3, 2, 5, 1}}),
			),
			types: []string{"nonmonotonic-send"},
		},
		{
			name: "read from the future",
			ops: kHist(
				kPoll(1, kList{1, []int64{0, 1}}),
				kSend(0, 1, 0, 1),
			),
			types: []string{"G1c-realtime"},
		},
		{
			name:  "unexpected message",
			ops:   kHist(kPoll(1, kList{1, []int64{0, 9}})),
			types: []string{"unexpected-message"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := Kafka(c.ops).EDN()
			require.Equal(t, c.types, kTypes(t, r), edn.String(r))
			require.Equal(t, len(c.types) == 0, field(t, r, "valid?"), edn.String(r))
			require.Equal(t, len(c.types), len(field(t, r, "bad-error-types").([]any)))
			for _, typ := range c.types {
				errs := kErrs(t, r, typ)
				require.NotEmpty(t, errs, typ)
				require.Positive(t, field(t, field(t, r, typ).(*edn.Map), "count"))
			}
			if c.example != "" {
				require.Equal(t, c.example, edn.String(kErrs(t, r, c.types[0])[0]))
			}
		})
	}
}

func TestKafkaExamples(t *testing.T) {
	// Sends 1..4 at offsets 0..3 of key 1, polled with every kind of
	// ordering anomaly.
	sends := [][]history.Op{kSend(0, 1, 0, 1), kSend(0, 1, 1, 2), kSend(0, 1, 2, 3), kSend(0, 1, 3, 4)}
	h := kHist(append(sends,
		kPoll(1, kList{1, []int64{0, 1}}),
		kPoll(1, kList{1, []int64{3, 4}}),
		kPoll(1, kList{1, []int64{1, 2, 3, 4, 2, 3}}),
	)...)
	r := Kafka(h).EDN()
	require.Equal(t, []string{"int-nonmonotonic-poll", "int-poll-skip", "nonmonotonic-poll", "poll-skip"}, kTypes(t, r))

	skip := kErrs(t, r, "poll-skip")[0].(*edn.Map)
	assert.Equal(t, int64(1), field(t, skip, "key"))
	assert.Equal(t, int64(3), field(t, skip, "delta"))
	assert.Equal(t, "[2 3]", edn.String(field(t, skip, "skipped")))
	ops := field(t, skip, "ops").([]any)
	require.Len(t, ops, 2)
	assert.Equal(t, 9, field(t, ops[0].(*edn.Map), "index"))
	assert.Equal(t, 11, field(t, ops[1].(*edn.Map), "index"))

	nm := kErrs(t, r, "nonmonotonic-poll")[0].(*edn.Map)
	assert.Equal(t, "[4 2]", edn.String(field(t, nm, "values")))
	assert.Equal(t, int64(-2), field(t, nm, "delta"))

	intSkip := kErrs(t, r, "int-poll-skip")[0].(*edn.Map)
	assert.Equal(t, "[2 4]", edn.String(field(t, intSkip, "values")))
	assert.Equal(t, "[3]", edn.String(field(t, intSkip, "skipped")))
	assert.Equal(t, 13, field(t, field(t, intSkip, "op").(*edn.Map), "index"))

	intNM := kErrs(t, r, "int-nonmonotonic-poll")[0].(*edn.Map)
	assert.Equal(t, "[4 3]", edn.String(field(t, intNM, "values")))
	assert.Equal(t, int64(-1), field(t, intNM, "delta"))
}

func TestKafkaResultKeyOrder(t *testing.T) {
	h := kHist(
		kSend(0, 1, 0, 1),
		kSendOutcome(0, history.Fail, 1, 2),
		kPoll(1, kList{1, []int64{1, 2}}),
	)
	h[3].Error = kw("oops") // a failed send's error is no :info cause
	var keys []string
	r := Kafka(h).EDN()
	r.Each(func(k, _ any) { keys = append(keys, string(k.(edn.Keyword))) })
	require.Equal(t, []string{
		"valid?", "bad-error-types", "error-types", "info-txn-causes", "worst-realtime-lag",
		"G1a", "lost-write", "unseen",
	}, keys, edn.String(r))
	require.Equal(t, "{:count 1, :errs [{:time 5000, :unseen {1 1}, :messages {1 #{1}}}]}", edn.String(field(t, r, "unseen")))
	require.Equal(t, "[:G1a :lost-write :unseen]", edn.String(field(t, r, "bad-error-types")))
	require.Equal(t, "[]", edn.String(field(t, r, "info-txn-causes")))
}

func TestKafkaAssignResetsTracking(t *testing.T) {
	sends := kHist(kSend(0, 1, 0, 1), kSend(0, 1, 1, 2), kSend(0, 1, 2, 3), kSend(0, 1, 3, 4))
	upTo3 := kPoll(1, kList{1, []int64{0, 1, 1, 2, 2, 3, 3, 4}})
	again := kPoll(1, kList{1, []int64{0, 1}})
	cases := []struct {
		name  string
		ops   [][]history.Op
		types []string
	}{
		{"no assign", [][]history.Op{sends, upTo3, again}, []string{"nonmonotonic-poll"}},
		{"reassigned", [][]history.Op{sends, upTo3, kAssign(1, 2), kAssign(1, 1), again}, []string{}},
		{"kept", [][]history.Op{sends, upTo3, kAssign(1, 1, 2), again}, []string{"nonmonotonic-poll"}},
		{"failed assign", [][]history.Op{sends, upTo3,
			{inv(1, "assign", []any{int64(2)}), fail(1, "assign", []any{int64(2)})}, again}, []string{"nonmonotonic-poll"}},
		{"crash", [][]history.Op{sends, upTo3,
			{inv(1, "crash", nil), info(1, "crash", nil)}, kPoll(5, kList{1, []int64{0, 1}})}, []string{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := Kafka(kHist(c.ops...)).EDN()
			require.Equal(t, c.types, kTypes(t, r), edn.String(r))
		})
	}
}

func TestKafkaHugeSparseOffsets(t *testing.T) {
	const base = int64(1) << 62
	sends := kHist(kSend(0, 1, base, 1), kSend(0, 1, base+5, 2), kSend(0, 1, base+9, 3))
	cases := []struct {
		name  string
		polls [][]history.Op
		types []string
	}{
		{"all at once", [][]history.Op{kPoll(1, kList{1, []int64{base, 1, base + 5, 2, base + 9, 3}})}, []string{}},
		{"contiguous", [][]history.Op{
			kPoll(1, kList{1, []int64{base, 1}}),
			kPoll(1, kList{1, []int64{base + 5, 2, base + 9, 3}}),
		}, []string{}},
		{"skipping one", [][]history.Op{
			kPoll(1, kList{1, []int64{base, 1}}),
			kPoll(1, kList{1, []int64{base + 9, 3}}),
			kPoll(2, kList{1, []int64{base, 1, base + 5, 2, base + 9, 3}}),
		}, []string{"poll-skip"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := Kafka(kHist(append([][]history.Op{sends}, c.polls...)...)).EDN()
			require.Equal(t, c.types, kTypes(t, r), edn.String(r))
			require.Equal(t, len(c.types) == 0, field(t, r, "valid?"))
			if len(c.types) > 0 {
				skip := kErrs(t, r, "poll-skip")[0].(*edn.Map)
				require.Equal(t, "[2]", edn.String(field(t, skip, "skipped")))
				require.Equal(t, int64(2), field(t, skip, "delta"))
			}
		})
	}
}

func TestKafkaInfoSends(t *testing.T) {
	cases := []struct {
		name  string
		ops   []history.Op
		types []string
	}{
		{
			name:  "never seen, not unseen",
			ops:   kHist(kSendOutcome(0, history.Info, 1, 1)),
			types: []string{},
		},
		{
			name:  "never completed, not unseen",
			ops:   kHist([]history.Op{inv(0, "send", kSendValue(1, 1))}),
			types: []string{},
		},
		{
			name: "seen, and in order",
			ops: kHist(
				kSend(0, 1, 0, 1), kSendOutcome(0, history.Info, 1, 2), kSend(3, 1, 2, 3),
				kPoll(1, kList{1, []int64{0, 1, 1, 2, 2, 3}}),
			),
			types: []string{},
		},
		{
			// Message 2 was polled, so its send committed: a later poll
			// that passes it by loses it.
			name: "seen, so committed",
			ops: kHist(
				kSend(0, 1, 0, 1), kSendOutcome(0, history.Info, 1, 2), kSend(3, 1, 2, 3),
				[]history.Op{inv(2, "poll", kPollValue()), info(2, "poll", kPolledValue(kList{1, []int64{1, 2}}))},
				kPoll(1, kList{1, []int64{0, 1, 2, 3}}),
			),
			types: []string{"int-poll-skip", "lost-write"},
		},
		{
			name: "unseen failed send",
			ops: kHist(
				kSend(0, 1, 0, 1), kSendOutcome(0, history.Fail, 1, 2),
				kPoll(1, kList{1, []int64{0, 1}}),
			),
			types: []string{},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := Kafka(c.ops).EDN()
			require.Equal(t, c.types, kTypes(t, r), edn.String(r))
		})
	}
}

func TestKafkaInfoCauses(t *testing.T) {
	h := kHist(
		kSendOutcome(0, history.Info, 1, 1),
		kSendOutcome(2, history.Info, 1, 2),
		[]history.Op{inv(3, "poll", kPollValue()), info(3, "poll", kPollValue())},
		[]history.Op{inv(4, "crash", nil), info(4, "crash", nil)},
	)
	h[1].Error = []any{kw("timeout"), "no reply"}
	h[3].Error = []any{kw("timeout"), "no reply"}
	h[5].Error = kw("net-timeout")
	h[7].Error = kw("crash")
	r := Kafka(h).EDN()
	require.Equal(t, `[[:timeout "no reply"] :net-timeout]`, edn.String(field(t, r, "info-txn-causes")))
	require.Equal(t, true, field(t, r, "valid?"))
	require.Nil(t, field(t, r, "worst-realtime-lag"), "no polls")
}

func TestKafkaWorstRealtimeLag(t *testing.T) {
	// Times are 1 µs per op. Message 2 (index 1) is acknowledged at op 3;
	// process 1's poll invoked at op 6 returns only index 0: it lags by
	// 3 µs. Process 2's poll returns everything: no lag.
	h := kHist(
		kSend(0, 1, 0, 1), kSend(0, 1, 1, 2),
		kPoll(2, kList{1, []int64{0, 1, 1, 2}}),
		kPoll(1, kList{1, []int64{0, 1}}),
		kPoll(1, kList{1, []int64{1, 2}}),
	)
	r := Kafka(h).EDN()
	require.Equal(t, true, field(t, r, "valid?"), edn.String(r))
	lag := field(t, r, "worst-realtime-lag").(*edn.Map)
	var keys []string
	lag.Each(func(k, _ any) { keys = append(keys, string(k.(edn.Keyword))) })
	require.Equal(t, []string{"time", "lag", "key", "process"}, keys)
	require.Equal(t, 6e-6, field(t, lag, "time"))
	require.Equal(t, 3e-6, field(t, lag, "lag"))
	require.Equal(t, int64(1), field(t, lag, "key"))
	require.Equal(t, 1, field(t, lag, "process"))
}

func TestKafkaExampleLimits(t *testing.T) {
	// Twenty processes each poll key 1 at index 0 and then at a growing
	// index: twenty skips, of which the 8 largest are shown, largest first.
	groups := [][]history.Op{}
	all := []int64{}
	for i := range int64(30) {
		groups = append(groups, kSend(0, 1, i, i+100))
		all = append(all, i, i+100)
	}
	groups = append(groups, kPoll(100, kList{1, all}))
	for p := range 20 {
		off := int64(p + 2)
		groups = append(groups, kPoll(p+1, kList{1, []int64{0, 100}}), kPoll(p+1, kList{1, []int64{off, off + 100}}))
	}
	r := Kafka(kHist(groups...)).EDN()
	require.Equal(t, []string{"poll-skip"}, kTypes(t, r))
	require.Equal(t, int64(20), field(t, field(t, r, "poll-skip").(*edn.Map), "count"))
	errs := kErrs(t, r, "poll-skip")
	require.Len(t, errs, 8)
	for i, e := range errs {
		require.Equal(t, int64(21-i), field(t, e.(*edn.Map), "delta"))
	}
}

func TestKafkaAllowedTypes(t *testing.T) {
	for _, typ := range []string{"int-send-skip", "G0", "G0-process", "G0-realtime", "PL-1-cycle-exists", "strong-PL-1-cycle-exists"} {
		require.True(t, kafkaAllowed[typ], typ)
	}
	for _, typ := range []string{"unseen", "lost-write", "poll-skip", "G1c-realtime", "unexpected-message"} {
		require.False(t, kafkaAllowed[typ], typ)
	}
}

// kafkaSynthetic builds a valid history of sends and polls, sends ops of
// each, at 0.5 ms an op. Ten keys at a time take sends, sixteen messages
// each, at sparse offsets from 2^40 on; each poll is by one of ten clients,
// which reads every key among the twenty newest from where it left off
// (from the start for a key new to it). A quarter of polls come from a
// client that has just been replaced by a new process, and so read up to
// twenty keys from the start. A final client reads every key.
func kafkaSynthetic(seed uint64, sends int) []history.Op {
	r := rand.New(rand.NewPCG(seed, 0))
	type log struct{ offsets, msgs []int64 }
	var logs []*log
	var active []int
	for range 10 {
		active = append(active, len(logs))
		logs = append(logs, &log{})
	}
	type client struct {
		process int
		pos     map[int]int
	}
	nextProcess := 0
	fresh := func() *client {
		nextProcess++
		return &client{process: nextProcess - 1, pos: map[int]int{}}
	}
	clients := make([]*client, 10)
	for i := range clients {
		clients[i] = fresh()
	}
	var ops []history.Op
	emit := func(o history.Op) {
		o.Index = len(ops)
		o.Time = int64(len(ops)) * 500_000
		ops = append(ops, o)
	}
	poll := func(c *client, keys []int) {
		emit(inv(c.process, "poll", kPollValue()))
		data := edn.NewMap()
		for _, k := range keys {
			l := logs[k]
			from := c.pos[k]
			if from == len(l.msgs) {
				continue
			}
			pairs := make([]any, 0, len(l.msgs)-from)
			for i := from; i < len(l.msgs); i++ {
				pairs = append(pairs, []any{l.offsets[i], l.msgs[i]})
			}
			data.Set(int64(k), pairs)
			c.pos[k] = len(l.msgs)
		}
		emit(ok(c.process, "poll", []any{[]any{kw("poll"), data}}))
	}
	for i := range 2 * sends {
		c := clients[r.IntN(len(clients))]
		if i%2 == 0 {
			slot := r.IntN(len(active))
			k := active[slot]
			l := logs[k]
			off := int64(1) << 40
			if n := len(l.offsets); n > 0 {
				off = l.offsets[n-1] + 1 + int64(r.IntN(3))
			}
			msg := int64(len(l.msgs) + 1)
			emit(inv(c.process, "send", kSendValue(int64(k), msg)))
			emit(ok(c.process, "send", kSentValue(int64(k), off, msg)))
			l.offsets, l.msgs = append(l.offsets, off), append(l.msgs, msg)
			if len(l.msgs) == 16 {
				active[slot] = len(logs)
				logs = append(logs, &log{})
			}
			continue
		}
		if r.IntN(4) == 0 {
			c = fresh()
			clients[r.IntN(len(clients))] = c
		}
		var window []int
		for k := max(0, len(logs)-20); k < len(logs); k++ {
			window = append(window, k)
		}
		poll(c, window)
	}
	final := fresh()
	for k := 0; k < len(logs); k += 50 {
		var keys []int
		for j := k; j < min(k+50, len(logs)); j++ {
			keys = append(keys, j)
		}
		poll(final, keys)
	}
	return ops
}

func TestKafkaLargeValidHistory(t *testing.T) {
	h := kafkaSynthetic(1, 10_000)
	require.GreaterOrEqual(t, len(h), 40_000)
	start := time.Now()
	r := Kafka(h).EDN()
	t.Logf("%d ops analysed in %s", len(h), time.Since(start))
	require.Equal(t, true, field(t, r, "valid?"), edn.String(r))
	require.Equal(t, []string{}, kTypes(t, r))
	require.NotNil(t, field(t, r, "worst-realtime-lag"))
}

func TestKafkaLargeHistoryFindsBreakage(t *testing.T) {
	// Drop one message from one mid-history poll: the poller skips it.
	h := kafkaSynthetic(2, 2_000)
	for i := len(h) / 2; i < len(h); i++ {
		if h[i].F != "poll" || h[i].Type != history.OK {
			continue
		}
		data := h[i].Value.([]any)[0].([]any)[1].(*edn.Map)
		var broken bool
		data.Each(func(k, v any) {
			if pairs := v.([]any); !broken && len(pairs) >= 3 {
				data.Set(k, append([]any{pairs[0]}, pairs[2:]...))
				broken = true
			}
		})
		if broken {
			break
		}
	}
	r := Kafka(h).EDN()
	require.Equal(t, false, field(t, r, "valid?"))
	require.Contains(t, kTypes(t, r), "int-poll-skip")
}

func BenchmarkKafka(b *testing.B) {
	h := kafkaSynthetic(1, 10_000)
	var pairs int
	for _, o := range h {
		if o.F == "poll" && o.Type == history.OK {
			o.Value.([]any)[0].([]any)[1].(*edn.Map).Each(func(_, v any) { pairs += len(v.([]any)) })
		}
	}
	for b.Loop() {
		if r := Kafka(h).EDN(); ValidityOf(r) != check.Valid {
			b.Fatal(edn.String(r))
		}
	}
	b.ReportMetric(float64(len(h)), "ops")
	b.ReportMetric(float64(pairs), "pairs")
}
