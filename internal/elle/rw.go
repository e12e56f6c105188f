package elle

import (
	"fmt"
	"slices"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/history"
)

// extReads are a transaction's external reads: per key, the value of its
// first read, if it read the key before writing it. extWrites are its
// external writes: per key, the last value it wrote.
func extReadsWrites(t *Txn) (reads, writes map[string]Mop) {
	reads, writes = map[string]Mop{}, map[string]Mop{}
	for _, m := range t.Mops {
		k := key(m.Key)
		if m.IsRead() {
			if _, w := writes[k]; !w {
				if _, r := reads[k]; !r {
					reads[k] = m
				}
			}
			continue
		}
		writes[k] = m
	}
	return reads, writes
}

// rwRegister runs the rw-register analysis, as Elle's with writes-follow-
// reads version orders only (Maelstrom's choice): the non-cycle anomalies,
// the version graphs, and the ww, wr and rw edges between committed
// transactions.
func (a *analysis) rwRegister() {
	failed := map[[2]string]*Txn{}       // (key, value) written by a failed txn
	intermediate := map[[2]string]*Txn{} // (key, value) a txn overwrote itself
	for i := range a.txns {
		t := &a.txns[i]
		last := map[string]string{}
		for _, m := range t.Mops {
			if m.IsRead() {
				continue
			}
			k, v := key(m.Key), key(m.Value)
			if t.Type == history.Fail {
				failed[[2]string{k, v}] = t
			}
			if prev, ok := last[k]; ok {
				intermediate[[2]string{k, prev}] = t
			}
			last[k] = v
		}
	}

	type kv = [2]string
	writer := map[kv]int{}    // external writer, among committed txns
	readers := map[kv][]int{} // external readers, among committed txns
	values := map[string]map[string]any{}
	version := func(k string, kk, v any) {
		if v == nil {
			return
		}
		if values[k] == nil {
			values[k] = map[string]any{}
		}
		values[k][key(v)] = v
	}
	keys := map[string]any{}
	type lostKey struct{ k, v string }
	lost := map[lostKey][]*Txn{}
	var lostOrder []lostKey
	// writes-follow-reads: per key, v1 → v2
	wfrs := map[string][]order{}
	for i, t := range a.oks {
		a.internal(t)
		a.futureReads(t)
		for _, m := range t.Mops {
			if !m.IsRead() || m.Value == nil {
				continue
			}
			kvv := kv{key(m.Key), key(m.Value)}
			if w, ok := failed[kvv]; ok {
				a.add(check.TxnAnomaly{Type: "G1a", Op: &t.Op, Mop: m.EDN(), Writer: &w.Op,
					Explanation: fmt.Sprintf("op %d read key %s = %s, which only op %d wrote, a transaction that failed", t.Op.Index, edn.String(m.Key), edn.String(m.Value), w.Op.Index)})
			}
			if w, ok := intermediate[kvv]; ok && w != t {
				a.add(check.TxnAnomaly{Type: "G1b", Op: &t.Op, Mop: m.EDN(), Writer: &w.Op,
					Explanation: fmt.Sprintf("op %d read key %s = %s, which op %d wrote and then overwrote in the same transaction: an intermediate state", t.Op.Index, edn.String(m.Key), edn.String(m.Value), w.Op.Index)})
			}
		}
		reads, writes := extReadsWrites(t)
		for k, r := range reads {
			keys[k] = r.Key
			readers[kv{k, key(r.Value)}] = append(readers[kv{k, key(r.Value)}], i)
			version(k, r.Key, r.Value)
			if w, ok := writes[k]; ok {
				lk := lostKey{k, key(r.Value)}
				if lost[lk] == nil {
					lostOrder = append(lostOrder, lk)
				}
				lost[lk] = append(lost[lk], t)
				// A txn that read the value it writes says nothing of the
				// order (that read is a future read).
				if r.Value != nil && key(r.Value) != key(w.Value) {
					wfrs[k] = append(wfrs[k], order{r.Value, w.Value})
				}
			}
		}
		for k, w := range writes {
			keys[k] = w.Key
			if _, dup := writer[kv{k, key(w.Value)}]; !dup {
				writer[kv{k, key(w.Value)}] = i
			}
			version(k, w.Key, w.Value)
		}
	}
	// Indeterminate transactions' writes may have happened: their values
	// are versions too (initial state precedes them), though no edge can
	// reach them.
	for i := range a.txns {
		if t := &a.txns[i]; t.Type == history.Info {
			_, writes := extReadsWrites(t)
			for k, w := range writes {
				keys[k] = w.Key
				version(k, w.Key, w.Value)
			}
		}
	}
	for _, lk := range lostOrder {
		if ts := lost[lk]; len(ts) > 1 {
			ops := make([]check.Op, len(ts))
			for i, t := range ts {
				ops[i] = t.Op
			}
			a.add(check.TxnAnomaly{Type: "lost-update", Key: keys[lk.k], Value: ts[0].readOf(lk.k), Txns: ops,
				Explanation: fmt.Sprintf("%d committed transactions read key %s = %s and then wrote it: each overwrote a version the others' updates were based on", len(ts), edn.String(keys[lk.k]), edn.String(ts[0].readOf(lk.k)))})
		}
	}

	// The version graph of each key: the initial state before every
	// version, and writes-follow-reads, kept only if it leaves the key's
	// order acyclic.
	sortedKeys := make([]string, 0, len(keys))
	for k := range keys {
		sortedKeys = append(sortedKeys, k)
	}
	slices.Sort(sortedKeys)
	for _, k := range sortedKeys {
		kk := keys[k]
		vs := values[k]
		next := map[string][]any{} // version → following versions
		nilKey := key(nil)
		for _, v := range vs {
			next[nilKey] = append(next[nilKey], v)
		}
		if cyc := versionCycle(wfrs[k]); cyc != nil {
			a.add(check.TxnAnomaly{Type: "cyclic-versions", Key: kk, SCC: cyc,
				Explanation: fmt.Sprintf("transactions that read key %s and then wrote it order its versions %s in a cycle: no version order fits them all", edn.String(kk), edn.String(cyc))})
		} else {
			for _, e := range wfrs[k] {
				next[key(e.v1)] = append(next[key(e.v1)], e.v2)
			}
		}
		for _, from := range slices.Sorted(mapKeys(next)) {
			var v1 any
			if from != nilKey {
				v1 = vs[from]
			}
			for _, v2 := range next[from] {
				w2, ok := writer[kv{k, key(v2)}]
				if !ok {
					continue
				}
				r := reason{key: kk, v1: v1, v2: v2, initial: from == nilKey}
				if w1, ok := writer[kv{k, from}]; ok {
					a.link(w1, w2, WW, r)
				}
				for _, rd := range readers[kv{k, from}] {
					a.link(rd, w2, RW, r)
				}
			}
		}
		for _, v := range vs {
			w, ok := writer[kv{k, key(v)}]
			if !ok {
				continue
			}
			for _, rd := range readers[kv{k, key(v)}] {
				a.link(w, rd, WR, reason{key: kk, v1: v})
			}
		}
	}
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// readOf returns the value t first read key k as.
func (t *Txn) readOf(k string) any {
	for _, m := range t.Mops {
		if m.IsRead() && key(m.Key) == k {
			return m.Value
		}
	}
	return nil
}

// order says version v1 of a key precedes version v2.
type order struct{ v1, v2 any }

// versionCycle returns the versions of a cycle among the orders, or nil.
func versionCycle(orders []order) []any {
	ids := map[string]int{}
	var vals []any
	id := func(v any) int {
		k := key(v)
		i, ok := ids[k]
		if !ok {
			i = len(vals)
			ids[k] = i
			vals = append(vals, v)
		}
		return i
	}
	type pair struct{ a, b int }
	var pairs []pair
	for _, o := range orders {
		pairs = append(pairs, pair{id(o.v1), id(o.v2)})
	}
	g := NewGraph(len(vals))
	for _, p := range pairs {
		g.Link(p.a, p.b, WW)
	}
	sccs := g.SCCs(WW, nil)
	if len(sccs) == 0 {
		return nil
	}
	out := make([]any, len(sccs[0]))
	for i, v := range sccs[0] {
		out[i] = vals[v]
	}
	return out
}

// internal reports reads of an ok transaction that disagree with what the
// transaction itself wrote or read of that key before.
func (a *analysis) internal(t *Txn) {
	known := map[string]any{}
	for _, m := range t.Mops {
		k := key(m.Key)
		if !m.IsRead() {
			known[k] = m.Value
			continue
		}
		if want, ok := known[k]; ok && key(want) != key(m.Value) {
			a.add(check.TxnAnomaly{Type: "internal", Op: &t.Op, Mop: m.EDN(), Expected: want,
				Explanation: fmt.Sprintf("op %d read key %s = %s, but its own earlier write or read of that key says %s", t.Op.Index, edn.String(m.Key), edn.String(m.Value), edn.String(want))})
		}
		known[k] = m.Value
	}
}
