package trace

import (
	"fmt"
	"slices"
	"strings"

	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/explain"
	"github.com/eddy-workbench/eddy/internal/history"
	"github.com/eddy-workbench/eddy/internal/nemesis"
)

// Fault is one process fault of one node, read from the nemesis's
// operations in the history: a kill (the node down from Start, restarted
// with the same id and a fresh init at End) or a pause (stopped from Start,
// resumed at End).
type Fault struct {
	Node string
	// Kind is nemesis.Kill or nemesis.Pause.
	Kind nemesis.Fault
	// Start is the nemesis's first record of the kill or pause (its
	// invocation); End the completion of the start or resume that undid it,
	// or the end of the run when Open.
	Start, End int64
	// Down is when the node was down or paused for certain: the nemesis's
	// record naming it (the completion of the kill or pause), or the
	// network's first drop of a message to it after Start if that came
	// first. Between Start and Down the node may still have acted. The
	// explanations say a node was killed at Down.
	Down int64
	// Undo is when the start or resume that ended the fault began (its
	// invocation): the node may take messages from then on; End when Open.
	Undo int64
	// Open is set when the run ended with the node still down or paused.
	Open bool
}

// faultsOf reads the per-node process faults of a history, in the order
// they began (by node name at the same time); end closes those still open.
func faultsOf(ops []history.Op, end int64) []Fault {
	// The invocations of the starts and resumes (their value is a target,
	// not a map of what was done).
	undos := map[nemesis.Fault][]int64{}
	for _, o := range ops {
		if o.Process != history.Nemesis || (o.F != nemesis.FStart && o.F != nemesis.FResume) {
			continue
		}
		if _, done := o.Value.(*edn.Map); done {
			continue
		}
		f := nemesis.Kill
		if o.F == nemesis.FResume {
			f = nemesis.Pause
		}
		undos[f] = append(undos[f], o.Time)
	}
	// The completions of the kills and pauses: when each node was
	// recorded down or paused.
	type done struct {
		f     string
		t     int64
		nodes *edn.Map
	}
	var dones []done
	for _, o := range ops {
		if o.Process != history.Nemesis || (o.F != nemesis.FKill && o.F != nemesis.FPause) {
			continue
		}
		if m, ok := o.Value.(*edn.Map); ok {
			dones = append(dones, done{o.F, o.Time, m})
		}
	}
	downAt := func(f nemesis.Fault, node string, start int64) int64 {
		op := nemesis.FKill
		if f == nemesis.Pause {
			op = nemesis.FPause
		}
		for _, d := range dones {
			if d.f == op && d.t >= start {
				if v, ok := d.nodes.Get(node); ok && v != edn.Keyword("failed") {
					return d.t
				}
			}
		}
		return start
	}
	var out []Fault
	for _, s := range nemesis.Spans(ops, end) {
		if s.Fault != nemesis.Kill && s.Fault != nemesis.Pause {
			continue
		}
		undo := s.End
		if !s.Open {
			for _, t := range undos[s.Fault] {
				if t > s.Start && t <= s.End {
					undo = t
				}
			}
		}
		for _, n := range s.Nodes {
			out = append(out, Fault{Node: n, Kind: s.Fault, Start: s.Start, Down: min(downAt(s.Fault, n, s.Start), s.End), End: s.End, Undo: undo, Open: s.Open})
		}
	}
	slices.SortStableFunc(out, func(a, b Fault) int {
		if a.Start != b.Start {
			if a.Start < b.Start {
				return -1
			}
			return 1
		}
		return CompareNames(a.Node, b.Node)
	})
	return out
}

// downEarlier moves a kill's Down to the first drop of a message to its
// node at or after the kill began, when that comes before the nemesis's
// record: the network had the node down then.
func (x *Index) downEarlier() {
	for i := range x.faults {
		f := &x.faults[i]
		if f.Kind != nemesis.Kill {
			continue
		}
		for _, p := range x.byDest[f.Node] {
			if t := x.msgs[p].drop; t >= f.Start && t < f.Down {
				f.Down = t
			}
		}
	}
}

// Faults are the run's kills and pauses, one per node hit, in the order
// they began.
func (x *Index) Faults() []Fault { return x.faults }

// NodeFaults are node's kills and pauses, in the order they began.
func (x *Index) NodeFaults(node string) []Fault {
	var out []Fault
	for _, f := range x.faults {
		if f.Node == node {
			out = append(out, f)
		}
	}
	return out
}

// KilledBetween is the first kill of node recorded (Down) after t0 and at
// or before t1, and whether there is one.
func (x *Index) KilledBetween(node string, t0, t1 int64) (Fault, bool) {
	for _, f := range x.faults {
		if f.Node == node && f.Kind == nemesis.Kill && f.Down > t0 && f.Down <= t1 {
			return f, true
		}
	}
	return Fault{}, false
}

// At is the kill or pause node was under at time t, and whether there was
// one.
func (x *Index) At(node string, t int64) (Fault, bool) {
	for _, f := range x.faults {
		if f.Node == node && f.Start <= t && t <= f.End {
			return f, true
		}
	}
	return Fault{}, false
}

// HeldBy is the pause of node during which a message to it sent at t0
// and delivered at t1 waited: sent while node was paused and delivered
// once the resume began; and whether there was one.
func (x *Index) HeldBy(node string, t0, t1 int64) (Fault, bool) {
	for _, f := range x.faults {
		if f.Node == node && f.Kind == nemesis.Pause && !f.Open && f.Start <= t0 && t0 < f.Undo && t1 >= f.Undo {
			return f, true
		}
	}
	return Fault{}, false
}

// Restart is when the fault ended, in words: "restarted at 7.442 s",
// "resumed at 4.100 s", or "still down when the run ended".
func (f Fault) Restart() string {
	switch {
	case f.Open && f.Kind == nemesis.Kill:
		return "still down when the run ended"
	case f.Open:
		return "still paused when the run ended"
	case f.Kind == nemesis.Kill:
		return "restarted at " + explain.Seconds(f.End)
	}
	return "resumed at " + explain.Seconds(f.End)
}

// String is the fault in words: "n1 was killed at 6.201 s and restarted
// at 7.442 s", "n2 was paused from 3.000 s to 4.100 s".
func (f Fault) String() string { return f.Nodes(f.Node) }

// Nodes is the fault in words for a list of nodes that shared it: "n0, n1
// and n2 were killed at 6.201 s and restarted at 7.442 s".
func (f Fault) Nodes(nodes string) string {
	verb := "was"
	if strings.Contains(nodes, " and ") {
		verb = "were"
	}
	if f.Kind == nemesis.Pause {
		end := "to " + explain.Seconds(f.End)
		if f.Open {
			end = "to the end of the run"
		}
		return fmt.Sprintf("%s %s paused from %s %s", nodes, verb, explain.Seconds(f.Down), end)
	}
	if f.Open {
		return fmt.Sprintf("%s %s killed at %s and never restarted", nodes, verb, explain.Seconds(f.Down))
	}
	return fmt.Sprintf("%s %s killed at %s and restarted at %s", nodes, verb, explain.Seconds(f.Down), explain.Seconds(f.End))
}

// FaultItems are the given faults as evidence: for each kill or pause, an
// item when it was recorded done (Down; Type "kill" or "pause", Text the nodes it hit, as "n1,
// n3", End its end and Note when and whether they came back) and, if it
// ended, one at its end (Type "start" or "resume"). Faults of several
// nodes with the same kind, start and end are one item; duplicates are
// left out. A kill or pause item with an End is what a focused diagram
// shades.
func FaultItems(faults ...Fault) []explain.Item {
	var out []explain.Item
	for _, g := range groupFaults(faults) {
		f := g.fault
		do, undo := nemesis.FKill, nemesis.FStart
		if f.Kind == nemesis.Pause {
			do, undo = nemesis.FPause, nemesis.FResume
		}
		text := strings.Join(g.nodes, ", ")
		out = append(out, explain.Item{Kind: explain.Nemesis, Time: f.Down, End: f.End, Type: do, Text: text, Index: -1, Note: f.Restart()})
		if !f.Open {
			out = append(out, explain.Item{Kind: explain.Nemesis, Time: f.End, End: -1, Type: undo, Text: text, Index: -1})
		}
	}
	return out
}

// faultGroup is the faults of several nodes with the same kind, start,
// down time and end: fault is the first node's, nodes all of them, in
// CompareNames order.
type faultGroup struct {
	fault Fault
	nodes []string
}

// groupFaults groups faults that differ only in their node, in the order
// each group first appears; faults with no node and duplicates are left
// out.
func groupFaults(faults []Fault) []faultGroup {
	type key struct {
		kind             nemesis.Fault
		start, down, end int64
		open             bool
	}
	at := map[key]int{}
	var groups []faultGroup
	for _, f := range faults {
		if f.Node == "" {
			continue
		}
		k := key{f.Kind, f.Start, f.Down, f.End, f.Open}
		i, ok := at[k]
		if !ok {
			i = len(groups)
			at[k] = i
			groups = append(groups, faultGroup{fault: f})
		}
		if !slices.Contains(groups[i].nodes, f.Node) {
			groups[i].nodes = append(groups[i].nodes, f.Node)
		}
	}
	for i := range groups {
		slices.SortFunc(groups[i].nodes, CompareNames)
		groups[i].fault.Node = groups[i].nodes[0]
	}
	return groups
}

// FaultsWithin are the kills and pauses of the given nodes (of any node,
// if none are given) in effect at some time within [t0, t1], in the order
// they began.
func (x *Index) FaultsWithin(nodes []string, t0, t1 int64) []Fault {
	var out []Fault
	for _, f := range x.faults {
		if f.Start <= t1 && f.End >= t0 && (len(nodes) == 0 || slices.Contains(nodes, f.Node)) {
			out = append(out, f)
		}
	}
	return out
}

// FaultsText describes faults in words, those of several nodes with the
// same kind, start and end together: "n1 and n3 were killed at 0.100 s and
// restarted at 0.300 s; n2 was paused from 0.200 s to 0.400 s". At most
// max groups are told, then how many more faults there were.
func FaultsText(faults []Fault, max int) string {
	var parts []string
	left := 0
	for i, g := range groupFaults(faults) {
		if i >= max {
			left += len(g.nodes)
			continue
		}
		ns := g.nodes
		list := ns[0]
		if len(ns) > 1 {
			list = strings.Join(ns[:len(ns)-1], ", ") + " and " + ns[len(ns)-1]
		}
		parts = append(parts, g.fault.Nodes(list))
	}
	if left > 0 {
		parts = append(parts, fmt.Sprintf("and %d more kills or pauses", left))
	}
	return strings.Join(parts, "; ")
}
