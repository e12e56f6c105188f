// Package crdt holds the state-based replicated data types of the g-set and
// pn-counter nodes, and the gossip that spreads them.
//
// Both types are instances of one join-semilattice, MaxMap: a map from
// string keys to integers whose join takes, key by key, the larger value.
// A grow-only set is a MaxMap whose keys are the elements (each held at 1);
// a PN-counter is a MaxMap with two keys per node, the total that node has
// added and the total it has subtracted, each only ever growing. Because
// the join is commutative, associative and idempotent, replicas that have
// received the same updates hold the same state whatever the order of
// delivery and however often a delivery was repeated.
//
// Gossip spreads a MaxMap between nodes, either as full state or as deltas
// (only what a peer may lack, resent until acknowledged). Every type here
// is pure: no goroutines, clock or I/O.
package crdt

import (
	"maps"
	"slices"
)

// Entry is one key of a MaxMap and its value.
type Entry struct {
	Key string
	Val int64
}

// MaxMap is a map from keys to integers, joined key by key with max. A key
// that is absent behaves as 0, so entries at 0 or below carry nothing and
// are never stored. The zero value is an empty map, ready to use.
type MaxMap struct {
	m map[string]int64
}

// Get returns the value of key (0 when absent).
func (x *MaxMap) Get(key string) int64 { return x.m[key] }

// Len returns the number of keys above 0.
func (x *MaxMap) Len() int { return len(x.m) }

// Raise sets key to val if that is larger than its value, and reports
// whether it was.
func (x *MaxMap) Raise(key string, val int64) bool {
	if val <= x.m[key] {
		return false
	}
	if x.m == nil {
		x.m = map[string]int64{}
	}
	x.m[key] = val
	return true
}

// Merge joins other into x and returns the keys whose value rose, sorted.
func (x *MaxMap) Merge(other *MaxMap) []string {
	var raised []string
	for k, v := range other.m {
		if x.Raise(k, v) {
			raised = append(raised, k)
		}
	}
	slices.Sort(raised)
	return raised
}

// MergeEntries joins a list of entries into x (duplicates and entries at 0
// or below are harmless) and returns the keys whose value rose, in the
// order of entries.
func (x *MaxMap) MergeEntries(es []Entry) []string {
	var raised []string
	for _, e := range es {
		if x.Raise(e.Key, e.Val) {
			raised = append(raised, e.Key)
		}
	}
	return raised
}

// Entries returns every entry, sorted by key.
func (x *MaxMap) Entries() []Entry {
	out := make([]Entry, 0, len(x.m))
	for _, k := range slices.Sorted(maps.Keys(x.m)) {
		out = append(out, Entry{k, x.m[k]})
	}
	return out
}

// Keys returns every key, sorted.
func (x *MaxMap) Keys() []string { return slices.Sorted(maps.Keys(x.m)) }

// Clone returns an independent copy.
func (x *MaxMap) Clone() *MaxMap { return &MaxMap{m: maps.Clone(x.m)} }

// Equal reports whether x and y hold the same entries.
func (x *MaxMap) Equal(y *MaxMap) bool { return maps.Equal(x.m, y.m) }

// Join returns the join of x and y as a new map; neither is changed.
func Join(x, y *MaxMap) *MaxMap {
	z := x.Clone()
	z.Merge(y)
	return z
}
