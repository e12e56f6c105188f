package compare

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Part is a partial result (the compare.json of eddy compare --shard) and
// the directory it was read from.
type Part struct {
	Dir    string
	Report Report
}

// maxNamed is how many missing or duplicated runs an error names.
const maxNamed = 5

// Merge combines the partial results of one comparison into the report an
// unsharded run of it gives: the same runs in plan order, the same cells and
// aggregates. It refuses, naming what is wrong, parts of different
// comparisons (their specs differ), a run present twice, a run the matrix
// does not hold, and runs missing. A part may also be an unsharded result;
// its runs count like a shard's.
func Merge(parts []Part) (Report, error) {
	if len(parts) == 0 {
		return Report{}, errors.New("no partial result to merge")
	}
	parts = slices.Clone(parts)
	slices.SortStableFunc(parts, func(a, b Part) int {
		return cmp.Compare(shardIndex(a.Report), shardIndex(b.Report))
	})
	first := parts[0]
	spec := first.Report.Spec
	hash := spec.Hash()
	for _, p := range parts {
		h := p.Report.Spec.Hash()
		if p.Report.SpecHash != "" && p.Report.SpecHash != h {
			return Report{}, fmt.Errorf("%s: the spec-hash in compare.json does not match its spec (was the file edited?)", p.Dir)
		}
		if h != hash {
			return Report{}, fmt.Errorf("%s and %s are parts of different comparisons (%s differ); merge only the shards of one eddy compare command",
				first.Dir, p.Dir, specDifference(spec, p.Report.Spec))
		}
	}

	plan := spec.Plan()
	from := make([]string, len(plan)) // the part each run came from
	var runs []Outcome
	var dups []string
	for _, p := range parts {
		for _, o := range p.Report.Runs {
			if o.Index < 0 || o.Index >= len(plan) {
				return Report{}, fmt.Errorf("%s: run %d is not in the matrix of %d runs (was the file edited?)", p.Dir, o.Index+1, len(plan))
			}
			pl := plan[o.Index]
			if o.Impl != pl.Impl.Name || o.Cell != pl.Cell.Index || o.Seed != pl.Seed {
				return Report{}, fmt.Errorf("%s: run %d is %s cell %d seed %d, but the matrix has %s there (was the file edited?)",
					p.Dir, o.Index+1, o.Impl, o.Cell, o.Seed, describe(pl, len(plan)))
			}
			if from[o.Index] != "" {
				dups = append(dups, fmt.Sprintf("%s in %s and %s", describe(pl, len(plan)), from[o.Index], p.Dir))
				continue
			}
			from[o.Index] = p.Dir
			runs = append(runs, o)
		}
	}
	if len(dups) > 0 {
		return Report{}, fmt.Errorf("%d run(s) are in more than one part: %s; give each shard once",
			len(dups), listSome(dups))
	}
	var missing []string
	for i, d := range from {
		if d == "" {
			missing = append(missing, describe(plan[i], len(plan)))
		}
	}
	if len(missing) > 0 {
		msg := fmt.Sprintf("%d of %d runs missing: %s", len(missing), len(plan), listSome(missing))
		if hint := missingShards(parts); hint != "" {
			msg += " (" + hint + ")"
		}
		return Report{}, errors.New(msg)
	}
	slices.SortFunc(runs, func(a, b Outcome) int { return cmp.Compare(a.Index, b.Index) })

	out := Report{
		Command:  first.Report.Command,
		Engine:   first.Report.Engine,
		Started:  first.Report.Started,
		Finished: first.Report.Finished,
		Machine:  first.Report.Machine,
		Spec:     spec,
		SpecHash: hash,
		Cells:    spec.Cells(),
		Planned:  len(plan),
		Runs:     runs,
	}
	var notes []string
	for _, p := range parts {
		r := p.Report
		if r.Started < out.Started {
			out.Started = r.Started
		}
		if r.Finished > out.Finished {
			out.Finished = r.Finished
		}
		if r.Note != "" && !slices.Contains(notes, r.Note) {
			notes = append(notes, r.Note)
		}
		part := Partial{Dir: p.Dir, Command: r.Command, Started: r.Started, Finished: r.Finished,
			Machine: r.Machine, Parallel: r.Parallel, Runs: len(r.Runs)}
		if r.Shard != nil {
			part.Shard = r.Shard.String()
		}
		out.Partials = append(out.Partials, part)
	}
	out.Note = strings.Join(notes, "; ")
	out.Aggregates = Summarize(spec, runs)
	return out, nil
}

// shardIndex orders parts: unsharded first, then by shard.
func shardIndex(r Report) int {
	if r.Shard == nil {
		return -1
	}
	return r.Shard.Index
}

// describe names a planned run: "run 7/40 (messages, node-count=25, seed 2)".
func describe(p Planned, total int) string {
	where := p.Impl.Name
	if p.Cell.Label != "all" {
		where += ", " + p.Cell.Label
	}
	return fmt.Sprintf("run %d/%d (%s, seed %d)", p.Index+1, total, where, p.Seed)
}

// listSome joins the first few items, and counts the rest.
func listSome(items []string) string {
	if len(items) <= maxNamed {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:maxNamed], ", ") + fmt.Sprintf(" and %d more", len(items)-maxNamed)
}

// missingShards says which shards were not given, or were given but
// interrupted, when the parts agree on the number of shards.
func missingShards(parts []Part) string {
	count := 0
	given := map[int]bool{}
	var interrupted []string
	for _, p := range parts {
		sh := p.Report.Shard
		if sh == nil || (count != 0 && sh.Count != count) {
			return ""
		}
		count = sh.Count
		given[sh.Index] = true
		if p.Report.Interrupted || len(p.Report.Runs) < len(sh.Runs) {
			interrupted = append(interrupted, fmt.Sprintf("shard %s in %s holds %d of its %d runs", sh, p.Dir, len(p.Report.Runs), len(sh.Runs)))
		}
	}
	var absent []string
	for k := range count {
		if !given[k] {
			absent = append(absent, Shard{k, count}.String())
		}
	}
	var hints []string
	if len(absent) > 0 {
		hints = append(hints, "no part of shard "+listSome(absent)+" was given")
	}
	hints = append(hints, interrupted...)
	return strings.Join(hints, "; ")
}

// specDifference names the parts of two specs that differ.
func specDifference(a, b Spec) string {
	var diff []string
	for _, c := range []struct {
		name string
		a, b any
	}{
		{"the implementations", a.Impls, b.Impls},
		{"the parameters", a.Params, b.Params},
		{"the flags of every run", a.Fixed, b.Fixed},
		{"the seeds", a.Seeds, b.Seeds},
	} {
		ja, _ := json.Marshal(c.a)
		jb, _ := json.Marshal(c.b)
		if !bytes.Equal(ja, jb) { // as Hash sees them
			diff = append(diff, c.name)
		}
	}
	if len(diff) == 0 {
		return "their specs"
	}
	return strings.Join(diff, " and ")
}
