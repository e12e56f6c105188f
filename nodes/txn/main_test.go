package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"
	"github.com/stretchr/testify/assert"

	"github.com/eddy-workbench/eddy/nodekit"
	"github.com/eddy-workbench/eddy/nodekit/kittest"
)

func TestProgram(t *testing.T) {
	for _, tt := range []struct {
		args   []string
		status int
		stderr string
	}{
		{nil, 0, ""},
		{[]string{"-h"}, 0, "usage: txn"},
		{[]string{"-sync", "0s"}, 2, "txn: -sync must be positive"},
		{[]string{"x"}, 2, `unexpected argument "x"`},
	} {
		fs, setup := program()
		var stderr strings.Builder
		status := nodekit.Exec(context.Background(), fs, tt.args, setup, nodekit.WithIO(strings.NewReader(""), &strings.Builder{}, &stderr))
		assert.Equal(t, tt.status, status, "%v", tt.args)
		assert.Contains(t, stderr.String(), tt.stderr, "%v", tt.args)
	}
}

func TestNode(t *testing.T) {
	w := kittest.Start(t, func(n *nodekit.Node) { setup(n, 10*time.Millisecond) })
	w.Init("n0", "n0", "n1")
	r := w.Call("c1", `{"type":"txn","txn":[["w",1,5],["r",1,null],["r",2,null]]}`)
	assert.JSONEq(t, fmt.Sprintf(`{"type":"txn_ok","in_reply_to":%d,"txn":[["w",1,5],["r",1,5],["r",2,null]]}`, r.InReplyTo), string(r.Body))

	// The write goes to n1 until n1 acknowledges it.
	sync := w.WaitFor(func(m kittest.Msg) bool { return m.Type == "sync" })
	assert.Equal(t, "n1", sync.Dest)
	assert.Contains(t, string(sync.Body), `"w":[[1,5]]`)
	w.WaitFor(func(m kittest.Msg) bool { return m.Type == "sync" }) // again, unacknowledged
	w.Send("n1", `{"type":"sync_ok","seq":1}`)
	time.Sleep(50 * time.Millisecond)
	w.Aside()
	assert.True(t, w.Quiet(100*time.Millisecond), "nothing to send once acknowledged")

	// A batch from n1 is applied and acknowledged, even on a line longer
	// than the Maelstrom library could read.
	big := strings.Repeat("v", 100<<10)
	w.Send("n1", fmt.Sprintf(`{"type":"sync","entries":[{"s":1,"v":{"c":9,"n":1},"w":[[2,"%s"]]}]}`, big))
	ack := w.WaitFor(func(m kittest.Msg) bool { return m.Type == "sync_ok" })
	assert.JSONEq(t, `{"type":"sync_ok","seq":1}`, string(ack.Body))
	r = w.Call("c1", `{"type":"txn","txn":[["r",2,null]]}`)
	assert.Contains(t, string(r.Body), big)

	for _, tt := range []struct{ body, text string }{
		{`{"type":"txn"}`, `"txn" is missing`},
		{`{"type":"txn","txn":[["x",1,1]]}`, `a micro-op's f is "r" or "w"`},
		{`{"type":"txn","txn":[["w",1]]}`, `a micro-op is [f, key, value]`},
		{`{"type":"txn","txn":[["w",3,"` + strings.Repeat("x", 50<<10) + `"]]}`, "would not fit a replication message"},
	} {
		r := w.Call("c1", tt.body)
		assert.Equal(t, maelstrom.MalformedRequest, r.Code, tt.body[:min(len(tt.body), 60)])
		assert.Contains(t, r.Text, tt.text)
	}
	r = w.Call("c1", `{"type":"txn","txn":[["r",3,null]]}`)
	assert.Contains(t, string(r.Body), `["r",3,null]`, "the refused transaction changed nothing")
}

// A node with a directory keeps what changed it and, restarted over the
// same directory, comes back with the same registers and goes on with its
// stream where it stopped: no number is reused.
func TestNodeRestart(t *testing.T) {
	dir := t.TempDir()
	first := kittest.Start(t, func(n *nodekit.Node) { setup(n, time.Hour) }, nodekit.WithDir(dir))
	first.Init("n0", "n0", "n1")
	first.Call("c1", `{"type":"txn","txn":[["w",1,5],["w",2,6]]}`)
	first.Call("c1", `{"type":"txn","txn":[["r",1,null]]}`) // reads are not kept
	first.Call("c1", `{"type":"txn","txn":[["w",1,7]]}`)
	first.Send("n1", `{"type":"sync","entries":[{"s":1,"v":{"c":9,"n":1},"w":[[3,8]]}]}`)
	first.WaitFor(func(m kittest.Msg) bool { return m.Type == "sync_ok" })
	first.Close()

	again := kittest.Start(t, func(n *nodekit.Node) { setup(n, 10*time.Millisecond) }, nodekit.WithDir(dir))
	again.Init("n0", "n0", "n1")
	r := again.Call("c1", `{"type":"txn","txn":[["r",1,null],["r",2,null],["r",3,null]]}`)
	assert.Contains(t, string(r.Body), `"txn":[["r",1,7],["r",2,6],["r",3,8]]`)
	again.Call("c1", `{"type":"txn","txn":[["w",4,9]]}`)
	sync := again.WaitFor(func(m kittest.Msg) bool { return m.Type == "sync" })
	assert.Contains(t, string(sync.Body), `{"s":1,`, "what n1 had acknowledged goes again")
	assert.Contains(t, string(sync.Body), `{"s":3,"v":{"c":10,"n":0},"w":[[4,9]]}`, "the stream goes on at 3, the clock past n1's 9")
	// n1's entry 1 is held: a batch repeating it is acknowledged, not applied twice.
	again.Send("n1", `{"type":"sync","entries":[{"s":1,"v":{"c":9,"n":1},"w":[[3,8]]}]}`)
	ack := again.WaitFor(func(m kittest.Msg) bool { return m.Type == "sync_ok" })
	assert.JSONEq(t, `{"type":"sync_ok","seq":1}`, string(ack.Body))
}
