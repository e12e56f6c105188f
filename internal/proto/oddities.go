package proto

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Kinds of Oddity.
const (
	// RepeatedKey: an object has the same key twice; like Maelstrom (and a
	// Clojure map built from the object), eddy keeps the last value.
	RepeatedKey = "repeated-key"
	// HugeFloat: a number beyond a 64-bit float's range, such as 1e400; it
	// is read as ±infinity, as the JVM reads it.
	HugeFloat = "huge-float"
	// HugeInteger: an integer beyond 64 bits; eddy keeps it exactly, but
	// many JSON libraries (and Maelstrom's checkers, which read longs) do
	// not.
	HugeInteger = "huge-integer"
)

// Oddity is something in a JSON value that is legal JSON but that a
// reader cannot take at face value.
type Oddity struct {
	Kind string
	// Text says what and where, on one line, e.g. `repeats the key "echo"`.
	Text string
}

// Oddities lists, at most once per kind, the oddities of a well-formed JSON
// value (one json.Valid accepts): keys repeated in an object, numbers beyond
// a float64's range, integers beyond 64 bits. It reads the bytes once and
// allocates little, so it can run on every client reply.
func Oddities(value []byte) []Oddity {
	o := oddScanner{b: value}
	o.value()
	return o.found
}

type oddScanner struct {
	b     []byte
	i     int
	found []Oddity
	seen  [3]bool // per kind, in the order of kinds below
}

func (o *oddScanner) add(kind int, name, text string) {
	if o.seen[kind] {
		return
	}
	o.seen[kind] = true
	o.found = append(o.found, Oddity{Kind: name, Text: text})
}

func (o *oddScanner) space() {
	for o.i < len(o.b) {
		switch o.b[o.i] {
		case ' ', '\t', '\n', '\r':
			o.i++
		default:
			return
		}
	}
}

// value scans one value. Nesting is bounded by json.Valid's own limit, so
// the recursion is too.
func (o *oddScanner) value() {
	o.space()
	if o.i >= len(o.b) {
		return
	}
	switch c := o.b[o.i]; {
	case c == '{':
		o.object()
	case c == '[':
		o.i++
		for {
			o.space()
			if o.i >= len(o.b) || o.b[o.i] == ']' {
				o.i++
				return
			}
			if o.b[o.i] == ',' {
				o.i++
				continue
			}
			o.value()
		}
	case c == '"':
		o.str()
	case c == '-' || (c >= '0' && c <= '9'):
		o.number()
	default: // true, false, null
		for o.i < len(o.b) && o.b[o.i] >= 'a' && o.b[o.i] <= 'z' {
			o.i++
		}
	}
}

func (o *oddScanner) object() {
	o.i++ // {
	var keys [][]byte
	var index map[string]bool
	for {
		o.space()
		if o.i >= len(o.b) || o.b[o.i] == '}' {
			o.i++
			return
		}
		if o.b[o.i] == ',' {
			o.i++
			continue
		}
		key := o.str()
		if !o.seen[0] {
			if bytes.IndexByte(key, '\\') >= 0 {
				var s string
				if json.Unmarshal(key, &s) == nil {
					key = []byte(strconv.Quote(s))
				}
			}
			dup := false
			if index != nil {
				dup = index[string(key)]
				index[string(key)] = true
			} else {
				for _, k := range keys {
					if bytes.Equal(k, key) {
						dup = true
						break
					}
				}
				keys = append(keys, key)
				if len(keys) == 16 {
					index = make(map[string]bool, 32)
					for _, k := range keys {
						index[string(k)] = true
					}
				}
			}
			if dup {
				o.add(0, RepeatedKey, fmt.Sprintf("repeats the key %s in an object (the last value counts)", clipBytes(key, 60)))
			}
		}
		o.space()
		if o.i < len(o.b) && o.b[o.i] == ':' {
			o.i++
		}
		o.value()
	}
}

// str scans a string and returns its raw bytes, quotes included.
func (o *oddScanner) str() []byte {
	start := o.i
	o.i++
	for o.i < len(o.b) && o.b[o.i] != '"' {
		if o.b[o.i] == '\\' {
			o.i++
		}
		o.i++
	}
	o.i++
	return o.b[start:min(o.i, len(o.b))]
}

func (o *oddScanner) number() {
	start := o.i
	float := false
	for o.i < len(o.b) {
		c := o.b[o.i]
		if c == '.' || c == 'e' || c == 'E' {
			float = true
		} else if !(c == '-' || c == '+' || (c >= '0' && c <= '9')) {
			break
		}
		o.i++
	}
	lit := string(o.b[start:o.i])
	if float {
		// Only an exponent, or more than 300 digits, can leave the range.
		if len(lit) > 300 || strings.ContainsAny(lit, "eE") {
			if _, err := strconv.ParseFloat(lit, 64); errors.Is(err, strconv.ErrRange) && !o.seen[1] {
				o.add(1, HugeFloat, fmt.Sprintf("has the number %s, beyond a 64-bit float's range (read as infinity)", clipBytes([]byte(lit), 40)))
			}
		}
		return
	}
	if len(lit) >= 19 && !o.seen[2] {
		if _, err := strconv.ParseInt(lit, 10, 64); err != nil {
			o.add(2, HugeInteger, fmt.Sprintf("has the integer %s, beyond 64 bits (kept exactly, but many JSON libraries round it)", clipBytes([]byte(lit), 40)))
		}
	}
}

func clipBytes(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return fmt.Sprintf("%s… (%d characters)", b[:n], len(b))
}
