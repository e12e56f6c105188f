// Package kittest runs a nodekit.Node in-process, on pipes, for tests: a
// test writes the lines Maelstrom would deliver and reads what the node
// sends, with a deadline on every wait.
package kittest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eddy-workbench/eddy/nodekit"
)

// Timeout bounds every wait of a Wire.
const Timeout = 5 * time.Second

// Msg is one message the node sent, with its body's header decoded.
type Msg struct {
	Src, Dest string
	Body      json.RawMessage
	// From the body: "type", "msg_id", "in_reply_to", and for errors
	// "code" and "text".
	Type      string
	MsgID     int64
	InReplyTo int64
	Code      int
	Text      string
}

// Decode decodes the body into v.
func (m Msg) Decode(v any) error { return json.Unmarshal(m.Body, v) }

// Wire is a node running on pipes. Its methods must be called from the
// test's goroutine.
type Wire struct {
	t      testing.TB
	in     *io.PipeWriter
	out    chan Msg
	stderr *buffer
	done   chan error
	cancel context.CancelFunc
	netID  int
	msgID  int64
	aside  []Msg
	closed bool
}

// Start makes a node with opts (its IO replaced by pipes), lets setup
// register its handlers, and runs it. The node is stopped when the test
// ends, if Close was not called.
func Start(t testing.TB, setup func(n *nodekit.Node), opts ...nodekit.Option) *Wire {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	w := &Wire{t: t, in: inW, out: make(chan Msg, 1<<14), stderr: &buffer{}, done: make(chan error, 1)}
	n := nodekit.New(append(opts, nodekit.WithIO(inR, outW, w.stderr))...)
	if setup != nil {
		setup(n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	w.cancel = cancel
	go func() {
		err := n.Run(ctx)
		outW.Close()
		inR.Close()
		w.done <- err
	}()
	go w.readOutput(outR)
	t.Cleanup(w.Close)
	return w
}

// readOutput parses the node's output lines into w.out until it ends.
func (w *Wire) readOutput(r io.Reader) {
	defer close(w.out)
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		var m struct {
			Src, Dest string
			Body      json.RawMessage
		}
		var h struct {
			Type      string `json:"type"`
			MsgID     int64  `json:"msg_id"`
			InReplyTo int64  `json:"in_reply_to"`
			Code      int    `json:"code"`
			Text      string `json:"text"`
		}
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil || json.Unmarshal(m.Body, &h) != nil {
			w.out <- Msg{Type: "!unparsable", Text: sc.Text()}
			continue
		}
		w.out <- Msg{Src: m.Src, Dest: m.Dest, Body: m.Body, Type: h.Type, MsgID: h.MsgID, InReplyTo: h.InReplyTo, Code: h.Code, Text: h.Text}
	}
}

// Init sends the init message for node id among ids (id alone if none) and
// waits for init_ok.
func (w *Wire) Init(id string, ids ...string) {
	w.t.Helper()
	if len(ids) == 0 {
		ids = []string{id}
	}
	b, _ := json.Marshal(ids)
	r := w.Call("c0", fmt.Sprintf(`{"type":"init","node_id":%q,"node_ids":%s}`, id, b))
	if r.Type != "init_ok" {
		w.t.Fatalf("init answered with %s", r.Body)
	}
}

// Line writes one raw line to the node.
func (w *Wire) Line(s string) {
	w.t.Helper()
	if _, err := io.WriteString(w.in, s+"\n"); err != nil {
		w.t.Fatalf("writing to the node: %v", err)
	}
}

// Send delivers body, a JSON object, from src, with the envelope and the
// message id the network adds.
func (w *Wire) Send(src, body string) {
	w.t.Helper()
	w.netID++
	w.Line(fmt.Sprintf(`{"id":%d,"src":%q,"dest":"n","body":%s}`, w.netID, src, body))
}

// Call sends body, a JSON object, from src as a request with a fresh
// msg_id and returns the reply. Whatever else the node sends meanwhile is
// set aside (Aside).
func (w *Wire) Call(src, body string) Msg {
	w.t.Helper()
	w.msgID++
	id := w.msgID
	rest := strings.TrimPrefix(strings.TrimSpace(body), "{")
	sep := ","
	if strings.HasPrefix(strings.TrimSpace(rest), "}") {
		sep = ""
	}
	w.Send(src, fmt.Sprintf(`{"msg_id":%d%s%s`, id, sep, rest))
	for {
		m := w.Next()
		if m.Dest == src && m.InReplyTo == id {
			return m
		}
		w.aside = append(w.aside, m)
	}
}

// Next returns the next message the node sends, failing the test if none
// comes within Timeout.
func (w *Wire) Next() Msg {
	w.t.Helper()
	select {
	case m, ok := <-w.out:
		if !ok {
			w.t.Fatalf("the node stopped sending; its log:\n%s", w.Log())
		}
		if m.Type == "!unparsable" {
			w.t.Fatalf("the node sent a line that is not a message: %q", m.Text)
		}
		return m
	case <-time.After(Timeout):
		w.t.Fatalf("the node sent nothing within %v; its log:\n%s", Timeout, w.Log())
	}
	return Msg{}
}

// Quiet reports whether the node sends nothing within d.
func (w *Wire) Quiet(d time.Duration) bool {
	w.t.Helper()
	select {
	case m, ok := <-w.out:
		if ok {
			w.aside = append(w.aside, m)
		}
		return false
	case <-time.After(d):
		return true
	}
}

// WaitFor returns the first message, among those set aside and then those
// to come, for which match is true; it removes it from the set-aside ones.
func (w *Wire) WaitFor(match func(Msg) bool) Msg {
	w.t.Helper()
	for i, m := range w.aside {
		if match(m) {
			w.aside = append(w.aside[:i:i], w.aside[i+1:]...)
			return m
		}
	}
	for {
		m := w.Next()
		if match(m) {
			return m
		}
		w.aside = append(w.aside, m)
	}
}

// Aside returns the messages set aside so far, and forgets them.
func (w *Wire) Aside() []Msg {
	out := w.aside
	w.aside = nil
	return out
}

// Log returns what the node wrote to its log so far.
func (w *Wire) Log() string { return w.stderr.String() }

// Close ends the node's input and waits for Run to return, failing the
// test if it returns an error or takes longer than Timeout. What the node
// still sends is discarded. Close may be called more than once.
func (w *Wire) Close() {
	w.t.Helper()
	if w.closed {
		return
	}
	w.closed = true
	w.in.Close()
	deadline := time.After(Timeout)
	for {
		select {
		case err := <-w.done:
			for range w.out {
			}
			if err != nil {
				w.t.Errorf("the node's Run returned %v", err)
			}
			return
		case <-w.out:
		case <-deadline:
			w.cancel()
			w.t.Errorf("the node did not stop within %v of the end of its input", Timeout)
			return
		}
	}
}

// buffer is a bytes.Buffer safe for concurrent use.
type buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
