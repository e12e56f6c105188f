package service

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCanonical(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{`null`, `null`},
		{`true`, `true`},
		{`false`, `false`},
		{`0`, `0`},
		{`-0`, `0`},
		{`42`, `42`},
		{`-42`, `-42`},
		{`123456789012345678901234567890`, `123456789012345678901234567890`},
		{`-123456789012345678901234567890`, `-123456789012345678901234567890`},
		{`1.0`, `1.0`},
		{`1.00`, `1.0`},
		{`1e0`, `1.0`},
		{`1E0`, `1.0`},
		{`10e-1`, `1.0`},
		{`-0.0`, `0.0`},
		{`0e5`, `0.0`},
		{`1.5`, `1.5`},
		{`100000.0`, `100000.0`},
		{`1e21`, `1e+21`},
		{`1.5e-7`, `1.5e-07`},
		{`1e400`, `1e999`},
		{`-1e400`, `-1e999`},
		{`1e-400`, `0.0`},
		{`"x"`, `"x"`},
		{`"a\u0041\n"`, `"aA\n"`},
		{`"<&>"`, `"<&>"`},
		{` [ 1 , [2, "x"] ] `, `[1,[2,"x"]]`},
		{`{"b":2,"a":1}`, `{"a":1,"b":2}`},
		{`{"a":{"d":1.0,"c":[]}}`, `{"a":{"c":[],"d":1.0}}`},
		{`{"a":1,"a":2}`, `{"a":2}`},
		{`{}`, `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := canonical([]byte(tt.in))
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.True(t, json.Valid([]byte(got)), "canonical form is valid JSON")
			again, err := canonical([]byte(got))
			require.NoError(t, err)
			assert.Equal(t, got, again, "canonical form is a fixed point")
		})
	}
}

func TestCanonicalEquality(t *testing.T) {
	tests := []struct {
		a, b  string
		equal bool
	}{
		{`1`, `1.0`, false},
		{`1.0`, `1.00`, true},
		{`1.0`, `1e0`, true},
		{`100`, `1e2`, false},
		{`100.0`, `1e2`, true},
		{`1`, `"1"`, false},
		{`"a"`, `"\u0061"`, true},
		{`[1,2]`, `[1,2]`, true},
		{`[1,2]`, `[2,1]`, false},
		{`[1]`, `[1.0]`, false},
		{`{"a":1,"b":2}`, `{"b":2,"a":1}`, true},
		{`{"a":1}`, `{"a":1,"b":2}`, false},
		{`{"a":[1,{"x":null}]}`, `{ "a" : [ 1 , { "x" : null } ] }`, true},
		{`null`, `false`, false},
		{`123456789012345678901234567890`, `123456789012345678901234567890`, true},
		{`123456789012345678901234567890`, `123456789012345678901234567891`, false},
		{`9223372036854775807`, `9223372036854775808`, false},
		{`0`, `-0`, true},
	}
	for _, tt := range tests {
		t.Run(tt.a+" vs "+tt.b, func(t *testing.T) {
			a, err := canonical([]byte(tt.a))
			require.NoError(t, err)
			b, err := canonical([]byte(tt.b))
			require.NoError(t, err)
			assert.Equal(t, tt.equal, a == b)
		})
	}
}

func TestCanonicalRejectsInvalid(t *testing.T) {
	for _, in := range []string{``, `{`, `[1,]`, `01`, `1 2`, `nope`} {
		_, err := canonical([]byte(in))
		assert.Error(t, err, "%q", in)
	}
}

func TestBare(t *testing.T) {
	tests := []struct{ canon, want string }{
		{`"x"`, `x`},
		{`"a\"b"`, `a"b`},
		{`1`, `1`},
		{`1.0`, `1.0`},
		{`[1,"x"]`, `[1,"x"]`},
		{`null`, `null`},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, bare(tt.canon), tt.canon)
	}
}
