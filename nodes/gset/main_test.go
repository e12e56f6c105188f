package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/nodekit"
	"github.com/eddy-workbench/eddy/nodekit/kittest"
	"github.com/eddy-workbench/eddy/nodes/internal/crdt"
)

func start(t *testing.T, opt crdt.Options) *kittest.Wire {
	w := kittest.Start(t, func(n *nodekit.Node) { setup(n, opt) })
	w.Init("n1", "n0", "n1")
	return w
}

func read(t *testing.T, w *kittest.Wire) []string {
	t.Helper()
	r := w.Call("c1", `{"type":"read"}`)
	require.Equal(t, "read_ok", r.Type, "%s", r.Body)
	var body struct{ Value []json.RawMessage }
	require.NoError(t, r.Decode(&body))
	out := []string{}
	for _, v := range body.Value {
		out = append(out, string(v))
	}
	return out
}

func TestNode(t *testing.T) {
	w := start(t, crdt.Options{Strategy: crdt.Delta, Round: 100 * time.Millisecond})
	defer w.Close()
	assert.Equal(t, []string{}, read(t, w))
	for _, e := range []string{`3`, `"x"`, `{"a": [1, 2]}`, `3`} {
		r := w.Call("c1", `{"type":"add","element":`+e+`}`)
		assert.Equal(t, "add_ok", r.Type, e)
	}
	assert.Equal(t, []string{`"x"`, "3", `{"a":[1,2]}`}, read(t, w), "compact forms, once each")

	for _, tc := range []struct{ body, text string }{
		{`{"type":"add"}`, `element`},
		{`{"type":"add","element":null}`, `element`},
		{`{"type":"add","element":"` + strings.Repeat("x", 2000) + `"}`, "element of 2002 bytes is over the 1024"},
	} {
		r := w.Call("c1", tc.body)
		assert.Equal(t, "error", r.Type, tc.body)
		assert.Equal(t, maelstrom.MalformedRequest, r.Code)
		assert.Contains(t, r.Text, tc.text)
	}

	// Gossip from the hub is merged and acknowledged: n1 is a leaf, and
	// its message to the hub carries the elements it has and the ack.
	w.Send("n0", `{"type":"gossip","id":41,"entries":[7,8]}`)
	m := w.WaitFor(func(m kittest.Msg) bool {
		return m.Dest == "n0" && m.Type == "gossip" && strings.Contains(string(m.Body), `"ack":[41]`)
	})
	var g struct{ Entries []json.RawMessage }
	require.NoError(t, m.Decode(&g))
	assert.Len(t, read(t, w), 5)
}

func TestProgram(t *testing.T) {
	tests := []struct {
		args   []string
		status int
		stderr string
	}{
		{nil, 0, ""},
		{[]string{"-strategy", "state", "-round", "500ms", "-flush", "10ms"}, 0, ""},
		{[]string{"-strategy", "gossip"}, 2, `-strategy must be state or delta, not "gossip"`},
		{[]string{"-round", "0s"}, 2, "-round must be positive"},
		{[]string{"-flush", "-1s"}, 2, "-flush must be positive"},
		{[]string{"-round", "100ms", "-flush", "60ms"}, 2, "-flush must be under half a round"},
		{[]string{"extra"}, 2, `unexpected argument "extra"`},
		{[]string{"-fanout", "2"}, 2, "flag provided but not defined"},
	}
	for _, tt := range tests {
		fs, setup := program()
		var stderr strings.Builder
		status := nodekit.Exec(context.Background(), fs, tt.args, setup, nodekit.WithIO(strings.NewReader(""), &strings.Builder{}, &stderr))
		assert.Equal(t, tt.status, status, "%v", tt.args)
		assert.Contains(t, stderr.String(), tt.stderr, "%v", tt.args)
	}
}

func TestCodec(t *testing.T) {
	es := []crdt.Entry{{Key: "1", Val: 1}, {Key: `"a"`, Val: 1}, {Key: `[2,3]`, Val: 1}}
	raw, err := codec.Encode(es)
	require.NoError(t, err)
	assert.Equal(t, `[1,"a",[2,3]]`, string(raw))
	back, err := codec.Decode(raw)
	require.NoError(t, err)
	assert.Equal(t, es, back)
	_, err = codec.Decode(json.RawMessage(`{"a":1}`))
	assert.Error(t, err)
	total := 0
	for _, e := range es {
		total += codec.Size(e)
	}
	assert.Equal(t, len(raw), total+1, "one comma or bracket per element, and one more")
}
