package checker

import (
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/history"
)

// hist numbers ops in order.
func hist(ops ...history.Op) []history.Op {
	for i := range ops {
		ops[i].Index = i
		ops[i].Time = int64(i) * 1000
	}
	return ops
}

func op(p int, t history.Type, f string, v any) history.Op {
	return history.Op{Process: p, Type: t, F: f, Value: v}
}

func inv(p int, f string, v any) history.Op  { return op(p, history.Invoke, f, v) }
func ok(p int, f string, v any) history.Op   { return op(p, history.OK, f, v) }
func fail(p int, f string, v any) history.Op { return op(p, history.Fail, f, v) }
func info(p int, f string, v any) history.Op { return op(p, history.Info, f, v) }

func nemesis(f string) history.Op { return op(history.Nemesis, history.Info, f, nil) }

func TestValidityOf(t *testing.T) {
	for _, c := range []struct {
		m    *edn.Map
		want check.Verdict
	}{
		{edn.NewMap(kw("valid?"), true), check.Valid},
		{edn.NewMap(kw("valid?"), false), check.Invalid},
		{edn.NewMap(kw("valid?"), kw("unknown")), check.Unknown},
		{edn.NewMap(kw("other"), true), check.Unknown},
		{nil, check.Unknown},
	} {
		require.Equal(t, c.want, ValidityOf(c.m))
	}
}

func TestStats(t *testing.T) {
	cases := []struct {
		name string
		ops  []history.Op
		want string
	}{
		{"empty history is valid", nil,
			"{:valid? true, :count 0, :ok-count 0, :fail-count 0, :info-count 0, :by-f {}}"},
		{"all fs have oks", hist(
			inv(0, "read", nil), ok(0, "read", 1),
			inv(1, "write", 2), fail(1, "write", 2),
			inv(1, "write", 3), ok(1, "write", 3),
			inv(2, "write", 4), info(2, "write", 4),
			nemesis("start-partition"), nemesis("start-partition"),
		),
			"{:valid? true, :count 4, :ok-count 2, :fail-count 1, :info-count 1, :by-f " +
				"{:read {:valid? true, :count 1, :ok-count 1, :fail-count 0, :info-count 0}, " +
				":write {:valid? true, :count 3, :ok-count 1, :fail-count 1, :info-count 1}}}"},
		{"an f with zero oks is invalid; by-f sorted by name", hist(
			inv(0, "write", 1), ok(0, "write", 1),
			inv(0, "cas", []any{1, 2}), fail(0, "cas", []any{1, 2}),
			inv(1, "add", 1), info(1, "add", 1),
		),
			"{:valid? false, :count 3, :ok-count 1, :fail-count 1, :info-count 1, :by-f " +
				"{:add {:valid? false, :count 1, :ok-count 0, :fail-count 0, :info-count 1}, " +
				":cas {:valid? false, :count 1, :ok-count 0, :fail-count 1, :info-count 0}, " +
				":write {:valid? true, :count 1, :ok-count 1, :fail-count 0, :info-count 0}}}"},
		{"invocations alone count for nothing", hist(inv(0, "echo", "x")),
			"{:valid? true, :count 0, :ok-count 0, :fail-count 0, :info-count 0, :by-f {}}"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, edn.String(StatsEDN(Figures(c.ops, nil, NetStats{}))))
		})
	}
}

func TestAvailability(t *testing.T) {
	// 100 invocations, n of them ok, the rest failed.
	run := func(n int) []history.Op {
		var ops []history.Op
		for i := range 100 {
			ops = append(ops, inv(i, "echo", "x"))
			if i < n {
				ops = append(ops, ok(i, "echo", "x"))
			} else {
				ops = append(ops, fail(i, "echo", "x"))
			}
		}
		return hist(ops...)
	}
	total := AvailabilitySpec{Set: true, Total: true}
	min99 := AvailabilitySpec{Set: true, Min: 0.99}
	none := AvailabilitySpec{}
	thirds := hist(inv(0, "a", 1), ok(0, "a", 1), inv(0, "a", 1), ok(0, "a", 1), inv(0, "a", 1), fail(0, "a", 1))
	cases := []struct {
		name string
		ops  []history.Op
		spec AvailabilitySpec
		want string
	}{
		{"total, all ok", run(100), total, "{:valid? true, :ok-fraction 1.0}"},
		{"total, one fail", run(99), total, "{:valid? false, :ok-fraction 0.99}"},
		{"0.99, exactly 0.99", run(99), min99, "{:valid? true, :ok-fraction 0.99}"},
		{"0.99, 0.98", run(98), min99, "{:valid? false, :ok-fraction 0.98}"},
		{"no flag, nothing ok", run(0), none, "{:valid? true, :ok-fraction 0.0}"},
		{"no invokes is 1", nil, total, "{:valid? true, :ok-fraction 1}"},
		{"single precision like Clojure's float", thirds, none, "{:valid? true, :ok-fraction 0.6666667}"},
		{"threshold compares the single-precision value", thirds,
			AvailabilitySpec{Set: true, Min: 0.6666667}, "{:valid? false, :ok-fraction 0.6666667}"},
		{"nemesis infos do not count", hist(inv(0, "a", 1), nemesis("x"), ok(0, "a", 1), nemesis("x")), total,
			"{:valid? true, :ok-fraction 1.0}"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, edn.String(AvailabilityEDN(Figures(c.ops, nil, NetStats{}), c.spec)))
		})
	}
}

func TestNet(t *testing.T) {
	stats := NetStats{
		All:     NetCounts{SendCount: 20008, RecvCount: 20006, MsgCount: 20002},
		Clients: NetCounts{SendCount: 20008, RecvCount: 20006, MsgCount: 20002},
		Servers: NetCounts{},
	}
	cases := []struct {
		name    string
		stats   NetStats
		invokes int
		want    string
	}{
		{"unique-ids sanity", stats, 10000,
			"{:all {:send-count 20008, :recv-count 20006, :msg-count 20002, :msgs-per-op 2.0002}, " +
				":clients {:send-count 20008, :recv-count 20006, :msg-count 20002}, " +
				":servers {:send-count 0, :recv-count 0, :msg-count 0, :msgs-per-op 0.0}, :valid? true}"},
		{"no invokes omits msgs-per-op", stats, 0,
			"{:all {:send-count 20008, :recv-count 20006, :msg-count 20002}, " +
				":clients {:send-count 20008, :recv-count 20006, :msg-count 20002}, " +
				":servers {:send-count 0, :recv-count 0, :msg-count 0}, :valid? true}"},
		{"single precision", NetStats{All: NetCounts{1, 1, 1}, Servers: NetCounts{2, 2, 2}}, 3,
			"{:all {:send-count 1, :recv-count 1, :msg-count 1, :msgs-per-op 0.33333334}, " +
				":clients {:send-count 0, :recv-count 0, :msg-count 0}, " +
				":servers {:send-count 2, :recv-count 2, :msg-count 2, :msgs-per-op 0.6666667}, :valid? true}"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, edn.String(NetEDN(Figures(invocations(c.invokes), nil, c.stats))))
		})
	}
	m := NetEDN(Figures(invocations(10000), nil, stats))
	all, _ := m.Get(kw("all"))
	per, _ := all.(*edn.Map).Get(kw("msgs-per-op"))
	require.Equal(t, 2.0002, per, "exactly the float64 2.0002")
}

// invocations is a history of n client invocations that never complete.
func invocations(n int) []history.Op {
	ops := make([]history.Op, n)
	for i := range ops {
		ops[i] = inv(i, "echo", "x")
	}
	return hist(ops...)
}

func TestFiguresCountClientInvocations(t *testing.T) {
	ops := hist(inv(0, "a", 1), nemesis("x"), op(history.Nemesis, history.Invoke, "x", nil), inv(1, "a", 1), ok(0, "a", 1))
	require.Equal(t, int64(2), Figures(ops, nil, NetStats{}).Invocations)
	require.Equal(t, int64(0), Figures(nil, nil, NetStats{}).Invocations)
}

func TestFigures(t *testing.T) {
	ops := hist(
		inv(0, "send", 1), inv(1, "poll", nil), ok(0, "send", 1), inv(2, "crash", nil),
		info(2, "crash", nil), ok(1, "poll", nil), inv(0, "send", 2), fail(0, "send", 2),
	)
	net := NetStats{All: NetCounts{10, 9, 8}, Clients: NetCounts{6, 6, 6}, Servers: NetCounts{4, 3, 2}}
	f := Figures(ops, func(f string) bool { return f == "crash" }, net)
	require.Equal(t, check.OpCounts{OK: 2, Fail: 1}, f.Ops, "the crash is left out of the counts")
	require.Equal(t, map[string]check.OpCounts{"send": {OK: 1, Fail: 1}, "poll": {OK: 1}}, f.OpsByF)
	require.Equal(t, int64(4), f.Invocations, "the crash was invoked all the same")
	require.Equal(t, 0.5, f.Availability)
	require.Equal(t, check.NetCounts{Sends: 10, Recvs: 9, Msgs: 8, MsgsPerOp: 2}, f.Net.All)
	require.Equal(t, 1.5, f.Net.Clients.MsgsPerOp)
	require.Equal(t, 0.5, f.Net.Servers.MsgsPerOp)
	// Two ok ops: the send took 2 µs (ops 0→2), the poll 4 µs (1→5).
	require.Equal(t, check.Latencies{Count: 2, Min: 2 * time.Microsecond, P50: 4 * time.Microsecond, P95: 4 * time.Microsecond, P99: 4 * time.Microsecond, Max: 4 * time.Microsecond}, f.Latency)
}

func TestQuantiles(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	q := Quantiles(ds)
	require.Equal(t, check.Latencies{Count: 100, Min: time.Millisecond, P50: 51 * time.Millisecond, P95: 96 * time.Millisecond, P99: 100 * time.Millisecond, Max: 100 * time.Millisecond}, q)
	require.Equal(t, check.Latencies{}, Quantiles(nil))
}

func TestUniqueIDs(t *testing.T) {
	gen := func(ids ...any) []history.Op {
		var ops []history.Op
		for i, id := range ids {
			ops = append(ops, inv(i, "generate", nil), ok(i, "generate", id))
		}
		return ops
	}
	huge, _ := new(big.Int).SetString("100000000000000000000", 10)
	cases := []struct {
		name string
		ops  []history.Op
		want string
	}{
		{"empty", nil,
			"{:valid? true, :attempted-count 0, :acknowledged-count 0, :duplicated-count 0, :duplicated {}, :range [nil nil]}"},
		{"distinct strings", hist(gen("n1-1", "n2-1", "n1-2", "n10-1")...),
			`{:valid? true, :attempted-count 4, :acknowledged-count 4, :duplicated-count 0, :duplicated {}, :range ["n1-1" "n2-1"]}`},
		{"numbers of mixed kinds compare numerically", hist(gen(int64(5), 2.5, huge, int64(-3))...),
			"{:valid? true, :attempted-count 4, :acknowledged-count 4, :duplicated-count 0, :duplicated {}, :range [-3 100000000000000000000N]}"},
		{"duplicates", hist(append(gen(int64(1), int64(2), int64(2), int64(3), int64(3), int64(3), int64(4)),
			inv(9, "generate", nil), info(9, "generate", nil),
			inv(10, "generate", nil), fail(10, "generate", nil))...),
			"{:valid? false, :attempted-count 9, :acknowledged-count 7, :duplicated-count 2, :duplicated {2 2, 3 3}, :range [1 4]}"},
		{"1 and 1.0 are different ids; the later of equals wins the range", hist(gen(int64(1), 1.0)...),
			"{:valid? true, :attempted-count 2, :acknowledged-count 2, :duplicated-count 0, :duplicated {}, :range [1.0 1.0]}"},
		{"5 and 5N are the same id", hist(gen(int64(5), big.NewInt(5))...),
			"{:valid? false, :attempted-count 2, :acknowledged-count 2, :duplicated-count 1, :duplicated {5 2}, :range [5 5]}"},
		{"vectors by length then elements", hist(gen([]any{int64(9)}, []any{int64(1), int64(2)}, []any{int64(1), int64(1)})...),
			"{:valid? true, :attempted-count 3, :acknowledged-count 3, :duplicated-count 0, :duplicated {}, :range [[9] [1 2]]}"},
		{"nil ids are skipped for range", hist(gen(nil, "b", "a")...),
			`{:valid? true, :attempted-count 3, :acknowledged-count 3, :duplicated-count 0, :duplicated {}, :range ["a" "b"]}`},
		{"only other fs", hist(inv(0, "read", nil), ok(0, "read", 1)),
			"{:valid? true, :attempted-count 0, :acknowledged-count 0, :duplicated-count 0, :duplicated {}, :range [nil nil]}"},
		{"a single map id needs no comparison", hist(gen(edn.NewMap("a", int64(1)))...),
			`{:valid? true, :attempted-count 1, :acknowledged-count 1, :duplicated-count 0, :duplicated {}, :range [{"a" 1} {"a" 1}]}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, edn.String(UniqueIDs(c.ops).EDN()))
		})
	}

	unknown := []struct {
		name  string
		ops   []history.Op
		cause string
	}{
		{"strings mixed with numbers", hist(gen("a", int64(1))...), `cannot compare 1 (a number) with "a" (a string)`},
		{"maps", hist(gen(edn.NewMap("a", int64(1)), edn.NewMap("a", int64(2)))...), "a map, which has no order"},
		{"vectors with mixed elements", hist(gen([]any{"a"}, []any{int64(1)})...), "cannot compare"},
		{"booleans with numbers", hist(gen(true, int64(1))...), "a boolean"},
	}
	for _, c := range unknown {
		t.Run(c.name, func(t *testing.T) {
			m := UniqueIDs(c.ops).EDN()
			require.Equal(t, check.Unknown, ValidityOf(m), edn.String(m))
			require.Equal(t, 2, m.Len())
			msg, _ := m.Get(kw("error"))
			require.Contains(t, msg, c.cause)
		})
	}
}

func TestUniqueIDsDuplicatedTop48(t *testing.T) {
	// ids 0..59, id i acknowledged 2 + i/10 times: the 48 shown are the most
	// frequent, ties broken towards the greatest ids, listed by id.
	var ops []history.Op
	for i := range 60 {
		for range 2 + i/10 {
			ops = append(ops, inv(0, "generate", nil), ok(0, "generate", int64(i)))
		}
	}
	m := UniqueIDs(hist(ops...)).EDN()
	require.Equal(t, check.Invalid, ValidityOf(m))
	n, _ := m.Get(kw("duplicated-count"))
	require.Equal(t, int64(60), n)
	d, _ := m.Get(kw("duplicated"))
	dup := d.(*edn.Map)
	require.Equal(t, 48, dup.Len())
	var keys []any
	dup.Each(func(k, v any) {
		keys = append(keys, k)
		require.Equal(t, int64(2+k.(int64)/10), v)
	})
	require.Equal(t, int64(12), keys[0])
	require.Equal(t, int64(59), keys[47])
}

func TestUniqueIDsFast(t *testing.T) {
	const n = 100000
	ops := make([]history.Op, 0, 2*n)
	for i := range n {
		ops = append(ops, inv(i%5, "generate", nil), ok(i%5, "generate", fmt.Sprintf("n%d-%d", i%5, i)))
	}
	ops = hist(ops...)
	start := time.Now()
	m := UniqueIDs(ops).EDN()
	require.Less(t, time.Since(start), 5*time.Second)
	require.Equal(t,
		`{:valid? true, :attempted-count 100000, :acknowledged-count 100000, :duplicated-count 0, :duplicated {}, :range ["n0-0" "n4-99999"]}`,
		edn.String(m))

	ints := make([]history.Op, 0, 2*n+2)
	for i := range n {
		ints = append(ints, inv(0, "generate", nil), ok(0, "generate", int64(n-i)))
	}
	ints = append(ints, inv(0, "generate", nil), ok(0, "generate", int64(7)))
	m = UniqueIDs(hist(ints...)).EDN()
	require.Equal(t,
		"{:valid? false, :attempted-count 100001, :acknowledged-count 100001, :duplicated-count 1, :duplicated {7 2}, :range [1 100000]}",
		edn.String(m))
}

func TestCompareStrings(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"a", "b", -1},
		{"ab", "a", 1},
		{"n10", "n9", -1},
		{"é", "z", 1},
		// Java orders by UTF-16 units: U+1D11E (surrogates D834 DD1E) sorts
		// before U+FF21, unlike code point order.
		{"x\U0001D11E", "x\uFF21", -1},
		{"\uFF21", "\U0001D11E", 1},
		{"\u00e9", "\U0001D11E", -1},
	}
	for _, c := range cases {
		require.Equal(t, c.want, compareStrings(c.a, c.b), "%q vs %q", c.a, c.b)
	}
}

func TestEcho(t *testing.T) {
	body := func(echo any, id int64) *edn.Map {
		return edn.NewMap(kw("type"), "echo_ok", kw("echo"), echo, kw("msg_id"), id, kw("in_reply_to"), id)
	}
	cases := []struct {
		name string
		ops  []history.Op
		want string
	}{
		{"clean", hist(
			inv(0, "echo", "Please echo 1"), inv(1, "echo", "Please echo 2"),
			ok(1, "echo", body("Please echo 2", 1)), ok(0, "echo", body("Please echo 1", 1)),
			nemesis("start-partition"),
		), "{:valid? true, :errors []}"},
		{"altered text", hist(
			inv(0, "echo", "Please echo 1"), ok(0, "echo", body("Please echo 1", 1)),
			inv(0, "echo", "Please echo 7"), ok(0, "echo", body("Please echo 8", 2)),
		), `{:valid? false, :errors [["Expected a message with :echo" "Please echo 7" "But received" ` +
			`{:type "echo_ok", :echo "Please echo 8", :msg_id 2, :in_reply_to 2}]]}`},
		{"missing echo field", hist(
			inv(0, "echo", "Please echo 3"), ok(0, "echo", edn.NewMap(kw("type"), "echo_ok")),
		), `{:valid? false, :errors [["Expected a message with :echo" "Please echo 3" "But received" {:type "echo_ok"}]]}`},
		{"a fail completion is an error", hist(
			inv(0, "echo", "Please echo 4"), fail(0, "echo", "Please echo 4"),
		), `{:valid? false, :errors [["Expected a message with :echo" "Please echo 4" "But received" "Please echo 4"]]}`},
		{"a timeout (info) is not paired, as in knossos' pair-index", hist(
			inv(0, "echo", "Please echo 5"), info(0, "echo", "Please echo 5"),
			inv(1, "echo", "Please echo 6"), ok(1, "echo", body("Please echo 6", 1)),
		), "{:valid? true, :errors []}"},
		{"an invocation that never completes is not checked", hist(
			inv(0, "echo", "Please echo 5"),
		), "{:valid? true, :errors []}"},
		{"numbers compare by kind: 1 is not 1.0", hist(
			inv(0, "echo", int64(1)), ok(0, "echo", body(1.0, 1)),
		), `{:valid? false, :errors [["Expected a message with :echo" 1 "But received" {:type "echo_ok", :echo 1.0, :msg_id 1, :in_reply_to 1}]]}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, edn.String(Echo(c.ops).EDN()))
		})
	}
}
