package txn

import (
	"fmt"
	"slices"
	"strings"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/explain"
	"github.com/eddy-workbench/eddy/internal/trace"
)

// How much is explained: cases per anomaly type, and in all.
const (
	maxPerType   = 2
	maxExplained = 8
	// maxFaultsNamed is how many kills or pauses a summary names.
	maxFaultsNamed = 3
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

// Explain explains the anomalies the transaction checker found
// (*check.Txn), and the replies that did not answer their transaction
// (warnings).
func Explain(x *trace.Index, f check.Findings) []explain.Explanation {
	t, ok := f.(*check.Txn)
	if !ok {
		return nil
	}
	return ExplainCases(x, casesOf(x, t))
}

// casesOf takes the first few cases of each anomaly type, with their
// transactions as positions in the history.
func casesOf(x *trace.Index, t *check.Txn) []Case {
	pos := func(o *check.Op) int {
		if o == nil {
			return -1
		}
		return x.Position(o.Index)
	}
	var out []Case
	for _, an := range t.Anomalies {
		for i, c := range an.Cases {
			if i == maxPerType {
				break
			}
			cs := Case{Type: an.Type, Count: an.Count, Explanation: c.Explanation}
			if n := len(c.Cycle); n > 1 {
				for _, o := range c.Cycle[:n-1] {
					cs.Ops = append(cs.Ops, pos(&o))
				}
				for _, st := range c.Steps {
					cs.Steps = append(cs.Steps, Step{Rel: st.Rel, Key: st.Key})
				}
			}
			if c.Op != nil {
				cs.Ops = append(cs.Ops, pos(c.Op))
			}
			if c.Writer != nil {
				cs.Ops = append(cs.Ops, pos(c.Writer))
			}
			for _, o := range c.Txns {
				cs.Ops = append(cs.Ops, pos(&o))
			}
			out = append(out, cs)
		}
	}
	for i, m := range t.Mismatched {
		if i == maxPerType {
			break
		}
		out = append(out, Case{Type: "mismatched", Ops: []int{pos(&m.Op)}, Count: t.MismatchedCount, Warning: true,
			Explanation: fmt.Sprintf("asked %s, answered %s: %s", edn.String(m.Request), edn.String(m.Op.Value), m.Why)})
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
	var served, nodeList []string
	nodes := map[string]bool{}
	t0, t1 := int64(-1), int64(-1)
	for i, p := range c.Ops {
		node := x.Server(p)
		if !nodes[node] {
			nodeList = append(nodeList, node)
		}
		nodes[node] = true
		if at := x.ServedAt(p); t0 < 0 {
			t0, t1 = at, at
		} else {
			t0, t1 = min(t0, at), max(t1, at)
		}
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
	// A node of theirs killed (or paused) between the first and the last:
	// a node restarted with no durable state serves the later ones
	// without what it held before.
	if faults := x.FaultsWithin(nodeList, t0, t1); len(faults) > 0 && c.Type != "mismatched" {
		s += "; between the first and the last of them, " + trace.FaultsText(faults, maxFaultsNamed)
		ev = append(ev, trace.FaultItems(faults...)...)
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
