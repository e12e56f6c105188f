package main

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/nodekit"
	"github.com/eddy-workbench/eddy/nodekit/kittest"
)

// TestNode drives the glue on pipes, playing lin-kv and seq-kv: a
// transaction on an empty database reads the root, sends the new pack to
// the other node and writes it, creates the root by compare-and-set, and
// is answered.
func TestNode(t *testing.T) {
	c := config{opt: DefaultOptions, maxBatch: 64, maxQueue: 10, cache: 1 << 20, timeout: time.Second, announce: true}
	w := kittest.Start(t, func(n *nodekit.Node) { setup(n, c) })
	defer w.Close()
	w.Init("n0", "n0", "n1")

	r := w.Call("c1", `{"type":"txn","txn":[["w",1,2]]}`)
	assert.Equal(t, maelstrom.MalformedRequest, r.Code)
	assert.Contains(t, r.Text, `f must be "r" or "append"`)

	reply := func(m kittest.Msg, body string) {
		w.Send(m.Dest, fmt.Sprintf(`{"in_reply_to":%d,%s`, m.MsgID, body[1:]))
	}
	w.Send("c1", `{"type":"txn","msg_id":7,"txn":[["append",1,5],["r",1,null]]}`)
	m := w.WaitFor(func(m kittest.Msg) bool { return m.Dest == "lin-kv" })
	assert.JSONEq(t, fmt.Sprintf(`{"type":"read","key":"root","msg_id":%d}`, m.MsgID), string(m.Body))
	reply(m, `{"type":"error","code":20,"text":"key does not exist"}`)

	var pack struct {
		ID    string
		Value json.RawMessage
	}
	m = w.WaitFor(func(m kittest.Msg) bool { return m.Dest == "n1" })
	require.Equal(t, "pack", m.Type)
	require.NoError(t, m.Decode(&pack))
	m = w.WaitFor(func(m kittest.Msg) bool { return m.Dest == "seq-kv" })
	var write struct {
		Type, Key string
		Value     json.RawMessage
	}
	require.NoError(t, m.Decode(&write))
	assert.Equal(t, "write", write.Type)
	assert.Equal(t, pack.ID, write.Key, "the pack sent is the pack written")
	assert.JSONEq(t, string(pack.Value), string(write.Value))
	reply(m, `{"type":"write_ok"}`)

	m = w.WaitFor(func(m kittest.Msg) bool { return m.Dest == "lin-kv" })
	var cas struct {
		Type, Key, From, To string
		Create              bool `json:"create_if_not_exists"`
	}
	require.NoError(t, m.Decode(&cas))
	assert.Equal(t, "cas", cas.Type)
	assert.Equal(t, "", cas.From)
	assert.True(t, cas.Create, "the first root is created")
	assert.Equal(t, pack.ID+"/0", cas.To)
	reply(m, `{"type":"cas_ok"}`)

	m = w.WaitFor(func(m kittest.Msg) bool { return m.Dest == "c1" })
	assert.Equal(t, int64(7), m.InReplyTo)
	assert.JSONEq(t, `{"type":"txn_ok","in_reply_to":7,"txn":[["append",1,5],["r",1,[5]]]}`, string(m.Body))

	// A refused compare-and-set is retried from the new root; one whose
	// answer never comes is answered crash.
	w.Send("c1", `{"type":"txn","msg_id":8,"txn":[["append",2,1]]}`)
	m = w.WaitFor(func(m kittest.Msg) bool { return m.Dest == "lin-kv" })
	reply(m, fmt.Sprintf(`{"type":"read_ok","value":%q}`, cas.To))
	m = w.WaitFor(func(m kittest.Msg) bool { return m.Dest == "seq-kv" })
	reply(m, `{"type":"write_ok"}`)
	m = w.WaitFor(func(m kittest.Msg) bool { return m.Dest == "lin-kv" })
	reply(m, `{"type":"error","code":22,"text":"current value is not that"}`)
	m = w.WaitFor(func(m kittest.Msg) bool { return m.Dest == "lin-kv" })
	assert.Equal(t, "read", m.Type, "retried from a fresh root")
	reply(m, fmt.Sprintf(`{"type":"read_ok","value":%q}`, cas.To))
	m = w.WaitFor(func(m kittest.Msg) bool { return m.Dest == "seq-kv" })
	reply(m, `{"type":"write_ok"}`)
	m = w.WaitFor(func(m kittest.Msg) bool { return m.Dest == "lin-kv" })
	assert.Equal(t, "cas", m.Type)
	// No answer: after the 1 s timeout the outcome is unknown.
	m = w.WaitFor(func(m kittest.Msg) bool { return m.Dest == "c1" })
	assert.Equal(t, maelstrom.Crash, m.Code)
	assert.Contains(t, w.Log(), "cas-retry attempt=1 txns=1")
}
