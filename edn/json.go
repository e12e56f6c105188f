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
// numbers float64.
func FromJSON(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	v, err := fromTokens(dec)
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

func fromTokens(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			m := &Map{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := fromTokens(dec)
				if err != nil {
					return nil, err
				}
				// JSON objects cannot repeat keys meaningfully; the last wins.
				m.keys = append(m.keys, kt.(string))
				m.vals = append(m.vals, v)
			}
			_, err := dec.Token()
			return m, err
		case '[':
			xs := []any{}
			for dec.More() {
				v, err := fromTokens(dec)
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

func number(s string) (any, error) {
	if !strings.ContainsAny(s, ".eE") {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, nil
		}
		if b, ok := new(big.Int).SetString(s, 10); ok {
			return b, nil
		}
	}
	return strconv.ParseFloat(s, 64)
}
