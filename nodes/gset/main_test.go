package main

import (
	"encoding/json"
	"io"
	"log"
	"os"
	"strings"
	"testing"
	"time"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/nodes/internal/crdt"
	"github.com/eddy-workbench/eddy/nodes/internal/wiretest"
)

func TestMain(m *testing.M) {
	log.SetOutput(io.Discard) // the library logs every message to stderr
	os.Exit(m.Run())
}

func start(t *testing.T, opt crdt.Options) *wiretest.Wire {
	return wiretest.Start(t, func(n *maelstrom.Node) func() error { return newServer(n, opt).Run })
}

func TestNode(t *testing.T) {
	w := start(t, crdt.Options{Strategy: crdt.Delta, Round: 100 * time.Millisecond})
	defer w.Close()
	r := w.Call(`{"type":"read"}`)
	assert.Equal(t, "error", r.Type(), "before init")
	assert.Equal(t, float64(maelstrom.TemporarilyUnavailable), r.Body["code"])

	r = w.Call(`{"type":"init","node_id":"n1","node_ids":["n0","n1"]}`)
	require.Equal(t, "init_ok", r.Type())
	r = w.Call(`{"type":"read"}`)
	assert.Equal(t, "read_ok", r.Type())
	assert.Equal(t, []any{}, r.Body["value"])

	for _, e := range []string{`3`, `"x"`, `{"a": [1, 2]}`, `3`} {
		r = w.Call(`{"type":"add","element":` + e + `}`)
		assert.Equal(t, "add_ok", r.Type(), e)
	}
	r = w.Call(`{"type":"read"}`)
	assert.JSONEq(t, `["\"x\"", "3", "{\"a\":[1,2]}"]`, mustJSON(t, keysOf(r)), "compact forms, once each")

	for _, tc := range []struct{ body, text string }{
		{`{"type":"add"}`, `add needs an "element"`},
		{`{"type":"add","element":"` + strings.Repeat("x", 2000) + `"}`, "element of 2002 bytes is over the 1024"},
	} {
		r = w.Call(tc.body)
		assert.Equal(t, "error", r.Type(), tc.body)
		assert.Equal(t, float64(maelstrom.MalformedRequest), r.Body["code"])
		assert.Contains(t, r.Body["text"], tc.text)
	}

	// Gossip from the hub is merged and acknowledged: n1 is a leaf, and
	// its message to the hub carries the elements it has and the ack.
	w.Send("n0", `{"type":"gossip","id":41,"entries":[7,8]}`)
	deadline := time.Now().Add(5 * time.Second)
	var toHub []wiretest.Message
	for time.Now().Before(deadline) {
		m := w.Next()
		if m.Dest == "n0" {
			toHub = append(toHub, m)
			if m.Body["ack"] != nil {
				break
			}
		}
	}
	require.NotEmpty(t, toHub)
	last := toHub[len(toHub)-1]
	assert.Equal(t, "gossip", last.Type())
	assert.Equal(t, []any{float64(41)}, last.Body["ack"])
	r = w.Call(`{"type":"read"}`)
	assert.Len(t, r.Body["value"], 5)
}

func keysOf(r wiretest.Message) []string {
	var out []string
	for _, v := range r.Body["value"].([]any) {
		b, _ := json.Marshal(v)
		out = append(out, string(b))
	}
	return out
}

func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
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
