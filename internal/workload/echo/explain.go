package echo

import (
	"fmt"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/explain"
	"github.com/eddy-workbench/eddy/internal/history"
	"github.com/eddy-workbench/eddy/internal/trace"
)

// maxExplained is how many wrong echoes are explained.
const maxExplained = 6

// Explain explains the echo checker's errors (*check.Echo).
func Explain(x *trace.Index, f check.Findings) []explain.Explanation {
	if e, ok := f.(*check.Echo); !ok || len(e.Errors) == 0 {
		return nil
	}
	return ExplainErrors(x)
}

// ExplainErrors explains every echo whose reply did not carry back the
// text sent (the echo checker's errors, found again in the history): the
// request and the reply side by side, and, when the reply echoes an
// earlier request to the same node, which one.
func ExplainErrors(x *trace.Index) []explain.Explanation {
	var out []explain.Explanation
	texts := map[string][]int{} // node → positions of the invocations it was sent
	for p, inv := range x.Ops() {
		if !inv.IsClient() || inv.Type != history.Invoke || inv.F != "echo" {
			continue
		}
		node := x.Server(p)
		earlier := texts[node]
		texts[node] = append(earlier, p)
		c := x.Completion(p)
		if c < 0 || len(out) == maxExplained {
			continue
		}
		comp := x.Op(c)
		if comp.Type != history.OK && comp.Type != history.Fail {
			continue
		}
		var echo any
		if body, ok := comp.Value.(*edn.Map); ok {
			echo, _ = body.Get(edn.Keyword("echo"))
		}
		if edn.Equal(inv.Value, echo) {
			continue
		}
		ev := []explain.Item{x.OpItem(p, "the echo asked for")}
		req, reply := x.Exchange(p)
		if req >= 0 {
			ev = append(ev, x.MsgItem(req, "the request"))
		}
		if reply >= 0 {
			ev = append(ev, x.MsgItem(reply, "the reply"))
		}
		sent := edn.String(inv.Value)
		var summary string
		switch {
		case comp.Type == history.Fail:
			summary = fmt.Sprintf("%s answered the echo of %s with an error: %s", node, sent, edn.String(comp.Error))
		case echo == nil:
			summary = fmt.Sprintf("%s answered the echo of %s with a reply without echo: %s", node, sent, trace.Cut(edn.String(comp.Value), 120))
		default:
			summary = fmt.Sprintf("%s answered the echo of %s with %s", node, sent, edn.String(echo))
			for k := len(earlier) - 1; k >= 0; k-- {
				if prev := x.Op(earlier[k]); edn.Equal(prev.Value, echo) {
					summary += fmt.Sprintf(", the text of an earlier request to it (op %d at %s)", prev.Index, explain.Seconds(prev.Time))
					ev = append([]explain.Item{x.OpItem(earlier[k], "the earlier request echoed")}, ev...)
					break
				}
			}
		}
		out = append(out, explain.Explanation{
			Checker:  "workload",
			Finding:  fmt.Sprintf("wrong echo (op %d)", inv.Index),
			Summary:  fmt.Sprintf("%s, at %s.", summary, explain.Seconds(comp.Time)),
			Evidence: ev,
		})
	}
	return out
}
