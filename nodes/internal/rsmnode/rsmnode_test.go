package rsmnode

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/nodes/internal/durable"
	"github.com/eddy-workbench/eddy/nodes/internal/rsm"
)

func TestMain(m *testing.M) {
	log.SetOutput(io.Discard) // the library logs every message to stderr
	os.Exit(m.Run())
}

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

// wire is a node on pipes, driven the way Maelstrom drives it.
type wire struct {
	t     *testing.T
	in    *io.PipeWriter
	out   *bufio.Scanner
	outR  *io.PipeReader
	done  chan error
	id    int
	msg   int
	log   *syncBuffer
	store *durable.Memory[uint64, rsm.Op]
}

type reply struct {
	Src, Dest string
	Body      struct {
		Type      string          `json:"type"`
		InReplyTo int             `json:"in_reply_to"`
		Value     json.RawMessage `json:"value"`
		Code      int             `json:"code"`
		Text      string          `json:"text"`
		N         int             `json:"n"`
	}
}

func start(t *testing.T) *wire {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	n := maelstrom.NewNode()
	n.Stdout = outW
	w := &wire{t: t, in: inW, out: bufio.NewScanner(outR), outR: outR, done: make(chan error, 1),
		log: &syncBuffer{}, store: &durable.Memory[uint64, rsm.Op]{}}
	cfg := Config[echoMsg, uint64, rsm.Op]{
		Name:  "fake",
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
		Store:  w.store,
		Tick:   time.Millisecond,
		Expire: time.Second,
		Log:    w.log,
	}
	go func() { w.done <- Serve(n, inR, cfg) }()
	w.line(`{"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1","n2"]}}`)
	require.Equal(t, "init_ok", w.next().Body.Type)
	t.Cleanup(w.close)
	return w
}

func (w *wire) line(s string) {
	w.t.Helper()
	_, err := io.WriteString(w.in, s+"\n")
	require.NoError(w.t, err)
}

// call sends a request from client c1 and returns the reply.
func (w *wire) call(body string) reply {
	w.t.Helper()
	w.msg++
	w.id++
	w.line(fmt.Sprintf(`{"id":%d,"src":"c1","dest":"n1","body":{"msg_id":%d,%s}`, w.id, w.msg, strings.TrimPrefix(body, "{")))
	r := w.next()
	require.Equal(w.t, w.msg, r.Body.InReplyTo, "reply to the latest request")
	return r
}

func (w *wire) next() reply {
	w.t.Helper()
	if !w.out.Scan() {
		w.t.Fatalf("no output: %v", w.out.Err())
	}
	var r reply
	require.NoError(w.t, json.Unmarshal(w.out.Bytes(), &r), "%s", w.out.Bytes())
	return r
}

func (w *wire) close() {
	go io.Copy(io.Discard, w.outR)
	w.in.Close()
	select {
	case err := <-w.done:
		require.NoError(w.t, err)
	case <-time.After(5 * time.Second):
		w.t.Fatal("node did not stop after stdin closed")
	}
}

func TestServeAnswersOnceApplied(t *testing.T) {
	w := start(t)
	r := w.call(`{"type":"read","key":1}`)
	assert.Equal(t, "error", r.Body.Type)
	assert.Equal(t, rsm.CodeKeyDoesNotExist, r.Body.Code)
	r = w.call(`{"type":"write","key":1,"value":{"b":2,"a":[1.0]}}`)
	assert.Equal(t, "write_ok", r.Body.Type)
	r = w.call(`{"type":"read","key":1}`)
	assert.Equal(t, "read_ok", r.Body.Type)
	assert.JSONEq(t, `{"a":[1.0],"b":2}`, string(r.Body.Value))
	assert.Equal(t, `{"a":[1.0],"b":2}`, string(r.Body.Value), "canonical: keys sorted, 1.0 kept")
	r = w.call(`{"type":"cas","key":1,"from":{"a":[1],"b":2},"to":3}`)
	assert.Equal(t, rsm.CodePreconditionFailed, r.Body.Code, "1 is not 1.0")
	assert.Contains(t, r.Body.Text, "is not")
	r = w.call(`{"type":"cas","key":1,"from":{"a":[1.0], "b":2},"to":3}`)
	assert.Equal(t, "cas_ok", r.Body.Type)
	r = w.call(`{"type":"cas","key":"new","from":0,"to":5,"create_if_not_exists":true}`)
	assert.Equal(t, "cas_ok", r.Body.Type)
	r = w.call(`{"type":"read","key":"new"}`)
	assert.Equal(t, "5", string(r.Body.Value))

	st, err := w.store.Load()
	require.NoError(t, err)
	assert.Equal(t, uint64(7), st.Hard, "what the core persists reaches the store")
	assert.Len(t, st.Records, 7, "reads are ops in the log too")
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
		{`{"type":"write","key":"` + strings.Repeat("k", MaxKeyBytes) + `","value":1}`, rsm.CodeMalformedRequest, `"key" is 1026 bytes of JSON; this node takes up to 1024`},
		{`{"type":"write","key":1,"value":"` + strings.Repeat("v", MaxValueBytes) + `"}`, rsm.CodeMalformedRequest, `"value" is 8194 bytes`},
		{`{"type":"write","key":"nope","value":1}`, rsm.CodeTemporarilyUnavailable, "no leader"},
		{`{"type":"frobnicate"}`, 10, `unsupported message type "frobnicate"`},
	}
	for _, tt := range tests {
		r := w.call(tt.body)
		assert.Equal(t, "error", r.Body.Type, tt.body)
		assert.Equal(t, tt.code, r.Body.Code, tt.body)
		assert.Contains(t, r.Body.Text, tt.text, tt.body)
	}
	// A line that is not JSON, and one over the line limit, do not stop
	// the node.
	w.line(`this is not JSON`)
	w.line(`{"src":"c1","dest":"n1","body":{"type":"write","msg_id":99,"key":1,"value":"` + strings.Repeat("x", 70<<10) + `"}}`)
	r := w.next()
	assert.Equal(t, 99, r.Body.InReplyTo)
	assert.Contains(t, r.Body.Text, "over the")
	r = w.call(`{"type":"write","key":1,"value":2}`)
	assert.Equal(t, "write_ok", r.Body.Type)
}

func TestServeStepsPeerMessagesAndLogsEvents(t *testing.T) {
	w := start(t)
	w.line(`{"src":"n2","dest":"n1","body":{"type":"ping","n":41}}`)
	r := w.next()
	assert.Equal(t, "n2", r.Dest)
	assert.Equal(t, "pong", r.Body.Type)
	assert.Equal(t, 42, r.Body.N)
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
