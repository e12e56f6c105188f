// Package edn holds the values that histories and results are made of, and
// writes them as EDN (what Maelstrom's results.edn and history.edn contain)
// and as JSON (results.json, where keywords become plain strings).
//
// A value is one of: nil, bool, int, int64, float64, *big.Int, string,
// Keyword, Symbol, []any (a vector), Set, *Map, or Raw. Parse reads EDN text
// back into these values.
package edn

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// Keyword is an EDN keyword, written :name.
type Keyword string

// Set is an EDN set, written #{...}; in JSON it is an array.
type Set []any

// Raw is text already in EDN; in JSON it becomes a string of that text.
type Raw string

// Map is a map that keeps its keys in insertion order.
type Map struct {
	keys []any
	vals []any
}

// NewMap builds a map from alternating keys and values.
func NewMap(kv ...any) *Map {
	m := &Map{}
	for i := 0; i+1 < len(kv); i += 2 {
		m.Set(kv[i], kv[i+1])
	}
	return m
}

// Set sets key k to v, keeping k's position if it is already present.
func (m *Map) Set(k, v any) *Map {
	for i, old := range m.keys {
		if Equal(old, k) {
			m.vals[i] = v
			return m
		}
	}
	m.keys = append(m.keys, k)
	m.vals = append(m.vals, v)
	return m
}

// Get returns the value of key k.
func (m *Map) Get(k any) (any, bool) {
	if m == nil {
		return nil, false
	}
	for i, old := range m.keys {
		if Equal(old, k) {
			return m.vals[i], true
		}
	}
	return nil, false
}

// Len is the number of entries.
func (m *Map) Len() int {
	if m == nil {
		return 0
	}
	return len(m.keys)
}

// Each calls f for every entry in order.
func (m *Map) Each(f func(k, v any)) {
	if m == nil {
		return
	}
	for i, k := range m.keys {
		f(k, m.vals[i])
	}
}

// Equal compares two values structurally.
func Equal(a, b any) bool {
	return string(Marshal(a)) == string(Marshal(b))
}

// Marshal writes v as EDN text.
func Marshal(v any) []byte {
	var b bytes.Buffer
	write(&b, v)
	return b.Bytes()
}

// String writes v as EDN text.
func String(v any) string { return string(Marshal(v)) }

func write(b *bytes.Buffer, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteString("nil")
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case int:
		b.WriteString(strconv.Itoa(x))
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case float64:
		b.WriteString(FormatFloat(x))
	case *big.Int:
		if x == nil { // holds no number
			b.WriteString("nil")
			break
		}
		b.WriteString(x.String())
		b.WriteByte('N')
	case string:
		writeString(b, x)
	case Keyword:
		b.WriteByte(':')
		b.WriteString(string(x))
	case Symbol:
		b.WriteString(string(x))
	case Raw:
		b.WriteString(string(x))
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(' ')
			}
			write(b, e)
		}
		b.WriteByte(']')
	case Set:
		b.WriteString("#{")
		for i, e := range x {
			if i > 0 {
				b.WriteByte(' ')
			}
			write(b, e)
		}
		b.WriteByte('}')
	case *Map:
		b.WriteByte('{')
		x.Each(func(k, val any) {
			if b.Bytes()[b.Len()-1] != '{' {
				b.WriteString(", ")
			}
			write(b, k)
			b.WriteByte(' ')
			write(b, val)
		})
		b.WriteByte('}')
	default:
		writeString(b, fmt.Sprint(x))
	}
}

// FormatFloat prints a float as Clojure does: always with a decimal point
// or exponent, and ##NaN / ##Inf for the special values.
func FormatFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "##NaN"
	case math.IsInf(f, 1):
		return "##Inf"
	case math.IsInf(f, -1):
		return "##-Inf"
	}
	abs := math.Abs(f)
	if abs != 0 && (abs < 1e-3 || abs >= 1e7) {
		s := strconv.FormatFloat(f, 'E', -1, 64)
		mant, exp, _ := strings.Cut(s, "E")
		if !strings.Contains(mant, ".") {
			mant += ".0"
		}
		// Go writes the exponent as e.g. +07 or -04; Java as 7 or -4.
		sign := ""
		if exp[0] == '-' {
			sign = "-"
		}
		return mant + "E" + sign + strings.TrimLeft(exp, "+-0")
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// writeString quotes s as Clojure's pr does: escapes for the quote, the
// backslash and the control characters Clojure names (newline, tab,
// return, formfeed, backspace); everything else as is.
func writeString(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		case '\f':
			b.WriteString(`\f`)
		case '\b':
			b.WriteString(`\b`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
}

// MarshalJSON writes v as JSON: keywords become strings without the colon,
// symbols become strings, map keys become strings (numbers printed plainly),
// sets become arrays. NaN and the infinities, which JSON has no numbers for,
// become null, as does a nil *big.Int. The only error is for a type outside
// the value model.
func MarshalJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	if err := writeJSON(&b, v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func writeJSON(b *bytes.Buffer, v any) error {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool, int, int64, string:
		raw, _ := json.Marshal(x)
		b.Write(raw)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			b.WriteString("null")
			return nil
		}
		b.WriteString(strconv.FormatFloat(x, 'g', -1, 64))
	case *big.Int:
		if x == nil {
			b.WriteString("null")
			break
		}
		b.WriteString(x.String())
	case Keyword:
		raw, _ := json.Marshal(string(x))
		b.Write(raw)
	case Symbol:
		raw, _ := json.Marshal(string(x))
		b.Write(raw)
	case Raw:
		raw, _ := json.Marshal(string(x))
		b.Write(raw)
	case []any:
		return writeJSONArray(b, x)
	case Set:
		return writeJSONArray(b, x)
	case *Map:
		b.WriteByte('{')
		var err error
		first := true
		x.Each(func(k, val any) {
			if err != nil {
				return
			}
			if !first {
				b.WriteByte(',')
			}
			first = false
			raw, _ := json.Marshal(KeyString(k))
			b.Write(raw)
			b.WriteByte(':')
			err = writeJSON(b, val)
		})
		if err != nil {
			return err
		}
		b.WriteByte('}')
	default:
		return fmt.Errorf("edn: cannot write %T as JSON", v)
	}
	return nil
}

func writeJSONArray(b *bytes.Buffer, xs []any) error {
	b.WriteByte('[')
	for i, e := range xs {
		if i > 0 {
			b.WriteByte(',')
		}
		if err := writeJSON(b, e); err != nil {
			return err
		}
	}
	b.WriteByte(']')
	return nil
}

// KeyString is the JSON object key for an EDN map key.
func KeyString(k any) string {
	switch x := k.(type) {
	case string:
		return x
	case Keyword:
		return string(x)
	case Symbol:
		return string(x)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	default:
		return String(k)
	}
}
