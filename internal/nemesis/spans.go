package nemesis

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/history"
)

// Span is a stretch of a run during which one fault was in effect: a
// partition, or some nodes killed or paused by one operation.
type Span struct {
	Fault Fault
	// Nodes are the nodes killed or paused (sorted); none for a partition.
	Nodes []string
	// Start and End are nanoseconds since the run began: from the fault's
	// first record to the completion of the operation that undid it (for a
	// partition, the heal's first record, as Maelstrom's plots do).
	Start, End int64
	// Open is set when the run ended with the fault in effect; End is then
	// the end the caller gave.
	Open bool
	// Detail is what the nemesis recorded about a partition: its grudge,
	// e.g. [:isolated {"n1" #{"n2"}, "n2" #{"n1"}}].
	Detail string
}

// String describes the span in words, times in seconds: "kill n1, n3 from
// 1.20 s to 3.41 s", "partition from 0.00 s to the end (4.00 s)".
func (s Span) String() string {
	var b strings.Builder
	b.WriteString(string(s.Fault))
	if len(s.Nodes) > 0 {
		b.WriteString(" " + strings.Join(s.Nodes, ", "))
	}
	fmt.Fprintf(&b, " from %.2f s", float64(s.Start)/1e9)
	if s.Open {
		fmt.Fprintf(&b, " to the end (%.2f s)", float64(s.End)/1e9)
	} else {
		fmt.Fprintf(&b, " to %.2f s", float64(s.End)/1e9)
	}
	if s.Detail != "" {
		b.WriteString(": " + s.Detail)
	}
	return b.String()
}

// EDN is the span as results.edn lists it: {:fault :kill, :nodes ["n1"],
// :start 1.2, :end 3.4} (seconds), with :open? true for a fault still in
// effect at the end and :grudge for a partition.
func (s Span) EDN() *edn.Map {
	m := edn.NewMap(edn.Keyword("fault"), edn.Keyword(s.Fault))
	if len(s.Nodes) > 0 {
		nodes := make([]any, len(s.Nodes))
		for i, n := range s.Nodes {
			nodes[i] = n
		}
		m.Set(edn.Keyword("nodes"), nodes)
	}
	m.Set(edn.Keyword("start"), float64(s.Start)/1e9)
	m.Set(edn.Keyword("end"), float64(s.End)/1e9)
	if s.Open {
		m.Set(edn.Keyword("open?"), true)
	}
	if s.Detail != "" {
		m.Set(edn.Keyword("grudge"), edn.Raw(s.Detail))
	}
	return m
}

// Spans reads the nemesis's operations of a history back into the spans of
// its faults, in the order they began. end (nanoseconds) closes the spans
// still open when the history ends.
//
// Partitions are recorded as Maelstrom does (:start-partition, then again
// with the grudge; :stop-partition twice). The process faults are recorded
// as Jepsen's nemesis does: an op whose value is the target (:kill
// :minority, :start :all), then one whose value maps each node acted on to
// what was done ({"n1" :killed}); a kill lasts from its first record until
// the start that restarted its nodes completed, a pause until the resume
// that resumed them completed.
func Spans(ops []history.Op, end int64) []Span {
	var out []Span
	partition := -1            // index in out of the open partition
	open := map[string][]int{} // fault → indexes in out of its open spans
	invoked := map[string]int64{}
	for _, o := range ops {
		if o.Process != history.Nemesis {
			continue
		}
		switch o.F {
		case "start-partition":
			if partition < 0 {
				partition = len(out)
				out = append(out, Span{Fault: Partition, Start: o.Time, Open: true})
			} else if raw, ok := o.Value.(edn.Raw); ok {
				out[partition].Detail = string(raw)
			} else if o.Value != nil {
				if _, kw := o.Value.(edn.Keyword); !kw {
					out[partition].Detail = edn.String(o.Value)
				}
			}
		case "stop-partition":
			if partition >= 0 {
				out[partition].End, out[partition].Open = o.Time, false
				partition = -1
			}
		case FKill, FPause, FStart, FResume:
			done, ok := o.Value.(*edn.Map)
			if !ok {
				invoked[o.F] = o.Time // the first record: the target
				continue
			}
			start, ok := invoked[o.F]
			if !ok {
				start = o.Time
			}
			delete(invoked, o.F)
			fault, undo := Kill, FStart
			if o.F == FPause || o.F == FResume {
				fault, undo = Pause, FResume
			}
			nodes := nodesDone(done)
			if o.F == FKill {
				// A kill ends the pause of a node it kills.
				open[FPause] = endFor(&out, open[FPause], nodes, o.Time)
			}
			if o.F != undo {
				if len(nodes) > 0 {
					open[o.F] = append(open[o.F], len(out))
					out = append(out, Span{Fault: fault, Nodes: nodes, Start: start, Open: true})
				}
				continue
			}
			// The repair ends the open spans of its fault for the nodes it
			// brought back.
			open[faultOp(fault)] = endFor(&out, open[faultOp(fault)], nodes, o.Time)
		}
	}
	for i := range out {
		if out[i].Open {
			out[i].End = max(end, out[i].Start)
		}
	}
	slices.SortStableFunc(out, func(a, b Span) int { return cmp.Compare(a.Start, b.Start) })
	return out
}

// endFor ends, at t, the open spans (indexes into *all) for the given
// nodes, and returns the indexes of the spans still open. A span some of
// whose nodes end is split: the ended part keeps its place, the rest goes
// on as a new open span with the same start, appended to *all.
func endFor(all *[]Span, open []int, nodes []string, t int64) []int {
	var still []int
	for _, i := range open {
		s := (*all)[i]
		var ended, rest []string
		for _, n := range s.Nodes {
			if slices.Contains(nodes, n) {
				ended = append(ended, n)
			} else {
				rest = append(rest, n)
			}
		}
		if len(ended) == 0 {
			still = append(still, i)
			continue
		}
		(*all)[i].Nodes, (*all)[i].End, (*all)[i].Open = ended, t, false
		if len(rest) > 0 {
			still = append(still, len(*all))
			*all = append(*all, Span{Fault: s.Fault, Nodes: rest, Start: s.Start, Open: true})
		}
	}
	return still
}

// faultOp is the f of the op that injects a process fault.
func faultOp(f Fault) string {
	if f == Pause {
		return FPause
	}
	return FKill
}

// nodesDone lists, sorted, the nodes of a completion value that were acted
// upon (:killed, :started, :paused, :resumed; not :failed).
func nodesDone(m *edn.Map) []string {
	var out []string
	m.Each(func(k, v any) {
		node, ok := k.(string)
		if !ok || v == edn.Keyword("failed") {
			return
		}
		out = append(out, node)
	})
	slices.Sort(out)
	return out
}
