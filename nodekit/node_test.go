package nodekit_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/eddy-workbench/eddy/nodekit"
	"github.com/eddy-workbench/eddy/nodekit/kittest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type putReq struct {
	Key   string          `json:"key" nodekit:"required"`
	Value json.RawMessage `json:"value" nodekit:"required"`
	Count int64           `json:"count"`
	Tags  []string        `json:"tags"`
}

func (r putReq) Validate() error {
	if len(r.Key) > 8 {
		return errors.New("key is longer than 8 bytes")
	}
	return nil
}

type putOK struct {
	Value json.RawMessage `json:"value"`
	Count int64           `json:"count"`
}

// testNode registers a few handlers that exercise the kit.
func testNode(n *nodekit.Node) {
	nodekit.Handle(n, "put", func(_ context.Context, _ nodekit.Message, r putReq) (putOK, error) {
		return putOK{Value: r.Value, Count: r.Count}, nil
	})
	nodekit.Handle(n, "fail", func(_ context.Context, _ nodekit.Message, r struct {
		Code *int `json:"code"`
	}) (struct{}, error) {
		if r.Code == nil {
			return struct{}{}, errors.New("plain failure")
		}
		return struct{}{}, maelstrom.NewRPCError(*r.Code, "chosen failure")
	})
	nodekit.Handle(n, "panic", func(context.Context, nodekit.Message, struct{}) (struct{}, error) {
		panic("boom")
	})
	nodekit.Handle(n, "whoami", func(_ context.Context, m nodekit.Message, _ struct{}) (map[string]any, error) {
		return map[string]any{"id": n.ID(), "ids": n.NodeIDs(), "peers": n.Peers(), "from": m.Src}, nil
	})
}

func TestReplyShapeAndExactNumbers(t *testing.T) {
	w := kittest.Start(t, testNode)
	w.Init("n1", "n0", "n1")
	r := w.Call("c1", `{"type":"put","key":"k","value":123456789012345678901234567890,"count":9007199254740993}`)
	assert.Equal(t, `{"type":"put_ok","in_reply_to":2,"value":123456789012345678901234567890,"count":9007199254740993}`, string(r.Body))
	assert.Equal(t, "n1", r.Src)

	r = w.Call("c7", `{"type":"whoami"}`)
	var who struct {
		ID    string   `json:"id"`
		IDs   []string `json:"ids"`
		Peers []string `json:"peers"`
		From  string   `json:"from"`
	}
	require.NoError(t, r.Decode(&who))
	assert.Equal(t, "n1", who.ID)
	assert.Equal(t, []string{"n0", "n1"}, who.IDs)
	assert.Equal(t, []string{"n0"}, who.Peers)
	assert.Equal(t, "c7", who.From)
}

func TestScreening(t *testing.T) {
	w := kittest.Start(t, testNode, nodekit.WithMaxLine(100<<10))
	w.Init("n0")
	tests := []struct {
		name string
		body string
		code int
		text string
	}{
		{"unknown type", `{"type":"frobnicate"}`, maelstrom.NotSupported, `unsupported message type "frobnicate"`},
		{"no type", `{"key":"a"}`, maelstrom.MalformedRequest, `no "type"`},
		{"type not a string", `{"type":7}`, maelstrom.MalformedRequest, `"type" must be a string`},
		{"missing required field", `{"type":"put","key":"a"}`, maelstrom.MalformedRequest, `malformed put: "value" is missing`},
		{"null required field", `{"type":"put","key":"a","value":null}`, maelstrom.MalformedRequest, `"value" is missing`},
		{"string for a string field's number", `{"type":"put","key":5,"value":1}`, maelstrom.MalformedRequest, `"key" must be a string, not number`},
		{"fraction for an integer", `{"type":"put","key":"a","value":1,"count":1.5}`, maelstrom.MalformedRequest, `"count" must be an integer of 64 bits, not number 1.5`},
		{"integer overflow", `{"type":"put","key":"a","value":1,"count":9223372036854775808}`, maelstrom.MalformedRequest, `"count" must be an integer`},
		{"object for a list", `{"type":"put","key":"a","value":1,"tags":{}}`, maelstrom.MalformedRequest, `"tags" must be a list, not object`},
		{"Validate refuses", `{"type":"put","key":"123456789","value":1}`, maelstrom.MalformedRequest, "key is longer than 8 bytes"},
		{"plain handler error is a crash", `{"type":"fail"}`, maelstrom.Crash, "plain failure"},
		{"chosen code", `{"type":"fail","code":20}`, maelstrom.KeyDoesNotExist, "chosen failure"},
		{"code 0 becomes a crash", `{"type":"fail","code":0}`, maelstrom.Crash, "chosen failure"},
		{"panic is a crash", `{"type":"panic"}`, maelstrom.Crash, "handler panicked: boom"},
		{"init without ids", `{"type":"init","node_id":"n0"}`, maelstrom.MalformedRequest, `"node_ids"`},
		{"line over the limit of the library", `{"type":"put","key":"a","value":"` + strings.Repeat("x", 70<<10) + `"}`, -1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := w.Call("c1", tt.body)
			if tt.code < 0 {
				assert.Equal(t, "put_ok", r.Type)
				return
			}
			assert.Equal(t, "error", r.Type, "%s", r.Body)
			assert.Equal(t, tt.code, r.Code, "%s", r.Body)
			assert.Contains(t, r.Text, tt.text)
		})
	}

	// Lines nobody can be answered for are dropped and reported, and the
	// node goes on.
	for _, line := range []string{
		`not json`,
		`{"src":"c1","dest":"n0","body":"text"}`,
		`{"src":"c1","dest":"n0","body":{"type":"frobnicate"}}`,
		`{"src":"c1","dest":"n0","body":{"type":"put","msg_id":"x"}}`,
		`{"src":"c1","dest":"n0","body":{"type":"put","msg_id":1.5}}`,
		`{"src":"c1","dest":"n0","body":{"in_reply_to":4,"type":"read_ok"}}`,
		`{"src":"c1","dest":"n0","body":{"in_reply_to":"4","type":"read_ok"}}`,
		strings.Repeat("z", 200<<10),
		``,
	} {
		w.Line(line)
	}
	r := w.Call("c1", `{"type":"put","key":"a","value":1}`)
	assert.Equal(t, "put_ok", r.Type)
	assert.True(t, w.Quiet(50*time.Millisecond), "nothing else was answered")
	log := w.Log()
	for _, want := range []string{
		"not a JSON message", "body is not a JSON object", `unsupported message type \"frobnicate\"`,
		"msg_id is not a non-zero integer", "bad in_reply_to", "skipped an input line over the limit", "handler panicked",
	} {
		assert.Contains(t, log, want)
	}
}

func TestBeforeInit(t *testing.T) {
	w := kittest.Start(t, testNode)
	r := w.Call("c1", `{"type":"put","key":"a","value":1}`)
	assert.Equal(t, maelstrom.TemporarilyUnavailable, r.Code)
	assert.Contains(t, r.Text, "not initialised")
	w.Init("n0")
	r = w.Call("c1", `{"type":"put","key":"a","value":1}`)
	assert.Equal(t, "put_ok", r.Type)
	// A second init is answered and changes nothing.
	w.Init("n0")
	assert.Equal(t, "n0", w.Call("c1", `{"type":"whoami"}`).Src)
}

// TestInitHookCallsAService: a hook may talk to a service before the node
// answers init, and no handler runs before it returns.
func TestInitHookCallsAService(t *testing.T) {
	var restored atomic.Int64
	w := kittest.Start(t, func(n *nodekit.Node) {
		kv := nodekit.NewKV(n, maelstrom.SeqKV, nodekit.CallOptions{Timeout: 2 * time.Second})
		n.OnInit(func(ctx context.Context) error {
			var v int64
			if err := kv.Read(ctx, "k", &v); err != nil {
				return err
			}
			restored.Store(v)
			return nil
		})
		nodekit.Handle(n, "get", func(context.Context, nodekit.Message, struct{}) (map[string]int64, error) {
			return map[string]int64{"value": restored.Load()}, nil
		})
	})
	w.Send("c0", `{"type":"init","msg_id":1,"node_id":"n0","node_ids":["n0"]}`)
	req := w.Next()
	require.Equal(t, "seq-kv", req.Dest)
	assert.JSONEq(t, fmt.Sprintf(`{"type":"read","key":"k","msg_id":%d}`, req.MsgID), string(req.Body))
	w.Send("c1", `{"type":"get","msg_id":5}`) // waits for init
	w.Send("seq-kv", fmt.Sprintf(`{"type":"read_ok","value":12345678901234567,"in_reply_to":%d}`, req.MsgID))
	assert.Equal(t, "init_ok", w.Next().Type, "init_ok comes before any other reply")
	r := w.Next()
	assert.Equal(t, int64(5), r.InReplyTo)
	assert.JSONEq(t, `{"type":"get_ok","in_reply_to":5,"value":12345678901234567}`, string(r.Body))
}

func TestInitHookFails(t *testing.T) {
	w := kittest.Start(t, func(n *nodekit.Node) {
		n.OnInit(func(context.Context) error { return errors.New("no disk") })
		testNode(n)
	})
	r := w.Call("c0", `{"type":"init","node_id":"n0","node_ids":["n0"]}`)
	assert.Equal(t, maelstrom.Crash, r.Code)
	assert.Equal(t, "no disk", r.Text)
	r = w.Call("c1", `{"type":"put","key":"a","value":1}`)
	assert.Equal(t, maelstrom.TemporarilyUnavailable, r.Code)
	assert.Contains(t, r.Text, "init failed: no disk")
}

func TestCall(t *testing.T) {
	type result struct {
		err   error
		value int64
	}
	results := make(chan result, 1)
	w := kittest.Start(t, func(n *nodekit.Node) {
		nodekit.Handle(n, "go", func(ctx context.Context, _ nodekit.Message, r struct {
			Attempts int `json:"attempts"`
		}) (struct{}, error) {
			var reply struct {
				Value int64 `json:"value"`
			}
			err := n.CallWith(ctx, "n1", map[string]any{"type": "ask"}, &reply, nodekit.CallOptions{
				Timeout: 100 * time.Millisecond, Attempts: r.Attempts, Backoff: 10 * time.Millisecond,
			})
			results <- result{err, reply.Value}
			return struct{}{}, nil
		})
	})
	w.Init("n0", "n0", "n1")
	ask := func() kittest.Msg {
		t.Helper()
		return w.WaitFor(func(m kittest.Msg) bool { return m.Dest == "n1" && m.Type == "ask" })
	}

	t.Run("reply", func(t *testing.T) {
		w.Send("c1", `{"type":"go","attempts":1}`)
		a := ask()
		w.Send("n1", fmt.Sprintf(`{"type":"ask_ok","in_reply_to":%d,"value":9007199254740993}`, a.MsgID))
		r := <-results
		require.NoError(t, r.err)
		assert.Equal(t, int64(9007199254740993), r.value)
	})
	t.Run("error reply", func(t *testing.T) {
		w.Send("c1", `{"type":"go","attempts":1}`)
		a := ask()
		w.Send("n1", fmt.Sprintf(`{"type":"error","in_reply_to":%d,"code":22,"text":"nope"}`, a.MsgID))
		r := <-results
		assert.True(t, nodekit.IsCode(r.err, maelstrom.PreconditionFailed), "%v", r.err)
	})
	t.Run("error reply without a code is not success", func(t *testing.T) {
		w.Send("c1", `{"type":"go","attempts":1}`)
		a := ask()
		w.Send("n1", fmt.Sprintf(`{"type":"error","in_reply_to":%d,"text":"lost code"}`, a.MsgID))
		r := <-results
		assert.True(t, nodekit.IsCode(r.err, maelstrom.Crash), "%v", r.err)
	})
	t.Run("timeout, and the late reply is dropped", func(t *testing.T) {
		w.Send("c1", `{"type":"go","attempts":1}`)
		a := ask()
		r := <-results
		assert.ErrorIs(t, r.err, nodekit.ErrTimeout)
		w.Send("n1", fmt.Sprintf(`{"type":"ask_ok","in_reply_to":%d,"value":1}`, a.MsgID))
		assert.True(t, w.Quiet(50*time.Millisecond))
	})
	t.Run("retries after timeouts and temporary errors", func(t *testing.T) {
		w.Send("c1", `{"type":"go","attempts":3}`)
		a1 := ask() // let it time out
		a2 := ask()
		assert.NotEqual(t, a1.MsgID, a2.MsgID, "each attempt has its own msg_id")
		w.Send("n1", fmt.Sprintf(`{"type":"error","in_reply_to":%d,"code":11}`, a2.MsgID))
		a3 := ask()
		w.Send("n1", fmt.Sprintf(`{"type":"ask_ok","in_reply_to":%d,"value":3}`, a3.MsgID))
		r := <-results
		require.NoError(t, r.err)
		assert.Equal(t, int64(3), r.value)
	})
	t.Run("no retry after a definite error", func(t *testing.T) {
		w.Send("c1", `{"type":"go","attempts":3}`)
		a := ask()
		w.Send("n1", fmt.Sprintf(`{"type":"error","in_reply_to":%d,"code":14}`, a.MsgID))
		r := <-results
		assert.True(t, nodekit.IsCode(r.err, maelstrom.Abort))
		assert.True(t, w.Quiet(250*time.Millisecond), "no further attempt")
	})
	t.Run("the end of input cancels a waiting call", func(t *testing.T) {
		w.Send("c1", `{"type":"go","attempts":1000}`)
		ask()
		w.Close()
		r := <-results
		assert.ErrorIs(t, r.err, nodekit.ErrStopped)
	})
}

func TestSendBudget(t *testing.T) {
	errs := make(chan error, 2)
	w := kittest.Start(t, func(n *nodekit.Node) {
		nodekit.Handle(n, "big", func(_ context.Context, m nodekit.Message, _ struct{}) (struct{}, error) {
			body := map[string]string{"type": "gossip", "pad": strings.Repeat("p", 2000)}
			errs <- n.Send("n1", body)
			errs <- n.Send("c9", body)
			return struct{}{}, nil
		})
	}, nodekit.WithMaxBody(1000))
	w.Init("n0", "n0", "n1")
	w.Call("c1", `{"type":"big"}`)
	assert.ErrorIs(t, <-errs, nodekit.ErrTooLarge, "a body over the budget is not sent to a node")
	assert.NoError(t, <-errs, "a client is not bound by the budget")
	m := w.WaitFor(func(m kittest.Msg) bool { return m.Type == "gossip" })
	assert.Equal(t, "c9", m.Dest)
}

func TestTopology(t *testing.T) {
	got := make(chan []string, 1)
	w := kittest.Start(t, func(n *nodekit.Node) {
		n.HandleTopology(func(nb []string) { got <- nb })
		nodekit.Handle(n, "nb", func(context.Context, nodekit.Message, struct{}) (map[string][]string, error) {
			return map[string][]string{"nb": n.Neighbours()}, nil
		})
	})
	w.Init("n1", "n0", "n1", "n2")
	assert.Equal(t, `{"type":"nb_ok","in_reply_to":2,"nb":null}`, string(w.Call("c1", `{"type":"nb"}`).Body))
	r := w.Call("c1", `{"type":"topology","topology":{"n0":["n1"],"n1":["n0","n2"],"n2":["n1"]}}`)
	assert.Equal(t, `{"type":"topology_ok","in_reply_to":3}`, string(r.Body))
	assert.Equal(t, []string{"n0", "n2"}, <-got)
	assert.Equal(t, `{"type":"nb_ok","in_reply_to":4,"nb":["n0","n2"]}`, string(w.Call("c1", `{"type":"nb"}`).Body))
	r = w.Call("c1", `{"type":"topology"}`)
	assert.Equal(t, maelstrom.MalformedRequest, r.Code)
}

func TestEvery(t *testing.T) {
	clock := nodekit.NewManualClock(time.Unix(100, 0))
	var runs []time.Time
	ran := make(chan struct{}, 100)
	w := kittest.Start(t, func(n *nodekit.Node) {
		n.Every(time.Second, func(_ context.Context, now time.Time) {
			runs = append(runs, now)
			if len(runs) == 2 {
				clock.Advance(2500 * time.Millisecond) // overrun: the runs it covers are skipped
			}
			ran <- struct{}{}
		})
	}, nodekit.WithClock(clock))
	clock.Advance(5 * time.Second)
	assert.Empty(t, runs, "no task before init")
	w.Init("n0")
	clock.Advance(4 * time.Second)
	clock.Advance(time.Second)
	for range len(runs) {
		<-ran
	}
	assert.Equal(t, []time.Time{time.Unix(106, 0), time.Unix(107, 0), time.Unix(110, 0)}, runs)
	w.Close()
	clock.Advance(10 * time.Second)
	assert.Len(t, runs, 3, "no task after the node stopped")
	assert.Zero(t, clock.Pending())
}

func TestOneWay(t *testing.T) {
	got := make(chan int64, 1)
	w := kittest.Start(t, func(n *nodekit.Node) {
		nodekit.HandleOneWay(n, "gossip", func(_ context.Context, m nodekit.Message, r struct {
			V int64 `json:"v" nodekit:"required"`
		}) {
			got <- r.V
		})
		nodekit.HandleOneWay(n, "later", func(_ context.Context, m nodekit.Message, _ struct{}) {
			go func() { _ = n.Reply(m, map[string]string{"type": "later_ok"}) }()
		})
	})
	w.Init("n0", "n0", "n1")
	w.Send("n1", `{"type":"gossip","v":7}`)
	assert.Equal(t, int64(7), <-got)
	w.Send("n1", `{"type":"gossip"}`)
	assert.True(t, w.Quiet(50*time.Millisecond), "a bad one-way message is not answered")
	assert.Contains(t, w.Log(), `malformed gossip: \"v\" is missing`)
	r := w.Call("n1", `{"type":"gossip","v":"x"}`)
	assert.Equal(t, maelstrom.MalformedRequest, r.Code, "unless it has a msg_id")
	assert.Equal(t, "later_ok", w.Call("c1", `{"type":"later"}`).Type)
}

func TestHandlePanicsOnMisuse(t *testing.T) {
	n := nodekit.New()
	nodekit.Handle(n, "a", func(context.Context, nodekit.Message, struct{}) (struct{}, error) { return struct{}{}, nil })
	assert.Panics(t, func() {
		nodekit.Handle(n, "a", func(context.Context, nodekit.Message, struct{}) (struct{}, error) { return struct{}{}, nil })
	}, "duplicate")
	assert.Panics(t, func() {
		nodekit.Handle(n, "init", func(context.Context, nodekit.Message, struct{}) (struct{}, error) { return struct{}{}, nil })
	}, "init is the kit's")
	assert.Panics(t, func() {
		nodekit.Handle(n, "b", func(context.Context, nodekit.Message, struct{}) (struct {
			Type string `json:"type"`
		}, error) {
			return struct {
				Type string `json:"type"`
			}{}, nil
		})
	}, "a reply type may not set type")
	assert.Panics(t, func() { n.Every(0, nil) })
}

func TestExec(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		setup  error
		status int
		stderr string
	}{
		{"runs to the end of input", nil, nil, 0, ""},
		{"help", []string{"-h"}, nil, 0, "usage: demo [flags]"},
		{"bad flag", []string{"-x"}, nil, 2, "demo: flag provided but not defined: -x (-h for help)"},
		{"bad value", []string{"-every", "soon"}, nil, 2, `invalid value "soon" for flag -every`},
		{"stray argument", []string{"now"}, nil, 2, `demo: unexpected argument "now"`},
		{"setup refuses", nil, errors.New("-every must be positive"), 2, "demo: -every must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := newFlagSet()
			var stderr strings.Builder
			status := nodekit.Exec(context.Background(), fs, tt.args, func(*nodekit.Node) error { return tt.setup },
				nodekit.WithIO(strings.NewReader(""), &strings.Builder{}, &stderr))
			assert.Equal(t, tt.status, status)
			if tt.stderr == "" {
				assert.Empty(t, stderr.String())
			} else {
				assert.Contains(t, stderr.String(), tt.stderr)
			}
		})
	}
}

func newFlagSet() *flag.FlagSet {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.Duration("every", time.Second, "how often")
	return fs
}

// TestGo: work started with Go may call and reply after its handler
// returned, and Run waits for it.
func TestGo(t *testing.T) {
	w := kittest.Start(t, func(n *nodekit.Node) {
		nodekit.HandleOneWay(n, "ask", func(_ context.Context, m nodekit.Message, _ struct{}) {
			n.Go(func(ctx context.Context) {
				var r struct {
					V int `json:"v"`
				}
				err := n.Call(ctx, "n1", map[string]string{"type": "get"}, &r)
				if err != nil {
					_ = n.ReplyError(m, err)
					return
				}
				_ = n.Reply(m, map[string]any{"type": "ask_ok", "v": r.V})
			})
		})
	})
	w.Init("n0", "n0", "n1")
	w.Send("c1", `{"type":"ask","msg_id":1}`)
	get := w.WaitFor(func(m kittest.Msg) bool { return m.Type == "get" })
	w.Send("n1", fmt.Sprintf(`{"type":"get_ok","in_reply_to":%d,"v":4}`, get.MsgID))
	assert.JSONEq(t, `{"in_reply_to":1,"type":"ask_ok","v":4}`, string(w.WaitFor(func(m kittest.Msg) bool { return m.Dest == "c1" }).Body))

	w.Send("c1", `{"type":"ask","msg_id":2}`)
	w.WaitFor(func(m kittest.Msg) bool { return m.Type == "get" })
	w.Close() // the call fails with ErrStopped; its error reply is sent before Run returns
}
