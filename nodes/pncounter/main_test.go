package main

import (
	"encoding/json"
	"io"
	"log"
	"os"
	"testing"
	"time"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/nodes/internal/crdt"
	"github.com/eddy-workbench/eddy/nodes/internal/crdtnode"
	"github.com/eddy-workbench/eddy/nodes/internal/wiretest"
)

func TestMain(m *testing.M) {
	log.SetOutput(io.Discard) // the library logs every message to stderr
	os.Exit(m.Run())
}

func TestNode(t *testing.T) {
	opt := crdt.Options{Strategy: crdt.State, Round: 100 * time.Millisecond}
	w := wiretest.Start(t, func(n *maelstrom.Node) func() error { return newServer(n, opt).Run })
	defer w.Close()
	r := w.Call(`{"type":"init","node_id":"n1","node_ids":["n0","n1","n2"]}`)
	require.Equal(t, "init_ok", r.Type())

	for _, d := range []string{"5", "-3", "0", "2"} {
		r = w.Call(`{"type":"add","delta":` + d + `}`)
		assert.Equal(t, "add_ok", r.Type(), d)
	}
	r = w.Call(`{"type":"read"}`)
	assert.Equal(t, float64(4), r.Body["value"])

	for _, body := range []string{
		`{"type":"add"}`, `{"type":"add","delta":1.5}`, `{"type":"add","delta":"2"}`,
		`{"type":"add","delta":null}`, `{"type":"add","delta":9223372036854775808}`,
	} {
		r = w.Call(body)
		assert.Equal(t, "error", r.Type(), body)
		assert.Equal(t, float64(maelstrom.MalformedRequest), r.Body["code"], body)
	}
	r = w.Call(`{"type":"add","delta":9223372036854775807}`)
	assert.Equal(t, "error", r.Type(), "the total would pass 64 bits")
	assert.Contains(t, r.Body["text"], "overflow")
	r = w.Call(`{"type":"add","delta":-9223372036854775808}`)
	assert.Equal(t, "error", r.Type())

	// Another node's totals are merged: the larger total wins.
	w.Send("n0", `{"type":"gossip","entries":{"+n2":10,"-n2":4,"+n1":1}}`)
	deadline := time.Now().Add(5 * time.Second)
	for {
		r = w.Call(`{"type":"read"}`)
		if r.Body["value"] != float64(4) || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	assert.Equal(t, float64(10), r.Body["value"])

	// The state strategy sends every total to the hub each round.
	var last wiretest.Message
	for last.Dest != "n0" || last.Body["entries"] == nil {
		last = w.Next()
	}
	var got map[string]int64
	require.NoError(t, json.Unmarshal(mustRaw(t, last.Body["entries"]), &got))
	assert.Equal(t, map[string]int64{"+n1": 7, "-n1": 3, "+n2": 10, "-n2": 4}, got)
}

func mustRaw(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
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

func TestParseFlags(t *testing.T) {
	tests := []struct {
		args    []string
		want    crdt.Options
		wantErr string
	}{
		{nil, crdt.Options{Strategy: crdt.Delta, Round: crdt.DefaultRound, Flush: crdt.DefaultFlush}, ""},
		{[]string{"-strategy", "state", "-round", "500ms", "-flush", "10ms"}, crdt.Options{Strategy: crdt.State, Round: 500 * time.Millisecond, Flush: 10 * time.Millisecond}, ""},
		{[]string{"-strategy", "gossip"}, crdt.Options{}, `-strategy must be state or delta, not "gossip"`},
		{[]string{"-round", "0s"}, crdt.Options{}, "-round must be positive"},
		{[]string{"-flush", "-1s"}, crdt.Options{}, "-flush must be positive"},
		{[]string{"-round", "100ms", "-flush", "60ms"}, crdt.Options{}, "-flush must be under half a round"},
		{[]string{"extra"}, crdt.Options{}, `unexpected argument "extra"`},
		{[]string{"-fanout", "2"}, crdt.Options{}, "flag provided but not defined"},
	}
	for _, tt := range tests {
		got, err := crdtnode.ParseFlags("pncounter", tt.args)
		if tt.wantErr != "" {
			require.Error(t, err, tt.args)
			assert.Contains(t, err.Error(), tt.wantErr)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, tt.want, got)
	}
}
