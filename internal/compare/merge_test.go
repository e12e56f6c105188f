package compare

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeOutcome is a run's outcome computed from what it is, so that any
// machine running it gets the same.
func fakeOutcome(p Planned) Outcome {
	o := outcome(p.Impl.Name, p.Cell.Index, p.Seed, "true", float64(len(p.Impl.Name))+float64(p.Seed)/10, float64(100*(p.Cell.Index+1))+float64(p.Seed))
	o.Index = p.Index
	o.Settings = p.Cell.Settings
	if p.Seed == 2 && p.Impl.Name == "i1" {
		o.Verdict, o.Aborted = Aborted, "node n0 crashed"
	}
	return o
}

// partials runs the spec as n shards with fakeOutcome: one Part per shard,
// each holding the runs its slice lists.
func partials(t *testing.T, s Spec, n int) []Part {
	t.Helper()
	sl, err := s.Slices(n, func(Planned) int64 { return 1 })
	require.NoError(t, err)
	plan := s.Plan()
	var parts []Part
	for k, idx := range sl {
		rep := Report{Command: "eddy compare --shard auto/3", Engine: "eddy", Spec: s, SpecHash: s.Hash(), Cells: s.Cells(),
			Planned: len(plan), Shard: &ShardRuns{Shard{k, n}, idx}, Runs: []Outcome{},
			Started: fmt.Sprintf("2026-12-01T20:0%d:00Z", k), Finished: fmt.Sprintf("2026-12-01T20:1%d:00Z", k),
			Machine: Machine{CPUs: k + 1, OS: "linux", Arch: "amd64"}, Note: "n"}
		for _, i := range idx {
			rep.Runs = append(rep.Runs, fakeOutcome(plan[i]))
		}
		rep.Aggregates = Summarize(s, rep.Runs)
		parts = append(parts, Part{Dir: fmt.Sprintf("p%d", k), Report: rep})
	}
	return parts
}

func TestMergeGivesTheUnshardedReport(t *testing.T) {
	s := shardSpec(2, 3, 2)
	var whole []Outcome
	for _, p := range s.Plan() {
		whole = append(whole, fakeOutcome(p))
	}
	parts := partials(t, s, 3)
	// Given in any order.
	got, err := Merge([]Part{parts[2], parts[0], parts[1]})
	require.NoError(t, err)
	assert.Equal(t, whole, got.Runs)
	assert.Equal(t, Summarize(s, whole), got.Aggregates)
	assert.Equal(t, s.Cells(), got.Cells)
	assert.Equal(t, len(whole), got.Planned)
	assert.Equal(t, s.Hash(), got.SpecHash)
	assert.Nil(t, got.Shard)
	assert.False(t, got.Interrupted)
	assert.Equal(t, "2026-12-01T20:00:00Z", got.Started)
	assert.Equal(t, "2026-12-01T20:12:00Z", got.Finished)
	assert.Equal(t, "n", got.Note)
	require.Len(t, got.Partials, 3)
	assert.Equal(t, "0/3", got.Partials[0].Shard)
	assert.Equal(t, "p2", got.Partials[2].Dir)

	md := got.Markdown()
	assert.Contains(t, md, "merged from 3 partial results:")
	assert.Contains(t, md, "- shard 1/3: 4 runs, started 2026-12-01T20:01:00Z, finished 2026-12-01T20:11:00Z, machine: 2 CPUs, linux/amd64, in `p1`")
	assert.Contains(t, md, "- runs: 12 of 12\n")
	assert.Contains(t, md, Table(Summarize(s, whole)))
	assert.Contains(t, parts[1].Report.Markdown(), "# Comparison: i0 vs i1 (shard 1/3)")
	assert.Contains(t, parts[1].Report.Markdown(), "- runs: 4 of the 4 of shard 1/3 (a partial result: 12 runs in the whole matrix")

	// An unsharded result merges into itself.
	one, err := Merge([]Part{{Dir: "all", Report: Report{Spec: s, Runs: whole}}})
	require.NoError(t, err)
	assert.Equal(t, whole, one.Runs)
}

func TestMergeRefuses(t *testing.T) {
	s := shardSpec(2, 3, 2)
	other := shardSpec(2, 3, 2)
	other.Seeds = []uint64{1, 5}
	cases := []struct {
		name  string
		parts func() []Part
		want  string
	}{
		{"nothing", func() []Part { return nil }, "no partial result to merge"},
		{"a shard missing", func() []Part { p := partials(t, s, 3); return []Part{p[0], p[2]} },
			"4 of 12 runs missing: run 3/12 (i0, node-count=1, seed 2), run 4/12 (i1, node-count=1, seed 2), run 9/12 (i0, node-count=3, seed 1), run 10/12 (i1, node-count=3, seed 1) (no part of shard 1/3 was given)"},
		{"an interrupted shard", func() []Part {
			p := partials(t, s, 3)
			p[1].Report.Runs = p[1].Report.Runs[:1]
			p[1].Report.Interrupted = true
			return p
		}, "3 of 12 runs missing: run 4/12 (i1, node-count=1, seed 2), run 9/12 (i0, node-count=3, seed 1), run 10/12 (i1, node-count=3, seed 1) (shard 1/3 in p1 holds 1 of its 4 runs)"},
		{"many missing", func() []Part { return partials(t, s, 3)[:1] },
			"8 of 12 runs missing: run 3/12 (i0, node-count=1, seed 2), run 4/12 (i1, node-count=1, seed 2), run 5/12 (i0, node-count=2, seed 1), run 6/12 (i1, node-count=2, seed 1), run 9/12 (i0, node-count=3, seed 1) and 3 more (no part of shard 1/3, 2/3 was given)"},
		{"a shard twice", func() []Part { p := partials(t, s, 3); return append(p, Part{Dir: "again", Report: p[1].Report}) },
			"4 run(s) are in more than one part: run 3/12 (i0, node-count=1, seed 2) in p1 and again, run 4/12 (i1, node-count=1, seed 2) in p1 and again, run 9/12 (i0, node-count=3, seed 1) in p1 and again, run 10/12 (i1, node-count=3, seed 1) in p1 and again; give each shard once"},
		{"another matrix", func() []Part { p := partials(t, s, 3); q := partials(t, other, 3); return []Part{p[0], p[1], q[2]} },
			"p0 and p2 are parts of different comparisons (the seeds differ)"},
		{"an edited spec", func() []Part { p := partials(t, s, 3); p[1].Report.Spec.Seeds = []uint64{1, 5}; return p },
			"p1: the spec-hash in compare.json does not match its spec (was the file edited?)"},
		{"a run out of the matrix", func() []Part { p := partials(t, s, 3); p[0].Report.Runs[0].Index = 12; return p },
			"p0: run 13 is not in the matrix of 12 runs"},
		{"a run in the wrong place", func() []Part { p := partials(t, s, 3); p[0].Report.Runs[0].Seed = 9; return p },
			"p0: run 1 is i0 cell 0 seed 9, but the matrix has run 1/12 (i0, node-count=1, seed 1) there"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Merge(tc.parts())
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "\n")
		})
	}
}
