package checker

import (
	"fmt"
	"math/big"
	"unicode/utf8"

	"github.com/eddy-workbench/eddy/edn"
)

// compareValues orders two EDN values as Clojure's compare does: nil before
// everything; numbers numerically (as doubles when either is a float);
// strings and keywords as Java strings (UTF-16 code units); booleans false
// before true; vectors by length, then element by element. Anything else —
// different kinds, maps, sets — cannot be compared, where Clojure throws a
// ClassCastException.
func compareValues(a, b any) (int, error) {
	switch {
	case a == nil && b == nil:
		return 0, nil
	case a == nil:
		return -1, nil
	case b == nil:
		return 1, nil
	}
	if isNumber(a) {
		if !isNumber(b) {
			return 0, incomparable(a, b)
		}
		return compareNumbers(a, b), nil
	}
	switch x := a.(type) {
	case string:
		if y, ok := b.(string); ok {
			return compareStrings(x, y), nil
		}
	case edn.Keyword:
		if y, ok := b.(edn.Keyword); ok {
			return compareStrings(string(x), string(y)), nil
		}
	case bool:
		if y, ok := b.(bool); ok {
			switch {
			case x == y:
				return 0, nil
			case !x:
				return -1, nil
			default:
				return 1, nil
			}
		}
	case []any:
		if y, ok := b.([]any); ok {
			if len(x) != len(y) {
				return cmpInt(len(x), len(y)), nil
			}
			for i := range x {
				if c, err := compareValues(x[i], y[i]); err != nil || c != 0 {
					return c, err
				}
			}
			return 0, nil
		}
	}
	return 0, incomparable(a, b)
}

func incomparable(a, b any) error {
	return fmt.Errorf("cannot compare %s (%s) with %s (%s)", clip(a), kindOf(a), clip(b), kindOf(b))
}

func clip(v any) string {
	s := []rune(edn.String(v))
	if len(s) > 64 {
		return string(s[:61]) + "..."
	}
	return string(s)
}

func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "nil"
	case bool:
		return "a boolean"
	case int, int64, float64, *big.Int:
		return "a number"
	case string:
		return "a string"
	case edn.Keyword:
		return "a keyword"
	case []any:
		return "a vector"
	case edn.Set:
		return "a set, which has no order"
	case *edn.Map:
		return "a map, which has no order"
	default:
		return fmt.Sprintf("a %T", v)
	}
}

func isNumber(v any) bool {
	switch v.(type) {
	case int, int64, float64, *big.Int:
		return true
	}
	return false
}

func compareNumbers(a, b any) int {
	fa, aFloat := a.(float64)
	fb, bFloat := b.(float64)
	if aFloat || bFloat {
		if !aFloat {
			fa = toFloat(a)
		}
		if !bFloat {
			fb = toFloat(b)
		}
		switch {
		case fa < fb:
			return -1
		case fa > fb:
			return 1
		default:
			return 0
		}
	}
	ia, aSmall := toInt64(a)
	ib, bSmall := toInt64(b)
	if aSmall && bSmall {
		return cmpInt(ia, ib)
	}
	return toBig(a).Cmp(toBig(b))
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case int:
		return float64(x)
	case int64:
		return float64(x)
	case *big.Int:
		f, _ := new(big.Float).SetInt(x).Float64()
		return f
	}
	return 0
}

func toInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int64:
		return x, true
	case *big.Int:
		if x.IsInt64() {
			return x.Int64(), true
		}
	}
	return 0, false
}

func toBig(v any) *big.Int {
	if b, ok := v.(*big.Int); ok {
		return b
	}
	i, _ := toInt64(v)
	return big.NewInt(i)
}

func cmpInt[T int | int64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// compareStrings orders strings as Java's String.compareTo: by UTF-16 code
// units. This differs from Go's byte order only between characters above
// U+FFFF and those in U+E000..U+FFFF.
func compareStrings(a, b string) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	if i == len(a) || i == len(b) {
		return cmpInt(len(a), len(b))
	}
	for i > 0 && !utf8.RuneStart(a[i]) {
		i--
	}
	ra, _ := utf8.DecodeRuneInString(a[i:])
	rb, _ := utf8.DecodeRuneInString(b[i:])
	aSupp, bSupp := ra >= 0x10000, rb >= 0x10000
	switch {
	case aSupp == bSupp:
		return cmpInt(int64(ra), int64(rb))
	case aSupp: // a starts with a surrogate, 0xD800..0xDBFF
		if rb >= 0xE000 {
			return -1
		}
		return 1
	default:
		if ra >= 0xE000 {
			return 1
		}
		return -1
	}
}
