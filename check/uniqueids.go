package check

import "github.com/eddy-workbench/eddy/edn"

// UniqueIDs is what the unique-ids checker found: ids acknowledged more
// than once.
type UniqueIDs struct {
	Valid        Verdict
	Attempted    int64 // generate requests invoked
	Acknowledged int64 // generate requests that completed ok
	// DuplicatedCount is how many distinct ids were acknowledged more
	// than once; Duplicated lists (up to 48 of) the most frequent of them,
	// ordered by id.
	DuplicatedCount int64
	Duplicated      []IDCount
	// Range is the lowest and highest id acknowledged (nil, nil if none).
	Range [2]any
	// Error, if set, says why the ids could not be checked (they could not
	// all be ordered, as when strings are mixed with numbers); the verdict
	// is then unknown and the other fields are empty.
	Error string
}

// IDCount is an id (an EDN value: a string, an integer, …) and how many
// times it was acknowledged.
type IDCount struct {
	ID    any
	Count int64
}

// Verdict is the unique-ids checker's verdict: valid when no id was
// acknowledged twice.
func (u *UniqueIDs) Verdict() Verdict { return u.Valid }

// EDN is Jepsen's unique-ids result: {:valid? :attempted-count
// :acknowledged-count :duplicated-count :duplicated {id count} :range [lo
// hi]}, or {:valid? :unknown :error "..."}.
func (u *UniqueIDs) EDN() *edn.Map {
	if u.Error != "" {
		return edn.NewMap(kw("valid?"), u.Valid.EDN(), kw("error"), u.Error)
	}
	dups := edn.NewMap()
	for _, d := range u.Duplicated {
		dups.Set(d.ID, d.Count)
	}
	return edn.NewMap(
		kw("valid?"), u.Valid.EDN(),
		kw("attempted-count"), u.Attempted,
		kw("acknowledged-count"), u.Acknowledged,
		kw("duplicated-count"), u.DuplicatedCount,
		kw("duplicated"), dups,
		kw("range"), []any{u.Range[0], u.Range[1]},
	)
}
