// Package repro compares the operation streams of two runs, as a check of
// reproducibility: with the same seed, the k-th main-phase invocation of
// every client process (its f and value) should be the same in both runs.
// Timing may end a process's list sooner in one run than in the other, so
// the positions compared are those both runs reached; a process's lists
// agree when one is a prefix of the other.
//
// The nemesis's partitions are compared the same way, as one list: each
// start-partition's shape (its invocation) and grudge (its completion). Its
// stop-partitions carry nothing to compare, and the last one may be the
// final phase's heal, which comes wherever the main phase ended.
package repro

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/history"
)

// Streams are one run's invocations: per client process, its main-phase
// invocations in order, each rendered as "f value" (EDN); and the nemesis's
// partitions in order, each its shape and grudge (EDN).
type Streams struct {
	Process map[int][]string
	Nemesis []string
}

// Phase says which invocations belong to the main phase. An invocation
// marked :final? never does. A workload with a final phase that marks
// nothing (g-set) runs it after the recovery wait, so an invocation counts
// as the main phase's only if it came before the first invocation's time
// plus TimeLimit plus half of RecoveryWait. Zero durations disable the
// time rule.
type Phase struct {
	TimeLimit, RecoveryWait time.Duration
}

// Of extracts a run's streams from its history.
func Of(ops []history.Op, ph Phase) Streams {
	s := Streams{Process: map[int][]string{}}
	cutoff := int64(-1)
	for _, o := range ops {
		if o.IsClient() && o.Type == history.Invoke && ph.TimeLimit > 0 {
			cutoff = o.Time + int64(ph.TimeLimit) + int64(ph.RecoveryWait/2)
			break
		}
	}
	var parts []string // shape, grudge, shape, grudge, …
	for _, o := range ops {
		text := o.F + " " + edn.String(o.Value)
		switch {
		case !o.IsClient():
			if o.F == "start-partition" {
				parts = append(parts, edn.String(o.Value))
			}
		case o.Type != history.Invoke || o.Final:
		case cutoff >= 0 && o.Time > cutoff:
		default:
			s.Process[o.Process] = append(s.Process[o.Process], text)
		}
	}
	for i := 0; i < len(parts); i += 2 {
		s.Nemesis = append(s.Nemesis, strings.Join(parts[i:min(i+2, len(parts))], " "))
	}
	return s
}

// Diff is how two runs' streams differ.
type Diff struct {
	Processes int // client processes in either run
	Ops       [2]int
	// Compared counts the positions (process p, k) both runs reached;
	// Differ those of them whose invocations differ.
	Compared, Differ int
	// Diverged counts the processes with at least one differing position.
	Diverged int
	// NemesisCompared and NemesisDiffer are the same for the nemesis's
	// operations.
	NemesisCompared, NemesisDiffer int
	// Examples are a few differing positions, for a report.
	Examples []string
}

// Fraction is Differ / Compared (0 when nothing was compared).
func (d Diff) Fraction() float64 {
	if d.Compared == 0 {
		return 0
	}
	return float64(d.Differ) / float64(d.Compared)
}

// Prefixes reports whether, for every process and for the nemesis, one
// run's list is a prefix of the other's.
func (d Diff) Prefixes() bool { return d.Differ == 0 && d.NemesisDiffer == 0 }

// maxExamples bounds Diff.Examples.
const maxExamples = 5

// Compare compares two runs' streams position by position.
func Compare(a, b Streams) Diff {
	var d Diff
	procs := map[int]bool{}
	for p, l := range a.Process {
		procs[p] = true
		d.Ops[0] += len(l)
	}
	for p, l := range b.Process {
		procs[p] = true
		d.Ops[1] += len(l)
	}
	d.Processes = len(procs)
	keys := make([]int, 0, len(procs))
	for p := range procs {
		keys = append(keys, p)
	}
	slices.Sort(keys)
	for _, p := range keys {
		la, lb := a.Process[p], b.Process[p]
		n := min(len(la), len(lb))
		d.Compared += n
		diverged := false
		for k := range n {
			if la[k] != lb[k] {
				d.Differ++
				diverged = true
				if len(d.Examples) < maxExamples {
					d.Examples = append(d.Examples, fmt.Sprintf("process %d op %d: %s / %s", p, k, la[k], lb[k]))
				}
			}
		}
		if diverged {
			d.Diverged++
		}
	}
	n := min(len(a.Nemesis), len(b.Nemesis))
	d.NemesisCompared = n
	for k := range n {
		if a.Nemesis[k] != b.Nemesis[k] {
			d.NemesisDiffer++
			if len(d.Examples) < maxExamples {
				d.Examples = append(d.Examples, fmt.Sprintf("nemesis op %d: %s / %s", k, a.Nemesis[k], b.Nemesis[k]))
			}
		}
	}
	return d
}
