package counter

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

// How much is explained: distinct wrong final reads, messages shown per
// peer, gaps between reads shown.
const (
	maxReadsExplained = 6
	maxGapsShown      = 3
	maxNodeSubsets    = 12 // nodes up to which every subset is tried
	maxKillsTold      = 3  // kills a summary tells of
)

// Explain explains the counter checker's findings (*check.Counter): its
// wrong final reads; or, when every final read is acceptable but they
// disagree (eddy's convergence check), those that differ from the rest.
func Explain(x *trace.Index, f check.Findings) []explain.Explanation {
	c, ok := f.(*check.Counter)
	if !ok {
		return nil
	}
	var acceptable [][2]int64
	for _, r := range c.Acceptable {
		acceptable = append(acceptable, [2]int64{r.Lo, r.Hi})
	}
	var wrong []int
	for _, op := range c.Errors {
		if p := x.Position(op.Index); p >= 0 {
			wrong = append(wrong, p)
		}
	}
	if len(wrong) > 0 {
		return ExplainFinalReads(x, wrong, acceptable)
	}
	if conv := c.Convergence; conv != nil && conv.Converged == check.Invalid {
		return ExplainDisagreement(x, acceptable)
	}
	return nil
}

func asInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	}
	return 0, false
}

// ExplainDisagreement explains final reads that are each an acceptable
// total but differ from the value most final reads returned: warnings of
// eddy's convergence check.
func ExplainDisagreement(x *trace.Index, acceptable [][2]int64) []explain.Explanation {
	counts := map[int64]int{}
	var finals []int
	for p, op := range x.Ops() {
		if op.IsClient() && op.Final && op.Type == history.OK && op.F == "read" {
			if n, ok := asInt(op.Value); ok {
				counts[n]++
				finals = append(finals, p)
			}
		}
	}
	var common int64
	best := -1
	for v, n := range counts {
		if n > best || n == best && v > common {
			common, best = v, n
		}
	}
	var odd []int
	for _, p := range finals {
		if n, _ := asInt(x.Op(p).Value); n != common {
			odd = append(odd, p)
		}
	}
	out := explainReads(x, odd, acceptable, &common)
	for i := range out {
		out[i].Warning = true
		out[i].Finding = "disagreeing " + out[i].Finding
	}
	return out
}

// add is one add of the history.
type add struct {
	inv, comp int // positions; comp -1 if it never completed
	delta     int64
	node      string
	typ       history.Type // of the completion; "" if none
}

// counterView is what the history says of the adds and reads.
type counterView struct {
	x        *trace.Index
	adds     []add
	okSum    map[string]int64 // per node, the ok adds' deltas
	okCount  map[string]int
	nodes    []string
	definite int64
}

func newCounterView(x *trace.Index) *counterView {
	v := &counterView{x: x, okSum: map[string]int64{}, okCount: map[string]int{}}
	seen := map[string]bool{}
	for p, op := range x.Ops() {
		if !op.IsClient() || op.Type != history.Invoke || op.F != "add" {
			continue
		}
		d, ok := asInt(op.Value)
		if !ok {
			continue
		}
		a := add{inv: p, comp: x.Completion(p), delta: d, node: v.node(p)}
		if a.comp >= 0 {
			a.typ = x.Op(a.comp).Type
		}
		if a.typ == history.OK {
			v.okSum[a.node] += d
			v.okCount[a.node]++
			v.definite += d
		}
		if !seen[a.node] {
			seen[a.node] = true
			v.nodes = append(v.nodes, a.node)
		}
		v.adds = append(v.adds, a)
	}
	if c := x.Cluster().Nodes; len(c) > 0 {
		v.nodes = slices.Clone(c)
	} else {
		slices.SortFunc(v.nodes, trace.CompareNames)
	}
	return v
}

func (v *counterView) node(p int) string {
	if n := v.x.NodeOf(v.x.Op(p).Process); n != "" {
		return n
	}
	return v.x.Server(p)
}

// ExplainFinalReads explains final reads (completion positions) outside
// the acceptable totals: the reading node, how far off it is, which adds
// can account for the difference (the adds of a set of nodes, the
// negative deltas, adds a node acknowledged that its next read did not
// show), the messages the node received from its peers, and stale reads
// a key-value service gave it.
func ExplainFinalReads(x *trace.Index, wrong []int, acceptable [][2]int64) []explain.Explanation {
	return explainReads(x, wrong, acceptable, nil)
}

// explainReads explains final reads, against the acceptable totals or,
// if common is set, against the value most final reads returned.
func explainReads(x *trace.Index, wrong []int, acceptable [][2]int64, common *int64) []explain.Explanation {
	if len(wrong) == 0 {
		return nil
	}
	v := newCounterView(x)
	var out []explain.Explanation
	done := map[string]bool{}
	for _, p := range wrong {
		if len(out) == maxReadsExplained {
			break
		}
		op := x.Op(p)
		read, ok := asInt(op.Value)
		node := v.node(p)
		key := fmt.Sprintf("%s %v", node, op.Value)
		if done[key] {
			continue
		}
		done[key] = true
		if !ok {
			out = append(out, explain.Explanation{
				Checker: "workload", Finding: fmt.Sprintf("final read %s at %s", edn.String(op.Value), node),
				Summary:  fmt.Sprintf("%s's final read at %s returned %s, which is not an integer.", node, explain.Seconds(op.Time), edn.String(op.Value)),
				Evidence: []explain.Item{x.OpItem(p, "the final read")},
			})
			continue
		}
		out = append(out, v.explainRead(p, node, read, acceptable, common))
	}
	return out
}

func (v *counterView) explainRead(p int, node string, read int64, acceptable [][2]int64, common *int64) explain.Explanation {
	x := v.x
	op := x.Op(p)
	ev := []explain.Item{x.OpItem(p, fmt.Sprintf("%s's final read", node))}
	bound, off := nearest(read, acceptable)
	clauses := []string{fmt.Sprintf("%s's final read at %s returned %d, %s than the nearest acceptable total %d (acceptable: %s; the acknowledged adds sum to %d)",
		node, explain.Seconds(op.Time), read, signed(off), bound, rangesText(acceptable), v.definite)}
	if common != nil {
		off = read - *common
		clauses[0] = fmt.Sprintf("%s's final read at %s returned %d, an acceptable total (acceptable: %s), but %s than most final reads, which returned %d",
			node, explain.Seconds(op.Time), read, rangesText(acceptable), signed(off), *common)
	}
	if c := v.nodeSubset(read, node); c != "" {
		clauses = append(clauses, c)
	} else if c := v.negativesIgnored(read); c != "" {
		clauses = append(clauses, c)
	}
	if c, items := v.gaps(p, node, off); c != "" {
		clauses = append(clauses, c)
		ev = append(ev, items...)
	}
	if c, items := v.killed(p, node, off); c != "" {
		clauses = append(clauses, c)
		ev = append(ev, items...)
	}
	if c, items := v.received(p, node); c != "" {
		clauses = append(clauses, c)
		ev = append(ev, items...)
	}
	if c, items := v.overwrites(p); c != "" {
		clauses = append(clauses, c)
		ev = append(ev, items...)
	}
	if c, items := v.stale(p, node, off); c != "" {
		clauses = append(clauses, c)
		ev = append(ev, items...)
	}
	explain.Sort(ev)
	return explain.Explanation{
		Checker:  "workload",
		Finding:  fmt.Sprintf("final read %d at %s", read, node),
		Summary:  strings.Join(clauses, "; ") + ".",
		Evidence: ev,
	}
}

// nearest is the acceptable total nearest to read, and read minus it.
func nearest(read int64, acceptable [][2]int64) (int64, int64) {
	best, off := int64(0), int64(0)
	first := true
	for _, r := range acceptable {
		for _, b := range r {
			if d := read - b; first || abs(d) < abs(off) {
				best, off, first = b, d, false
			}
		}
	}
	return best, off
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

func rangesText(rs [][2]int64) string {
	var parts []string
	for i, r := range rs {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and %d more ranges", len(rs)-i))
			break
		}
		if r[0] == r[1] {
			parts = append(parts, fmt.Sprint(r[0]))
		} else {
			parts = append(parts, fmt.Sprintf("%d–%d", r[0], r[1]))
		}
	}
	return strings.Join(parts, ", ")
}

// nodeSubset finds nodes whose acknowledged adds sum exactly to read: the
// read counted those nodes' adds and no others.
func (v *counterView) nodeSubset(read int64, reader string) string {
	nodes := v.nodes
	if len(nodes) < 2 || len(nodes) > maxNodeSubsets {
		return ""
	}
	best := -1
	for mask := 1; mask < 1<<len(nodes)-1; mask++ {
		var sum int64
		for i, n := range nodes {
			if mask&(1<<i) != 0 {
				sum += v.okSum[n]
			}
		}
		if sum != read {
			continue
		}
		// Prefer the set with the reader alone, then the smallest.
		if best < 0 || bits(mask) < bits(best) || mask == 1<<slices.Index(nodes, reader) {
			best = mask
		}
		if mask == 1<<slices.Index(nodes, reader) {
			break
		}
	}
	if best < 0 {
		return ""
	}
	var in, out []string
	var missing int64
	for i, n := range nodes {
		if best&(1<<i) != 0 {
			in = append(in, n)
		} else if v.okCount[n] > 0 {
			out = append(out, fmt.Sprintf("%s (sum %d)", n, v.okSum[n]))
			missing += v.okSum[n]
		}
	}
	if len(out) == 0 {
		return ""
	}
	who := "the adds " + strings.Join(in, ", ") + " served"
	if len(in) == 1 && in[0] == reader {
		who = "the adds " + reader + " served itself"
	}
	_ = missing
	return fmt.Sprintf("%d is exactly the sum of %s: it never counted the adds acknowledged through %s", read, who, andList(out))
}

func bits(m int) int {
	n := 0
	for ; m != 0; m &= m - 1 {
		n++
	}
	return n
}

// negativesIgnored checks whether read is the sum of the positive
// acknowledged deltas alone.
func (v *counterView) negativesIgnored(read int64) string {
	var pos, neg int64
	count := 0
	for _, a := range v.adds {
		if a.typ != history.OK {
			continue
		}
		if a.delta > 0 {
			pos += a.delta
		} else if a.delta < 0 {
			neg += a.delta
			count++
		}
	}
	if count == 0 || read != pos {
		return ""
	}
	return fmt.Sprintf("%d is the sum of the positive deltas alone: the %d acknowledged adds with negative deltas (%d in all) were not counted", read, count, neg)
}

// gaps looks, when every add went through the reading node, at its
// successive reads: a read should show the one before plus the adds
// acknowledged in between (and nothing concurrent), so a shortfall names
// adds the node acknowledged and did not count.
func (v *counterView) gaps(final int, node string, off int64) (string, []explain.Item) {
	x := v.x
	for _, a := range v.adds {
		if a.node != node {
			return "", nil
		}
	}
	type rd struct {
		inv, comp int
		val       int64
	}
	var reads []rd
	for p, op := range x.Ops() {
		if !op.IsClient() || op.Type != history.OK || op.F != "read" || v.node(p) != node {
			continue
		}
		if n, ok := asInt(op.Value); ok {
			reads = append(reads, rd{x.Invocation(p), p, n})
		}
	}
	var parts []string
	var items []explain.Item
	total, found := int64(0), 0
	for i := 1; i < len(reads); i++ {
		r1, r2 := reads[i-1], reads[i]
		if r1.comp > r2.inv {
			continue // concurrent reads
		}
		t0, t1 := x.Op(r1.comp).Time, x.Op(r2.inv).Time
		var sum int64
		var between []add
		clean := true
		for _, a := range v.adds {
			ti := x.Op(a.inv).Time
			tc := int64(1<<62 - 1)
			if a.comp >= 0 {
				tc = x.Op(a.comp).Time
			}
			if tc < x.Op(r1.inv).Time || ti > x.Op(r2.comp).Time {
				continue
			}
			if ti < t0 || tc > t1 || a.typ != history.OK {
				clean = false // concurrent with a read, or of unknown effect
				break
			}
			sum += a.delta
			between = append(between, a)
		}
		if !clean || r2.val-r1.val == sum {
			continue
		}
		diff := (r2.val - r1.val) - sum
		total += diff
		found++
		if found > maxGapsShown {
			continue
		}
		var ds []string
		for _, a := range between {
			ds = append(ds, fmt.Sprintf("%d (op %d)", a.delta, x.Op(a.inv).Index))
			items = append(items, x.OpItem(a.inv, "acknowledged between two reads"))
		}
		parts = append(parts, fmt.Sprintf("after its read at %s returned %d it acknowledged adds of %s, yet its next read at %s returned %d, %s",
			explain.Seconds(x.Op(r1.comp).Time), r1.val, strings.Join(ds, ", "), explain.Seconds(x.Op(r2.inv).Time), r2.val, signed(diff)))
		items = append(items, x.OpItem(r1.comp, "a read"), x.OpItem(r2.comp, "the next read"))
	}
	if found == 0 {
		return "", nil
	}
	s := strings.Join(parts, "; ")
	if found > maxGapsShown {
		s += fmt.Sprintf("; and so on %d more times", found-maxGapsShown)
	}
	whole := ""
	if total == off {
		whole = ": the whole difference"
	}
	return fmt.Sprintf("%s acknowledged adds its reads did not count: %s (%s in all between reads%s)", node, s, signed(total), whole), items
}

// killed tells of the kills before the final read (completion position
// final) that a node's count did not survive: each node whose reads
// returned less after its restart than before its kill, with the two
// reads; or else, when the read is short, the adds the reading node
// acknowledged before its last kill.
func (v *counterView) killed(final int, node string, off int64) (string, []explain.Item) {
	x := v.x
	if len(x.Faults()) == 0 {
		return "", nil
	}
	end := x.Op(final).Time
	if inv := x.Invocation(final); inv >= 0 {
		end = x.Op(inv).Time
	}
	type rd struct {
		comp int
		inv  int64
		val  int64
	}
	reads := map[string][]rd{}
	for p, op := range x.Ops() {
		if !op.IsClient() || op.Type != history.OK || op.F != "read" || op.Time > x.Op(final).Time {
			continue
		}
		if n, ok := asInt(op.Value); ok {
			inv := op.Time
			if i := x.Invocation(p); i >= 0 {
				inv = x.Op(i).Time
			}
			reads[v.node(p)] = append(reads[v.node(p)], rd{p, inv, n})
		}
	}
	var parts []string
	var items []explain.Item
	var faults []trace.Fault
	more := 0
	for _, n := range v.nodes {
		for _, k := range x.NodeFaults(n) {
			if k.Kind != nemesis.Kill || k.Open || k.Down >= end {
				continue
			}
			var before, after *rd
			for i := range reads[n] {
				r := &reads[n][i]
				if x.Op(r.comp).Time < k.Down {
					before = r
				} else if r.inv >= k.End && after == nil {
					after = r
				}
			}
			if before == nil || after == nil || after.val >= before.val {
				continue
			}
			if len(parts) == maxKillsTold {
				more++
				continue
			}
			parts = append(parts, fmt.Sprintf("%s, and its reads went from %d (at %s) before the kill to %d (at %s) after the restart",
				k, before.val, explain.Seconds(x.Op(before.comp).Time), after.val, explain.Seconds(x.Op(after.comp).Time)))
			items = append(items, x.OpItem(before.comp, fmt.Sprintf("%s's last read before the kill", n)), x.OpItem(after.comp, fmt.Sprintf("%s's first read after the restart", n)))
			faults = append(faults, k)
		}
	}
	if len(parts) == 0 && off < 0 {
		var last trace.Fault
		found := false
		for _, k := range x.NodeFaults(node) {
			if k.Kind == nemesis.Kill && !k.Open && k.Down < end {
				last, found = k, true
			}
		}
		var sum int64
		count := 0
		for _, a := range v.adds {
			if found && a.node == node && a.typ == history.OK && x.Op(a.comp).Time < last.Down {
				sum += a.delta
				count++
			}
		}
		if count > 0 {
			adds := fmt.Sprintf("%d adds (sum %d)", count, sum)
			if count == 1 {
				adds = fmt.Sprintf("an add of %d", sum)
			}
			parts = append(parts, fmt.Sprintf("%s had acknowledged %s when it was killed at %s; it %s", node, adds, explain.Seconds(last.Down), last.Restart()))
			faults = append(faults, last)
		}
	}
	if len(parts) == 0 {
		return "", nil
	}
	if more > 0 {
		parts = append(parts, fmt.Sprintf("and %d more kills after which a node's reads went down", more))
	}
	return strings.Join(parts, "; "), append(items, trace.FaultItems(faults...)...)
}

// received says what the reading node heard from the other nodes: how
// many messages from each, and what became of the last ones.
func (v *counterView) received(final int, node string) (string, []explain.Item) {
	x := v.x
	end := x.Op(final).Time
	var peers []string
	for _, n := range v.nodes {
		if n != node && v.okCount[n] > 0 {
			peers = append(peers, n)
		}
	}
	if len(peers) == 0 {
		return "", nil
	}
	got := map[string]int{}
	sent := map[string]int{}
	last := map[string]int32{}
	lastSent := map[string]int32{}
	for _, p := range x.To(node) {
		m := x.Msg(p)
		if !trace.IsNode(m.Src) || m.Sent > end {
			continue
		}
		sent[m.Src]++
		lastSent[m.Src] = p
		if m.Delivered() && m.Recv <= end {
			got[m.Src]++
			last[m.Src] = p
		}
	}
	services := map[string]int{}
	for _, p := range x.From(node) {
		if m := x.Msg(p); trace.IsService(m.Dest) && m.Sent <= end {
			services[m.Dest]++
		}
	}
	if len(services) > 0 && len(got) == 0 {
		return "", nil // it talks to a service, not to its peers
	}
	var silent, heard []string
	var items []explain.Item
	for _, n := range peers {
		switch {
		case sent[n] == 0:
			silent = append(silent, n)
		case got[n] < sent[n]:
			heard = append(heard, fmt.Sprintf("%d of %d messages from %s arrived", got[n], sent[n], n))
			items = append(items, x.MsgItem(lastSent[n], fmt.Sprintf("the last message from %s to %s", n, node)))
		default:
			heard = append(heard, fmt.Sprintf("all %d messages from %s arrived", got[n], n))
			items = append(items, x.MsgItem(last[n], fmt.Sprintf("the last message from %s to %s", n, node)))
		}
	}
	var parts []string
	if len(silent) > 0 && len(services) == 0 {
		parts = append(parts, fmt.Sprintf("no node among %s (which acknowledged adds) ever sent %s a message", strings.Join(silent, ", "), node))
	}
	if len(heard) > 0 {
		parts = append(parts, "of the messages to "+node+" before its final read, "+strings.Join(heard, ", "))
	}
	return strings.Join(parts, "; "), items
}

// overwrites finds writes to a key-value service, before the final read,
// that replaced a value their node had not read: read-modify-write
// without compare-and-set, which loses the adds it overwrites.
func (v *counterView) overwrites(final int) (string, []explain.Item) {
	x := v.x
	end := x.Op(final).Time
	for _, svc := range []string{"seq-kv", "lww-kv", "lin-kv"} {
		ops := x.KVOps(svc)
		ows := x.Overwrites(ops, end)
		if len(ows) == 0 {
			continue
		}
		nodes := map[string]bool{}
		for _, o := range ows {
			nodes[o.Write.Node] = true
		}
		var names []string
		for n := range nodes {
			names = append(names, n)
		}
		slices.SortFunc(names, trace.CompareNames)
		o := ows[len(ows)-1]
		over := o.Over.Value
		if o.Over.Type == "cas" {
			over = o.Over.To
		}
		w := x.Msg(o.Write.Req)
		e := fmt.Sprintf("%d writes to %s by %s replaced a value their node had not read (a read-modify-write without compare-and-set loses the adds it overwrites); the last: %s wrote key %s = %s at %s over %s, which %s had written at %s",
			len(ows), svc, andList(names), o.Write.Node, o.Write.Key, o.Write.Value, explain.Seconds(w.Sent), over, o.Over.Node, explain.Seconds(x.Msg(o.Over.Req).Sent))
		items := []explain.Item{x.KVItem(o.Over, "the value overwritten"), x.KVItem(o.Write, "the overwrite")}
		if o.HasRead {
			e += fmt.Sprintf(", having last read %s at %s", o.Read.Value, explain.Seconds(x.Msg(o.Read.Req).Sent))
			items = append(items, x.KVItem(o.Read, "the writer's last read of the key"))
		}
		return e, items
	}
	return "", nil
}

// stale finds the reads a key-value service answered the reading node
// with an outdated value: those sent while the final read was in
// progress (which may be what it answered from), else the last before.
func (v *counterView) stale(final int, node string, off int64) (string, []explain.Item) {
	x := v.x
	end := x.Op(final).Time
	begin := end
	if inv := x.Invocation(final); inv >= 0 {
		begin = x.Op(inv).Time
	}
	written := func(op trace.KVOp) string {
		if op.Type == "cas" {
			return op.To
		}
		return op.Value
	}
	for _, svc := range []string{"seq-kv", "lww-kv", "lin-kv"} {
		ops := x.KVOps(svc)
		if len(ops) == 0 {
			continue
		}
		during := x.StaleReads(ops, node, begin, end)
		if len(during) > 0 {
			var parts []string
			var items []explain.Item
			var deficit int64
			exact := true
			for i, s := range during {
				var a, b int64
				_, err1 := fmt.Sscan(s.Read.Value, &a)
				_, err2 := fmt.Sscan(written(s.Newer), &b)
				if err1 != nil || err2 != nil {
					exact = false
				} else {
					deficit += a - b
				}
				if i < 3 {
					parts = append(parts, fmt.Sprintf("key %s = %s though %s had written %s at %s", s.Read.Key, s.Read.Value, s.Newer.Node, written(s.Newer), explain.Seconds(x.Msg(s.Newer.Req).Sent)))
					items = append(items, x.KVItem(s.Newer, "the newer write"), x.KVItem(s.Read, "a stale read during the final read"))
				}
			}
			if len(during) > 3 {
				parts = append(parts, fmt.Sprintf("and %d more", len(during)-3))
			}
			text := fmt.Sprintf("while the final read was in progress %s answered %s %d stale read(s): %s", svc, node, len(during), strings.Join(parts, "; "))
			if exact {
				text += ", " + signed(deficit) + " in all"
				if deficit == off {
					text += ": the whole difference"
				}
			}
			return text, items
		}
		st := x.StaleReads(ops, node, 0, end)
		if len(st) == 0 {
			continue
		}
		s := st[len(st)-1]
		text := fmt.Sprintf("%s gave %s %d stale read(s) before its final read; the last, sent at %s, returned key %s = %s, though %s had written %s at %s",
			svc, node, len(st), explain.Seconds(x.Msg(s.Read.Req).Sent), s.Read.Key, s.Read.Value, s.Newer.Node, written(s.Newer), explain.Seconds(x.Msg(s.Newer.Req).Sent))
		return text, []explain.Item{
			x.KVItem(s.Newer, "the newer write"),
			x.KVItem(s.Read, "a stale read"),
		}
	}
	return "", nil
}

// signed is "5 less" or "3 more".
func signed(n int64) string {
	if n < 0 {
		return fmt.Sprintf("%d less", -n)
	}
	return fmt.Sprintf("%d more", n)
}

// andList is "a", "a and b", "a, b and c".
func andList(xs []string) string {
	if len(xs) <= 1 {
		return strings.Join(xs, "")
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}
