package viz

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/history"
	"github.com/eddy-workbench/eddy/internal/nemesis"
	"github.com/eddy-workbench/eddy/internal/netsim"
)

func nemOp(sec float64, f string, v any) history.Op {
	return history.Op{Type: history.Info, Process: history.Nemesis, Time: int64(sec * 1e9), F: f, Value: v}
}

// Shadings: partitions, then kills and pauses, each merged across nodes.
func TestShadings(t *testing.T) {
	kw := func(s string) edn.Keyword { return edn.Keyword(s) }
	ops := []history.Op{
		nemOp(0, "start-partition", kw("one")),
		nemOp(1, "stop-partition", nil),
		nemOp(2, "kill", kw("one")),
		nemOp(2, "kill", edn.NewMap("n1", kw("killed"))),
		nemOp(3, "pause", kw("one")),
		nemOp(3, "pause", edn.NewMap("n2", kw("paused"))),
		nemOp(4, "start", kw("all")),
		nemOp(4.5, "start", edn.NewMap("n1", kw("started"))),
		nemOp(5, "kill", kw("one")),
		nemOp(5, "kill", edn.NewMap("n3", kw("killed"))),
	}
	got := Shadings(ops, 8)
	require.Len(t, got, 3)
	assert.Equal(t, "partitioned", got[0].Label)
	assert.Equal(t, []Interval{{0, 1}}, got[0].Spans)
	assert.Equal(t, "nodes killed", got[1].Label)
	assert.Equal(t, []Interval{{2, 4.5}, {5, 8}}, got[1].Spans)
	assert.Equal(t, "nodes paused", got[2].Label)
	assert.Equal(t, []Interval{{3, 8}}, got[2].Spans)
	assert.Empty(t, Shadings(nil, 8))
	assert.Equal(t, []Interval{{0, 3}, {4, 5}}, merge([]Interval{{2, 3}, {0, 1}, {4, 5}, {0.5, 2}}))
}

// A message dropped because its destination was killed is drawn to the
// destination at the drop, with its fate; a killed node's lifeline is
// shaded over the rows of its downtime.
func TestDiagramDropsAndFaults(t *testing.T) {
	evs := journal(
		send(0, "n1", "n2", `{"type":"gossip"}`),
		recv(0, "n1", "n2", `{"type":"gossip"}`),
		send(1, "n1", "n2", `{"type":"gossip"}`),
		jev{netsim.Drop, 1, "n1", "n2", `{"type":"gossip"}`},
		send(2, "n2", "n1", `{"type":"gossip"}`),
		recv(2, "n2", "n1", `{"type":"gossip"}`),
	)
	evs[3].Fate = netsim.FateCrashed
	doc, st := render(t, evs, DiagramOptions{Faults: []nemesis.Span{
		{Fault: nemesis.Kill, Nodes: []string{"n2"}, Start: 2e6, End: 3.5e6},
		{Fault: nemesis.Pause, Nodes: []string{"n1"}, Start: 9e6, End: 10e6}, // after every event: not drawn
	}})
	assert.Equal(t, 2, st.Arrows)
	assert.Equal(t, 1, st.Dropped)
	assert.Contains(t, doc, "<title>dropped, to crashed node: 1 n1 → n2")
	assert.Equal(t, 1, strings.Count(doc, `<rect class="fault kill"`))
	assert.Equal(t, 0, strings.Count(doc, `class="fault pause"`))
	assert.Contains(t, doc, "<title>n2 killed from 0.00 s to 0.00 s</title>")
	assert.Contains(t, doc, `height="36.0"`, "two rows: 2 and 3 ms")
}

// In a focused diagram, the notes of a fault's start and end are rows
// too: a kill with no journal event within it is shaded from its note to
// the note of its restart.
func TestDiagramFaultBetweenNotes(t *testing.T) {
	evs := journal(
		send(0, "n1", "n2", `{"type":"gossip"}`),
		recv(0, "n1", "n2", `{"type":"gossip"}`),
		send(9, "n1", "n2", `{"type":"gossip"}`),
		recv(9, "n1", "n2", `{"type":"gossip"}`),
	)
	// The journal's events are at 0, 1, 2 and 3 ms.
	kill := []nemesis.Span{{Fault: nemesis.Kill, Nodes: []string{"n2"}, Start: 10e6, End: 20e6}}
	doc, _ := render(t, evs, DiagramOptions{Faults: kill})
	assert.Equal(t, 0, strings.Count(doc, `<rect class="fault kill"`), "no row within the kill")
	doc, _ = render(t, evs, DiagramOptions{Faults: kill, Notes: []Note{{Time: 10e6, Text: "kill n2"}, {Time: 20e6, Text: "start n2"}}})
	assert.Equal(t, 1, strings.Count(doc, `<rect class="fault kill"`))
	assert.Contains(t, doc, `height="36.0"`, "the two note rows")
}
