package txn

import (
	"fmt"
	"slices"
	"strings"

	"github.com/eddy-workbench/eddy/explain"
	"github.com/eddy-workbench/eddy/internal/edn"
	"github.com/eddy-workbench/eddy/internal/trace"
)

// How much is explained: cases per anomaly type, and in all.
const (
	maxPerType   = 2
	maxExplained = 8
)

// Case is one anomaly case of the transaction checker, as an explainer
// needs it: its type, the positions in the history of its transactions
// (a cycle's, in order, without the first repeated; or the reader and
// the writer; or the transactions of a lost update), the relation of each
// step of a cycle, and the checker's explanation in words.
type Case struct {
	Type        string
	Ops         []int
	Steps       []Step
	Explanation string
	Count       int // cases of its type the checker found
	Warning     bool
}

// Step is one dependency of a cycle: its relation (ww, wr, rw, process,
// realtime) and key.
type Step struct {
	Rel string
	Key any
}

// Explain explains the anomalies of the transaction checker's results, and
// the replies that did not answer their transaction (warnings).
func (w *Workload) Explain(x *trace.Index, results *edn.Map) []explain.Explanation {
	return ExplainCases(x, casesOf(x, results))
}

func get(m *edn.Map, k string) any {
	if m == nil {
		return nil
	}
	v, _ := m.Get(edn.Keyword(k))
	return v
}

func asMap(v any) *edn.Map { m, _ := v.(*edn.Map); return m }

func toInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	}
	return 0, false
}

// casesOf reads the cases from the checker's result map.
func casesOf(x *trace.Index, results *edn.Map) []Case {
	pos := func(v any) int {
		i, ok := toInt(get(asMap(v), "index"))
		if !ok {
			return -1
		}
		return x.Position(int(i))
	}
	var out []Case
	counts := asMap(get(results, "anomaly-counts"))
	if an := asMap(get(results, "anomalies")); an != nil {
		an.Each(func(k, v any) {
			typ := edn.KeyString(k)
			n, _ := toInt(get(counts, typ))
			list, _ := v.([]any)
			for i, c := range list {
				if i == maxPerType {
					break
				}
				cm := asMap(c)
				cs := Case{Type: typ, Count: int(n)}
				cs.Explanation, _ = get(cm, "explanation").(string)
				if cyc, ok := get(cm, "cycle").([]any); ok && len(cyc) > 1 {
					for _, o := range cyc[:len(cyc)-1] {
						cs.Ops = append(cs.Ops, pos(o))
					}
					steps, _ := get(cm, "steps").([]any)
					for _, s := range steps {
						cs.Steps = append(cs.Steps, Step{Rel: edn.KeyString(get(asMap(s), "type")), Key: get(asMap(s), "key")})
					}
				}
				for _, k := range []string{"op", "writer"} {
					if o := get(cm, k); o != nil {
						cs.Ops = append(cs.Ops, pos(o))
					}
				}
				if txns, ok := get(cm, "txns").([]any); ok {
					for _, o := range txns {
						cs.Ops = append(cs.Ops, pos(o))
					}
				}
				out = append(out, cs)
			}
		})
	}
	if ms, ok := get(results, "mismatched").([]any); ok {
		n, _ := toInt(get(results, "mismatched-count"))
		for i, m := range ms {
			if i == maxPerType {
				break
			}
			mm := asMap(m)
			why, _ := get(mm, "why").(string)
			out = append(out, Case{Type: "mismatched", Ops: []int{pos(get(mm, "op"))}, Count: int(n), Warning: true,
				Explanation: fmt.Sprintf("asked %s, answered %s: %s", edn.String(get(mm, "request")), edn.String(get(asMap(get(mm, "op")), "value")), why)})
		}
	}
	return out
}

// ExplainCases explains transaction anomalies: the checker's explanation,
// the nodes that served the transactions involved, and the messages
// between those nodes while they did.
func ExplainCases(x *trace.Index, cases []Case) []explain.Explanation {
	var out []explain.Explanation
	for _, c := range cases {
		if len(out) == maxExplained {
			break
		}
		if slices.Contains(c.Ops, -1) || len(c.Ops) == 0 {
			continue
		}
		out = append(out, explainCase(x, c))
	}
	return out
}

func explainCase(x *trace.Index, c Case) explain.Explanation {
	var ev []explain.Item
	name := func(i int) string { return fmt.Sprintf("T%d", i+1) }
	var served []string
	nodes := map[string]bool{}
	for i, p := range c.Ops {
		node := x.Server(p)
		nodes[node] = true
		role := name(i)
		switch {
		case c.Type == "mismatched":
			role = "the transaction"
		case len(c.Steps) == 0 && len(c.Ops) == 2 && i == 0:
			role = "the reader"
		case len(c.Steps) == 0 && len(c.Ops) == 2 && i == 1:
			role = "the writer"
		}
		ev = append(ev, x.OpItem(p, fmt.Sprintf("%s (op %d)", role, x.Op(p).Index)))
		outcome := ""
		if op := x.Op(p); op.Type != "ok" {
			outcome = fmt.Sprintf(", which answered %s", op.Type)
			if op.Error != nil {
				outcome += " " + trace.Cut(edn.String(op.Error), 60)
			}
		}
		served = append(served, fmt.Sprintf("%s (op %d) by %s at %s%s", role, x.Op(p).Index, node, explain.Seconds(x.ServedAt(p)), outcome))
	}
	if len(c.Steps) == 0 && len(c.Ops) == 2 {
		served[0], served[1] = served[1], served[0] // the writer first
	}
	var s string
	switch {
	case c.Type == "mismatched":
		s = fmt.Sprintf("%s's reply does not answer the transaction it was sent: %s", x.Server(c.Ops[0]), c.Explanation)
		if req, reply := x.Exchange(c.Ops[0]); req >= 0 && reply >= 0 {
			ev = append(ev, x.MsgItem(req, "the request"), x.MsgItem(reply, "the reply"))
		}
	case len(c.Steps) > 0:
		s = fmt.Sprintf("%s cycle of %d transactions, served %s", c.Type, len(c.Ops), strings.Join(served, ", "))
	default:
		s = fmt.Sprintf("%s; served %s", firstLine(c.Explanation), strings.Join(served, ", "))
	}
	if len(nodes) == 1 {
		for n := range nodes {
			s += fmt.Sprintf("; all on %s, so no message between nodes was involved", n)
		}
	} else {
		s += "; " + stepMessages(x, c, name, &ev)
	}
	e := explain.Explanation{
		Checker: "workload", Warning: c.Warning,
		Finding: c.Type, Summary: s + ".", Evidence: explain.Sort(ev),
	}
	if c.Type != "mismatched" {
		e.Details = c.Explanation
	}
	if c.Count > 1 {
		e.Finding += fmt.Sprintf(" (one of %d)", c.Count)
	}
	return e
}

// stepMessages tells, for each pair of consecutive transactions (each step
// of a cycle, or reader and writer) served by different nodes, the
// messages between those nodes from the earlier's serving to the later's.
func stepMessages(x *trace.Index, c Case, name func(int) string, ev *[]explain.Item) string {
	var parts []string
	n := len(c.Ops)
	pairs := n
	if len(c.Steps) == 0 {
		pairs = n - 1
	}
	for i := range pairs {
		a, b := c.Ops[i], c.Ops[(i+1)%n]
		na, nb := x.Server(a), x.Server(b)
		if na == nb {
			continue
		}
		t0, t1 := x.ServedAt(a), x.ServedAt(b)
		if t0 > t1 {
			t0, t1 = t1, t0
		}
		rel := ""
		if i < len(c.Steps) {
			rel = " (" + c.Steps[i].Rel
			if c.Steps[i].Key != nil {
				rel += " on key " + edn.String(c.Steps[i].Key)
			}
			rel += ")"
		}
		count, delivered := 0, 0
		last := int32(-1)
		for _, src := range []string{na, nb} {
			dest := nb
			if src == nb {
				dest = na
			}
			for _, p := range x.From(src) {
				m := x.Msg(p)
				if m.Dest != dest || m.Sent < t0 || m.Sent > t1 {
					continue
				}
				count++
				if m.Delivered() && m.Recv <= t1 {
					delivered++
				}
				if last < 0 || m.Sent > x.Msg(last).Sent {
					last = p
				}
			}
		}
		head := fmt.Sprintf("%s → %s%s", name(i), name((i+1)%n), rel)
		if len(c.Steps) == 0 {
			head = "between the writer and the reader"
		}
		if count == 0 {
			parts = append(parts, fmt.Sprintf("%s: %s and %s exchanged no message between %s and %s", head, na, nb, explain.Seconds(t0), explain.Seconds(t1)))
			continue
		}
		m := x.Msg(last)
		parts = append(parts, fmt.Sprintf("%s: %s and %s exchanged %d messages between %s and %s, %d delivered in time; the last, %s → %s at %s, was %s",
			head, na, nb, count, explain.Seconds(t0), explain.Seconds(t1), delivered, m.Src, m.Dest, explain.Seconds(m.Sent), x.Fate(last).Text))
		*ev = append(*ev, x.MsgItem(last, fmt.Sprintf("the last message between %s and %s in that time", na, nb)))
	}
	if len(parts) == 0 {
		return "each step's transactions ran on one node"
	}
	return strings.Join(parts, "; ")
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
