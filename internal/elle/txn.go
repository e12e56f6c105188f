// Package elle checks transactional histories for isolation anomalies, in
// the manner of Jepsen's Elle (which Maelstrom's txn-rw-register and
// txn-list-append workloads use): it infers per-key version orders from the
// reads and writes, builds a graph of dependencies between committed
// transactions (ww, wr, rw, and process or realtime order when a model needs
// them), and searches it for cycles; with the anomalies no cycle is needed
// for (aborted and intermediate reads, internal inconsistencies, lost
// updates, …), the anomalies found are weighed against the consistency
// models asked for.
//
// Keys and values are compared by their EDN text, so any values work; the
// workloads use integers.
package elle

import (
	"fmt"

	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/history"
)

// Mop is one micro-operation of a transaction.
type Mop struct {
	F     string // "r", "w" or "append"
	Key   any
	Value any // for a read, what it returned (nil: nothing yet / unknown)
}

// IsRead reports whether the mop is a read.
func (m Mop) IsRead() bool { return m.F == "r" }

// EDN renders the mop as the history holds it: [:r k v].
func (m Mop) EDN() any { return []any{edn.Keyword(m.F), m.Key, m.Value} }

// Txn is one client transaction of a history.
type Txn struct {
	Type    history.Type // OK, Fail or Info (never completed counts as Info)
	Process int
	// Invoke and Complete are the history indices of the invocation and of
	// the completion (Complete is -1 if it never completed).
	Invoke, Complete int
	// Op is the op shown in explanations: the completion if there is one,
	// otherwise the invocation.
	Op history.Op
	// Mops are the completion's micro-ops for an ok transaction (reads
	// filled in), the invocation's otherwise.
	Mops []Mop
}

// Txns pairs the client txn invocations of a history with their
// completions.
func Txns(ops []history.Op) ([]Txn, error) {
	pairs, pos := history.Pairs(ops), history.Positions(ops)
	var out []Txn
	for _, inv := range ops {
		if inv.Type != history.Invoke || !inv.IsClient() || inv.F != "txn" {
			continue
		}
		t := Txn{Type: history.Info, Process: inv.Process, Invoke: inv.Index, Complete: -1, Op: inv}
		src := inv
		if ci, ok := pairs[inv.Index]; ok {
			comp := ops[pos[ci]]
			t.Complete, t.Op, t.Type = ci, comp, comp.Type
			if comp.Type == history.OK {
				src = comp
			}
		}
		mops, err := parseMops(src.Value)
		if err != nil {
			return nil, fmt.Errorf("op %d: %w", src.Index, err)
		}
		t.Mops = mops
		out = append(out, t)
	}
	return out, nil
}

func parseMops(v any) ([]Mop, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("a transaction's value is %s, not a list of micro-ops", edn.String(v))
	}
	mops := make([]Mop, len(list))
	for i, x := range list {
		m, ok := x.([]any)
		if !ok || len(m) != 3 {
			return nil, fmt.Errorf("micro-op %s is not [f key value]", edn.String(x))
		}
		f, ok := m[0].(edn.Keyword)
		if !ok || (f != "r" && f != "w" && f != "append") {
			return nil, fmt.Errorf("micro-op %s has an unknown function", edn.String(x))
		}
		mops[i] = Mop{F: string(f), Key: m[1], Value: m[2]}
	}
	return mops, nil
}

// key is the identity of a key or value: its EDN text.
func key(v any) string { return edn.String(v) }
