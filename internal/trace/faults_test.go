package trace_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/explain"
	"github.com/eddy-workbench/eddy/internal/nemesis"
	"github.com/eddy-workbench/eddy/internal/trace"
	"github.com/eddy-workbench/eddy/internal/trace/tracetest"
)

// ms is a time in milliseconds, as nanoseconds.
func ms(t float64) int64 { return int64(t * 1e6) }

func TestFaultIntervals(t *testing.T) {
	r := tracetest.New("n1", "n2", "n3")
	r.Kill(100, 300, "n1", "n3")
	r.Pause(200, 400, "n2")
	r.Kill(500, -1, "n1")
	r.Pause(600, 650, "n2")
	r.Deliver(900, 901, "n2", "n3", `{"type":"gossip"}`) // the end of the run
	x := r.Index()
	want := []trace.Fault{
		{Node: "n1", Kind: nemesis.Kill, Start: ms(100), Down: ms(100.01), End: ms(300), Undo: ms(299.99)},
		{Node: "n3", Kind: nemesis.Kill, Start: ms(100), Down: ms(100.01), End: ms(300), Undo: ms(299.99)},
		{Node: "n2", Kind: nemesis.Pause, Start: ms(200), Down: ms(200.01), End: ms(400), Undo: ms(399.99)},
		{Node: "n1", Kind: nemesis.Kill, Start: ms(500), Down: ms(500.01), End: ms(901), Undo: ms(901), Open: true},
		{Node: "n2", Kind: nemesis.Pause, Start: ms(600), Down: ms(600.01), End: ms(650), Undo: ms(649.99)},
	}
	assert.Equal(t, want, x.Faults())
	assert.Equal(t, []trace.Fault{want[0], want[3]}, x.NodeFaults("n1"))

	cases := []struct {
		name   string
		got    func() (trace.Fault, bool)
		want   trace.Fault
		wantOK bool
	}{
		{"first kill of n1 after 50 ms", func() (trace.Fault, bool) { return x.KilledBetween("n1", ms(50), ms(800)) }, want[0], true},
		{"next kill of n1 after 101 ms", func() (trace.Fault, bool) { return x.KilledBetween("n1", ms(101), ms(800)) }, want[3], true},
		{"no kill of n1 in (101, 400]", func() (trace.Fault, bool) { return x.KilledBetween("n1", ms(101), ms(400)) }, trace.Fault{}, false},
		{"an ack between the kill's invocation and its record precedes it", func() (trace.Fault, bool) { return x.KilledBetween("n1", ms(100.005), ms(800)) }, want[0], true},
		{"a pause is not a kill", func() (trace.Fault, bool) { return x.KilledBetween("n2", 0, ms(800)) }, trace.Fault{}, false},
		{"n2 paused at 250 ms", func() (trace.Fault, bool) { return x.At("n2", ms(250)) }, want[2], true},
		{"n2 running at 450 ms", func() (trace.Fault, bool) { return x.At("n2", ms(450)) }, trace.Fault{}, false},
		{"n1 down at the end", func() (trace.Fault, bool) { return x.At("n1", ms(901)) }, want[3], true},
		{"held by n2's pause", func() (trace.Fault, bool) { return x.HeldBy("n2", ms(250), ms(400)) }, want[2], true},
		{"sent before the pause", func() (trace.Fault, bool) { return x.HeldBy("n2", ms(150), ms(400)) }, trace.Fault{}, false},
		{"delivered before the resume", func() (trace.Fault, bool) { return x.HeldBy("n2", ms(250), ms(260)) }, trace.Fault{}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := c.got()
			assert.Equal(t, c.wantOK, ok)
			assert.Equal(t, c.want, got)
		})
	}

	assert.Equal(t, "n1 was killed at 0.100 s and restarted at 0.300 s", want[0].String())
	assert.Equal(t, "n1 and n3 were killed at 0.100 s and restarted at 0.300 s", want[0].Nodes("n1 and n3"))
	assert.Equal(t, "n1 was killed at 0.500 s and never restarted", want[3].String())
	assert.Equal(t, "n2 was paused from 0.200 s to 0.400 s", want[2].String())

	items := trace.FaultItems(want[0], want[1], want[0], want[3])
	require.Len(t, items, 3)
	assert.Equal(t, explain.Item{Kind: explain.Nemesis, Time: ms(100.01), End: ms(300), Type: "kill", Text: "n1, n3", Index: -1, Note: "restarted at 0.300 s"}, items[0])
	assert.Equal(t, explain.Item{Kind: explain.Nemesis, Time: ms(300), End: -1, Type: "start", Text: "n1, n3", Index: -1}, items[1])
	assert.Equal(t, "0.500 s  nemesis kill n1 — still down when the run ended", items[2].Line())
}

// Fates name the kill that dropped a message, the pause that held one and
// the fault a message was still waiting on when the run ended.
func TestFateOfFaults(t *testing.T) {
	r := tracetest.New("n1", "n2", "n3")
	r.Kill(100, 300, "n3")
	dropped := r.Send(150, "n1", "n3", `{"type":"gossip","message":1}`)
	r.Drop(160, dropped)
	r.Pause(200, 400, "n2")
	held := r.Deliver(250, 400, "n1", "n2", `{"type":"gossip","message":2}`)
	prompt := r.Deliver(500, 501, "n1", "n2", `{"type":"gossip","message":3}`)
	r.Pause(600, -1, "n3")
	stuck := r.Send(700, "n1", "n3", `{"type":"gossip","message":4}`)
	x := r.Index()
	cases := []struct {
		id   int64
		kind explain.FateKind
		text string
	}{
		{dropped, explain.Crashed, "never delivered: n3 was down when it was due at 0.160 s (killed at 0.100 s, restarted at 0.300 s)"},
		{held, explain.Delivered, "delivered at 0.400 s, held while n2 was paused (0.200 s to 0.400 s)"},
		{prompt, explain.Delivered, "delivered at 0.501 s"},
		{stuck, explain.InFlight, "still in flight when the run ended at 0.700 s (n3 was paused from 0.600 s to the end of the run)"},
	}
	for _, c := range cases {
		f := x.Fate(x.ByID(c.id))
		assert.Equal(t, c.kind, f.Kind, c.text)
		assert.Equal(t, c.text, f.Text)
	}
}

func TestFaultsWithinAndText(t *testing.T) {
	r := tracetest.New("n1", "n2", "n3")
	r.Kill(100, 300, "n1", "n3")
	r.Pause(200, 400, "n2")
	r.Kill(500, -1, "n1")
	r.Deliver(900, 901, "n2", "n3", `{"type":"gossip"}`)
	x := r.Index()
	cases := []struct {
		nodes  []string
		t0, t1 float64
		max    int
		want   string
	}{
		{nil, 0, 1000, 5, "n1 and n3 were killed at 0.100 s and restarted at 0.300 s; n2 was paused from 0.200 s to 0.400 s; n1 was killed at 0.500 s and never restarted"},
		{[]string{"n2", "n3"}, 0, 1000, 5, "n3 was killed at 0.100 s and restarted at 0.300 s; n2 was paused from 0.200 s to 0.400 s"},
		{nil, 350, 450, 5, "n2 was paused from 0.200 s to 0.400 s"},
		{nil, 310, 320, 5, "n2 was paused from 0.200 s to 0.400 s"},
		{nil, 0, 1000, 1, "n1 and n3 were killed at 0.100 s and restarted at 0.300 s; and 2 more kills or pauses"},
		{nil, 600, 1000, 5, "n1 was killed at 0.500 s and never restarted"},
		{nil, 950, 1000, 5, ""},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, trace.FaultsText(x.FaultsWithin(c.nodes, ms(c.t0), ms(c.t1)), c.max))
	}
}

// The network's drop of a message to a node being killed, before the
// nemesis recorded the kill, is when the node was down.
func TestDownAtFirstDrop(t *testing.T) {
	r := tracetest.New("n1", "n2")
	id := r.Send(100.002, "n1", "n2", `{"type":"gossip"}`)
	r.Drop(100.005, id)
	r.Kill(100, 300, "n2")
	f := r.Index().Faults()
	require.Len(t, f, 1)
	assert.Equal(t, ms(100.005), f[0].Down)
}
