package elle

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/history"
)

// Options configure a check.
type Options struct {
	// Models are the consistency models the history must satisfy
	// (default strict-serializable).
	Models []string
	// ListAppend selects the list-append analysis; otherwise rw-register.
	ListAppend bool
	// SCCTimeout bounds the cycle search in each strongly connected
	// component (default 1 s, as Elle); a search that runs out reports
	// :cycle-search-timeout.
	SCCTimeout time.Duration
}

// unknownTypes make a result :unknown rather than false.
var unknownTypes = map[string]bool{"empty-transaction-graph": true, "cycle-search-timeout": true}

// Result is what a check found.
type Result struct {
	// Anomalies holds every case found, by anomaly type, including types
	// the models allow.
	Anomalies map[string][]check.TxnAnomaly
	// Prohibited are the anomaly types the models rule out.
	Prohibited map[string]bool
	// Txns, Edges and SCCs describe the transaction graph.
	Txns, Edges, SCCs int
}

// Check analyses a transactional history.
func Check(ops []history.Op, opt Options) (*Result, error) {
	if len(opt.Models) == 0 {
		opt.Models = []string{"strict-serializable"}
	}
	if err := ValidateModels(opt.Models); err != nil {
		return nil, err
	}
	if opt.SCCTimeout <= 0 {
		opt.SCCTimeout = time.Second
	}
	txns, err := Txns(ops)
	if err != nil {
		return nil, err
	}
	prohibited := Prohibited(opt.Models)
	a := newAnalysis(txns)
	if opt.ListAppend {
		a.listAppend()
	} else {
		a.rwRegister()
	}
	reportable := func(types ...string) bool {
		for _, t := range types {
			if prohibited[t] || unknownTypes[t] {
				return true
			}
		}
		return false
	}
	proc := reportable(variantNames("-process")...)
	rt := reportable(variantNames("-realtime")...)
	if rt {
		a.realtimeEdges()
	} else if proc {
		a.processEdges()
	}
	if a.g.Edges() == 0 {
		a.add(check.TxnAnomaly{Type: "empty-transaction-graph"})
	}
	sccs := a.g.SCCs(WW|WR|RW|Process|Realtime, nil)
	for _, scc := range sccs {
		a.cycles(scc, opt.SCCTimeout)
	}
	return &Result{Anomalies: a.anomalies, Prohibited: prohibited, Txns: len(a.oks), Edges: a.g.Edges(), SCCs: len(sccs)}, nil
}

// Findings are the result as Elle's checker reports it: the verdict, and
// when something worth reporting was found the reportable anomaly types
// (prohibited, or making the verdict unknown) with up to maxExamples cases
// each (0: 32) and their counts, and the models every anomaly found rules
// out (Not, AlsoNot).
func (r *Result) Findings(maxExamples int) *check.Txn {
	if maxExamples <= 0 {
		maxExamples = 32
	}
	var all, report []string
	bad := false
	for t := range r.Anomalies {
		all = append(all, t)
		if r.Prohibited[t] || unknownTypes[t] {
			report = append(report, t)
			bad = bad || r.Prohibited[t]
		}
	}
	slices.Sort(report)
	out := &check.Txn{Valid: check.Valid}
	if len(report) == 0 {
		return out
	}
	out.Valid = check.Unknown
	if bad {
		out.Valid = check.Invalid
	}
	out.AnomalyTypes = report
	for _, t := range report {
		cases := r.Anomalies[t]
		list := check.TxnAnomalies{Type: t, Count: len(cases)}
		if t != "empty-transaction-graph" {
			list.Cases = cases[:min(len(cases), maxExamples)]
		}
		out.Anomalies = append(out.Anomalies, list)
	}
	out.Not, out.AlsoNot = Boundary(all)
	return out
}

// analysis is the state of one check: the committed transactions (the
// graph's vertices), the graph, why each edge exists, and what was found.
type analysis struct {
	txns      []Txn
	oks       []*Txn
	g         *Graph
	why       map[whyKey]reason
	anomalies map[string][]check.TxnAnomaly
	appends   bool // list-append: versions are elements appended
}

type whyKey struct {
	from, to int32
	rel      Rel
}

// reason says why one edge exists: the key, and the values involved (for ww
// and rw, the version v1 and the next version v2; for wr, the value read).
type reason struct {
	key, v1, v2 any
	initial     bool // v1 is the initial state
}

func newAnalysis(txns []Txn) *analysis {
	a := &analysis{txns: txns, why: map[whyKey]reason{}, anomalies: map[string][]check.TxnAnomaly{}}
	for i := range txns {
		if txns[i].Type == history.OK {
			a.oks = append(a.oks, &txns[i])
		}
	}
	a.g = NewGraph(len(a.oks))
	return a
}

func (a *analysis) add(c check.TxnAnomaly) { a.anomalies[c.Type] = append(a.anomalies[c.Type], c) }

// futureReads reports reads of an ok transaction that observe a value (or,
// for lists, an element) the transaction itself writes only later: a
// trivial cycle, as Elle calls it.
func (a *analysis) futureReads(t *Txn) {
	for i, m := range t.Mops {
		if !m.IsRead() {
			continue
		}
		seen := map[string]bool{}
		if list, isList := m.Value.([]any); isList && a.appends {
			for _, e := range list {
				seen[key(e)] = true
			}
		} else if m.Value != nil {
			seen[key(m.Value)] = true
		}
		for _, later := range t.Mops[i+1:] {
			if !later.IsRead() && key(later.Key) == key(m.Key) && seen[key(later.Value)] {
				a.add(check.TxnAnomaly{Type: "future-read", Op: &t.Op, Mop: m.EDN(), Write: later.EDN(),
					Explanation: fmt.Sprintf("op %d read key %s as %s, showing %s, which the same transaction writes only later", t.Op.Index, edn.String(m.Key), edn.String(m.Value), edn.String(later.Value))})
				break
			}
		}
	}
}

// link adds an edge with its reason (the first reason given is kept).
func (a *analysis) link(from, to int, rel Rel, r reason) {
	if a.g.Link(from, to, rel) {
		a.why[whyKey{int32(from), int32(to), rel}] = r
	}
}

// processEdges orders each process's committed transactions.
func (a *analysis) processEdges() {
	last := map[int]int{}
	for i, t := range a.oks {
		if p, ok := last[t.Process]; ok {
			a.link(p, i, Process, reason{})
		}
		last[t.Process] = i
	}
}

// realtimeEdges orders T1 before T2 when T1 completed before T2 was
// invoked, keeping only edges from the latest such transactions (the
// rest follow by transitivity).
func (a *analysis) realtimeEdges() {
	type event struct {
		index  int
		txn    int
		invoke bool
	}
	var evs []event
	for i, t := range a.oks {
		evs = append(evs, event{t.Invoke, i, true}, event{t.Complete, i, false})
	}
	slices.SortFunc(evs, func(x, y event) int { return x.index - y.index })
	frontier := map[int]bool{}
	preds := map[int][]int{}
	for _, e := range evs {
		if e.invoke {
			for p := range frontier {
				preds[e.txn] = append(preds[e.txn], p)
			}
			continue
		}
		for _, p := range preds[e.txn] {
			delete(frontier, p)
			a.link(p, e.txn, Realtime, reason{})
		}
		frontier[e.txn] = true
	}
}

// The cycle specifications, worst first, as Elle orders them.
var baseSpecs = []spec{
	{name: "G0", plain: WW},
	{name: "G1c", plain: WW | WR, required: WR},
	{name: "G-single", plain: WW | WR, rw: oneRW},
	{name: "G-nonadjacent", plain: WW | WR, rw: nonadjacentRW},
	{name: "G2-item", plain: WW | WR, rw: adjacentRW},
}

func variantNames(suffix string) []string {
	var out []string
	for _, s := range baseSpecs {
		out = append(out, s.name+suffix)
	}
	return out
}

func allSpecs() []spec {
	out := append([]spec(nil), baseSpecs...)
	for _, v := range []struct {
		rel    Rel
		suffix string
	}{{Process, "-process"}, {Realtime, "-realtime"}} {
		for _, s := range baseSpecs {
			s.name += v.suffix
			s.plain |= v.rel
			s.variant = v.rel
			out = append(out, s)
		}
	}
	return out
}

// cycles searches one strongly connected component for each kind of cycle,
// worst first, skipping kinds already implied by what was found.
func (a *analysis) cycles(scc []int, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	var found []string
	var searched []string
	for _, sp := range allSpecs() {
		if impliedBySet(found)[sp.name] {
			continue
		}
		searched = append(searched, sp.name)
		cycle, ok, timedOut := a.g.search(scc, sp, deadline)
		if timedOut {
			a.add(check.TxnAnomaly{
				Type:           "cycle-search-timeout",
				SpecType:       sp.name,
				DoesNotContain: without(searched[:len(searched)-1], found),
				SCCSize:        len(scc),
			})
			return
		}
		if ok {
			found = append(found, sp.name)
			a.add(a.explainCycle(sp.name, cycle))
		}
	}
}

// without is names less those in except.
func without(names, except []string) []string {
	out := []string{}
	for _, n := range names {
		if !slices.Contains(except, n) {
			out = append(out, n)
		}
	}
	return out
}

// explainCycle describes a cycle as Elle does (its transactions and the
// step from each to the next), with an explanation a person can follow.
func (a *analysis) explainCycle(typ string, cycle []step) check.TxnAnomaly {
	ops := make([]check.Op, 0, len(cycle)+1)
	steps := make([]check.TxnStep, 0, len(cycle))
	name := map[int]string{}
	var lets, thens []string
	for _, s := range cycle {
		if _, ok := name[s.from]; !ok {
			name[s.from] = fmt.Sprintf("T%d", len(name)+1)
			lets = append(lets, fmt.Sprintf("  %s = %s", name[s.from], edn.String(a.oks[s.from].Op.EDN())))
		}
		ops = append(ops, a.oks[s.from].Op)
	}
	ops = append(ops, a.oks[cycle[0].from].Op)
	for i, s := range cycle {
		r := a.why[whyKey{int32(s.from), int32(s.to), s.rel}]
		st := check.TxnStep{Rel: s.rel.String()}
		t1, t2 := name[s.from], name[s.to]
		var because string
		switch s.rel {
		case WW:
			st.Key, st.Value, st.NewValue = r.key, r.v1, r.v2
			because = fmt.Sprintf("%s set key %s to %s, and %s set it to %s, the next version", t1, edn.String(r.key), edn.String(r.v1), t2, edn.String(r.v2))
			if a.appends {
				because = fmt.Sprintf("%s appended %s to key %s, and %s appended %s, the next element", t1, edn.String(r.v1), edn.String(r.key), t2, edn.String(r.v2))
			}
		case WR:
			st.Key, st.Value = r.key, r.v1
			because = fmt.Sprintf("%s set key %s to %s, and %s read that version", t1, edn.String(r.key), edn.String(r.v1), t2)
			if a.appends {
				because = fmt.Sprintf("%s appended %s to key %s, and %s read a list of it ending there", t1, edn.String(r.v1), edn.String(r.key), t2)
			}
		case RW:
			st.Key, st.Value, st.NewValue = r.key, r.v1, r.v2
			read := edn.String(r.v1)
			if r.initial {
				read = "its initial state (" + read + ")"
			}
			because = fmt.Sprintf("%s read key %s as %s, and %s set it to %s, the next version", t1, edn.String(r.key), read, t2, edn.String(r.v2))
			if a.appends {
				if r.initial {
					read = "empty"
				} else {
					read = "ending with " + edn.String(r.v1)
				}
				because = fmt.Sprintf("%s read key %s %s, and %s appended %s, the next element", t1, edn.String(r.key), read, t2, edn.String(r.v2))
			}
		case Process:
			because = fmt.Sprintf("%s and %s ran on process %d, %s first", t1, t2, a.oks[s.from].Process, t1)
		case Realtime:
			because = fmt.Sprintf("%s completed (op %d) before %s was invoked (op %d)", t1, a.oks[s.from].Complete, t2, a.oks[s.to].Invoke)
		}
		steps = append(steps, st)
		if i == len(cycle)-1 {
			thens = append(thens, fmt.Sprintf("  - However, %s < %s, because %s: a contradiction!", t1, t2, because))
		} else {
			thens = append(thens, fmt.Sprintf("  - %s < %s, because %s.", t1, t2, because))
		}
	}
	text := "Let:\n" + strings.Join(lets, "\n") + "\n\nThen:\n" + strings.Join(thens, "\n")
	return check.TxnAnomaly{Type: typ, Cycle: ops, Steps: steps, Explanation: text}
}
