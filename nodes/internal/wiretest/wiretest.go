// Package wiretest drives a Maelstrom node over pipes, the way Maelstrom
// does, for the tests of the node packages.
package wiretest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"
)

// Wire is a node on pipes.
type Wire struct {
	t    testing.TB
	in   *io.PipeWriter
	out  *bufio.Scanner
	outR *io.PipeReader
	done chan error
	id   int
	msg  int
	// Others collects what the node sent to anyone but the client c1 while
	// a test waited for a reply.
	Others []Message
}

// Message is a message the node sent, with its body decoded generically.
type Message struct {
	Src, Dest string
	Body      map[string]any
	Raw       json.RawMessage
}

// Type returns the body's type.
func (m Message) Type() string { s, _ := m.Body["type"].(string); return s }

// Start connects a new maelstrom.Node to pipes, lets setup register its
// handlers, and runs run (which should call the node's Run) in the
// background.
func Start(t testing.TB, setup func(n *maelstrom.Node) (run func() error)) *Wire {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	n := maelstrom.NewNode()
	n.Stdin, n.Stdout = inR, outW
	run := setup(n)
	w := &Wire{t: t, in: inW, out: bufio.NewScanner(outR), outR: outR, done: make(chan error, 1)}
	w.out.Buffer(nil, 1<<20)
	go func() { w.done <- run() }()
	return w
}

// Send writes one message to the node from src; body is JSON.
func (w *Wire) Send(src, body string) {
	w.t.Helper()
	w.id++
	if _, err := fmt.Fprintf(w.in, `{"id":%d,"src":%q,"dest":"n1","body":%s}`+"\n", w.id, src, body); err != nil {
		w.t.Fatal(err)
	}
}

// Call sends a request from client c1 with a fresh msg_id and returns the
// reply, collecting whatever else the node sends meanwhile in Others.
func (w *Wire) Call(body string) Message {
	w.t.Helper()
	return w.CallFrom("c1", body)
}

// CallFrom is Call from src.
func (w *Wire) CallFrom(src, body string) Message {
	w.t.Helper()
	w.msg++
	var m map[string]any
	d := json.NewDecoder(strings.NewReader(body))
	d.UseNumber() // keep big integers as they are
	if err := d.Decode(&m); err != nil {
		w.t.Fatalf("bad test body %s: %v", body, err)
	}
	m["msg_id"] = w.msg
	b, _ := json.Marshal(m)
	w.Send(src, string(b))
	for {
		r := w.Next()
		if r.Dest == src {
			if got, _ := r.Body["in_reply_to"].(float64); int(got) == w.msg {
				return r
			}
		}
		w.Others = append(w.Others, r)
	}
}

// Next returns the next message the node writes, failing the test after
// 10 s.
func (w *Wire) Next() Message {
	w.t.Helper()
	type result struct {
		m   Message
		err error
	}
	ch := make(chan result, 1)
	go func() {
		if !w.out.Scan() {
			ch <- result{err: fmt.Errorf("no output: %v", w.out.Err())}
			return
		}
		var env struct {
			Src, Dest string
			Body      json.RawMessage
		}
		line := append([]byte(nil), w.out.Bytes()...)
		if err := json.Unmarshal(line, &env); err != nil {
			ch <- result{err: fmt.Errorf("bad line %s: %v", line, err)}
			return
		}
		m := Message{Src: env.Src, Dest: env.Dest, Raw: env.Body}
		if err := json.Unmarshal(env.Body, &m.Body); err != nil {
			ch <- result{err: err}
			return
		}
		ch <- result{m: m}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			w.t.Fatal(r.err)
		}
		return r.m
	case <-time.After(10 * time.Second):
		w.t.Fatal("the node wrote nothing for 10 s")
		return Message{}
	}
}

// Close ends stdin and waits for the node to stop, discarding what it
// still writes.
func (w *Wire) Close() {
	w.t.Helper()
	go io.Copy(io.Discard, w.outR)
	w.in.Close()
	select {
	case err := <-w.done:
		if err != nil {
			w.t.Fatalf("node stopped with %v", err)
		}
	case <-time.After(5 * time.Second):
		w.t.Fatal("node did not stop after stdin closed")
	}
}
