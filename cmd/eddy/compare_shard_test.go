package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/internal/challenge"
	"github.com/eddy-workbench/eddy/internal/compare"
	"github.com/eddy-workbench/eddy/runner"
)

// storedRuns replays the runs of a real comparison: testdata/broadcast-runs.json
// holds the figures of every run of results/compare/broadcast/ (the broadcast
// node's two strategies, four cells, seeds 1–5). Any other implementation
// fails: an error to start with on odd seeds, an invalid verdict on even
// ones.
type storedRuns struct {
	figures map[string]challenge.Figures // by "impl|cell label|seed"

	mu    sync.Mutex
	calls int
	// running and most count the runs going on at once.
	running, most int
}

func loadStoredRuns(t *testing.T) *storedRuns {
	t.Helper()
	data, err := os.ReadFile("testdata/broadcast-runs.json")
	require.NoError(t, err)
	var stored struct {
		Runs []struct {
			Impl    string
			Cell    string
			Seed    uint64
			Figures challenge.Figures
		}
	}
	require.NoError(t, json.Unmarshal(data, &stored))
	s := &storedRuns{figures: map[string]challenge.Figures{}}
	for _, r := range stored.Runs {
		s.figures[fmt.Sprintf("%s|%s|%d", r.Impl, r.Cell, r.Seed)] = r.Figures
	}
	require.Len(t, s.figures, 40)
	return s
}

// fresh is a storedRuns with the same figures that has run nothing yet.
func (s *storedRuns) fresh() *storedRuns { return &storedRuns{figures: s.figures} }

func (s *storedRuns) run(ctx context.Context, pr plannedRun, progress func(runner.Progress)) (runResult, error) {
	s.mu.Lock()
	s.calls++
	s.running++
	s.most = max(s.most, s.running)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.running--
		s.mu.Unlock()
	}()
	time.Sleep(time.Millisecond) // let parallel runs overlap
	progress(runner.Progress{Phase: "main", TimeLimit: pr.cfg.TimeLimit})
	dir := filepath.Join(pr.cfg.StoreDir, "broadcast", "run")
	if f, ok := s.figures[fmt.Sprintf("%s|%s|%d", pr.Impl.Name, pr.Cell.Label, pr.Seed)]; ok {
		return runResult{Dir: dir, Figures: f}, nil
	}
	if pr.Seed%2 == 1 {
		return runResult{}, errors.New("node n0 exited (exit status 2) before answering init")
	}
	return runResult{Dir: dir, Figures: challenge.Figures{Valid: challenge.ValidFalse, OK: 10, Count: 12}}, nil
}

// fixedClock always says the same time, so that runs take no time.
func fixedClock() time.Time { return time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC) }

func compareFake(t *testing.T, env compareEnv, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	if env.now == nil {
		env.now = fixedClock
	}
	if env.cpus == 0 {
		env.cpus = 4
	}
	code := compareWith(context.Background(), args, &out, &errOut, env)
	return code, out.String(), errOut.String()
}

// sameRuns checks that two reports hold the same runs with the same
// verdicts and figures (their store directories differ).
func sameRuns(t *testing.T, want, got compare.Report) {
	t.Helper()
	require.Len(t, got.Runs, len(want.Runs))
	for i := range want.Runs {
		w, g := want.Runs[i], got.Runs[i]
		assert.Equal(t, w.Index, g.Index)
		assert.Equal(t, w.Impl, g.Impl, "run %d", i)
		assert.Equal(t, w.Cell, g.Cell, "run %d", i)
		assert.Equal(t, w.Seed, g.Seed, "run %d", i)
		assert.Equal(t, w.Verdict, g.Verdict, "run %d", i)
		assert.Equal(t, w.Aborted, g.Aborted, "run %d", i)
		assert.Equal(t, w.Figures, g.Figures, "run %d", i)
		assert.Equal(t, filepath.Base(filepath.Dir(filepath.Dir(w.Dir))), filepath.Base(filepath.Dir(filepath.Dir(g.Dir))), "run %d", i)
	}
	assert.Equal(t, want.Cells, got.Cells)
	assert.Equal(t, want.Aggregates, got.Aggregates)
	assert.Equal(t, compare.Table(want.Aggregates), compare.Table(got.Aggregates))
	assert.Equal(t, want.PairedLines(), got.PairedLines())
	assert.Equal(t, want.SpecHash, got.SpecHash)
	assert.Equal(t, want.Planned, got.Planned)
}

// TestCompareShardedMergesToTheUnshardedResult runs one matrix (the stored
// broadcast comparison and a failing third implementation: 3 impls × 4
// cells × 5 seeds) four ways, on the stored results: whole, whole with -j 3,
// and as three shards (found from the environment as Kubernetes, Slurm and
// a CI matrix give it) merged. All give the same runs, cells, verdicts and
// figures.
func TestCompareShardedMergesToTheUnshardedResult(t *testing.T) {
	echo := bins.MustBuild(t, "nodes/echo")
	dir := t.TempDir()
	specFile := filepath.Join(dir, "broadcast.spec")
	require.NoError(t, os.WriteFile(specFile, []byte(fmt.Sprintf(`--impl latency=%[1]s -- -strategy latency
--impl messages=%[1]s -- -strategy messages
--impl broken=%[1]s -- -strategy broken
--seeds 5
-w broadcast
--node-count 5,25
--nemesis none,partition
--time-limit 20
--rate 100
--latency 100
`, echo)), 0o644))
	store := filepath.Join(dir, "store")
	common := []string{"--spec", specFile, "--store", store}

	stored := loadStoredRuns(t)
	env := compareEnv{run: stored.run}
	code, stdout, stderr := compareFake(t, env, append(common, "--out", filepath.Join(dir, "whole"))...)
	require.Equal(t, exitAborted, code, "the broken impl aborts\n%s\n%s", stdout, stderr)
	assert.Contains(t, stderr, "[1/60] latency node-count=5 nemesis=none seed 1\n")
	whole := readReport(t, filepath.Join(dir, "whole"))
	require.Len(t, whole.Runs, 60)
	assert.Equal(t, 60, stored.calls)
	assert.Equal(t, compare.Verdicts{Valid: 5}, whole.Aggregates[0].Verdicts)
	assert.Equal(t, compare.Verdicts{Invalid: 2, Aborted: 3}, whole.Aggregates[2].Verdicts)
	assert.Contains(t, stdout, "| messages | node-count=25 nemesis=partition | 5 | 5 valid | 0.4397 (0.4346–0.4503) |",
		"the figures of results/compare/broadcast/README.md")

	// -j 3: three groups at a time, the same result.
	par := loadStoredRuns(t)
	code, _, stderr = compareFake(t, compareEnv{run: par.run}, append(common, "-j", "3", "--out", filepath.Join(dir, "parallel"))...)
	require.Equal(t, exitAborted, code, stderr)
	assert.Equal(t, 3, par.most, "three runs at once")
	parallel := readReport(t, filepath.Join(dir, "parallel"))
	sameRuns(t, whole, parallel)
	assert.Equal(t, 3, parallel.Parallel)

	// Three shards, each told its index as its engine would.
	envs := []map[string]string{
		{"JOB_COMPLETION_INDEX": "0"},
		{"SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "3", "SLURM_ARRAY_TASK_COUNT": "3"},
		{"EDDY_SHARD_INDEX": "2"},
	}
	shardStore := filepath.Join(dir, "shards")
	calls := 0
	var partials []string
	for k, vars := range envs {
		s := loadStoredRuns(t)
		code, stdout, stderr := compareFake(t, compareEnv{run: s.run, getenv: func(v string) string { return vars[v] }},
			"--spec", specFile, "--store", shardStore, "--shard", "auto/3")
		assert.Equal(t, 0, code, "a shard that did all its runs succeeds\n%s", stderr)
		assert.Contains(t, stderr, fmt.Sprintf("shard %d/3 done, with runs that were not valid; its exit status is 0", k))
		assert.Contains(t, stdout, fmt.Sprintf("a partial result (shard %d/3)", k))
		calls += s.calls
		partials = append(partials, filepath.Join(shardStore, "compare", whole.SpecHash[:12], fmt.Sprintf("shard-%d-of-3", k)))
		rep := readReport(t, partials[k])
		require.NotNil(t, rep.Shard)
		assert.Equal(t, k, rep.Shard.Index)
		assert.Len(t, rep.Runs, len(rep.Shard.Runs))
		// 20 groups of 3 runs: 7, 7 and 6 groups.
		assert.Equal(t, []int{21, 21, 18}[k], len(rep.Runs))
		assert.Contains(t, stderr, fmt.Sprintf("[shard %d/3: 1/%d, run %d/60]", k, len(rep.Runs), rep.Shard.Runs[0]+1))
	}
	assert.Equal(t, 60, calls, "every run ran once over the shards")

	merged := filepath.Join(dir, "merged")
	code, stdout, stderr = compareFake(t, env, "merge", "--out", merged, partials[2], partials[0], partials[1])
	require.Equal(t, exitAborted, code, "as the whole: a run aborted\n%s\n%s", stdout, stderr)
	assert.Contains(t, stdout, "60 runs from 3 partial results")
	got := readReport(t, merged)
	sameRuns(t, whole, got)
	assert.Nil(t, got.Shard)
	require.Len(t, got.Partials, 3)
	assert.False(t, got.Interrupted)
	assert.Contains(t, got.Command, "eddy compare merge --out")
	for _, f := range []string{"README.md", "index.html"} {
		data, err := os.ReadFile(filepath.Join(merged, f))
		require.NoError(t, err)
		assert.Contains(t, string(data), "merged from 3 partial results", f)
	}
	readme, err := os.ReadFile(filepath.Join(merged, "README.md"))
	require.NoError(t, err)
	assert.Contains(t, string(readme), compare.Table(whole.Aggregates))

	// The shards' parent directory merges the same, into the default place.
	code, _, stderr = compareFake(t, env, "merge", "--store", shardStore, filepath.Join(shardStore, "compare", whole.SpecHash[:12]))
	require.Equal(t, exitAborted, code, stderr)
	sameRuns(t, whole, readReport(t, filepath.Join(shardStore, "compare", whole.SpecHash[:12], "merged")))
}

func TestCompareMergeRefusesWithOneLine(t *testing.T) {
	echo := bins.MustBuild(t, "nodes/echo")
	dir := t.TempDir()
	stored := loadStoredRuns(t)
	env := compareEnv{run: stored.run}
	shard := func(store, seeds string, k int) string {
		code, _, stderr := compareFake(t, env, "--impl", "latency="+echo, "-w", "broadcast", "--node-count", "5,25",
			"--seeds", seeds, "--store", store, "--shard", fmt.Sprintf("%d/3", k))
		require.Equal(t, 0, code, stderr)
		entries, err := filepath.Glob(filepath.Join(store, "compare", "*", fmt.Sprintf("shard-%d-of-3", k)))
		require.NoError(t, err)
		require.Len(t, entries, 1)
		return entries[0]
	}
	a := []string{shard(filepath.Join(dir, "a"), "3", 0), shard(filepath.Join(dir, "a"), "3", 1), shard(filepath.Join(dir, "a"), "3", 2)}
	b2 := shard(filepath.Join(dir, "b"), "1,2,4", 2)
	junk := filepath.Join(dir, "junk")
	require.NoError(t, os.MkdirAll(junk, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(junk, "compare.json"), []byte("{not json"), 0o644))
	empty := t.TempDir()

	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no directory", nil, "no directory given"},
		{"a shard missing", []string{a[0], a[2]},
			"2 of 6 runs missing: run 2/6 (latency, node-count=5, seed 2), run 5/6 (latency, node-count=25, seed 2) (no part of shard 1/3 was given)"},
		{"a shard twice", []string{a[0], a[1], a[2], a[1]}, "2 run(s) are in more than one part: run 2/6 (latency, node-count=5, seed 2) in "},
		{"another matrix", []string{a[0], a[1], b2}, "are parts of different comparisons (the seeds differ)"},
		{"not a compare.json", []string{junk}, "junk/compare.json: not a compare.json of eddy compare"},
		{"nothing in it", []string{empty}, "holds no compare.json, and none of its subdirectories holds a partial result"},
		{"no such directory", []string{filepath.Join(dir, "absent")}, "no such file or directory"},
		{"out is a partial", []string{"--out", a[1], a[0], a[1], a[2]}, "is one of the partial results"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			args := append([]string{"merge"}, tc.args...)
			if !strings.Contains(tc.name, "out is") {
				args = append([]string{"merge", "--out", out}, tc.args...)
			}
			code, stdout, stderr := compareFake(t, env, args...)
			assert.Equal(t, exitBadArgs, code, stdout)
			assert.Contains(t, stderr, tc.want)
			assert.True(t, strings.HasPrefix(stderr, "eddy compare merge: "), stderr)
			assert.Equal(t, 1, strings.Count(stderr, "\n"), "one line: %q", stderr)
			assert.NoDirExists(t, out)
		})
	}
}

func TestCompareParallelIsBoundedByCPUs(t *testing.T) {
	echo := bins.MustBuild(t, "nodes/echo")
	stored := loadStoredRuns(t)
	out := filepath.Join(t.TempDir(), "out")
	code, _, stderr := compareFake(t, compareEnv{run: stored.run, cpus: 2}, "--impl", "latency="+echo,
		"-w", "broadcast", "--node-count", "5,25", "--nemesis", "none,partition", "--seeds", "5", "-j", "8",
		"--store", t.TempDir(), "--out", out)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, "eddy compare: -j 8 is more than the 2 CPUs; running 2 at a time\n")
	assert.LessOrEqual(t, stored.most, 2)
	assert.Equal(t, 20, stored.calls)
	rep := readReport(t, out)
	assert.Equal(t, 2, rep.Parallel)
	for i, o := range rep.Runs {
		assert.Equal(t, i, o.Index, "recorded in plan order")
	}
	readme, err := os.ReadFile(filepath.Join(out, "README.md"))
	require.NoError(t, err)
	assert.Contains(t, string(readme), "runs in parallel: 2 at a time (-j 2)")
}
