package rsmnode

import (
	"bytes"
	"encoding/json"
	"flag"
	"strings"
	"sync"
	"testing"
	"time"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/nodekit"
	"github.com/eddy-workbench/eddy/nodekit/kittest"
	"github.com/eddy-workbench/eddy/nodes/internal/durable"
	"github.com/eddy-workbench/eddy/nodes/internal/rsm"
)

// echoMsg is the fake protocol's one message: a peer's "ping" is answered
// with a "pong" carrying N+1.
type echoMsg struct {
	Kind string `json:"type"`
	From string `json:"-"`
	To   string `json:"-"`
	N    int    `json:"n"`
}

func (m echoMsg) Source() string { return m.From }
func (m echoMsg) Dest() string   { return m.To }

// instant is a fake core for one node: it commits every op at once
// (persisting the index first), except ops on the key "nope", which it
// fails; its first tick logs a leader line.
type instant struct {
	id     string
	index  uint64
	ticked bool
	out    rsm.Ready[echoMsg, uint64, rsm.Op]
}

func (c *instant) Tick() {
	if !c.ticked {
		c.ticked = true
		c.out.Events = append(c.out.Events, "leader "+c.id+" term 1")
	}
}

func (c *instant) Submit(op rsm.Op) {
	if string(op.Key) == `"nope"` {
		c.out.Failed = append(c.out.Failed, op)
		return
	}
	c.index++
	i := c.index
	c.out.Persist = append(c.out.Persist, durable.Update[uint64, rsm.Op]{Hard: &i, First: i, Records: []rsm.Op{op}})
	c.out.Committed = append(c.out.Committed, rsm.Entry{Index: i, Ops: []rsm.Op{op}})
}

func (c *instant) Step(m echoMsg) {
	c.out.Messages = append(c.out.Messages, echoMsg{Kind: "pong", From: c.id, To: m.From, N: m.N + 1})
}

func (c *instant) Ready() rsm.Ready[echoMsg, uint64, rsm.Op] {
	out := c.out
	c.out = rsm.Ready[echoMsg, uint64, rsm.Op]{}
	return out
}

// syncBuffer is a log the test reads while the node writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// fake is a node of the fake protocol on pipes, with its store and log.
type fake struct {
	*kittest.Wire
	store *durable.Memory[uint64, rsm.Op]
	log   *syncBuffer
}

func start(t *testing.T) fake {
	f := fake{store: &durable.Memory[uint64, rsm.Op]{}, log: &syncBuffer{}}
	cfg := Config[echoMsg, uint64, rsm.Op]{
		Kinds: []string{"ping", "pong"},
		Decode: func(src, dest string, body []byte) (echoMsg, error) {
			var m echoMsg
			err := json.Unmarshal(body, &m)
			m.From, m.To = src, dest
			return m, err
		},
		NewCore: func(id string, _ []string, _ durable.State[uint64, rsm.Op]) rsm.Core[echoMsg, uint64, rsm.Op] {
			return &instant{id: id}
		},
		Store:  f.store,
		Tick:   time.Millisecond,
		Expire: time.Second,
		Log:    f.log,
	}
	f.Wire = kittest.Start(t, func(n *nodekit.Node) { Setup(n, cfg) })
	f.Init("n1", "n1", "n2")
	return f
}

// call sends a request from client c1 and returns the reply.
func (f fake) call(body string) kittest.Msg { return f.Call("c1", body) }

func TestServeAnswersOnceApplied(t *testing.T) {
	w := start(t)
	r := w.call(`{"type":"read","key":1}`)
	assert.Equal(t, "error", r.Type)
	assert.Equal(t, rsm.CodeKeyDoesNotExist, r.Code)
	r = w.call(`{"type":"write","key":1,"value":{"b":2,"a":[1.0]}}`)
	assert.Equal(t, "write_ok", r.Type)
	r = w.call(`{"type":"read","key":1}`)
	assert.Equal(t, "read_ok", r.Type)
	assert.Equal(t, `{"a":[1.0],"b":2}`, value(t, r), "canonical: keys sorted, 1.0 kept")
	r = w.call(`{"type":"cas","key":1,"from":{"a":[1],"b":2},"to":3}`)
	assert.Equal(t, rsm.CodePreconditionFailed, r.Code, "1 is not 1.0")
	assert.Contains(t, r.Text, "is not")
	r = w.call(`{"type":"cas","key":1,"from":{"a":[1.0], "b":2},"to":3}`)
	assert.Equal(t, "cas_ok", r.Type)
	r = w.call(`{"type":"cas","key":"new","from":0,"to":5,"create_if_not_exists":true}`)
	assert.Equal(t, "cas_ok", r.Type)
	r = w.call(`{"type":"read","key":"new"}`)
	assert.Equal(t, "5", value(t, r))
	r = w.call(`{"type":"write","key":null,"value":null}`)
	assert.Equal(t, "write_ok", r.Type, "null is a key and a value like any other")

	st, err := w.store.Load()
	require.NoError(t, err)
	assert.Equal(t, uint64(8), st.Hard, "what the core persists reaches the store")
	assert.Len(t, st.Records, 8, "reads are ops in the log too")
}

func TestServeRefusesBadRequests(t *testing.T) {
	w := start(t)
	tests := []struct {
		body string
		code int
		text string
	}{
		{`{"type":"read"}`, rsm.CodeMalformedRequest, `read needs "key"`},
		{`{"type":"write","key":1}`, rsm.CodeMalformedRequest, `write needs "value"`},
		{`{"type":"cas","key":1,"from":1}`, rsm.CodeMalformedRequest, `cas needs "to"`},
		{`{"type":"cas","key":1,"from":1,"to":2,"create_if_not_exists":"yes"}`, rsm.CodeMalformedRequest, `create_if_not_exists`},
		{`{"type":"write","key":"` + strings.Repeat("k", MaxKeyBytes) + `","value":1}`, rsm.CodeMalformedRequest, `"key" is 1026 bytes of JSON; this node takes up to 1024`},
		{`{"type":"write","key":1,"value":"` + strings.Repeat("v", MaxValueBytes) + `"}`, rsm.CodeMalformedRequest, `"value" is 8194 bytes`},
		{`{"type":"write","key":"nope","value":1}`, rsm.CodeTemporarilyUnavailable, "no leader"},
		{`{"type":"frobnicate"}`, 10, `unsupported message type "frobnicate"`},
	}
	for _, tt := range tests {
		r := w.call(tt.body)
		assert.Equal(t, "error", r.Type, tt.body)
		assert.Equal(t, tt.code, r.Code, tt.body)
		assert.Contains(t, r.Text, tt.text, tt.body)
	}
	// A line that is not JSON does not stop the node.
	w.Line(`this is not JSON`)
	r := w.call(`{"type":"write","key":1,"value":2}`)
	assert.Equal(t, "write_ok", r.Type)
}

func value(t *testing.T, r kittest.Msg) string {
	t.Helper()
	var b struct {
		Value json.RawMessage `json:"value"`
	}
	require.NoError(t, r.Decode(&b))
	return string(b.Value)
}

func TestServeStepsPeerMessagesAndLogsEvents(t *testing.T) {
	w := start(t)
	w.Send("n2", `{"type":"ping","n":41}`)
	r := w.WaitFor(func(m kittest.Msg) bool { return m.Type == "pong" })
	assert.Equal(t, "n2", r.Dest)
	var b echoMsg
	require.NoError(t, r.Decode(&b))
	assert.Equal(t, 42, b.N)
	require.Eventually(t, func() bool { return strings.Contains(w.log.String(), "eddy: leader n1 term 1\n") },
		5*time.Second, time.Millisecond, "the core's events go to the log as eddy: lines")
}

func TestOpOf(t *testing.T) {
	op, err := opOf(rsm.CAS, clientReq{Key: json.RawMessage(` "k" `), From: json.RawMessage(`null`), To: json.RawMessage(`{"z":1, "a":2}`)})
	require.NoError(t, err)
	assert.Equal(t, rsm.Op{F: rsm.CAS, Key: json.RawMessage(`"k"`), From: json.RawMessage(`null`), To: json.RawMessage(`{"a":2,"z":1}`)}, op)
	_, err = opOf(rsm.Write, clientReq{Key: json.RawMessage(`1`), Value: json.RawMessage(`[1,`)})
	var rpcErr *maelstrom.RPCError
	require.ErrorAs(t, err, &rpcErr)
	assert.Equal(t, maelstrom.MalformedRequest, rpcErr.Code)
	assert.Equal(t, `"value" is not JSON: unexpected EOF`, rpcErr.Text)
}

func TestFlags(t *testing.T) {
	tests := []struct {
		args    []string
		wantErr string
	}{
		{nil, ""},
		{[]string{"-batch", "0s"}, ""},
		{[]string{"-tick", "0s"}, "-tick must be positive"},
		{[]string{"-expire", "0s"}, "-expire must be positive"},
		{[]string{"-batch=-1ms"}, "-batch must not be negative"},
		{[]string{"-election", "50ms"}, "-election must be at least 10 ticks"},
		{[]string{"-batch", "200ms"}, "-batch must be at most a quarter of -election"},
	}
	for _, tt := range tests {
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		o := Flags(fs)
		require.NoError(t, fs.Parse(tt.args))
		err := o.Check()
		if tt.wantErr == "" {
			assert.NoError(t, err, "%v", tt.args)
			continue
		}
		require.Error(t, err, "%v", tt.args)
		assert.Contains(t, err.Error(), tt.wantErr)
	}
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	o := Flags(fs)
	require.NoError(t, fs.Parse(nil))
	assert.Equal(t, Timing{Election: 50, First: 10, Heartbeat: 10, Batch: 5, Resend: 20, Queue: 50}, o.Timing())
}
