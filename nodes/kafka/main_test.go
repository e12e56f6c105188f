package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/nodekit"
	"github.com/eddy-workbench/eddy/nodekit/kittest"
)

func TestProgram(t *testing.T) {
	tests := []struct {
		args   []string
		status int
		stderr string
	}{
		{nil, 0, ""},
		{[]string{"-sync", "50ms"}, 0, ""},
		{[]string{"-h"}, 0, "usage: kafka"},
		{[]string{"-sync", "0s"}, 2, "-sync must be positive"},
		{[]string{"-sync=-1s"}, 2, "-sync must be positive"},
		{[]string{"-sync", "often"}, 2, `invalid value "often" for flag -sync`},
		{[]string{"-round", "1s"}, 2, "flag provided but not defined: -round"},
		{[]string{"fast"}, 2, `unexpected argument "fast"`},
	}
	for _, tt := range tests {
		fs, setup := program()
		var stderr strings.Builder
		status := nodekit.Exec(context.Background(), fs, tt.args, setup, nodekit.WithIO(strings.NewReader(""), &strings.Builder{}, &stderr))
		assert.Equal(t, tt.status, status, "%v", tt.args)
		assert.Contains(t, stderr.String(), tt.stderr, "%v", tt.args)
	}
}

type reply struct {
	Offset  *int64                       `json:"offset"`
	Msgs    map[string][]json.RawMessage `json:"msgs"`
	Offsets map[string]int64             `json:"offsets"`
	SyncBody
}

func decode(t *testing.T, m kittest.Msg) reply {
	t.Helper()
	var r reply
	require.NoError(t, m.Decode(&r), "%s", m.Body)
	return r
}

func start(t *testing.T, opt Options, self string, nodes ...string) *kittest.Wire {
	w := kittest.Start(t, func(n *nodekit.Node) { setup(n, opt) })
	w.Init(self, nodes...)
	return w
}

// msgs renders a poll_ok's msgs compactly for comparison.
func msgs(r reply) map[string]string {
	out := map[string]string{}
	for k, pairs := range r.Msgs {
		var parts []string
		for _, p := range pairs {
			parts = append(parts, string(p))
		}
		out[k] = strings.Join(parts, " ")
	}
	return out
}

func TestNodeSingle(t *testing.T) {
	w := start(t, Options{}, "n0", "n0")
	m := w.Call("c1", `{"type":"poll","offsets":{}}`)
	assert.Equal(t, "poll_ok", m.Type)
	r := decode(t, m)
	assert.NotNil(t, r.Msgs, "msgs is always there")
	assert.Empty(t, r.Msgs)

	for i, msg := range []string{`10`, `"eleven"`, `{"n":[12]}`} {
		m = w.Call("c1", `{"type":"send","key":"k1","msg":`+msg+`}`)
		require.Equal(t, "send_ok", m.Type)
		r = decode(t, m)
		require.NotNil(t, r.Offset)
		assert.Equal(t, int64(i), *r.Offset)
	}
	assert.Equal(t, int64(0), *decode(t, w.Call("c1", `{"type":"send","key":"k2","msg":99}`)).Offset)

	r = decode(t, w.Call("c1", `{"type":"poll","offsets":{"k1":1,"k2":0,"k3":0}}`))
	assert.Equal(t, map[string]string{"k1": `[1,"eleven"] [2,{"n":[12]}]`, "k2": `[0,99]`}, msgs(r), "messages come back byte for byte")

	assert.Equal(t, "commit_offsets_ok", w.Call("c1", `{"type":"commit_offsets","offsets":{"k1":2,"k2":0}}`).Type)
	assert.Equal(t, "commit_offsets_ok", w.Call("c1", `{"type":"commit_offsets","offsets":{"k1":1}}`).Type)
	m = w.Call("c1", `{"type":"list_committed_offsets","keys":["k1","k2","k3"]}`)
	assert.Equal(t, "list_committed_offsets_ok", m.Type)
	assert.Equal(t, map[string]int64{"k1": 2, "k2": 0}, decode(t, m).Offsets)
	r = decode(t, w.Call("c1", `{"type":"list_committed_offsets","keys":[]}`))
	assert.NotNil(t, r.Offsets)
	assert.Empty(t, r.Offsets)
	assert.Empty(t, w.Aside(), "a lone node talks to nobody")
}

func TestNodeMalformed(t *testing.T) {
	w := start(t, Options{}, "n0", "n0")
	tests := []struct {
		name string
		body string
		code int
		text string
	}{
		{"send without key", `{"type":"send","msg":1}`, maelstrom.MalformedRequest, `"key" is missing`},
		{"send with a number key", `{"type":"send","key":5,"msg":1}`, maelstrom.MalformedRequest, `"key" must be a string`},
		{"send without msg", `{"type":"send","key":"a"}`, maelstrom.MalformedRequest, `"msg", any JSON value`},
		{"send with a huge msg", `{"type":"send","key":"a","msg":"` + strings.Repeat("x", 9000) + `"}`, maelstrom.MalformedRequest, "messages up to 8192 bytes"},
		{"send with a huge key", `{"type":"send","key":"` + strings.Repeat("k", 2000) + `","msg":1}`, maelstrom.MalformedRequest, "keys up to 1024 bytes"},
		{"poll without offsets", `{"type":"poll"}`, maelstrom.MalformedRequest, `"offsets" is missing`},
		{"poll with fractional offset", `{"type":"poll","offsets":{"a":1.5}}`, maelstrom.MalformedRequest, "must be an integer"},
		{"poll with offsets list", `{"type":"poll","offsets":[1]}`, maelstrom.MalformedRequest, `"offsets" must be an object`},
		{"commit with null offsets", `{"type":"commit_offsets","offsets":null}`, maelstrom.MalformedRequest, `"offsets" is missing`},
		{"list without keys", `{"type":"list_committed_offsets"}`, maelstrom.MalformedRequest, `"keys" is missing`},
		{"list with number keys", `{"type":"list_committed_offsets","keys":[1]}`, maelstrom.MalformedRequest, `"keys" must be a string`},
		{"unknown type", `{"type":"fetch"}`, maelstrom.NotSupported, `unsupported message type "fetch"`},
		{"no type", `{"key":"a"}`, maelstrom.MalformedRequest, `no "type"`},
		{"type of the wrong kind", `{"type":7}`, maelstrom.MalformedRequest, `"type" must be a string`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := w.Call("c1", tt.body)
			assert.Equal(t, "error", m.Type)
			assert.Equal(t, tt.code, m.Code)
			assert.Contains(t, m.Text, tt.text)
		})
	}

	// Lines nobody can be answered for are dropped, and the node goes on;
	// a long line the Maelstrom library could not read is served.
	w.Line(`not json`)
	w.Line(`{"src":"c1","dest":"n0","body":"text"}`)
	w.Line(`{"src":"c1","dest":"n0","body":{"type":"fetch"}}`)
	w.Line(`{"src":"c1","dest":"n0","body":{"type":"send","msg_id":"x"}}`)
	w.Line(`{"src":"c1","dest":"n0","body":{"type":"sync","items":"x"}}`)
	w.Line(`{"src":"c1","dest":"n0","body":{"in_reply_to":4,"type":"read_ok"}}`)
	w.Line(strings.Repeat("z", 2<<20))
	w.Line(``)
	m := w.Call("c1", `{"type":"poll","offsets":{"`+strings.Repeat("q", 70<<10)+`":0}}`)
	assert.Equal(t, "poll_ok", m.Type)
	assert.Equal(t, int64(0), *decode(t, w.Call("c1", `{"type":"send","key":"a","msg":1}`)).Offset)
}

// TestNodePollBounded: a poll_ok stays within the byte budget; the
// client gets a prefix of each key and polls again for the rest.
func TestNodePollBounded(t *testing.T) {
	w := start(t, Options{PollBytes: 2000}, "n0", "n0")
	big := `"` + strings.Repeat("m", 300) + `"`
	for k := range 3 {
		for range 4 {
			w.Call("c1", fmt.Sprintf(`{"type":"send","key":"k%d","msg":%s}`, k, big))
		}
	}
	m := w.Call("c1", `{"type":"poll","offsets":{"k0":0,"k1":0,"k2":0}}`)
	assert.LessOrEqual(t, len(m.Body), 2000)
	r := decode(t, m)
	assert.Len(t, r.Msgs["k0"], 4)
	assert.Len(t, r.Msgs["k1"], 2, "k1 is cut short")
	assert.NotContains(t, r.Msgs, "k2")
	r = decode(t, w.Call("c1", `{"type":"poll","offsets":{"k1":2,"k2":0}}`))
	assert.Len(t, r.Msgs["k1"], 2)
	assert.Len(t, r.Msgs["k2"], 4)
}

// TestNodeTwo: a node among two replicates a send to its peer, and polls
// show it once the peer's promise comes back.
func TestNodeTwo(t *testing.T) {
	w := start(t, Options{Interval: 5 * time.Millisecond}, "n1", "n0", "n1")

	r := decode(t, w.Call("c1", `{"type":"send","key":"k","msg":5}`))
	require.Equal(t, int64(1), *r.Offset, "n1 allocates odd offsets")
	assert.Empty(t, decode(t, w.Call("c1", `{"type":"poll","offsets":{"k":0}}`)).Msgs, "n0 might still write 0")

	// The entry goes to n0 within an interval or so.
	s := decode(t, w.WaitFor(func(m kittest.Msg) bool { return m.Type == "sync" }))
	assert.Equal(t, int64(1), s.Seq)
	require.Len(t, s.Items, 1)
	assert.Equal(t, Item{Kind: KindEntry, Key: "k", Off: 1, Msg: raw(5)}, s.Items[0])

	// n0 acknowledges, promises nothing at or below 1, and adds an entry
	// at 2. Handlers run concurrently, so the poll may overtake the sync:
	// retry.
	w.Send("n0", `{"type":"sync","seq":1,"items":[{"t":"f","k":"k","o":1},{"t":"e","k":"k","o":2,"m":6}],"ack":1}`)
	require.Eventually(t, func() bool {
		return len(decode(t, w.Call("c1", `{"type":"poll","offsets":{"k":0}}`)).Msgs) > 0
	}, 5*time.Second, 2*time.Millisecond)
	assert.Equal(t, map[string]string{"k": `[1,5] [2,6]`}, msgs(decode(t, w.Call("c1", `{"type":"poll","offsets":{"k":0}}`))))

	assert.Equal(t, int64(3), *decode(t, w.Call("c1", `{"type":"send","key":"k","msg":7}`)).Offset, "above n0's entry")

	// n1 owes n0 an acknowledgement of its two items.
	w.WaitFor(func(m kittest.Msg) bool { return m.Type == "sync" && decode(t, m).Ack == 2 })
}

// A node with a directory keeps what changed it and, restarted over the
// same directory, comes back with the same logs, commits and stream: it
// allocates no offset twice and numbers its next item after the last.
func TestNodeRestart(t *testing.T) {
	dir := t.TempDir()
	opt := Options{Interval: 5 * time.Millisecond}
	first := kittest.Start(t, func(n *nodekit.Node) { setup(n, opt) }, nodekit.WithDir(dir))
	first.Init("n0", "n0", "n1")
	var offs []int64
	for i := range 3 {
		r := decode(t, first.Call("c1", fmt.Sprintf(`{"type":"send","key":"k","msg":%d}`, i)))
		offs = append(offs, *r.Offset)
	}
	first.Call("c1", `{"type":"commit_offsets","offsets":{"k":2}}`)
	first.Call("c1", `{"type":"commit_offsets","offsets":{}}`)
	// n1's entry at offset 1 (its progression is the odd offsets), and its
	// promise to allocate nothing at or below 9.
	first.Send("n1", `{"type":"sync","seq":1,"items":[{"t":"e","k":"k","o":1,"m":"a"},{"t":"f","k":"k","o":9}],"ack":0}`)
	sync := first.WaitFor(func(m kittest.Msg) bool { return m.Type == "sync" && strings.Contains(string(m.Body), `"ack":2`) })
	before := decode(t, sync)
	first.Close()

	again := kittest.Start(t, func(n *nodekit.Node) { setup(n, opt) }, nodekit.WithDir(dir))
	again.Init("n0", "n0", "n1")
	r := decode(t, again.Call("c1", `{"type":"poll","offsets":{"k":0}}`))
	assert.Equal(t, map[string]string{"k": fmt.Sprintf("[%d,0] [1,\"a\"] [%d,1] [%d,2]", offs[0], offs[1], offs[2])}, msgs(r))
	r = decode(t, again.Call("c1", `{"type":"list_committed_offsets","keys":["k"]}`))
	assert.Equal(t, map[string]int64{"k": 2}, r.Offsets)
	r = decode(t, again.Call("c1", `{"type":"send","key":"k","msg":3}`))
	assert.Equal(t, int64(6), *r.Offset, "its next offset above every offset seen (0, 1, 2, 4)")
	// Its stream goes on after the items it had numbered; n1's item 2 is
	// what it holds of n1's stream.
	sync = again.WaitFor(func(m kittest.Msg) bool { return m.Type == "sync" })
	after := decode(t, sync)
	assert.Equal(t, int64(2), after.Ack)
	assert.Equal(t, int64(1), after.Seq, "nothing acknowledged: the whole stream goes again")
	assert.Greater(t, len(after.Items), len(before.Items))
}
