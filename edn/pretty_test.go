package edn

import (
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPrettyLayout(t *testing.T) {
	k := func(s string) Keyword { return Keyword(s) }
	valid := func() *Map { return NewMap(k("valid?"), true) }
	cases := []struct {
		name string
		in   any
		want string
	}{
		{"atom", int64(3), "3"},
		{"string", "a \"b\"", `"a \"b\""`},
		{"empty map", NewMap(), "{}"},
		{"empty vector", []any{}, "[]"},
		{"short map", NewMap(k("valid?"), true, k("count"), 3), "{:valid? true, :count 3}"},
		{"short set", Set{1, 2}, "#{1 2}"},
		{
			"nested maps break, key and value share a line",
			NewMap(
				k("perf"), NewMap(
					k("latency-graph"), valid(),
					k("rate-graph"), valid(),
					k("valid?"), true),
				k("valid?"), true),
			"{:perf {:latency-graph {:valid? true},\n" +
				"        :rate-graph {:valid? true},\n" +
				"        :valid? true},\n" +
				" :valid? true}",
		},
		{
			"long vector breaks one element a line",
			[]any{strings.Repeat("a", 30), strings.Repeat("b", 30), strings.Repeat("c", 30)},
			"[\"" + strings.Repeat("a", 30) + "\"\n" +
				" \"" + strings.Repeat("b", 30) + "\"\n" +
				" \"" + strings.Repeat("c", 30) + "\"]",
		},
		{
			"exactly 70 columns fits",
			[]any{strings.Repeat("x", 66)}, // [" + 66 + "] = 70
			"[\"" + strings.Repeat("x", 66) + "\"]",
		},
		{
			"71 columns breaks the group but a lone element stays whole",
			NewMap(k("a"), strings.Repeat("x", 63)), // {:a " + 63 + "} = 71
			"{:a \"" + strings.Repeat("x", 63) + "\"}",
		},
		{
			"set breaks",
			Set{strings.Repeat("a", 40), strings.Repeat("b", 40)},
			"#{\"" + strings.Repeat("a", 40) + "\"\n" +
				"  \"" + strings.Repeat("b", 40) + "\"}",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := string(Pretty(c.in))
			require.Equal(t, c.want, got)
			back, err := Parse([]byte(got))
			require.NoError(t, err)
			require.Equal(t, String(c.in), String(back))
		})
	}
}

func TestPrettyRoundTrip(t *testing.T) {
	k := func(s string) Keyword { return Keyword(s) }
	var errs []any
	for i := range 20 {
		errs = append(errs, []any{"Expected a message with :echo", fmt.Sprintf("Please echo %d", i),
			"But received", NewMap(k("type"), "echo_ok", k("echo"), "Please echo \n\t\\ ☃ 𝄞", k("in_reply_to"), int64(i))})
	}
	huge, _ := new(big.Int).SetString("123456789012345678901234567890", 10)
	results := NewMap(
		k("perf"), NewMap(k("latency-graph"), NewMap(k("valid?"), true), k("valid?"), true),
		k("stats"), NewMap(k("valid?"), false, k("count"), int64(10), k("by-f"),
			NewMap(k("echo"), NewMap(k("valid?"), false, k("count"), 10, k("ok-count"), 0))),
		k("net"), NewMap(k("all"), NewMap(k("send-count"), int64(20006), k("msgs-per-op"), 2.0002),
			k("servers"), NewMap(k("msgs-per-op"), 0.0), k("valid?"), true),
		k("quantiles"), NewMap(0.0, int64(1), 0.5, int64(2), 0.95, int64(3), 0.99, int64(4), 1.0, int64(5)),
		k("workload"), NewMap(k("valid?"), k("unknown"), k("errors"), errs,
			k("set"), Set{nil, false, huge, -1.5e-9, 1e300}, k("empty"), []any{}),
		k("valid?"), false,
	)
	out := string(Pretty(results))
	back, err := Parse([]byte(out))
	require.NoError(t, err)
	require.Equal(t, String(results), String(back))
	require.Greater(t, strings.Count(out, "\n"), 20)
	for _, line := range strings.Split(out, "\n") {
		// Only closing brackets and separators may run past the width here.
		require.LessOrEqual(t, textWidth([]byte(strings.TrimRight(line, "}], "))), PrettyWidth, line)
	}
}
