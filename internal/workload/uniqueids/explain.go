package uniqueids

import (
	"fmt"
	"strings"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/explain"
	"github.com/eddy-workbench/eddy/internal/history"
	"github.com/eddy-workbench/eddy/internal/trace"
)

// maxIDsExplained is how many duplicated ids are explained, and
// maxHoldersShown how many ops that got one are shown.
const (
	maxIDsExplained = 6
	maxHoldersShown = 4
)

// Explain explains the duplicated ids the unique-ids checker found
// (*check.UniqueIDs).
func Explain(x *trace.Index, f check.Findings) []explain.Explanation {
	u, ok := f.(*check.UniqueIDs)
	if !ok {
		return nil
	}
	var ids []any
	for _, d := range u.Duplicated {
		ids = append(ids, d.ID)
	}
	return ExplainDuplicates(x, ids)
}

// ExplainDuplicates explains ids acknowledged more than once: the
// operations that got each, the processes, clients and nodes, the times,
// and the replies that carried them.
func ExplainDuplicates(x *trace.Index, ids []any) []explain.Explanation {
	if len(ids) > maxIDsExplained {
		ids = ids[:maxIDsExplained]
	}
	want := map[string]int{}
	for i, id := range ids {
		want[edn.String(id)] = i
	}
	holders := make([][]int, len(ids)) // per id, the positions of ok completions
	for p, op := range x.Ops() {
		if !op.IsClient() || op.Type != history.OK || op.F != "generate" {
			continue
		}
		if i, ok := want[edn.String(op.Value)]; ok {
			holders[i] = append(holders[i], p)
		}
	}
	var out []explain.Explanation
	for i, id := range ids {
		hs := holders[i]
		if len(hs) < 2 {
			continue
		}
		var ev []explain.Item
		var parts []string
		nodes := map[string]int{}
		for k, p := range hs {
			node := x.Server(p)
			nodes[node]++
			if k >= maxHoldersShown {
				continue
			}
			op := x.Op(p)
			client := x.ClientOf(op.Process)
			if client == "" {
				client = "a client"
			}
			parts = append(parts, fmt.Sprintf("by %s to %s (process %d) at %s", node, client, op.Process, explain.Seconds(op.Time)))
			ev = append(ev, x.OpItem(p, fmt.Sprintf("gets %s", edn.String(id))))
			if _, reply := x.Exchange(p); reply >= 0 {
				ev = append(ev, x.MsgItem(reply, fmt.Sprintf("%s's reply with %s", node, edn.String(id))))
			}
		}
		more := ""
		if len(hs) > maxHoldersShown {
			more = fmt.Sprintf(" and %d more times", len(hs)-maxHoldersShown)
		}
		who := "one node generated it more than once"
		if len(nodes) > 1 {
			who = fmt.Sprintf("%d different nodes generated it", len(nodes))
			if len(nodes) < len(hs) {
				who += ", some more than once"
			}
		}
		restart := ""
		if c, faults := restarted(x, hs); c != "" {
			restart = "; " + c
			ev = append(ev, trace.FaultItems(faults...)...)
		}
		out = append(out, explain.Explanation{
			Checker:  "workload",
			Finding:  "duplicated id " + edn.String(id),
			Summary:  fmt.Sprintf("id %s was acknowledged %d times: %s%s; %s%s.", edn.String(id), len(hs), strings.Join(parts, ", "), more, who, restart),
			Evidence: explain.Sort(ev),
		})
	}
	return out
}

// restarted finds, among the ok completions hs of one id, two by the same
// node with a kill of that node between them: the node handed the id out
// again after its restart. It returns the clause saying so and the kill,
// or "" if there is none.
func restarted(x *trace.Index, hs []int) (string, []trace.Fault) {
	for i, a := range hs {
		for _, b := range hs[i+1:] {
			node := x.Server(a)
			if x.Server(b) != node {
				continue
			}
			ta, tb := x.Op(a).Time, x.ServedAt(b)
			if k, ok := x.KilledBetween(node, ta, tb); ok {
				return fmt.Sprintf("%s generated it at %s, %s, and generated it again at %s, after the restart", node, explain.Seconds(x.ServedAt(a)),
					strings.TrimPrefix(k.String(), node+" "), explain.Seconds(tb)), []trace.Fault{k}
			}
		}
	}
	return "", nil
}
