package edn_test

import (
	"encoding/json"
	"math"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/ednfuzz"
)

// foreign reports whether v holds a type outside the model where
// MarshalJSON has to write it: anywhere but in a map key, which becomes a
// string whatever it is, and in Raw text.
func foreign(v any) bool {
	switch x := v.(type) {
	case nil, bool, int, int64, float64, *big.Int, string, edn.Keyword, edn.Symbol, edn.Raw:
		return false
	case []any:
		return slices.ContainsFunc(x, foreign)
	case edn.Set:
		return slices.ContainsFunc(x, foreign)
	case *edn.Map:
		found := false
		x.Each(func(_, val any) { found = found || foreign(val) })
		return found
	}
	return true
}

// sameAsJSON reports whether got, read by FromJSON from what MarshalJSON
// wrote for v, holds v's data as far as JSON can: NaN and the infinities are
// null, keywords, symbols and Raw text are strings, sets are arrays, map
// keys are the strings KeyString gives, invalid UTF-8 is U+FFFD, and numbers
// keep their value though a float with an integral value may come back as
// an integer.
func sameAsJSON(v, got any) bool {
	switch x := v.(type) {
	case nil:
		return got == nil
	case bool:
		return got == x
	case int:
		return sameInteger(big.NewInt(int64(x)), got)
	case int64:
		return sameInteger(big.NewInt(x), got)
	case *big.Int:
		if x == nil {
			return got == nil
		}
		return sameInteger(x, got)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return got == nil
		}
		want := big.NewFloat(x)
		switch g := got.(type) {
		case float64:
			return g == x
		case int64:
			return new(big.Float).SetInt64(g).Cmp(want) == 0
		case *big.Int:
			return new(big.Float).SetInt(g).Cmp(want) == 0
		}
		return false
	case string:
		return got == jsonText(x)
	case edn.Keyword:
		return got == jsonText(string(x))
	case edn.Symbol:
		return got == jsonText(string(x))
	case edn.Raw:
		return got == jsonText(string(x))
	case []any:
		return sameSeqAsJSON(x, got)
	case edn.Set:
		return sameSeqAsJSON(x, got)
	case *edn.Map:
		g, ok := got.(*edn.Map)
		if !ok || g.Len() != x.Len() {
			return false
		}
		xk, xv := entries(x)
		gk, gv := entries(g)
		for i := range xk {
			if gk[i] != jsonText(edn.KeyString(xk[i])) || !sameAsJSON(xv[i], gv[i]) {
				return false
			}
		}
		return true
	}
	return false
}

// entries are m's keys and values, in order.
func entries(m *edn.Map) (keys, vals []any) {
	m.Each(func(k, v any) { keys, vals = append(keys, k), append(vals, v) })
	return keys, vals
}

func sameInteger(want *big.Int, got any) bool {
	switch g := got.(type) {
	case int64:
		return want.IsInt64() && want.Int64() == g
	case *big.Int:
		return want.Cmp(g) == 0
	}
	return false
}

func sameSeqAsJSON(xs []any, got any) bool {
	g, ok := got.([]any)
	if !ok || len(g) != len(xs) {
		return false
	}
	for i := range xs {
		if !sameAsJSON(xs[i], g[i]) {
			return false
		}
	}
	return true
}

// jsonText is s as it reads back from JSON: each byte of invalid UTF-8
// becomes U+FFFD.
func jsonText(s string) string { return string([]rune(s)) }

var program = ednfuzz.Program

var (
	plainFloat      = regexp.MustCompile(`^-?(0|[1-9][0-9]*)\.[0-9]+$`)
	scientificFloat = regexp.MustCompile(`^-?[1-9]\.[0-9]+E-?[1-9][0-9]*$`)
)

// checkFloatText checks that FormatFloat writes x as Clojure (Java's
// Double.toString) does: ##NaN, ##Inf and ##-Inf for the special values;
// otherwise digits with a decimal point, in scientific notation (one digit
// before the point, an exponent without a plus sign or leading zeros) when
// the magnitude is below 1e-3 or at least 1e7; and text that parses to x
// exactly, sign of zero included.
func checkFloatText(t *testing.T, x float64) {
	t.Helper()
	s := edn.FormatFloat(x)
	switch {
	case math.IsNaN(x):
		require.Equal(t, "##NaN", s)
		return
	case math.IsInf(x, 1):
		require.Equal(t, "##Inf", s)
		return
	case math.IsInf(x, -1):
		require.Equal(t, "##-Inf", s)
		return
	}
	if abs := math.Abs(x); abs != 0 && (abs < 1e-3 || abs >= 1e7) {
		require.Regexp(t, scientificFloat, s)
	} else {
		require.Regexp(t, plainFloat, s)
	}
	back, err := strconv.ParseFloat(s, 64)
	require.NoError(t, err)
	require.Equal(t, math.Float64bits(x), math.Float64bits(back), "%s", s)
}

var tameName = ednfuzz.NameInput

// writerSeeds are FuzzWriters inputs covering every opcode.
func writerSeeds() [][]byte {
	var floats []any
	for i := range ednfuzz.SpecialFloats {
		floats = append(floats, ednfuzz.FloatSpecial, i)
	}
	allPieces := []any{ednfuzz.String, 16}
	for i := range 16 {
		allPieces = append(allPieces, 0xf0+i)
	}
	return [][]byte{
		program(append(append([]any{ednfuzz.Vector, 2, ednfuzz.Vector, 12}, floats[:24]...),
			append([]any{ednfuzz.Set, len(ednfuzz.SpecialFloats) - 12}, floats[24:]...)...)...),
		program(ednfuzz.Vector, 4, ednfuzz.Float, math.NaN(), ednfuzz.Float, math.Inf(1), ednfuzz.Float, math.Inf(-1),
			ednfuzz.Float, math.Copysign(0, -1)),
		program(allPieces...),
		program(ednfuzz.Map, 4,
			ednfuzz.TameKeyword, tameName("valid?"),
			ednfuzz.Bool, 1,
			ednfuzz.TameKeyword, tameName("workload"),
			ednfuzz.Map, 2, ednfuzz.FloatSpecial, 15, ednfuzz.Int64, int64(math.MinInt64),
			ednfuzz.Int, 0xff, ednfuzz.BigInt, 1, 12, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
			ednfuzz.TameKeyword, tameName("net"),
			ednfuzz.Vector, 3, ednfuzz.String, 3, "a\nb", ednfuzz.Symbol, 3, "foo", ednfuzz.Raw, ednfuzz.Set, 1, ednfuzz.String, 1, 0xf0,
			ednfuzz.String, 0, ednfuzz.Nil),
		program(ednfuzz.Vector, 5, ednfuzz.Keyword, 3, "a b", ednfuzz.Keyword, 0, ednfuzz.Keyword, 2, ":a",
			ednfuzz.Keyword, 2, "a/", ednfuzz.Keyword, 2, "a", 0xf6),
		program(ednfuzz.Set, 5, ednfuzz.Symbol, 3, 0xf7, "ab", ednfuzz.Symbol, 3, "nil", ednfuzz.Symbol, 2, "-1",
			ednfuzz.Symbol, 2, "#a", ednfuzz.Symbol, 5, "a.b/c"),
		program(ednfuzz.Map, 3, ednfuzz.Odd, 0, ednfuzz.Odd, 1, ednfuzz.Odd, 1, ednfuzz.Odd, 0, ednfuzz.String, 1, "x", ednfuzz.Odd, 2, 7),
		program(ednfuzz.Vector, 2, ednfuzz.Odd, 1, ednfuzz.Odd, 0),
		program(ednfuzz.Raw, ednfuzz.Map, 1, ednfuzz.String, 2, 0xf2, 0xf4, ednfuzz.Vector, 1, ednfuzz.FloatSpecial, 0),
	}
}

// FuzzWriters builds a value from the input (see package ednfuzz) and
// checks the writers on it: Marshal and Pretty never panic, write keywords
// and symbols verbatim and floats as Java does (see checkFloatText); when every keyword and symbol in the value
// reads back (see ednfuzz.ReadableKeyword), Parse reads both texts back as the
// value; MarshalJSON writes valid JSON that FromJSON reads back as the same
// data, and fails only for a type outside the model.
func FuzzWriters(f *testing.F) {
	for _, seed := range writerSeeds() {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b := ednfuzz.New(data)
		v := b.Value(0)
		text := edn.Marshal(v)
		pretty := edn.Pretty(v)
		for _, k := range b.Keywords {
			require.Equal(t, ":"+k, edn.String(edn.Keyword(k)))
		}
		for _, x := range b.Floats {
			checkFloatText(t, x)
		}
		for _, s := range b.Symbols {
			require.Equal(t, s, edn.String(edn.Symbol(s)))
			// The reader's own rule, used for #:ns{...} keys, must agree.
			require.Equal(t, ednfuzz.ReadableSymbol(s), utf8.ValidString(s) && edn.SymbolText(s), "symbol %q", s)
		}
		for _, out := range [][]byte{text, pretty} {
			got, err := edn.Parse(out)
			if b.Unreadable {
				continue // only must not panic
			}
			require.NoError(t, err, "%s", out)
			require.Equal(t, string(text), edn.String(got), "read back from\n%s", out)
		}

		js, err := edn.MarshalJSON(v)
		if foreign(v) {
			require.Error(t, err)
			return
		}
		require.NoError(t, err)
		require.True(t, json.Valid(js), "invalid JSON for %s: %s", text, js)
		got, err := edn.FromJSON(js)
		require.NoError(t, err, "%s", js)
		require.True(t, sameAsJSON(v, got), "%s\nwritten as JSON\n%s\nread back as %s", text, js, edn.String(got))
	})
}

func TestFormatFloatExponent(t *testing.T) {
	for f, want := range map[float64]string{
		1e7: "1.0E7", 1e-4: "1.0E-4", 9.999999999999998e-4: "9.999999999999998E-4",
		-1.5e-10: "-1.5E-10", 6.02e23: "6.02E23", 1e300: "1.0E300", 1.25e-300: "1.25E-300",
		9999999.5: "9999999.5", 1e-3: "0.001",
	} {
		require.Equal(t, want, edn.FormatFloat(f))
	}
}

func TestNilBigInt(t *testing.T) {
	v := []any{(*big.Int)(nil), big.NewInt(-3)}
	require.Equal(t, "[nil -3N]", edn.String(v))
	js, err := edn.MarshalJSON(v)
	require.NoError(t, err)
	require.Equal(t, "[null,-3]", string(js))
}
