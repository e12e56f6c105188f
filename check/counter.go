package check

import "github.com/eddy-workbench/eddy/edn"

// Counter is what the g-counter and pn-counter checker found. Only final
// reads are checked: each must be a total the history allows.
type Counter struct {
	Valid Verdict
	// FinalReads are the values of the ok final reads, in history order
	// (integers, unless a node answered otherwise).
	FinalReads []any
	// Acceptable are the totals the history allows, as sorted, disjoint
	// inclusive ranges: the sum of the ok adds plus any subset of the
	// indeterminate ones.
	Acceptable []Range
	// Errors are the final reads outside those ranges.
	Errors []Op
	// Convergence is eddy's check that all final reads agree (nil if it
	// was not run).
	Convergence *CounterConvergence
}

// Range is the inclusive range of integers [Lo, Hi].
type Range struct{ Lo, Hi int64 }

// Contains reports whether v is in r.
func (r Range) Contains(v int64) bool { return r.Lo <= v && v <= r.Hi }

// Verdict is the counter checker's verdict: valid when every final read
// is acceptable (and, under --strict, they all agree).
func (c *Counter) Verdict() Verdict { return c.Valid }

// EDN is Maelstrom's counter result: {:valid? :errors :final-reads
// :acceptable [[lo hi] ...]}, with :errors nil when there are none, and
// eddy's :convergence.
func (c *Counter) EDN() *edn.Map {
	var errors any // nil when there are none, as Maelstrom's (seq errors)
	if len(c.Errors) > 0 {
		errors = opsEDN(c.Errors)
	}
	ranges := make([]any, len(c.Acceptable))
	for i, r := range c.Acceptable {
		ranges[i] = []any{r.Lo, r.Hi}
	}
	finals := append([]any{}, c.FinalReads...)
	m := edn.NewMap(
		kw("valid?"), c.Valid.EDN(),
		kw("errors"), errors,
		kw("final-reads"), finals,
		kw("acceptable"), ranges,
	)
	if c.Convergence != nil {
		m.Set(kw("convergence"), c.Convergence.EDN())
	}
	return m
}
