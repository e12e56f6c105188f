package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"os"
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
		want    Options
		wantErr string
	}{
		{"defaults", nil, Options{Strategy: Latency, Round: time.Second, Flush: 30 * time.Millisecond, MaxBytes: MaxHaveBytes}, ""},
		{"messages default round", []string{"-strategy", "messages"}, Options{Strategy: Messages, Round: 1200 * time.Millisecond, Flush: 30 * time.Millisecond, MaxBytes: MaxHaveBytes}, ""},
		{"everything set", []string{"-strategy=messages", "-round", "200ms", "-flush", "5ms"}, Options{Strategy: Messages, Round: 200 * time.Millisecond, Flush: 5 * time.Millisecond, MaxBytes: MaxHaveBytes}, ""},
		{"unknown strategy", []string{"-strategy", "gossip"}, Options{}, `-strategy must be latency or messages, not "gossip"`},
		{"zero round", []string{"-round", "0s"}, Options{}, "-round must be positive"},
		{"negative round", []string{"-round", "-1s"}, Options{}, "-round must be positive"},
		{"zero flush", []string{"-flush", "0s"}, Options{}, "-flush must be positive"},
		{"bad duration", []string{"-round", "soon"}, Options{}, `invalid value "soon" for flag -round`},
		{"unknown flag", []string{"-fanout", "3"}, Options{}, "flag provided but not defined: -fanout"},
		{"stray argument", []string{"latency"}, Options{}, `unexpected argument "latency"`},
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
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseValue(t *testing.T) {
	tests := []struct {
		raw  string
		want int64
		ok   bool
	}{
		{"0", 0, true},
		{"42", 42, true},
		{"-3", -3, true},
		{"9223372036854775807", 9223372036854775807, true},
		{"9223372036854775808", 0, false},
		{"1.5", 0, false},
		{"1e3", 0, false},
		{`"7"`, 0, false},
		{"true", 0, false},
		{"null", 0, false},
		{"[1]", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		v, ok := parseValue(json.RawMessage(tt.raw))
		assert.Equal(t, tt.ok, ok, "%q", tt.raw)
		assert.Equal(t, tt.want, v, "%q", tt.raw)
	}
}

// wire is a node on pipes, driven the way Maelstrom drives it.
type wire struct {
	t    *testing.T
	in   *io.PipeWriter
	out  *bufio.Scanner
	outR *io.PipeReader
	done chan error
	id   int
	msg  int
	// syncs collects the sync messages the node sent to other nodes while
	// the test waited for replies.
	syncs []reply
}

type reply struct {
	Src, Dest string
	Body      struct {
		Type      string     `json:"type"`
		InReplyTo int        `json:"in_reply_to"`
		Messages  []int64    `json:"messages"`
		Value     []int64    `json:"value"`
		Have      [][2]int64 `json:"have"`
		Code      int        `json:"code"`
		Text      string     `json:"text"`
	}
}

func startWire(t *testing.T, opt Options) *wire {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	n := maelstrom.NewNode()
	n.Stdin, n.Stdout = inR, outW
	s := newServer(n, opt)
	w := &wire{t: t, in: inW, out: bufio.NewScanner(outR), outR: outR, done: make(chan error, 1)}
	w.out.Buffer(nil, 1<<20)
	go func() { w.done <- s.run() }()
	return w
}

// send writes one message to the node, from src.
func (w *wire) send(src, body string) {
	w.t.Helper()
	w.id++
	if _, err := fmt.Fprintf(w.in, `{"id":%d,"src":%q,"dest":"n1","body":%s}`+"\n", w.id, src, body); err != nil {
		w.t.Fatal(err)
	}
}

// call sends a request from client c1 and returns the reply, setting aside
// the syncs the node sends meanwhile.
func (w *wire) call(body string) reply {
	w.t.Helper()
	w.msg++
	var m map[string]any
	require.NoError(w.t, json.Unmarshal([]byte(body), &m))
	m["msg_id"] = w.msg
	b, _ := json.Marshal(m)
	w.send("c1", string(b))
	for {
		r := w.next()
		if r.Dest != "c1" {
			w.syncs = append(w.syncs, r)
			continue
		}
		require.Equal(w.t, w.msg, r.Body.InReplyTo, "reply to the latest request")
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

func TestNode(t *testing.T) {
	w := startWire(t, Options{Strategy: Latency, Round: time.Second})
	defer w.close()

	r := w.call(`{"type":"init","node_id":"n1","node_ids":["n1","n2"]}`)
	require.Equal(t, "init_ok", r.Body.Type)
	r = w.call(`{"type":"topology","topology":{"n1":["n2"],"n2":["n1"]}}`)
	assert.Equal(t, "topology_ok", r.Body.Type)

	r = w.call(`{"type":"read"}`)
	assert.Equal(t, "read_ok", r.Body.Type)
	assert.Equal(t, []int64{}, r.Body.Messages)

	r = w.call(`{"type":"broadcast","message":7}`)
	assert.Equal(t, "broadcast_ok", r.Body.Type)
	r = w.call(`{"type":"read"}`)
	assert.Equal(t, []int64{7}, r.Body.Messages)

	// The value was flooded to n2 (maybe after the reply).
	for !hasSync(w.syncs, "n2", [2]int64{7, 7}) {
		w.syncs = append(w.syncs, w.next())
	}

	tests := []struct {
		message string
		text    string
	}{
		{`"seven"`, "must be an integer"},
		{`1.5`, "must be an integer"},
		{`null`, "must be an integer"},
	}
	for _, tt := range tests {
		r = w.call(`{"type":"broadcast","message":` + tt.message + `}`)
		assert.Equal(t, "error", r.Body.Type, tt.message)
		assert.Equal(t, maelstrom.MalformedRequest, r.Body.Code, tt.message)
		assert.Contains(t, r.Body.Text, tt.text, tt.message)
	}
	r = w.call(`{"type":"broadcast"}`)
	assert.Equal(t, maelstrom.MalformedRequest, r.Body.Code)
	assert.Contains(t, r.Body.Text, `needs a "message" field`)

	// A sync from a peer is merged. Handlers run concurrently, so a read
	// sent right after it may overtake it: poll.
	w.send("n2", `{"type":"sync","have":[[1,3],[9,9]]}`)
	deadline := time.Now().Add(5 * time.Second)
	for {
		r = w.call(`{"type":"read"}`)
		if len(r.Body.Messages) > 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	assert.Equal(t, []int64{1, 2, 3, 7, 9}, r.Body.Messages)
}

// TestNodeGSet: without a topology message the node speaks g-set: add with
// element, and read_ok with value.
func TestNodeGSet(t *testing.T) {
	w := startWire(t, Options{Strategy: Latency, Round: time.Second})
	defer w.close()
	r := w.call(`{"type":"init","node_id":"n1","node_ids":["n1","n2"]}`)
	require.Equal(t, "init_ok", r.Body.Type)
	r = w.call(`{"type":"add","element":3}`)
	assert.Equal(t, "add_ok", r.Body.Type)
	r = w.call(`{"type":"add","element":"x"}`)
	assert.Equal(t, maelstrom.MalformedRequest, r.Body.Code)
	assert.Contains(t, r.Body.Text, "element must be an integer")
	r = w.call(`{"type":"read"}`)
	assert.Equal(t, "read_ok", r.Body.Type)
	assert.Equal(t, []int64{3}, r.Body.Value)
	assert.Nil(t, r.Body.Messages)
}

// TestNodeMessagesStrategy: a leaf sends nothing on broadcast and syncs with
// the hub at the next round boundary.
func TestNodeMessagesStrategy(t *testing.T) {
	w := startWire(t, Options{Strategy: Messages, Round: 50 * time.Millisecond})
	defer w.close()
	r := w.call(`{"type":"init","node_id":"n1","node_ids":["n0","n1","n2"]}`)
	require.Equal(t, "init_ok", r.Body.Type)
	r = w.call(`{"type":"broadcast","message":4}`)
	require.Equal(t, "broadcast_ok", r.Body.Type)
	for !hasSync(w.syncs, "n0", [2]int64{4, 4}) {
		w.syncs = append(w.syncs, w.next())
	}
	for _, s := range w.syncs {
		assert.Equal(t, "n0", s.Dest, "a leaf talks to the hub only")
	}
}

func hasSync(rs []reply, dest string, want [2]int64) bool {
	for _, r := range rs {
		if r.Dest == dest && r.Body.Type == "sync" {
			for _, h := range r.Body.Have {
				if h == want {
					return true
				}
			}
		}
	}
	return false
}
