// Package ednfuzz turns fuzz input into EDN values, for the fuzz tests of
// what writes them (the edn writers, results.edn and history.edn). Input is
// read as a little language: one byte, taken modulo NumOps, picks the kind
// of a value, and what follows depends on the kind. Input that runs out
// reads as zero bytes, so every input describes some value; Program writes
// the input for a value by hand.
package ednfuzz

import (
	"encoding/binary"
	"math"
	"math/big"
	"strings"
	"unicode/utf8"

	"github.com/eddy-workbench/eddy/edn"
)

// The kinds of value, by opcode.
const (
	Nil          = iota
	Bool         // one byte: its low bit
	Int          // one byte: an int from -128 to 127
	Int64        // eight bytes, little-endian
	Float        // eight bytes: the bits of a float64, little-endian
	FloatSpecial // one byte: an index into SpecialFloats
	BigInt       // a sign byte, a length byte and that many bytes of magnitude
	String       // text (see Decoder.Text)
	Keyword      // a keyword named by text, which may not read back
	TameKeyword  // a keyword named from TameAlphabet (see Decoder.Name)
	Symbol       // a symbol named by text, which may not read back
	Vector       // a length byte, then that many values
	Set          // a length byte, then that many values
	Map          // a length byte, then that many keys and values
	Raw          // a value, kept as edn.Raw holding its EDN text
	Odd          // one byte: a nil *edn.Map, a nil *big.Int or a type outside the model
	NumOps
)

// The limits that keep a value small.
const (
	MaxDepth    = 6   // collections deeper than this are empty
	MaxNodes    = 256 // values past this many are nil
	MaxLen      = 12  // the most entries in one collection
	MaxText     = 32  // the most pieces in one text
	MaxBigBytes = 24  // the most bytes of a big integer's magnitude
)

// SpecialFloats are floats at the edges of the writers' cases: Clojure's
// float format, and JSON's lack of NaN and infinities.
var SpecialFloats = []float64{
	math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), 0,
	math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64,
	1e-3, math.Nextafter(1e-3, 0), 1e7, math.Nextafter(1e7, 0), 1e21, 1e6, 0.1,
	-1.5, 123456, 1 << 53, math.Float64frombits(0x7ff8000000000001), math.Float64frombits(0xfff0000000000001),
}

// TextPieces are what a text byte of 0xf0 or more stands for: the
// characters a writer has to escape or could trip over, and some invalid
// UTF-8.
var TextPieces = [16]string{
	`"`, `\`, "\n", "\r\n", "\t", "\x00", "\xff", "\uFEFF",
	"é", "𝄞", "\u2028", " ", ":", "/", "#", "\xed\xa0\x80",
}

// TameAlphabet makes keyword names that always read back.
const TameAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789-_?!*+.<>=/'#"

// Decoder reads values from fuzz input, noting what a test's properties
// depend on.
type Decoder struct {
	data  []byte
	nodes int
	// Readable makes every value read back from EDN as itself: keywords
	// and symbols are tame keywords, and odd values nil.
	Readable bool
	// Unreadable is set once a value holds a keyword or symbol whose text
	// does not read back as that keyword or symbol.
	Unreadable bool
	// Keywords, Symbols and Floats are the names and floats the values
	// read so far hold.
	Keywords, Symbols []string
	Floats            []float64
}

// New returns a decoder of data.
func New(data []byte) *Decoder { return &Decoder{data: data} }

// Byte reads one byte (0 past the end).
func (d *Decoder) Byte() byte {
	if len(d.data) == 0 {
		return 0
	}
	c := d.data[0]
	d.data = d.data[1:]
	return c
}

// Uint64 reads eight bytes, little-endian.
func (d *Decoder) Uint64() uint64 {
	var buf [8]byte
	n := copy(buf[:], d.data)
	d.data = d.data[n:]
	return binary.LittleEndian.Uint64(buf[:])
}

// Text reads a length byte and that many text bytes; a byte of 0xf0 or
// more is one of TextPieces, any other byte stands for itself (so bytes
// from 0x80 up are invalid UTF-8 on their own).
func (d *Decoder) Text() string {
	var s strings.Builder
	for range int(d.Byte()) % (MaxText + 1) {
		if c := d.Byte(); c >= 0xf0 {
			s.WriteString(TextPieces[c-0xf0])
		} else {
			s.WriteByte(c)
		}
	}
	return s.String()
}

// Name reads a byte for a first letter, a length byte and that many bytes
// picking characters of TameAlphabet; a name that would end in / gets an
// x.
func (d *Decoder) Name() string {
	var s strings.Builder
	s.WriteByte(TameAlphabet[d.Byte()%26])
	for range int(d.Byte()) % 32 {
		s.WriteByte(TameAlphabet[int(d.Byte())%len(TameAlphabet)])
	}
	if strings.HasSuffix(s.String(), "/") {
		s.WriteByte('x')
	}
	return s.String()
}

// Value reads one value at the given depth of nesting.
func (d *Decoder) Value(depth int) any {
	d.nodes++
	if d.nodes > MaxNodes {
		return nil
	}
	op := d.Byte() % NumOps
	if d.Readable {
		switch op {
		case Keyword, Symbol:
			op = TameKeyword
		case Odd:
			d.Byte()
			op = Nil
		}
	}
	switch op {
	case Bool:
		return d.Byte()&1 == 1
	case Int:
		return int(int8(d.Byte()))
	case Int64:
		return int64(d.Uint64())
	case Float:
		x := math.Float64frombits(d.Uint64())
		d.Floats = append(d.Floats, x)
		return x
	case FloatSpecial:
		x := SpecialFloats[int(d.Byte())%len(SpecialFloats)]
		d.Floats = append(d.Floats, x)
		return x
	case BigInt:
		neg := d.Byte()&1 == 1
		mag := make([]byte, int(d.Byte())%(MaxBigBytes+1))
		n := copy(mag, d.data)
		d.data = d.data[n:]
		x := new(big.Int).SetBytes(mag)
		if neg {
			x.Neg(x)
		}
		return x
	case String:
		return d.Text()
	case Keyword:
		s := d.Text()
		d.Keywords = append(d.Keywords, s)
		if !ReadableKeyword(s) {
			d.Unreadable = true
		}
		return edn.Keyword(s)
	case TameKeyword:
		s := d.Name()
		d.Keywords = append(d.Keywords, s)
		return edn.Keyword(s)
	case Symbol:
		s := d.Text()
		d.Symbols = append(d.Symbols, s)
		if !ReadableSymbol(s) {
			d.Unreadable = true
		}
		return edn.Symbol(s)
	case Vector:
		return d.items(depth)
	case Set:
		return edn.Set(d.items(depth))
	case Map:
		m := edn.NewMap()
		for range d.length(depth) {
			k := d.Value(depth + 1)
			m.Set(k, d.Value(depth+1))
		}
		return m
	case Raw:
		// Raw holds EDN text, here what Marshal writes for a value.
		return edn.Raw(edn.Marshal(d.Value(depth + 1)))
	case Odd:
		switch d.Byte() % 3 {
		case 0:
			return (*edn.Map)(nil)
		case 1:
			return (*big.Int)(nil)
		default:
			return uint(d.Byte())
		}
	}
	return nil
}

// length reads a collection's length, which is zero at the depth limit.
func (d *Decoder) length(depth int) int {
	n := int(d.Byte()) % (MaxLen + 1)
	if depth >= MaxDepth {
		return 0
	}
	return n
}

func (d *Decoder) items(depth int) []any {
	xs := []any{}
	for range d.length(depth) {
		xs = append(xs, d.Value(depth+1))
	}
	return xs
}

// Program assembles fuzz input: an int is one byte, a string its bytes, an
// int64 or a float64 eight bytes, little-endian.
func Program(parts ...any) []byte {
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
			panic("ednfuzz.Program: unexpected part")
		}
	}
	return out
}

// NameInput is the input Name reads as name, which must start with a
// lower-case letter and hold only characters of TameAlphabet.
func NameInput(name string) string {
	out := []byte{byte(strings.IndexByte(TameAlphabet, name[0])), byte(len(name) - 1)}
	for i := 1; i < len(name); i++ {
		out = append(out, byte(strings.IndexByte(TameAlphabet, name[i])))
	}
	return string(out)
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

// ReadableKeyword reports whether a keyword named name reads back as
// itself. Marshal writes a keyword as a colon and its name, verbatim, as
// Clojure prints one; so a name with a space, a bracket, a control
// character or invalid UTF-8 in it, an empty name, one that starts with a
// colon and one that ends with a slash give text that does not read back
// as that keyword (it is an error or other values).
func ReadableKeyword(name string) bool {
	return tokenText(name) && name[0] != ':' && !strings.HasSuffix(name, "/")
}

// ReadableSymbol reports whether symbol s, written bare, reads back as
// itself: it must be one token that is not nil, true, false or a number
// and does not start with a character that makes it another form.
func ReadableSymbol(s string) bool {
	if !tokenText(s) || s == "nil" || s == "true" || s == "false" ||
		strings.HasPrefix(s, "\uFEFF") || strings.IndexByte("#:'", s[0]) >= 0 {
		return false
	}
	digits := strings.TrimLeft(s[:1], "+-") + s[1:]
	return digits == "" || digits[0] < '0' || digits[0] > '9'
}
