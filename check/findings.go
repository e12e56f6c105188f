package check

import "github.com/eddy-workbench/eddy/edn"

// Findings are what a workload's checker found. Each workload has its own
// type, which a caller gets at with a type switch or assertion:
//
//	workload                          findings
//	echo                              *Echo
//	unique-ids                        *UniqueIDs
//	broadcast, g-set                  *SetFull
//	g-counter, pn-counter             *Counter
//	kafka                             *Kafka
//	lin-kv                            *LinKV
//	txn-rw-register, txn-list-append  *Txn
type Findings interface {
	// Verdict is the workload checker's own verdict (results.edn's
	// :workload :valid?).
	Verdict() Verdict
	// EDN renders the findings as results.edn's :workload map, in
	// Maelstrom's shape.
	EDN() *edn.Map
}

func kw(s string) edn.Keyword { return edn.Keyword(s) }

// opsEDN renders ops as a vector of op maps.
func opsEDN(ops []Op) []any {
	out := make([]any, len(ops))
	for i, o := range ops {
		out[i] = o.EDN()
	}
	return out
}

// opEDN renders an optional op: its map, or nil.
func opEDN(o *Op) any {
	if o == nil {
		return nil
	}
	return o.EDN()
}
