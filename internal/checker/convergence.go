package checker

import (
	"fmt"
	"slices"
	"strings"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/history"
)

// Cluster is the shape of a run as a check that follows each node needs
// it: the nodes in order and the number of worker threads. Worker thread t
// always talks to node Nodes[t mod len(Nodes)], and process p is thread p
// mod Concurrency (a thread takes process p + Concurrency after an
// indeterminate op), as in Maelstrom.
type Cluster struct {
	Nodes       []string
	Concurrency int
}

// NodeOf is the node process p talks to, or "" when the cluster is unknown
// or p is not a client process.
func (c Cluster) NodeOf(p int) string {
	if len(c.Nodes) == 0 || c.Concurrency <= 0 || p < 0 {
		return ""
	}
	return c.Nodes[(p%c.Concurrency)%len(c.Nodes)]
}

// maxLackingShown is how many missing elements :convergence lists per node,
// and maxSummaryElements how many a one-line summary names per group of
// nodes.
const (
	maxLackingShown    = 32
	maxSummaryElements = 8
	maxSummaryGroups   = 4
)

// FinalReads returns the positions in ops of the :ok final reads: the ops
// marked :final? if any op is; otherwise (g-set marks none, as in
// Maelstrom) the last op of every worker thread, provided each of those is
// a read invoked after every other client op completed, as the final phase
// begins once the main phase is over. Otherwise, or when the cluster has no
// nodes, there are none.
func FinalReads(ops []history.Op, c Cluster) []int {
	if len(c.Nodes) == 0 {
		return nil // no node to attribute a read to
	}
	var marked []int
	anyMarked := false
	for i, op := range ops {
		if !op.Final || !op.IsClient() {
			continue
		}
		anyMarked = true
		if op.Type == history.OK && op.F == "read" {
			marked = append(marked, i)
		}
	}
	if anyMarked || c.Concurrency <= 0 {
		return marked
	}
	// Each thread's last invocation, and where the rest of the history ends.
	last := map[int]int{} // thread → position of its last invocation
	for i, op := range ops {
		if op.IsClient() && op.Type == history.Invoke && op.Process >= 0 {
			last[op.Process%c.Concurrency] = i
		}
	}
	if len(last) == 0 {
		return nil
	}
	isLast := map[int]bool{} // positions of the last invocations and their completions
	open := map[int]int{}    // process → position of its open last invocation
	for i, op := range ops {
		if !op.IsClient() || op.Process < 0 {
			continue
		}
		if op.Type == history.Invoke {
			if last[op.Process%c.Concurrency] == i {
				isLast[i] = true
				open[op.Process] = i
			}
			continue
		}
		if _, ok := open[op.Process]; ok {
			isLast[i] = true
			delete(open, op.Process)
		}
	}
	mainEnd := -1
	for i, op := range ops {
		if op.IsClient() && !isLast[i] {
			mainEnd = i
		}
	}
	var out []int
	for i, op := range ops {
		if !isLast[i] {
			continue
		}
		if op.Type == history.Invoke {
			if op.F != "read" || i < mainEnd {
				return nil
			}
			continue
		}
		if op.Type == history.OK {
			out = append(out, i)
		}
	}
	return out
}

// SetConvergence checks broadcast and g-set beyond set-full: every node's
// final reads must hold every acknowledged element, that is every element
// whose add (f add) completed :ok. Set-full calls an element stable when
// the last read in history order holds it, and the final reads of all
// nodes run concurrently, so an element only one node ever held passes
// whenever that node's read happens to come last. Rendered, it is
//
//	{:converged?          true, false or :unknown (no final read)
//	 :acknowledged-count  elements acknowledged
//	 :final-read-count    :ok final reads
//	 :lacking             {node {:count n :elements [up to 32, in order]}}
//	 :unread              nodes with no :ok final read, if any
//	 :summary             "n1–n4 lack 45", if not converged}
func SetConvergence(ops []history.Op, add string, c Cluster) *check.SetConvergence {
	acked := map[string]any{}
	invs := map[int]int{}
	for i, op := range ops {
		if !op.IsClient() {
			continue
		}
		if op.Type == history.Invoke {
			invs[op.Process] = i
			continue
		}
		inv, ok := invs[op.Process]
		delete(invs, op.Process)
		if ok && op.Type == history.OK && op.F == add {
			v := normalize(ops[inv].Value)
			acked[edn.String(v)] = v
		}
	}
	finals := FinalReads(ops, c)
	lacking := map[string]map[string]any{} // node → missing elements by text
	read := map[string]bool{}
	for _, p := range finals {
		node := c.NodeOf(ops[p].Process)
		read[node] = true
		have := map[string]bool{}
		for _, v := range readElements(ops[p].Value) {
			have[edn.String(normalize(v))] = true
		}
		for text, v := range acked {
			if !have[text] {
				if lacking[node] == nil {
					lacking[node] = map[string]any{}
				}
				lacking[node][text] = v
			}
		}
	}
	conv := &check.SetConvergence{Converged: check.Valid, Acknowledged: int64(len(acked)), FinalReads: int64(len(finals))}
	switch {
	case len(finals) == 0:
		conv.Converged = check.Unknown
	case len(lacking) > 0:
		conv.Converged = check.Invalid
	}
	nodes := nodesOf(c, lacking)
	lists := map[string][]any{}
	for _, node := range nodes {
		vs := sortedElements(lacking[node])
		lists[node] = vs
		conv.Lacking = append(conv.Lacking, check.NodeElements{Node: node, Count: int64(len(vs)), Elements: vs[:min(len(vs), maxLackingShown)]})
	}
	if len(finals) > 0 {
		conv.Unread = unreadNodes(c, read)
	}
	if conv.Converged == check.Invalid {
		var parts []string
		groups := groupNodes(nodes, lists)
		for i, g := range groups {
			if i == maxSummaryGroups {
				rest := 0
				for _, g := range groups[i:] {
					rest += len(g.nodes)
				}
				parts = append(parts, fmt.Sprintf("%d more node(s) lack other elements (see :convergence :lacking)", rest))
				break
			}
			verb := "lack"
			if len(g.nodes) == 1 {
				verb = "lacks"
			}
			parts = append(parts, fmt.Sprintf("%s %s %s", NodeList(g.nodes, c.Nodes), verb, elementList(g.list)))
		}
		conv.Summary = strings.Join(parts, "; ")
	}
	return conv
}

// CounterConvergence checks g-counter and pn-counter beyond Maelstrom's
// counter checker, which accepts each final read on its own: all final
// reads must agree, on a total within acceptable (the sums the :ok and
// indeterminate adds allow). Rendered, it is
//
//	{:converged?       true, false or :unknown (no final read)
//	 :final-read-count :ok final reads
//	 :final-values     {node [the distinct values its final reads returned]}
//	 :unread           nodes with no :ok final read, if any
//	 :summary          "n0 read 100; n1, n2 read 103 (acceptable totals: 100–103)",
//	                   if not converged}
func CounterConvergence(ops []history.Op, acceptable Ranges, c Cluster) *check.CounterConvergence {
	finals := FinalReads(ops, c)
	values := map[string]map[string]any{} // node → the values it read, by text
	read := map[string]bool{}
	distinct := map[string]any{}
	var outside []string
	for _, p := range finals {
		node := c.NodeOf(ops[p].Process)
		read[node] = true
		v := normalize(ops[p].Value)
		text := edn.String(v)
		if values[node] == nil {
			values[node] = map[string]any{}
		}
		values[node][text] = v
		distinct[text] = v
		if n, ok := integer(v); (!ok || !acceptable.Contains(n)) && !slices.Contains(outside, text) {
			outside = append(outside, text)
		}
	}
	conv := &check.CounterConvergence{Converged: check.Valid, FinalReads: int64(len(finals))}
	switch {
	case len(finals) == 0:
		conv.Converged = check.Unknown
	case len(distinct) > 1 || len(outside) > 0:
		conv.Converged = check.Invalid
	}
	nodes := nodesOf(c, values)
	lists := map[string][]any{}
	for _, node := range nodes {
		vs := sortedElements(values[node])
		lists[node] = vs
		conv.FinalValues = append(conv.FinalValues, check.NodeElements{Node: node, Count: int64(len(vs)), Elements: vs})
	}
	if len(finals) > 0 {
		conv.Unread = unreadNodes(c, read)
	}
	if conv.Converged == check.Invalid {
		var parts []string
		for _, g := range groupNodes(nodes, lists) {
			parts = append(parts, fmt.Sprintf("%s read %s", NodeList(g.nodes, c.Nodes), elementList(g.list)))
		}
		conv.Summary = strings.Join(parts, "; ") + " (acceptable totals: " + rangesText(acceptable) + ")"
	}
	return conv
}

// nodesOf lists the nodes that have an entry in m, in the cluster's order
// (unknown names last, in text order).
func nodesOf[V any](c Cluster, m map[string]V) []string {
	var out []string
	for _, n := range c.Nodes {
		if _, ok := m[n]; ok {
			out = append(out, n)
		}
	}
	var rest []string
	for n := range m {
		if !slices.Contains(c.Nodes, n) {
			rest = append(rest, n)
		}
	}
	slices.Sort(rest)
	return append(out, rest...)
}

// nodeGroup is nodes whose lists are equal, and that list.
type nodeGroup struct {
	nodes []string
	list  []any
}

// groupNodes groups nodes, in order, by their lists, equal when their EDN
// text is; the groups come in the order of their first node.
func groupNodes(nodes []string, lists map[string][]any) []nodeGroup {
	var out []nodeGroup
	at := map[string]int{} // a list's text → its group
	for _, n := range nodes {
		key := edn.String(lists[n])
		i, ok := at[key]
		if !ok {
			i = len(out)
			at[key] = i
			out = append(out, nodeGroup{list: lists[n]})
		}
		out[i].nodes = append(out[i].nodes, n)
	}
	return out
}

// unreadNodes are the cluster's nodes with no :ok final read.
func unreadNodes(c Cluster, read map[string]bool) []string {
	var out []string
	for _, n := range c.Nodes {
		if !read[n] {
			out = append(out, n)
		}
	}
	return out
}

// sortedElements returns the values of m ordered as set-full orders
// elements: numbers numerically, before anything else by its EDN text.
func sortedElements(m map[string]any) []any {
	type elem struct {
		text string
		v    any
	}
	es := make([]elem, 0, len(m))
	for t, v := range m {
		es = append(es, elem{t, v})
	}
	slices.SortFunc(es, func(a, b elem) int { return compareElements(a.v, a.text, b.v, b.text) })
	out := make([]any, len(es))
	for i, e := range es {
		out[i] = e.v
	}
	return out
}

// elementList is "45", "3, 7 and 45", or the first few and how many in
// all.
func elementList(vs []any) string {
	shown := make([]string, 0, min(len(vs), maxSummaryElements))
	for _, v := range vs[:min(len(vs), maxSummaryElements)] {
		shown = append(shown, edn.String(v))
	}
	switch {
	case len(vs) > maxSummaryElements:
		return fmt.Sprintf("%s, … (%d elements)", strings.Join(shown, ", "), len(vs))
	case len(shown) == 1:
		return shown[0]
	}
	return strings.Join(shown[:len(shown)-1], ", ") + " and " + shown[len(shown)-1]
}

// NodeList names nodes compactly, in the order of all: a run of three or
// more consecutive nodes of all becomes "n1–n4", e.g. "n0, n2–n4".
func NodeList(nodes, all []string) string {
	pos := map[string]int{}
	for i, n := range all {
		pos[n] = i
	}
	var parts []string
	for i := 0; i < len(nodes); {
		j := i
		for j+1 < len(nodes) {
			a, aok := pos[nodes[j]]
			b, bok := pos[nodes[j+1]]
			if !aok || !bok || b != a+1 {
				break
			}
			j++
		}
		if j-i >= 2 {
			parts = append(parts, nodes[i]+"–"+nodes[j])
		} else {
			parts = append(parts, nodes[i:j+1]...)
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

// rangesText is acceptable totals as "100", "100–103" or "1–3, 5".
func rangesText(rs Ranges) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		if r[0] == r[1] {
			parts[i] = fmt.Sprint(r[0])
		} else {
			parts[i] = fmt.Sprintf("%d–%d", r[0], r[1])
		}
	}
	return strings.Join(parts, ", ")
}
