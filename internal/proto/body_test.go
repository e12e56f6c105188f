package proto

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFields(t *testing.T) {
	m, err := Fields([]byte(`{"type":"echo","nested":{"b":[1, 2]},"s":"x"}`))
	require.NoError(t, err)
	assert.Equal(t, map[string]json.RawMessage{
		"type": json.RawMessage(`"echo"`), "nested": json.RawMessage(`{"b":[1, 2]}`), "s": json.RawMessage(`"x"`),
	}, m)
	for _, bad := range []string{`[]`, `"x"`, `1`, `true`, `{`, ``, `{"a":1}x`} {
		_, err := Fields([]byte(bad))
		assert.ErrorContains(t, err, "body is not a JSON object", bad)
	}
}

func TestParseHeader(t *testing.T) {
	t.Run("error body", func(t *testing.T) {
		h, m, err := ParseHeader([]byte(`{"type":"error","in_reply_to":5,"code":11,"text":"not ready yet","msg_id":3,"extra":[1]}`))
		require.NoError(t, err)
		assert.Equal(t, Header{Type: "error", MsgID: 3, HasMsgID: true, InReplyTo: 5, HasReply: true, Code: 11, HasCode: true, Text: "not ready yet"}, h)
		assert.Len(t, m, 6)
		assert.Equal(t, `[1]`, string(m["extra"]))
	})
	t.Run("request", func(t *testing.T) {
		h, _, err := ParseHeader([]byte(`{"type":"echo","echo":"hi","msg_id":1}`))
		require.NoError(t, err)
		assert.Equal(t, Header{Type: "echo", MsgID: 1, HasMsgID: true}, h)
	})
	t.Run("whitespace around values", func(t *testing.T) {
		h, _, err := ParseHeader([]byte("{ \"type\" : \"x\" , \"msg_id\" :\t-7\r\n, \"in_reply_to\" : 0 ,\"code\": 30 }"))
		require.NoError(t, err)
		assert.Equal(t, Header{Type: "x", MsgID: -7, HasMsgID: true, InReplyTo: 0, HasReply: true, Code: 30, HasCode: true}, h)
	})
	t.Run("absent and null fields", func(t *testing.T) {
		// Go's library drops a zero code; a null counts as absent.
		h, _, err := ParseHeader([]byte(`{"type":"error","in_reply_to":2,"code":null,"msg_id":null,"text":"boom"}`))
		require.NoError(t, err)
		assert.Equal(t, Header{Type: "error", InReplyTo: 2, HasReply: true, Text: "boom"}, h)
		h, _, err = ParseHeader([]byte(`{}`))
		require.NoError(t, err)
		assert.Equal(t, Header{}, h)
	})
	t.Run("code zero is present", func(t *testing.T) {
		h, _, err := ParseHeader([]byte(`{"type":"error","in_reply_to":2,"code":0}`))
		require.NoError(t, err)
		assert.True(t, h.HasCode)
		assert.Equal(t, int64(0), h.Code)
	})
	t.Run("non-string text is kept raw", func(t *testing.T) {
		h, _, err := ParseHeader([]byte(`{"type":"error","text":{"why":1}}`))
		require.NoError(t, err)
		assert.Equal(t, `{"why":1}`, h.Text)
	})
	for _, tc := range []struct{ body, want string }{
		{`[]`, "body is not a JSON object"},
		{`"error"`, "body is not a JSON object"},
		{`not json`, "body is not a JSON object"},
		{`{"type":1}`, "type 1 is not a string"},
		{`{"type":null}`, ""}, // a null type is accepted as empty
		{`{"type":["echo"]}`, `type ["echo"] is not a string`},
		{`{"type":"x","msg_id":1.5}`, "msg_id 1.5 is not an integer"},
		{`{"type":"x","msg_id":"1"}`, `msg_id "1" is not an integer`},
		{`{"type":"x","msg_id":1e0}`, "msg_id 1e0 is not an integer"},
		{`{"type":"x","msg_id":true}`, "msg_id true is not an integer"},
		{`{"type":"x","msg_id":99999999999999999999}`, "msg_id 99999999999999999999 is not an integer"},
		{`{"type":"x","in_reply_to":"5"}`, `in_reply_to "5" is not an integer`},
		{`{"type":"x","in_reply_to":2.0}`, "in_reply_to 2.0 is not an integer"},
		{`{"type":"error","code":"11"}`, `code "11" is not an integer`},
		{`{"type":"error","code":11.5}`, "code 11.5 is not an integer"},
	} {
		_, _, err := ParseHeader([]byte(tc.body))
		if tc.want == "" {
			assert.NoError(t, err, tc.body)
			continue
		}
		assert.ErrorContains(t, err, tc.want, tc.body)
	}
}

func TestSchemaValidate(t *testing.T) {
	echo := Schema{Type: "echo_ok", Required: []string{"echo"}}
	readOK := Schema{Type: "read_ok", Required: []string{"messages"}, Optional: []string{"extra"}}
	errCheck := errors.New("messages must be an array")
	checked := Schema{Type: "read_ok", Required: []string{"messages"}, Check: func(f map[string]json.RawMessage) error {
		if f["messages"][0] != '[' {
			return errCheck
		}
		return nil
	}}

	for _, tc := range []struct {
		name   string
		schema Schema
		body   string
		want   string // "" means valid
	}{
		{"valid", echo, `{"type":"echo_ok","in_reply_to":1,"echo":"hi"}`, ""},
		{"valid with msg_id", echo, `{"type":"echo_ok","in_reply_to":1,"msg_id":9,"echo":{"any":"value"}}`, ""},
		{"valid, null echo still present", echo, `{"type":"echo_ok","in_reply_to":1,"echo":null}`, ""},
		{"optional absent", readOK, `{"type":"read_ok","in_reply_to":3,"messages":[]}`, ""},
		{"optional present", readOK, `{"type":"read_ok","in_reply_to":3,"messages":[],"extra":1}`, ""},
		{"extra key", echo, `{"type":"echo_ok","in_reply_to":1,"echo":"hi","message":3}`, `unexpected key "message"`},
		{"first extra key in order", echo, `{"type":"echo_ok","in_reply_to":1,"echo":"hi","zz":1,"aa":2,"mm":3}`, `unexpected key "aa"`},
		{"code is extra on a non-error", echo, `{"type":"echo_ok","in_reply_to":1,"echo":"hi","code":1}`, `unexpected key "code"`},
		{"text is extra on a non-error", echo, `{"type":"echo_ok","in_reply_to":1,"echo":"hi","text":"x"}`, `unexpected key "text"`},
		{"missing key", echo, `{"type":"echo_ok","in_reply_to":1}`, `missing key "echo"`},
		{"wrong type", echo, `{"type":"echo","in_reply_to":1,"echo":"hi"}`, `type is "echo", expected "echo_ok"`},
		{"error type is not the schema's", echo, `{"type":"error","in_reply_to":1,"code":11}`, `type is "error", expected "echo_ok"`},
		{"missing type", echo, `{"in_reply_to":1,"echo":"hi"}`, `type is "", expected "echo_ok"`},
		{"non-string type", echo, `{"type":7,"in_reply_to":1,"echo":"hi"}`, "type 7 is not a string"},
		{"missing in_reply_to", echo, `{"type":"echo_ok","echo":"hi"}`, "missing in_reply_to"},
		{"null in_reply_to", echo, `{"type":"echo_ok","in_reply_to":null,"echo":"hi"}`, "missing in_reply_to"},
		{"non-integer in_reply_to", echo, `{"type":"echo_ok","in_reply_to":"1","echo":"hi"}`, `in_reply_to "1" is not an integer`},
		{"non-integer msg_id", echo, `{"type":"echo_ok","in_reply_to":1,"msg_id":1.5,"echo":"hi"}`, "msg_id 1.5 is not an integer"},
		{"string msg_id", echo, `{"type":"echo_ok","in_reply_to":1,"msg_id":"2","echo":"hi"}`, `msg_id "2" is not an integer`},
		{"not an object", echo, `["echo_ok"]`, "body is not a JSON object"},
		{"check passes", checked, `{"type":"read_ok","in_reply_to":1,"messages":[1]}`, ""},
		{"check fails", checked, `{"type":"read_ok","in_reply_to":1,"messages":1}`, errCheck.Error()},
		{"check not reached on extra key", checked, `{"type":"read_ok","in_reply_to":1,"messages":1,"x":0}`, `unexpected key "x"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.schema.Validate([]byte(tc.body))
			if tc.want == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorContains(t, err, tc.want)
		})
	}
	assert.ErrorIs(t, checked.Validate([]byte(`{"type":"read_ok","in_reply_to":1,"messages":{}}`)), errCheck)
}

func TestLookupError(t *testing.T) {
	// The table of reference §2.
	for _, want := range []ErrorCode{
		{0, "timeout", false},
		{1, "node-not-found", true},
		{10, "not-supported", true},
		{11, "temporarily-unavailable", true},
		{12, "malformed-request", true},
		{13, "crash", false},
		{14, "abort", true},
		{20, "key-does-not-exist", true},
		{21, "key-already-exists", true},
		{22, "precondition-failed", true},
		{30, "txn-conflict", true},
	} {
		assert.Equal(t, want, LookupError(want.Code, true))
		// Without a code (has false) every code is unknown and indefinite.
		assert.Equal(t, ErrorCode{Code: want.Code, Name: "unknown"}, LookupError(want.Code, false))
	}
	for _, c := range []int64{-1, 2, 9, 15, 23, 29, 31, 999, 1000, 1 << 40} {
		assert.Equal(t, ErrorCode{Code: c, Name: "unknown", Definite: false}, LookupError(c, true), c)
	}
	// The constants match the table.
	for c, name := range map[int64]string{
		CodeTimeout: "timeout", CodeNodeNotFound: "node-not-found", CodeNotSupported: "not-supported",
		CodeTemporarilyUnavailable: "temporarily-unavailable", CodeMalformedRequest: "malformed-request",
		CodeCrash: "crash", CodeAbort: "abort", CodeKeyDoesNotExist: "key-does-not-exist",
		CodeKeyAlreadyExists: "key-already-exists", CodePreconditionFailed: "precondition-failed",
		CodeTxnConflict: "txn-conflict",
	} {
		assert.Equal(t, name, LookupError(c, true).Name)
	}
	assert.Len(t, errorCodes, 11)

	// From a parsed error body: a missing code is unknown.
	h, _, err := ParseHeader([]byte(`{"type":"error","in_reply_to":1,"text":"no code"}`))
	require.NoError(t, err)
	assert.Equal(t, "unknown", LookupError(h.Code, h.HasCode).Name)
	h, _, err = ParseHeader([]byte(`{"type":"error","in_reply_to":1,"code":14}`))
	require.NoError(t, err)
	assert.Equal(t, ErrorCode{14, "abort", true}, LookupError(h.Code, h.HasCode))
}

func TestBody(t *testing.T) {
	for _, tc := range []struct {
		kv   []any
		want string
	}{
		{nil, `{}`},
		{[]any{"type", "echo", "echo", "hi", "msg_id", 1}, `{"type":"echo","echo":"hi","msg_id":1}`},
		{[]any{"z", 1, "a", 2}, `{"z":1,"a":2}`}, // order kept
		{[]any{"value", json.RawMessage(`{"b" : [1,2]}`)}, `{"value":{"b" : [1,2]}}`},
		{[]any{"value", json.RawMessage(nil)}, `{"value":null}`},
		{[]any{"key", "k\"1", "v", []int{1, 2}, "m", map[string]int{"b": 2, "a": 1}}, `{"key":"k\"1","v":[1,2],"m":{"a":1,"b":2}}`},
		{[]any{"we\"ird\n", nil}, `{"we\"ird\n":null}`},
		{[]any{"f", func() {}}, `{"f":null}`}, // unmarshallable values become null
		{[]any{"type", "read", "dangling"}, `{"type":"read"}`},
	} {
		got := Body(tc.kv...)
		assert.Equal(t, tc.want, string(got))
		assert.True(t, json.Valid(got), "%s", got)
	}
}
