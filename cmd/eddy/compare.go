package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/eddy-workbench/eddy/internal/compare"
	"github.com/eddy-workbench/eddy/runner"
)

const compareUsage = `Usage: eddy compare --impl NAME=COMMAND --impl NAME=COMMAND ... [flags] [eddy test flags]

Runs a matrix of tests: every implementation × every combination of
parameter values × every seed, one run at a time, and compares the
implementations cell by cell (median, minimum and maximum over the seeds of
every figure, and the verdicts). For example:

  eddy compare --impl latency='bin/broadcast -- -strategy latency' \
      --impl messages='bin/broadcast -- -strategy messages' --seeds 3 \
      -w broadcast --node-count 5,25 --time-limit 20 --rate 100 --latency 100

Implementations. COMMAND is BIN [EDDY-TEST-FLAGS...] [-- NODE-ARGS...],
split into words as a shell does (quote paths with spaces):
  --impl 'tree=bin/demo --topology tree4'     eddy test flags for this impl only
  --impl "mine='my dir/node' -- -verbose"     arguments for the node after --

Parameters. Any eddy test flag may be given; a comma-separated value, or
the flag repeated, makes it an axis of the matrix (--node-count 5,25
--nemesis none,partition is four cells), a single value a setting of every
run. --nodes, --node and --consistency-models keep their commas and go to
every run as given. --bin, --seed and --test-count belong to --impl and
--seeds.

Seeds. Every implementation runs every cell with the same seeds, so they
face the same schedules of operations, latencies and partitions: each
process asks the same operations in the same order, each link draws the
same latencies in the same order, and the nemesis makes the same
partitions at the same times (how far each process gets, and what the
nodes answer, is up to the implementation). Runs go cell by cell, seed by
seed, every implementation in turn.

Spec files. --spec FILE reads flags from FILE, one a line: the flag, a blank,
and the rest of the line as its value, unquoted (blank lines and lines
starting with # are skipped; paths are relative to the working directory):
  --impl latency=bin/broadcast -- -strategy latency
  --node-count 5,25
  --strict

Output. A table on stdout, and in --out (default STORE/compare/<time>/):
compare.json (the spec, the seeds, every run's store directory and figures,
the aggregates), README.md (the tables) and index.html (the tables and a plot
of servers msgs-per-op against median stable latency); they are rewritten
after every run. The runs themselves are stored under
STORE/compare/<time>/runs/. A run that aborts is reported and counted, and the
others go on; Ctrl-C stops after the current run's teardown and keeps what
was done. Exit status: 0 if every run was valid, 1 if one was invalid or
unknown, 254 for a bad spec (nothing runs), 255 if a run aborted or the
comparison was interrupted.

Parallel runs. -j N runs N cell × seed groups at once on this machine (each
group runs every implementation with one seed, in turn); N is at most the
number of CPUs. The results are the same as one at a time, but the runs
share the machine, which shows in latencies and durations.

Shards. --shard K/N runs only the K-th of N slices of the matrix (K from
0): whole cell × seed groups, dealt out by expected duration (--time-limit
plus 10 s each), the same on every machine. The partial result goes to
--out (default STORE/compare/<spec hash>/shard-K-of-N/, runs under it), and
  eddy compare merge [--out DIR] DIR...
combines the shards' directories into the result of the whole matrix.
A shard exits with status 0 once all of its runs are done, valid or not
(254 for a bad spec, 255 if interrupted), so that a batch engine does not
rerun it; the merge's exit status reports the verdicts.
--shard auto/N takes K from the environment: EDDY_SHARD_INDEX if set (for
CI matrices), else JOB_COMPLETION_INDEX (a Kubernetes Indexed Job), else
SLURM_ARRAY_TASK_ID (a Slurm job array: K = (ID - SLURM_ARRAY_TASK_MIN) /
SLURM_ARRAY_TASK_STEP, and SLURM_ARRAY_TASK_COUNT must be N). One command
line thus serves every shard. See eddy compare merge --help.

Flags:
`

// Flags of eddy test that eddy compare treats otherwise.
var (
	// compareFixedFlags hold lists themselves; they are passed as given.
	compareFixedFlags = map[string]bool{"nodes": true, "node": true, "n": true, "nodes-file": true, "consistency-models": true}
	// compareOwnFlags are set per run by eddy compare, with what to give
	// instead (--store is eddy compare's own).
	compareOwnFlags = map[string]string{
		"bin":        "the binary belongs in --impl NAME=BIN",
		"seed":       "seeds are given with --seeds",
		"test-count": "repetitions are given with --seeds",
	}
	// flagAliases map short flags onto the flag they stand for.
	flagAliases = map[string]string{"w": "workload", "n": "node"}
)

// compareOptions is a parsed eddy compare command line.
type compareOptions struct {
	spec  compare.Spec
	out   string
	store string
	note  string
	// shard is --shard as given ("" for the whole matrix); jobs is -j.
	shard string
	jobs  int
	// paramIndex finds a parameter of spec by flag name.
	paramIndex map[string]int
}

// axisFlag collects the values of one eddy test flag into a parameter.
type axisFlag struct {
	o      *compareOptions
	name   string
	isBool bool
}

func (a axisFlag) String() string   { return "" }
func (a axisFlag) IsBoolFlag() bool { return a.isBool }

func (a axisFlag) Set(v string) error {
	i, ok := a.o.paramIndex[a.name]
	if !ok {
		i = len(a.o.spec.Params)
		a.o.paramIndex[a.name] = i
		a.o.spec.Params = append(a.o.spec.Params, compare.Param{Flag: a.name})
	}
	p := &a.o.spec.Params[i]
	added := false
	for _, part := range strings.Split(v, ",") {
		if part = strings.TrimSpace(part); part != "" {
			p.Values = append(p.Values, part)
			added = true
		}
	}
	if !added {
		return fmt.Errorf("no value in %q", v)
	}
	return nil
}

// fixedFlag passes a list-valued eddy test flag to every run.
type fixedFlag struct {
	o    *compareOptions
	name string
}

func (f fixedFlag) String() string { return "" }
func (f fixedFlag) Set(v string) error {
	f.o.spec.Fixed = append(f.o.spec.Fixed, "--"+f.name+"="+v)
	return nil
}

// compareFlags binds eddy compare's flags, and every eddy test flag, to o.
func compareFlags(o *compareOptions) *flag.FlagSet {
	fs := flag.NewFlagSet("eddy compare", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Func("impl", "an implementation: NAME=BIN [EDDY-TEST-FLAGS...] [-- NODE-ARGS...] (repeatable)", func(v string) error {
		im, err := compare.ParseImpl(v)
		if err != nil {
			return errors.New(strings.TrimPrefix(err.Error(), "--impl "))
		}
		o.spec.Impls = append(o.spec.Impls, im)
		return nil
	})
	fs.Func("seeds", "a count N (seeds 1…N) or a comma-separated list of seeds (default 3)", func(v string) error {
		seeds, err := compare.ParseSeeds(v)
		if err != nil {
			msg := strings.TrimPrefix(err.Error(), "--seeds: ")
			return errors.New(strings.TrimPrefix(msg, "--seeds "))
		}
		o.spec.Seeds = seeds
		return nil
	})
	fs.StringVar(&o.out, "out", "", "directory for compare.json, README.md and index.html (default STORE/compare/<time>/)")
	fs.StringVar(&o.store, "store", "store", "directory the runs are stored under (STORE/compare/<time>/runs/)")
	fs.StringVar(&o.note, "note", "", "a note on the conditions of the runs, kept with the results")
	fs.StringVar(&o.shard, "shard", "", "run only shard K of N (K/N, K from 0), or auto/N to take K from the environment (see above)")
	fs.IntVar(&o.jobs, "j", 1, "run this many cell × seed groups at once (at most the number of CPUs)")
	fs.Func("spec", "read flags from FILE, one a line (see above)", func(path string) error {
		return o.readSpecFile(fs, path)
	})

	var cfg runner.Config
	n := 1
	tfs, _ := testFlags(&cfg, &n)
	tfs.VisitAll(func(f *flag.Flag) {
		if f.Name == "store" {
			return
		}
		if msg, own := compareOwnFlags[f.Name]; own {
			fs.Func(f.Name, "not a flag of eddy compare: "+msg, func(string) error { return errors.New(msg) })
			return
		}
		name := f.Name
		if alias, ok := flagAliases[name]; ok {
			name = alias
		}
		isBool := false
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			isBool = true
		}
		if compareFixedFlags[f.Name] {
			fs.Var(fixedFlag{o, name}, f.Name, "eddy test: "+f.Usage+" (every run)")
			return
		}
		fs.Var(axisFlag{o, name, isBool}, f.Name, "eddy test: "+f.Usage)
	})
	return fs
}

// readSpecFile applies the flags of a spec file, one a line.
func (o *compareOptions) readSpecFile(fs *flag.FlagSet, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		name, value, hasValue := text, "", false
		if i := strings.IndexAny(text, " \t"); i >= 0 {
			name, value, hasValue = text[:i], strings.TrimSpace(text[i+1:]), true
		}
		if !strings.HasPrefix(name, "-") {
			return fmt.Errorf("%s:%d: expected a flag such as --impl, got %q", path, line, name)
		}
		name = strings.TrimLeft(name, "-")
		if n, v, ok := strings.Cut(name, "="); ok {
			name, value, hasValue = n, v, true
		}
		if name == "spec" {
			return fmt.Errorf("%s:%d: a spec file cannot read another one", path, line)
		}
		fl := fs.Lookup(name)
		if fl == nil {
			return fmt.Errorf("%s:%d: flag provided but not defined: -%s", path, line, name)
		}
		if !hasValue {
			if b, ok := fl.Value.(interface{ IsBoolFlag() bool }); !ok || !b.IsBoolFlag() {
				return fmt.Errorf("%s:%d: --%s needs a value", path, line, name)
			}
			value = "true"
		}
		if err := fs.Set(name, value); err != nil {
			return fmt.Errorf("%s:%d: --%s: %v", path, line, name, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	return nil
}

// checkImplFlags checks each implementation's own eddy test flags: known,
// not ones eddy compare sets, not a parameter too.
func (o *compareOptions) checkImplFlags() error {
	for _, im := range o.spec.Impls {
		var cfg runner.Config
		n := 1
		fs, _ := testFlags(&cfg, &n)
		if err := fs.Parse(im.Flags); err != nil {
			return fmt.Errorf("impl %s: %v (arguments for the node go after --)", im.Name, err)
		}
		if len(fs.Args()) > 0 {
			return fmt.Errorf("impl %s: unexpected word %q before -- (arguments for the node go after --)", im.Name, fs.Args()[0])
		}
		var bad error
		fs.Visit(func(f *flag.Flag) {
			name := f.Name
			if alias, ok := flagAliases[name]; ok {
				name = alias
			}
			switch {
			case bad != nil:
			case compareOwnFlags[f.Name] != "", f.Name == "store":
				bad = fmt.Errorf("impl %s: --%s cannot be set per implementation", im.Name, f.Name)
			case o.isParam(name):
				bad = fmt.Errorf("impl %s sets --%s, which is also given as a parameter of every run", im.Name, name)
			}
		})
		if bad != nil {
			return bad
		}
	}
	return nil
}

// isParam reports whether the flag is a parameter of the spec, or passed
// to every run as given.
func (o *compareOptions) isParam(name string) bool {
	if _, ok := o.paramIndex[name]; ok {
		return true
	}
	for _, f := range o.spec.Fixed {
		if strings.HasPrefix(f, "--"+name+"=") {
			return true
		}
	}
	return false
}

// plannedRun is one run of the matrix with its configuration.
type plannedRun struct {
	compare.Planned
	cfg  runner.Config
	args []string // the eddy test arguments it amounts to
}

// configure turns a planned run into a runner configuration, as eddy test
// would from the same arguments.
func (o *compareOptions) configure(p compare.Planned, storeDir string) (plannedRun, error) {
	args := []string{"--bin", p.Impl.Bin}
	args = append(args, p.Impl.Flags...)
	args = append(args, p.Cell.Args()...)
	args = append(args, o.spec.Fixed...)
	args = append(args, "--seed", fmt.Sprint(p.Seed), "--store", storeDir)
	if len(p.Impl.NodeArgs) > 0 {
		args = append(append(args, "--"), p.Impl.NodeArgs...)
	}
	where := "impl " + p.Impl.Name
	if p.Cell.Label != "all" {
		where += ", " + p.Cell.Label
	}
	var cfg runner.Config
	n := 1
	fs, finish := testFlags(&cfg, &n)
	if err := fs.Parse(args); err != nil {
		return plannedRun{}, fmt.Errorf("%s: %v", where, err)
	}
	if err := finish(); err != nil {
		return plannedRun{}, fmt.Errorf("%s: %v", where, err)
	}
	cfg.Args = fs.Args()
	if err := runner.Validate(cfg); err != nil {
		return plannedRun{}, fmt.Errorf("%s: %v", where, err)
	}
	return plannedRun{Planned: p, cfg: cfg, args: args}, nil
}

// slug makes a cell label into a directory name.
var slugUnsafe = regexp.MustCompile(`[^A-Za-z0-9._=,+-]+`)

func runStore(base string, p compare.Planned) string {
	cell := fmt.Sprintf("c%d-%s", p.Cell.Index, slugUnsafe.ReplaceAllString(p.Cell.Label, "_"))
	return filepath.Join(base, "runs", p.Impl.Name, cell, fmt.Sprintf("seed-%d", p.Seed))
}
