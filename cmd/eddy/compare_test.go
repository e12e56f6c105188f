package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/internal/compare"
	"github.com/eddy-workbench/eddy/internal/history"
	"github.com/eddy-workbench/eddy/internal/repro"
	"github.com/eddy-workbench/eddy/runner"
)

// shortWaits makes a broadcast run's recovery pause short.
func shortWaits(cfg *runner.Config) { cfg.RecoveryWait = 500 * time.Millisecond }

func compareRun(t *testing.T, ctx context.Context, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := compareWith(ctx, args, &out, &errOut, compareEnv{tweak: shortWaits})
	return code, out.String(), errOut.String()
}

func readReport(t *testing.T, dir string) compare.Report {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "compare.json"))
	require.NoError(t, err)
	var rep compare.Report
	require.NoError(t, json.Unmarshal(data, &rep))
	return rep
}

func TestCompareBadSpecsExit254BeforeAnythingRuns(t *testing.T) {
	echo := bins.MustBuild(t, "nodes/echo")
	dir := t.TempDir()
	spec := func(name, text string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
		return p
	}
	nested := spec("nested", "--spec other\n")
	noFlag := spec("noflag", "# comment\n\nimpl a=x\n")
	unknown := spec("unknown", "--frobnicate 3\n")
	noValue := spec("novalue", "--node-count\n")
	badSeeds := spec("badseeds", "--impl a="+echo+"\n--seeds none\n")
	impl := "a=" + echo
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no impl", []string{"-w", "echo"}, "no implementation given"},
		{"impl without name", []string{"--impl", echo}, "expected NAME=BIN"},
		{"impl without binary", []string{"--impl", "a="}, "no binary given"},
		{"two impls one name", []string{"--impl", impl, "--impl", impl, "-w", "echo"}, `two implementations are named "a"`},
		{"missing binary", []string{"--impl", "a=/nonexistent/node", "-w", "echo"}, "impl a: --bin /nonexistent/node: no such file"},
		{"node flag before --", []string{"--impl", impl + " -strategy latency", "-w", "echo"}, "impl a: flag provided but not defined: -strategy (arguments for the node go after --)"},
		{"impl word before --", []string{"--impl", impl + " latency", "-w", "echo"}, `impl a: unexpected word "latency" before --`},
		{"impl sets a parameter", []string{"--impl", impl + " --node-count 3", "-w", "echo", "--node-count", "1,2"}, "impl a sets --node-count, which is also given as a parameter"},
		{"impl sets the workload by -w", []string{"--impl", impl + " -w echo", "--workload", "echo"}, "impl a sets --workload"},
		{"impl sets its seed", []string{"--impl", impl + " --seed 3", "-w", "echo"}, "impl a: --seed cannot be set per implementation"},
		{"unknown flag", []string{"--impl", impl, "--frobnicate", "1"}, "flag provided but not defined: -frobnicate"},
		{"bin flag", []string{"--impl", impl, "--bin", echo}, "the binary belongs in --impl NAME=BIN"},
		{"seed flag", []string{"--impl", impl, "--seed", "3"}, "seeds are given with --seeds"},
		{"test-count flag", []string{"--impl", impl, "--test-count", "3"}, "repetitions are given with --seeds"},
		{"bad seeds", []string{"--impl", impl, "--seeds", "0"}, `invalid value "0" for flag -seeds: must be a count of at least 1`},
		{"repeated seed", []string{"--impl", impl, "--seeds", "2,2"}, "seed 2 is given twice"},
		{"repeated value", []string{"--impl", impl, "-w", "echo", "--node-count", "1,1"}, `--node-count lists the value "1" twice`},
		{"empty value", []string{"--impl", impl, "-w", "echo", "--node-count", ","}, `no value in ","`},
		{"bad value in one cell", []string{"--impl", impl, "-w", "echo", "--latency", "0,soon"}, `impl a, latency=soon: invalid value "soon" for flag -latency`},
		{"bad topology in one cell", []string{"--impl", impl, "-w", "broadcast", "--topology", "grid,ring"}, `impl a, topology=ring: unknown --topology "ring"`},
		{"unknown workload", []string{"--impl", impl, "-w", "nope"}, `impl a: unknown workload "nope"`},
		{"unknown model in one cell", []string{"--impl", impl, "-w", "txn-rw-register", "--consistency-models", "read-comitted"}, `unknown consistency model "read-comitted"`},
		{"positional argument", []string{"--impl", impl, "-w", "echo", "extra"}, `unexpected argument "extra"`},
		{"spec file missing", []string{"--spec", filepath.Join(dir, "absent")}, "no such file"},
		{"spec file nested", []string{"--spec", nested}, "nested:1: a spec file cannot read another one"},
		{"spec line not a flag", []string{"--spec", noFlag}, `noflag:3: expected a flag such as --impl, got "impl"`},
		{"spec unknown flag", []string{"--spec", unknown}, "unknown:1: flag provided but not defined: -frobnicate"},
		{"spec flag without value", []string{"--spec", noValue}, "novalue:1: --node-count needs a value"},
		{"spec bad value", []string{"--spec", badSeeds}, "badseeds:2: --seeds: must be a count"},
		{"shard without count", []string{"--impl", impl, "-w", "echo", "--shard", "1"}, `--shard "1": expected K/N`},
		{"shard index too high", []string{"--impl", impl, "-w", "echo", "--shard", "3/3"}, "--shard 3/3: shard index 3 is not one of 0…2 (shards count from 0)"},
		{"shard count zero", []string{"--impl", impl, "-w", "echo", "--shard", "0/0"}, "the number of shards must be a whole number of at least 1"},
		{"shard auto without an index", []string{"--impl", impl, "-w", "echo", "--shard", "auto/2"}, "--shard auto/2: no shard index in the environment"},
		{"more shards than groups", []string{"--impl", impl, "-w", "echo", "--seeds", "2", "--shard", "0/3"}, "--shard 0/3: 3 shards for 2 cell × seed groups"},
		{"no jobs", []string{"--impl", impl, "-w", "echo", "-j", "0"}, "-j 0: the number of runs at once must be at least 1"},
		{"merge with nothing", []string{"merge"}, "eddy compare merge: no directory given"},
	}
	for _, v := range []string{"EDDY_SHARD_INDEX", "JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID"} {
		t.Setenv(v, "") // as if unset
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			store, out := t.TempDir(), filepath.Join(t.TempDir(), "out")
			args := append([]string{"compare", "--store", store, "--out", out}, tc.args...)
			if len(tc.args) > 0 && tc.args[0] == "merge" {
				args = append([]string{"compare", "merge", "--store", store, "--out", out}, tc.args[1:]...)
			}
			code, stdout, stderr := eddy(t, args...)
			assert.Equal(t, exitBadArgs, code, "stdout: %s", stdout)
			assert.Contains(t, stderr, tc.want)
			assert.Equal(t, 1, strings.Count(stderr, "\n"), "one line: %q", stderr)
			assert.NoDirExists(t, out, "nothing is written")
			entries, err := os.ReadDir(store)
			require.NoError(t, err)
			assert.Empty(t, entries, "nothing ran")
		})
	}
}

func TestCompareHelp(t *testing.T) {
	code, out, _ := eddy(t, "compare", "--help")
	require.Equal(t, 0, code)
	for _, want := range []string{"--impl NAME=COMMAND", "--seeds", "--spec FILE", "compare.json", "index.html",
		"  -node-count", "  -nemesis", "  -out", "  -store"} {
		assert.Contains(t, out, want)
	}
	code, out, _ = eddy(t, "compare", "merge", "--help")
	require.Equal(t, 0, code)
	for _, want := range []string{"eddy compare merge [--out DIR] [--store DIR] DIR...", "  -out", "names every run that is"} {
		assert.Contains(t, out, want)
	}
	_, usage, _ := eddy(t, "help")
	assert.Contains(t, usage, "eddy compare")
}

// TestCompareBroadcast is the end-to-end test: a tiny matrix of the
// broadcast node's two strategies and a third implementation whose node
// rejects its arguments, over two cells and two seeds.
func TestCompareBroadcast(t *testing.T) {
	t.Parallel()
	bin := bins.MustBuild(t, "nodes/broadcast")
	store, out := t.TempDir(), filepath.Join(t.TempDir(), "out dir")
	code, stdout, stderr := compareRun(t, context.Background(), "--store", store, "--out", out,
		"--impl", "latency='"+bin+"' -- -strategy latency",
		"--impl", "messages='"+bin+"' -- -strategy messages -round 100ms",
		"--impl", "bogus='"+bin+"' -- -strategy bogus",
		"--seeds", "2", "-w", "broadcast", "--node-count", "3", "--latency", "0,10",
		"--time-limit", "1", "--rate", "30", "--note", "a test")
	assert.Equal(t, exitAborted, code, "the bogus impl's runs abort\nstdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Contains(t, stderr, "[1/12] latency latency=0 seed 1\n")
	assert.Contains(t, stderr, "[12/12] bogus latency=10 seed 2: aborted: ")
	assert.Contains(t, stdout, "| latency | latency=0 | 2 | 2 valid |")
	assert.Contains(t, stdout, "| bogus | latency=10 | 2 | 2 aborted |")

	rep := readReport(t, out)
	assert.Equal(t, 12, rep.Planned)
	require.Len(t, rep.Runs, 12)
	assert.False(t, rep.Interrupted)
	assert.Equal(t, "a test", rep.Note)
	assert.Equal(t, []uint64{1, 2}, rep.Spec.Seeds)
	require.Len(t, rep.Cells, 2)
	assert.Equal(t, "latency=10", rep.Cells[1].Label)

	impls := []string{"latency", "messages", "bogus"}
	for i, o := range rep.Runs {
		// Cell by cell, seed by seed, every impl in turn.
		assert.Equal(t, i, o.Index)
		assert.Equal(t, i/6, o.Cell, "run %d", i)
		assert.Equal(t, uint64(i/3%2+1), o.Seed, "run %d", i)
		assert.Equal(t, impls[i%3], o.Impl, "run %d", i)
		if o.Impl == "bogus" {
			assert.Equal(t, compare.Aborted, o.Verdict)
			assert.Contains(t, o.Aborted, "before answering init")
			continue
		}
		require.Equal(t, compare.Valid, o.Verdict, "run %d: %s", i, o.Aborted)
		// The run really had the seed, and the figures are its own.
		data, err := os.ReadFile(filepath.Join(o.Dir, "results.json"))
		require.NoError(t, err, "run %d's store dir", i)
		var res struct {
			Eddy struct{ Seed uint64 } `json:"eddy"`
			Net  struct {
				Servers struct {
					MsgsPerOp float64 `json:"msgs-per-op"`
				} `json:"servers"`
			} `json:"net"`
		}
		require.NoError(t, json.Unmarshal(data, &res))
		assert.Equal(t, o.Seed, res.Eddy.Seed, "run %d", i)
		require.NotNil(t, o.Figures.ServerMsgsPerOp)
		assert.Equal(t, res.Net.Servers.MsgsPerOp, *o.Figures.ServerMsgsPerOp)
		assert.NotNil(t, o.Figures.LatencyP50)
		assert.Contains(t, o.Command, "--latency="+[]string{"0", "10"}[o.Cell])
	}

	require.Len(t, rep.Aggregates, 6)
	for _, a := range rep.Aggregates {
		assert.Equal(t, 2, a.Runs)
		if a.Impl == "bogus" {
			assert.Equal(t, compare.Verdicts{Aborted: 2}, a.Verdicts)
			assert.Empty(t, a.Figures)
			continue
		}
		assert.Equal(t, compare.Verdicts{Valid: 2}, a.Verdicts)
		var vs []float64
		for _, o := range rep.Runs {
			if o.Impl == a.Impl && o.Cell == a.Cell {
				vs = append(vs, *o.Figures.ServerMsgsPerOp)
			}
		}
		assert.Equal(t, compare.SpreadOf(vs), a.Figures["servers-msgs-per-op"], "%s cell %d", a.Impl, a.Cell)
		assert.Contains(t, a.Figures, "stable-latency-p50")
	}

	page, err := os.ReadFile(filepath.Join(out, "index.html"))
	require.NoError(t, err)
	assert.Contains(t, string(page), "<svg")
	for _, name := range []string{"latency", "messages", "bogus", "latency=0", "latency=10"} {
		assert.Contains(t, string(page), ">"+name+"</text>", "the plot's legend")
	}
	assert.NotRegexp(t, `(?i)(https?:|src=|<script|<link)`, string(page), "nothing fetched")
	readme, err := os.ReadFile(filepath.Join(out, "README.md"))
	require.NoError(t, err)
	assert.Contains(t, string(readme), "| messages | latency=10 | 2 | 2 valid |")
	assert.Contains(t, string(readme), "- note: a test")
}

// TestCompareSpecFile runs a comparison given in a spec file, with
// command-line flags added to it.
func TestCompareSpecFile(t *testing.T) {
	t.Parallel()
	echo := bins.MustBuild(t, "nodes/echo")
	dir := t.TempDir()
	specFile := filepath.Join(dir, "echo.spec")
	require.NoError(t, os.WriteFile(specFile, []byte(fmt.Sprintf(`# two echo runs
--impl plain='%s'
-w echo

--node-count 1
--seeds 5,9
--strict
`, echo)), 0o644))
	out := filepath.Join(dir, "out")
	code, stdout, stderr := compareRun(t, context.Background(), "--spec", specFile, "--time-limit", "0.5", "--rate", "20",
		"--out", out, "--store", filepath.Join(dir, "store"))
	require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	rep := readReport(t, out)
	require.Len(t, rep.Spec.Impls, 1)
	assert.Equal(t, echo, rep.Spec.Impls[0].Bin)
	assert.Equal(t, []uint64{5, 9}, rep.Spec.Seeds)
	assert.Equal(t, []compare.Param{
		{Flag: "workload", Values: []string{"echo"}},
		{Flag: "node-count", Values: []string{"1"}},
		{Flag: "strict", Values: []string{"true"}},
		{Flag: "time-limit", Values: []string{"0.5"}},
		{Flag: "rate", Values: []string{"20"}},
	}, rep.Spec.Params)
	require.Len(t, rep.Runs, 2)
	assert.Equal(t, []uint64{5, 9}, []uint64{rep.Runs[0].Seed, rep.Runs[1].Seed})
	assert.Equal(t, "all", rep.Aggregates[0].Label)
	assert.Equal(t, compare.Verdicts{Valid: 2}, rep.Aggregates[0].Verdicts)
	assert.FileExists(t, filepath.Join(out, "index.html"))
	assert.Contains(t, rep.Runs[0].Command, "--strict=true")
}

// TestCompareInterrupt: cancelling (Ctrl-C) ends the current run promptly,
// runs nothing more, and keeps what was done.
func TestCompareInterrupt(t *testing.T) {
	t.Parallel()
	echo := bins.MustBuild(t, "nodes/echo")
	out := filepath.Join(t.TempDir(), "out")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	time.AfterFunc(1500*time.Millisecond, cancel)
	start := time.Now()
	code, stdout, stderr := compareRun(t, ctx, "--impl", "a="+echo, "--impl", "b="+echo, "-w", "echo",
		"--node-count", "1", "--time-limit", "30", "--out", out, "--store", t.TempDir())
	assert.Less(t, time.Since(start), 15*time.Second)
	assert.Equal(t, exitAborted, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Contains(t, stderr, "interrupted after 1 of 6 runs")
	rep := readReport(t, out)
	assert.True(t, rep.Interrupted)
	assert.Equal(t, 6, rep.Planned)
	require.Len(t, rep.Runs, 1)
	assert.Equal(t, compare.Aborted, rep.Runs[0].Verdict)
	assert.Contains(t, rep.Runs[0].Aborted, "interrupted")
	assert.FileExists(t, filepath.Join(out, "index.html"))
}

// TestCompareSameSchedules checks what eddy compare promises: with the same
// seed, every implementation faces the same operations (every process's
// invocations in one run are a prefix of its invocations in the other) and
// the same partitions at the same points of the nemesis's schedule.
func TestCompareSameSchedules(t *testing.T) {
	t.Parallel()
	bin := bins.MustBuild(t, "nodes/broadcast")
	store, out := t.TempDir(), filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := compareRun(t, context.Background(), "--store", store, "--out", out,
		"--impl", "latency="+bin+" -- -strategy latency",
		"--impl", "messages="+bin+" -- -strategy messages -round 100ms",
		"--seeds", "5", "-w", "broadcast", "--node-count", "3", "--time-limit", "1.5", "--rate", "50",
		"--latency", "5", "--latency-dist", "uniform", "--nemesis", "partition", "--nemesis-interval", "0.2")
	// A verdict may be invalid (a short recovery wait), but every run ran.
	require.Contains(t, []int{0, 1}, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	rep := readReport(t, out)
	require.Len(t, rep.Runs, 10)
	for seed := uint64(1); seed <= 5; seed++ {
		var runs []compare.Outcome
		for _, o := range rep.Runs {
			if o.Seed == seed {
				runs = append(runs, o)
			}
		}
		require.Len(t, runs, 2)
		a, b := runStreams(t, runs[0].Dir), runStreams(t, runs[1].Dir)
		d := repro.Compare(a, b)
		assert.True(t, d.Prefixes(), "seed %d: %s and %s differ: %v", seed, runs[0].Impl, runs[1].Impl, d.Examples)
		assert.Greater(t, d.Compared, 20, "seed %d: enough operations to compare", seed)
		assert.GreaterOrEqual(t, d.NemesisCompared, 2, "seed %d: the nemesis made partitions", seed)
	}
}

// runStreams reads a stored run's invocations per process (scripts/repro).
func runStreams(t *testing.T, dir string) repro.Streams {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "history.edn"))
	require.NoError(t, err)
	defer f.Close()
	ops, err := history.ReadEDN(f)
	require.NoError(t, err)
	return repro.Of(ops, repro.Phase{TimeLimit: 1500 * time.Millisecond, RecoveryWait: 500 * time.Millisecond})
}

// TestCompareParallelRealRuns runs real echo runs two at a time, and as
// two shards merged.
func TestCompareParallelRealRuns(t *testing.T) {
	t.Parallel()
	echo := bins.MustBuild(t, "nodes/echo")
	dir := t.TempDir()
	args := []string{"--impl", "a=" + echo, "--impl", "b=" + echo, "-w", "echo", "--node-count", "1,2",
		"--time-limit", "0.5", "--rate", "20", "--seeds", "1", "--store", filepath.Join(dir, "store")}
	code, stdout, stderr := compareRun(t, context.Background(), append(args, "-j", "2", "--out", filepath.Join(dir, "par"))...)
	require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	rep := readReport(t, filepath.Join(dir, "par"))
	require.Len(t, rep.Runs, 4)
	for i, o := range rep.Runs {
		assert.Equal(t, i, o.Index)
		assert.Equal(t, compare.Valid, o.Verdict, "run %d: %s", i, o.Aborted)
		assert.DirExists(t, o.Dir)
	}
	var parts []string
	for k := range 2 {
		code, stdout, stderr := compareRun(t, context.Background(), append(args, "--shard", fmt.Sprintf("%d/2", k))...)
		require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
		parts = append(parts, filepath.Join(dir, "store", "compare", rep.SpecHash[:12], fmt.Sprintf("shard-%d-of-2", k)))
	}
	code, stdout, stderr = compareRun(t, context.Background(), append([]string{"merge", "--out", filepath.Join(dir, "merged")}, parts...)...)
	require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	merged := readReport(t, filepath.Join(dir, "merged"))
	require.Len(t, merged.Runs, 4)
	for i, o := range merged.Runs {
		assert.Equal(t, rep.Runs[i].Impl, o.Impl)
		assert.Equal(t, rep.Runs[i].Seed, o.Seed)
		assert.Equal(t, compare.Valid, o.Verdict)
		assert.Contains(t, o.Dir, fmt.Sprintf("shard-%d-of-2", o.Cell), "cell %d's runs in its shard's store", o.Cell)
	}
}
