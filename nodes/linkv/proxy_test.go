package main

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func encode(t *testing.T, f Fields) string {
	t.Helper()
	b, err := json.Marshal(f)
	require.NoError(t, err)
	return string(b)
}

func TestForward(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"type":"read","msg_id":3,"key":9007199254740993}`, `{"key":9007199254740993,"type":"read"}`},
		{`{"type":"write","msg_id":4,"key":1,"value":123456789012345678901234567890}`, `{"key":1,"type":"write","value":123456789012345678901234567890}`},
		{`{"type":"cas","msg_id":5,"key":"k","from":1.50,"to":[1,{"a":null}],"create_if_not_exists":true}`,
			`{"create_if_not_exists":true,"from":1.50,"key":"k","to":[1,{"a":null}],"type":"cas"}`},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, encode(t, Forward(json.RawMessage(tt.in))), "numbers and values byte for byte, msg_id dropped")
	}
}

func TestRelay(t *testing.T) {
	f, err := Relay(json.RawMessage(`{"type":"read_ok","msg_id":7,"in_reply_to":3,"value":18446744073709551617}`))
	require.NoError(t, err)
	assert.Equal(t, `{"value":18446744073709551617}`, encode(t, f))
	f, err = Relay(json.RawMessage(`{"type":"cas_ok","in_reply_to":5}`))
	require.NoError(t, err)
	assert.Equal(t, `{}`, encode(t, f))
	_, err = Relay(json.RawMessage(`[1]`))
	assert.ErrorContains(t, err, "not an object")
}
