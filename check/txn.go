package check

import "github.com/eddy-workbench/eddy/edn"

// Txn is what the transaction checker found for the txn-rw-register and
// txn-list-append workloads: the anomalies that the consistency models
// asked for rule out (or that leave the verdict unknown), each case
// explained in words, and the models the anomalies found rule out.
type Txn struct {
	Valid Verdict
	// AnomalyTypes are the types of anomaly reported, sorted: those the
	// models prohibit, and those that make the verdict unknown
	// (empty-transaction-graph, cycle-search-timeout).
	AnomalyTypes []string
	// Anomalies hold, per type in AnomalyTypes order, how many cases were
	// found and the first 32.
	Anomalies []TxnAnomalies
	// Not are the consistency models the anomalies found (reported or
	// not) rule out, and AlsoNot the stronger models that follows for;
	// both sorted.
	Not, AlsoNot []string
	// MismatchedCount counts the ok replies whose micro-ops do not answer
	// the transaction asked (a micro-op dropped or changed), which
	// Maelstrom does not look at; they make the verdict invalid only
	// under --strict. Mismatched are the first 8.
	MismatchedCount int
	Mismatched      []TxnMismatch
	// Error, if set, says why the history could not be checked; the
	// verdict is then unknown.
	Error string
}

// TxnAnomalies are the cases of one type of anomaly.
type TxnAnomalies struct {
	Type  string
	Count int
	Cases []TxnAnomaly
}

// TxnAnomaly is one case of an anomaly, explained in words. Which other
// fields it sets depends on Type:
//
//	G0 G1c G-single G-nonadjacent G2-item (and their -process and
//	-realtime forms)      Cycle Steps: a cycle of dependencies
//	G1a                   Op Mop [Element] Writer: a read of a failed write
//	                      (Element for list-append)
//	G1b                   Op Mop Writer: a read of an intermediate write
//	internal              Op Mop Expected: a read that contradicts the
//	                      transaction's own earlier micro-ops
//	future-read           Op Mop Write: a read of what the transaction
//	                      writes only later
//	duplicate-elements    Op Mop Duplicates: a list read with an element twice
//	lost-update           Key Value Txns: transactions that read the same
//	                      version of a key and all wrote it
//	cyclic-versions       Key SCC: versions of a key ordered in a cycle
//	incompatible-order    Key Values: two reads of a list, neither a
//	                      prefix of the other
//	dirty-update          Key Values: a list in which a failed append
//	                      precedes a committed one
//	cycle-search-timeout  SpecType DoesNotContain SCCSize: a search that
//	                      gave up
//	empty-transaction-graph  no other field: nothing could be ordered
//
// Keys, values and micro-ops ([:r k v], [:w k v], [:append k v]) are EDN
// values.
type TxnAnomaly struct {
	Type        string
	Explanation string
	Op          *Op // the transaction, as completed
	Mop         any
	Writer      *Op
	Element     any
	Duplicates  []any
	Expected    any
	Write       any
	Key         any
	Value       any
	Values      []any
	Txns        []Op
	SCC         []any
	// Cycle are the transactions of a cycle, the first repeated at the
	// end, and Steps the dependency from each to the next.
	Cycle []Op
	Steps []TxnStep
	// A cycle search that gave up: the kind of cycle it looked for, the
	// kinds it had already ruled out, and the size of the component.
	SpecType       string
	DoesNotContain []string
	SCCSize        int
}

// TxnStep is one dependency of a cycle: Rel is "ww" (Key went from Value
// to NewValue, the next version), "wr" (the second read Value of Key, which
// the first wrote), "rw" (the first read Value, and the second wrote
// NewValue, the next version), "process" or "realtime".
type TxnStep struct {
	Rel                  string
	Key, Value, NewValue any
}

// TxnMismatch is an ok reply that does not answer its transaction: the
// completion, the micro-ops asked, and how they differ.
type TxnMismatch struct {
	Op      Op
	Request any
	Why     string
}

// Verdict is the transaction checker's verdict.
func (t *Txn) Verdict() Verdict { return t.Valid }

// EDN is Elle's result as Maelstrom writes it: {:valid? true}, or {:valid?
// :anomaly-types :anomalies {type [case ...]} :anomaly-counts :not
// :also-not}, or {:valid? :unknown :error "..."}; plus eddy's
// :mismatched-count and :mismatched when a reply did not answer its
// transaction.
func (t *Txn) EDN() *edn.Map {
	m := edn.NewMap(kw("valid?"), t.Valid.EDN())
	if t.Error != "" {
		return m.Set(kw("error"), t.Error)
	}
	if len(t.AnomalyTypes) > 0 {
		anomalies, counts := edn.NewMap(), edn.NewMap()
		for _, a := range t.Anomalies {
			counts.Set(kw(a.Type), a.Count)
			if a.Type == "empty-transaction-graph" {
				anomalies.Set(kw(a.Type), true)
				continue
			}
			cases := make([]any, len(a.Cases))
			for i, c := range a.Cases {
				cases[i] = c.EDN()
			}
			anomalies.Set(kw(a.Type), cases)
		}
		m.Set(kw("anomaly-types"), keywords(t.AnomalyTypes))
		m.Set(kw("anomalies"), anomalies)
		m.Set(kw("anomaly-counts"), counts)
		m.Set(kw("not"), edn.Set(keywords(t.Not)))
		m.Set(kw("also-not"), edn.Set(keywords(t.AlsoNot)))
	}
	if t.MismatchedCount > 0 {
		list := make([]any, len(t.Mismatched))
		for i, x := range t.Mismatched {
			list[i] = edn.NewMap(kw("op"), x.Op.EDN(), kw("request"), x.Request, kw("why"), x.Why)
		}
		m.Set(kw("mismatched-count"), t.MismatchedCount)
		m.Set(kw("mismatched"), list)
	}
	return m
}

// EDN renders the case as Elle lists it under :anomalies.
func (a TxnAnomaly) EDN() *edn.Map {
	explain := func(m *edn.Map) *edn.Map { return m.Set(kw("explanation"), a.Explanation) }
	switch a.Type {
	case "G1a":
		m := edn.NewMap(kw("op"), opEDN(a.Op), kw("mop"), a.Mop)
		if a.Element != nil {
			m.Set(kw("element"), a.Element)
		}
		return explain(m.Set(kw("writer"), opEDN(a.Writer)))
	case "G1b":
		return explain(edn.NewMap(kw("op"), opEDN(a.Op), kw("mop"), a.Mop, kw("writer"), opEDN(a.Writer)))
	case "internal":
		return explain(edn.NewMap(kw("op"), opEDN(a.Op), kw("mop"), a.Mop, kw("expected"), a.Expected))
	case "future-read":
		return explain(edn.NewMap(kw("op"), opEDN(a.Op), kw("mop"), a.Mop, kw("write"), a.Write))
	case "duplicate-elements":
		return explain(edn.NewMap(kw("op"), opEDN(a.Op), kw("mop"), a.Mop, kw("duplicates"), a.Duplicates))
	case "lost-update":
		return explain(edn.NewMap(kw("key"), a.Key, kw("value"), a.Value, kw("txns"), opsEDN(a.Txns)))
	case "cyclic-versions":
		return explain(edn.NewMap(kw("key"), a.Key, kw("scc"), a.SCC, kw("sources"), []any{kw("initial-state"), kw("wfr-keys")}))
	case "incompatible-order", "dirty-update":
		return explain(edn.NewMap(kw("key"), a.Key, kw("values"), a.Values))
	case "cycle-search-timeout":
		return edn.NewMap(kw("anomaly-spec-type"), kw(a.SpecType), kw("does-not-contain"), keywords(a.DoesNotContain), kw("scc-size"), a.SCCSize)
	}
	steps := make([]any, len(a.Steps))
	for i, s := range a.Steps {
		st := edn.NewMap(kw("type"), kw(s.Rel))
		switch s.Rel {
		case "ww", "rw":
			st.Set(kw("key"), s.Key).Set(kw("value"), s.Value).Set(kw("value'"), s.NewValue)
		case "wr":
			st.Set(kw("key"), s.Key).Set(kw("value"), s.Value)
		}
		steps[i] = st
	}
	return explain(edn.NewMap(kw("type"), kw(a.Type), kw("cycle"), opsEDN(a.Cycle), kw("steps"), steps))
}
