// Package gen paces a run's operations and hands them to worker threads as
// Maelstrom's generator (Jepsen 0.3.7) does: one stagger across all threads,
// with gaps uniform in [0, 2/rate), and each op going to a free thread
// chosen by a rotating cursor. Unlike Jepsen's, the schedule catches up
// after a delay, so the i-th op's due time depends on the seed alone.
package gen

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"
)

// Schedule hands out the times at which successive operations are due: the
// first at once, and each later one a gap after the previous one was due.
// The gaps are drawn in order from the schedule's stream, so the i-th op's
// due time depends on the seed alone. An op that finds no free thread when
// it is due starts when one frees, and the ops due meanwhile follow at once:
// a backlog is caught up. (Jepsen's stagger counts each gap from when the
// previous op actually started, so it never catches up.)
type Schedule struct {
	rng  *rand.Rand
	mean time.Duration // 1/rate
	next time.Time
}

// NewSchedule paces ops at rate per second (rate > 0); rng draws the gaps
// and must not be shared.
func NewSchedule(rate float64, rng *rand.Rand) *Schedule {
	return &Schedule{rng: rng, mean: time.Duration(float64(time.Second) / rate)}
}

// Gap draws the next gap, uniform in [0, 2/rate).
func (s *Schedule) Gap() time.Duration {
	if s.mean <= 0 {
		return 0
	}
	return time.Duration(s.rng.Int64N(int64(2 * s.mean)))
}

// Wait blocks until the next op's scheduled time; it returns false if ctx
// ends first. The first call schedules the first op now.
func (s *Schedule) Wait(ctx context.Context) bool {
	if s.next.IsZero() {
		s.next = time.Now()
	} else {
		s.next = s.next.Add(s.Gap())
	}
	d := time.Until(s.next)
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// Pool tracks which worker threads are free and picks the thread of each
// op as Jepsen's generator context does: the first free thread at or after
// a cursor, in cyclic order, the cursor moving one place per op whichever
// thread took it. When every thread is free at every op, op i therefore
// goes to thread i mod n; otherwise which thread takes an op depends on
// which ones are still busy, that is on timing.
//
// Jepsen's cursor also steps over the nemesis's thread, so there thread 0
// takes two turns in n+1; here the n client threads take equal turns.
type Pool struct {
	mu     sync.Mutex
	free   []bool
	cursor int
	wake   chan struct{}
}

// NewPool makes a pool of n free threads, 0…n-1 (n > 0).
func NewPool(n int) *Pool {
	p := &Pool{free: make([]bool, n), wake: make(chan struct{}, 1)}
	for t := range p.free {
		p.free[t] = true
	}
	return p
}

// Acquire takes the next free thread, waiting for one if all are busy; it
// returns false if ctx ends first. Only one goroutine may call Acquire.
func (p *Pool) Acquire(ctx context.Context) (int, bool) {
	for {
		p.mu.Lock()
		n := len(p.free)
		for i := range n {
			t := (p.cursor + i) % n
			if p.free[t] {
				p.free[t] = false
				p.cursor = (p.cursor + 1) % n
				p.mu.Unlock()
				return t, true
			}
		}
		p.mu.Unlock()
		select {
		case <-p.wake:
		case <-ctx.Done():
			return 0, false
		}
	}
}

// Release returns a thread to the pool.
func (p *Pool) Release(t int) {
	p.mu.Lock()
	p.free[t] = true
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}
