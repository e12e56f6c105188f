package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/nodekit"
	"github.com/eddy-workbench/eddy/nodekit/kittest"
)

func parseFlags(args []string) (Options, error) {
	fs := flag.NewFlagSet("broadcast", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	get := flags(fs)
	if err := fs.Parse(args); err != nil {
		return Options{}, err
	}
	return get()
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

type readOK struct {
	Messages []int64 `json:"messages"`
	Value    []int64 `json:"value"`
}

func read(t *testing.T, w *kittest.Wire) readOK {
	t.Helper()
	r := w.Call("c1", `{"type":"read"}`)
	require.Equal(t, "read_ok", r.Type)
	var b readOK
	require.NoError(t, r.Decode(&b))
	return b
}

func start(t *testing.T, opt Options) *kittest.Wire {
	return kittest.Start(t, func(n *nodekit.Node) { setup(n, opt) })
}

// isSync matches a sync to dest carrying the interval want.
func isSync(dest string, want [2]int64) func(kittest.Msg) bool {
	return func(m kittest.Msg) bool {
		var b SyncBody
		if m.Dest != dest || m.Type != "sync" || m.Decode(&b) != nil {
			return false
		}
		for _, h := range b.Have {
			if h == want {
				return true
			}
		}
		return false
	}
}

func TestNode(t *testing.T) {
	w := start(t, Options{Strategy: Latency, Round: time.Second})
	w.Init("n1", "n1", "n2")
	r := w.Call("c1", `{"type":"topology","topology":{"n1":["n2"],"n2":["n1"]}}`)
	assert.Equal(t, "topology_ok", r.Type)

	assert.Equal(t, []int64{}, read(t, w).Messages)
	r = w.Call("c1", `{"type":"broadcast","message":7}`)
	assert.Equal(t, "broadcast_ok", r.Type)
	assert.Equal(t, []int64{7}, read(t, w).Messages)
	w.WaitFor(isSync("n2", [2]int64{7, 7})) // the value was flooded to n2

	for _, tt := range []struct{ message, text string }{
		{`"seven"`, `"message" must be an integer of 64 bits, not string`},
		{`1.5`, `"message" must be an integer of 64 bits, not number 1.5`},
		{`9223372036854775808`, `"message" must be an integer of 64 bits`},
		{`null`, `"message" is missing`},
	} {
		r = w.Call("c1", `{"type":"broadcast","message":`+tt.message+`}`)
		assert.Equal(t, maelstrom.MalformedRequest, r.Code, tt.message)
		assert.Contains(t, r.Text, tt.text, tt.message)
	}
	r = w.Call("c1", `{"type":"broadcast"}`)
	assert.Equal(t, maelstrom.MalformedRequest, r.Code)
	assert.Contains(t, r.Text, `"message" is missing`)

	// A sync from a peer is merged. Handlers run concurrently, so a read
	// sent right after it may overtake it: poll.
	w.Send("n2", `{"type":"sync","have":[[1,3],[9,9]]}`)
	require.Eventually(t, func() bool { return len(read(t, w).Messages) == 5 }, 5*time.Second, time.Millisecond)
	assert.Equal(t, []int64{1, 2, 3, 7, 9}, read(t, w).Messages)
	// A malformed sync is dropped and reported; the node goes on.
	w.Send("n2", `{"type":"sync","have":"all"}`)
	assert.Equal(t, []int64{1, 2, 3, 7, 9}, read(t, w).Messages)
	assert.Eventually(t, func() bool { return strings.Contains(w.Log(), "malformed sync") }, 5*time.Second, time.Millisecond)
}

// TestNodeGSet: without a topology message the node speaks g-set: add with
// element, and read_ok with value.
func TestNodeGSet(t *testing.T) {
	w := start(t, Options{Strategy: Latency, Round: time.Second})
	w.Init("n1", "n1", "n2")
	assert.Equal(t, "add_ok", w.Call("c1", `{"type":"add","element":3}`).Type)
	r := w.Call("c1", `{"type":"add","element":"x"}`)
	assert.Equal(t, maelstrom.MalformedRequest, r.Code)
	assert.Contains(t, r.Text, `"element" must be an integer`)
	b := read(t, w)
	assert.Equal(t, []int64{3}, b.Value)
	assert.Nil(t, b.Messages)
}

// TestNodeMessagesStrategy: a leaf sends nothing on broadcast and syncs with
// the hub at the next round boundary.
func TestNodeMessagesStrategy(t *testing.T) {
	w := start(t, Options{Strategy: Messages, Round: 50 * time.Millisecond})
	w.Init("n1", "n0", "n1", "n2")
	require.Equal(t, "broadcast_ok", w.Call("c1", `{"type":"broadcast","message":4}`).Type)
	w.WaitFor(isSync("n0", [2]int64{4, 4}))
	for _, s := range w.Aside() {
		assert.Equal(t, "n0", s.Dest, "a leaf talks to the hub only")
	}
}

// TestNodeSyncsStayUnderBudget: a set of many scattered values (no two
// adjacent, so one interval each) goes to a peer in several syncs, each
// within the kit's budget.
func TestNodeSyncsStayUnderBudget(t *testing.T) {
	w := start(t, Options{Strategy: Latency, Round: 50 * time.Millisecond})
	w.Init("n0", "n0", "n1")
	const values = 12000
	for v := int64(0); v < values; v += 1000 {
		var b []byte
		b = append(b, `{"type":"sync","have":[`...)
		for u := v; u < v+1000; u++ {
			if u > v {
				b = append(b, ',')
			}
			b = fmt.Appendf(b, "[%d,%d]", 2*u, 2*u)
		}
		w.Send("n9", string(append(b, "]}"...)))
	}
	got := map[int64]bool{}
	for len(got) < values {
		m := w.WaitFor(func(m kittest.Msg) bool { return m.Dest == "n1" })
		assert.LessOrEqual(t, len(m.Body), nodekit.DefaultMaxBody)
		var b SyncBody
		require.NoError(t, m.Decode(&b))
		for _, h := range b.Have {
			for u := h[0]; u <= h[1]; u += 2 {
				got[u/2] = true
			}
		}
		// n1 acknowledges nothing, so the windows walk on only as far as
		// the anti-entropy's own progress; stop once every value went out.
		w.Send("n1", string(m.Body))
	}
}
