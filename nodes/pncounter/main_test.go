package main

import (
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

func value(t *testing.T, w *kittest.Wire) int64 {
	t.Helper()
	r := w.Call("c1", `{"type":"read"}`)
	require.Equal(t, "read_ok", r.Type, "%s", r.Body)
	var body struct{ Value int64 }
	require.NoError(t, r.Decode(&body))
	return body.Value
}

func TestNode(t *testing.T) {
	opt := crdt.Options{Strategy: crdt.State, Round: 100 * time.Millisecond}
	w := kittest.Start(t, func(n *nodekit.Node) { setup(n, opt) })
	w.Init("n1", "n0", "n1", "n2")
	defer w.Close()

	for _, d := range []string{"5", "-3", "0", "2"} {
		r := w.Call("c1", `{"type":"add","delta":`+d+`}`)
		assert.Equal(t, "add_ok", r.Type, d)
	}
	assert.Equal(t, int64(4), value(t, w))

	for _, body := range []string{
		`{"type":"add"}`, `{"type":"add","delta":1.5}`, `{"type":"add","delta":"2"}`,
		`{"type":"add","delta":null}`, `{"type":"add","delta":9223372036854775808}`,
	} {
		r := w.Call("c1", body)
		assert.Equal(t, "error", r.Type, body)
		assert.Equal(t, maelstrom.MalformedRequest, r.Code, body)
	}
	r := w.Call("c1", `{"type":"add","delta":9223372036854775807}`)
	assert.Equal(t, "error", r.Type, "the total would pass 64 bits")
	assert.Contains(t, r.Text, "overflow")
	r = w.Call("c1", `{"type":"add","delta":-9223372036854775808}`)
	assert.Equal(t, "error", r.Type)

	// Another node's totals are merged: the larger total wins.
	w.Send("n0", `{"type":"gossip","entries":{"+n2":10,"-n2":4,"+n1":1}}`)
	deadline := time.Now().Add(5 * time.Second)
	for value(t, w) == 4 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	assert.Equal(t, int64(10), value(t, w))

	// The state strategy sends every total to the hub each round.
	m := w.WaitFor(func(m kittest.Msg) bool {
		return m.Dest == "n0" && m.Type == "gossip" && strings.Contains(string(m.Body), "+n2")
	})
	var g struct{ Entries map[string]int64 }
	require.NoError(t, m.Decode(&g))
	assert.Equal(t, map[string]int64{"+n1": 7, "-n1": 3, "+n2": 10, "-n2": 4}, g.Entries)
}

func TestCodec(t *testing.T) {
	es := []crdt.Entry{{Key: "+n1", Val: 3}, {Key: "-n2", Val: 12}}
	raw, err := codec.Encode(es)
	require.NoError(t, err)
	assert.JSONEq(t, `{"+n1":3,"-n2":12}`, string(raw))
	back, err := codec.Decode(raw)
	require.NoError(t, err)
	assert.ElementsMatch(t, es, back)
	for _, bad := range []string{`[1]`, `{"n1":3}`, `{"+n1":"3"}`} {
		_, err = codec.Decode(json.RawMessage(bad))
		assert.Error(t, err, bad)
	}
	total := 1
	for _, e := range es {
		total += codec.Size(e)
	}
	assert.Equal(t, len(raw), total)
}
