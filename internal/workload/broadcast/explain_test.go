package broadcast

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/explain"
	"github.com/eddy-workbench/eddy/internal/history"
	"github.com/eddy-workbench/eddy/internal/trace/tracetest"
)

func gossip(v int) map[string]any { return map[string]any{"type": "gossip", "message": v} }

// broadcastCall adds v through process p.
func broadcastCall(r *tracetest.Run, ms, end float64, p int, client string, v int) {
	r.Call(ms, end, p, client, "broadcast", int64(v), map[string]any{"type": "broadcast", "message": v}, history.OK, map[string]any{"type": "broadcast_ok"}, nil)
}

func readCall(r *tracetest.Run, ms, end float64, p int, client string, vs ...int) {
	xs := []any{}
	for _, v := range vs {
		xs = append(xs, int64(v))
	}
	r.Call(ms, end, p, client, "read", nil, map[string]any{"type": "read"}, history.OK, map[string]any{"type": "read_ok", "messages": vs}, xs)
}

// The example: a value sent once across a partition and never
// again.
func TestExplainLostAcrossPartition(t *testing.T) {
	r := tracetest.New("n1", "n2", "n3", "n4", "n5")
	broadcastCall(r, 3100, 3200, 0, "c0", 17)
	r.Deliver(3210, 3300, "n1", "n2", gossip(17))
	r.Partition(3250, 8000, []string{"n1", "n2"}, []string{"n3", "n4", "n5"})
	r.Send(3300, "n1", "n4", gossip(17))
	for p, n := range []string{"c10", "c11", "c12", "c13", "c14"} {
		if p < 2 {
			readCall(r, 25000, 25001, p, n, 17)
		} else {
			readCall(r, 25000, 25001, p, n)
		}
	}
	x := r.Index()
	out := ExplainLost(x, "broadcast", []any{int64(17)})
	require.Len(t, out, 1)
	e := out[0]
	assert.Equal(t, "lost element 17", e.Finding)
	assert.Contains(t, e.Summary, "element 17 was acknowledged by n1 at 3.200 s")
	assert.Contains(t, e.Summary, "n1's only send of it to n4, at 3.300 s, was dropped by partition {n1 n2}|{n3 n4 n5} (3.250 s to 8.000 s), and no node sent it again after that partition healed at 8.000 s")
	assert.Contains(t, e.Summary, "; no node ever sent it to n3 or n5;")
	assert.NotContains(t, e.Summary, "to n2")
	var fates []explain.FateKind
	var notes []string
	for _, it := range e.Evidence {
		fates = append(fates, it.Fate.Kind)
		notes = append(notes, it.Note)
	}
	assert.Contains(t, fates, explain.Dropped)
	assert.Contains(t, fates, explain.NeverSent)
	assert.Contains(t, notes, "n2 receives 17")
	assert.Contains(t, notes, "n4's final read, without 17")
	assert.Contains(t, notes, "the broadcast of 17")
	for i := 1; i < len(e.Evidence); i++ {
		assert.LessOrEqual(t, e.Evidence[i-1].Time, e.Evidence[i].Time)
	}
}

// A node that never forwards: every element is lost the same way and
// explained once.
func TestExplainLostNoForward(t *testing.T) {
	r := tracetest.New("n1", "n2", "n3")
	broadcastCall(r, 10, 11, 0, "c0", 0)
	broadcastCall(r, 12, 13, 1, "c1", 1)
	broadcastCall(r, 14, 15, 2, "c2", 2)
	readCall(r, 100, 101, 0, "c3", 0)
	readCall(r, 100, 101, 1, "c4", 1)
	readCall(r, 100, 101, 2, "c5", 2)
	out := ExplainLost(r.Index(), "broadcast", []any{int64(0), int64(1), int64(2)})
	require.Len(t, out, 1)
	assert.Equal(t, "lost element 0, 1, 2", out[0].Finding)
	assert.Contains(t, out[0].Summary, "element 0 was acknowledged by n1 at 0.011 s; no node ever sent it to n2 or n3.")
	assert.Contains(t, out[0].Summary, "Elements 1, 2 were lost the same way.")
}

// A node that stores a value, forwards it, and forgets it later.
func TestExplainLostForgotten(t *testing.T) {
	r := tracetest.New("n1", "n2")
	r.Call(10, 11, 0, "c0", "add", int64(5), map[string]any{"type": "add", "element": 5}, history.OK, map[string]any{"type": "add_ok"}, nil)
	r.Deliver(11, 12, "n1", "n2", map[string]any{"type": "gossip", "message": 5})
	readCall(r, 20, 21, 1, "c1", 5)
	readCall(r, 100, 101, 0, "c2")
	readCall(r, 100, 101, 1, "c3")
	out := ExplainLost(r.Index(), "add", []any{int64(5)})
	require.Len(t, out, 1)
	s := out[0].Summary
	assert.Contains(t, s, "n1 itself lacks it in its final read at 0.101 s")
	assert.Contains(t, s, "n2 received it from n1 at 0.012 s, yet its final read at 0.101 s lacks it (its reads held it from 0.021 s to 0.021 s)")
	assert.False(t, strings.HasSuffix(s, ";"))
}

func TestExplainDuplicates(t *testing.T) {
	r := tracetest.New("n1")
	readCall(r, 1, 2, 0, "c0", 3, 3, 4)
	out := ExplainDuplicates(r.Index(), []any{int64(3)})
	require.Len(t, out, 1)
	assert.True(t, out[0].Warning)
	assert.Equal(t, "n1 answered the read invoked at 0.001 s with element 3 2 times in one reply; a set holds each element once.", out[0].Summary)
	assert.Len(t, out[0].Evidence, 2)
}

// An element some final reads lack, though set-full does not call it
// lost: a warning of the convergence check.
func TestExplainUnconverged(t *testing.T) {
	r := tracetest.New("n1", "n2")
	broadcastCall(r, 10, 11, 0, "c0", 3)
	readCall(r, 100, 101, 1, "c1")
	readCall(r, 102, 103, 0, "c2", 3)
	out := ExplainUnconverged(r.Index(), "broadcast", []any{int64(3)})
	require.Len(t, out, 1)
	assert.True(t, out[0].Warning)
	assert.Equal(t, "element missing from final reads: 3", out[0].Finding)
	assert.Contains(t, out[0].Summary, "no node ever sent it to n2")
}

// Kills: a node that acknowledged a value and was killed before passing
// it on, and nodes that all had a value and came back from one kill
// without it, are named with the kill; a node that got the value back
// after its restart is not blamed on the kill.
func TestExplainLostToKill(t *testing.T) {
	cases := []struct {
		name     string
		build    func(r *tracetest.Run)
		finals   [3][]int // what each node's final read holds
		contains []string
		absent   []string
	}{
		{
			name: "killed before passing it on",
			build: func(r *tracetest.Run) {
				broadcastCall(r, 3100, 3210, 0, "c0", 17)
				r.Kill(3400, 5400, "n1")
			},
			contains: []string{
				"element 17 was acknowledged by n1 at 3.210 s; n1 was killed at 3.400 s before sending it to any peer (no message from n1 carried 17 between the broadcast and the kill); it restarted at 5.400 s and sent no message carrying 17 after that",
				"no node ever sent it to n2 or n3",
				"n1 had it and was killed at 3.400 s; it restarted at 5.400 s and no message carried it to n1 after that, so it came back without it",
			},
		},
		{
			name: "every node had it",
			build: func(r *tracetest.Run) {
				broadcastCall(r, 3100, 3210, 0, "c0", 17)
				r.Deliver(3220, 3230, "n1", "n2", gossip(17))
				r.Deliver(3220, 3230, "n1", "n3", gossip(17))
				readCall(r, 3300, 3310, 1, "c1", 17)
				r.Kill(6000, 7000, "n1", "n2", "n3")
			},
			contains: []string{
				"element 17 was acknowledged by n1 at 3.210 s; n1, n2 and n3 had it and were killed at 6.000 s; they restarted at 7.000 s and no message carried it to them after that, so they came back without it.",
			},
			absent: []string{"before sending it"},
		},
		{
			name: "sent again after the restart",
			build: func(r *tracetest.Run) {
				broadcastCall(r, 3100, 3210, 0, "c0", 17)
				r.Deliver(3220, 3230, "n1", "n2", gossip(17))
				r.Kill(6000, 7000, "n2")
				r.Deliver(7100, 7110, "n1", "n2", gossip(17))
			},
			finals: [3][]int{{17}, nil, nil},
			contains: []string{
				"n2 received it from n1 at 3.230 s, yet its final read",
				"no node ever sent it to n3",
			},
			absent: []string{"killed"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := tracetest.New("n1", "n2", "n3")
			c.build(r)
			for p, client := range []string{"c10", "c11", "c12"} {
				readCall(r, 25000, 25001, p, client, c.finals[p]...)
			}
			out := ExplainLost(r.Index(), "broadcast", []any{int64(17)})
			require.Len(t, out, 1)
			for _, s := range c.contains {
				assert.Contains(t, out[0].Summary, s)
			}
			for _, s := range c.absent {
				assert.NotContains(t, out[0].Summary, s)
			}
			var kills int
			for _, it := range out[0].Evidence {
				if it.Kind == explain.Nemesis && it.Type == "kill" {
					kills++
				}
			}
			if len(c.absent) > 0 && c.absent[0] == "killed" {
				assert.Zero(t, kills)
			} else {
				assert.Equal(t, 1, kills, "one kill in the evidence")
			}
		})
	}
}

// A gossip message held by the receiver's pause and delivered after its
// final read: the pause is named and in the evidence.
func TestExplainHeldByPause(t *testing.T) {
	r := tracetest.New("n1", "n2")
	broadcastCall(r, 100, 110, 0, "c0", 17)
	r.Pause(200, 900, "n2")
	id := r.Send(300, "n1", "n2", gossip(17))
	readCall(r, 500, 501, 0, "c10", 17)
	readCall(r, 500, 501, 1, "c11")
	r.Recv(900, id)
	out := ExplainUnconverged(r.Index(), "broadcast", []any{int64(17)})
	require.Len(t, out, 1)
	assert.Contains(t, out[0].Summary, "n2 received it from n1 only at 0.900 s, after its final read at 0.501 s: sent at 0.300 s, it waited while n2 was paused (0.200 s to 0.900 s)")
	var types []string
	for _, it := range out[0].Evidence {
		if it.Kind == explain.Nemesis {
			types = append(types, it.Type)
		}
		if it.Kind == explain.Message {
			assert.Equal(t, "delivered at 0.900 s, held while n2 was paused (0.200 s to 0.900 s)", it.Fate.Text)
		}
	}
	assert.Equal(t, []string{"pause", "resume"}, types)
}
