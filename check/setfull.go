package check

import (
	"time"

	"github.com/eddy-workbench/eddy/edn"
)

// SetFull is what the set-full checker found for the broadcast and g-set
// workloads: the fate of every element added. An element is stable once
// every later read contains it, lost if the reads stopped containing it
// for good, and never read otherwise.
type SetFull struct {
	Valid Verdict
	// Attempts is how many elements were added (:attempt-count), Stable
	// how many of them became stable.
	Attempts, Stable int64
	// Lost, NeverRead and Stale are elements (EDN values: the integers
	// the workload added), sorted. Stale elements are the stable ones
	// that took a while to become so.
	Lost, NeverRead, Stale []any
	// WorstStale are up to 8 of the stale elements, the slowest first.
	WorstStale []StaleElement
	// StableLatencies and LostLatencies are quantiles, over the stable
	// and the lost elements, of how long after an add was known each
	// element was present in every read (resp. absent from every read),
	// in whole milliseconds. Count is zero when there were none.
	StableLatencies, LostLatencies Latencies
	// DuplicatedCount is how many elements some read returned more than
	// once; Duplicated lists (up to 48 of) them, with the most copies one
	// read held, sorted by element. Maelstrom does not look for these;
	// they make the verdict invalid only under --strict.
	DuplicatedCount int64
	Duplicated      []ElementCount
	// Convergence is eddy's check that every node's final reads hold
	// every acknowledged element (nil if it was not run).
	Convergence *SetConvergence
}

// StaleElement is a stable element that took a while to become so: the
// op that made it known (the add's completion, or the first read that
// saw it), the last read that missed it, and the time in between (whole
// milliseconds).
type StaleElement struct {
	Element           any
	Latency           time.Duration
	Known, LastAbsent Op
}

// ElementCount is an element and a number of copies.
type ElementCount struct {
	Element any
	Count   int64
}

// Verdict is the set-full verdict: invalid if an element was lost (or,
// under --strict, duplicated or not held by every node at the end), else
// unknown if none is stable, else valid.
func (s *SetFull) Verdict() Verdict { return s.Valid }

// EDN is Jepsen's set-full result as Maelstrom writes it: {:valid?
// :attempt-count :stable-count :lost-count :lost :never-read-count
// :never-read :stale-count :stale :worst-stale :stable-latencies
// :lost-latencies :duplicated-count :duplicated :convergence}; each latencies map is
// {0 p50 0.95 0.99 1} in milliseconds, present only when it has values.
func (s *SetFull) EDN() *edn.Map {
	worst := []any{}
	for _, w := range s.WorstStale {
		worst = append(worst, edn.NewMap(
			kw("element"), w.Element,
			kw("outcome"), kw("stable"),
			kw("stable-latency"), w.Latency.Milliseconds(),
			kw("lost-latency"), nil,
			kw("known"), w.Known.EDN(),
			kw("last-absent"), w.LastAbsent.EDN(),
		))
	}
	m := edn.NewMap(
		kw("valid?"), s.Valid.EDN(),
		kw("attempt-count"), s.Attempts,
		kw("stable-count"), s.Stable,
		kw("lost-count"), int64(len(s.Lost)),
		kw("lost"), append([]any{}, s.Lost...),
		kw("never-read-count"), int64(len(s.NeverRead)),
		kw("never-read"), append([]any{}, s.NeverRead...),
		kw("stale-count"), int64(len(s.Stale)),
		kw("stale"), append([]any{}, s.Stale...),
		kw("worst-stale"), worst,
	)
	if s.StableLatencies.Count > 0 {
		m.Set(kw("stable-latencies"), quantilesEDN(s.StableLatencies))
	}
	if s.LostLatencies.Count > 0 {
		m.Set(kw("lost-latencies"), quantilesEDN(s.LostLatencies))
	}
	dups := edn.NewMap()
	for _, d := range s.Duplicated {
		dups.Set(d.Element, d.Count)
	}
	m.Set(kw("duplicated-count"), s.DuplicatedCount)
	m.Set(kw("duplicated"), dups)
	if s.Convergence != nil {
		m.Set(kw("convergence"), s.Convergence.EDN())
	}
	return m
}

// quantilesEDN is {0 min, 0.5 p50, 0.95 p95, 0.99 p99, 1 max} in whole
// milliseconds.
func quantilesEDN(l Latencies) *edn.Map {
	return edn.NewMap(
		int64(0), l.Min.Milliseconds(),
		0.5, l.P50.Milliseconds(),
		0.95, l.P95.Milliseconds(),
		0.99, l.P99.Milliseconds(),
		int64(1), l.Max.Milliseconds(),
	)
}
