package main

import (
	"math"
	"slices"
	"sort"

	"github.com/eddy-workbench/eddy/nodekit"
)

// Set is a set of int64 kept as sorted, disjoint, non-adjacent inclusive
// intervals [lo, hi]. The broadcast workload sends 0, 1, 2, …, so a node's
// values collapse into a handful of intervals however many there are, and
// a whole set usually fits in a few bytes of JSON.
//
// The zero Set is empty. A Set holds a slice: assigning one Set to another
// shares storage, so use Clone for an independent copy. Methods that return
// intervals always return fresh slices.
type Set struct {
	iv [][2]int64
}

// FromIntervals returns the set of every value covered by ivs. The intervals
// may come in any order and may overlap or touch; ones with lo > hi are
// ignored.
func FromIntervals(ivs [][2]int64) Set {
	out := make([][2]int64, 0, len(ivs))
	for _, r := range ivs {
		if r[0] <= r[1] {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b [2]int64) int {
		switch {
		case a[0] < b[0]:
			return -1
		case a[0] > b[0]:
			return 1
		}
		return 0
	})
	return Set{iv: coalesce(out)}
}

// coalesce merges overlapping or adjacent intervals of a slice sorted by lo,
// in place.
func coalesce(iv [][2]int64) [][2]int64 {
	if len(iv) == 0 {
		return nil
	}
	j := 0
	for _, r := range iv[1:] {
		if touches(iv[j], r) {
			iv[j][1] = max(iv[j][1], r[1])
			continue
		}
		j++
		iv[j] = r
	}
	return iv[:j+1]
}

// touches reports whether r, which starts at or after a, overlaps a or
// starts right after it.
func touches(a, r [2]int64) bool {
	return a[1] == math.MaxInt64 || r[0] <= a[1]+1
}

// Clone returns an independent copy of s.
func (s Set) Clone() Set { return Set{iv: slices.Clone(s.iv)} }

// Intervals returns the intervals of s in ascending order.
func (s Set) Intervals() [][2]int64 { return slices.Clone(s.iv) }

// Len is the number of values in s.
func (s Set) Len() int {
	n := 0
	for _, r := range s.iv {
		n += int(r[1]-r[0]) + 1
	}
	return n
}

// Values returns every value of s in ascending order; never nil, so an
// empty set encodes as [] rather than null.
func (s Set) Values() []int64 {
	out := make([]int64, 0, s.Len())
	for _, r := range s.iv {
		for v := r[0]; ; v++ {
			out = append(out, v)
			if v == r[1] {
				break
			}
		}
	}
	return out
}

// search returns the index of the first interval of s ending at or after v
// (len(s.iv) if there is none).
func (s Set) search(v int64) int {
	return sort.Search(len(s.iv), func(i int) bool { return s.iv[i][1] >= v })
}

// Contains reports whether v is in s.
func (s Set) Contains(v int64) bool {
	i := s.search(v)
	return i < len(s.iv) && s.iv[i][0] <= v
}

// Add puts v in s and reports whether it was new.
func (s *Set) Add(v int64) bool {
	iv := s.iv
	i := s.search(v)
	if i < len(iv) && iv[i][0] <= v {
		return false
	}
	// Here every interval before i ends below v and iv[i] starts above v.
	// The comparisons cannot overflow: i > 0 means v > iv[i-1][1] ≥ MinInt64,
	// and i < len(iv) means v < iv[i][0] ≤ MaxInt64.
	left := i > 0 && iv[i-1][1] == v-1
	right := i < len(iv) && iv[i][0] == v+1
	switch {
	case left && right:
		iv[i-1][1] = iv[i][1]
		s.iv = slices.Delete(iv, i, i+1)
	case left:
		iv[i-1][1] = v
	case right:
		iv[i][0] = v
	default:
		s.iv = slices.Insert(iv, i, [2]int64{v, v})
	}
	return true
}

// Union adds every value of o to s and reports whether any was new.
func (s *Set) Union(o Set) bool {
	if _, missing := o.FirstMissing(*s); !missing {
		return false
	}
	merged := make([][2]int64, 0, len(s.iv)+len(o.iv))
	a, b := s.iv, o.iv
	for len(a) > 0 || len(b) > 0 {
		var next [2]int64
		if len(b) == 0 || (len(a) > 0 && a[0][0] <= b[0][0]) {
			next, a = a[0], a[1:]
		} else {
			next, b = b[0], b[1:]
		}
		if k := len(merged) - 1; k >= 0 && touches(merged[k], next) {
			merged[k][1] = max(merged[k][1], next[1])
			continue
		}
		merged = append(merged, next)
	}
	s.iv = merged
	return true
}

// FirstMissing returns the smallest value of s that is not in known; ok is
// false if known holds all of s.
func (s Set) FirstMissing(known Set) (v int64, ok bool) {
	i := s.firstMissingInterval(known)
	if i == len(s.iv) {
		return 0, false
	}
	lo := s.iv[i][0]
	if j := known.search(lo); j < len(known.iv) && known.iv[j][0] <= lo {
		// known covers the start of the interval but, by the choice of i,
		// not its end; known's intervals are non-adjacent, so the value right
		// after this one of known's is missing from it.
		return known.iv[j][1] + 1, true
	}
	return lo, true
}

// firstMissingInterval returns the index of the first interval of s holding a
// value not in known, or len(s.iv).
func (s Set) firstMissingInterval(known Set) int {
	for i, r := range s.iv {
		j := known.search(r[0])
		if j == len(known.iv) || known.iv[j][0] > r[0] || known.iv[j][1] < r[1] {
			return i
		}
	}
	return len(s.iv)
}

// Window returns the intervals of s from the first one holding a value not
// in known, as many as fit in maxBytes of JSON (always at least one). It is
// empty if known holds all of s. A receiver that adds each window to known
// and asks again walks through a set too big for one message.
func (s Set) Window(known Set, maxBytes int) [][2]int64 {
	return s.windowAt(s.firstMissingInterval(known), maxBytes)
}

// WindowFrom returns the intervals of s from the first one ending at or
// after v, as many as fit in maxBytes of JSON (at least one, unless s has no
// value ≥ v).
func (s Set) WindowFrom(v int64, maxBytes int) [][2]int64 {
	return s.windowAt(s.search(v), maxBytes)
}

func (s Set) windowAt(i, maxBytes int) [][2]int64 {
	if i >= len(s.iv) {
		return nil
	}
	b := nodekit.NewBudget(maxBytes, 2) // 2: the outer brackets
	j := i
	for j < len(s.iv) && (b.Add(intervalJSONLen(s.iv[j])) || j == i) {
		j++
	}
	return slices.Clone(s.iv[i:j])
}

// JSONLen is the length of ivs encoded as a JSON array of [lo,hi] pairs.
func JSONLen(ivs [][2]int64) int {
	n := 2
	for i, r := range ivs {
		if i > 0 {
			n++
		}
		n += intervalJSONLen(r)
	}
	return n
}

// intervalJSONLen is the length of "[lo,hi]".
func intervalJSONLen(r [2]int64) int { return digits(r[0]) + digits(r[1]) + 3 }

// digits is the length of v in decimal, with its sign.
func digits(v int64) int {
	n := 1
	if v < 0 {
		n++
		if v == math.MinInt64 {
			return 20
		}
		v = -v
	}
	for v >= 10 {
		v /= 10
		n++
	}
	return n
}
