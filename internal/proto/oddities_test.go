package proto

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOddities(t *testing.T) {
	many := func(extra string) string {
		var b strings.Builder
		b.WriteString(`{"type":"read_ok"`)
		for i := range 30 {
			fmt.Fprintf(&b, `,"k%d":%d`, i, i)
		}
		return b.String() + extra + "}"
	}
	cases := []struct {
		name, in string
		want     []string // kinds
		text     string   // part of the first oddity's text
	}{
		{"plain", `{"type":"echo_ok","echo":"a","in_reply_to":1,"xs":[1,2.5,-3e2,null,true,{"a":{}}]}`, nil, ""},
		{"repeated key", `{"type":"echo_ok","echo":"x","echo":"y"}`, []string{RepeatedKey}, `repeats the key "echo"`},
		{"repeated nested key", `{"a":[{"b":1,"c":2,"b":3}]}`, []string{RepeatedKey}, `repeats the key "b"`},
		{"same key in sibling objects", `{"a":{"b":1},"c":{"b":2}}`, nil, ""},
		{"escaped repeat", `{"ab":1,"a\u0062":2}`, []string{RepeatedKey}, `repeats the key "ab"`},
		{"repeat in a large object", many(`,"k7":"again"`), []string{RepeatedKey}, `"k7"`},
		{"large object, no repeat", many(""), nil, ""},
		{"huge float", `{"value":1e400}`, []string{HugeFloat}, "1e400"},
		{"negative huge float", `[-2.5E+999]`, []string{HugeFloat}, "-2.5E+999"},
		{"tiny float is fine", `[1e-400]`, nil, ""},
		{"max int64", `[9223372036854775807,-9223372036854775808]`, nil, ""},
		{"huge integer", `{"id":123456789012345678901234567890}`, []string{HugeInteger}, "123456789012345678901234567890"},
		{"each kind once", `{"a":1e400,"a":1e500,"b":99999999999999999999,"b":2}`, []string{HugeFloat, RepeatedKey, HugeInteger}, "1e400"},
		{"deep", strings.Repeat("[", 9000) + `{"x":1,"x":2}` + strings.Repeat("]", 9000), []string{RepeatedKey}, `"x"`},
		{"string with braces and quotes", `{"a":"{\"a\":1,\"a\":2}","b":"]"}`, nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.True(t, json.Valid([]byte(c.in)))
			got := Oddities([]byte(c.in))
			var kinds []string
			for _, o := range got {
				kinds = append(kinds, o.Kind)
				assert.NotContains(t, o.Text, "\n")
			}
			assert.Equal(t, c.want, kinds)
			if c.text != "" {
				assert.Contains(t, got[0].Text, c.text)
			}
		})
	}
}

// refKinds finds the oddities' kinds with encoding/json's tokens, as a
// reference for Oddities.
func refKinds(in []byte) map[string]bool {
	kinds := map[string]bool{}
	dec := json.NewDecoder(bytes.NewReader(in))
	dec.UseNumber()
	var walk func() bool
	walk = func() bool {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		switch t := tok.(type) {
		case json.Delim:
			if t == '[' {
				for dec.More() {
					if !walk() {
						return false
					}
				}
			} else {
				seen := map[string]bool{}
				for dec.More() {
					k, err := dec.Token()
					if err != nil {
						return false
					}
					if seen[k.(string)] {
						kinds[RepeatedKey] = true
					}
					seen[k.(string)] = true
					if !walk() {
						return false
					}
				}
			}
			_, err := dec.Token()
			return err == nil
		case json.Number:
			if strings.ContainsAny(string(t), ".eE") {
				if _, err := strconv.ParseFloat(string(t), 64); err != nil {
					kinds[HugeFloat] = true
				}
			} else if _, err := strconv.ParseInt(string(t), 10, 64); err != nil {
				kinds[HugeInteger] = true
			}
		}
		return true
	}
	walk()
	return kinds
}

// FuzzOddities checks Oddities against refKinds on any valid JSON.
func FuzzOddities(f *testing.F) {
	for _, s := range []string{`{"a":1,"a":2}`, `[1e400]`, `123456789012345678901234567890`, `{"a":[{"b":"\"}","b":0}]}`, `"x"`, `{"\u0061":1,"a":2}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if !json.Valid(in) {
			return
		}
		got := map[string]bool{}
		for _, o := range Oddities(in) {
			got[o.Kind] = true
		}
		require.Equal(t, refKinds(in), got, "%s", in)
	})
}

func TestIsTooDeep(t *testing.T) {
	line := func(depth int) []byte {
		return []byte(`{"src":"n0","dest":"c1","body":{"x":` + strings.Repeat("[", depth-2) + strings.Repeat("]", depth-2) + `}}`)
	}
	_, err := ParseEnvelope(line(MaxDepth))
	require.NoError(t, err, "the deepest line encoding/json accepts")
	_, err = ParseEnvelope(line(MaxDepth + 1))
	require.True(t, IsNotJSON(err))
	assert.True(t, IsTooDeep(line(MaxDepth+1)))
	assert.False(t, IsTooDeep([]byte("this is not json")))
	assert.False(t, IsTooDeep([]byte(strings.Repeat("[", 5)+"x")))
}

// BenchmarkOddities inspects a kafka poll reply of about 1 KB, as every
// client reply is inspected.
func BenchmarkOddities(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"type":"poll_ok","in_reply_to":12,"msgs":{`)
	for k := range 8 {
		if k > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `"%d":[`, k)
		for i := range 8 {
			if i > 0 {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, "[%d,%d]", 1000+i, 100000+k*10+i)
		}
		sb.WriteByte(']')
	}
	sb.WriteString("}}")
	body := []byte(sb.String())
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if len(Oddities(body)) != 0 {
			b.Fatal("oddities in a plain body")
		}
	}
}
