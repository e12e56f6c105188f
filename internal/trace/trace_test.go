package trace_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/explain"
	"github.com/eddy-workbench/eddy/internal/history"
	"github.com/eddy-workbench/eddy/internal/trace"
	"github.com/eddy-workbench/eddy/internal/trace/tracetest"
)

func ints(body string, intervals bool) []string {
	var out []string
	trace.EachInt([]byte(body), intervals, func(lo, hi int64) {
		if lo == hi {
			out = append(out, fmt.Sprint(lo))
		} else {
			out = append(out, fmt.Sprintf("%d-%d", lo, hi))
		}
	})
	return out
}

func TestEachInt(t *testing.T) {
	cases := []struct {
		body      string
		intervals bool
		want      []string
	}{
		{`{"type":"gossip","message":17,"msg_id":4}`, false, []string{"17"}},
		{`{"in_reply_to":3,"msg_id":9,"messages":[1,2,-3]}`, false, []string{"1", "2", "-3"}},
		{`{"type":"sync","have":[[0,812],[814,900]]}`, true, []string{"0-812", "814-900"}},
		{`{"type":"sync","have":[[0,812],[814,900]]}`, false, []string{"0", "812", "814", "900"}},
		{`{"have":[[5,3]]}`, true, []string{"5", "3"}},                 // not an interval
		{`{"have":[[1,5],[4,9]]}`, true, []string{"1", "5", "4", "9"}}, // overlapping
		{`{"msgs":{"7":[[0,100],[1,101]]}}`, false, []string{"0", "100", "1", "101"}},
		{`{"a":"17","b":1.5,"c":1e3,"d":[true,null,{"e":[2]}],"f":99999999999999999999}`, false, []string{"2"}},
		{`{"nested":{"msg_id":5}}`, false, []string{"5"}}, // only the top level's are the protocol's
		{`[1,[2,3],[4,5]]`, true, []string{"1", "2", "3", "4", "5"}},
		{`{"x":[[1,2],3]}`, true, []string{"3", "1", "2"}},
		{`{"broken":[1,`, false, []string{"1"}},
		{``, false, nil},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, ints(c.body, c.intervals), c.body)
	}
}

func TestField(t *testing.T) {
	body := []byte(`{"type":"read_ok", "value" : {"type":"inner"}, "msg_id":3, "x\u0079":1}`)
	assert.Equal(t, "read_ok", trace.Type(body))
	assert.Equal(t, `{"type":"inner"}`, string(trace.Field(body, "value")))
	n, ok := trace.Int(body, "msg_id")
	assert.True(t, ok)
	assert.EqualValues(t, 3, n)
	assert.Equal(t, "1", string(trace.Field(body, "xy")))
	assert.Nil(t, trace.Field(body, "missing"))
	assert.Equal(t, "", trace.Type([]byte(`[1,2]`)))
	assert.Equal(t, `value {"type":"inner"}, xy 1`, trace.Brief(body, 100))
}

func TestFates(t *testing.T) {
	r := tracetest.New("n1", "n2", "n3")
	r.Crashes = map[string]int64{"n3": 9e6}
	delivered := r.Deliver(1, 2, "n1", "n2", map[string]any{"type": "gossip", "message": 1})
	r.Partition(3, 8, []string{"n1"}, []string{"n2", "n3"})
	dropped := r.Send(4, "n1", "n2", map[string]any{"type": "gossip", "message": 2})
	late := r.Send(2.9, "n2", "n1", map[string]any{"type": "gossip", "message": 3}) // reaches the head of its queue after the cut
	r.Deliver(8.5, 9.5, "n2", "n1", map[string]any{"type": "gossip", "message": 4})
	toCrashed := r.Send(10, "n1", "n3", map[string]any{"type": "gossip", "message": 5})
	r.Deliver(10.5, 11, "n1", "n2", map[string]any{"type": "gossip", "message": 6})
	inFlight := r.Send(12, "n1", "n2", map[string]any{"type": "gossip", "message": 7})
	undelivered := r.Send(10.2, "n2", "n1", map[string]any{"type": "gossip", "message": 8})
	r.Deliver(10.6, 11.2, "n2", "n1", map[string]any{"type": "gossip", "message": 9})
	x := r.Index()
	require.Len(t, x.Partitions(), 1)
	assert.Equal(t, "{n1}|{n2 n3}", x.Partitions()[0].Name)

	fate := func(id int64) explain.Fate { return x.Fate(x.ByID(id)) }
	assert.Equal(t, explain.Delivered, fate(delivered).Kind)
	assert.Equal(t, "delivered at 0.002 s", fate(delivered).Text)
	assert.Equal(t, explain.Dropped, fate(dropped).Kind)
	assert.Equal(t, "dropped by partition {n1}|{n2 n3} (0.003 s to 0.008 s)", fate(dropped).Text)
	assert.Equal(t, explain.Dropped, fate(late).Kind)
	assert.Contains(t, fate(late).Text, "which began 0 ms after it was sent")
	assert.Equal(t, explain.Crashed, fate(toCrashed).Kind)
	assert.Equal(t, explain.InFlight, fate(inFlight).Kind)
	assert.Equal(t, explain.Undelivered, fate(undelivered).Kind)
	require.Len(t, x.PartitionItems(&x.Partitions()[0]), 2)
	assert.Equal(t, int64(8.01e6), x.PartitionItems(&x.Partitions()[0])[1].Time)
}

// A message the network dropped because the nemesis had killed its
// destination has that fate, not delivered.
func TestFateKilled(t *testing.T) {
	r := tracetest.New("n1", "n2")
	killed := r.Send(1, "n1", "n2", map[string]any{"type": "gossip", "message": 1})
	r.Drop(1.5, killed)
	after := r.Deliver(3, 3.5, "n1", "n2", map[string]any{"type": "gossip", "message": 2})
	x := r.Index()
	f := x.Fate(x.ByID(killed))
	assert.Equal(t, explain.Crashed, f.Kind)
	assert.Equal(t, int64(1.5e6), f.At)
	assert.Equal(t, "never delivered: n2 was down (killed by the nemesis) when it was due at 0.002 s", f.Text)
	assert.Equal(t, explain.Delivered, x.Fate(x.ByID(after)).Kind)
}

func TestExchange(t *testing.T) {
	r := tracetest.New("n1", "n2")
	r.Call(1, 3, 0, "c0", "broadcast", int64(5), map[string]any{"type": "broadcast", "message": 5}, history.OK, map[string]any{"type": "broadcast_ok"}, nil)
	r.Call(1.5, 2.5, 1, "c1", "broadcast", int64(6), map[string]any{"type": "broadcast", "message": 6}, history.OK, map[string]any{"type": "broadcast_ok"}, nil)
	r.Call(4, 5, 0, "c0", "read", nil, map[string]any{"type": "read"}, history.OK, map[string]any{"type": "read_ok", "messages": []int{5}}, []any{int64(5)})
	x := r.Index()
	ops := x.Ops()
	require.Equal(t, "broadcast", ops[0].F)
	assert.Equal(t, "c0", x.ClientOf(0))
	assert.Equal(t, "c1", x.ClientOf(1))
	req, reply := x.Exchange(0)
	require.True(t, req >= 0 && reply >= 0)
	assert.Equal(t, "n1", x.Msg(req).Dest)
	assert.Equal(t, "broadcast_ok", trace.Type(x.Msg(reply).Body))
	assert.Equal(t, "n1", x.Server(0))
	assert.Equal(t, "n2", x.Server(1))
	it := x.OpItem(x.Completion(0), "added")
	assert.Equal(t, explain.Op, it.Kind)
	assert.Equal(t, "c0", it.From)
	assert.Equal(t, "n1", it.To)
	assert.Equal(t, "5: ok at 0.003 s", it.Text)
	assert.Len(t, it.Messages, 2)
	read := x.OpItem(4, "")
	assert.Equal(t, "→ [5]: ok at 0.005 s", read.Text)
}

func TestGrudgeName(t *testing.T) {
	g := map[string]map[string]bool{
		"n1": {"n3": true, "n4": true}, "n2": {"n4": true, "n5": true}, "n3": {"n5": true, "n1": true},
		"n4": {"n1": true, "n2": true}, "n5": {"n2": true, "n3": true},
	}
	assert.Equal(t, "n1 drops n3 n4; n2 drops n4 n5; n3 drops n1 n5; n4 drops n1 n2; n5 drops n2 n3", trace.GrudgeName(g, nil))
	assert.Equal(t, "(nothing cut)", trace.GrudgeName(map[string]map[string]bool{"n1": {}}, []string{"n1", "n2"}))
}

func TestKVOverwritesAndStaleReads(t *testing.T) {
	r := tracetest.New("n1", "n2")
	kv := func(ms float64, node string, id int, body map[string]any, reply map[string]any) {
		body["msg_id"] = id
		r.Deliver(ms, ms+0.1, node, "seq-kv", body)
		reply["in_reply_to"] = id
		r.Deliver(ms+0.2, ms+0.3, "seq-kv", node, reply)
	}
	kv(0.5, "n1", 0, map[string]any{"type": "write", "key": "c", "value": 0}, map[string]any{"type": "write_ok"})
	kv(1, "n1", 1, map[string]any{"type": "read", "key": "c"}, map[string]any{"type": "read_ok", "value": 0})
	kv(2, "n1", 2, map[string]any{"type": "write", "key": "c", "value": 5}, map[string]any{"type": "write_ok"})
	kv(3, "n2", 1, map[string]any{"type": "read", "key": "c"}, map[string]any{"type": "read_ok", "value": 0})   // stale
	kv(4, "n2", 2, map[string]any{"type": "write", "key": "c", "value": 3}, map[string]any{"type": "write_ok"}) // over 5, unread
	x := r.Index()
	ops := x.KVOps("seq-kv")
	require.Len(t, ops, 5)
	assert.Equal(t, `"c"`, ops[1].Key)
	assert.Equal(t, "0", ops[1].Value)
	assert.True(t, ops[4].OK)
	stale := x.StaleReads(ops, "", 0, 1e9)
	require.Len(t, stale, 1)
	assert.Equal(t, "n2", stale[0].Read.Node)
	assert.Equal(t, "5", stale[0].Newer.Value)
	ows := x.Overwrites(ops, 1e9)
	require.Len(t, ows, 1)
	assert.Equal(t, "3", ows[0].Write.Value)
	assert.Equal(t, "5", ows[0].Over.Value)
	assert.Equal(t, "0", ows[0].Read.Value)
	it := x.KVItem(ops[3], "stale")
	assert.Equal(t, `key "c" → read_ok 0`, it.Text)
	assert.Len(t, it.Messages, 2)
}
