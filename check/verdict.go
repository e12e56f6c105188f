// Package check holds what eddy's checkers conclude about a run, as typed
// values: the verdict, the figures every run has (operation counts,
// availability, messages per operation, latency quantiles), each
// workload's findings, and the operations of the history they refer to.
//
// A run's results.edn and results.json are rendered from these values; a
// Go test of a node reads them from runner.Result instead of walking the
// results map.
package check

import "github.com/eddy-workbench/eddy/edn"

// Verdict is a checker's conclusion: valid, invalid, or unknown (the
// checker could not decide, or the run did not complete).
type Verdict int

// The verdicts, ordered so that merging keeps the worst: invalid beats
// unknown, which beats valid.
const (
	Valid Verdict = iota
	Unknown
	Invalid
)

// String is "valid", "invalid" or "unknown".
func (v Verdict) String() string {
	switch v {
	case Valid:
		return "valid"
	case Invalid:
		return "invalid"
	default:
		return "unknown"
	}
}

// EDN is the verdict as results.edn writes it under :valid?: true, false,
// or the keyword :unknown.
func (v Verdict) EDN() any {
	switch v {
	case Valid:
		return true
	case Invalid:
		return false
	default:
		return edn.Keyword("unknown")
	}
}

// Merge combines verdicts as Jepsen's merge-valid does: invalid if any is
// invalid, else unknown if any is unknown, else valid. No verdicts at all
// merge to Valid.
func Merge(vs ...Verdict) Verdict {
	out := Valid
	for _, v := range vs {
		out = max(out, v)
	}
	return out
}

// VerdictOf maps a :valid? value to a verdict: true is Valid, false
// Invalid, and anything else (:unknown, a missing value) Unknown.
func VerdictOf(v any) Verdict {
	switch v {
	case true:
		return Valid
	case false:
		return Invalid
	default:
		return Unknown
	}
}
