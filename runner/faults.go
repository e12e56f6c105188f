package runner

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/client"
	"github.com/eddy-workbench/eddy/internal/history"
	"github.com/eddy-workbench/eddy/internal/nemesis"
	"github.com/eddy-workbench/eddy/internal/seeded"
	"github.com/eddy-workbench/eddy/internal/workload"
)

// The process faults (--nemesis kill, pause): the schedule comes from
// nemesis.Processes, the signals and restarts from package process; this
// file carries the schedule out on the run's nodes and network and records
// it in the history.

// processStream is the random stream of the j-th operation of the process
// faults: which fault, and whom it hits. It depends on the seed and j alone.
func (r *run) processStream(j int) *rand.Rand {
	return seeded.Stream(r.seed, "nemesis process", j)
}

// runProcessNemesis carries out the kill and pause schedule until phaseCtx
// ends: operation j at the sum of the first j gaps (each uniform in
// [0, 2 × --nemesis-interval)) after the phase began, the first at once. An
// operation under way when the phase ends (a restart waiting for init_ok)
// is finished under ctx, the run's context.
func (r *run) runProcessNemesis(phaseCtx, ctx context.Context, sched *nemesis.Processes) {
	at := time.Now()
	for j := 0; ; j++ {
		rng := r.processStream(j)
		r.processOp(ctx, sched.Next(rng), rng)
		at = at.Add(nemesis.NextGap(rng, r.s.NemesisInterval))
		t := time.NewTimer(time.Until(at))
		select {
		case <-t.C:
		case <-phaseCtx.Done():
			t.Stop()
			return
		}
	}
}

// processOp carries out one operation and records it in the history, as
// Jepsen's nemesis does: an :info op with the target as it was asked
// (:kill :minority, :start :all), then an :info op with what was done to
// whom ({"n1" :killed, "n3" :killed}).
func (r *run) processOp(ctx context.Context, op nemesis.ProcessOp, rng *rand.Rand) {
	r.rec.Add(history.Op{Type: history.Info, Process: history.Nemesis, F: op.F, Value: edn.Keyword(op.Target)})
	var done map[string]string
	switch op.F {
	case nemesis.FKill:
		done = r.killNodes(op.Target.Pick(r.s.nodes, rng))
	case nemesis.FStart:
		done = r.restartNodes(ctx)
	case nemesis.FPause:
		done = r.pauseNodes(op.Target.Pick(r.s.nodes, rng))
	case nemesis.FResume:
		done = r.resumeNodes()
	}
	r.rec.Add(history.Op{Type: history.Info, Process: history.Nemesis, F: op.F, Value: r.outcomeEDN(done)})
	r.prog.setFaults(r.faultCounts())
}

// outcomeEDN is {"n1" :killed, …} in the order of the nodes.
func (r *run) outcomeEDN(done map[string]string) *edn.Map {
	m := edn.NewMap()
	for _, id := range r.s.nodes {
		if what, ok := done[id]; ok {
			m.Set(id, edn.Keyword(what))
		}
	}
	return m
}

// nodeByID returns the node named id, or nil.
func (r *run) nodeByID(id string) *node {
	for _, n := range r.nodes {
		if n.id == id {
			return n
		}
	}
	return nil
}

// killNodes kills the nodes named (those not down already), all at once:
// the network drops what is due to them from now on, then their process
// groups get SIGKILL.
func (r *run) killNodes(ids []string) map[string]string {
	done := map[string]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, id := range ids {
		n := r.nodeByID(id)
		if n == nil {
			continue
		}
		n.mu.Lock()
		if n.down {
			n.mu.Unlock()
			continue
		}
		n.down = true
		proc := n.proc
		n.mu.Unlock()
		wg.Go(func() {
			r.silence.Out(id)
			_ = r.net.Crash(id)
			n.out.Lock()
			n.out.paused, n.out.held = false, nil // a kill ends a pause; held output dies
			n.out.Unlock()
			if err := proc.Kill(); err != nil {
				r.logf("killing node %s: %v", id, err)
			}
			r.logf("Killed node %s", id)
			mu.Lock()
			done[id] = "killed"
			mu.Unlock()
		})
	}
	wg.Wait()
	return done
}

// restartNodes starts every node that is down again, concurrently: the same
// binary (or function) with the same node id, arguments and directory, its
// network endpoint back up, then init through a fresh client (and the
// workload's setup, such as broadcast's topology). A node that cannot be
// restarted (it exits or does not answer init) makes the run abort.
func (r *run) restartNodes(ctx context.Context) map[string]string {
	done := map[string]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, n := range r.nodes {
		n.mu.Lock()
		down := n.down
		n.mu.Unlock()
		if !down {
			continue
		}
		wg.Go(func() {
			what := "started"
			if err := r.restartNode(ctx, n); err != nil {
				what = "failed"
				if ctx.Err() == nil {
					r.exits.fail(n.id, fmt.Sprintf("node %s could not be restarted %.2f s into the run: %v", n.id, time.Since(r.start).Seconds(), err))
				}
			} else {
				r.logf("Restarted node %s", n.id)
			}
			mu.Lock()
			done[n.id] = what
			mu.Unlock()
		})
	}
	wg.Wait()
	return done
}

// restartNode starts a killed node's next incarnation and initialises it.
// As at the start, the node takes messages from the moment its process
// runs; only the nemesis waits for its init_ok.
func (r *run) restartNode(ctx context.Context, n *node) error {
	old := n.process()
	proc, err := old.Restart()
	if err != nil {
		return err
	}
	n.mu.Lock()
	n.proc, n.dead, n.live, n.pending = proc, false, true, nil
	n.mu.Unlock()
	r.exits.watch(n, proc)
	_ = r.net.Restart(n.id)
	if err := r.initNode(ctx, n); err != nil {
		return err
	}
	if err := r.setupNode(ctx, n); err != nil {
		return err
	}
	n.mu.Lock()
	n.down = false
	n.mu.Unlock()
	r.silence.Back(n.id)
	return nil
}

// setupNode runs the workload's setup of one node through a client of its
// own, if the workload has one.
func (r *run) setupNode(ctx context.Context, n *node) error {
	wl, ok := r.wl.(workload.Setup)
	if !ok {
		return nil
	}
	c, err := client.Open(r.net, &r.clientIDs, n.id)
	if err != nil {
		return err
	}
	defer c.Close()
	return wl.Setup(ctx, c)
}

// pauseNodes pauses the nodes named that are neither down nor paused: the
// network holds what is due to them, their process groups get SIGSTOP, and
// whatever they still print (an in-process node, which cannot be stopped,
// or lines already in the pipe) is held until they resume.
func (r *run) pauseNodes(ids []string) map[string]string {
	done := map[string]string{}
	for _, id := range ids {
		n := r.nodeByID(id)
		if n == nil {
			continue
		}
		n.mu.Lock()
		down, proc := n.down, n.proc
		n.mu.Unlock()
		n.out.Lock()
		if down || n.out.paused {
			n.out.Unlock()
			continue
		}
		n.out.paused = true
		n.out.Unlock()
		r.silence.Out(id)
		_ = r.net.Pause(id)
		if err := proc.Pause(); err != nil {
			r.logf("pausing node %s: %v", id, err)
		}
		r.logf("Paused node %s", id)
		done[id] = "paused"
	}
	return done
}

// resumeNodes resumes every paused node: SIGCONT, then what it printed
// while paused is routed, in order, and the network delivers what waited.
func (r *run) resumeNodes() map[string]string {
	done := map[string]string{}
	for _, n := range r.nodes {
		n.out.Lock()
		if !n.out.paused {
			n.out.Unlock()
			continue
		}
		if err := n.process().Resume(); err != nil {
			r.logf("resuming node %s: %v", n.id, err)
		}
		for _, line := range n.out.held {
			r.routeGuarded(n.id, line)
		}
		n.out.paused, n.out.held = false, nil
		n.out.Unlock()
		_ = r.net.Resume(n.id)
		r.silence.Back(n.id)
		r.logf("Resumed node %s", n.id)
		done[n.id] = "resumed"
	}
	return done
}

// faultCounts are how many nodes are down and paused now.
func (r *run) faultCounts() (down, paused int) {
	for _, n := range r.nodes {
		n.mu.Lock()
		if n.down {
			down++
		}
		n.mu.Unlock()
		n.out.Lock()
		if n.out.paused {
			paused++
		}
		n.out.Unlock()
	}
	return down, paused
}

// processFaultsFinal undoes every process fault before the final phase:
// Jepsen's final generator (resume, then start), recorded like any other
// operation.
func (r *run) processFaultsFinal(ctx context.Context, sched *nemesis.Processes) {
	for _, op := range sched.Final() {
		r.processOp(ctx, op, nil)
	}
}
