// Package gen paces a run's operations as Maelstrom's generator does: ops
// are scheduled at independent uniform gaps in [0, 2/rate) seconds across
// all threads, and each op waits for a free thread.
package gen

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"
)

// Schedule hands out the times at which successive operations start.
// Scheduled times accumulate from the previous scheduled time, not from when
// an op actually started, so a backlog is caught up (as Jepsen's stagger does).
type Schedule struct {
	rng  *rand.Rand
	mean time.Duration // 1/rate
	next time.Time
}

// NewSchedule paces ops at rate per second (rate > 0); rng draws the gaps.
func NewSchedule(rate float64, rng *rand.Rand) *Schedule {
	return &Schedule{rng: rng, mean: time.Duration(float64(time.Second) / rate)}
}

// Gap draws one gap, uniform in [0, 2/rate).
func (s *Schedule) Gap() time.Duration {
	if s.mean <= 0 {
		return 0
	}
	return time.Duration(s.rng.Int64N(int64(2 * s.mean)))
}

// Wait blocks until the next op's scheduled time; it returns false if ctx
// ends first. The first op is scheduled one gap after the first call.
func (s *Schedule) Wait(ctx context.Context) bool {
	if s.next.IsZero() {
		s.next = time.Now()
	}
	s.next = s.next.Add(s.Gap())
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

// Pool tracks which worker threads are free.
type Pool struct {
	rng  *rand.Rand
	mu   sync.Mutex
	free []int
	wake chan struct{}
}

// NewPool makes a pool of n free threads, 0…n-1. rng picks among free threads;
// the pool serialises its use with the caller of Acquire.
func NewPool(n int, rng *rand.Rand) *Pool {
	p := &Pool{rng: rng, wake: make(chan struct{}, 1)}
	for t := range n {
		p.free = append(p.free, t)
	}
	return p
}

// Acquire takes a random free thread, waiting for one if all are busy; it
// returns false if ctx ends first. Only one goroutine may call Acquire.
func (p *Pool) Acquire(ctx context.Context) (int, bool) {
	for {
		p.mu.Lock()
		if n := len(p.free); n > 0 {
			i := p.rng.IntN(n)
			t := p.free[i]
			p.free[i] = p.free[n-1]
			p.free = p.free[:n-1]
			p.mu.Unlock()
			return t, true
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
	p.free = append(p.free, t)
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}
