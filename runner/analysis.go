package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/explain"
	"github.com/eddy-workbench/eddy/internal/checker"
	"github.com/eddy-workbench/eddy/internal/history"
	"github.com/eddy-workbench/eddy/internal/nemesis"
	"github.com/eddy-workbench/eddy/internal/netsim"
	"github.com/eddy-workbench/eddy/internal/report"
	"github.com/eddy-workbench/eddy/internal/viz"
	"github.com/eddy-workbench/eddy/internal/workload"
)

// RecordFile is the file in a run directory that records what a later
// re-analysis needs and the history and journal do not hold.
const RecordFile = "test.json"

// record is test.json: the run's resolved settings (every plain field of
// Config, under its Go name; durations in nanoseconds), the seed, and what
// the run itself established: why it aborted, the problems diagnosed while
// it ran, the exact network counts and how many journal events the journal
// could not keep.
type record struct {
	Version     int                        `json:"eddy-record"`
	Config      map[string]json.RawMessage `json:"config"`
	Seed        uint64                     `json:"seed"`
	Start       time.Time                  `json:"start"`
	Aborted     string                     `json:"aborted,omitempty"`
	Problems    []string                   `json:"problems"`
	Net         netsim.Stats               `json:"net"`
	Unjournaled int64                      `json:"unjournaled"`
}

// recordVersion is the version of test.json this code writes and reads.
const recordVersion = 1

// recordConfig keeps every field of c that is plain data (not the console
// log or the progress callback), so that settings added to Config later are
// recorded with no extra code.
func recordConfig(c Config) (map[string]json.RawMessage, error) {
	out := map[string]json.RawMessage{}
	v := reflect.ValueOf(c)
	for i := range v.NumField() {
		f := v.Type().Field(i)
		if !recordable(f) {
			continue
		}
		raw, err := json.Marshal(v.Field(i).Interface())
		if err != nil {
			return nil, fmt.Errorf("recording setting %s: %w", f.Name, err)
		}
		out[f.Name] = raw
	}
	return out, nil
}

// configOf rebuilds a Config from recorded fields; unknown names are
// ignored (a newer eddy may record more).
func configOf(fields map[string]json.RawMessage) (Config, error) {
	var c Config
	v := reflect.ValueOf(&c).Elem()
	for i := range v.NumField() {
		f := v.Type().Field(i)
		raw, ok := fields[f.Name]
		if !ok || !recordable(f) {
			continue
		}
		if err := json.Unmarshal(raw, v.Field(i).Addr().Interface()); err != nil {
			return Config{}, fmt.Errorf("setting %s: %v", f.Name, err)
		}
	}
	return c, nil
}

func recordable(f reflect.StructField) bool {
	switch f.Type.Kind() {
	case reflect.Func, reflect.Interface, reflect.Chan, reflect.Pointer:
		return false
	}
	return f.IsExported()
}

// evidence is what the checkers need of a finished run. A run assembles it
// from memory; Analyze from the files of a stored run.
type evidence struct {
	s           settings
	wl          workload.Workload
	seed        uint64
	start       time.Time
	ops         []history.Op
	journal     []netsim.Event
	net         netsim.Stats
	unjournaled int64
	aborted     string
	problems    []string // diagnosed while the run went on
	// hook, if set, is called at the start of every guarded part of the
	// analysis with its name; tests make it panic.
	hook func(string)
	// faults are what was wrong with a stored history.edn (eddy analyze
	// only); lossy, whether they lost information the checkers need.
	faults []history.Fault
	lossy  bool
	// unexplained turns the explainers off (to measure what they cost).
	unexplained bool
}

// verdict is the checkers' conclusion on the evidence.
type verdict struct {
	valid    check.Verdict
	figures  check.Figures
	findings check.Findings
	results  *edn.Map // rendered from the above
	// problems are the run's diagnoses followed by the analysis's own
	// (fresh holds just the latter).
	problems, fresh []string
	eddy            *edn.Map // results' :eddy entry
	// crashes are the panics recovered while checking and writing.
	crashes []crash
	// warnings are findings of eddy's own checks that Maelstrom's verdict
	// does not reflect (nodes that did not converge).
	warnings []string
	// explanations explain the workload's findings (results.edn's
	// :explanations).
	explanations []explain.Explanation
}

// addProblem adds one of the analysis's own diagnoses, to results.edn too.
func (v *verdict) addProblem(p string) {
	v.problems = append(v.problems, p)
	v.fresh = append(v.fresh, p)
	v.eddy.Set(edn.Keyword("problems"), strings2EDN(v.problems))
}

// check runs every checker over the evidence and composes results.edn from
// their typed results. A run and eddy analyze both come here. A checker
// that panics is reported and its verdict is unknown; the others still run.
func (ev *evidence) check() verdict {
	ops := ev.ops
	var crashed []crash
	// section runs one checker's part under a guard: a panic makes that
	// part's verdict unknown, with the message in its place in results.edn.
	section := func(name string, f func() (check.Verdict, *edn.Map)) (check.Verdict, *edn.Map) {
		var v check.Verdict
		var m *edn.Map
		if c := guard("the "+name+" checker", ev.hook, func() { v, m = f() }); c != nil {
			crashed = append(crashed, *c)
			cr := &check.Crashed{Checker: name + " checker", Message: c.msg}
			return cr.Verdict(), cr.EDN()
		}
		return v, m
	}
	var synthetic func(string) bool
	if s, ok := ev.wl.(workload.Synthetic); ok {
		synthetic = s.Synthetic
	}
	var fig check.Figures
	figCrash := guard("the figures", ev.hook, func() {
		fig = checker.Figures(ops, synthetic, checker.NetStats{
			All:     checker.NetCounts(ev.net.All),
			Clients: checker.NetCounts(ev.net.Clients),
			Servers: checker.NetCounts(ev.net.Servers),
		})
	})
	figured := func(f func() (check.Verdict, *edn.Map)) func() (check.Verdict, *edn.Map) {
		if figCrash != nil {
			return func() (check.Verdict, *edn.Map) {
				panic("the figures they are computed from panicked: " + figCrash.msg)
			}
		}
		return f
	}
	if figCrash != nil {
		crashed = append(crashed, *figCrash)
	}
	_, exc := section("exceptions", func() (check.Verdict, *edn.Map) { return check.Valid, exceptions(ops) })
	statsV, stats := section("stats", figured(func() (check.Verdict, *edn.Map) { return checker.StatsVerdict(fig), checker.StatsEDN(fig) }))
	availV, avail := section("availability", figured(func() (check.Verdict, *edn.Map) {
		return checker.AvailabilityVerdict(fig, ev.s.availability), checker.AvailabilityEDN(fig, ev.s.availability)
	}))
	netV, net := section("net", figured(func() (check.Verdict, *edn.Map) { return check.Valid, checker.NetEDN(fig) }))
	// unchecked are the workload's diagnoses of what Maelstrom's checker
	// does not look at (duplicates in reads, …).
	var findings check.Findings
	var unchecked []string
	if c := guard("the workload checker", ev.hook, func() { findings, unchecked = ev.wl.Check(ops) }); c != nil {
		crashed = append(crashed, *c)
		findings, unchecked = &check.Crashed{Checker: "workload checker", Message: c.msg}, nil
	}
	var wres *edn.Map
	if c := guard("the workload checker", nil, func() { wres = findings.EDN() }); c != nil {
		crashed = append(crashed, *c)
		findings = &check.Crashed{Checker: "workload checker", Message: c.msg}
		wres = findings.EDN()
	}
	valid := check.Merge(statsV, availV, netV, findings.Verdict())
	var fresh []string
	if ev.unjournaled > 0 {
		fresh = append(fresh, fmt.Sprintf("the network journal kept its first %d events and dropped %d more (net-journal.jsonl is incomplete; the :net counts are exact)", netsim.DefaultMaxJournal, ev.unjournaled))
	}
	fresh = append(fresh, unchecked...)
	for _, c := range crashed {
		fresh = append(fresh, c.problem("its verdict is unknown"))
	}
	fresh = append(fresh, faultProblems(ev.faults, ev.lossy, valid)...)
	var warnings []string
	if c, ok := ev.wl.(workload.Converger); ok {
		var summary string
		if cr := guard("the convergence check", ev.hook, func() { summary = c.Unconverged(findings) }); cr != nil {
			crashed = append(crashed, *cr)
			fresh = append(fresh, cr.problem("it found nothing"))
		} else if summary != "" {
			warnings = append(warnings, convergenceWarning(summary, ev.s.Strict, valid))
		}
	}
	var expls []explain.Explanation
	if cr := guard("the explainer", ev.hook, func() { expls = ev.explainFindings(findings, append(unchecked, warnings...)) }); cr != nil {
		crashed = append(crashed, *cr)
		fresh = append(fresh, cr.problem("nothing is explained"))
		expls = nil
	}
	problems := append(append([]string(nil), ev.problems...), fresh...)
	if ev.aborted != "" || ev.lossy {
		// Nothing about an aborted run can be vouched for, nor about a
		// history that lost ops: they could hide an anomaly, or fake one.
		valid = check.Unknown
	}

	results := edn.NewMap(
		edn.Keyword("exceptions"), exc,
		edn.Keyword("stats"), stats,
		edn.Keyword("availability"), avail,
		edn.Keyword("net"), net,
		edn.Keyword("workload"), wres,
		edn.Keyword("explanations"), explanationsEDN(expls),
	)
	eddy := edn.NewMap(edn.Keyword("seed"), int64(ev.seed))
	if spans := ev.nemesisSpans(); len(spans) > 0 {
		list := make([]any, len(spans))
		for i, s := range spans {
			list[i] = s.EDN()
		}
		eddy.Set(edn.Keyword("faults"), list)
	}
	if ev.aborted != "" {
		eddy.Set(edn.Keyword("aborted"), ev.aborted)
	}
	if len(problems) > 0 {
		eddy.Set(edn.Keyword("problems"), strings2EDN(problems))
	}
	if len(warnings) > 0 {
		eddy.Set(edn.Keyword("warnings"), strings2EDN(warnings))
	}
	// eddy's own facts carry no verdict; :valid? stays last, as in Maelstrom.
	results.Set(edn.Keyword("eddy"), eddy)
	results.Set(edn.Keyword("valid?"), valid.EDN())
	return verdict{valid: valid, figures: fig, findings: findings, results: results, problems: problems, fresh: fresh, warnings: warnings, eddy: eddy, crashes: crashed, explanations: expls}
}

// nemesisSpans are the spans of the nemesis's faults, from the history.
func (ev *evidence) nemesisSpans() []nemesis.Span {
	return nemesis.Spans(ev.ops, int64(runLength(ev)*1e9))
}

// strings2EDN is a vector of strings.
func strings2EDN(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// convergenceWarning phrases what the convergence check found, given the
// verdict of the checkers (which counts it only under --strict).
func convergenceWarning(summary string, strict bool, valid check.Verdict) string {
	switch {
	case strict:
		return fmt.Sprintf("Not every node converged: %s (eddy's convergence check; invalid under --strict)", summary)
	case valid == check.Valid:
		return fmt.Sprintf("Maelstrom would pass this run, but not every node converged: %s (eddy's convergence check; --strict makes it invalid)", summary)
	}
	return fmt.Sprintf("Not every node converged: %s (eddy's convergence check; --strict makes it invalid)", summary)
}

// result is the Result of a run or an analysis stored in dir.
func (v verdict) result(dir string, seed uint64, aborted string) Result {
	return Result{
		Dir: dir, Seed: seed, Valid: v.valid, Figures: v.figures, Findings: v.findings,
		Results: v.results, Problems: v.problems, Warnings: v.warnings, Aborted: aborted,
		Explanations: v.explanations,
	}
}

// maxFaultLines is how many faults of a stored history are listed.
const maxFaultLines = 50

// faultProblems are the diagnoses of a damaged history.edn: one line per
// fault (up to maxFaultLines), then what the damage means for the verdict,
// which was valid on the sound ops.
func faultProblems(faults []history.Fault, lossy bool, valid check.Verdict) []string {
	if len(faults) == 0 {
		return nil
	}
	var out []string
	for _, f := range faults[:min(len(faults), maxFaultLines)] {
		out = append(out, "history.edn "+f.String())
	}
	if n := len(faults) - maxFaultLines; n > 0 {
		out = append(out, fmt.Sprintf("history.edn: %d more faults", n))
	}
	if lossy {
		out = append(out, fmt.Sprintf("history.edn is damaged (%d faults): only its sound ops were checked, and the verdict is :unknown, as what was lost could hide an anomaly or fake one (on what remains the checkers say %s)", len(faults), edn.String(valid.EDN())))
	} else {
		out = append(out, fmt.Sprintf("history.edn had %d faults that lose nothing (lines repeated or out of order); they were repaired before checking", len(faults)))
	}
	return out
}

// inlineEvents is how many journal events the diagram inside index.html
// draws; messages.svg draws up to viz.DefaultMaxEvents.
const inlineEvents = 1500

// writeReport writes what the analysis produces: messages.svg and the
// plots, then results.edn and results.json, then index.html. Each part is
// attempted whatever became of the others; a part that panics is reported
// in v (and so in results.edn) and left out. Write errors are returned
// together.
func writeReport(dir string, ev *evidence, v *verdict) error {
	var (
		errs    []error
		wg      sync.WaitGroup
		mu      sync.Mutex
		cs      crashes
		st, ist viz.DiagramStats
		inline  []byte
		figures []report.Figure
	)
	fail := func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}
	spans := ev.nemesisSpans()
	// guarded runs one part; a panic is kept with what it left undone.
	guarded := func(what, effect string, f func()) bool {
		c := guard(what, ev.hook, f)
		if c != nil {
			cs.add(*c)
			mu.Lock()
			v.addProblem(c.problem(effect))
			mu.Unlock()
		}
		return c == nil
	}
	// The diagrams and plots are independent: draw them concurrently.
	wg.Go(func() {
		guarded("messages.svg", "the diagram is missing", func() {
			var full bytes.Buffer
			var err error
			st, err = viz.WriteDiagram(&full, ev.journal, viz.DiagramOptions{Unjournaled: ev.unjournaled, Faults: spans})
			if err == nil {
				err = os.WriteFile(filepath.Join(dir, "messages.svg"), full.Bytes(), 0o644)
			}
			if err != nil {
				fail(fmt.Errorf("messages.svg: %w", err))
			}
			if st.NotShown == 0 && st.Events <= inlineEvents {
				inline, ist = full.Bytes(), st // small enough to show whole
				return
			}
			var b bytes.Buffer
			if ist, err = viz.WriteDiagram(&b, ev.journal, viz.DiagramOptions{MaxEvents: inlineEvents, Unjournaled: ev.unjournaled, Faults: spans}); err != nil {
				fail(err)
			}
			inline = b.Bytes()
		})
	})
	var explSVGs [][]byte
	wg.Go(func() {
		guarded("the explanations' diagrams", "they are missing", func() {
			var errs []error
			explSVGs, errs = writeExplanationDiagrams(dir, ev, v.explanations)
			for _, err := range errs {
				fail(err)
			}
		})
	})
	var plots []viz.Plot
	guarded("the plots", "no plot was drawn", func() {
		var dists []viz.Distribution
		if d, ok := ev.wl.(workload.Distributor); ok {
			for _, x := range d.Distributions(ev.ops) {
				dists = append(dists, viz.Distribution{File: x.File, Title: x.Title, XLabel: x.XLabel, Values: x.Values})
			}
		}
		plots = viz.Plots(ev.ops, runLength(ev), dists)
	})
	written := make([]bool, len(plots))
	for i, p := range plots {
		wg.Go(func() {
			guarded(p.File, p.File+" is missing", func() {
				if err := report.WriteFile(filepath.Join(dir, p.File), p.Write); err != nil {
					fail(fmt.Errorf("%s: %w", p.File, err))
					return
				}
				written[i] = true
			})
		})
	}
	wg.Wait()
	for i, p := range plots {
		if written[i] {
			figures = append(figures, report.Figure{File: p.File, Title: p.Title})
		}
	}
	writeResults := func() {
		guarded("the results writer", "results.edn or results.json may be missing", func() {
			if err := report.WriteResults(dir, v.results); err != nil {
				fail(err)
			}
		})
	}
	writeResults()
	note := fmt.Sprintf("%d messages between %d participants.", ist.Arrows, ist.Participants)
	if ist.Events < st.Events || st.NotShown > 0 {
		note = fmt.Sprintf("The first %d journal events: %d delivered messages between %d participants (messages.svg draws %d events).", ist.Events, ist.Arrows, ist.Participants, st.Events)
	}
	if !guarded("index.html", "the run has no index.html", func() {
		ix := report.Index{
			Workload:    ev.s.Workload,
			Run:         filepath.Base(dir),
			Results:     v.results,
			Settings:    settingsTable(ev),
			Diagram:     template.HTML(inline), // written by viz, every text escaped
			DiagramNote: note,
			Plots:       figures,
		}
		for _, s := range spans {
			ix.Faults = append(ix.Faults, s.String())
		}
		for i, e := range v.explanations {
			var svg []byte
			if i < len(explSVGs) {
				svg = explSVGs[i]
			}
			ix.Explanations = append(ix.Explanations, report.Explanation{Explanation: e, Diagram: template.HTML(svg)}) // written by viz, every text escaped
		}
		if err := report.WriteIndex(dir, ix); err != nil {
			fail(err)
		}
	}) {
		writeResults() // with the diagnosis of index.html's failure
	}
	v.crashes = append(v.crashes, cs.take()...)
	return errors.Join(errs...)
}

// runLength is the time of the last op or journal event, in seconds.
func runLength(ev *evidence) float64 {
	var end int64
	if n := len(ev.ops); n > 0 {
		end = ev.ops[n-1].Time
	}
	if n := len(ev.journal); n > 0 {
		end = max(end, ev.journal[n-1].Time)
	}
	return float64(end) / 1e9
}

// settingsTable lists the settings a reader of index.html wants to see.
func settingsTable(ev *evidence) [][2]string {
	s := ev.s
	rows := [][2]string{
		{"workload", s.Workload},
		{"bin", strings.Join(append([]string{s.Bin}, s.Args...), " ")},
		{"nodes", strings.Join(s.nodes, " ")},
		{"concurrency", fmt.Sprint(s.concurrency)},
		{"time limit", s.TimeLimit.String()},
		{"rate", fmt.Sprintf("%g/s", s.Rate)},
		{"latency", fmt.Sprintf("%s %s", s.Latency, s.LatencyDist)},
	}
	if len(s.Nemesis) > 0 {
		rows = append(rows, [2]string{"nemesis", fmt.Sprintf("%s every %s", strings.Join(s.Nemesis, ","), s.NemesisInterval)})
	}
	if d, ok := ev.wl.(workload.Describer); ok {
		rows = append(rows, d.Settings()...)
	}
	if s.Availability != "" {
		rows = append(rows, [2]string{"availability", s.Availability})
	}
	rows = append(rows, [2]string{"strict", fmt.Sprint(s.Strict)}, [2]string{"seed", fmt.Sprint(ev.seed)})
	if !ev.start.IsZero() {
		rows = append(rows, [2]string{"started", ev.start.UTC().Format(time.RFC3339)})
	}
	return rows
}

// writeRecord writes test.json for a later re-analysis.
func writeRecord(dir string, ev *evidence) error {
	cfg, err := recordConfig(ev.s.Config)
	if err != nil {
		return err
	}
	rec := record{
		Version: recordVersion, Config: cfg, Seed: ev.seed, Start: ev.start,
		Aborted: ev.aborted, Problems: ev.problems, Net: ev.net, Unjournaled: ev.unjournaled,
	}
	if rec.Problems == nil {
		rec.Problems = []string{}
	}
	raw, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, RecordFile), append(raw, '\n'), 0o644)
}

// Analyze re-checks a stored run: it reads the run's settings (test.json),
// history (history.edn) and network journal (net-journal.jsonl) from dir,
// which may be a link such as store/latest, rebuilds the workload, runs the
// checkers as the run did, and rewrites results.edn, results.json, the
// visuals and index.html there. The :net counts are recomputed from the
// journal when it is complete, and carried from test.json when the run's
// journal hit its cap. A missing file, a corrupt test.json or journal is an
// error naming it. history.edn is checked line by line first
// (history.ReadAudited): each fault is a problem naming its line, only the
// sound ops are checked, and a fault that lost ops makes the verdict
// :unknown.
// A checker, plot or writer that panics is reported as a run does it.
func Analyze(ctx context.Context, dir string) (Result, error) {
	return analyze(ctx, dir, nil)
}

// analyze is Analyze with a hook for the tests (see evidence.hook).
func analyze(ctx context.Context, dir string, hook func(string)) (res Result, err error) {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return Result{}, fmt.Errorf("%s: no such run directory", dir)
		}
		return Result{}, fmt.Errorf("%s: %v", dir, err)
	}
	if fi, err := os.Stat(real); err != nil || !fi.IsDir() {
		return Result{}, fmt.Errorf("%s is not a run directory", dir)
	}
	// Whatever escaped the guards of the analysis (reading the files) is an
	// error, never a crash of the command.
	c := guard("eddy analyze", hook, func() { res, err = analyzeDir(ctx, dir, real, hook) })
	if c != nil {
		werr := writePanics(real, []crash{*c})
		msg := fmt.Sprintf("%s: eddy bug: the analysis panicked (%s); the stack is in %s", dir, clipText(c.msg, 200), PanicLog)
		if werr != nil {
			msg += fmt.Sprintf(" (not written: %v)", werr)
		}
		return Result{}, errors.New(msg)
	}
	return res, err
}

func analyzeDir(ctx context.Context, dir, real string, hook func(string)) (Result, error) {
	name := func(f string) string { return filepath.Join(dir, f) }
	raw, err := os.ReadFile(filepath.Join(real, RecordFile))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return Result{}, fmt.Errorf("%s: no such file (runs stored before eddy recorded their settings cannot be re-analysed)", name(RecordFile))
		}
		return Result{}, fmt.Errorf("%s: %v", name(RecordFile), err)
	}
	var rec record
	if err := json.Unmarshal(raw, &rec); err != nil {
		return Result{}, fmt.Errorf("%s: not a run record: %v", name(RecordFile), err)
	}
	if rec.Version != recordVersion {
		return Result{}, fmt.Errorf("%s: record version %d, expected %d", name(RecordFile), rec.Version, recordVersion)
	}
	cfg, err := configOf(rec.Config)
	if err != nil {
		return Result{}, fmt.Errorf("%s: %v", name(RecordFile), err)
	}
	s, err := resolveSettings(cfg)
	if err != nil {
		return Result{}, fmt.Errorf("%s: %v", name(RecordFile), err)
	}
	wl, err := newWorkload(s)
	if err != nil {
		return Result{}, fmt.Errorf("%s: %v", name(RecordFile), err)
	}
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	hist, err := readWith(filepath.Join(real, "history.edn"), name("history.edn"), history.ReadAudited)
	if err != nil {
		return Result{}, err
	}
	journal, err := readWith(filepath.Join(real, "net-journal.jsonl"), name("net-journal.jsonl"), netsim.ReadJournal)
	if err != nil {
		return Result{}, err
	}
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	ev := &evidence{
		s: s, wl: wl, seed: rec.Seed, start: rec.Start, ops: hist.Ops, journal: journal,
		net: rec.Net, unjournaled: rec.Unjournaled, aborted: rec.Aborted, problems: rec.Problems,
		faults: hist.Faults, lossy: hist.Lossy,
		hook: hook,
	}
	if rec.Unjournaled == 0 {
		ev.net = netsim.StatsOf(journal)
	}
	v := ev.check()
	werr := writeReport(real, ev, &v)
	if err := writePanics(real, v.crashes); err != nil {
		werr = errors.Join(werr, err)
	}
	res := v.result(dir, rec.Seed, rec.Aborted)
	if werr != nil {
		return res, fmt.Errorf("rewriting the results in %s: %w", dir, werr)
	}
	return res, nil
}

// readWith opens path and parses it with read; errors name the file as
// shown.
func readWith[T any](path, shown string, read func(io.Reader) (T, error)) (T, error) {
	var zero T
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return zero, fmt.Errorf("%s: no such file", shown)
		}
		return zero, fmt.Errorf("%s: %v", shown, err)
	}
	defer f.Close()
	v, err := read(f)
	if err != nil {
		return zero, fmt.Errorf("%s: %v", shown, err)
	}
	return v, nil
}
