package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/eddy-workbench/eddy/internal/challenge"
	"github.com/eddy-workbench/eddy/internal/compare"
	"github.com/eddy-workbench/eddy/runner"
)

// fixedRunCost is what a run is expected to take beyond its --time-limit,
// for balancing shards: setup, the recovery pause of workloads with a final
// read (10 s), teardown and analysis.
const fixedRunCost = 10 * time.Second

// runResult is what eddy compare keeps of one run.
type runResult struct {
	Dir      string
	Aborted  string
	Problems []string
	Figures  challenge.Figures
}

// runFunc runs one test of the matrix; progress, if set, receives the
// runner's progress reports. An error means the run could not start.
type runFunc func(ctx context.Context, pr plannedRun, progress func(runner.Progress)) (runResult, error)

// runWithRunner is the runFunc of eddy compare: runner.Run.
func runWithRunner(ctx context.Context, pr plannedRun, progress func(runner.Progress)) (runResult, error) {
	cfg := pr.cfg
	cfg.Progress = progress
	res, err := runner.Run(ctx, cfg)
	if err != nil {
		return runResult{}, err
	}
	out := runResult{Dir: res.Dir, Aborted: res.Aborted, Problems: res.Problems, Figures: challenge.Extract(res.Results)}
	if err := out.Figures.AddRun(res.Dir, runConcurrency(cfg)); err != nil {
		out.Problems = append(out.Problems, fmt.Sprintf("eddy compare could not read the run's history and logs: %v", err))
	}
	return out, nil
}

// runConcurrency is a run's number of worker threads.
func runConcurrency(cfg runner.Config) int {
	nodes := len(cfg.Nodes)
	if nodes == 0 {
		nodes = cfg.NodeCount
	}
	if nodes == 0 {
		nodes = 5
	}
	return challenge.Concurrency(cfg.Concurrency, nodes)
}

// compareEnv is what eddy compare takes from its surroundings; tests
// replace parts of it.
type compareEnv struct {
	// tweak, if set, adjusts every run's configuration (tests shorten the
	// runs' fixed waits with it).
	tweak func(*runner.Config)
	// run runs one test (default runWithRunner).
	run runFunc
	// getenv reads the environment (default os.Getenv).
	getenv func(string) string
	// cpus bounds -j (default runtime.NumCPU()).
	cpus int
	// now is the clock (default time.Now).
	now func() time.Time
}

func (e compareEnv) withDefaults() compareEnv {
	if e.run == nil {
		e.run = runWithRunner
	}
	if e.getenv == nil {
		e.getenv = os.Getenv
	}
	if e.cpus <= 0 {
		e.cpus = runtime.NumCPU()
	}
	if e.now == nil {
		e.now = time.Now
	}
	return e
}

func compareCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return compareWith(ctx, args, stdout, stderr, compareEnv{})
}

// compareWith is eddy compare.
func compareWith(ctx context.Context, args []string, stdout, stderr io.Writer, env compareEnv) int {
	env = env.withDefaults()
	if len(args) > 0 && args[0] == "merge" {
		return compareMerge(args[1:], stdout, stderr, env)
	}
	o := &compareOptions{paramIndex: map[string]int{}}
	o.spec.Seeds = []uint64{1, 2, 3}
	fs := compareFlags(o)
	fail := func(err error) int {
		fmt.Fprintf(stderr, "eddy compare: %v\n", err)
		return exitBadArgs
	}
	if code, ok := parseFlags(fs, args, compareUsage, stdout, stderr); !ok {
		return code
	}
	if len(fs.Args()) > 0 {
		return fail(fmt.Errorf("unexpected argument %q (implementations are given with --impl NAME=COMMAND; merging is eddy compare merge DIR...)", fs.Args()[0]))
	}
	if err := o.spec.Check(); err != nil {
		return fail(err)
	}
	if err := o.checkImplFlags(); err != nil {
		return fail(err)
	}
	var shard *compare.Shard
	if o.shard != "" {
		sh, err := compare.ParseShard(o.shard, env.getenv)
		if err != nil {
			return fail(err)
		}
		shard = &sh
	}
	if o.jobs < 1 {
		return fail(fmt.Errorf("-j %d: the number of runs at once must be at least 1", o.jobs))
	}
	jobs := o.jobs
	if jobs > env.cpus {
		fmt.Fprintf(stderr, "eddy compare: -j %d is more than the %d CPUs; running %d at a time\n", jobs, env.cpus, env.cpus)
		jobs = env.cpus
	}

	started := env.now().UTC()
	hash := o.spec.Hash()
	base := filepath.Join(o.store, "compare", started.Format("20060102T150405.000Z"))
	if shard != nil {
		// The same place on every machine, so a rerun of a shard replaces it.
		base = filepath.Join(o.store, "compare", hash[:12], shard.Name())
	}
	if o.out == "" {
		o.out = base
	}
	var plan []plannedRun
	for _, p := range o.spec.Plan() {
		pr, err := o.configure(p, runStore(base, p))
		if err != nil {
			return fail(err)
		}
		if env.tweak != nil {
			env.tweak(&pr.cfg)
		}
		plan = append(plan, pr)
	}
	selected := plan
	var shardRuns *compare.ShardRuns
	if shard != nil {
		sl, err := o.spec.Slices(shard.Count, func(p compare.Planned) int64 { return expectedCost(plan[p.Index].cfg) })
		if err != nil {
			return fail(fmt.Errorf("--shard %s: %v", o.shard, err))
		}
		shardRuns = &compare.ShardRuns{Shard: *shard, Runs: sl[shard.Index]}
		selected = nil
		for _, i := range shardRuns.Runs {
			selected = append(selected, plan[i])
		}
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return fail(fmt.Errorf("--out: %v", err))
	}

	rep := &compare.Report{
		Command:  "eddy compare " + compare.QuoteWords(args),
		Engine:   "eddy",
		Started:  started.Format(time.RFC3339),
		Machine:  compare.Machine{CPUs: env.cpus, OS: runtime.GOOS, Arch: runtime.GOARCH},
		Note:     o.note,
		Spec:     o.spec,
		SpecHash: hash,
		Cells:    o.spec.Cells(),
		Planned:  len(plan),
		Runs:     []compare.Outcome{},
		Shard:    shardRuns,
	}
	if jobs > 1 {
		rep.Parallel = jobs
	}
	what := fmt.Sprintf("%d runs", len(plan))
	if shard != nil {
		what = fmt.Sprintf("%d runs; shard %s holds %d of them", len(plan), shard, len(selected))
	}
	fmt.Fprintf(stderr, "eddy compare: %d implementation(s) × %d cell(s) × %d seed(s) = %s (spec %s); results in %s\n",
		len(o.spec.Impls), len(rep.Cells), len(o.spec.Seeds), what, hash[:12], o.out)

	x := &executor{env: env, out: o.out, rep: rep, stderr: stderr, total: len(plan), selected: len(selected), shard: shard}
	if jobs > 1 {
		x.stderr = &lockedWriter{w: stderr}
	}
	x.runAll(ctx, selected, jobs, o.spec)

	fmt.Fprintln(stdout)
	fmt.Fprint(stdout, compare.Table(rep.Aggregates))
	for _, l := range rep.PairedLines() {
		fmt.Fprintln(stdout, l)
	}
	fmt.Fprintf(stdout, "\n%d of %d runs; compare.json, README.md and index.html in %s\n", len(rep.Runs), len(selected), o.out)
	if shard != nil {
		fmt.Fprintf(stdout, "a partial result (shard %s); once every shard is done: eddy compare merge DIR... (one partial result directory per shard)\n", shard)
	}
	if rep.Interrupted {
		fmt.Fprintf(stderr, "eddy compare: interrupted after %d of %d runs\n", len(rep.Runs), len(selected))
		return exitAborted
	}
	if shard != nil && x.code != 0 {
		// A batch engine would retry a shard that exits non-zero, and a
		// rerun changes nothing: the verdicts are the merge's to report.
		fmt.Fprintf(stderr, "eddy compare: shard %s done, with runs that were not valid; its exit status is 0, eddy compare merge's reports the verdicts\n", shard)
		return 0
	}
	return x.code
}

// expectedCost is how long a run is expected to take, in milliseconds: its
// time limit and the fixed costs.
func expectedCost(cfg runner.Config) int64 {
	limit := cfg.TimeLimit
	if limit <= 0 {
		limit = 60 * time.Second
	}
	return (limit + fixedRunCost).Milliseconds()
}

// executor runs a comparison's runs and keeps its report up to date.
type executor struct {
	env    compareEnv
	out    string
	stderr io.Writer
	shard  *compare.Shard
	// total counts the matrix's runs, selected those to run here.
	total, selected int

	mu      sync.Mutex
	rep     *compare.Report
	code    int       // the exit status so far
	written time.Time // when the report was last written
}

// runAll runs the selected runs, jobs groups at a time: each group (one
// cell and seed, every implementation in turn) on one worker, in order, so
// that the runs compared seed by seed follow one another. Runs are
// recorded in plan order whatever order they finish in. Once ctx is
// cancelled no run starts.
func (x *executor) runAll(ctx context.Context, runs []plannedRun, jobs int, spec compare.Spec) {
	var groups [][]plannedRun
	for i, pr := range runs {
		if i == 0 || spec.GroupOf(pr.Planned) != spec.GroupOf(runs[i-1].Planned) {
			groups = append(groups, nil)
		}
		groups[len(groups)-1] = append(groups[len(groups)-1], pr)
	}
	pos := map[int]int{} // plan index → position among the selected runs
	for i, pr := range runs {
		pos[pr.Index] = i + 1
	}
	next := make(chan []plannedRun)
	var wg sync.WaitGroup
	for range min(jobs, max(1, len(groups))) {
		wg.Go(func() {
			for g := range next {
				for _, pr := range g {
					if ctx.Err() != nil {
						break
					}
					x.record(x.runOne(ctx, pr, pos[pr.Index]))
				}
			}
		})
	}
	for _, g := range groups {
		if ctx.Err() != nil {
			break
		}
		next <- g
	}
	close(next)
	wg.Wait()

	x.mu.Lock()
	defer x.mu.Unlock()
	x.rep.Interrupted = ctx.Err() != nil
	x.write()
}

// rewriteEvery is how often at most the report is rewritten while runs
// finish (and once more at the end): drawing it takes a few tens of
// milliseconds, a run at least seconds.
const rewriteEvery = time.Second

// record adds a finished run to the report, in plan order, and rewrites
// the report if it was not rewritten within the last rewriteEvery.
func (x *executor) record(out compare.Outcome) {
	x.mu.Lock()
	defer x.mu.Unlock()
	i, _ := slices.BinarySearchFunc(x.rep.Runs, out.Index, func(o compare.Outcome, idx int) int { return o.Index - idx })
	x.rep.Runs = slices.Insert(x.rep.Runs, i, out)
	switch out.Verdict {
	case compare.Aborted:
		x.code = exitAborted
	case compare.Invalid, compare.Unknown:
		x.code = max(x.code, 1)
	}
	if x.env.now().Sub(x.written) >= rewriteEvery {
		x.write()
	}
}

// write rewrites the report's files; x.mu is held.
func (x *executor) write() {
	x.written = x.env.now()
	x.rep.Finished = x.written.UTC().Format(time.RFC3339)
	if err := writeReport(x.out, x.rep); err != nil {
		fmt.Fprintf(x.stderr, "eddy compare: writing results: %v\n", err)
	}
}

// runOne runs one test of the matrix and reports how it went.
func (x *executor) runOne(ctx context.Context, pr plannedRun, pos int) compare.Outcome {
	at := fmt.Sprintf("%d/%d", pos, x.selected)
	if x.shard != nil {
		at = fmt.Sprintf("shard %s: %d/%d, run %d/%d", x.shard, pos, x.selected, pr.Index+1, x.total)
	}
	label := fmt.Sprintf("[%s] %s %s seed %d", at, pr.Impl.Name, pr.Cell.Label, pr.Seed)
	fmt.Fprintf(x.stderr, "%s\n", label)
	out := compare.Outcome{
		Index:    pr.Index,
		Impl:     pr.Impl.Name,
		Cell:     pr.Cell.Index,
		Settings: pr.Cell.Settings,
		Seed:     pr.Seed,
		Command:  "eddy test " + compare.QuoteWords(pr.args),
	}
	p := newLabelledProgress(x.stderr, fmt.Sprintf("run %d/%d", pr.Index+1, x.total))
	start := x.env.now()
	res, err := x.env.run(ctx, pr, p.print)
	p.done()
	out.Seconds = x.env.now().Sub(start).Seconds()
	if err != nil {
		out.Aborted = err.Error()
	} else {
		out.Dir = res.Dir
		out.Aborted = res.Aborted
		out.Problems = res.Problems
		out.Figures = res.Figures
	}
	out.Verdict = compare.VerdictOf(out.Figures, out.Aborted)
	for _, pb := range out.Problems {
		fmt.Fprintf(x.stderr, "problem: %s\n", pb)
	}
	fmt.Fprintf(x.stderr, "%s: %s\n", label, runSummary(out))
	return out
}

// lockedWriter serialises writes from parallel runs, so that their lines
// do not interleave.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// runSummary is one line on a finished run.
func runSummary(o compare.Outcome) string {
	if o.Verdict == compare.Aborted {
		return fmt.Sprintf("aborted: %s (%.0f s)", o.Aborted, o.Seconds)
	}
	parts := []string{o.Verdict}
	f := o.Figures
	if f.ServerMsgsPerOp != nil {
		parts = append(parts, "servers msgs-per-op "+compare.Num(*f.ServerMsgsPerOp))
	}
	if f.LatencyP50 != nil && f.LatencyMax != nil {
		parts = append(parts, fmt.Sprintf("stable latency p50 %s ms, max %s ms", compare.Num(*f.LatencyP50), compare.Num(*f.LatencyMax)))
	}
	if f.OpLatencyP50 != nil && f.LatencyP50 == nil {
		parts = append(parts, fmt.Sprintf("latency p50 %s ms", compare.Num(*f.OpLatencyP50)))
	}
	if f.Availability != nil {
		parts = append(parts, "availability "+compare.Num(*f.Availability))
	}
	if f.LeaderChanges != nil {
		parts = append(parts, "leader changes "+compare.Num(*f.LeaderChanges))
	}
	return fmt.Sprintf("%s (%.0f s) in %s", strings.Join(parts, ", "), o.Seconds, o.Dir)
}

// writeReport aggregates what has run so far and writes compare.json,
// README.md and index.html, each through a temporary file so that a reader
// never sees half of one.
func writeReport(dir string, rep *compare.Report) error {
	rep.Aggregates = compare.Summarize(rep.Spec, rep.Runs)
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	page, err := rep.HTML()
	if err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		data []byte
	}{
		{"compare.json", append(js, '\n')},
		{"README.md", []byte(rep.Markdown())},
		{"index.html", page},
	} {
		tmp := filepath.Join(dir, "."+f.name+".tmp")
		if err := os.WriteFile(tmp, f.data, 0o644); err != nil {
			return err
		}
		if err := os.Rename(tmp, filepath.Join(dir, f.name)); err != nil {
			return err
		}
	}
	return nil
}
