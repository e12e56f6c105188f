package checker

import (
	"math"
	"math/big"
	"slices"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/internal/history"
)

// Counter is Maelstrom's checker for the g-counter and pn-counter workloads.
// Only final reads are checked: every :ok read marked :final? must be a sum
// the history allows, that is the sum of the :ok adds' deltas plus the deltas
// of any subset of the indeterminate (:info) adds. Failed adds and
// intermediate reads play no part.
//
//	{:valid?      every final read acceptable
//	 :errors      the final reads that are not (nil if none)
//	 :final-reads the values of the :ok final reads, in history order
//	 :acceptable  [[lo hi] ...] the acceptable sums as inclusive ranges}
//
// An add's value is its delta and a read's value its integer result. It
// is rendered as the map above.
func Counter(ops []history.Op) *check.Counter {
	acceptable := CounterAcceptable(ops)

	out := &check.Counter{FinalReads: []any{}}
	for _, op := range ops {
		if !op.Final || op.Type != history.OK || !op.IsClient() {
			continue
		}
		out.FinalReads = append(out.FinalReads, op.Value)
		if v, ok := integer(op.Value); !ok || !acceptable.Contains(v) {
			out.Errors = append(out.Errors, op)
		}
	}
	for _, r := range acceptable {
		out.Acceptable = append(out.Acceptable, check.Range{Lo: r[0], Hi: r[1]})
	}
	out.Valid = check.VerdictOf(len(out.Errors) == 0)
	return out
}

// CounterAcceptable is the set of totals a counter history allows: the
// sum of the :ok adds' deltas plus those of any subset of the
// indeterminate (:info) adds.
func CounterAcceptable(ops []history.Op) Ranges {
	var definite int64
	var indefinite []int64
	for _, op := range ops {
		if op.F != "add" || !op.IsClient() {
			continue
		}
		d, ok := integer(op.Value)
		if !ok {
			continue
		}
		switch op.Type {
		case history.OK:
			definite += d
		case history.Info:
			indefinite = append(indefinite, d)
		}
	}
	acceptable := Ranges{{definite, definite}}
	for _, d := range indefinite {
		acceptable = acceptable.WithDelta(d)
	}
	return acceptable
}

// Ranges is a set of integers as sorted, disjoint, non-adjacent inclusive
// ranges [lo, hi].
type Ranges [][2]int64

// WithDelta returns the union of rs and rs shifted by d: the sums reachable
// when one more indeterminate delta d may or may not have been applied.
func (rs Ranges) WithDelta(d int64) Ranges {
	all := make(Ranges, 0, 2*len(rs))
	for _, r := range rs {
		all = append(all, r, [2]int64{satAdd(r[0], d), satAdd(r[1], d)})
	}
	slices.SortFunc(all, func(a, b [2]int64) int {
		switch {
		case a[0] < b[0]:
			return -1
		case a[0] > b[0]:
			return 1
		}
		return 0
	})
	out := all[:1]
	for _, r := range all[1:] {
		last := &out[len(out)-1]
		if r[0] <= satAdd(last[1], 1) {
			last[1] = max(last[1], r[1])
			continue
		}
		out = append(out, r)
	}
	return out
}

// Contains reports whether v is in the set.
func (rs Ranges) Contains(v int64) bool {
	i, _ := slices.BinarySearchFunc(rs, v, func(r [2]int64, v int64) int {
		switch {
		case r[1] < v:
			return -1
		case r[0] > v:
			return 1
		}
		return 0
	})
	return i < len(rs) && rs[i][0] <= v && v <= rs[i][1]
}

// satAdd adds without wrapping around.
func satAdd(a, b int64) int64 {
	s := a + b
	switch {
	case b > 0 && s < a:
		return math.MaxInt64
	case b < 0 && s > a:
		return math.MinInt64
	}
	return s
}

// integer is v as an int64, if it is an integer value that fits: int,
// int64, or a *big.Int in range (Clojure's 5N is 5).
func integer(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int:
		return int64(x), true
	case *big.Int:
		if x != nil && x.IsInt64() {
			return x.Int64(), true
		}
	}
	return 0, false
}
