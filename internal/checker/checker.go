// Package checker holds Maelstrom's generic checkers and their composition,
// as pure functions from a history (and the network's counters) to EDN
// result maps shaped like those in Maelstrom's results.edn.
package checker

import (
	"slices"
	"strconv"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/edn"
)

// ValidityOf reads a result's :valid?. A missing or unrecognised value
// counts as Unknown (Jepsen would throw, which also ends as :unknown).
func ValidityOf(result *edn.Map) check.Verdict {
	v, _ := result.Get(kw("valid?"))
	return check.VerdictOf(v)
}

// Compose returns a copy of results (a map of checker names to their result
// maps) with :valid? added last: the merge of every entry's :valid?. An
// existing :valid? entry is replaced; an entry that is not a map counts as
// Unknown.
func Compose(results *edn.Map) *edn.Map {
	out := edn.NewMap()
	var vs []check.Verdict
	results.Each(func(k, v any) {
		if k == kw("valid?") {
			return
		}
		out.Set(k, v)
		m, ok := v.(*edn.Map)
		if !ok {
			vs = append(vs, check.Unknown)
			return
		}
		vs = append(vs, ValidityOf(m))
	})
	out.Set(kw("valid?"), check.Merge(vs...).EDN())
	return out
}

func kw(s string) edn.Keyword { return edn.Keyword(s) }

// float32Value is f as Clojure's (float x) prints it: rounded to single
// precision, then held as the float64 with the same shortest decimal form,
// e.g. 2/3 → 0.6666667.
func float32Value(f float32) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(float64(f), 'g', -1, 32), 64)
	return v
}

// sortedKeys returns the keys of m ordered as Clojure orders strings.
func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.SortFunc(ks, compareStrings)
	return ks
}
