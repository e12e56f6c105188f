package check

import "github.com/eddy-workbench/eddy/edn"

// SetConvergence is eddy's convergence check for broadcast and g-set,
// beyond set-full: every node's final reads must hold every acknowledged
// element. Set-full calls an element stable when the last read in history
// order holds it, and the nodes' final reads run concurrently, so an
// element only one node ever held passes whenever that node's read
// happens to come last. Maelstrom has no such check; it makes the verdict
// invalid only under --strict.
type SetConvergence struct {
	// Converged is Invalid when a final read lacks an acknowledged element,
	// and Unknown when there is nothing to judge (no final read succeeded,
	// or the final reads cannot be told apart).
	Converged Verdict
	// Summary says in one line which nodes lack what, e.g. "n1–n4 lack
	// 45"; empty when converged.
	Summary string
	// Acknowledged counts the elements whose add completed ok, FinalReads
	// the ok final reads.
	Acknowledged, FinalReads int64
	// Lacking are, per node, the acknowledged elements its final reads
	// lack: how many, and the first 32 in order.
	Lacking []NodeElements
	// Unread are the nodes with no ok final read, when some other node had
	// one.
	Unread []string
}

// CounterConvergence is eddy's convergence check for g-counter and
// pn-counter, beyond Maelstrom's checker, which accepts each final read on
// its own: all final reads must agree, on a total the history allows. It
// makes the verdict invalid only under --strict.
type CounterConvergence struct {
	// Converged is Invalid when the final reads disagree or one is not
	// acceptable, and Unknown when no final read succeeded.
	Converged Verdict
	// Summary says in one line who read what, e.g. "n0 read 100; n1, n2
	// read 103 (acceptable totals: 100–103)"; empty when converged.
	Summary    string
	FinalReads int64 // ok final reads
	// FinalValues are, per node, the distinct values its final reads
	// returned.
	FinalValues []NodeElements
	// Unread are the nodes with no ok final read, when some other node had
	// one.
	Unread []string
}

// NodeElements are elements (EDN values) of one node, and how many there
// are in all.
type NodeElements struct {
	Node     string
	Count    int64
	Elements []any
}

// EDN is the :convergence entry of set-full's results: {:converged?
// :acknowledged-count :final-read-count :lacking {node {:count :elements}}
// :unread :summary}, the last two only when they say something.
func (c *SetConvergence) EDN() *edn.Map {
	lacking := edn.NewMap()
	for _, l := range c.Lacking {
		lacking.Set(l.Node, edn.NewMap(kw("count"), l.Count, kw("elements"), vector(l.Elements)))
	}
	m := edn.NewMap(
		kw("converged?"), c.Converged.EDN(),
		kw("acknowledged-count"), c.Acknowledged,
		kw("final-read-count"), c.FinalReads,
		kw("lacking"), lacking,
	)
	return convergenceTail(m, c.Unread, c.Summary)
}

// EDN is the :convergence entry of the counter's results: {:converged?
// :final-read-count :final-values {node [value ...]} :unread :summary},
// the last two only when they say something.
func (c *CounterConvergence) EDN() *edn.Map {
	values := edn.NewMap()
	for _, v := range c.FinalValues {
		values.Set(v.Node, vector(v.Elements))
	}
	m := edn.NewMap(
		kw("converged?"), c.Converged.EDN(),
		kw("final-read-count"), c.FinalReads,
		kw("final-values"), values,
	)
	return convergenceTail(m, c.Unread, c.Summary)
}

func convergenceTail(m *edn.Map, unread []string, summary string) *edn.Map {
	if len(unread) > 0 {
		nodes := make([]any, len(unread))
		for i, n := range unread {
			nodes[i] = n
		}
		m.Set(kw("unread"), nodes)
	}
	if summary != "" {
		m.Set(kw("summary"), summary)
	}
	return m
}
