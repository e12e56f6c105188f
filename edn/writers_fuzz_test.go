package edn

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// The opcodes of the little language FuzzWriters reads its input as. Each
// value starts with one byte, taken modulo numOps, that picks its kind; what
// follows depends on the kind. Input that runs out reads as zero bytes, so
// every input describes some value.
const (
	opNil          = iota
	opBool         // one byte: its low bit
	opInt          // one byte: an int from -128 to 127
	opInt64        // eight bytes, little-endian
	opFloat        // eight bytes: the bits of a float64, little-endian
	opFloatSpecial // one byte: an index into specialFloats
	opBigInt       // a sign byte, a length byte and that many bytes of magnitude
	opString       // text (see valueBuilder.text)
	opKeyword      // a keyword named by text, which may not read back
	opTameKeyword  // a keyword named from a safe alphabet (see valueBuilder.name)
	opSymbol       // a symbol named by text, which may not read back
	opVector       // a length byte, then that many values
	opSet          // a length byte, then that many values
	opMap          // a length byte, then that many keys and values
	opRaw          // a value, kept as Raw holding its EDN text
	opOdd          // one byte: a nil *Map, a nil *big.Int or a type outside the model
	numOps
)

const (
	fuzzMaxDepth = 6   // collections deeper than this are empty
	fuzzMaxNodes = 256 // values past this many are nil
	fuzzMaxLen   = 12  // the most entries in one collection
	fuzzMaxText  = 32  // the most pieces in one text
)

// specialFloats are the floats at the edges of FormatFloat's cases.
var specialFloats = []float64{
	math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), 0,
	math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64,
	1e-3, math.Nextafter(1e-3, 0), 1e7, math.Nextafter(1e7, 0), 1e21, 1e6, 0.1,
	-1.5, 123456, 1 << 53, math.Float64frombits(0x7ff8000000000001), math.Float64frombits(0xfff0000000000001),
}

// textPieces are what a text byte of 0xf0 or more stands for: the characters
// a writer has to escape or could trip over, and some invalid UTF-8.
var textPieces = [16]string{
	`"`, `\`, "\n", "\r\n", "\t", "\x00", "\xff", "\uFEFF",
	"é", "𝄞", "\u2028", " ", ":", "/", "#", "\xed\xa0\x80",
}

// tameAlphabet makes keyword names that always read back.
const tameAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789-_?!*+.<>=/'#"

// valueBuilder decodes fuzz input into a value, noting what the properties
// depend on.
type valueBuilder struct {
	data  []byte
	nodes int
	// unreadable is set once the value holds a keyword or symbol whose text
	// does not read back as that keyword or symbol.
	unreadable bool
	keywords   []string
	symbols    []string
	floats     []float64
}

func (b *valueBuilder) next() byte {
	if len(b.data) == 0 {
		return 0
	}
	c := b.data[0]
	b.data = b.data[1:]
	return c
}

func (b *valueBuilder) uint64() uint64 {
	var buf [8]byte
	n := copy(buf[:], b.data)
	b.data = b.data[n:]
	return binary.LittleEndian.Uint64(buf[:])
}

// text reads a length byte and that many text bytes; a byte of 0xf0 or more
// is one of textPieces, any other byte stands for itself (so bytes from 0x80
// up are invalid UTF-8 on their own).
func (b *valueBuilder) text() string {
	var s strings.Builder
	for range int(b.next()) % (fuzzMaxText + 1) {
		if c := b.next(); c >= 0xf0 {
			s.WriteString(textPieces[c-0xf0])
		} else {
			s.WriteByte(c)
		}
	}
	return s.String()
}

// name reads a byte for a first letter, a length byte and that many bytes
// picking characters of tameAlphabet; a name that would end in / gets an x.
func (b *valueBuilder) name() string {
	var s strings.Builder
	s.WriteByte(tameAlphabet[b.next()%26])
	for range int(b.next()) % 32 {
		s.WriteByte(tameAlphabet[int(b.next())%len(tameAlphabet)])
	}
	if strings.HasSuffix(s.String(), "/") {
		s.WriteByte('x')
	}
	return s.String()
}

func (b *valueBuilder) value(depth int) any {
	b.nodes++
	if b.nodes > fuzzMaxNodes {
		return nil
	}
	switch b.next() % numOps {
	case opBool:
		return b.next()&1 == 1
	case opInt:
		return int(int8(b.next()))
	case opInt64:
		return int64(b.uint64())
	case opFloat:
		x := math.Float64frombits(b.uint64())
		b.floats = append(b.floats, x)
		return x
	case opFloatSpecial:
		x := specialFloats[int(b.next())%len(specialFloats)]
		b.floats = append(b.floats, x)
		return x
	case opBigInt:
		neg := b.next()&1 == 1
		mag := make([]byte, int(b.next())%24)
		n := copy(mag, b.data)
		b.data = b.data[n:]
		x := new(big.Int).SetBytes(mag)
		if neg {
			x.Neg(x)
		}
		return x
	case opString:
		return b.text()
	case opKeyword:
		s := b.text()
		b.keywords = append(b.keywords, s)
		if !readableKeyword(s) {
			b.unreadable = true
		}
		return Keyword(s)
	case opTameKeyword:
		s := b.name()
		b.keywords = append(b.keywords, s)
		return Keyword(s)
	case opSymbol:
		s := b.text()
		b.symbols = append(b.symbols, s)
		if !readableSymbol(s) {
			b.unreadable = true
		}
		return Symbol(s)
	case opVector:
		return b.items(depth)
	case opSet:
		return Set(b.items(depth))
	case opMap:
		m := NewMap()
		for range b.length(depth) {
			k := b.value(depth + 1)
			m.Set(k, b.value(depth+1))
		}
		return m
	case opRaw:
		// Raw holds EDN text, here what Marshal writes for a value.
		return Raw(Marshal(b.value(depth + 1)))
	case opOdd:
		switch b.next() % 3 {
		case 0:
			return (*Map)(nil)
		case 1:
			return (*big.Int)(nil)
		default:
			return uint(b.next())
		}
	}
	return nil
}

// length reads a collection's length, which is zero at the depth limit.
func (b *valueBuilder) length(depth int) int {
	n := int(b.next()) % (fuzzMaxLen + 1)
	if depth >= fuzzMaxDepth {
		return 0
	}
	return n
}

func (b *valueBuilder) items(depth int) []any {
	xs := []any{}
	for range b.length(depth) {
		xs = append(xs, b.value(depth+1))
	}
	return xs
}

// foreign reports whether v holds a type outside the model where
// MarshalJSON has to write it: anywhere but in a map key, which becomes a
// string whatever it is, and in Raw text.
func foreign(v any) bool {
	switch x := v.(type) {
	case nil, bool, int, int64, float64, *big.Int, string, Keyword, Symbol, Raw:
		return false
	case []any:
		return slices.ContainsFunc(x, foreign)
	case Set:
		return slices.ContainsFunc(x, foreign)
	case *Map:
		found := false
		x.Each(func(_, val any) { found = found || foreign(val) })
		return found
	}
	return true
}

// endsToken reports whether byte c cannot be part of a keyword or symbol
// token: whitespace, commas, control characters and the characters that
// start another form.
func endsToken(c byte) bool {
	return c <= ' ' || c == 0x7f || strings.IndexByte(`,";()[]{}\^@~`+"`", c) >= 0
}

// tokenText reports whether s is one non-empty token of valid UTF-8.
func tokenText(s string) bool {
	if s == "" || !utf8.ValidString(s) {
		return false
	}
	for i := range len(s) {
		if endsToken(s[i]) {
			return false
		}
	}
	return true
}

// readableKeyword reports whether a keyword named name reads back as
// itself. Marshal writes a keyword as a colon and its name, verbatim, as
// Clojure prints one; so a name with a space, a bracket, a control character
// or invalid UTF-8 in it, an empty name, one that starts with a colon and
// one that ends with a slash give text that does not read back as that
// keyword (it is an error or other values). Such keywords are written all
// the same; only the round trip is limited to the rest.
func readableKeyword(name string) bool {
	return tokenText(name) && name[0] != ':' && !strings.HasSuffix(name, "/")
}

// readableSymbol reports whether symbol s, written bare, reads back as
// itself: it must be one token that is not nil, true, false or a number and
// does not start with a character that makes it another form.
func readableSymbol(s string) bool {
	if !tokenText(s) || s == "nil" || s == "true" || s == "false" ||
		strings.HasPrefix(s, "\uFEFF") || strings.IndexByte("#:'", s[0]) >= 0 {
		return false
	}
	digits := strings.TrimLeft(s[:1], "+-") + s[1:]
	return digits == "" || digits[0] < '0' || digits[0] > '9'
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
	case Keyword:
		return got == jsonText(string(x))
	case Symbol:
		return got == jsonText(string(x))
	case Raw:
		return got == jsonText(string(x))
	case []any:
		return sameSeqAsJSON(x, got)
	case Set:
		return sameSeqAsJSON(x, got)
	case *Map:
		g, ok := got.(*Map)
		if !ok || g.Len() != x.Len() {
			return false
		}
		for i := range x.Len() {
			if g.keys[i] != jsonText(KeyString(x.keys[i])) || !sameAsJSON(x.vals[i], g.vals[i]) {
				return false
			}
		}
		return true
	}
	return false
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

// program assembles FuzzWriters input: an int is one byte, a string its
// bytes, an int64 or a float64 eight bytes, little-endian.
func program(parts ...any) []byte {
	var out []byte
	for _, p := range parts {
		switch x := p.(type) {
		case int:
			out = append(out, byte(x))
		case string:
			out = append(out, x...)
		case int64:
			out = binary.LittleEndian.AppendUint64(out, uint64(x))
		case float64:
			out = binary.LittleEndian.AppendUint64(out, math.Float64bits(x))
		default:
			panic("program: unexpected part")
		}
	}
	return out
}

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
	s := FormatFloat(x)
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

// tameName is the input that valueBuilder.name reads as name, which must
// start with a lower-case letter.
func tameName(name string) string {
	out := []byte{byte(strings.IndexByte(tameAlphabet, name[0])), byte(len(name) - 1)}
	for i := 1; i < len(name); i++ {
		out = append(out, byte(strings.IndexByte(tameAlphabet, name[i])))
	}
	return string(out)
}

// writerSeeds are FuzzWriters inputs covering every opcode.
func writerSeeds() [][]byte {
	var floats []any
	for i := range specialFloats {
		floats = append(floats, opFloatSpecial, i)
	}
	allPieces := []any{opString, 16}
	for i := range 16 {
		allPieces = append(allPieces, 0xf0+i)
	}
	return [][]byte{
		program(append(append([]any{opVector, 2, opVector, 12}, floats[:24]...),
			append([]any{opSet, len(specialFloats) - 12}, floats[24:]...)...)...),
		program(opVector, 4, opFloat, math.NaN(), opFloat, math.Inf(1), opFloat, math.Inf(-1),
			opFloat, math.Copysign(0, -1)),
		program(allPieces...),
		program(opMap, 4,
			opTameKeyword, tameName("valid?"),
			opBool, 1,
			opTameKeyword, tameName("workload"),
			opMap, 2, opFloatSpecial, 15, opInt64, int64(math.MinInt64),
			opInt, 0xff, opBigInt, 1, 12, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
			opTameKeyword, tameName("net"),
			opVector, 3, opString, 3, "a\nb", opSymbol, 3, "foo", opRaw, opSet, 1, opString, 1, 0xf0,
			opString, 0, opNil),
		program(opVector, 5, opKeyword, 3, "a b", opKeyword, 0, opKeyword, 2, ":a",
			opKeyword, 2, "a/", opKeyword, 2, "a", 0xf6),
		program(opSet, 5, opSymbol, 3, 0xf7, "ab", opSymbol, 3, "nil", opSymbol, 2, "-1",
			opSymbol, 2, "#a", opSymbol, 5, "a.b/c"),
		program(opMap, 3, opOdd, 0, opOdd, 1, opOdd, 1, opOdd, 0, opString, 1, "x", opOdd, 2, 7),
		program(opVector, 2, opOdd, 1, opOdd, 0),
		program(opRaw, opMap, 1, opString, 2, 0xf2, 0xf4, opVector, 1, opFloatSpecial, 0),
	}
}

// FuzzWriters builds a value from the input (see the op constants) and
// checks the writers on it: Marshal and Pretty never panic, write keywords
// and symbols verbatim and floats as Java does (see checkFloatText); when every keyword and symbol in the value
// reads back (see readableKeyword), Parse reads both texts back as the
// value; MarshalJSON writes valid JSON that FromJSON reads back as the same
// data, and fails only for a type outside the model.
func FuzzWriters(f *testing.F) {
	for _, seed := range writerSeeds() {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b := &valueBuilder{data: data}
		v := b.value(0)
		text := Marshal(v)
		pretty := Pretty(v)
		for _, k := range b.keywords {
			require.Equal(t, ":"+k, String(Keyword(k)))
		}
		for _, x := range b.floats {
			checkFloatText(t, x)
		}
		for _, s := range b.symbols {
			require.Equal(t, s, String(Symbol(s)))
			// The reader's own rule, used for #:ns{...} keys, must agree.
			require.Equal(t, readableSymbol(s), utf8.ValidString(s) && symbolText(s), "symbol %q", s)
		}
		for _, out := range [][]byte{text, pretty} {
			got, err := Parse(out)
			if b.unreadable {
				continue // only must not panic
			}
			require.NoError(t, err, "%s", out)
			require.Equal(t, string(text), String(got), "read back from\n%s", out)
		}

		js, err := MarshalJSON(v)
		if foreign(v) {
			require.Error(t, err)
			return
		}
		require.NoError(t, err)
		require.True(t, json.Valid(js), "invalid JSON for %s: %s", text, js)
		got, err := FromJSON(js)
		require.NoError(t, err, "%s", js)
		require.True(t, sameAsJSON(v, got), "%s\nwritten as JSON\n%s\nread back as %s", text, js, String(got))
	})
}

func TestFormatFloatExponent(t *testing.T) {
	for f, want := range map[float64]string{
		1e7: "1.0E7", 1e-4: "1.0E-4", 9.999999999999998e-4: "9.999999999999998E-4",
		-1.5e-10: "-1.5E-10", 6.02e23: "6.02E23", 1e300: "1.0E300", 1.25e-300: "1.25E-300",
		9999999.5: "9999999.5", 1e-3: "0.001",
	} {
		require.Equal(t, want, FormatFloat(f))
	}
}

func TestNilBigInt(t *testing.T) {
	v := []any{(*big.Int)(nil), big.NewInt(-3)}
	require.Equal(t, "[nil -3N]", String(v))
	js, err := MarshalJSON(v)
	require.NoError(t, err)
	require.Equal(t, "[null,-3]", string(js))
}
