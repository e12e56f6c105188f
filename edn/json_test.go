package edn

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFromJSON(t *testing.T) {
	many := func(repeat string) string {
		var b strings.Builder
		b.WriteString("{")
		for i := range 40 {
			fmt.Fprintf(&b, `"k%d":%d,`, i, i)
		}
		b.WriteString(repeat + "}")
		return b.String()
	}
	for _, c := range []struct{ name, in, want string }{
		{"order kept", `{"b":1,"a":[2,3.5,null,true]}`, `{"b" 1, "a" [2 3.5 nil true]}`},
		{"repeated key: last value, first place", `{"a":1,"b":2,"a":3}`, `{"a" 3, "b" 2}`},
		{"repeated thrice", `{"a":1,"a":2,"a":{"x":1,"x":[9]}}`, `{"a" {"x" [9]}}`},
		{"repeated key in a large object", many(`"k3":"last","k40":40,"k40":41`), ""},
		{"huge float", `[1e400,-1e400,1e-400]`, `[##Inf ##-Inf 0.0]`},
		{"huge integer", `123456789012345678901234567890`, `123456789012345678901234567890N`},
		{"max int64", `9223372036854775807`, `9223372036854775807`},
	} {
		t.Run(c.name, func(t *testing.T) {
			v, err := FromJSON([]byte(c.in))
			require.NoError(t, err)
			if c.want != "" {
				assert.Equal(t, c.want, String(v))
			}
			// What FromJSON gives always reads back as itself.
			back, err := Parse(Marshal(v))
			require.NoError(t, err)
			assert.Equal(t, String(v), String(back))
		})
	}
	v, err := FromJSON([]byte(many(`"k3":"last","k40":40,"k40":41`)))
	require.NoError(t, err)
	m := v.(*Map)
	assert.Equal(t, 41, m.Len())
	got, _ := m.Get("k3")
	assert.Equal(t, "last", got)
	got, _ = m.Get("k40")
	assert.Equal(t, int64(41), got)
	var keys []any
	m.Each(func(k, _ any) { keys = append(keys, k) })
	assert.Equal(t, "k3", keys[3], "a repeated key keeps its first place")
	assert.Equal(t, "k40", keys[40])
	assert.True(t, math.IsInf(mustJSON(t, "1e400").(float64), 1))
}

// TestFromJSONDeep: the deepest value encoding/json accepts converts, and
// reads back as EDN even wrapped in a few more levels (as in a history op).
func TestFromJSONDeep(t *testing.T) {
	const depth = 10000
	v := mustJSON(t, strings.Repeat("[", depth)+"1"+strings.Repeat("]", depth))
	op := NewMap(Keyword("value"), []any{NewMap(Keyword("msgs"), []any{v})})
	back, err := Parse(Marshal(op))
	require.NoError(t, err)
	assert.Equal(t, String(op), String(back))
	_, err = FromJSON([]byte(strings.Repeat("[", depth+1) + strings.Repeat("]", depth+1)))
	assert.ErrorContains(t, err, "exceeded max depth")
}

func mustJSON(t *testing.T, s string) any {
	t.Helper()
	v, err := FromJSON([]byte(s))
	require.NoError(t, err)
	return v
}
