package checker

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/history"
)

// at sets an op's time in milliseconds.
func at(ms float64, o history.Op) history.Op {
	o.Time = int64(ms * 1e6)
	return o
}

// indexed numbers ops in order, keeping their times.
func indexed(ops ...history.Op) []history.Op {
	for i := range ops {
		ops[i].Index = i
	}
	return ops
}

func field(t *testing.T, m *edn.Map, key string) any {
	t.Helper()
	v, found := m.Get(kw(key))
	require.True(t, found, "no %s in %s", key, edn.String(m))
	return v
}

func hasField(m *edn.Map, key string) bool {
	_, found := m.Get(kw(key))
	return found
}

func TestSetFullKeyOrder(t *testing.T) {
	h := indexed(
		inv(0, "broadcast", 1), ok(0, "broadcast", 1),
		inv(0, "read", nil), ok(0, "read", []any{1}),
	)
	var keys []string
	SetFull(h, "broadcast", false).EDN().Each(func(k, _ any) { keys = append(keys, string(k.(edn.Keyword))) })
	require.Equal(t, []string{
		"valid?", "attempt-count", "stable-count", "lost-count", "lost",
		"never-read-count", "never-read", "stale-count", "stale", "worst-stale",
		"stable-latencies", "duplicated-count", "duplicated",
	}, keys)
}

func TestSetFullOutcomes(t *testing.T) {
	cases := []struct {
		name string
		h    []history.Op
		want string // EDN of the result minus :worst-stale
	}{
		{
			name: "empty history",
			h:    nil,
			want: `{:valid? :unknown, :attempt-count 0, :stable-count 0, :lost-count 0, :lost [], :never-read-count 0, :never-read [], :stale-count 0, :stale [], :duplicated-count 0, :duplicated {}}`,
		},
		{
			name: "stale, then stable",
			h: indexed(
				at(0, inv(0, "broadcast", 1)), at(1, ok(0, "broadcast", 1)),
				at(50, inv(1, "read", nil)), at(60, ok(1, "read", []any{})),
				at(80, inv(1, "read", nil)), at(90, ok(1, "read", []any{1})),
			),
			// Known at 1 ms, last missing from a read invoked at 50 ms.
			want: `{:valid? true, :attempt-count 1, :stable-count 1, :lost-count 0, :lost [], :never-read-count 0, :never-read [], :stale-count 1, :stale [1], :stable-latencies {0 49, 0.5 49, 0.95 49, 0.99 49, 1 49}, :duplicated-count 0, :duplicated {}}`,
		},
		{
			name: "lost after being seen",
			h: indexed(
				at(0, inv(0, "broadcast", 2)), at(2, ok(0, "broadcast", 2)),
				at(10, inv(1, "read", nil)), at(11, ok(1, "read", []any{2})),
				at(30, inv(1, "read", nil)), at(31, ok(1, "read", []any{})),
			),
			// Known at 2 ms, last seen by a read invoked at 10 ms.
			want: `{:valid? false, :attempt-count 1, :stable-count 0, :lost-count 1, :lost [2], :never-read-count 0, :never-read [], :stale-count 0, :stale [], :lost-latencies {0 8, 0.5 8, 0.95 8, 0.99 8, 1 8}, :duplicated-count 0, :duplicated {}}`,
		},
		{
			name: "acknowledged but never seen",
			h: indexed(
				at(0, inv(0, "broadcast", 3)), at(1, ok(0, "broadcast", 3)),
				at(5, inv(1, "read", nil)), at(6, ok(1, "read", []any{})),
			),
			// Lost with latency 0: no read ever saw it.
			want: `{:valid? false, :attempt-count 1, :stable-count 0, :lost-count 1, :lost [3], :never-read-count 0, :never-read [], :stale-count 0, :stale [], :lost-latencies {0 0, 0.5 0, 0.95 0, 0.99 0, 1 0}, :duplicated-count 0, :duplicated {}}`,
		},
		{
			name: "never read",
			h: indexed(
				at(0, inv(0, "broadcast", 4)), at(1, ok(0, "broadcast", 4)),
			),
			want: `{:valid? :unknown, :attempt-count 1, :stable-count 0, :lost-count 0, :lost [], :never-read-count 1, :never-read [4], :stale-count 0, :stale [], :duplicated-count 0, :duplicated {}}`,
		},
		{
			name: "a read concurrent with the add that misses it proves nothing",
			h: indexed(
				at(0, inv(1, "read", nil)),
				at(1, inv(0, "broadcast", 5)),
				at(2, ok(1, "read", []any{})),
				at(3, ok(0, "broadcast", 5)),
			),
			want: `{:valid? :unknown, :attempt-count 1, :stable-count 0, :lost-count 0, :lost [], :never-read-count 1, :never-read [5], :stale-count 0, :stale [], :duplicated-count 0, :duplicated {}}`,
		},
		{
			name: "a read invoked before the add and completed after it sees it",
			h: indexed(
				at(0, inv(1, "read", nil)),
				at(1, inv(0, "broadcast", 6)),
				at(2, ok(0, "broadcast", 6)),
				at(3, ok(1, "read", []any{6})),
			),
			want: `{:valid? true, :attempt-count 1, :stable-count 1, :lost-count 0, :lost [], :never-read-count 0, :never-read [], :stale-count 0, :stale [], :stable-latencies {0 0, 0.5 0, 0.95 0, 0.99 0, 1 0}, :duplicated-count 0, :duplicated {}}`,
		},
		{
			name: "a read invoked before the add and completed after it misses it",
			h: indexed(
				at(0, inv(1, "read", nil)),
				at(1, inv(2, "read", nil)),
				at(2, inv(0, "broadcast", 6)),
				at(3, ok(1, "read", []any{6})),
				at(4, ok(2, "read", []any{})),
			),
			// The later-invoked read missed it, so it is not stable; it was
			// known only after that read began, so it is not lost either.
			want: `{:valid? :unknown, :attempt-count 1, :stable-count 0, :lost-count 0, :lost [], :never-read-count 1, :never-read [6], :stale-count 0, :stale [], :duplicated-count 0, :duplicated {}}`,
		},
		{
			name: "an indeterminate add that shows up later",
			h: indexed(
				at(0, inv(0, "broadcast", 7)), at(1000, info(0, "broadcast", 7)),
				at(1001, inv(5, "read", nil)), at(1002, ok(5, "read", []any{7})),
			),
			// Known by the read; nothing missed it, so the latency is 0.
			want: `{:valid? true, :attempt-count 1, :stable-count 1, :lost-count 0, :lost [], :never-read-count 0, :never-read [], :stale-count 0, :stale [], :stable-latencies {0 0, 0.5 0, 0.95 0, 0.99 0, 1 0}, :duplicated-count 0, :duplicated {}}`,
		},
		{
			name: "failed and indeterminate reads are ignored",
			h: indexed(
				at(0, inv(0, "broadcast", 8)), at(1, ok(0, "broadcast", 8)),
				at(10, inv(1, "read", nil)), at(11, fail(1, "read", []any{})),
				at(12, inv(1, "read", nil)), at(13, info(1, "read", []any{})),
				at(20, inv(2, "read", nil)), at(21, ok(2, "read", []any{8})),
			),
			want: `{:valid? true, :attempt-count 1, :stable-count 1, :lost-count 0, :lost [], :never-read-count 0, :never-read [], :stale-count 0, :stale [], :stable-latencies {0 0, 0.5 0, 0.95 0, 0.99 0, 1 0}, :duplicated-count 0, :duplicated {}}`,
		},
		{
			name: "elements never added and other fs are ignored",
			h: indexed(
				at(0, inv(0, "broadcast", 1)), at(1, ok(0, "broadcast", 1)),
				at(2, inv(0, "add", 2)), at(3, ok(0, "add", 2)),
				at(3, nemesis("start-partition")),
				at(4, inv(1, "read", nil)), at(5, ok(1, "read", []any{1, 99, "x"})),
			),
			want: `{:valid? true, :attempt-count 1, :stable-count 1, :lost-count 0, :lost [], :never-read-count 0, :never-read [], :stale-count 0, :stale [], :stable-latencies {0 0, 0.5 0, 0.95 0, 0.99 0, 1 0}, :duplicated-count 0, :duplicated {}}`,
		},
		{
			name: "int and int64 elements are the same",
			h: indexed(
				at(0, inv(0, "broadcast", 9)), at(1, ok(0, "broadcast", int64(9))),
				at(4, inv(1, "read", nil)), at(5, ok(1, "read", []any{int64(9)})),
			),
			want: `{:valid? true, :attempt-count 1, :stable-count 1, :lost-count 0, :lost [], :never-read-count 0, :never-read [], :stale-count 0, :stale [], :stable-latencies {0 0, 0.5 0, 0.95 0, 0.99 0, 1 0}, :duplicated-count 0, :duplicated {}}`,
		},
		{
			name: "elements sort numerically, then by text",
			h: indexed(
				inv(0, "broadcast", "b"), ok(0, "broadcast", "b"),
				inv(0, "broadcast", 10), ok(0, "broadcast", 10),
				inv(0, "broadcast", "a"), ok(0, "broadcast", "a"),
				inv(0, "broadcast", 9), ok(0, "broadcast", 9),
				inv(0, "broadcast", 2.5), ok(0, "broadcast", 2.5),
			),
			want: `{:valid? :unknown, :attempt-count 5, :stable-count 0, :lost-count 0, :lost [], :never-read-count 5, :never-read [2.5 9 10 "a" "b"], :stale-count 0, :stale [], :duplicated-count 0, :duplicated {}}`,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := SetFull(c.h, "broadcast", false).EDN()
			trimmed := edn.NewMap()
			got.Each(func(k, v any) {
				if k != kw("worst-stale") {
					trimmed.Set(k, v)
				}
			})
			require.Equal(t, c.want, edn.String(trimmed))
		})
	}
}

func TestSetFullWorstStaleRecord(t *testing.T) {
	h := indexed(
		at(0, inv(0, "broadcast", 1)), at(1, ok(0, "broadcast", 1)),
		at(50, inv(1, "read", nil)), at(60, ok(1, "read", []any{})),
		at(80, inv(1, "read", nil)), at(90, ok(1, "read", []any{1})),
	)
	got := SetFull(h, "broadcast", false).EDN()
	want := []any{edn.NewMap(
		kw("element"), int64(1),
		kw("outcome"), kw("stable"),
		kw("stable-latency"), int64(49),
		kw("lost-latency"), nil,
		kw("known"), h[1].EDN(),
		kw("last-absent"), h[2].EDN(),
	)}
	require.Equal(t, edn.String(want), edn.String(field(t, got, "worst-stale")))
}

// TestSetFullWorstStaleCapped gives ten elements stable latencies of 89, 89,
// 79, 69, …, 9 ms.
func TestSetFullWorstStaleCapped(t *testing.T) {
	var h []history.Op
	all := []any{}
	for k := range 10 {
		h = append(h, at(0, inv(k, "broadcast", k)), at(1, ok(k, "broadcast", k)))
		all = append(all, k)
	}
	without := func(k int) []any {
		return slices.DeleteFunc(slices.Clone(all), func(v any) bool { return v == k })
	}
	missRead := func(k int, ms float64) {
		h = append(h, at(ms, inv(20, "read", nil)), at(ms+1, ok(20, "read", without(k))))
	}
	for k := 9; k >= 1; k-- {
		missRead(k, float64(100-10*k))
	}
	missRead(0, 90)
	h = append(h, at(200, inv(21, "read", nil)), at(201, ok(21, "read", all)))
	got := SetFull(indexed(h...), "broadcast", false).EDN()

	require.Equal(t, true, field(t, got, "valid?"))
	require.Equal(t, int64(10), field(t, got, "stale-count"))
	worst := field(t, got, "worst-stale").([]any)
	require.Len(t, worst, maxWorstStale)
	var elems, lats []any
	for _, w := range worst {
		e, _ := w.(*edn.Map).Get(kw("element"))
		l, _ := w.(*edn.Map).Get(kw("stable-latency"))
		elems = append(elems, e)
		lats = append(lats, l)
	}
	require.Equal(t, "[0 1 2 3 4 5 6 7]", edn.String(elems))
	require.Equal(t, "[89 89 79 69 59 49 39 29]", edn.String(lats))
	require.Equal(t, "{0 9, 0.5 59, 0.95 89, 0.99 89, 1 89}", edn.String(field(t, got, "stable-latencies")))
}

// setQuantiles renders the quantiles of latencies in milliseconds as
// set-full's :stable-latencies does.
func setQuantiles(ms []int64) *edn.Map {
	ds := make([]time.Duration, len(ms))
	for i, x := range ms {
		ds[i] = time.Duration(x) * time.Millisecond
	}
	v, _ := (&check.SetFull{StableLatencies: Quantiles(ds)}).EDN().Get(kw("stable-latencies"))
	return v.(*edn.Map)
}

func TestSetQuantiles(t *testing.T) {
	hundred := make([]int64, 100)
	for i := range hundred {
		hundred[i] = int64(100 - i)
	}
	cases := []struct {
		in   []int64
		want string
	}{
		{[]int64{7}, "{0 7, 0.5 7, 0.95 7, 0.99 7, 1 7}"},
		{[]int64{3, 1}, "{0 1, 0.5 3, 0.95 3, 0.99 3, 1 3}"},
		{[]int64{5, 1, 9, 3, 7, 2, 8, 4, 6, 10}, "{0 1, 0.5 6, 0.95 10, 0.99 10, 1 10}"},
		{hundred, "{0 1, 0.5 51, 0.95 96, 0.99 100, 1 100}"},
	}
	for _, c := range cases {
		require.Equal(t, c.want, edn.String(setQuantiles(c.in)))
	}
	// The keys are the integers 0 and 1 and the floats in between.
	var keys []any
	setQuantiles([]int64{1}).Each(func(k, _ any) { keys = append(keys, k) })
	require.Equal(t, []any{int64(0), 0.5, 0.95, 0.99, int64(1)}, keys)
}

func TestSetFullDuplicates(t *testing.T) {
	h := indexed(
		inv(0, "add", 1), ok(0, "add", 1),
		inv(0, "add", 2), ok(0, "add", 2),
		inv(1, "read", nil), ok(1, "read", []any{1, 2, 1, 2, 2, 50, 50}),
		inv(1, "read", nil), ok(1, "read", []any{1, 1, 1, 2}),
	)
	cases := []struct {
		strict bool
		valid  any
	}{
		{false, true},
		{true, false},
	}
	for _, c := range cases {
		got := SetFull(h, "add", c.strict).EDN()
		require.Equal(t, c.valid, field(t, got, "valid?"), "strict %v", c.strict)
		require.Equal(t, int64(3), field(t, got, "duplicated-count"))
		require.Equal(t, "{1 3, 2 3, 50 2}", edn.String(field(t, got, "duplicated")))
		require.Equal(t, int64(2), field(t, got, "stable-count"))
	}

	// Without duplicates strict changes nothing.
	clean := indexed(inv(0, "add", 1), ok(0, "add", 1), inv(1, "read", nil), ok(1, "read", []any{1}))
	require.Equal(t, true, field(t, SetFull(clean, "add", true).EDN(), "valid?"))
	// A lost element stays invalid either way.
	lost := indexed(inv(0, "add", 1), ok(0, "add", 1), inv(1, "read", nil), ok(1, "read", []any{}))
	require.Equal(t, false, field(t, SetFull(lost, "add", false).EDN(), "valid?"))
}

func TestSetFullDuplicatedShowsTop48(t *testing.T) {
	var h []history.Op
	var read []any
	for k := range 60 {
		h = append(h, inv(0, "add", k), ok(0, "add", k))
		// Element k appears 2 + k/10 times.
		for range 2 + k/10 {
			read = append(read, k)
		}
	}
	h = append(h, inv(1, "read", nil), ok(1, "read", read))
	got := SetFull(indexed(h...), "add", false).EDN()
	require.Equal(t, int64(60), field(t, got, "duplicated-count"))
	dups := field(t, got, "duplicated").(*edn.Map)
	require.Equal(t, maxDuplicatesShown, dups.Len())
	var keys []any
	dups.Each(func(k, _ any) { keys = append(keys, k) })
	// The twelve least duplicated go: 0..9 (twice each), and of those seen
	// three times, 10..19, the two highest.
	var want []any
	for k := 10; k < 60; k++ {
		if k != 18 && k != 19 {
			want = append(want, int64(k))
		}
	}
	require.Equal(t, want, keys)
}

func TestSetFullGSet(t *testing.T) {
	h := indexed(
		at(0, inv(0, "add", 0)), at(1, inv(1, "add", 1)),
		at(2, ok(0, "add", 0)), at(3, ok(1, "add", 1)),
		at(4, inv(0, "read", nil)), at(5, ok(0, "read", []any{0})),
		at(6, inv(1, "read", nil)), at(9, ok(1, "read", []any{1, 0})),
		at(10, inv(0, "broadcast", 2)), at(11, ok(0, "broadcast", 2)),
	)
	got := SetFull(h, "add", false).EDN()
	require.Equal(t, true, field(t, got, "valid?"))
	require.Equal(t, int64(2), field(t, got, "attempt-count"))
	require.Equal(t, int64(2), field(t, got, "stable-count"))
	require.Equal(t, "[1]", edn.String(field(t, got, "stale")))
	assert.False(t, hasField(got, "lost-latencies"))
	// Element 1: known at 3 ms, missed by the read invoked at 4 ms.
	require.Equal(t, "{0 0, 0.5 1, 0.95 1, 0.99 1, 1 1}", edn.String(field(t, got, "stable-latencies")))
}

func TestSetFullReadding(t *testing.T) {
	// Adding an element again starts over, as in Jepsen: the earlier read
	// that saw it no longer counts.
	h := indexed(
		inv(0, "add", 1), ok(0, "add", 1),
		inv(1, "read", nil), ok(1, "read", []any{1}),
		inv(0, "add", 1), ok(0, "add", 1),
	)
	got := SetFull(h, "add", false).EDN()
	require.Equal(t, int64(1), field(t, got, "attempt-count"))
	require.Equal(t, "[1]", edn.String(field(t, got, "never-read")))
}

// refSetFull is the checker written as plainly as possible, updating every
// tracked element on every read, to compare the real one against.
func refSetFull(ops []history.Op, add string) *edn.Map {
	type elem struct {
		value                          any
		known, lastPresent, lastAbsent *history.Op
	}
	var client []history.Op
	for _, o := range ops {
		if o.IsClient() {
			client = append(client, o)
		}
	}
	byIndex := map[int]history.Op{}
	for _, o := range client {
		byIndex[o.Index] = o
	}
	invOf := map[int]int{}
	for i, c := range history.Pairs(client) {
		invOf[c] = i
	}
	key := func(v any) string { return edn.String(normalize(v)) }
	elems := map[string]*elem{}
	maxCopies := map[string]int64{}
	dupValue := map[string]any{}
	idx := func(o *history.Op) int {
		if o == nil {
			return -1
		}
		return o.Index
	}
	for i := range client {
		o := &client[i]
		switch {
		case o.F == add && o.Type == history.Invoke:
			elems[key(o.Value)] = &elem{value: normalize(o.Value)}
		case o.F == add && o.Type == history.OK:
			if e := elems[key(o.Value)]; e != nil && e.known == nil {
				e.known = o
			}
		case o.F == "read" && o.Type == history.OK:
			ii, found := invOf[o.Index]
			if !found {
				continue
			}
			inv := byIndex[ii]
			freq := map[string]int64{}
			for _, v := range o.Value.([]any) {
				freq[key(v)]++
				dupValue[key(v)] = normalize(v)
			}
			for k, n := range freq {
				if n > 1 {
					maxCopies[k] = max(maxCopies[k], n)
				}
			}
			for k, e := range elems {
				if freq[k] > 0 {
					if e.known == nil {
						e.known = o
					}
					if idx(e.lastPresent) < inv.Index {
						e.lastPresent = &inv
					}
				} else if idx(e.lastAbsent) < inv.Index {
					e.lastAbsent = &inv
				}
			}
		}
	}

	type result struct {
		e       *elem
		outcome string
		lat     int64
	}
	var rs []result
	for _, e := range elems {
		r := result{e: e, outcome: "never-read"}
		stable := e.lastPresent != nil && idx(e.lastAbsent) < idx(e.lastPresent)
		lost := e.known != nil && e.lastAbsent != nil && idx(e.lastPresent) < idx(e.lastAbsent) && idx(e.known) < idx(e.lastAbsent)
		switch {
		case stable:
			r.outcome = "stable"
			t := int64(0)
			if e.lastAbsent != nil {
				t = e.lastAbsent.Time + 1
			}
			r.lat = int64(math.Max(0, float64(t-e.known.Time)) / 1e6)
		case lost:
			r.outcome = "lost"
			t := int64(0)
			if e.lastPresent != nil {
				t = e.lastPresent.Time + 1
			}
			r.lat = int64(math.Max(0, float64(t-e.known.Time)) / 1e6)
		}
		rs = append(rs, r)
	}
	// Integer elements only.
	num := func(v any) int64 { n, _ := toInt64(v); return n }
	slices.SortFunc(rs, func(a, b result) int { return cmp.Compare(num(a.e.value), num(b.e.value)) })
	quantiles := func(xs []int64) *edn.Map {
		slices.Sort(xs)
		n := len(xs)
		pick := func(p float64) int64 { return xs[min(n-1, int(math.Floor(float64(n)*p)))] }
		return edn.NewMap(int64(0), pick(0), 0.5, pick(0.5), 0.95, pick(0.95), 0.99, pick(0.99), int64(1), pick(1))
	}
	lost, never, stale, worst := []any{}, []any{}, []any{}, []any{}
	var stableLat, lostLat []int64
	var staleRs []result
	for _, r := range rs {
		switch r.outcome {
		case "stable":
			stableLat = append(stableLat, r.lat)
			if r.lat > 0 {
				stale = append(stale, r.e.value)
				staleRs = append(staleRs, r)
			}
		case "lost":
			lost = append(lost, r.e.value)
			lostLat = append(lostLat, r.lat)
		default:
			never = append(never, r.e.value)
		}
	}
	slices.SortStableFunc(staleRs, func(a, b result) int { return cmp.Compare(b.lat, a.lat) })
	for i, r := range staleRs {
		if i == 8 {
			break
		}
		var la any
		if r.e.lastAbsent != nil {
			la = r.e.lastAbsent.EDN()
		}
		worst = append(worst, edn.NewMap(kw("element"), r.e.value, kw("outcome"), kw("stable"),
			kw("stable-latency"), r.lat, kw("lost-latency"), nil, kw("known"), r.e.known.EDN(), kw("last-absent"), la))
	}
	valid := any(true)
	if len(lost) > 0 {
		valid = false
	} else if len(stableLat) == 0 {
		valid = kw("unknown")
	}
	m := edn.NewMap(kw("valid?"), valid, kw("attempt-count"), len(rs), kw("stable-count"), len(stableLat),
		kw("lost-count"), len(lost), kw("lost"), lost, kw("never-read-count"), len(never), kw("never-read"), never,
		kw("stale-count"), len(stale), kw("stale"), stale, kw("worst-stale"), worst)
	if len(stableLat) > 0 {
		m.Set(kw("stable-latencies"), quantiles(stableLat))
	}
	if len(lostLat) > 0 {
		m.Set(kw("lost-latencies"), quantiles(lostLat))
	}
	var dupKeys []string
	for k := range maxCopies {
		dupKeys = append(dupKeys, k)
	}
	slices.SortFunc(dupKeys, func(a, b string) int {
		if c := cmp.Compare(maxCopies[b], maxCopies[a]); c != 0 {
			return c
		}
		return cmp.Compare(num(dupValue[a]), num(dupValue[b]))
	})
	m.Set(kw("duplicated-count"), len(dupKeys))
	dupKeys = dupKeys[:min(len(dupKeys), 48)]
	slices.SortFunc(dupKeys, func(a, b string) int { return cmp.Compare(num(dupValue[a]), num(dupValue[b])) })
	dups := edn.NewMap()
	for _, k := range dupKeys {
		dups.Set(dupValue[k], maxCopies[k])
	}
	m.Set(kw("duplicated"), dups)
	return m
}

// randomSetHistory makes a history of concurrent adds and reads whose reads
// see a random part of what was added, with crashes, failures, repeated
// adds, duplicates in reads and nemesis ops mixed in.
func randomSetHistory(r *rand.Rand, n int) []history.Op {
	const procs = 5
	var ops []history.Op
	var now int64
	emit := func(o history.Op) {
		now += r.Int64N(3_000_000)
		o.Index, o.Time = len(ops), now
		ops = append(ops, o)
	}
	process := make([]int, procs)
	for i := range process {
		process[i] = i
	}
	pending := map[int]*history.Op{}
	var added []int
	next := 0
	for len(ops) < n {
		if r.IntN(20) == 0 {
			emit(nemesis("kill"))
			continue
		}
		w := r.IntN(procs)
		p := process[w]
		if o := pending[p]; o != nil {
			delete(pending, p)
			c := *o
			switch x := r.IntN(10); {
			case x < 7:
				c.Type = history.OK
			case x < 8:
				c.Type = history.Fail
			default:
				c.Type = history.Info
				process[w] += procs
			}
			if c.F == "read" && c.Type != history.Info {
				// Recent elements are less likely to be seen.
				val := []any{}
				for i, v := range added {
					if r.IntN(len(added)+5) < i+3 {
						continue
					}
					var e any = v
					if r.IntN(2) == 0 {
						e = int64(v)
					}
					val = append(val, e)
					if r.IntN(40) == 0 {
						val = append(val, e)
					}
				}
				if r.IntN(10) == 0 {
					val = append(val, 1000+r.IntN(5))
				}
				r.Shuffle(len(val), func(i, j int) { val[i], val[j] = val[j], val[i] })
				c.Value = val
			}
			emit(c)
			continue
		}
		var o history.Op
		if r.IntN(2) == 0 {
			v := next
			next++
			if next > 1 && r.IntN(15) == 0 {
				v = r.IntN(next - 1) // add an element again
			}
			added = append(added, v)
			o = inv(p, "broadcast", v)
		} else {
			o = inv(p, "read", nil)
		}
		pending[p] = &o
		emit(o)
	}
	return ops
}

func TestSetFullMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	outcomes := map[string]int{}
	for i := range 200 {
		h := randomSetHistory(r, 50+r.IntN(250))
		want := refSetFull(h, "broadcast")
		got := SetFull(h, "broadcast", false).EDN()
		require.Equal(t, edn.String(want), edn.String(got), "history %d:\n%s", i, historyText(h))
		for _, k := range []string{"stable-count", "lost-count", "never-read-count", "stale-count", "duplicated-count"} {
			n, _ := toInt64(field(t, got, k))
			outcomes[k] += int(n)
		}
	}
	// The histories exercise every outcome.
	for k, n := range outcomes {
		assert.Positive(t, n, k)
	}
}

func historyText(h []history.Op) string {
	var s string
	for _, o := range h {
		s += fmt.Sprintln(edn.String(o.EDN()))
	}
	return s
}

func TestSetFullManyReads(t *testing.T) {
	// 2000 adds, each followed by a read of everything so far, from two
	// processes: a million elements read in all.
	const n = 2000
	all := make([]any, n)
	var h []history.Op
	for k := range n {
		all[k] = k
		h = append(h, inv(0, "broadcast", k), ok(0, "broadcast", k), inv(1, "read", nil), ok(1, "read", all[:k+1]))
	}
	got := SetFull(indexed(h...), "broadcast", false).EDN()
	require.Equal(t, true, field(t, got, "valid?"))
	require.Equal(t, int64(n), field(t, got, "stable-count"))
	require.Equal(t, int64(0), field(t, got, "stale-count"))
}
