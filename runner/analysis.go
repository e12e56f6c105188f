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

	"github.com/eddy-workbench/eddy/internal/checker"
	"github.com/eddy-workbench/eddy/internal/edn"
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
	// faults are what was wrong with a stored history.edn (eddy analyze
	// only); lossy, whether they lost information the checkers need.
	faults []history.Fault
	lossy  bool
}

// verdict is the checkers' conclusion on the evidence.
type verdict struct {
	results *edn.Map
	valid   checker.Validity
	// problems are the run's diagnoses followed by the analysis's own
	// (fresh holds just the latter).
	problems, fresh []string
	// warnings are findings of eddy's own checks that Maelstrom's verdict
	// does not reflect (nodes that did not converge).
	warnings []string
}

// check runs every checker over the evidence and composes results.edn.
// A run and eddy analyze both come here.
func (ev *evidence) check() verdict {
	ops := ev.ops
	results := edn.NewMap()
	results.Set(edn.Keyword("exceptions"), exceptions(ops))
	results.Set(edn.Keyword("stats"), checker.Stats(statsOps(ops)))
	results.Set(edn.Keyword("availability"), checker.Availability(ops, ev.s.availability))
	results.Set(edn.Keyword("net"), checker.Net(checker.NetStats{
		All:     checker.NetCounts(ev.net.All),
		Clients: checker.NetCounts(ev.net.Clients),
		Servers: checker.NetCounts(ev.net.Servers),
	}, checker.ClientInvokes(ops)))
	var fresh []string
	if ev.unjournaled > 0 {
		fresh = append(fresh, fmt.Sprintf("the network journal kept its first %d events and dropped %d more (net-journal.jsonl is incomplete; the :net counts are exact)", netsim.DefaultMaxJournal, ev.unjournaled))
	}
	wres := ev.wl.Check(ops)
	results.Set(edn.Keyword("workload"), wres)
	fresh = append(fresh, uncheckedProblems(ev.s, wres)...)
	valid := checker.ValidityOf(checker.Compose(results))
	fresh = append(fresh, faultProblems(ev.faults, ev.lossy, valid)...)
	problems := append(append([]string(nil), ev.problems...), fresh...)
	var warnings []string
	if c, ok := ev.wl.(workload.Converger); ok {
		if summary := c.Unconverged(wres); summary != "" {
			warnings = append(warnings, convergenceWarning(summary, ev.s.Strict, valid))
		}
	}
	if ev.aborted != "" || ev.lossy {
		// Nothing about an aborted run can be vouched for, nor about a
		// history that lost ops: they could hide an anomaly, or fake one.
		valid = checker.Unknown
	}
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
	return verdict{results: results, valid: valid, problems: problems, fresh: fresh, warnings: warnings}
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
func convergenceWarning(summary string, strict bool, valid checker.Validity) string {
	switch {
	case strict:
		return fmt.Sprintf("Not every node converged: %s (eddy's convergence check; invalid under --strict)", summary)
	case valid == checker.Valid:
		return fmt.Sprintf("Maelstrom would pass this run, but not every node converged: %s (eddy's convergence check; --strict makes it invalid)", summary)
	}
	return fmt.Sprintf("Not every node converged: %s (eddy's convergence check; --strict makes it invalid)", summary)
}

// uncheckedProblems turns what Maelstrom's checkers cannot see (duplicate
// elements in broadcast and g-set reads, txn replies that do not answer
// their request) into diagnoses; only --strict makes them invalid.
func uncheckedProblems(s settings, wres *edn.Map) []string {
	effect := "a warning only; --strict makes it invalid"
	if s.Strict {
		effect = "invalid under --strict"
	}
	var out []string
	// unique-ids has a :duplicated-count too, of ids, which is its verdict.
	setRead := s.Workload == "broadcast" || s.Workload == "g-set"
	if n, _ := wres.Get(edn.Keyword("duplicated-count")); setRead && asCount(n) > 0 {
		out = append(out, fmt.Sprintf("reads returned %d element(s) more than once in the same read (see :workload :duplicated); %s", asCount(n), effect))
	}
	if n, _ := wres.Get(edn.Keyword("mismatched-count")); asCount(n) > 0 {
		out = append(out, fmt.Sprintf("%d txn_ok replies do not answer the transaction asked (micro-ops dropped or changed; see :workload :mismatched); %s", asCount(n), effect))
	}
	return out
}

// maxFaultLines is how many faults of a stored history are listed.
const maxFaultLines = 50

// faultProblems are the diagnoses of a damaged history.edn: one line per
// fault (up to maxFaultLines), then what the damage means for the verdict,
// which was valid on the sound ops.
func faultProblems(faults []history.Fault, lossy bool, valid checker.Validity) []string {
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
		out = append(out, fmt.Sprintf("history.edn is damaged (%d faults): only its sound ops were checked, and the verdict is :unknown, as what was lost could hide an anomaly or fake one (on what remains the checkers say %s)", len(faults), valid))
	} else {
		out = append(out, fmt.Sprintf("history.edn had %d faults that lose nothing (lines repeated or out of order); they were repaired before checking", len(faults)))
	}
	return out
}

// asCount reads a count from a result map: int or int64, else 0.
func asCount(v any) int64 {
	switch n := v.(type) {
	case int:
		return int64(n)
	case int64:
		return n
	}
	return 0
}

// inlineEvents is how many journal events the diagram inside index.html
// draws; messages.svg draws up to viz.DefaultMaxEvents.
const inlineEvents = 1500

// writeReport writes what the analysis produces: results.edn and
// results.json, messages.svg, the plots and index.html. Failures are
// returned together; each file is attempted.
func writeReport(dir string, ev *evidence, v verdict) error {
	var errs []error
	if err := report.WriteResults(dir, v.results); err != nil {
		errs = append(errs, err)
	}
	// The diagrams and plots are independent: draw them concurrently.
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
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
	wg.Go(func() {
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
	var dists []viz.Distribution
	if d, ok := ev.wl.(workload.Distributor); ok {
		for _, x := range d.Distributions(ev.ops) {
			dists = append(dists, viz.Distribution{File: x.File, Title: x.Title, XLabel: x.XLabel, Values: x.Values})
		}
	}
	plots := viz.Plots(ev.ops, runLength(ev), dists)
	written := make([]bool, len(plots))
	for i, p := range plots {
		wg.Go(func() {
			if err := writeFile(filepath.Join(dir, p.File), p.Write); err != nil {
				fail(fmt.Errorf("%s: %w", p.File, err))
				return
			}
			written[i] = true
		})
	}
	wg.Wait()
	for i, p := range plots {
		if written[i] {
			figures = append(figures, report.Figure{File: p.File, Title: p.Title})
		}
	}
	note := fmt.Sprintf("%d messages between %d participants.", ist.Arrows, ist.Participants)
	if ist.Events < st.Events || st.NotShown > 0 {
		note = fmt.Sprintf("The first %d journal events: %d delivered messages between %d participants (messages.svg draws %d events).", ist.Events, ist.Arrows, ist.Participants, st.Events)
	}
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
	if err := report.WriteIndex(dir, ix); err != nil {
		errs = append(errs, err)
	}
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
	if s.Workload == "broadcast" {
		rows = append(rows, [2]string{"topology", s.Topology})
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
func Analyze(ctx context.Context, dir string) (Result, error) {
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
	}
	if rec.Unjournaled == 0 {
		ev.net = netsim.StatsOf(journal)
	}
	v := ev.check()
	res := Result{Dir: dir, Seed: rec.Seed, Valid: v.valid, Results: v.results, Problems: v.problems, Warnings: v.warnings, Aborted: rec.Aborted}
	if err := writeReport(real, ev, v); err != nil {
		return res, fmt.Errorf("rewriting the results in %s: %w", dir, err)
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
