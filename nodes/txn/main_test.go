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
