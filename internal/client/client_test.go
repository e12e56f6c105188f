package client

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/history"
	"github.com/eddy-workbench/eddy/internal/netsim"
	"github.com/eddy-workbench/eddy/internal/proto"
)

func reply(t *testing.T, body string) Reply {
	t.Helper()
	h, _, err := proto.ParseHeader([]byte(body))
	require.NoError(t, err)
	return Reply{Body: []byte(body), Header: h}
}

func TestComplete(t *testing.T) {
	schema := proto.Schema{Type: "echo_ok", Required: []string{"echo"}}
	wrapped := Rules{Wrapped: true, Idempotent: map[string]bool{"read": true}}
	bare := Rules{}
	cases := []struct {
		name      string
		rules     Rules
		f         string
		body      string
		err       error
		wantType  history.Type
		wantError string // edn of the completion's :error
		wantOK    bool
	}{
		{"well-formed reply", wrapped, "echo", `{"type":"echo_ok","echo":"x","in_reply_to":1}`, nil, history.OK, "nil", true},
		{"msg_id is allowed", wrapped, "echo", `{"type":"echo_ok","echo":"x","in_reply_to":1,"msg_id":3}`, nil, history.OK, "nil", true},
		{"extra key is malformed", wrapped, "echo", `{"type":"echo_ok","echo":"x","in_reply_to":1,"extra":1}`, nil, history.Info, `"indeterminate: Malformed RPC response`, false},
		{"wrong type is malformed", wrapped, "echo", `{"type":"echo","echo":"x","in_reply_to":1}`, nil, history.Info, `"indeterminate: Malformed RPC response`, false},
		{"missing field is malformed", wrapped, "echo", `{"type":"echo_ok","in_reply_to":1}`, nil, history.Info, `"indeterminate: Malformed RPC response`, false},
		{"definite error fails", wrapped, "echo", `{"type":"error","code":11,"text":"not now","in_reply_to":1}`, nil, history.Fail, `[:temporarily-unavailable "not now"]`, false},
		{"indefinite error is info", wrapped, "echo", `{"type":"error","code":13,"text":"boom","in_reply_to":1}`, nil, history.Info, `[:crash "boom"]`, false},
		{"custom code is unknown and info", wrapped, "echo", `{"type":"error","code":1000,"text":"mine","in_reply_to":1}`, nil, history.Info, `[:unknown "mine"]`, false},
		{"missing code is unknown and info", wrapped, "echo", `{"type":"error","text":"go timeout","in_reply_to":1}`, nil, history.Info, `[:unknown "go timeout"]`, false},
		{"txn-conflict is definite", wrapped, "echo", `{"type":"error","code":30,"text":"abort","in_reply_to":1}`, nil, history.Fail, `[:txn-conflict "abort"]`, false},
		{"indefinite error on idempotent f fails", wrapped, "read", `{"type":"error","code":13,"text":"boom","in_reply_to":1}`, nil, history.Fail, `[:crash "boom"]`, false},
		{"timeout is info", wrapped, "echo", "", ErrTimeout, history.Info, ":net-timeout", false},
		{"timeout on idempotent f fails", wrapped, "read", "", ErrTimeout, history.Fail, ":net-timeout", false},
		{"no wrapper: error is indeterminate", bare, "add", `{"type":"error","code":11,"text":"not now","in_reply_to":1}`, nil, history.Info, `"indeterminate: RPC error temporarily-unavailable: not now"`, false},
		{"no wrapper: timeout is indeterminate", bare, "read", "", ErrTimeout, history.Info, `"indeterminate: Client read timeout"`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			inv := history.Op{Type: history.Invoke, Process: 4, F: tc.f, Value: "v"}
			var r Reply
			if tc.body != "" {
				r = reply(t, tc.body)
			}
			comp, ok := tc.rules.Complete(inv, r, tc.err, schema, "n1")
			assert.Equal(t, tc.wantOK, ok)
			assert.Equal(t, tc.wantType, comp.Type)
			assert.Equal(t, 4, comp.Process)
			assert.Contains(t, edn.String(comp.Error), tc.wantError)
			if !ok {
				assert.Equal(t, "v", comp.Value, "a failed op keeps its invocation's value")
			}
		})
	}
}

func TestRPCMatchesInReplyToAndDiscardsOthers(t *testing.T) {
	net := netsim.New(netsim.Config{})
	defer net.Close()
	var ids Allocator
	// A node that answers every request twice: first with a wrong
	// in_reply_to, then with the right one.
	require.NoError(t, net.Register("n1", func(m netsim.Message) {
		h, _, _ := proto.ParseHeader(m.Body)
		net.Send("n1", m.Src, proto.Body("type", "echo_ok", "echo", "late", "in_reply_to", h.MsgID+100))
		net.Send("n1", m.Src, proto.Body("type", "echo_ok", "echo", "right", "in_reply_to", h.MsgID))
	}))
	c, err := Open(net, &ids, "n1")
	require.NoError(t, err)
	defer c.Close()
	var bogus []string
	c.OnBogusReply(func(body []byte) { bogus = append(bogus, string(body)) })
	assert.Equal(t, "c0", c.ID())
	for range 3 {
		r, err := c.RPC(context.Background(), time.Second, "type", "echo", "echo", "x")
		require.NoError(t, err)
		v, err := r.FieldValue("echo")
		require.NoError(t, err)
		assert.Equal(t, "right", v)
	}
	// Each reply to a msg_id never sent (id+100) was reported.
	require.Len(t, bogus, 3)
	assert.Contains(t, bogus[0], `"in_reply_to":101`)
	other, err := Open(net, &ids, "n1")
	require.NoError(t, err)
	defer other.Close()
	assert.Equal(t, "c1", other.ID(), "client ids come from one counter")
}

func TestRPCTimesOut(t *testing.T) {
	net := netsim.New(netsim.Config{})
	defer net.Close()
	var ids Allocator
	require.NoError(t, net.Register("n1", func(netsim.Message) {}))
	c, err := Open(net, &ids, "n1")
	require.NoError(t, err)
	defer c.Close()
	_, err = c.RPC(context.Background(), 20*time.Millisecond, "type", "echo")
	assert.ErrorIs(t, err, ErrTimeout)
}
