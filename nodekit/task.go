package nodekit

import (
	"context"
	"runtime/debug"
	"time"
)

// task is a periodic task of a Node.
type task struct {
	n      *Node
	every  time.Duration
	fn     func(ctx context.Context, now time.Time)
	next   time.Time // the deadline of the pending run
	timer  Timer
	active bool // started and not stopped
}

// Every runs task every d on the node's clock, from d after init (once
// the OnInit hooks have returned) until the node stops. Runs are at a
// fixed rate and never overlap: a run that takes longer than d delays the
// next one, and the runs it overlapped are skipped, as with a
// time.Ticker. now is the clock's time when the run starts; ctx is
// cancelled when the node stops. A task registered after init starts at
// once; Every panics if d is not positive.
func (n *Node) Every(d time.Duration, fn func(ctx context.Context, now time.Time)) {
	if d <= 0 {
		panic("nodekit: Every needs a positive period")
	}
	t := &task{n: n, every: d, fn: fn}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.tasks = append(n.tasks, t)
	if n.state == initialised && !n.stopping {
		n.startTask(t)
	}
}

// startTask arms t's first run. n.mu is held.
func (n *Node) startTask(t *task) {
	t.active = true
	t.next = n.cfg.clock.Now().Add(t.every)
	t.timer = n.cfg.clock.AfterFunc(t.every, t.fire)
}

// stop cancels t's pending run. n.mu is held.
func (t *task) stop() {
	t.active = false
	if t.timer != nil {
		t.timer.Stop()
	}
}

// fire runs the task once and arms the next run.
func (t *task) fire() {
	n := t.n
	select {
	case <-n.ready:
	case <-n.context().Done():
		return
	}
	n.mu.Lock()
	if !t.active || n.stopping {
		n.mu.Unlock()
		return
	}
	n.wg.Add(1)
	n.mu.Unlock()
	func() {
		defer n.wg.Done()
		defer func() {
			if p := recover(); p != nil {
				n.log.Error("nodekit: periodic task panicked", "panic", p, "stack", string(debug.Stack()))
			}
		}()
		t.fn(n.context(), n.cfg.clock.Now())
	}()
	n.mu.Lock()
	defer n.mu.Unlock()
	if !t.active || n.stopping {
		return
	}
	now := n.cfg.clock.Now()
	t.next = t.next.Add(t.every)
	if !t.next.After(now) {
		// Overran: skip the missed runs, keeping the phase.
		missed := now.Sub(t.next)/t.every + 1
		t.next = t.next.Add(missed * t.every)
	}
	t.timer = n.cfg.clock.AfterFunc(t.next.Sub(now), t.fire)
}
