package viz

import (
	"fmt"
	"io"
	"testing"

	"github.com/eddy-workbench/eddy/internal/history"
	"github.com/eddy-workbench/eddy/internal/netsim"
)

// BenchmarkVisuals draws what a run of 25 nodes writes: a 100,000-event
// journal (node gossip and client traffic) and a history of 20,000 ops.
func BenchmarkVisuals(b *testing.B) {
	var events []netsim.Event
	for i := range 50_000 {
		src, dest := fmt.Sprintf("n%d", i%25), fmt.Sprintf("n%d", (i*7+1)%25)
		if i%5 == 0 {
			src = fmt.Sprintf("c%d", i%40)
		}
		m := netsim.Message{ID: int64(i), Src: src, Dest: dest, Body: fmt.Appendf(nil, `{"type":"sync","have":[[0,%d]],"msg_id":%d}`, i, i)}
		events = append(events,
			netsim.Event{Seq: int64(2 * i), Time: int64(i) * 4e5, Kind: netsim.Send, Msg: m},
			netsim.Event{Seq: int64(2*i + 1), Time: int64(i)*4e5 + 1e5, Kind: netsim.Recv, Msg: m})
	}
	var ops []history.Op
	for i := range 10_000 {
		f := []string{"broadcast", "read"}[i%2]
		ops = append(ops,
			history.Op{Index: 2 * i, Time: int64(i) * 2e6, Type: history.Invoke, Process: i % 25, F: f},
			history.Op{Index: 2*i + 1, Time: int64(i)*2e6 + 1e6, Type: history.OK, Process: i % 25, F: f})
	}
	dists := []Distribution{{File: "stable-latencies.svg", Title: "Stable latency", XLabel: "ms", Values: make([]float64, 5000)}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := WriteDiagram(io.Discard, events, DiagramOptions{}); err != nil {
			b.Fatal(err)
		}
		for _, p := range Plots(ops, 0, dists) {
			if err := p.Write(io.Discard); err != nil {
				b.Fatal(err)
			}
		}
	}
}
