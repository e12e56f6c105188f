package service

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/eddy-workbench/eddy/internal/proto"
)

// canonical returns the canonical encoding of one JSON value. Two values
// have the same canonical encoding exactly when Clojure's = holds between
// their parsed forms: integers compare by value whatever their size, float
// literals are distinct from integer literals (1 is not 1.0) but compare by
// value among themselves (1.0, 1.00 and 1e0 agree), strings compare by
// content, arrays elementwise and objects by key set and values, whatever
// order the keys were written in. The encoding is itself valid JSON, so it
// can be sent back as a stored value.
func canonical(raw []byte) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", err
	}
	if dec.More() {
		return "", fmt.Errorf("trailing data after JSON value")
	}
	return string(appendCanonical(nil, v)), nil
}

// appendCanonical appends the canonical encoding of a value decoded with
// json.Decoder.UseNumber.
func appendCanonical(dst []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(dst, "null"...)
	case bool:
		return strconv.AppendBool(dst, v)
	case string:
		return proto.AppendString(dst, v)
	case json.Number:
		return append(dst, canonicalNumber(string(v))...)
	case []any:
		dst = append(dst, '[')
		for i, e := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendCanonical(dst, e)
		}
		return append(dst, ']')
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = proto.AppendString(dst, k)
			dst = append(dst, ':')
			dst = appendCanonical(dst, v[k])
		}
		return append(dst, '}')
	}
	// Unreachable for decoder output; keep the encoding valid regardless.
	return append(dst, "null"...)
}

// canonicalNumber normalises a JSON number literal. A literal with a
// fraction or exponent is a float: it is parsed as a float64 and printed in
// its shortest form, always containing '.' or 'e' so that it never collides
// with an integer. Floats too large for a float64 become ±1e999 (both sides
// parse them as infinity), and -0.0 becomes 0.0. Any other literal is an
// integer, printed in plain decimal without a sign on zero.
func canonicalNumber(lit string) string {
	if strings.ContainsAny(lit, ".eE") {
		f, err := strconv.ParseFloat(lit, 64)
		switch {
		case err != nil && f > 0:
			return "1e999"
		case err != nil && f < 0:
			return "-1e999"
		case f == 0:
			return "0.0"
		}
		s := strconv.FormatFloat(f, 'g', -1, 64)
		if !strings.ContainsAny(s, ".e") {
			s += ".0"
		}
		return s
	}
	if n, err := strconv.ParseInt(lit, 10, 64); err == nil {
		return strconv.FormatInt(n, 10)
	}
	if n, ok := new(big.Int).SetString(lit, 10); ok {
		return n.String()
	}
	return lit // not reached for literals the decoder accepted
}

// bare renders a canonical value the way Clojure's str prints the parsed
// value in error texts: strings without quotes, everything else as JSON.
func bare(canon string) string {
	if strings.HasPrefix(canon, `"`) {
		var s string
		if json.Unmarshal([]byte(canon), &s) == nil {
			return s
		}
	}
	return canon
}
