package edn

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"
)

// FromJSON converts JSON text to a value, keeping object keys in their order
// as strings. Integers become int64 (or *big.Int when too large), other
// numbers float64: one beyond a float64's range becomes ±Inf, as the JVM
// reads it. A key repeated in an object keeps its first position and its
// last value, as a Clojure map built from the object would.
func FromJSON(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	v, err := fromTokens(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("edn: trailing data after JSON value")
	}
	return v, nil
}

// Keywordize returns a copy of a map whose string keys are keywords, as
// Maelstrom does for the top level of every message body.
func Keywordize(v any) any {
	m, ok := v.(*Map)
	if !ok {
		return v
	}
	out := &Map{}
	m.Each(func(k, val any) {
		if s, ok := k.(string); ok {
			k = Keyword(s)
		}
		out.Set(k, val)
	})
	return out
}

// MaxJSONDepth is how deeply FromJSON lets arrays and objects nest, as
// encoding/json does.
const MaxJSONDepth = 10000

func fromTokens(dec *json.Decoder, depth int) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		if depth >= MaxJSONDepth {
			return nil, fmt.Errorf("edn: JSON nested deeper than %d levels (exceeded max depth)", MaxJSONDepth)
		}
		switch t {
		case '{':
			m := &Map{}
			var index map[string]int // key → position, once the object is large
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k := kt.(string)
				v, err := fromTokens(dec, depth+1)
				if err != nil {
					return nil, err
				}
				// A repeated key: the last value wins, in the first place.
				if i, ok := keyIndex(m, &index, k); ok {
					m.vals[i] = v
					continue
				}
				m.keys = append(m.keys, k)
				m.vals = append(m.vals, v)
			}
			_, err := dec.Token()
			return m, err
		case '[':
			xs := []any{}
			for dec.More() {
				v, err := fromTokens(dec, depth+1)
				if err != nil {
					return nil, err
				}
				xs = append(xs, v)
			}
			_, err := dec.Token()
			return xs, err
		}
		return nil, fmt.Errorf("edn: unexpected %v", t)
	case json.Number:
		return number(string(t))
	default:
		return t, nil // nil, bool, string
	}
}

// keyIndex finds string key k among m's keys (all strings): by a linear
// search while the map is small, then through index, which it builds.
func keyIndex(m *Map, index *map[string]int, k string) (int, bool) {
	const small = 16
	if len(m.keys) < small {
		for i, old := range m.keys {
			if old.(string) == k {
				return i, true
			}
		}
		return 0, false
	}
	if *index == nil {
		*index = make(map[string]int, 2*small)
		for i, old := range m.keys {
			(*index)[old.(string)] = i
		}
	}
	i, ok := (*index)[k]
	if !ok {
		(*index)[k] = len(m.keys) // the caller appends k next
	}
	return i, ok
}

func number(s string) (any, error) {
	if !strings.ContainsAny(s, ".eE") {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, nil
		}
		if b, ok := new(big.Int).SetString(s, 10); ok {
			return b, nil
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if errors.Is(err, strconv.ErrRange) {
		return f, nil // ±Inf beyond the range; 0 or a subnormal below it
	}
	return f, err
}
