package checker

import (
	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/history"
)

// Echo is Maelstrom's echo checker, {:valid? :errors [...]}. Every
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
func Echo(ops []history.Op) *edn.Map {
	pos := make(map[int]int, len(ops))
	for i, op := range ops {
		pos[op.Index] = i
	}
	pairs := history.Pairs(ops)
	errs := []any{}
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
			errs = append(errs, []any{"Expected a message with :echo", inv.Value, "But received", comp.Value})
		}
	}
	return edn.NewMap(kw("valid?"), len(errs) == 0, kw("errors"), errs)
}
