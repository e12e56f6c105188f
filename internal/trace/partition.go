package trace

import (
	"slices"
	"strings"

	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/history"
)

// Partition is one network partition the nemesis made.
type Partition struct {
	// Start is the nemesis's start-partition invocation and End its
	// network-healed completion (never, if the run ended partitioned): the
	// cut was in force somewhere between.
	Start, End int64
	// Grudge maps a node to the nodes whose messages it drops.
	Grudge map[string]map[string]bool
	// Name describes the cut, e.g. "{n1 n2}|{n3 n4 n5}".
	Name string
}

// Cuts reports whether the partition drops messages from src to dest.
func (p *Partition) Cuts(src, dest string) bool { return p.Grudge[dest][src] }

// Partitions are the run's partitions, in time order.
func (x *Index) Partitions() []Partition { return x.parts }

// CutAt is the partition that cut src → dest at time t, or nil.
func (x *Index) CutAt(src, dest string, t int64) *Partition {
	for i := range x.parts {
		p := &x.parts[i]
		if p.Start <= t && t <= p.End && p.Cuts(src, dest) {
			return p
		}
	}
	return nil
}

// partitions reads the nemesis's operations: a start-partition begins a
// partition (its grudge is the value of whichever of its ops carries one),
// a stop-partition ends it (the last of consecutive stops counts).
func partitions(ops []history.Op, nodes []string) []Partition {
	var out []Partition
	var cur *Partition
	stopped := false
	for _, op := range ops {
		if op.IsClient() {
			continue
		}
		switch op.F {
		case "start-partition":
			if cur == nil || stopped {
				if cur != nil {
					out = append(out, *cur)
				}
				cur, stopped = &Partition{Start: op.Time, End: never}, false
			}
			if g := grudgeOf(op.Value); g != nil {
				cur.Grudge = g
			}
		case "stop-partition":
			if cur != nil {
				cur.End, stopped = op.Time, true
			}
		}
	}
	if cur != nil {
		out = append(out, *cur)
	}
	for i := range out {
		out[i].Name = GrudgeName(out[i].Grudge, nodes)
	}
	return out
}

// grudgeOf reads a grudge from a start-partition value: [:isolated {node
// #{node …} …}] or the map alone, parsed or as EDN text; nil if it is
// not one.
func grudgeOf(v any) map[string]map[string]bool {
	if raw, ok := v.(edn.Raw); ok {
		parsed, err := edn.Parse([]byte(raw))
		if err != nil {
			return nil
		}
		v = parsed
	}
	if xs, ok := v.([]any); ok && len(xs) == 2 {
		v = xs[1]
	}
	m, ok := v.(*edn.Map)
	if !ok {
		return nil
	}
	g := map[string]map[string]bool{}
	m.Each(func(k, val any) {
		node, ok := k.(string)
		if !ok {
			return
		}
		var srcs []any
		switch s := val.(type) {
		case edn.Set:
			srcs = s
		case []any:
			srcs = s
		}
		set := map[string]bool{}
		for _, s := range srcs {
			if name, ok := s.(string); ok {
				set[name] = true
			}
		}
		g[node] = set
	})
	return g
}

// GrudgeName describes a grudge: the groups of a clean split, as
// "{n1 n2}|{n3 n4 n5}", or else who drops whom, as "n1 drops n3 n4; n2
// drops n4 n5; …". nodes lists the cluster (nil: the grudge's own).
func GrudgeName(g map[string]map[string]bool, nodes []string) string {
	if g == nil {
		return "(grudge unknown)"
	}
	all := append([]string(nil), nodes...)
	if len(all) == 0 {
		seen := map[string]bool{}
		for n, srcs := range g {
			seen[n] = true
			for s := range srcs {
				seen[s] = true
			}
		}
		for n := range seen {
			all = append(all, n)
		}
		slices.SortFunc(all, CompareNames)
	}
	// Each node's view: the nodes it hears from, itself included.
	view := map[string]string{}
	groups := map[string][]string{}
	var order []string
	for _, n := range all {
		var hears []string
		for _, m := range all {
			if m == n || !g[n][m] {
				hears = append(hears, m)
			}
		}
		key := strings.Join(hears, " ")
		view[n] = key
		if _, ok := groups[key]; !ok {
			order = append(order, key)
		}
		groups[key] = append(groups[key], n)
	}
	clean := len(order) > 1
	for _, key := range order {
		if key != strings.Join(groups[key], " ") {
			clean = false // a node hears from one outside its group
		}
	}
	if clean {
		parts := make([]string, len(order))
		for i, key := range order {
			parts[i] = "{" + key + "}"
		}
		return strings.Join(parts, "|")
	}
	var parts []string
	for _, n := range all {
		var drops []string
		for _, m := range all {
			if g[n][m] {
				drops = append(drops, m)
			}
		}
		if len(drops) > 0 {
			parts = append(parts, n+" drops "+strings.Join(drops, " "))
		}
	}
	if len(parts) == 0 {
		return "(nothing cut)"
	}
	return strings.Join(parts, "; ")
}

// CompareNames orders names by letter prefix, then number: n2 before n10.
func CompareNames(a, b string) int {
	pa, na := splitNumber(a)
	pb, nb := splitNumber(b)
	if c := strings.Compare(pa, pb); c != 0 {
		return c
	}
	switch {
	case na < nb:
		return -1
	case na > nb:
		return 1
	}
	return strings.Compare(a, b)
}

func splitNumber(s string) (string, int64) {
	i := len(s)
	for i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
		i--
	}
	var n int64 = -1
	if i < len(s) && len(s)-i < 18 {
		n = 0
		for _, c := range s[i:] {
			n = 10*n + int64(c-'0')
		}
	}
	return s[:i], n
}
