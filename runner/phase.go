package runner

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/client"
	"github.com/eddy-workbench/eddy/internal/gen"
	"github.com/eddy-workbench/eddy/internal/history"
	"github.com/eddy-workbench/eddy/internal/nemesis"
	"github.com/eddy-workbench/eddy/internal/seeded"
	"github.com/eddy-workbench/eddy/internal/workload"
)

// worker is one client thread: it always talks to the same node, and its
// process number grows by the concurrency after every indeterminate op.
type worker struct {
	thread  int
	process int
	node    string
	client  *client.Client
	// gen yields the operations of process genFor (the current process
	// once the worker has been handed an op since its last change).
	gen    workload.Generator
	genFor int
}

// next returns the next main-phase operation of the worker's current
// process, from that process's own generator and stream.
func (r *run) next(w *worker) workload.Op {
	if w.gen == nil || w.genFor != w.process {
		p := workload.Process{ID: w.process, Concurrency: r.s.concurrency, Seed: r.seed}
		w.gen = r.wl.Generator(p, seeded.Stream(r.seed, "ops", w.process))
		w.genFor = w.process
	}
	return w.gen.Next()
}

// perform records op's invocation, runs it, records its completion and
// returns it.
func (r *run) perform(ctx context.Context, w *worker, op workload.Op) history.Op {
	if w.client == nil {
		c, err := client.Open(r.net, &r.clientIDs, w.node)
		if err != nil {
			r.logf("worker %d: opening a client: %v", w.thread, err)
			return history.Op{Type: history.Info}
		}
		c.OnBogusReply(r.bogusReply(w.node, c.ID()))
		c.Watch(&r.silence)
		w.client = c
	}
	inv := r.rec.Add(history.Op{Type: history.Invoke, Process: w.process, F: op.F, Value: op.Value, Final: op.Final})
	var comp history.Op
	if c := guard("the "+r.s.Workload+" client", r.s.hook, func() { comp = r.wl.Invoke(ctx, w.client, inv) }); c != nil {
		r.crashes.add(*c)
		r.problems.add(w.node, "panic:client", c.problem("the operation is recorded as indeterminate"))
		comp = history.Op{Type: history.Info, Value: inv.Value, Error: "eddy bug: the client panicked: " + c.msg}
	}
	comp.Process, comp.F, comp.Final = inv.Process, inv.F, inv.Final
	r.rec.Add(comp)
	r.prog.completed(comp.Type)
	if comp.Type == history.Info {
		w.process += r.s.concurrency
		if !r.wl.Reusable() {
			w.client.Close()
			w.client = nil
		}
	}
	return comp
}

// bogusReply reports replies that answer a request the client never made.
func (r *run) bogusReply(node, client string) func([]byte) {
	return func(body []byte) {
		r.problems.add(node, "bogus-reply", fmt.Sprintf("node %s sent client %s a reply to a request it never made (wrong in_reply_to): %s; dropped", node, client, truncate(body, 120)))
	}
}

// mainPhase runs the workload's generator and the nemesis until the time
// limit, waits for operations in flight, then runs the final phase if the
// workload has one.
func (r *run) mainPhase(ctx context.Context) {
	workers := make([]*worker, r.s.concurrency)
	for t := range workers {
		workers[t] = &worker{thread: t, process: t, node: r.s.nodes[t%len(r.s.nodes)]}
	}
	defer func() {
		for _, w := range workers {
			if w.client != nil {
				w.client.Close()
			}
		}
	}()

	phaseCtx, cancel := context.WithTimeout(ctx, r.s.TimeLimit)
	defer cancel()
	r.logf("Main phase: %v at %v ops/s, concurrency %d", r.s.TimeLimit, r.s.Rate, r.s.concurrency)
	r.prog.setPhase("main")

	var nem sync.WaitGroup
	if r.s.partition {
		nem.Go(func() { r.runNemesis(phaseCtx) })
	}
	procs := nemesis.NewProcesses(r.s.faults, r.s.targets)
	if procs != nil {
		nem.Go(func() { r.runProcessNemesis(phaseCtx, ctx, procs) })
	}
	pool := gen.NewPool(len(workers))
	sched := gen.NewSchedule(r.s.Rate, seeded.Stream(r.seed, "pacing"))
	var inflight sync.WaitGroup
	if r.s.Rate > 0 {
		for {
			if !sched.Wait(phaseCtx) {
				break
			}
			t, ok := pool.Acquire(phaseCtx)
			if !ok {
				break
			}
			op := r.next(workers[t])
			inflight.Go(func() {
				defer pool.Release(t)
				r.perform(ctx, workers[t], op)
			})
		}
	} else {
		<-phaseCtx.Done()
	}
	inflight.Wait()
	nem.Wait()
	if ctx.Err() != nil {
		return
	}

	final, ok := r.wl.Final()
	if !ok {
		return
	}
	if r.s.partition {
		r.heal()
	}
	if procs != nil {
		r.processFaultsFinal(ctx, procs)
	}
	r.logf("Waiting for recovery...")
	r.prog.setPhase("recovery")
	select {
	case <-time.After(r.s.RecoveryWait):
	case <-ctx.Done():
		return
	}
	r.logf("Final phase")
	r.prog.setPhase("final")
	var wg sync.WaitGroup
	for _, w := range workers {
		if f, ok := r.wl.(workload.Finisher); ok {
			rng := seeded.Stream(r.seed, "final", w.thread)
			wg.Go(func() {
				f.Finish(ctx, rng.Int64N, func(op workload.Op) history.Op { return r.perform(ctx, w, op) })
			})
			continue
		}
		wg.Go(func() { r.perform(ctx, w, final) })
	}
	wg.Wait()
}

// runNemesis alternates start-partition and stop-partition, starting at
// once, until ctx ends. Event j (0, 1, …) draws its gap, and for a start
// its shape and grudge, from the stream "nemesis" of j, and is scheduled at
// the sum of the earlier gaps after the phase began, so the nemesis's
// schedule and partitions depend on the seed alone.
func (r *run) runNemesis(ctx context.Context) {
	at := time.Now()
	for j := 0; ; j++ {
		rng := seeded.Stream(r.seed, "nemesis", j)
		if j%2 == 0 {
			r.startPartition(rng)
		} else {
			r.heal()
		}
		at = at.Add(nemesis.NextGap(rng, r.s.NemesisInterval))
		t := time.NewTimer(time.Until(at))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return
		}
	}
}

func (r *run) startPartition(rng *rand.Rand) {
	shape := nemesis.PickShape(rng)
	r.rec.Add(history.Op{Type: history.Info, Process: history.Nemesis, F: "start-partition", Value: edn.Keyword(shape)})
	grudge, err := nemesis.Build(shape, r.s.nodes, rng)
	if err != nil {
		r.logf("nemesis: %v", err) // the node list was validated; this cannot happen
		return
	}
	r.net.SetPartition(grudge)
	r.prog.partitioned.Store(true)
	r.logf("Partition %s: %s", shape, grudge)
	r.rec.Add(history.Op{Type: history.Info, Process: history.Nemesis, F: "start-partition", Value: edn.Raw(grudge.EDN())})
}

func (r *run) heal() {
	r.rec.Add(history.Op{Type: history.Info, Process: history.Nemesis, F: "stop-partition"})
	r.net.SetPartition(nil)
	r.prog.partitioned.Store(false)
	r.rec.Add(history.Op{Type: history.Info, Process: history.Nemesis, F: "stop-partition", Value: edn.Keyword("network-healed")})
	r.logf("Network healed")
}
