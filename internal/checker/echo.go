package checker

import (
	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/history"
)

// Echo is Maelstrom's echo checker (rendered {:valid? :errors [...]}). Every
// invocation paired with an :ok or :fail completion must find its value in
// the completion value's :echo field; each mismatch is the error
//
//	["Expected a message with :echo" <invocation value>
//	 "But received" <completion value>]
//
// An ok completion's value is the whole reply body, so a changed echo is an
// error. A :fail completion keeps the request's string as its value, which
// has no :echo, so every :fail is an error too. Like Maelstrom, which pairs
// ops with knossos' pair-index, an invocation that ends in :info (a timeout)
// or never completes is not paired and not checked. Errors are in history
// order of their invocations (Maelstrom's order is a hash map's).
func Echo(ops []history.Op) *check.Echo {
	pos := make(map[int]int, len(ops))
	for i, op := range ops {
		pos[op.Index] = i
	}
	pairs := history.Pairs(ops)
	out := &check.Echo{}
	for _, inv := range ops {
		if inv.Type != history.Invoke || !inv.IsClient() {
			continue
		}
		ci, ok := pairs[inv.Index]
		if !ok {
			continue
		}
		comp := ops[pos[ci]]
		if comp.Type != history.OK && comp.Type != history.Fail {
			continue
		}
		var echo any
		if body, ok := comp.Value.(*edn.Map); ok {
			echo, _ = body.Get(kw("echo"))
		}
		if !edn.Equal(inv.Value, echo) {
			out.Errors = append(out.Errors, check.EchoError{Request: inv, Reply: comp})
		}
	}
	out.Valid = check.VerdictOf(len(out.Errors) == 0)
	return out
}
