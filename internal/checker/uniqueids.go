package checker

import (
	"cmp"
	"slices"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/history"
)

// maxDuplicatesShown is how many duplicated ids Jepsen lists.
const maxDuplicatesShown = 48

// UniqueIDs is Jepsen's unique-ids checker over the ops with :f :generate,
// rendered as
//
//	{:valid?              no id acknowledged twice
//	 :attempted-count     invocations
//	 :acknowledged-count  :ok completions
//	 :duplicated-count    distinct ids acknowledged more than once
//	 :duplicated          {id count} for the (up to) 48 most frequent of
//	                      those, ordered by id
//	 :range               [lowest highest] of the acknowledged ids}
//
// Ids are compared as Clojure's compare does (numbers numerically, strings
// as strings, vectors by length then elements; nil ids are skipped for
// :range, and [nil nil] means there were none). If they cannot all be
// ordered — strings mixed with numbers, maps — Jepsen's checker throws, and
// the result is {:valid? :unknown :error "..."} instead. Equal ids are those
// with the same EDN text.
func UniqueIDs(ops []history.Op) *check.UniqueIDs {
	type freq struct {
		id any
		n  int64
	}
	var attempted, acked int64
	freqs := map[string]*freq{}
	var order []*freq // first appearance, for deterministic output
	var lo, hi any
	for _, op := range ops {
		if op.F != "generate" {
			continue
		}
		switch op.Type {
		case history.Invoke:
			attempted++
			continue
		case history.OK:
			acked++
		default:
			continue
		}
		id := normalize(op.Value)
		key := edn.String(id)
		f := freqs[key]
		if f == nil {
			f = &freq{id: id}
			freqs[key] = f
			order = append(order, f)
		}
		f.n++
		if id == nil {
			continue
		}
		// Like tesser's range fold: the later of equal ids wins.
		if lo == nil {
			lo, hi = id, id
			continue
		}
		c, err := compareValues(id, lo)
		if err != nil {
			return uniqueIDsError(err)
		}
		if c <= 0 {
			lo = id
		}
		if c, err = compareValues(id, hi); err != nil {
			return uniqueIDsError(err)
		}
		if c >= 0 {
			hi = id
		}
	}

	// Jepsen collects duplicates into a sorted map, which needs them ordered
	// (and merges ids that compare equal, such as 1 and 1.0).
	var dups []*freq
	for _, f := range order {
		if f.n > 1 {
			dups = append(dups, f)
		}
	}
	var sortErr error
	byID := func(a, b *freq) int {
		c, err := compareValues(a.id, b.id)
		if err != nil && sortErr == nil {
			sortErr = err
		}
		return c
	}
	slices.SortStableFunc(dups, byID)
	if sortErr != nil {
		return uniqueIDsError(sortErr)
	}
	merged := dups[:0]
	for _, f := range dups {
		if n := len(merged); n > 0 {
			if c, _ := compareValues(merged[n-1].id, f.id); c == 0 {
				merged[n-1] = &freq{id: merged[n-1].id, n: f.n}
				continue
			}
		}
		merged = append(merged, f)
	}
	dups = merged
	dupCount := int64(len(dups))

	// The most frequent first; among equal counts the greatest id first
	// (Jepsen sorts by count, then reverses). Shown again ordered by id.
	slices.SortStableFunc(dups, func(a, b *freq) int {
		if c := cmp.Compare(b.n, a.n); c != 0 {
			return c
		}
		return byID(b, a)
	})
	dups = dups[:min(len(dups), maxDuplicatesShown)]
	slices.SortStableFunc(dups, byID)
	out := &check.UniqueIDs{
		Valid:           check.VerdictOf(dupCount == 0),
		Attempted:       attempted,
		Acknowledged:    acked,
		DuplicatedCount: dupCount,
		Range:           [2]any{lo, hi},
	}
	for _, f := range dups {
		out.Duplicated = append(out.Duplicated, check.IDCount{ID: f.id, Count: f.n})
	}
	return out
}

func uniqueIDsError(err error) *check.UniqueIDs {
	return &check.UniqueIDs{Valid: check.Unknown, Error: "IDs must be mutually comparable, but " + err.Error()}
}

// normalize gives integers one representation, so that 5 and 5N count as the
// same id, as they do in Clojure.
func normalize(v any) any {
	if n, ok := integer(v); ok {
		return n
	}
	return v
}
