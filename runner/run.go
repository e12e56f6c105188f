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
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/eddy-workbench/eddy/internal/checker"
	"github.com/eddy-workbench/eddy/internal/client"
	"github.com/eddy-workbench/eddy/internal/edn"
	"github.com/eddy-workbench/eddy/internal/history"
	"github.com/eddy-workbench/eddy/internal/netsim"
	"github.com/eddy-workbench/eddy/internal/process"
	"github.com/eddy-workbench/eddy/internal/report"
	"github.com/eddy-workbench/eddy/internal/workload"
)

// Result is the outcome of a run.
type Result struct {
	Dir     string           // the run's store directory
	Seed    uint64           // the seed every random choice came from
	Valid   checker.Validity // the merged verdict
	Results *edn.Map         // what results.edn holds
	// Problems are one-line diagnoses of node misbehaviour.
	Problems []string
	// Warnings are findings of eddy's own checks that Maelstrom's verdict
	// does not reflect, e.g. "Maelstrom would pass this run, but not every
	// node converged: n1–n4 lack 45 …"; --strict makes them count.
	Warnings []string
	// Aborted, if set, says why the run could not complete normally (a node
	// that never answered init, crashed, …); the exit code is then 255.
	Aborted string
}

// ExitCode is Maelstrom's exit status for the result: 0 valid, 1 invalid,
// 2 unknown, 255 aborted.
func (r Result) ExitCode() int {
	switch {
	case r.Aborted != "":
		return 255
	case r.Valid == checker.Valid:
		return 0
	case r.Valid == checker.Invalid:
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
	crashes  *crashWatch

	prog *progress

	clientIDs client.Allocator
	silence   client.Silence // the workload's requests that went unanswered
	genRand   *rand.Rand
	randMu    sync.Mutex // for genRand outside the main loop (randN)
	nemRand   *rand.Rand

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
		s:       s,
		wl:      wl,
		dir:     dir,
		seed:    seed,
		start:   time.Now(),
		genRand: rand.New(rand.NewPCG(seed, 2)),
		nemRand: rand.New(rand.NewPCG(seed, 3)),
	}
	r.problems = newProblems(r.logf)
	r.crashes = newCrashWatch(r)
	r.prog = newProgress(s.Progress, s.TimeLimit)
	r.rec = history.NewRecorder(r.start)
	r.net = netsim.New(netsim.Config{
		Latency: s.Latency,
		Dist:    s.dist,
		Rand:    rand.New(rand.NewPCG(seed, 1)),
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

// setup starts every node and initialises it, all in parallel.
func (r *run) setup(ctx context.Context) error {
	if err := r.startServices(); err != nil {
		return err
	}
	r.nodes = make([]*node, len(r.s.nodes))
	errs := make([]error, len(r.s.nodes))
	var wg sync.WaitGroup
	for i, id := range r.s.nodes {
		wg.Go(func() {
			n, err := r.startNode(id)
			if err != nil {
				errs[i] = err
				return
			}
			r.nodes[i] = n
			errs[i] = r.initNode(ctx, n)
		})
	}
	wg.Wait()
	started := r.nodes[:0]
	for _, n := range r.nodes {
		if n != nil {
			started = append(started, n)
		}
	}
	r.nodes = started
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
		r.crashes.watch(n, n.process())
	}
	return r.crashes
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

// analyse checks the history and writes every file of the run.
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
	}
	v := ev.check()
	for _, p := range v.fresh {
		r.logf("%s", p)
	}
	r.write(ev, v)
	return Result{Dir: r.dir, Seed: r.seed, Valid: v.valid, Results: v.results, Problems: v.problems, Warnings: v.warnings, Aborted: aborted}
}

// write stores the run's files; failures are logged, not fatal.
func (r *run) write(ev *evidence, v verdict) {
	if err := report.WriteHistory(r.dir, ev.ops); err != nil {
		r.logf("writing the history: %v", err)
	}
	if err := writeFile(filepath.Join(r.dir, "net-journal.jsonl"), func(w io.Writer) error {
		return netsim.WriteJournal(w, ev.journal)
	}); err != nil {
		r.logf("writing the network journal: %v", err)
	}
	if err := writeRecord(r.dir, ev); err != nil {
		r.logf("writing %s: %v", RecordFile, err)
	}
	if err := writeReport(r.dir, ev, v); err != nil {
		r.logf("writing the results: %v", err)
	}
	if err := report.Link(r.s.StoreDir, r.s.Workload, r.dir); err != nil {
		r.logf("linking latest: %v", err)
	}
}

func writeFile(path string, fill func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := fill(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// statsOps are the ops the stats checker sees: kafka's crash ops, which are
// always indeterminate by design, are left out, as Maelstrom does.
func statsOps(ops []history.Op) []history.Op {
	out := make([]history.Op, 0, len(ops))
	for _, o := range ops {
		if o.F != "crash" {
			out = append(out, o)
		}
	}
	return out
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
