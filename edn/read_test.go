package edn

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func bigInt(s string) *big.Int {
	b, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic("bad big.Int " + s)
	}
	return b
}

// requireSame checks that got has want's type and the same EDN text, which
// also tells NaN, -0.0 and nested types apart.
func requireSame(t *testing.T, want, got any) {
	t.Helper()
	require.Equal(t, fmt.Sprintf("%T", want), fmt.Sprintf("%T", got))
	require.Equal(t, String(want), String(got))
}

type parseCase struct {
	name string
	in   string
	want any
}

var parseCases = []parseCase{
	{"nil", "nil", nil},
	{"true", "true", true},
	{"false", "false", false},

	{"zero", "0", int64(0)},
	{"int", "42", int64(42)},
	{"negative int", "-7", int64(-7)},
	{"plus int", "+7", int64(7)},
	{"max int64", "9223372036854775807", int64(math.MaxInt64)},
	{"min int64", "-9223372036854775808", int64(math.MinInt64)},
	{"overflow to big", "9223372036854775808", bigInt("9223372036854775808")},
	{"negative overflow", "-123456789012345678901234567890", bigInt("-123456789012345678901234567890")},
	{"N suffix", "5N", big.NewInt(5)},
	{"zero N", "0N", big.NewInt(0)},
	{"octal N", "017N", big.NewInt(15)},
	{"negative N", "-5N", big.NewInt(-5)},
	{"hex", "0x1F", int64(31)},
	{"negative hex", "-0X1f", int64(-31)},
	{"octal", "017", int64(15)},
	{"radix", "2r1010", int64(10)},
	{"radix 36", "36rZz", int64(36*35 + 35)},

	{"float", "1.5", 1.5},
	{"negative zero", "-0.0", math.Copysign(0, -1)},
	{"trailing dot", "1.", 1.0},
	{"exponent", "1e3", 1000.0},
	{"negative exponent", "1.5E-3", 0.0015},
	{"explicit plus exponent", "2e+2", 200.0},
	{"M decimal", "2.5M", 2.5},
	{"M integer", "3M", 3.0},
	{"huge float", "1e400", math.Inf(1)},
	{"Inf", "##Inf", math.Inf(1)},
	{"minus Inf", "##-Inf", math.Inf(-1)},
	{"NaN", "##NaN", math.NaN()},
	{"ratio", "1/2", 0.5},
	{"negative ratio", "-3/4", -0.75},
	{"whole ratio", "4/2", 2.0},

	{"empty string", `""`, ""},
	{"string", `"a b"`, "a b"},
	{"escapes", `"\t\r\n\\\"\b\f"`, "\t\r\n\\\"\b\f"},
	{"unicode escape", `"caf\u00e9"`, "café"},
	{"surrogate pair", `"\uD83D\uDE00"`, "😀"},
	{"lone surrogate", `"\uD800x"`, "\uFFFDx"},
	{"octal escape", `"\101\0"`, "A\x00"},
	{"raw newline", "\"a\nb\"", "a\nb"},
	{"raw unicode", `"☃ 𝄞"`, "☃ 𝄞"},

	{"char", `\a`, "a"},
	{"char newline", `\newline`, "\n"},
	{"char space", `\space`, " "},
	{"char tab", `\tab`, "\t"},
	{"char return", `\return`, "\r"},
	{"char backspace", `\backspace`, "\b"},
	{"char formfeed", `\formfeed`, "\f"},
	{"char unicode", `\u00e9`, "é"},
	{"char octal", `\o101`, "A"},
	{"char paren", `[\( \)]`, []any{"(", ")"}},
	{"char backslash", `\\`, `\`},
	{"char snowman", `\☃`, "☃"},

	{"keyword", ":a", Keyword("a")},
	{"keyword with ?", ":valid?", Keyword("valid?")},
	{"namespaced keyword", ":jepsen.checker/foo", Keyword("jepsen.checker/foo")},

	{"symbol", "foo", Symbol("foo")},
	{"class symbol", "java.lang.Object", Symbol("java.lang.Object")},
	{"namespaced symbol", "clojure.core/str", Symbol("clojure.core/str")},
	{"minus symbol", "-", Symbol("-")},
	{"plus symbol", "+", Symbol("+")},
	{"minus-led symbol", "-a", Symbol("-a")},
	{"dot symbol", ".5", Symbol(".5")},
	{"symbol with quote", "a'", Symbol("a'")},
	{"nil-like symbol", "nil?", Symbol("nil?")},

	{"empty vector", "[]", []any{}},
	{"vector", "[1 :a \"b\"]", []any{int64(1), Keyword("a"), "b"}},
	{"empty list", "()", []any{}},
	{"list", "(1 [2])", []any{int64(1), []any{int64(2)}}},
	{"empty set", "#{}", Set{}},
	{"set", "#{1 :a}", Set{int64(1), Keyword("a")}},
	{"empty map", "{}", NewMap()},
	{"map keeps order", "{:b 1, :a [2]}", NewMap(Keyword("b"), int64(1), Keyword("a"), []any{int64(2)})},
	{"map with number keys", "{0 0, 0.5 84, 1 105}", NewMap(int64(0), int64(0), 0.5, int64(84), int64(1), int64(105))},
	{"int and float keys differ", "{1 :a 1.0 :b}", NewMap(int64(1), Keyword("a"), 1.0, Keyword("b"))},
	{"composite keys", "{[1 2] 3, {:a 1} 4}", NewMap([]any{int64(1), int64(2)}, int64(3), NewMap(Keyword("a"), int64(1)), int64(4))},

	{"surrounding space", " \t\n 1 \r\n", int64(1)},
	{"commas", ",,[1,2],,", []any{int64(1), int64(2)}},
	{"comment before", "; results\n1", int64(1)},
	{"comment after", "1 ; done", int64(1)},
	{"comment inside", "[1 ; one\n 2]", []any{int64(1), int64(2)}},
	{"shebang", "#!/usr/bin/env bb\n1", int64(1)},
	{"byte order mark", "\uFEFF[1]", []any{int64(1)}},
	{"discard first", "#_ 1 2", int64(2)},
	{"discard after", "1 #_ 2", int64(1)},
	{"nested discard", "#_ #_ 1 2 3", int64(3)},
	{"discard in vector", "[1 #_2 3]", []any{int64(1), int64(3)}},
	{"discard in map", "{:a 1 #_:b #_2}", NewMap(Keyword("a"), int64(1))},
	{"discard collection", "[#_{:a [1 2]} 3]", []any{int64(3)}},

	{"inst", `#inst "2024-01-02T03:04:05.000-00:00"`, "2024-01-02T03:04:05.000-00:00"},
	{"uuid", `#uuid "f81d4fae-7dec-11d0-a765-00a0c91e6bf6"`, "f81d4fae-7dec-11d0-a765-00a0c91e6bf6"},
	{"other tag", "#my.ns/tag [1]", []any{int64(1)}},
	{"tag with space", "#foo {:a 1}", NewMap(Keyword("a"), int64(1))},
	{"record", "#jepsen.history.Op{:index 1, :f :read}", NewMap(Keyword("index"), int64(1), Keyword("f"), Keyword("read"))},
	{"object", `#object[java.lang.Object 0x1b2c3d "java.lang.Object@1b2c3d"]`,
		[]any{Symbol("java.lang.Object"), int64(0x1b2c3d), "java.lang.Object@1b2c3d"}},
	{"object with map", `#object[clojure.lang.Atom 0x5a {:status :ready, :val 1}]`,
		[]any{Symbol("clojure.lang.Atom"), int64(0x5a), NewMap(Keyword("status"), Keyword("ready"), Keyword("val"), int64(1))}},
	{"map metadata", `^{:doc "x"} [1]`, []any{int64(1)}},
	{"keyword metadata", "^:private foo", Symbol("foo")},
	{"tag metadata", "[^String s]", []any{Symbol("s")}},
	{"stacked metadata", "^:a ^:b {:c 1}", NewMap(Keyword("c"), int64(1))},
	{"old metadata", "#^{:a 1} [1]", []any{int64(1)}},
	{"regex", `#"\d+\"x"`, `\d+\"x`},
	{"var", "#'clojure.core/str", Symbol("clojure.core/str")},
	{"namespaced map", "#:jepsen{:a 1, :_/b 2, x/c 3, d 4}",
		NewMap(Keyword("jepsen/a"), int64(1), Keyword("b"), int64(2), Symbol("x/c"), int64(3), Symbol("jepsen/d"), int64(4))},
}

func TestParse(t *testing.T) {
	for _, c := range parseCases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Parse([]byte(c.in))
			require.NoError(t, err)
			requireSame(t, c.want, got)
		})
	}
}

func TestParseMapValues(t *testing.T) {
	v, err := Parse([]byte("{:b 1, :a [2], 0.5 84, 1 :one, \"s\" nil}"))
	require.NoError(t, err)
	m := v.(*Map)
	require.Equal(t, 5, m.Len())
	var keys []string
	m.Each(func(k, _ any) { keys = append(keys, String(k)) })
	require.Equal(t, []string{":b", ":a", "0.5", "1", `"s"`}, keys)
	got, ok := m.Get(0.5)
	require.True(t, ok)
	require.Equal(t, int64(84), got)
	got, ok = m.Get(int64(1))
	require.True(t, ok)
	require.Equal(t, Keyword("one"), got)
	got, ok = m.Get("s")
	require.True(t, ok)
	require.Nil(t, got)
	_, ok = m.Get(1.0)
	require.False(t, ok)
}

// TestParseRepeatedKeys: a key repeated in a map keeps its first place and
// its last value, as FromJSON reads a JSON object.
func TestParseRepeatedKeys(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"{:a 1,\n :a 2}", "{:a 2}"},
		{"{:a 1 :b 2 :a 3}", "{:a 3, :b 2}"},
		{"{[1] 1 [1] 2}", "{[1] 2}"},
		{"{:a {:x 1 :x 2} :a {:y 1}}", "{:a {:y 1}}"},
		{"#:n{:a 1 :n/a 2}", "{:n/a 2}"},
	} {
		v, err := Parse([]byte(c.in))
		require.NoError(t, err, c.in)
		assert.Equal(t, c.want, String(v), c.in)
	}
}

type parseErrorCase struct {
	name string
	in   string
	want string
}

var parseErrorCases = []parseErrorCase{
	{"empty", "", "line 1, column 1: unexpected end of input"},
	{"only space", "  \n ", "line 2, column 2: unexpected end of input"},
	{"only comment", "; nothing", "line 1, column 10: unexpected end of input"},
	{"only discard", "#_ 1", "line 1, column 5: unexpected end of input"},
	{"unterminated vector", "[1 2", "line 1, column 1: unterminated vector"},
	{"unterminated list", "\n  (1", "line 2, column 3: unterminated list"},
	{"unterminated set", "#{1", "line 1, column 1: unterminated set"},
	{"unterminated map", "{:a 1", "line 1, column 1: unterminated map"},
	{"unterminated string", "{\n  :a\n  :b \"x", "line 3, column 6: unterminated string"},
	{"unterminated escape", `"x\`, "line 1, column 1: unterminated string"},
	{"unterminated regex", `#"x`, "line 1, column 1: unterminated regular expression"},
	{"mismatched close", "[1 2}", "line 1, column 5: unexpected }, expected ] to close the vector"},
	{"mismatched close in map", "{:a (1]}", "line 1, column 7: unexpected ], expected ) to close the list"},
	{"map closed by bracket", "{:a 1]", "line 1, column 6: unexpected ], expected } to close the map"},
	{"stray close", ")", "line 1, column 1: unexpected ')'"},
	{"odd map", "{:a}", "line 1, column 1: map has a key with no value"},
	{"trailing value", "1 2", "line 1, column 3: unexpected '2' after the value"},
	{"trailing close", "[1]]", "line 1, column 4: unexpected ']' after the value"},
	{"bad escape", `"a\x"`, `line 1, column 3: unsupported escape \x in string`},
	{"short unicode escape", `"\u12"`, `line 1, column 2: invalid \u escape in string`},
	{"bad unicode escape", `"\u12G4"`, `line 1, column 2: invalid \u escape in string`},
	{"octal escape too big", `"\400"`, "line 1, column 2: octal escape out of range in string"},
	{"bad char", `\foo`, `line 1, column 1: unsupported character "\\foo"`},
	{"bad char unicode", `\u12`, `line 1, column 1: unsupported character "\\u12"`},
	{"char at end", `\`, `line 1, column 1: unexpected end of input after \`},
	{"auto-resolved keyword", "::a", "line 1, column 1: invalid keyword ::a"},
	{"bare colon", ": a", "line 1, column 1: invalid keyword :"},
	{"keyword ending in slash", ":a/", "line 1, column 1: invalid keyword :a/"},
	{"bad octal", "08", "line 1, column 1: invalid number 08"},
	{"digit then letter", "[1a]", "line 1, column 2: invalid number 1a"},
	{"zero denominator", "1/0", "line 1, column 1: invalid number 1/0"},
	{"empty hex", "0x", "line 1, column 1: invalid number 0x"},
	{"float with N", "1.5N", "line 1, column 1: invalid number 1.5N"},
	{"empty exponent", "1e", "line 1, column 1: invalid number 1e"},
	{"digit outside radix", "2r2", "line 1, column 1: invalid number 2r2"},
	{"radix too big", "99r1", "line 1, column 1: invalid number 99r1"},
	{"unknown symbolic", "##Foo", "line 1, column 1: unknown symbolic value ##Foo"},
	{"inst needs string", "#inst 1", "line 1, column 1: #inst needs a string"},
	{"uuid needs string", "#uuid :a", "line 1, column 1: #uuid needs a string"},
	{"lone hash", "#", "line 1, column 1: unexpected end of input after #"},
	{"tag without value", "#foo", "line 1, column 5: unexpected end of input"},
	{"tag before close", "[#foo]", "line 1, column 6: unexpected ']'"},
	{"anonymous fn", "#(inc %)", "line 1, column 1: unsupported reader macro #("},
	{"reader conditional", "#?(:clj 1)", "line 1, column 1: unsupported reader macro #?"},
	{"eval", "#=(+ 1 2)", "line 1, column 1: unsupported reader macro #="},
	{"unreadable", "#<Atom 1>", "line 1, column 1: unsupported reader macro #<"},
	{"var needs symbol", "#'1", "line 1, column 1: #' needs a symbol"},
	{"quote", "'a", "line 1, column 1: unsupported reader macro '"},
	{"deref", "@a", "line 1, column 1: unsupported reader macro @"},
	{"syntax quote", "`a", "line 1, column 1: unsupported reader macro `"},
	{"unquote", "~a", "line 1, column 1: unsupported reader macro ~"},
	{"discard before close", "[1 #_]", "line 1, column 6: unexpected ']'"},
	{"metadata without form", "^:a", "line 1, column 4: unexpected end of input"},
	{"namespaced map without map", "#:ns[1]", "line 1, column 1: namespaced map #:ns needs a map"},
	{"auto-resolved namespaced map", "#::{:a 1}", "line 1, column 1: invalid namespaced map prefix #::"},
	{"second byte order mark", "\uFEFF\uFEFF1", `line 1, column 2: unexpected character '\ufeff'`},
	{"control character", "\x01", `line 1, column 1: unexpected character '\x01'`},
	{"invalid UTF-8", "[\"a\xff\"]", "line 1, column 4: invalid UTF-8"},
	{"column counts characters", "\"☃☃\" x y", "line 1, column 6: unexpected 'x' after the value"},
	{"long token is clipped", strings.Repeat("1", 50) + "x",
		"line 1, column 1: invalid number " + strings.Repeat("1", 40) + "..."},
}

func TestParseErrors(t *testing.T) {
	for _, c := range parseErrorCases {
		t.Run(c.name, func(t *testing.T) {
			v, err := Parse([]byte(c.in))
			require.Error(t, err)
			require.Nil(t, v)
			require.Equal(t, c.want, err.Error())
			var se *SyntaxError
			require.True(t, errors.As(err, &se))
			require.NotContains(t, err.Error(), "\n")
		})
	}
}

func TestParseDepth(t *testing.T) {
	deep := func(open, close string, n int) []byte {
		return []byte(strings.Repeat(open, n) + "1" + strings.Repeat(close, n))
	}
	v, err := Parse(deep("[", "]", MaxDepth-1))
	require.NoError(t, err)
	for range MaxDepth - 1 {
		v = v.([]any)[0]
	}
	require.Equal(t, int64(1), v)

	for _, in := range [][]byte{
		deep("[", "]", MaxDepth),
		deep("{:a ", "}", MaxDepth+5),
		deep("#{", "}", 3*MaxDepth),
		deep("#_", "", 3*MaxDepth),
		deep("^:m ", "", 3*MaxDepth),
		deep("#t ", "", 3*MaxDepth),
		deep("#:n{:a ", "}", 3*MaxDepth),
		[]byte(strings.Repeat("(", 1_000_000)),
	} {
		_, err := Parse(in)
		require.ErrorContains(t, err, fmt.Sprintf("nesting deeper than %d", MaxDepth))
	}
}

// roundTripValues are values built from the model, covering every type the
// writer knows.
func roundTripValues() []any {
	k := func(s string) Keyword { return Keyword(s) }
	var long []any
	for i := range 40 {
		long = append(long, NewMap(k("index"), int64(i), k("type"), k("ok"), k("f"), k("read"),
			k("value"), []any{int64(i), float64(i) / 3}))
	}
	return []any{
		nil, true, false,
		3, int64(-5), int64(math.MaxInt64), int64(math.MinInt64),
		bigInt("123456789012345678901234567890"), big.NewInt(0), bigInt("-99999999999999999999"),
		0.0, math.Copysign(0, -1), 1.5, -2.25, 0.1, 1e300, 1e-300, 5e-324, 123456789.0, 1e-4,
		math.NaN(), math.Inf(1), math.Inf(-1),
		"", "plain", "quote \" backslash \\ newline \n tab \t return \r",
		"controls \x00\x01\b\f\x7f", "unicode é ☃ 𝄞 \u2028", `looks like :edn [1 2] {:a 1}`,
		k("a"), k("valid?"), k("jepsen.checker/foo"), k("a#b'c"),
		Symbol("foo"), Symbol("clojure.core/+"), Symbol("-"), Symbol("java.lang.Object"),
		[]any{}, Set{}, NewMap(),
		[]any{nil, true, int64(1), "x", k("y"), []any{[]any{}}},
		Set{int64(1), "1", k("1"), Symbol("a")},
		NewMap(k("b"), int64(1), k("a"), int64(2)),
		NewMap(int64(0), int64(0), 0.5, int64(84), 0.95, int64(98), 0.99, int64(101), int64(1), int64(105)),
		NewMap([]any{int64(1)}, Set{}, NewMap(k("a"), nil), "v", nil, false, "s", k("t")),
		Raw("{:a [1 2]}"),
		long,
		NewMap(k("workload"), NewMap(k("worst-stale"), long[:5], k("lost"), []any{}, k("never-read"), Set{},
			k("duplicated"), NewMap(), k("valid?"), k("unknown")), k("valid?"), true),
	}
}

func TestParseRoundTrip(t *testing.T) {
	for i, v := range roundTripValues() {
		for _, text := range [][]byte{Marshal(v), Pretty(v)} {
			got, err := Parse(text)
			require.NoError(t, err, "value %d: %s", i, text)
			require.True(t, Equal(v, got), "value %d:\n%s\nread back as\n%s", i, text, String(got))
		}
	}
}

func TestSymbolWriters(t *testing.T) {
	v := NewMap(Symbol("k"), []any{Symbol("clojure.core/str"), Keyword("kw")})
	require.Equal(t, "{k [clojure.core/str :kw]}", String(v))
	js, err := MarshalJSON(v)
	require.NoError(t, err)
	require.JSONEq(t, `{"k": ["clojure.core/str", "kw"]}`, string(js))
	require.Equal(t, "k", KeyString(Symbol("k")))
}

// lookup follows a path of map keys from v.
func lookup(t *testing.T, v any, path ...any) any {
	t.Helper()
	for i, k := range path {
		m, ok := v.(*Map)
		require.True(t, ok, "%s is a %T, not a map", String(path[:i]), v)
		v, ok = m.Get(k)
		require.True(t, ok, "no key %s in %s", String(k), String(path[:i]))
	}
	return v
}

func TestParseMaelstromResults(t *testing.T) {
	k := func(s string) Keyword { return Keyword(s) }
	data, err := os.ReadFile(filepath.Join("testdata", "maelstrom-results.edn"))
	require.NoError(t, err)
	v, err := Parse(data)
	require.NoError(t, err)

	require.Equal(t, true, lookup(t, v, k("valid?")))
	for _, path := range [][]any{
		{k("perf"), k("latency-graph"), k("valid?")},
		{k("perf"), k("rate-graph"), k("valid?")},
		{k("timeline"), k("valid?")},
		{k("exceptions"), k("valid?")},
		{k("stats"), k("valid?")},
		{k("availability"), k("valid?")},
		{k("net"), k("valid?")},
		{k("workload"), k("valid?")},
	} {
		require.Equal(t, true, lookup(t, v, path...), "%s", String(path))
	}
	require.Equal(t, int64(2016), lookup(t, v, k("stats"), k("count")))
	require.Equal(t, int64(0), lookup(t, v, k("stats"), k("fail-count")))
	require.Equal(t, int64(1016), lookup(t, v, k("stats"), k("by-f"), k("read"), k("ok-count")))
	require.Equal(t, 1.0, lookup(t, v, k("availability"), k("ok-fraction")))
	require.Equal(t, int64(53844), lookup(t, v, k("net"), k("all"), k("msg-count")))
	require.Equal(t, 26.707, lookup(t, v, k("net"), k("all"), k("msgs-per-op")))
	require.Equal(t, 24.707, lookup(t, v, k("net"), k("servers"), k("msgs-per-op")))
	_, ok := lookup(t, v, k("net"), k("clients")).(*Map).Get(k("msgs-per-op"))
	require.False(t, ok)

	w := lookup(t, v, k("workload"))
	require.Equal(t, int64(1000), lookup(t, w, k("attempt-count")))
	lat := lookup(t, w, k("stable-latencies"))
	require.Equal(t, int64(0), lookup(t, lat, int64(0)))
	require.Equal(t, int64(84), lookup(t, lat, 0.5))
	require.Equal(t, int64(98), lookup(t, lat, 0.95))
	require.Equal(t, int64(101), lookup(t, lat, 0.99))
	require.Equal(t, int64(105), lookup(t, lat, int64(1)))
	require.Equal(t, []any{}, lookup(t, w, k("lost")))
	require.Equal(t, Set{}, lookup(t, w, k("never-read")))
	require.Equal(t, 0, lookup(t, w, k("duplicated")).(*Map).Len())
	require.Equal(t, []any{int64(5), int64(17), int64(23), int64(42)}, lookup(t, w, k("stale")))

	stale := lookup(t, w, k("worst-stale")).([]any)
	require.Len(t, stale, 2)
	require.Equal(t, k("stable"), lookup(t, stale[0], k("outcome")))
	require.Nil(t, lookup(t, stale[0], k("lost-latency")))
	require.Equal(t,
		"{:index 11, :time 1000, :type :ok, :process 1, :f :broadcast, :value 5}",
		String(lookup(t, stale[0], k("known"))))
	require.Nil(t, lookup(t, stale[0], k("last-absent"), k("value")))
	require.Equal(t, k("invoke"), lookup(t, stale[1], k("last-absent"), k("type")))

	var top []string
	v.(*Map).Each(func(key, _ any) { top = append(top, String(key)) })
	require.Equal(t, []string{":perf", ":timeline", ":exceptions", ":stats", ":availability",
		":net", ":workload", ":valid?"}, top)

	// What eddy writes for the same file reads back as the same value.
	again, err := Parse(Pretty(v))
	require.NoError(t, err)
	require.True(t, Equal(v, again))
}

func TestParseMaelstromUnknown(t *testing.T) {
	k := func(s string) Keyword { return Keyword(s) }
	v, err := Parse([]byte(`{:perf {:latency-graph {:valid? true},
        :rate-graph {:valid? true},
        :valid? true},
 :workload {:valid? :unknown,
            :error "no reads completed"},
 :valid? :unknown}`))
	require.NoError(t, err)
	require.Equal(t, k("unknown"), lookup(t, v, k("valid?")))
	require.Equal(t, k("unknown"), lookup(t, v, k("workload"), k("valid?")))
	require.Equal(t, true, lookup(t, v, k("perf"), k("valid?")))
}

func TestParseEddyResults(t *testing.T) {
	k := func(s string) Keyword { return Keyword(s) }
	valid := func() *Map { return NewMap(k("valid?"), true) }
	stats := func(n int64) *Map {
		return NewMap(k("valid?"), true, k("count"), n, k("ok-count"), n, k("fail-count"), int64(0), k("info-count"), int64(0))
	}
	var stale []any
	for i := range 30 {
		stale = append(stale, int64(i))
	}
	var worst []any
	for i := range 3 {
		worst = append(worst, NewMap(k("element"), int64(400+i), k("outcome"), k("stable"),
			k("stable-latency"), int64(11740-i), k("lost-latency"), nil,
			k("known"), NewMap(k("index"), int64(1629+i), k("time"), int64(8297057655), k("type"), k("ok"),
				k("process"), int64(11), k("f"), k("broadcast"), k("value"), int64(400+i)),
			k("last-absent"), NewMap(k("index"), int64(3952), k("time"), int64(20037158555), k("type"), k("invoke"),
				k("process"), int64(14), k("f"), k("read"), k("value"), nil)))
	}
	results := NewMap(
		k("perf"), NewMap(k("latency-graph"), valid(), k("rate-graph"), valid(), k("valid?"), true),
		k("timeline"), valid(),
		k("exceptions"), valid(),
		k("stats"), stats(1999).Set(k("by-f"), NewMap(k("broadcast"), stats(997), k("read"), stats(1002))),
		k("availability"), NewMap(k("valid?"), true, k("ok-fraction"), 1.0),
		k("net"), NewMap(
			k("all"), NewMap(k("send-count"), int64(4961), k("recv-count"), int64(4746), k("msg-count"), int64(4961), k("msgs-per-op"), 2.481741),
			k("clients"), NewMap(k("send-count"), int64(4098), k("recv-count"), int64(4098), k("msg-count"), int64(4098)),
			k("servers"), NewMap(k("send-count"), int64(863), k("recv-count"), int64(648), k("msg-count"), int64(863), k("msgs-per-op"), 0.43171585),
			k("valid?"), true),
		k("workload"), NewMap(k("valid?"), true, k("attempt-count"), int64(997), k("lost"), []any{},
			k("never-read"), []any{}, k("stale-count"), int64(30), k("stale"), stale, k("worst-stale"), worst,
			k("stable-latencies"), NewMap(int64(0), int64(8), 0.5, int64(1909), 0.95, int64(10647), 0.99, int64(11507), int64(1), int64(11740)),
			k("duplicated-count"), int64(0), k("duplicated"), NewMap()),
		k("eddy"), NewMap(k("seed"), int64(3)),
		k("valid?"), true,
	)
	text := Pretty(results)
	require.Greater(t, strings.Count(string(text), "\n"), 50)
	v, err := Parse(text)
	require.NoError(t, err)
	require.True(t, Equal(results, v))
	require.Equal(t, 0.43171585, lookup(t, v, k("net"), k("servers"), k("msgs-per-op")))
	require.Equal(t, int64(1909), lookup(t, v, k("workload"), k("stable-latencies"), 0.5))
	require.Equal(t, int64(11740), lookup(t, v, k("workload"), k("stable-latencies"), int64(1)))
	require.Equal(t, int64(3), lookup(t, v, k("eddy"), k("seed")))
	require.Equal(t, true, lookup(t, v, k("valid?")))
}

func FuzzParse(f *testing.F) {
	for _, c := range parseCases {
		f.Add([]byte(c.in))
	}
	for _, c := range parseErrorCases {
		f.Add([]byte(c.in))
	}
	for _, v := range roundTripValues() {
		f.Add(Pretty(v))
	}
	if data, err := os.ReadFile(filepath.Join("testdata", "maelstrom-results.edn")); err == nil {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Parse(data)
		if err != nil {
			var se *SyntaxError
			require.True(t, errors.As(err, &se), "%T: %v", err, err)
			require.NotContains(t, err.Error(), "\n")
			return
		}
		for _, text := range [][]byte{Marshal(v), Pretty(v)} {
			again, err := Parse(text)
			require.NoError(t, err, "%q read as %s", data, text)
			require.True(t, Equal(v, again), "%q read as %s, then as %s", data, text, String(again))
		}
	})
}
