// Package runner runs a Maelstrom test: it starts the nodes, routes their
// messages through the simulated network, drives the workload's clients and
// the nemesis, checks the history and writes the results. Run is what the
// eddy command calls, and what a Go test of a node binary can call too.
package runner

import (
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/explain"
	"github.com/eddy-workbench/eddy/internal/client"
	"github.com/eddy-workbench/eddy/internal/history"
	"github.com/eddy-workbench/eddy/internal/netsim"
	"github.com/eddy-workbench/eddy/internal/process"
	"github.com/eddy-workbench/eddy/internal/report"
	"github.com/eddy-workbench/eddy/internal/workload"
)

// Result is the outcome of a run, or of the analysis of a stored one.
type Result struct {
	Dir  string // the run's store directory
	Seed uint64 // the seed every random choice came from
	// Valid is the verdict: the merge of every checker's (the workload's,
	// and those of the operation counts and availability), or Unknown when
	// the run aborted.
	Valid check.Verdict
	// Figures are the numbers every run has: operation counts,
	// availability, messages per operation, latencies.
	Figures check.Figures
	// Findings are what the workload's checker found; their type depends
	// on the workload (*check.SetFull for broadcast, …).
	Findings check.Findings
	// Results is what results.edn holds, rendered from the above in
	// Maelstrom's shape.
	Results *edn.Map
	// Problems are one-line diagnoses of node misbehaviour, and of what
	// Maelstrom's checkers do not look at (duplicates in reads, …).
	Problems []string
	// Warnings are findings of eddy's own checks that Maelstrom's verdict
	// does not reflect, e.g. "Maelstrom would pass this run, but not every
	// node converged: n1–n4 lack 45 …"; --strict makes them count.
	Warnings []string
	// Aborted, if set, says why the run could not complete normally (a node
	// that never answered init, crashed, …); the exit code is then 255.
	Aborted string
	// Explanations explain the workload's findings: why each failure (or
	// warning) happened, with evidence from the history and the journal.
	// None for a valid run without warnings.
	Explanations []explain.Explanation
}

// ExitCode is Maelstrom's exit status for the result: 0 valid, 1 invalid,
// 2 unknown, 255 aborted.
func (r Result) ExitCode() int {
	switch {
	case r.Aborted != "":
		return 255
	case r.Valid == check.Valid:
		return 0
	case r.Valid == check.Invalid:
		return 1
	default:
		return 2
	}
}

// run is the state of one test run.
type run struct {
	s        settings
	wl       workload.Workload
	dir      string
	seed     uint64
	start    time.Time
	net      *netsim.Network
	rec      *history.Recorder
	problems *problems
	nodes    []*node
	// exits watches the node processes for crashes (exits the nemesis did
	// not cause) and records failed restarts.
	exits *crashWatch

	prog *progress

	// crashes are panics recovered while the run went on (their stacks go
	// to PanicLog at the end).
	crashes crashes

	services  map[string]bool // the names of the services
	clientIDs client.Allocator
	silence   client.Silence // the workload's requests that went unanswered

	logMu sync.Mutex
}

// Run runs one test. A bad configuration returns a *ConfigError and starts
// nothing. Otherwise the run's files are written to its store directory,
// whatever happened, and the Result says how it went.
func Run(ctx context.Context, cfg Config) (Result, error) {
	s, err := resolve(cfg)
	if err != nil {
		return Result{}, err
	}
	wl, err := newWorkload(s)
	if err != nil {
		return Result{}, err
	}
	seed := s.Seed
	if !s.SeedSet {
		var b [8]byte
		crand.Read(b[:])
		seed = binary.LittleEndian.Uint64(b[:]) >> 1
	}
	dir, err := report.NewRunDir(s.StoreDir, s.Workload, time.Now())
	if err != nil {
		return Result{}, fmt.Errorf("creating the run directory: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "node-logs"), 0o755); err != nil {
		return Result{}, err
	}
	r := &run{
		s:     s,
		wl:    wl,
		dir:   dir,
		seed:  seed,
		start: time.Now(),
	}
	r.problems = newProblems(r.logf)
	r.exits = newCrashWatch(r)
	r.prog = newProgress(s.Progress, s.TimeLimit)
	r.rec = history.NewRecorder(r.start)
	r.net = netsim.New(netsim.Config{
		Latency: s.Latency,
		Dist:    s.dist,
		Seed:    seed,
		Start:   r.start,
		OnEvent: r.netLogger(),
	})
	return r.execute(ctx), nil
}

func (r *run) logf(format string, args ...any) {
	r.logMu.Lock()
	defer r.logMu.Unlock()
	fmt.Fprintf(r.s.Log, "%s %s\n", time.Now().Format("15:04:05.000"), fmt.Sprintf(format, args...))
}

func (r *run) netLogger() func(netsim.Event) {
	if !r.s.LogNetSend && !r.s.LogNetRecv {
		return nil
	}
	return func(ev netsim.Event) {
		if (ev.Kind == netsim.Send && r.s.LogNetSend) || (ev.Kind == netsim.Recv && r.s.LogNetRecv) {
			r.logf("net %s %d %s → %s %s", ev.Kind, ev.Msg.ID, ev.Msg.Src, ev.Msg.Dest, ev.Msg.Body)
		}
	}
}

// execute runs setup, the phases, teardown and analysis.
func (r *run) execute(ctx context.Context) Result {
	r.logf("Running %s on %d node(s) %v with %s, seed %d", r.s.Workload, len(r.s.nodes), r.s.nodes, r.s.nodeName(), r.seed)
	r.logf("Store: %s", r.dir)
	r.prog.start()
	defer r.prog.stop()
	r.prog.setPhase("setup")
	aborted := ""
	if err := r.setup(ctx); err != nil {
		aborted = err.Error()
		r.logf("Setup failed: %s", aborted)
	} else {
		crashes := r.watchCrashes()
		r.mainPhase(ctx)
		if ctx.Err() != nil {
			aborted = "interrupted: " + ctx.Err().Error()
		}
		crashes.stop()
		if msg := crashes.report(); msg != "" && aborted == "" {
			aborted = msg
		}
	}
	r.teardown()
	r.reportSilence()
	r.prog.setPhase("analysis")
	began := time.Now()
	res := r.analyse(aborted)
	r.logf("Analysed and stored in %.2f s", time.Since(began).Seconds())
	return res
}

// setup registers every node's endpoint, then starts and initialises every
// node, all in parallel. As in Maelstrom, a node's messages are routed both
// ways from the moment its process runs: it may call a service or a peer
// before it answers init. Only the main phase waits for every init_ok.
func (r *run) setup(ctx context.Context) error {
	if err := r.startServices(); err != nil {
		return err
	}
	all := make([]*node, len(r.s.nodes))
	for i, id := range r.s.nodes {
		n, err := r.registerNode(id)
		if err != nil {
			return err
		}
		all[i] = n
	}
	errs := make([]error, len(all))
	var wg sync.WaitGroup
	for i, n := range all {
		wg.Go(func() {
			if errs[i] = r.startNode(n); errs[i] == nil {
				errs[i] = r.initNode(ctx, n)
			}
		})
	}
	wg.Wait()
	for _, n := range all {
		if n.proc != nil {
			r.nodes = append(r.nodes, n)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return r.setupWorkload(ctx)
}

// setupWorkload lets the workload prepare every node, concurrently, each
// through a client of its own (broadcast sends the topology).
func (r *run) setupWorkload(ctx context.Context) error {
	if _, ok := r.wl.(workload.Setup); !ok {
		return nil
	}
	errs := make([]error, len(r.nodes))
	var wg sync.WaitGroup
	for i, n := range r.nodes {
		wg.Go(func() { errs[i] = r.setupNode(ctx, n) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// crashWatch notices node processes that exit while the test runs, other
// than those the nemesis killed, and failures to restart a node.
type crashWatch struct {
	r       *run
	done    chan struct{}
	wg      sync.WaitGroup
	mu      sync.Mutex
	crashed []string
}

func newCrashWatch(r *run) *crashWatch {
	return &crashWatch{r: r, done: make(chan struct{})}
}

// watchCrashes watches every node's current process.
func (r *run) watchCrashes() *crashWatch {
	for _, n := range r.nodes {
		r.exits.watch(n, n.process())
	}
	return r.exits
}

// watch reports proc, an incarnation of n, if it exits before stop unless
// the nemesis killed it.
func (w *crashWatch) watch(n *node, proc *process.Process) {
	r := w.r
	w.wg.Go(func() {
		select {
		case <-proc.Exited():
			if proc.Killed() {
				return
			}
			w.fail(n.id, fmt.Sprintf("node %s crashed (%s) %.2f s into the run%s", n.id, proc.ExitStatus(), time.Since(r.start).Seconds(), lastWords(proc)))
		case <-w.done:
		}
	})
}

// fail records why the run must abort, as a problem of node too.
func (w *crashWatch) fail(node, msg string) {
	w.r.problems.add(node, "crash", msg)
	w.mu.Lock()
	w.crashed = append(w.crashed, msg)
	w.mu.Unlock()
}

func (w *crashWatch) stop() {
	close(w.done)
	w.wg.Wait()
}

func (w *crashWatch) report() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.crashed) == 0 {
		return ""
	}
	return w.crashed[0]
}

// teardown heals the network, continues paused nodes, stops the nodes and
// closes the network.
func (r *run) teardown() {
	r.logf("Tearing down")
	r.net.SetPartition(nil)
	// A node left paused (no final phase resumed it) must not stay
	// stopped, whether it is stopped now or left running.
	for _, n := range r.nodes {
		n.out.Lock()
		if n.out.paused {
			_ = n.process().Resume()
		}
		n.out.Unlock()
	}
	if !r.s.LeaveDBRunning {
		r.stopNodes()
	}
	r.net.Close()
	r.logf("Analysing")
}

// reportSilence names every node that left some of the workload's requests
// unanswered, per request type.
func (r *run) reportSilence() {
	for _, s := range r.silence.Silences(r.s.nodes) {
		r.problems.add(s.Node, "silent:"+s.Type, s.String())
	}
}

// analyse writes the run's evidence (history, journal, test.json), then
// checks it and writes the rest: a bug in a checker or a report writer can
// never lose the run.
func (r *run) analyse(aborted string) Result {
	ev := &evidence{
		s:           r.s,
		wl:          r.wl,
		seed:        r.seed,
		start:       r.start,
		ops:         r.rec.Ops(),
		journal:     r.net.Journal(),
		net:         r.net.Stats(),
		unjournaled: r.net.Unjournaled(),
		aborted:     aborted,
		problems:    r.problems.lines(),
		hook:        r.s.hook,
	}
	r.writeEvidence(ev)
	ev.problems = r.problems.lines()
	v := ev.check()
	if err := writeReport(r.dir, ev, &v); err != nil {
		r.logf("writing the results: %v", err)
	}
	for _, p := range v.fresh {
		r.logf("%s", p)
	}
	if err := writePanics(r.dir, append(r.crashes.take(), v.crashes...)); err != nil {
		r.logf("writing %s: %v", PanicLog, err)
	}
	if err := report.Link(r.s.StoreDir, r.s.Workload, r.dir); err != nil {
		r.logf("linking latest: %v", err)
	}
	return v.result(r.dir, r.seed, aborted)
}

// writeEvidence stores what the checkers read, before they run; failures
// (and panics) are logged, not fatal.
func (r *run) writeEvidence(ev *evidence) {
	parts := []struct {
		what  string
		write func() error
	}{
		{"history.edn and history.txt", func() error { return report.WriteHistory(r.dir, ev.ops) }},
		{"net-journal.jsonl", func() error {
			return report.WriteFile(filepath.Join(r.dir, "net-journal.jsonl"), func(w io.Writer) error {
				return netsim.WriteJournal(w, ev.journal)
			})
		}},
		{RecordFile, func() error { return writeRecord(r.dir, ev) }},
	}
	for _, p := range parts {
		ev.problems = r.problems.lines() // test.json records them
		var err error
		if c := guard("the writer of "+p.what, ev.hook, func() { err = p.write() }); c != nil {
			r.crashes.add(*c)
			r.problems.add("", "panic:"+p.what, c.problem(p.what+" may be incomplete"))
		} else if err != nil {
			r.logf("writing %s: %v", p.what, err)
		}
	}
}

// exceptions groups the ops that ended in an unexpected client error, as
// Jepsen's :exceptions checker does (it never affects validity).
func exceptions(ops []history.Op) *edn.Map {
	m := edn.NewMap(edn.Keyword("valid?"), true)
	type group struct {
		count   int
		example history.Op
	}
	var order []string
	groups := map[string]*group{}
	for _, o := range ops {
		if o.Exception == "" || o.Type == history.Invoke {
			continue
		}
		class := exceptionClass(o.Exception)
		g, ok := groups[class]
		if !ok {
			g = &group{example: o}
			groups[class] = g
			order = append(order, class)
		}
		g.count++
	}
	if len(order) == 0 {
		return m
	}
	var list []any
	for _, c := range order {
		g := groups[c]
		list = append(list, edn.NewMap(edn.Keyword("class"), c, edn.Keyword("count"), g.count, edn.Keyword("example"), g.example.EDN()))
	}
	return m.Set(edn.Keyword("exceptions"), list)
}

func exceptionClass(msg string) string {
	for _, prefix := range []string{"Malformed RPC response", "Client read timeout", "RPC error"} {
		if len(msg) >= len(prefix) && msg[:len(prefix)] == prefix {
			return prefix
		}
	}
	return "client error"
}
