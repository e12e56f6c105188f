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
