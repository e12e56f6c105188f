package linkv

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/explain"
	"github.com/eddy-workbench/eddy/internal/checker"
	"github.com/eddy-workbench/eddy/internal/trace"
)

// How much is explained: keys, and operations named in a summary.
const (
	maxKeys     = 3
	maxOpsNamed = 6
	// maxFaultsNamed is how many kills or pauses a summary names.
	maxFaultsNamed = 3
)

// Explain explains each key the lin-kv checker found not linearizable
// (*check.LinKV).
func Explain(x *trace.Index, f check.Findings) []explain.Explanation {
	l, ok := f.(*check.LinKV)
	if !ok {
		return nil
	}
	return ExplainKeys(x, l.Failures)
}

// ExplainKeys explains keys whose histories are not linearizable: a short
// stretch of each key's operations that cannot be linearized on its own,
// with the nodes that served them, drawn as a timeline of their requests
// and replies, and porcupine's visualization of the stretch.
func ExplainKeys(x *trace.Index, keys []any) []explain.Explanation {
	var out []explain.Explanation
	for _, k := range keys {
		if len(out) == maxKeys {
			break
		}
		win, ok := checker.LinKVWindow(x.Ops(), k, 2*time.Second)
		if !ok {
			continue
		}
		key := edn.String(k)
		var ev []explain.Item
		var named, servers []string
		t0, t1 := int64(-1), int64(0)
		for i, p := range win.Ops {
			it := x.OpItem(p, "")
			ev = append(ev, it)
			if it.To != "" && !slices.Contains(servers, it.To) {
				servers = append(servers, it.To)
			}
			if t0 < 0 || it.Time < t0 {
				t0 = it.Time
			}
			t1 = max(t1, it.End)
			if i < maxOpsNamed {
				named = append(named, describe(x, p, it.To))
			}
		}
		if len(win.Ops) > maxOpsNamed {
			named = append(named, fmt.Sprintf("and %d more", len(win.Ops)-maxOpsNamed))
		}
		start := "from the empty register (the key's first operations)"
		if win.AnyStart {
			start = "whatever the register held before them"
		}
		s := fmt.Sprintf("key %s: these %d operations cannot be linearized %s, as the longest order a register allows covers %d of them: %s.",
			key, len(win.Ops), start, win.Longest, strings.Join(named, "; "))
		// A node that served some of them killed (or paused) meanwhile:
		// one restarted with no durable state answers from an empty
		// register.
		if t1 < t0 {
			t1 = x.End()
		}
		if faults := x.FaultsWithin(servers, t0, t1); len(faults) > 0 {
			s += fmt.Sprintf(" Meanwhile, of the nodes that served them, %s.", trace.FaultsText(faults, maxFaultsNamed))
			ev = append(ev, trace.FaultItems(faults...)...)
			explain.Sort(ev)
		}
		out = append(out, explain.Explanation{
			Checker: "workload",
			Finding: "key " + key + " not linearizable",
			Summary: s, Evidence: ev,
			Files: []explain.File{{Name: "porcupine.html", Title: "porcupine's visualization of the stretch (an HTML page with a script)", Write: win.Visualize}},
		})
	}
	return out
}

// describe is an op in words: "n2 cas 2→4 (ok, 0.674–0.675 s)", "n1 read
// 1 (ok, …)".
func describe(x *trace.Index, p int, node string) string {
	inv := x.Op(p)
	kv, _ := inv.Value.([]any)
	what := inv.F
	switch {
	case inv.F == "write" && len(kv) == 2:
		what = "write " + edn.String(kv[1])
	case inv.F == "cas" && len(kv) == 2:
		if ft, ok := kv[1].([]any); ok && len(ft) == 2 {
			what = fmt.Sprintf("cas %s→%s", edn.String(ft[0]), edn.String(ft[1]))
		}
	}
	outcome := "never completed"
	if c := x.Completion(p); c >= 0 {
		comp := x.Op(c)
		if inv.F == "read" {
			if v, ok := comp.Value.([]any); ok && len(v) == 2 {
				what = "read " + edn.String(v[1])
			}
		}
		outcome = fmt.Sprintf("%s, %s–%s", comp.Type, strings.TrimSuffix(explain.Seconds(inv.Time), " s"), explain.Seconds(comp.Time))
	}
	return fmt.Sprintf("%s %s (%s)", node, what, outcome)
}
