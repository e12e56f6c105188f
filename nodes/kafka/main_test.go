package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"os"
	"strings"
	"testing"
	"time"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) {
	log.SetOutput(io.Discard) // the library logs every message to stderr
	os.Exit(m.Run())
}

func TestParseFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    time.Duration
		wantErr string
	}{
		{"default", nil, 20 * time.Millisecond, ""},
		{"set", []string{"-sync", "50ms"}, 50 * time.Millisecond, ""},
		{"zero", []string{"-sync", "0s"}, 0, "-sync must be positive"},
		{"negative", []string{"-sync=-1s"}, 0, "-sync must be positive"},
		{"bad duration", []string{"-sync", "often"}, 0, `invalid value "often" for flag -sync`},
		{"unknown flag", []string{"-round", "1s"}, 0, "flag provided but not defined: -round"},
		{"stray argument", []string{"fast"}, 0, `unexpected argument "fast"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseFlags(tt.args)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.Interval)
			assert.Equal(t, 5*tt.want, got.Resend)
		})
	}
}

// wire is a node on pipes, driven the way Maelstrom drives it.
type wire struct {
	t    *testing.T
	in   *io.PipeWriter
	out  *bufio.Scanner
	outR *io.PipeReader
	done chan error
	self string
	id   int
	msg  int
	// syncs collects the syncs the node sent while the test waited for
	// replies.
	syncs []reply
}

type reply struct {
	Src, Dest string
	Body      struct {
		Type      string                       `json:"type"`
		InReplyTo int                          `json:"in_reply_to"`
		Offset    *int64                       `json:"offset"`
		Msgs      map[string][]json.RawMessage `json:"msgs"`
		Offsets   map[string]int64             `json:"offsets"`
		Code      int                          `json:"code"`
		Text      string                       `json:"text"`
		SyncBody
	}
}

func startWire(t *testing.T, opt Options, self string, nodes ...string) *wire {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	n := maelstrom.NewNode()
	n.Stdout = outW
	s := newServer(n, opt)
	w := &wire{t: t, in: inW, out: bufio.NewScanner(outR), outR: outR, done: make(chan error, 1), self: self}
	w.out.Buffer(nil, 1<<20)
	go func() { w.done <- s.run(inR) }()
	ids, _ := json.Marshal(nodes)
	r := w.call(fmt.Sprintf(`{"type":"init","node_id":%q,"node_ids":%s}`, self, ids))
	require.Equal(t, "init_ok", r.Body.Type)
	t.Cleanup(w.close)
	return w
}

// line writes one raw line to the node.
func (w *wire) line(s string) {
	w.t.Helper()
	_, err := io.WriteString(w.in, s+"\n")
	require.NoError(w.t, err)
}

// send writes one message to the node, from src.
func (w *wire) send(src, body string) {
	w.t.Helper()
	w.id++
	w.line(fmt.Sprintf(`{"id":%d,"src":%q,"dest":%q,"body":%s}`, w.id, src, w.self, body))
}

// call sends a request from client c1 and returns the reply, setting aside
// the syncs the node sends meanwhile.
func (w *wire) call(body string) reply {
	w.t.Helper()
	w.msg++
	w.send("c1", fmt.Sprintf(`{"msg_id":%d,%s`, w.msg, strings.TrimPrefix(body, "{")))
	return w.replyTo(w.msg)
}

// replyTo waits for the reply to request id.
func (w *wire) replyTo(id int) reply {
	w.t.Helper()
	for {
		r := w.next()
		if r.Dest != "c1" {
			w.syncs = append(w.syncs, r)
			continue
		}
		require.Equal(w.t, id, r.Body.InReplyTo, "reply to the latest request")
		return r
	}
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

// close ends stdin and waits for the node to stop, discarding what it still
// writes.
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

// msgs renders a poll_ok's msgs compactly for comparison.
func msgs(r reply) map[string]string {
	out := map[string]string{}
	for k, pairs := range r.Body.Msgs {
		var parts []string
		for _, p := range pairs {
			parts = append(parts, string(p))
		}
		out[k] = strings.Join(parts, " ")
	}
	return out
}

func TestNodeSingle(t *testing.T) {
	w := startWire(t, Options{}, "n0", "n0")

	r := w.call(`{"type":"poll","offsets":{}}`)
	assert.Equal(t, "poll_ok", r.Body.Type)
	assert.NotNil(t, r.Body.Msgs, "msgs is always there")
	assert.Empty(t, r.Body.Msgs)

	for i, m := range []string{`10`, `"eleven"`, `{"n":[12]}`} {
		r = w.call(`{"type":"send","key":"k1","msg":` + m + `}`)
		require.Equal(t, "send_ok", r.Body.Type)
		require.NotNil(t, r.Body.Offset)
		assert.Equal(t, int64(i), *r.Body.Offset)
	}
	r = w.call(`{"type":"send","key":"k2","msg":99}`)
	assert.Equal(t, int64(0), *r.Body.Offset)

	r = w.call(`{"type":"poll","offsets":{"k1":1,"k2":0,"k3":0}}`)
	assert.Equal(t, map[string]string{"k1": `[1,"eleven"] [2,{"n":[12]}]`, "k2": `[0,99]`}, msgs(r), "messages come back byte for byte")

	r = w.call(`{"type":"commit_offsets","offsets":{"k1":2,"k2":0}}`)
	assert.Equal(t, "commit_offsets_ok", r.Body.Type)
	r = w.call(`{"type":"commit_offsets","offsets":{"k1":1}}`)
	assert.Equal(t, "commit_offsets_ok", r.Body.Type)
	r = w.call(`{"type":"list_committed_offsets","keys":["k1","k2","k3"]}`)
	assert.Equal(t, "list_committed_offsets_ok", r.Body.Type)
	assert.Equal(t, map[string]int64{"k1": 2, "k2": 0}, r.Body.Offsets)
	r = w.call(`{"type":"list_committed_offsets","keys":[]}`)
	assert.NotNil(t, r.Body.Offsets)
	assert.Empty(t, r.Body.Offsets)
	assert.Empty(t, w.syncs, "a lone node talks to nobody")
}

func TestNodeMalformed(t *testing.T) {
	w := startWire(t, Options{}, "n0", "n0")
	tests := []struct {
		name string
		body string
		code int
		text string
	}{
		{"send without key", `{"type":"send","msg":1}`, maelstrom.MalformedRequest, `send needs "key", a string`},
		{"send with a number key", `{"type":"send","key":5,"msg":1}`, maelstrom.MalformedRequest, `send needs "key", a string`},
		{"send without msg", `{"type":"send","key":"a"}`, maelstrom.MalformedRequest, `"msg", any JSON value`},
		{"send with a huge msg", `{"type":"send","key":"a","msg":"` + strings.Repeat("x", 9000) + `"}`, maelstrom.MalformedRequest, "messages up to 8192 bytes"},
		{"poll without offsets", `{"type":"poll"}`, maelstrom.MalformedRequest, `poll needs "offsets"`},
		{"poll with fractional offset", `{"type":"poll","offsets":{"a":1.5}}`, maelstrom.MalformedRequest, "integer offsets"},
		{"poll with offsets list", `{"type":"poll","offsets":[1]}`, maelstrom.MalformedRequest, `poll needs "offsets"`},
		{"commit with null offsets", `{"type":"commit_offsets","offsets":null}`, maelstrom.MalformedRequest, `commit_offsets needs "offsets"`},
		{"list without keys", `{"type":"list_committed_offsets"}`, maelstrom.MalformedRequest, `"keys", an array of strings`},
		{"list with number keys", `{"type":"list_committed_offsets","keys":[1]}`, maelstrom.MalformedRequest, `"keys", an array of strings`},
		{"unknown type", `{"type":"fetch"}`, maelstrom.NotSupported, `unsupported message type "fetch"`},
		{"no type", `{"key":"a"}`, maelstrom.MalformedRequest, `the body has no "type"`},
		{"type of the wrong kind", `{"type":7}`, maelstrom.MalformedRequest, `a string "type"`},
		{"line over 60 KiB", `{"type":"send","key":"a","msg":"` + strings.Repeat("y", 70<<10) + `"}`, maelstrom.MalformedRequest, "over the 61440 this node accepts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := w.call(tt.body)
			assert.Equal(t, "error", r.Body.Type)
			assert.Equal(t, tt.code, r.Body.Code)
			assert.Contains(t, r.Body.Text, tt.text)
		})
	}

	// Lines nobody can be answered for are dropped, and the node goes on.
	w.line(`not json`)
	w.line(`{"src":"c1","dest":"n0","body":"text"}`)
	w.line(`{"src":"c1","dest":"n0","body":{"type":"fetch"}}`)
	w.line(`{"src":"c1","dest":"n0","body":{"type":"send","msg_id":"x"}}`)
	w.line(`{"src":"c1","dest":"n0","body":{"type":"sync","items":"x"}}`)
	w.line(`{"src":"c1","dest":"n0","body":{"in_reply_to":4,"type":"read_ok"}}`)
	w.line(strings.Repeat("z", 2<<20))
	w.line(``)
	r := w.call(`{"type":"send","key":"a","msg":1}`)
	assert.Equal(t, "send_ok", r.Body.Type)
	assert.Equal(t, int64(0), *r.Body.Offset)
}

// TestNodeTwo: a node among two replicates a send to its peer, and polls
// show it once the peer's promise comes back.
func TestNodeTwo(t *testing.T) {
	w := startWire(t, Options{Interval: 5 * time.Millisecond}, "n1", "n0", "n1")

	r := w.call(`{"type":"send","key":"k","msg":5}`)
	require.Equal(t, int64(1), *r.Body.Offset, "n1 allocates odd offsets")
	r = w.call(`{"type":"poll","offsets":{"k":0}}`)
	assert.Empty(t, r.Body.Msgs, "n0 might still write 0")

	// The entry goes to n0 within an interval or so.
	for len(w.syncs) == 0 {
		w.syncs = append(w.syncs, w.next())
	}
	s := w.syncs[0]
	assert.Equal(t, "n0", s.Dest)
	assert.Equal(t, "sync", s.Body.Type)
	assert.Equal(t, int64(1), s.Body.Seq)
	require.Len(t, s.Body.Items, 1)
	assert.Equal(t, Item{Kind: KindEntry, Key: "k", Off: 1, Msg: raw(5)}, s.Body.Items[0])

	// n0 acknowledges, promises nothing at or below 1, and adds an entry
	// at 2. Handlers run concurrently, so the poll may overtake the sync:
	// retry.
	w.send("n0", `{"type":"sync","seq":1,"items":[{"t":"f","k":"k","o":1},{"t":"e","k":"k","o":2,"m":6}],"ack":1}`)
	deadline := time.Now().Add(5 * time.Second)
	for {
		r = w.call(`{"type":"poll","offsets":{"k":0}}`)
		if len(r.Body.Msgs) > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	assert.Equal(t, map[string]string{"k": `[1,5] [2,6]`}, msgs(r))

	r = w.call(`{"type":"send","key":"k","msg":7}`)
	assert.Equal(t, int64(3), *r.Body.Offset, "above n0's entry")

	// n1 owes n0 an acknowledgement of its two items.
	for !hasAck(w.syncs, 2) {
		w.syncs = append(w.syncs, w.next())
	}
}

func hasAck(rs []reply, ack int64) bool {
	for _, r := range rs {
		if r.Body.Type == "sync" && r.Body.Ack == ack {
			return true
		}
	}
	return false
}
