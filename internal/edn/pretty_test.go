package edn

import (
	"fmt"
	"math/big"
	"strconv"
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
			require.Equal(t, String(c.in), String(readEDN(t, got)))
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
	require.Equal(t, String(results), String(readEDN(t, out)))
	require.Greater(t, strings.Count(out, "\n"), 20)
	for _, line := range strings.Split(out, "\n") {
		// Only closing brackets and separators may run past the width here.
		require.LessOrEqual(t, textWidth([]byte(strings.TrimRight(line, "}], "))), PrettyWidth, line)
	}
}

// readEDN is a minimal EDN reader for the values this package writes.
func readEDN(t *testing.T, s string) any {
	t.Helper()
	r := &ednReader{s: s}
	v, err := r.read()
	require.NoError(t, err)
	r.skip()
	require.Equal(t, len(s), r.i, "trailing text")
	return v
}

type ednReader struct {
	s string
	i int
}

func (r *ednReader) skip() {
	for r.i < len(r.s) && strings.IndexByte(" \t\n\r,", r.s[r.i]) >= 0 {
		r.i++
	}
}

func (r *ednReader) token() string {
	j := r.i
	for j < len(r.s) && strings.IndexByte(" \t\n\r,[]{}()\"", r.s[j]) < 0 {
		j++
	}
	tok := r.s[r.i:j]
	r.i = j
	return tok
}

func (r *ednReader) seq(end byte) ([]any, error) {
	var out []any
	for {
		r.skip()
		if r.i >= len(r.s) {
			return nil, fmt.Errorf("unterminated collection")
		}
		if r.s[r.i] == end {
			r.i++
			if out == nil {
				out = []any{}
			}
			return out, nil
		}
		v, err := r.read()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
}

func (r *ednReader) read() (any, error) {
	r.skip()
	if r.i >= len(r.s) {
		return nil, fmt.Errorf("unexpected end")
	}
	switch c := r.s[r.i]; {
	case c == '[':
		r.i++
		return r.seq(']')
	case c == '{':
		r.i++
		xs, err := r.seq('}')
		if err != nil || len(xs)%2 != 0 {
			return nil, fmt.Errorf("bad map: %v", err)
		}
		return NewMap(xs...), nil
	case strings.HasPrefix(r.s[r.i:], "#{"):
		r.i += 2
		xs, err := r.seq('}')
		return Set(xs), err
	case c == '"':
		var b strings.Builder
		for r.i++; r.i < len(r.s); r.i++ {
			switch r.s[r.i] {
			case '"':
				r.i++
				return b.String(), nil
			case '\\':
				r.i++
				switch r.s[r.i] {
				case 'n':
					b.WriteByte('\n')
				case 't':
					b.WriteByte('\t')
				case 'r':
					b.WriteByte('\r')
				default:
					b.WriteByte(r.s[r.i])
				}
			default:
				b.WriteByte(r.s[r.i])
			}
		}
		return nil, fmt.Errorf("unterminated string")
	case c == ':':
		r.i++
		return Keyword(r.token()), nil
	}
	tok := r.token()
	switch tok {
	case "nil":
		return nil, nil
	case "true":
		return true, nil
	case "false":
		return false, nil
	case "##NaN", "##Inf", "##-Inf":
		return Raw(tok), nil // compared by text only
	case "":
		return nil, fmt.Errorf("unexpected %q at %d", r.s[r.i], r.i)
	}
	if strings.HasSuffix(tok, "N") {
		b, ok := new(big.Int).SetString(strings.TrimSuffix(tok, "N"), 10)
		if !ok {
			return nil, fmt.Errorf("bad bigint %q", tok)
		}
		return b, nil
	}
	if strings.ContainsAny(tok, ".eE") {
		return strconv.ParseFloat(tok, 64)
	}
	return strconv.ParseInt(tok, 10, 64)
}
