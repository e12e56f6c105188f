package checker

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/history"
)

// three is a cluster of three nodes, one worker thread each.
var three = Cluster{Nodes: []string{"n0", "n1", "n2"}, Concurrency: 3}

func final(o history.Op) history.Op {
	o.Final = true
	return o
}

func TestClusterNodeOf(t *testing.T) {
	c := Cluster{Nodes: []string{"n0", "n1"}, Concurrency: 4}
	for p, want := range map[int]string{0: "n0", 1: "n1", 2: "n0", 3: "n1", 4: "n0", 7: "n1", -1: ""} {
		assert.Equal(t, want, c.NodeOf(p), "process %d", p)
	}
	assert.Equal(t, "", Cluster{}.NodeOf(0))
}

// TestSetConvergenceCatchesWhatSetFullPasses is the case the check exists
// for: only n0 holds 2, and n0's final read happens to come last, so
// set-full calls 2 stable and the run valid.
func TestSetConvergenceCatchesWhatSetFullPasses(t *testing.T) {
	h := hist(
		inv(0, "broadcast", int64(1)), ok(0, "broadcast", int64(1)),
		inv(1, "broadcast", int64(2)), ok(1, "broadcast", int64(2)),
		inv(2, "broadcast", int64(3)), info(2, "broadcast", int64(3)), // not acknowledged
		final(inv(1, "read", nil)), final(ok(1, "read", []any{int64(1)})),
		final(inv(5, "read", nil)), final(ok(5, "read", []any{int64(1)})),
		final(inv(0, "read", nil)), final(ok(0, "read", []any{int64(2), int64(1)})),
	)
	require.Equal(t, true, field(t, SetFull(h, "broadcast", false).EDN(), "valid?"), "set-full passes it")

	conv := SetConvergence(h, "broadcast", three)
	assert.Equal(t, check.Invalid, conv.Converged)
	assert.Equal(t, "n1, n2 lack 2", conv.Summary)
	assert.Equal(t, `{:converged? false, :acknowledged-count 2, :final-read-count 3, :lacking {"n1" {:count 1, :elements [2]}, "n2" {:count 1, :elements [2]}}, :summary "n1, n2 lack 2"}`,
		edn.String(conv.EDN()))

	// The findings render it last, under :convergence.
	f := SetFull(h, "broadcast", false)
	f.Convergence = conv
	var keys []string
	f.EDN().Each(func(k, _ any) { keys = append(keys, string(k.(edn.Keyword))) })
	assert.Equal(t, "convergence", keys[len(keys)-1])
	assert.Equal(t, edn.String(conv.EDN()), edn.String(field(t, f.EDN(), "convergence")))
}

func TestSetConvergence(t *testing.T) {
	cases := []struct {
		name    string
		h       []history.Op
		want    check.Verdict
		summary string
	}{
		{
			name: "every final read holds every acknowledged value",
			h: hist(
				inv(0, "broadcast", int64(1)), ok(0, "broadcast", int64(1)),
				inv(1, "broadcast", int64(2)), fail(1, "broadcast", int64(2)),
				final(inv(0, "read", nil)), final(ok(0, "read", []any{int64(1)})),
				final(inv(1, "read", nil)), final(ok(1, "read", []any{int64(1), int64(2)})),
				final(inv(2, "read", nil)), final(ok(2, "read", []any{int64(1)})),
			),
			want: check.Valid,
		},
		{
			name: "intermediate reads do not count",
			h: hist(
				inv(0, "broadcast", int64(1)), ok(0, "broadcast", int64(1)),
				inv(1, "read", nil), ok(1, "read", []any{}),
				final(inv(0, "read", nil)), final(ok(0, "read", []any{int64(1)})),
				final(inv(1, "read", nil)), final(ok(1, "read", []any{int64(1)})),
				final(inv(2, "read", nil)), final(ok(2, "read", []any{int64(1)})),
			),
			want: check.Valid,
		},
		{
			name: "no final read succeeded",
			h: hist(
				inv(0, "broadcast", int64(1)), ok(0, "broadcast", int64(1)),
				final(inv(0, "read", nil)), final(fail(0, "read", nil)),
			),
			want: check.Unknown,
		},
		{
			name: "g-set: the final reads are each thread's last op",
			h: hist(
				inv(0, "add", int64(1)), ok(0, "add", int64(1)),
				inv(1, "read", nil), ok(1, "read", []any{}),
				inv(0, "read", nil), inv(2, "read", nil), inv(1, "read", nil),
				ok(0, "read", []any{int64(1)}), ok(2, "read", []any{}), ok(1, "read", []any{int64(1)}),
			),
			want:    check.Invalid,
			summary: "n2 lacks 1",
		},
		{
			name: "g-set: the last ops overlap the rest, so there is no final phase",
			h: hist(
				inv(0, "add", int64(1)), inv(1, "read", nil), ok(0, "add", int64(1)),
				inv(2, "read", nil), ok(1, "read", []any{}), ok(2, "read", []any{}),
				inv(0, "read", nil), ok(0, "read", []any{int64(1)}),
			),
			want: check.Unknown,
		},
		{
			name: "nodes with different gaps",
			h: hist(
				inv(0, "broadcast", int64(1)), ok(0, "broadcast", int64(1)),
				inv(0, "broadcast", int64(2)), ok(0, "broadcast", int64(2)),
				inv(0, "broadcast", int64(3)), ok(0, "broadcast", int64(3)),
				final(inv(0, "read", nil)), final(ok(0, "read", []any{int64(1), int64(2), int64(3)})),
				final(inv(1, "read", nil)), final(ok(1, "read", []any{int64(2)})),
				final(inv(2, "read", nil)), final(ok(2, "read", []any{int64(2), int64(3)})),
			),
			want:    check.Invalid,
			summary: "n1 lacks 1 and 3; n2 lacks 1",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			add := "broadcast"
			if tc.h[0].F == "add" {
				add = "add"
			}
			conv := SetConvergence(tc.h, add, three)
			assert.Equal(t, tc.want, conv.Converged, edn.String(conv.EDN()))
			assert.Equal(t, tc.summary, conv.Summary)
		})
	}
}

func TestSetConvergenceSummaryIsBounded(t *testing.T) {
	nodes := []string{"n0", "n1", "n2", "n3", "n4", "n5", "n6", "n7"}
	c := Cluster{Nodes: nodes, Concurrency: len(nodes)}
	var h []history.Op
	for v := range int64(100) {
		h = append(h, inv(0, "broadcast", v), ok(0, "broadcast", v))
	}
	for p := range nodes {
		var have []any
		for v := range int64(100) {
			if p == 0 || v%int64(p+1) != 0 { // node p lacks the multiples of p+1
				have = append(have, v)
			}
		}
		h = append(h, final(inv(p, "read", nil)), final(ok(p, "read", have)))
	}
	conv := SetConvergence(hist(h...), "broadcast", c)
	require.Equal(t, check.Invalid, conv.Converged)
	assert.Equal(t, "n1 lacks 0, 2, 4, 6, 8, 10, 12, 14, … (50 elements); n2 lacks 0, 3, 6, 9, 12, 15, 18, 21, … (34 elements); "+
		"n3 lacks 0, 4, 8, 12, 16, 20, 24, 28, … (25 elements); n4 lacks 0, 5, 10, 15, 20, 25, 30, 35, … (20 elements); "+
		"3 more node(s) lack other elements (see :convergence :lacking)", conv.Summary)
	n1 := conv.Lacking[0]
	assert.Equal(t, "n1", n1.Node)
	assert.Equal(t, int64(50), n1.Count)
	assert.Len(t, n1.Elements, maxLackingShown)
}

func TestCounterConvergence(t *testing.T) {
	cases := []struct {
		name      string
		h         []history.Op
		want      check.Verdict
		summary   string
		maelstrom bool // Maelstrom's counter checker's verdict
	}{
		{
			name: "all final reads agree on an acceptable total",
			h: hist(
				inv(0, "add", int64(3)), ok(0, "add", int64(3)),
				inv(1, "add", int64(2)), info(1, "add", int64(2)),
				final(inv(0, "read", nil)), final(ok(0, "read", int64(5))),
				final(inv(4, "read", nil)), final(ok(4, "read", int64(5))),
				final(inv(2, "read", nil)), final(ok(2, "read", int64(5))),
			),
			want:      check.Valid,
			maelstrom: true,
		},
		{
			name: "acceptable totals that disagree, which Maelstrom passes",
			h: hist(
				inv(0, "add", int64(3)), ok(0, "add", int64(3)),
				inv(1, "add", int64(2)), info(1, "add", int64(2)),
				final(inv(0, "read", nil)), final(ok(0, "read", int64(3))),
				final(inv(4, "read", nil)), final(ok(4, "read", int64(5))),
				final(inv(2, "read", nil)), final(ok(2, "read", int64(5))),
			),
			want:      check.Invalid,
			summary:   "n0 read 3; n1, n2 read 5 (acceptable totals: 3, 5)",
			maelstrom: true,
		},
		{
			name: "agreeing on a total the history does not allow",
			h: hist(
				inv(0, "add", int64(3)), ok(0, "add", int64(3)),
				final(inv(0, "read", nil)), final(ok(0, "read", int64(4))),
				final(inv(1, "read", nil)), final(ok(1, "read", int64(4))),
				final(inv(2, "read", nil)), final(ok(2, "read", int64(4))),
			),
			want:    check.Invalid,
			summary: "n0–n2 read 4 (acceptable totals: 3)",
		},
		{
			name:      "no final read",
			h:         hist(inv(0, "add", int64(3)), ok(0, "add", int64(3))),
			want:      check.Unknown,
			maelstrom: true,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			conv := CounterConvergence(tc.h, CounterAcceptable(tc.h), three)
			assert.Equal(t, tc.want, conv.Converged, edn.String(conv.EDN()))
			assert.Equal(t, tc.summary, conv.Summary)
			assert.Equal(t, tc.maelstrom, field(t, Counter(tc.h).EDN(), "valid?"))
		})
	}
}

func TestCounterConvergenceNamesUnreadNodes(t *testing.T) {
	h := hist(
		inv(0, "add", int64(1)), ok(0, "add", int64(1)),
		final(inv(0, "read", nil)), final(ok(0, "read", int64(1))),
		final(inv(1, "read", nil)), final(info(1, "read", nil)),
	)
	conv := CounterConvergence(h, CounterAcceptable(h), three)
	assert.Equal(t, check.Valid, conv.Converged)
	assert.Equal(t, []string{"n1", "n2"}, conv.Unread)
	assert.Equal(t, []any{"n1", "n2"}, field(t, conv.EDN(), "unread"))
}

func TestNodeList(t *testing.T) {
	all := []string{"n0", "n1", "n2", "n3", "n4", "n5"}
	for _, tc := range []struct {
		nodes []string
		want  string
	}{
		{[]string{"n1", "n2", "n3", "n4"}, "n1–n4"},
		{[]string{"n0", "n2", "n3"}, "n0, n2, n3"},
		{[]string{"n0", "n2", "n3", "n4", "x"}, "n0, n2–n4, x"},
		{[]string{"n5"}, "n5"},
		{nil, ""},
	} {
		assert.Equal(t, tc.want, NodeList(tc.nodes, all), fmt.Sprint(tc.nodes))
	}
}
