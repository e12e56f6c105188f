package crdt

import (
	"errors"
	"math"
	"strings"
)

// A grow-only set is a MaxMap whose keys are its elements, each at 1.
// SetAdd and SetElements read and change a MaxMap that way.

// SetAdd adds element e and reports whether it is new.
func SetAdd(m *MaxMap, e string) bool { return m.Raise(e, 1) }

// SetElements returns the elements, sorted.
func SetElements(m *MaxMap) []string { return m.Keys() }

// A PN-counter is a MaxMap holding, for each node, the total it has added
// under PKey(node) and the total it has subtracted under NKey(node); each
// only grows, and the counter's value is the sum of the first less the sum
// of the second.

// PKey is the key of node's additions.
func PKey(node string) string { return "+" + node }

// NKey is the key of node's subtractions.
func NKey(node string) string { return "-" + node }

// ErrOverflow is returned when a change would take a total past what an
// int64 holds.
var ErrOverflow = errors.New("the counter would overflow 64 bits")

// CounterEntry returns the entry that records node adding delta (negative
// to subtract) to m, without changing m. A zero delta needs no entry: ok
// is false.
func CounterEntry(m *MaxMap, node string, delta int64) (e Entry, ok bool, err error) {
	key, d := PKey(node), delta
	if delta < 0 {
		if delta == math.MinInt64 {
			return Entry{}, false, ErrOverflow
		}
		key, d = NKey(node), -delta
	}
	if d == 0 {
		return Entry{}, false, nil
	}
	cur := m.Get(key)
	if cur > math.MaxInt64-d {
		return Entry{}, false, ErrOverflow
	}
	return Entry{key, cur + d}, true, nil
}

// CounterAdd records in m that node added delta, and returns the entry
// that changed, as CounterEntry.
func CounterAdd(m *MaxMap, node string, delta int64) (e Entry, ok bool, err error) {
	e, ok, err = CounterEntry(m, node, delta)
	if ok {
		m.Raise(e.Key, e.Val)
	}
	return e, ok, err
}

// CounterValue returns the counter's value: additions less subtractions.
// It wraps around like int64 arithmetic if the totals are extreme; the
// workload's deltas are small.
func CounterValue(m *MaxMap) int64 {
	var v int64
	for k, x := range m.m {
		switch {
		case strings.HasPrefix(k, "+"):
			v += x
		case strings.HasPrefix(k, "-"):
			v -= x
		}
	}
	return v
}
