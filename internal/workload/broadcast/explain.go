package broadcast

import (
	"fmt"
	"slices"
	"strings"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/explain"
	"github.com/eddy-workbench/eddy/internal/history"
	"github.com/eddy-workbench/eddy/internal/nemesis"
	"github.com/eddy-workbench/eddy/internal/trace"
)

// How much an explanation of lost elements shows: distinct ways of losing
// them explained, lacking nodes detailed per explanation, sends shown per
// lacking node, and elements named per group.
const (
	maxLossGroups   = 6
	maxLackingShown = 4
	maxSendsShown   = 2
	maxNamed        = 8
	maxDupsShown    = 4
)

// Explain explains broadcast's findings (*check.SetFull): see
// ExplainSet.
func Explain(x *trace.Index, f check.Findings) []explain.Explanation {
	return ExplainSet(x, f, "broadcast")
}

// ExplainGSet explains g-set's findings (*check.SetFull): see ExplainSet.
func ExplainGSet(x *trace.Index, f check.Findings) []explain.Explanation {
	return ExplainSet(x, f, "add")
}

// ExplainSet explains the set-full checker's findings for a workload
// whose additions have f add: every way elements were lost; acknowledged
// elements some final reads lack though set-full does not call them lost
// (eddy's convergence check, a warning); and the duplicates reads returned
// (a warning).
func ExplainSet(x *trace.Index, f check.Findings, add string) []explain.Explanation {
	s, ok := f.(*check.SetFull)
	if !ok {
		return nil
	}
	out := ExplainLost(x, add, s.Lost)
	lost := map[string]bool{}
	for _, e := range s.Lost {
		lost[edn.String(e)] = true
	}
	var lacking []any
	seen := map[string]bool{}
	if c := s.Convergence; c != nil {
		for _, l := range c.Lacking {
			for _, e := range l.Elements {
				if k := edn.String(e); !lost[k] && !seen[k] {
					seen[k] = true
					lacking = append(lacking, e)
				}
			}
		}
	}
	out = append(out, ExplainUnconverged(x, add, lacking)...)
	var dups []any
	for _, d := range s.Duplicated {
		dups = append(dups, d.Element)
	}
	return append(out, ExplainDuplicates(x, dups)...)
}

// setView is what the history says of the elements being explained.
type setView struct {
	x      *trace.Index
	add    string
	adds   map[int64]int             // element → position of its add's invocation
	final  map[string]int            // node → position of its last ok read's completion
	seen   map[int64]map[string]span // element → node → the reads that held it
	values map[int64]bool
}

// span is the first and last ok read (completion positions) that held an
// element at one node.
type span struct{ first, last int }

func newSetView(x *trace.Index, add string, values []int64) *setView {
	v := &setView{x: x, add: add, adds: map[int64]int{}, final: map[string]int{}, seen: map[int64]map[string]span{}, values: map[int64]bool{}}
	for _, e := range values {
		v.values[e] = true
	}
	// First the adds and each node's last read; then the elements held by
	// the reads of the nodes whose last read lacks one of them (only those
	// reads matter, and they are few when few nodes lack anything).
	for p, op := range x.Ops() {
		if !op.IsClient() {
			continue
		}
		switch {
		case op.Type == history.Invoke && op.F == add:
			if e, ok := asInt(op.Value); ok && v.values[e] {
				v.adds[e] = p
			}
		case op.Type == history.OK && op.F == "read":
			v.final[v.node(p)] = p
		}
	}
	lacking := map[string]bool{}
	for node, p := range v.final {
		xs, _ := x.Op(p).Value.([]any)
		held := 0
		for _, el := range xs {
			if e, ok := asInt(el); ok && v.values[e] {
				held++
			}
		}
		if held < len(v.values) {
			lacking[node] = true
		}
	}
	for p, op := range x.Ops() {
		if !op.IsClient() || op.Type != history.OK || op.F != "read" {
			continue
		}
		node := v.node(p)
		if !lacking[node] {
			v.hold(node, p, true)
			continue
		}
		v.hold(node, p, false)
	}
	return v
}

// hold records which elements the read at p (by node) holds: only at its
// final read, if onlyFinal.
func (v *setView) hold(node string, p int, onlyFinal bool) {
	if onlyFinal && v.final[node] != p {
		return
	}
	xs, _ := v.x.Op(p).Value.([]any)
	for _, el := range xs {
		e, ok := asInt(el)
		if !ok || !v.values[e] {
			continue
		}
		m := v.seen[e]
		if m == nil {
			m = map[string]span{}
			v.seen[e] = m
		}
		s, had := m[node]
		if !had {
			s.first = p
		}
		s.last = p
		m[node] = s
	}
}

// node is the node that served the op at position p.
func (v *setView) node(p int) string {
	if n := v.x.NodeOf(v.x.Op(p).Process); n != "" {
		return n
	}
	return v.x.Server(p)
}

// has reports whether the final read of node holds e.
func (v *setView) has(node string, e int64) bool {
	s, ok := v.seen[e][node]
	return ok && s.last == v.final[node]
}

func asInt(x any) (int64, bool) {
	switch n := x.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	}
	return 0, false
}

// lack is why one node's final read lacks an element.
type lack struct {
	node  string
	kind  string // origin, never-sent, dropped, received, late
	text  string // the clause of the summary
	ev    []explain.Item
	parts []*trace.Partition // partitions that dropped sends shown
	// faults are the kills and pauses the text names.
	faults []trace.Fault
	// Nodes with the same merge key lack it for the same reason, told
	// together by tmpl (a list of nodes, and how many).
	merge string
	tmpl  func(nodes string, n int) string
}

// ExplainLost explains lost elements (the :lost of set-full) of the
// workload whose additions have f add: who added each, which nodes
// received it through which messages, and for each node whose final read
// lacks it, what became of the sends toward it. Elements lost the same
// way (the same kinds of reasons, node for node) are explained together,
// by the first of them.
func ExplainLost(x *trace.Index, add string, lost []any) []explain.Explanation {
	return explainMissing(x, add, lost, "lost element ", false)
}

// ExplainUnconverged explains acknowledged elements that some nodes'
// final reads lack although set-full does not call them lost (its verdict
// looks only at the last read in history order): as ExplainLost, but as
// warnings of eddy's convergence check.
func ExplainUnconverged(x *trace.Index, add string, elems []any) []explain.Explanation {
	return explainMissing(x, add, elems, "element missing from final reads: ", true)
}

func explainMissing(x *trace.Index, add string, lost []any, finding string, warning bool) []explain.Explanation {
	var values []int64
	for _, e := range lost {
		if n, ok := asInt(e); ok {
			values = append(values, n)
		}
	}
	if len(values) == 0 {
		return nil
	}
	v := newSetView(x, add, values)
	carriers := x.Carriers(values, true, trace.NodeToNode)
	type group struct {
		sig    string
		values []int64
		expl   explain.Explanation
	}
	var groups []*group
	bySig := map[string]*group{}
	for _, e := range values {
		lacks, head, ev, faults := v.explainOne(e, carriers[e])
		if warning && len(lacks) == 0 {
			continue
		}
		kinds := make([]string, len(lacks))
		for i, l := range lacks {
			kinds[i] = l.kind
		}
		slices.Sort(kinds)
		sig := strings.Join(kinds, ",")
		if g := bySig[sig]; g != nil {
			g.values = append(g.values, e)
			continue
		}
		if len(groups) == maxLossGroups {
			continue
		}
		clauses := []string{head}
		var unsent []string
		merged := map[string][]string{} // merge key → nodes
		var mergeOrder []*lack
		detailed := 0
		var parts []*trace.Partition
		for i := range lacks {
			l := &lacks[i]
			if l.kind == "never-sent" && l.text == "no node ever sent it to "+l.node {
				unsent = append(unsent, l.node)
				ev = append(ev, l.ev...)
				continue
			}
			if detailed == maxLackingShown {
				continue
			}
			ev = append(ev, l.ev...)
			parts = append(parts, l.parts...)
			faults = append(faults, l.faults...)
			if l.merge != "" {
				if _, ok := merged[l.merge]; !ok {
					mergeOrder = append(mergeOrder, l)
					detailed++
				}
				merged[l.merge] = append(merged[l.merge], l.node)
				continue
			}
			detailed++
			mergeOrder = append(mergeOrder, l)
		}
		for _, l := range mergeOrder {
			if l.merge == "" {
				clauses = append(clauses, l.text)
				continue
			}
			nodes := merged[l.merge]
			clauses = append(clauses, l.tmpl(andList(nodes), len(nodes)))
		}
		if len(unsent) > 0 {
			clauses = slices.Insert(clauses, 1, "no node ever sent it to "+orList(unsent))
		}
		shown := len(unsent)
		for _, ns := range merged {
			shown += len(ns)
		}
		for _, l := range mergeOrder {
			if l.merge == "" {
				shown++
			}
		}
		if n := len(lacks) - shown; n > 0 {
			clauses = append(clauses, fmt.Sprintf("%d more node(s) lack it too", n))
		}
		ev = append(ev, x.PartitionItems(parts...)...)
		ev = append(ev, trace.FaultItems(faults...)...)
		g := &group{sig: sig, values: []int64{e}, expl: explain.Explanation{
			Checker:  "workload",
			Warning:  warning,
			Summary:  strings.Join(clauses, "; ") + ".",
			Evidence: explain.Sort(ev),
		}}
		bySig[sig] = g
		groups = append(groups, g)
	}
	out := make([]explain.Explanation, len(groups))
	for i, g := range groups {
		g.expl.Finding = finding + named(g.values)
		if len(g.values) > 1 {
			how := "lost"
			if warning {
				how = "missed"
			}
			g.expl.Summary = fmt.Sprintf("%s (%s %s the same way.)", g.expl.Summary, others(g.values), how)
		}
		out[i] = g.expl
	}
	return out
}

// explainOne explains one lost element: the clause about its addition,
// why each node that lacks it does, the evidence, and the kills the
// clause about its addition names.
func (v *setView) explainOne(e int64, carried []int32) ([]lack, string, []explain.Item, []trace.Fault) {
	x := v.x
	var ev []explain.Item
	var faults []trace.Fault
	origin := ""
	head := fmt.Sprintf("element %d was never added by a client", e)
	servedAt := int64(-1)
	if inv, ok := v.adds[e]; ok {
		origin = x.Server(inv)
		servedAt = x.ServedAt(inv)
		op := x.Op(inv)
		ev = append(ev, x.OpItem(inv, fmt.Sprintf("the %s of %d", v.add, e)))
		switch c := x.Completion(inv); {
		case c >= 0 && x.Op(c).Type == history.OK:
			head = fmt.Sprintf("element %d was acknowledged by %s at %s", e, origin, explain.Seconds(x.Op(c).Time))
		case c >= 0:
			head = fmt.Sprintf("element %d was added at %s at %s, an %s ending %s", e, origin, explain.Seconds(op.Time), v.add, x.Op(c).Type)
		default:
			head = fmt.Sprintf("element %d was added at %s at %s, an %s that never completed", e, origin, explain.Seconds(op.Time), v.add)
		}
		if c, f := v.originKilled(e, origin, servedAt, carried); c != "" {
			head += c
			faults = append(faults, f)
		}
	}
	// Who received it, first.
	firstRecv := map[string]int32{}
	for _, p := range carried {
		m := x.Msg(p)
		if _, ok := firstRecv[m.Dest]; !ok && m.Delivered() {
			firstRecv[m.Dest] = p
		}
	}
	nodes := slices.Clone(x.Cluster().Nodes)
	if len(nodes) == 0 {
		for n := range v.final {
			nodes = append(nodes, n)
		}
		slices.SortFunc(nodes, trace.CompareNames)
	}
	var lacks []lack
	shown := 0
	for _, n := range nodes {
		fp, read := v.final[n]
		if !read {
			continue
		}
		if v.has(n, e) {
			if p, ok := firstRecv[n]; ok && n != origin && shown < 3 {
				shown++
				ev = append(ev, x.MsgItem(p, fmt.Sprintf("%s receives %d", n, e)))
			}
			continue
		}
		l := v.whyLacks(e, n, origin, fp, carried, firstRecv)
		if origin != "" && (l.kind == "origin" || l.kind == "received") {
			had := servedAt
			if n != origin {
				had = x.Msg(firstRecv[n]).Recv
			}
			v.killedWithIt(&l, e, had, fp, carried)
		}
		lacks = append(lacks, l)
	}
	return lacks, head, ev, faults
}

// originKilled is the clause saying that origin, which got e from a client
// at servedAt, was killed before it had sent e to every peer (and the
// kill), or "" if it was not killed before the run ended.
func (v *setView) originKilled(e int64, origin string, servedAt int64, carried []int32) (string, trace.Fault) {
	x := v.x
	if origin == "" || servedAt < 0 {
		return "", trace.Fault{}
	}
	k, ok := x.KilledBetween(origin, servedAt, x.End())
	if !ok {
		return "", trace.Fault{}
	}
	var before []string
	seen := map[string]bool{}
	again := false
	for _, p := range carried {
		m := x.Msg(p)
		if m.Src != origin {
			continue
		}
		if m.Sent >= servedAt && m.Sent < k.Down && !seen[m.Dest] {
			seen[m.Dest] = true
			before = append(before, m.Dest)
		}
		if !k.Open && m.Sent >= k.Undo {
			again = true
		}
	}
	peers := 0
	for _, n := range x.Cluster().Nodes {
		if n != origin {
			peers++
		}
	}
	var c string
	switch {
	case len(before) == 0:
		c = fmt.Sprintf("; %s was killed at %s before sending it to any peer (no message from %s carried %d between the %s and the kill)", origin, explain.Seconds(k.Down), origin, e, v.add)
	case peers > 0 && len(before) < peers:
		slices.SortFunc(before, trace.CompareNames)
		c = fmt.Sprintf("; %s was killed at %s, having sent it only to %s", origin, explain.Seconds(k.Down), andList(before))
	default:
		return "", trace.Fault{} // it had sent it to every peer: the kill explains nothing
	}
	switch {
	case k.Open:
		c += "; it was never restarted"
	case again:
		c += "; it " + k.Restart()
	default:
		c += fmt.Sprintf("; it %s and sent no message carrying %d after that", k.Restart(), e)
	}
	return c, k
}

// killedWithIt makes l, why node's final read (at fp) lacks e although
// node had it from time had on, a kill: node was killed after it had e
// and before its final read, and no message carried e to node after its
// last such restart. It leaves l alone otherwise.
func (v *setView) killedWithIt(l *lack, e int64, had int64, fp int, carried []int32) {
	x := v.x
	node := l.node
	final := x.Op(fp).Time
	if inv := x.Invocation(fp); inv >= 0 {
		final = x.Op(inv).Time
	}
	// The first kill after which no message brought e back.
	var k trace.Fault
	found := false
	for _, f := range x.NodeFaults(node) {
		if f.Kind != nemesis.Kill || f.Down <= had || f.Down > final || f.Open {
			continue
		}
		back := false
		for _, p := range carried {
			if m := x.Msg(p); m.Dest == node && m.Delivered() && m.Recv >= f.Undo && m.Recv <= x.Op(fp).Time {
				back = true
				break
			}
		}
		if !back {
			k, found = f, true
			break
		}
	}
	if !found {
		return
	}
	l.kind = "killed"
	l.faults = append(l.faults, k)
	if s, ok := v.seen[e][node]; ok && x.Op(s.last).Time < k.Down {
		l.ev = append(l.ev, x.OpItem(s.last, fmt.Sprintf("%s's last read holding %d before the kill", node, e)))
	}
	l.merge = fmt.Sprintf("killed\x00%d\x00%d", k.Down, k.End)
	l.tmpl = func(nodes string, n int) string {
		had, they, them := "had it and were", "they", "them"
		if n == 1 {
			had, they, them = "had it and was", "it", nodes
		}
		return fmt.Sprintf("%s %s killed at %s; %s %s and no message carried it to %s after that, so %s came back without it",
			nodes, had, explain.Seconds(k.Down), they, k.Restart(), them, they)
	}
	l.text = l.tmpl(node, 1)
}

// whyLacks says why node's final read (at position fp) lacks e.
func (v *setView) whyLacks(e int64, node, origin string, fp int, carried []int32, firstRecv map[string]int32) lack {
	x := v.x
	final := x.Op(fp)
	l := lack{node: node, ev: []explain.Item{x.OpItem(fp, fmt.Sprintf("%s's final read, without %d", node, e))}}
	held := ""
	if s, ok := v.seen[e][node]; ok {
		held = fmt.Sprintf(" (its reads held it from %s to %s)", explain.Seconds(x.Op(s.first).Time), explain.Seconds(x.Op(s.last).Time))
	}
	if node == origin {
		l.kind = "origin"
		l.text = fmt.Sprintf("%s itself lacks it in its final read at %s%s", node, explain.Seconds(final.Time), held)
		return l
	}
	var toward []int32
	for _, p := range carried {
		if x.Msg(p).Dest == node && x.Msg(p).Sent <= final.Time {
			toward = append(toward, p)
		}
	}
	if p, ok := firstRecv[node]; ok && x.Msg(p).Recv > final.Time {
		m := x.Msg(p)
		l.kind = "late"
		l.text = fmt.Sprintf("%s received it from %s only at %s, after its final read at %s", node, m.Src, explain.Seconds(m.Recv), explain.Seconds(final.Time))
		if f, ok := x.HeldBy(node, m.Sent, m.Recv); ok {
			l.text += fmt.Sprintf(": sent at %s, it waited while %s was paused (%s to %s)", explain.Seconds(m.Sent), node, explain.Seconds(f.Down), explain.Seconds(f.End))
			l.faults = append(l.faults, f)
		}
		l.ev = append(l.ev, x.MsgItem(p, fmt.Sprintf("%s receives %d", node, e)))
		return l
	}
	if p, ok := firstRecv[node]; ok {
		m := x.Msg(p)
		l.kind = "received"
		l.text = fmt.Sprintf("%s received it from %s at %s, yet its final read at %s lacks it%s", node, m.Src, explain.Seconds(m.Recv), explain.Seconds(final.Time), held)
		l.ev = append(l.ev, x.MsgItem(p, fmt.Sprintf("%s receives %d", node, e)))
		return l
	}
	if len(toward) == 0 {
		l.kind = "never-sent"
		l.text = fmt.Sprintf("no node ever sent it to %s%s", node, held)
		l.ev = append(l.ev, explain.Item{Kind: explain.Absence, Time: x.Op(fp).Time, End: -1, From: "any node", To: node, Index: -1,
			Fate: explain.Fate{Kind: explain.NeverSent, At: -1, Text: "never sent"}, Note: fmt.Sprintf("no message to %s carried %d", node, e)})
		return l
	}
	l.kind = "dropped"
	lastP := toward[len(toward)-1]
	last := x.Msg(lastP)
	fate := x.Fate(lastP)
	for i := max(0, len(toward)-maxSendsShown); i < len(toward); i++ {
		m := x.Msg(toward[i])
		l.ev = append(l.ev, x.MsgItem(toward[i], fmt.Sprintf("%s sends %d to %s", m.Src, e, node)))
		l.parts = append(l.parts, x.DroppedBy(toward[i]))
	}
	heal := ""
	if part := x.DroppedBy(lastP); part != nil {
		if h := part.End; h <= final.Time {
			heal = fmt.Sprintf(", and no node sent it again after that partition healed at %s", explain.Seconds(h))
			l.ev = append(l.ev, explain.Item{Kind: explain.Absence, Time: h, End: final.Time, From: "any node", To: node, Index: -1,
				Fate: explain.Fate{Kind: explain.NeverSent, At: -1, Text: "never sent"}, Note: fmt.Sprintf("no message to %s carried %d after the heal", node, e)})
		} else {
			heal = ", and that partition never healed"
		}
	}
	if len(toward) == 1 {
		// Nodes that lack it for the same one-off reason are told together.
		l.merge = fmt.Sprintf("%s\x00%s\x00%s\x00%s\x00%s", last.Src, explain.Seconds(last.Sent), fate.Text, heal, held)
		l.tmpl = func(nodes string, n int) string {
			if n == 1 {
				return fmt.Sprintf("%s's only send of it to %s, at %s, was %s%s%s", last.Src, nodes, explain.Seconds(last.Sent), fate.Text, heal, held)
			}
			return fmt.Sprintf("%s's only sends of it to %s, at %s, were each %s%s%s", last.Src, nodes, explain.Seconds(last.Sent), fate.Text, heal, held)
		}
		l.text = l.tmpl(node, 1)
		return l
	}
	kinds := map[explain.FateKind]int{}
	for _, p := range toward {
		kinds[x.Fate(p).Kind]++
	}
	l.text = fmt.Sprintf("none of the %d sends of it to %s arrived (%s); the last, by %s at %s, was %s%s%s", len(toward), node, fateCounts(kinds), last.Src, explain.Seconds(last.Sent), fate.Text, heal, held)
	return l
}

// fateCounts is "2 dropped, 1 in-flight".
func fateCounts(kinds map[explain.FateKind]int) string {
	var parts []string
	for _, k := range []explain.FateKind{explain.Dropped, explain.Crashed, explain.InFlight, explain.Undelivered} {
		if n := kinds[k]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, k))
		}
	}
	return strings.Join(parts, ", ")
}

// named lists up to maxNamed elements, then how many more.
func named(values []int64) string {
	var b strings.Builder
	for i, e := range values {
		if i == maxNamed {
			fmt.Fprintf(&b, " and %d more", len(values)-i)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprint(&b, e)
	}
	return b.String()
}

// others names the elements of a group after its first.
func others(values []int64) string {
	rest := values[1:]
	if len(rest) == 1 {
		return fmt.Sprintf("Element %d was", rest[0])
	}
	return fmt.Sprintf("Elements %s were", named(rest))
}

// ExplainDuplicates explains elements that a read returned more than
// once: the read, the node that served it and its reply. They are
// warnings: Maelstrom does not look for them.
func ExplainDuplicates(x *trace.Index, elems []any) []explain.Explanation {
	var out []explain.Explanation
	want := map[string]bool{}
	for _, e := range elems {
		want[edn.String(e)] = true
	}
	if len(want) == 0 {
		return nil
	}
	done := map[string]bool{}
	for p, op := range x.Ops() {
		if len(out) == maxDupsShown || len(done) == len(want) {
			break
		}
		if !op.IsClient() || op.Type != history.OK || op.F != "read" {
			continue
		}
		xs, _ := op.Value.([]any)
		counts := map[string]int{}
		for _, el := range xs {
			counts[edn.String(el)]++
		}
		for _, el := range xs {
			k := edn.String(el)
			if !want[k] || done[k] || counts[k] < 2 {
				continue
			}
			done[k] = true
			node := x.Server(p)
			ev := []explain.Item{x.OpItem(p, fmt.Sprintf("a read holding %s %d times", k, counts[k]))}
			if _, reply := x.Exchange(p); reply >= 0 {
				ev = append(ev, x.MsgItem(reply, "the reply"))
			}
			out = append(out, explain.Explanation{
				Checker: "workload", Warning: true,
				Finding:  "duplicated element " + k,
				Summary:  fmt.Sprintf("%s answered the read invoked at %s with element %s %d times in one reply; a set holds each element once.", node, explain.Seconds(x.Op(x.Invocation(p)).Time), k, counts[k]),
				Evidence: ev,
			})
			break
		}
	}
	return out
}

// andList is "n1", "n1 and n2", "n1, n2 and n3".
func andList(xs []string) string {
	if len(xs) <= 1 {
		return strings.Join(xs, "")
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}

// orList is "n1", "n1 or n2", "n1, n2 or n3".
func orList(xs []string) string {
	if len(xs) <= 1 {
		return strings.Join(xs, "")
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " or " + xs[len(xs)-1]
}
