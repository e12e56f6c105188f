package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/nodekit"
	"github.com/eddy-workbench/eddy/nodekit/kittest"
)

func TestProgram(t *testing.T) {
	tests := []struct {
		args   []string
		status int
		stderr string
	}{
		{nil, 0, ""},
		{[]string{"-h"}, 0, "usage: gcounter"},
		{[]string{"-sync", "0s"}, 2, "gcounter: -sync must be positive"},
		{[]string{"-sync", "often"}, 2, `invalid value "often" for flag -sync`},
		{[]string{"extra"}, 2, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		fs, setup := program()
		var stderr strings.Builder
		status := nodekit.Exec(context.Background(), fs, tt.args, setup, nodekit.WithIO(strings.NewReader(""), &strings.Builder{}, &stderr))
		assert.Equal(t, tt.status, status, "%v", tt.args)
		assert.Contains(t, stderr.String(), tt.stderr, "%v", tt.args)
	}
}

// seqKV plays the seq-kv service for one request: it waits for a request
// of type typ on key, checks it, and answers with reply (a JSON object
// without in_reply_to).
func seqKV(t *testing.T, w *kittest.Wire, typ, key, reply string) kittest.Msg {
	t.Helper()
	req := w.WaitFor(func(m kittest.Msg) bool {
		var b struct{ Key string }
		_ = m.Decode(&b)
		return m.Dest == "seq-kv" && m.Type == typ && b.Key == key
	})
	w.Send("seq-kv", fmt.Sprintf(`{"in_reply_to":%d,%s`, req.MsgID, strings.TrimPrefix(reply, "{")))
	return req
}

func value(t *testing.T, w *kittest.Wire) int64 {
	t.Helper()
	var v readOK
	require.NoError(t, w.Call("c1", `{"type":"read"}`).Decode(&v))
	return v.Value
}

// TestNodeSyncRound plays seq-kv through two rounds of node n0 among n0,
// n1, n2: the restore of its own share, the write, and the peers' reads,
// one of which fails.
func TestNodeSyncRound(t *testing.T) {
	w := kittest.Start(t, func(n *nodekit.Node) { setup(n, 20*time.Millisecond) })
	w.Init("n0", "n0", "n1", "n2")
	assert.Equal(t, "add_ok", w.Call("c1", `{"type":"add","delta":5}`).Type)
	assert.Equal(t, int64(5), value(t, w), "adds count at once")

	// Round 1: an earlier run of n0 left 10.
	seqKV(t, w, "read", "counter/n0", `{"type":"read_ok","value":{"total":10,"seq":4}}`)
	wr := seqKV(t, w, "write", "counter/n0", `{"type":"write_ok"}`)
	assert.JSONEq(t, fmt.Sprintf(`{"type":"write","key":"counter/n0","value":{"total":15,"seq":5},"msg_id":%d}`, wr.MsgID), string(wr.Body))
	seqKV(t, w, "read", "counter/n1", `{"type":"read_ok","value":{"total":7,"seq":3}}`)
	// An error reply with code 0 is a failure (the Maelstrom library would
	// take it for success and read a zero record).
	seqKV(t, w, "read", "counter/n2", `{"type":"error","code":0,"text":"timeout"}`)
	require.Eventually(t, func() bool { return value(t, w) == 22 }, 5*time.Second, time.Millisecond)

	// Round 2: no restore, a fresh seq, and n2 answers.
	wr = seqKV(t, w, "write", "counter/n0", `{"type":"write_ok"}`)
	assert.Contains(t, string(wr.Body), `"value":{"total":15,"seq":6}`)
	seqKV(t, w, "read", "counter/n1", `{"type":"error","code":20,"text":"not found"}`)
	seqKV(t, w, "read", "counter/n2", `{"type":"read_ok","value":{"total":-2,"seq":1}}`)
	require.Eventually(t, func() bool { return value(t, w) == 20 }, 5*time.Second, time.Millisecond)
}

func TestNodeMalformed(t *testing.T) {
	w := kittest.Start(t, func(n *nodekit.Node) { setup(n, time.Hour) })
	w.Init("n0")
	for _, body := range []string{`{"type":"add"}`, `{"type":"add","delta":1.5}`, `{"type":"add","delta":"1"}`} {
		r := w.Call("c1", body)
		assert.Equal(t, 12, r.Code, body)
	}
	assert.Equal(t, int64(0), value(t, w))
}
