package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/challenge"
	"github.com/eddy-workbench/eddy/runner"
)

// challengeOptions are the flags of eddy challenge.
type challengeOptions struct {
	engine    string // "eddy" or "maelstrom"
	maelstrom string // path of the maelstrom launcher
	seed      string
	store     string
	results   string // where <id>.json and README.md go; "" = nowhere
	binDir    string
	noBuild   bool
}

const challengeUsage = `Usage: eddy challenge [flags] <id>... | all

Runs Gossip Glomers challenges with their official flags (ids: %s), on eddy
or on the real Maelstrom, prints each one's figures and targets, and writes
<id>.json and README.md into --results (default STORE/challenges/<time>/; the
runs themselves go to STORE as eddy test's do). The repository's committed
results/ change only when asked: --results results (scripts/refresh-results.sh).
Node binaries are built into --bin-dir from the source tree. Exit status: 0 if
every target was met, 1 if one was missed, 254 for bad arguments, 255 if a run
could not complete. The ids g-set, pn-counter and txn-list-append are extras,
not challenges, with eddy's own flags and targets.

`

func challengeCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var o challengeOptions
	fs := flag.NewFlagSet("eddy challenge", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.engine, "engine", "", "eddy or maelstrom (default eddy, or maelstrom when $MAELSTROM is set)")
	fs.StringVar(&o.maelstrom, "maelstrom", os.Getenv("MAELSTROM"), "path of the maelstrom launcher (default $MAELSTROM, else maelstrom on $PATH)")
	fs.StringVar(&o.seed, "seed", "", "seed of every run (eddy only; default random)")
	fs.StringVar(&o.store, "store", "store", "directory runs are written to")
	fs.StringVar(&o.results, "results", "", `directory for <id>.json and README.md (default STORE/challenges/<time>/; "" writes none; results refreshes the committed ones)`)
	fs.StringVar(&o.binDir, "bin-dir", "bin", "directory the node binaries are built into")
	fs.BoolVar(&o.noBuild, "no-build", false, "use the binaries already in --bin-dir")
	if code, ok := parseFlags(fs, args, fmt.Sprintf(challengeUsage, strings.Join(challenge.IDs(), ", ")), stdout, stderr); !ok {
		return code
	}
	resultsSet := false
	fs.Visit(func(f *flag.Flag) { resultsSet = resultsSet || f.Name == "results" })
	if !resultsSet {
		o.results = filepath.Join(o.store, "challenges", time.Now().UTC().Format("20060102T150405.000Z"))
	}
	if err := o.resolve(); err != nil {
		fmt.Fprintf(stderr, "eddy challenge: %v\n", err)
		return exitBadArgs
	}
	selected, err := challenge.Select(fs.Args())
	if err != nil {
		fmt.Fprintf(stderr, "eddy challenge: %v\n", err)
		return exitBadArgs
	}
	all := len(fs.Args()) == 1 && strings.EqualFold(strings.TrimSpace(fs.Args()[0]), "all")
	runnable, err := o.prepare(selected, all, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "eddy challenge: %v\n", err)
		return exitBadArgs
	}

	var records []challenge.Record
	code := 0
	for _, c := range runnable {
		if ctx.Err() != nil {
			break
		}
		rec := o.runChallenge(ctx, c, stderr)
		records = append(records, rec)
		switch {
		case rec.Aborted != "":
			code = max(code, exitAborted)
		case !rec.Met:
			code = max(code, 1)
		}
		if o.results != "" {
			if err := writeRecord(o.results, rec); err != nil {
				fmt.Fprintf(stderr, "eddy challenge: writing results: %v\n", err)
			}
		}
	}
	fmt.Fprintln(stdout)
	fmt.Fprint(stdout, challenge.Table(records))
	if o.results != "" && len(records) > 0 {
		if err := writeResultsREADME(o.results); err != nil {
			fmt.Fprintf(stderr, "eddy challenge: writing %s: %v\n", filepath.Join(o.results, "README.md"), err)
		} else {
			fmt.Fprintf(stderr, "challenge records and table in %s\n", o.results)
		}
	}
	if ctx.Err() != nil {
		fmt.Fprintln(stderr, "eddy challenge: interrupted")
		return exitAborted
	}
	return code
}

// resolve settles the engine and checks the flags that need no files.
func (o *challengeOptions) resolve() error {
	if o.engine == "" {
		o.engine = "eddy"
		if os.Getenv("MAELSTROM") != "" {
			o.engine = "maelstrom"
		}
	}
	switch o.engine {
	case "eddy":
	case "maelstrom":
		if o.seed != "" {
			return errors.New("--seed applies to the eddy engine only: Maelstrom has no seed")
		}
		path := o.maelstrom
		if path == "" {
			path = "maelstrom"
		}
		found, err := exec.LookPath(path)
		if err != nil {
			return fmt.Errorf("--engine maelstrom needs Maelstrom: %q was not found (install Maelstrom 0.2.4 and set MAELSTROM=/path/to/maelstrom or --maelstrom)", path)
		}
		o.maelstrom = found
	default:
		return fmt.Errorf("--engine must be eddy or maelstrom, not %q", o.engine)
	}
	if o.seed != "" {
		if _, err := strconv.ParseUint(o.seed, 10, 63); err != nil {
			return fmt.Errorf("--seed must be a non-negative integer, got %q", o.seed)
		}
	}
	return nil
}

// prepare builds the node binaries the challenges need. Challenges whose
// node does not exist yet are skipped when running all of them, and an
// error when asked for by name.
func (o *challengeOptions) prepare(cs []challenge.Challenge, all bool, stderr io.Writer) ([]challenge.Challenge, error) {
	root := ""
	if !o.noBuild {
		var err error
		if root, err = sourceRoot(); err != nil {
			return nil, err
		}
	}
	var out []challenge.Challenge
	built := map[string]bool{}
	for _, c := range cs {
		if root != "" {
			if _, err := os.Stat(filepath.Join(root, c.Node)); err != nil {
				if all {
					fmt.Fprintf(stderr, "challenge %s: skipped, no node yet (%s)\n", c.ID, c.Node)
					continue
				}
				return nil, fmt.Errorf("challenge %s needs %s, which does not exist yet", c.ID, c.Node)
			}
			if !built[c.Node] {
				if err := o.build(root, c.Node, stderr); err != nil {
					return nil, err
				}
				built[c.Node] = true
			}
		} else if _, err := os.Stat(o.bin(c)); err != nil {
			if all {
				fmt.Fprintf(stderr, "challenge %s: skipped, no binary %s\n", c.ID, o.bin(c))
				continue
			}
			return nil, fmt.Errorf("challenge %s needs %s (built from %s), which does not exist", c.ID, o.bin(c), c.Node)
		}
		out = append(out, c)
	}
	return out, nil
}

// bin is the path of the challenge's node binary.
func (o *challengeOptions) bin(c challenge.Challenge) string {
	return filepath.Join(o.binDir, filepath.Base(c.Node))
}

// build compiles one node package into the bin directory.
func (o *challengeOptions) build(root, pkg string, stderr io.Writer) error {
	out, err := filepath.Abs(filepath.Join(o.binDir, filepath.Base(pkg)))
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "building %s\n", pkg)
	cmd := exec.Command("go", "build", "-o", out, "./"+pkg)
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = stderr, stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("building %s: %v", pkg, err)
	}
	return nil
}

// eddyModule is the module path of eddy's source tree.
const eddyModule = "github.com/eddy-workbench/eddy"

// modulePath is the path a go.mod file declares, or "".
func modulePath(gomod []byte) string {
	for line := range strings.Lines(string(gomod)) {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module"); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}

// sourceRoot finds the eddy source tree at or above the working directory.
func sourceRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && modulePath(data) == eddyModule {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the eddy source tree, so the nodes cannot be built (run from the repository, or pass --no-build with built nodes in --bin-dir)")
		}
		dir = parent
	}
}

// runChallenge runs one challenge on the selected engine and judges it.
func (o *challengeOptions) runChallenge(ctx context.Context, c challenge.Challenge, stderr io.Writer) challenge.Record {
	rec := challenge.Record{
		Challenge: c.ID,
		Title:     c.Title,
		Engine:    o.engine,
		Date:      time.Now().UTC().Format(time.RFC3339),
	}
	fmt.Fprintf(stderr, "== challenge %s (%s): %s\n", c.ID, c.Title, c.Command())
	var results *edn.Map
	if o.engine == "eddy" {
		results = o.runEddy(ctx, c, &rec, stderr)
	} else {
		results = o.runMaelstrom(ctx, c, &rec, stderr)
	}
	rec.Figures = challenge.Extract(results)
	rec.Checks = c.Evaluate(rec.Figures)
	rec.Met = challenge.Met(rec.Checks) && rec.Aborted == ""
	if results != nil {
		if raw, err := edn.MarshalJSON(results); err == nil {
			rec.Results = json.RawMessage(raw)
		}
	}
	verdict := challenge.TargetSummary(rec.Checks)
	if rec.Aborted != "" {
		verdict = "aborted: " + rec.Aborted
	}
	fmt.Fprintf(stderr, "challenge %s: %s\n", c.ID, verdict)
	for _, w := range rec.Warnings {
		fmt.Fprintf(stderr, "challenge %s: WARNING: %s\n", c.ID, w)
	}
	return rec
}

// runEddy runs the challenge in-process, as eddy test would.
func (o *challengeOptions) runEddy(ctx context.Context, c challenge.Challenge, rec *challenge.Record, stderr io.Writer) *edn.Map {
	var cfg runner.Config
	testCount := 1
	fs, finish := testFlags(&cfg, &testCount)
	args := []string{"-w", c.Workload, "--bin", o.bin(c)}
	args = append(args, c.Flags...)
	if o.seed != "" {
		args = append(args, "--seed", o.seed)
	}
	if len(c.NodeArgs) > 0 {
		args = append(append(args, "--"), c.NodeArgs...)
	}
	rec.Command = "eddy test " + strings.Join(args, " ")
	if err := fs.Parse(append([]string{"--store", o.store}, args...)); err != nil {
		rec.Aborted = err.Error()
		return nil
	}
	if err := finish(); err != nil {
		rec.Aborted = err.Error()
		return nil
	}
	cfg.Args = fs.Args()
	p := newProgressPrinter(stderr, c.ID)
	cfg.Progress = p.print
	res, err := runner.Run(ctx, cfg)
	p.done()
	if err != nil {
		rec.Aborted = err.Error()
		return nil
	}
	seed := res.Seed
	rec.Seed = &seed
	rec.Aborted = res.Aborted
	rec.Warnings = res.Warnings
	for _, pr := range res.Problems {
		fmt.Fprintf(stderr, "problem: %s\n", pr)
	}
	fmt.Fprintf(stderr, "results in %s\n", res.Dir)
	return res.Results
}

// runMaelstrom runs the challenge's command on the real Maelstrom, in a
// directory of its own under the store, and reads the results.edn it wrote.
func (o *challengeOptions) runMaelstrom(ctx context.Context, c challenge.Challenge, rec *challenge.Record, stderr io.Writer) *edn.Map {
	bin, err := filepath.Abs(o.bin(c))
	if err != nil {
		rec.Aborted = err.Error()
		return nil
	}
	work, err := filepath.Abs(filepath.Join(o.store, "maelstrom", c.ID))
	if err == nil {
		err = os.MkdirAll(work, 0o755)
	}
	if err != nil {
		rec.Aborted = err.Error()
		return nil
	}
	args := append([]string{"test", "-w", c.Workload, "--bin", bin}, c.Flags...)
	if len(c.NodeArgs) > 0 {
		args = append(append(args, "--"), c.NodeArgs...)
	}
	rec.Command = "maelstrom " + strings.Join(args, " ")
	logPath := filepath.Join(work, "maelstrom.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		rec.Aborted = err.Error()
		return nil
	}
	defer logFile.Close()
	cmd := exec.CommandContext(ctx, o.maelstrom, args...)
	cmd.Dir = work
	cmd.Stdout, cmd.Stderr = logFile, logFile
	fmt.Fprintf(stderr, "running maelstrom in %s (log: %s)\n", work, logPath)
	runErr := cmd.Run()
	path := filepath.Join(work, "store", "latest", "results.edn")
	results, err := readResultsEDN(path)
	if err != nil {
		rec.Aborted = fmt.Sprintf("maelstrom wrote no readable results (%v; exit: %v); see %s", err, runErr, logPath)
		return nil
	}
	return results
}

// readResultsEDN reads a results.edn file into a map.
func readResultsEDN(path string) (*edn.Map, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	v, err := edn.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	m, ok := v.(*edn.Map)
	if !ok {
		return nil, fmt.Errorf("%s does not hold a map", path)
	}
	return m, nil
}

// writeRecord writes results/<id>.json.
func writeRecord(dir string, rec challenge.Record) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, rec.Challenge+".json"), append(data, '\n'), 0o644)
}

// writeResultsREADME regenerates results/README.md from every record in
// the directory.
func writeResultsREADME(dir string) error {
	var records []challenge.Record
	for _, id := range challenge.IDs() {
		data, err := os.ReadFile(filepath.Join(dir, id+".json"))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		var rec challenge.Record
		if err := json.Unmarshal(data, &rec); err != nil {
			return fmt.Errorf("%s.json: %v", id, err)
		}
		records = append(records, rec)
	}
	var b strings.Builder
	b.WriteString("# Latest challenge results\n\n")
	b.WriteString("Generated by `eddy challenge` (`scripts/challenges.sh`); do not edit. One JSON file per\n")
	b.WriteString("challenge holds the command, the figures, the targets and the whole results map.\n")
	b.WriteString("The challenges' targets are the official ones; an extra must be valid, and its message\n")
	b.WriteString("budget, where it has one, is what Maelstrom's Ruby demo for the workload sends under eddy\n")
	b.WriteString("with the same flags. Stable latencies are in milliseconds.\n\n")
	b.WriteString(challenge.Table(records))
	return os.WriteFile(filepath.Join(dir, "README.md"), []byte(b.String()), 0o644)
}
