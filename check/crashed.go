package check

import "github.com/eddy-workbench/eddy/edn"

// Crashed stands in for the findings of a checker that panicked: eddy
// recovered, the checker's verdict is unknown, and its stack is in the run's
// panics.log. It is a bug of eddy's, never of the node under test.
type Crashed struct {
	Checker string // which checker, e.g. "the workload checker"
	Message string // the panic's value, as text
}

// Verdict is always Unknown.
func (c *Crashed) Verdict() Verdict { return Unknown }

// EDN is {:valid? :unknown, :error "…"}.
func (c *Crashed) EDN() *edn.Map {
	return edn.NewMap(kw("valid?"), Unknown.EDN(), kw("error"), "eddy's "+c.Checker+" panicked: "+c.Message+" (stack in panics.log)")
}
