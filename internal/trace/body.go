package trace

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// Field returns the raw value of a top-level key of a JSON object body, or
// nil if the body has no such key (or is not an object).
func Field(body []byte, key string) []byte {
	s := scan{b: body}
	s.space()
	if !s.eat('{') {
		return nil
	}
	for {
		s.space()
		if s.i >= len(s.b) || s.b[s.i] == '}' {
			return nil
		}
		s.eat(',')
		s.space()
		k0 := s.i
		s.skip()
		k := s.b[k0:s.i]
		s.space()
		s.eat(':')
		s.space()
		v0 := s.i
		s.skip()
		if s.i == v0 {
			return nil // not JSON as expected: stop rather than loop
		}
		if keyIs(k, key) {
			return s.b[v0:s.i]
		}
	}
}

// keyIs reports whether the JSON string token k is key.
func keyIs(k []byte, key string) bool {
	if len(k) == len(key)+2 && k[0] == '"' && string(k[1:len(k)-1]) == key {
		return true
	}
	if len(k) < 2 || k[0] != '"' || bytes.IndexByte(k, '\\') < 0 {
		return false // no escapes: the plain comparison was the answer
	}
	var s string
	return json.Unmarshal(k, &s) == nil && s == key
}

// Type is a body's "type" field, or "" when it has none.
func Type(body []byte) string {
	raw := Field(body, "type")
	if len(raw) == 0 || raw[0] != '"' {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// Int is a body's integer field, and whether it has one.
func Int(body []byte, key string) (int64, bool) {
	raw := Field(body, key)
	n, err := strconv.ParseInt(string(raw), 10, 64)
	return n, err == nil
}

// EachInt calls f for every integer a body holds at any depth, outside its
// top-level msg_id and in_reply_to (which are the protocol's, not the
// workload's): f(n, n) for a number n. With intervals set, an array made
// only of pairs [lo, hi] of integers, lo ≤ hi, ascending and disjoint (a
// list of intervals, as a node may send a set of consecutive values), is
// reported as f(lo, hi) for each pair instead. Strings, including object
// keys, and non-integer numbers are not looked into.
func EachInt(body []byte, intervals bool, f func(lo, hi int64)) {
	w := walker{scan: scan{b: body}, intervals: intervals, f: f}
	w.space()
	w.value(0)
}

type walker struct {
	scan
	intervals bool
	f         func(lo, hi int64)
}

// value walks one value.
func (w *walker) value(depth int) {
	if w.i >= len(w.b) {
		return
	}
	switch c := w.b[w.i]; {
	case c == '{':
		w.i++
		for {
			w.space()
			if w.i >= len(w.b) {
				return
			}
			if w.b[w.i] == '}' {
				w.i++
				return
			}
			w.eat(',')
			w.space()
			k0 := w.i
			w.skip()
			k := w.b[k0:w.i]
			w.space()
			w.eat(':')
			w.space()
			if depth == 0 && (keyIs(k, "msg_id") || keyIs(k, "in_reply_to")) {
				w.skip()
				continue
			}
			v0 := w.i
			w.value(depth + 1)
			if w.i == v0 {
				w.i = len(w.b) // not JSON as expected
			}
		}
	case c == '[':
		w.i++
		var pairs [][2]int64
		all := true
		for {
			w.space()
			if w.i >= len(w.b) {
				return
			}
			if w.b[w.i] == ']' {
				w.i++
				break
			}
			w.eat(',')
			w.space()
			if w.i < len(w.b) && w.b[w.i] == ']' {
				continue
			}
			// A pair of integers?
			if p, ok := w.intPair(); ok {
				pairs = append(pairs, p)
				continue
			}
			all = false
			v0 := w.i
			w.value(depth + 1)
			if w.i == v0 {
				w.i = len(w.b)
			}
		}
		if w.intervals && all && len(pairs) > 0 && disjoint(pairs) {
			for _, p := range pairs {
				w.f(p[0], p[1])
			}
			return
		}
		for _, p := range pairs {
			w.f(p[0], p[0])
			w.f(p[1], p[1])
		}
	case c == '-' || c >= '0' && c <= '9':
		n0 := w.i
		w.skip()
		if n, err := strconv.ParseInt(string(w.b[n0:w.i]), 10, 64); err == nil {
			w.f(n, n)
		}
	default:
		w.skip()
	}
}

// intPair reads [a, b] with two integers if that is what comes next, and
// otherwise leaves the position alone.
func (w *walker) intPair() ([2]int64, bool) {
	save := w.i
	var p [2]int64
	if !w.eat('[') {
		return p, false
	}
	for k := range 2 {
		w.space()
		if k == 1 && !w.eat(',') {
			w.i = save
			return p, false
		}
		w.space()
		n0 := w.i
		for w.i < len(w.b) && (w.b[w.i] == '-' || w.b[w.i] >= '0' && w.b[w.i] <= '9') {
			w.i++
		}
		n, err := strconv.ParseInt(string(w.b[n0:w.i]), 10, 64)
		if err != nil || w.i < len(w.b) && (w.b[w.i] == '.' || w.b[w.i] == 'e' || w.b[w.i] == 'E') {
			w.i = save
			return p, false
		}
		p[k] = n
	}
	w.space()
	if !w.eat(']') {
		w.i = save
		return p, false
	}
	return p, true
}

// disjoint reports whether pairs are intervals lo ≤ hi in ascending order,
// none overlapping the next.
func disjoint(pairs [][2]int64) bool {
	for i, p := range pairs {
		if p[0] > p[1] || i > 0 && p[0] <= pairs[i-1][1] {
			return false
		}
	}
	return true
}

// scan walks JSON the network has already validated; on anything else it
// stops at the end rather than fail.
type scan struct {
	b []byte
	i int
}

func (s *scan) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scan) eat(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// skip advances past one JSON value.
func (s *scan) skip() {
	depth := 0
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch c {
		case '"':
			s.i++
			for s.i < len(s.b) && s.b[s.i] != '"' {
				if s.b[s.i] == '\\' {
					s.i++
				}
				s.i++
			}
			s.i++
		case '{', '[':
			depth++
			s.i++
		case '}', ']':
			if depth == 0 {
				return
			}
			depth--
			s.i++
		case ',', ':', ' ', '\t', '\n', '\r':
			if depth == 0 {
				return
			}
			s.i++
		default:
			s.i++
		}
		if depth == 0 && (c == '"' || c == '}' || c == ']') {
			return
		}
	}
	if s.i > len(s.b) {
		s.i = len(s.b)
	}
}

// MentionsString reports whether a body holds the JSON string s anywhere,
// as a value or as an object key.
func MentionsString(body []byte, s string) bool {
	quoted, err := json.Marshal(s)
	if err != nil {
		return false
	}
	for i := 0; ; {
		j := bytes.Index(body[i:], quoted)
		if j < 0 {
			return false
		}
		k := i + j
		// A match inside a longer string ends at an escaped quote or
		// starts after one; count the backslashes before the quote.
		bs := 0
		for b := k - 1; b >= 0 && body[b] == '\\'; b-- {
			bs++
		}
		if bs%2 == 0 && inToken(body, k) {
			return true
		}
		i = k + 1
	}
}

// inToken reports whether the quote at k opens a string token (rather
// than closing one): the number of unescaped quotes before it is even.
func inToken(body []byte, k int) bool {
	quotes := 0
	for i := 0; i < k; i++ {
		switch body[i] {
		case '\\':
			i++
		case '"':
			quotes++
		}
	}
	return quotes%2 == 0
}
