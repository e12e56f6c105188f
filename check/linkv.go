package check

import "github.com/eddy-workbench/eddy/edn"

// LinKV is what the lin-kv checker found: whether each key's history is
// linearizable against a compare-and-set register that starts empty.
type LinKV struct {
	Valid Verdict
	// Keys are the results of every key, ordered by the key's EDN text.
	Keys []LinKVKey
	// Failures are the keys found not linearizable, in the same order.
	Failures []any
}

// LinKVKey is the result of one key.
type LinKVKey struct {
	Key     any // an EDN value (an integer, as the workload uses them)
	Valid   Verdict
	OpCount int // the key's operations that the check considered
	// LongestLinearizable is, when the key is not linearizable, how many
	// of its operations the longest linearizable prefix covers, and
	// Explanation says so in words.
	LongestLinearizable int
	Explanation         string
	// Error, when the verdict is unknown, says why (the search gave up).
	Error string
}

// Verdict is the lin-kv checker's verdict: the merge of every key's.
func (l *LinKV) Verdict() Verdict { return l.Valid }

// EDN is {:valid? :results {key {:op-count :valid? ...}} :failures [key
// ...]}.
func (l *LinKV) EDN() *edn.Map {
	results := edn.NewMap()
	for _, k := range l.Keys {
		r := edn.NewMap(kw("op-count"), k.OpCount)
		switch k.Valid {
		case Invalid:
			r.Set(kw("longest-linearizable"), k.LongestLinearizable)
			r.Set(kw("explanation"), k.Explanation)
		case Unknown:
			r.Set(kw("error"), k.Error)
		}
		r.Set(kw("valid?"), k.Valid.EDN())
		results.Set(k.Key, r)
	}
	failures := append([]any{}, l.Failures...)
	return edn.NewMap(kw("valid?"), l.Valid.EDN(), kw("results"), results, kw("failures"), failures)
}
