package elle

import (
	"fmt"
	"slices"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/history"
)

// listAppend runs the list-append analysis: each key's version order is
// the order of its elements in the longest list read (every other read must
// be a prefix of it), and the ww, wr and rw edges follow from where each
// read list ends in that order.
func (a *analysis) listAppend() {
	a.appends = true
	type kv = [2]string
	appender := map[kv]*Txn{} // (key, element) → the txn that appended it
	okIndex := map[*Txn]int{}
	for i, t := range a.oks {
		okIndex[t] = i
	}
	lastAppend := map[*Txn]map[string]string{}
	for i := range a.txns {
		t := &a.txns[i]
		last := map[string]string{}
		for _, m := range t.Mops {
			if m.F == "append" {
				appender[kv{key(m.Key), key(m.Value)}] = t
				last[key(m.Key)] = key(m.Value)
			}
		}
		lastAppend[t] = last
	}

	longest := map[string][]any{} // key → its longest read
	keys := map[string]any{}
	for _, t := range a.oks {
		a.internalAppend(t)
		a.futureReads(t)
		for _, m := range t.Mops {
			if !m.IsRead() {
				continue
			}
			list, _ := m.Value.([]any)
			k := key(m.Key)
			keys[k] = m.Key
			seen := map[string]bool{}
			var dups []any
			for _, e := range list {
				ek := key(e)
				if seen[ek] {
					dups = append(dups, e)
				}
				seen[ek] = true
				if w, ok := appender[kv{k, ek}]; ok && w.Type == history.Fail {
					a.add(check.TxnAnomaly{Type: "G1a", Op: &t.Op, Mop: m.EDN(), Element: e, Writer: &w.Op,
						Explanation: fmt.Sprintf("op %d read key %s as %s, which holds %s, appended by op %d, a transaction that failed", t.Op.Index, edn.String(m.Key), edn.String(m.Value), edn.String(e), w.Op.Index)})
				}
			}
			if len(dups) > 0 {
				a.add(check.TxnAnomaly{Type: "duplicate-elements", Op: &t.Op, Mop: m.EDN(), Duplicates: dups,
					Explanation: fmt.Sprintf("op %d read key %s as %s, which holds %s more than once; every element is appended once", t.Op.Index, edn.String(m.Key), edn.String(m.Value), edn.String(dups))})
			}
			if n := len(list); n > 0 {
				lk := key(list[n-1])
				if w, ok := appender[kv{k, lk}]; ok && w != t && lastAppend[w][k] != lk {
					a.add(check.TxnAnomaly{Type: "G1b", Op: &t.Op, Mop: m.EDN(), Writer: &w.Op,
						Explanation: fmt.Sprintf("op %d read key %s as %s, ending with %s, which op %d appended before appending more to that key in the same transaction: an intermediate state", t.Op.Index, edn.String(m.Key), edn.String(m.Value), edn.String(list[n-1]), w.Op.Index)})
				}
			}
			if len(list) > len(longest[k]) {
				longest[k] = list
			}
		}
	}

	sortedKeys := slices.Sorted(mapKeys(keys))
	position := map[kv]int{} // (key, element) → its place in the order
	for _, k := range sortedKeys {
		for i, e := range longest[k] {
			if _, dup := position[kv{k, key(e)}]; !dup {
				position[kv{k, key(e)}] = i
			}
		}
	}
	// Every read must be a prefix of the key's longest.
	for _, t := range a.oks {
		for _, m := range t.Mops {
			list, _ := m.Value.([]any)
			if m.IsRead() && !isPrefix(list, longest[key(m.Key)]) {
				a.add(check.TxnAnomaly{Type: "incompatible-order", Key: m.Key, Values: []any{list, longest[key(m.Key)]},
					Explanation: fmt.Sprintf("op %d read key %s as %s, which is not a prefix of %s, another read of it: no single order of appends gives both", t.Op.Index, edn.String(m.Key), edn.String(list), edn.String(longest[key(m.Key)]))})
			}
		}
	}
	for _, k := range sortedKeys {
		order := longest[k]
		kk := keys[k]
		failedSeen := false
		for i, e := range order {
			w := appender[kv{k, key(e)}]
			if w == nil {
				continue
			}
			if w.Type == history.Fail {
				failedSeen = true
			} else if failedSeen {
				a.add(check.TxnAnomaly{Type: "dirty-update", Key: kk, Values: order[:i+1],
					Explanation: fmt.Sprintf("key %s reads as %s: an element appended by a failed transaction comes before %s, which a transaction that did not fail appended", edn.String(kk), edn.String(order[:i+1]), edn.String(e))})
				failedSeen = false
			}
			if i == 0 || w.Type != history.OK {
				continue
			}
			if p := appender[kv{k, key(order[i-1])}]; p != nil && p.Type == history.OK {
				a.link(okIndex[p], okIndex[w], WW, reason{key: kk, v1: order[i-1], v2: e})
			}
		}
	}
	// Reads: wr from the appender of the last element, rw to the appender
	// of the next one. Only external reads (before the txn's own appends).
	for i, t := range a.oks {
		appended := map[string]bool{}
		for _, m := range t.Mops {
			k := key(m.Key)
			if m.F == "append" {
				appended[k] = true
				continue
			}
			if appended[k] {
				continue
			}
			list, _ := m.Value.([]any)
			order := longest[k]
			r := reason{key: keys[k], initial: len(list) == 0}
			next := 0
			if n := len(list); n > 0 {
				last := list[n-1]
				r.v1 = last
				if w := appender[kv{k, key(last)}]; w != nil && w.Type == history.OK {
					a.link(okIndex[w], i, WR, reason{key: keys[k], v1: last})
				}
				p, ok := position[kv{k, key(last)}]
				if !ok {
					continue
				}
				next = p + 1
			}
			if next < len(order) {
				r.v2 = order[next]
				if w := appender[kv{k, key(order[next])}]; w != nil && w.Type == history.OK {
					a.link(i, okIndex[w], RW, r)
				}
			}
		}
	}
}

// isPrefix reports whether a is a prefix of b.
func isPrefix(a, b []any) bool {
	if len(a) > len(b) {
		return false
	}
	for i := range a {
		if key(a[i]) != key(b[i]) {
			return false
		}
	}
	return true
}

// internalAppend reports reads of an ok transaction that disagree with its
// own earlier reads and appends of the key: after a read, the key must read
// as that list plus what the txn appended since; after appends alone, it
// must end with them.
func (a *analysis) internalAppend(t *Txn) {
	type state struct {
		known  bool // prefix is the whole list as last read
		prefix []any
		tail   []any // appended since
	}
	st := map[string]*state{}
	for _, m := range t.Mops {
		k := key(m.Key)
		s := st[k]
		if s == nil {
			s = &state{}
			st[k] = s
		}
		if m.F == "append" {
			s.tail = append(s.tail, m.Value)
			continue
		}
		list, _ := m.Value.([]any)
		var want []any
		bad := false
		if s.known {
			want = append(append([]any{}, s.prefix...), s.tail...)
			bad = !sameList(list, want)
		} else if len(s.tail) > 0 {
			want = s.tail
			bad = len(list) < len(s.tail) || !sameList(list[len(list)-len(s.tail):], s.tail)
		}
		if bad {
			a.add(check.TxnAnomaly{Type: "internal", Op: &t.Op, Mop: m.EDN(), Expected: want,
				Explanation: fmt.Sprintf("op %d read key %s as %s, but its own earlier reads and appends of that key imply %s", t.Op.Index, edn.String(m.Key), edn.String(m.Value), describeExpected(s.known, want))})
		}
		s.known, s.prefix, s.tail = true, list, nil
	}
}

func sameList(a, b []any) bool { return len(a) == len(b) && isPrefix(a, b) }

func describeExpected(known bool, want []any) string {
	if known {
		return edn.String(want)
	}
	return "a list ending with " + edn.String(want)
}
