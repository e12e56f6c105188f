package kafka

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/explain"
	"github.com/eddy-workbench/eddy/internal/history"
	"github.com/eddy-workbench/eddy/internal/trace/tracetest"
)

func kw(s string) edn.Keyword { return edn.Keyword(s) }

func send(r *tracetest.Run, ms float64, p int, client string, key, msg, offset int64) {
	inv := []any{[]any{kw("send"), key, msg}}
	comp := []any{[]any{kw("send"), key, []any{offset, msg}}}
	r.Call(ms, ms+1, p, client, "send", inv, map[string]any{"type": "send", "key": edn.String(key), "msg": msg}, history.OK, map[string]any{"type": "send_ok", "offset": offset}, comp)
}

// poll returns key's pairs (offset, msg).
func poll(r *tracetest.Run, ms float64, p int, client string, key int64, pairs ...[2]int64) {
	var list []any
	var wire [][]int64
	for _, pr := range pairs {
		list = append(list, []any{pr[0], pr[1]})
		wire = append(wire, []int64{pr[0], pr[1]})
	}
	comp := []any{[]any{kw("poll"), edn.NewMap(key, list)}}
	r.Call(ms, ms+1, p, client, "poll", []any{[]any{kw("poll")}}, map[string]any{"type": "poll", "offsets": map[string]int64{edn.String(key): 0}}, history.OK,
		map[string]any{"type": "poll_ok", "msgs": map[string]any{edn.String(key): wire}}, comp)
}

// A node that acknowledges a send and forgets it.
func TestExplainLostWrite(t *testing.T) {
	r := tracetest.New("n0")
	send(r, 10, 0, "c0", 7, 1, 0)
	send(r, 20, 0, "c0", 7, 2, 1)
	poll(r, 30, 0, "c0", 7, [2]int64{1, 2})
	x := r.Index()
	ops := x.Ops()
	out := ExplainAnomalies(x, []Anomaly{{Type: "lost-write", Key: 7, Value: int64(1), Writer: 1, MaxRead: len(ops) - 1, Reader: -1}})
	require.Len(t, out, 1)
	assert.Equal(t, "lost write: message 1 of key 7", out[0].Finding)
	assert.Equal(t, "message 1 of key 7 was acknowledged by n0 at offset 0 at 0.011 s, yet no poll returned it, though n0's poll at 0.030 s returned key 7 beyond it: n0 served both and lost it itself.", out[0].Summary)
}

// Two nodes that allocate offsets alone, and one that heard nothing.
func TestExplainInconsistentOffsets(t *testing.T) {
	r := tracetest.New("n0", "n1")
	send(r, 10, 0, "c0", 5, 1, 0)
	send(r, 12, 1, "c1", 5, 2, 0)
	r.Deliver(13, 14, "n0", "n1", map[string]any{"type": "gossip", "about": "6", "msg": 1}) // another key
	out := ExplainAnomalies(r.Index(), []Anomaly{{Type: "inconsistent-offsets", Key: 5, Offset: 0, Values: []any{int64(1), int64(2)}, Writer: -1, Reader: -1, MaxRead: -1}})
	require.Len(t, out, 1)
	assert.Equal(t, "offset 0 of key 5 holds 2 messages: message 1 was acknowledged by n0 at offset 0 at 0.011 s; message 2 was acknowledged by n1 at offset 0 at 0.013 s; n0 and n1 never sent each other a message mentioning key 5 by then: each allocated offsets alone.", out[0].Summary)
}

// A poll at one node skips a message acknowledged at another, whose only
// replication toward it was dropped.
func TestExplainPollSkipAcrossNodes(t *testing.T) {
	r := tracetest.New("n0", "n1")
	send(r, 10, 0, "c0", 3, 1, 0)
	send(r, 11, 0, "c0", 3, 2, 1)
	r.Partition(11.5, 50, []string{"n0"}, []string{"n1"})
	r.Send(12, "n0", "n1", map[string]any{"type": "replicate", "key": "3", "msgs": [][]int64{{1, 2}}})
	send(r, 20, 1, "c1", 3, 3, 2)
	poll(r, 30, 1, "c2", 3, [2]int64{0, 1}, [2]int64{2, 3})
	x := r.Index()
	ops := x.Ops()
	var pollPos int
	for p, op := range ops {
		if op.F == "poll" && op.Type == history.OK {
			pollPos = p
		}
	}
	out := ExplainAnomalies(x, []Anomaly{{Type: "int-poll-skip", Key: 3, Values: []any{int64(1), int64(3)}, Skipped: []any{int64(2)}, Ops: []int{pollPos}, Writer: -1, Reader: -1, MaxRead: -1}})
	require.Len(t, out, 1)
	assert.Contains(t, out[0].Summary, "n1's poll at 0.030 s returned messages 1, 3 of key 3, skipping 2; message 2 was acknowledged by n0 at offset 1 at 0.012 s; no message carrying it had reached n1 by then; the last sent, by n0 at 0.012 s, was dropped by partition {n0}|{n1}")
	var fates []explain.FateKind
	for _, it := range out[0].Evidence {
		fates = append(fates, it.Fate.Kind)
	}
	assert.Contains(t, fates, explain.Dropped)
}

func TestAnomaliesFromFindings(t *testing.T) {
	r := tracetest.New("n0")
	send(r, 10, 0, "c0", 7, 1, 0)
	x := r.Index()
	writer := x.Ops()[1]
	f := &check.Kafka{Valid: check.Invalid, Errors: []check.KafkaErrors{{Type: "lost-write", Count: 3, Examples: []check.KafkaAnomaly{
		{Type: "lost-write", Key: int64(7), Value: int64(1), Writer: &writer},
	}}}}
	as := anomaliesOf(x, f)
	require.Len(t, as, 1)
	assert.Equal(t, 1, as[0].Writer)
	assert.Equal(t, -1, as[0].MaxRead)
	assert.Equal(t, 3, as[0].Examples)
	out := Explain(x, f)
	require.Len(t, out, 1)
	assert.Equal(t, "lost write: message 1 of key 7 (one of 3)", out[0].Finding)
}

// A node killed after acknowledging a send, before passing it on, and one
// that had passed it to a peer: the summary says which.
func TestExplainLostWriteToKill(t *testing.T) {
	for _, passed := range []bool{false, true} {
		r := tracetest.New("n0", "n1")
		send(r, 10, 0, "c0", 7, 1, 0)
		if passed {
			r.Deliver(12, 13, "n0", "n1", map[string]any{"type": "replicate", "key": "7", "msg": 1})
		}
		r.Kill(15, 25, "n0")
		send(r, 30, 0, "c0", 7, 2, 1)
		poll(r, 40, 0, "c0", 7, [2]int64{1, 2})
		x := r.Index()
		ops := x.Ops()
		out := ExplainAnomalies(x, []Anomaly{{Type: "lost-write", Key: 7, Value: int64(1), Writer: 1, MaxRead: len(ops) - 1, Reader: -1}})
		require.Len(t, out, 1)
		want := "; n0 was killed at 0.015 s after acknowledging it, before any message to another node carried it; it restarted at 0.025 s."
		if passed {
			want = "; n0 was killed at 0.015 s after acknowledging it, having sent it to n1; it restarted at 0.025 s."
		}
		assert.Contains(t, out[0].Summary, want)
		var kinds []explain.Kind
		for _, it := range out[0].Evidence {
			kinds = append(kinds, it.Kind)
		}
		assert.Contains(t, kinds, explain.Nemesis)
	}
}
