package gen

import (
	"context"
	"math/rand/v2"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGapsAreUniformWithMeanOneOverRate(t *testing.T) {
	s := NewSchedule(100, rand.New(rand.NewPCG(1, 2)))
	var sum time.Duration
	const n = 20000
	for range n {
		g := s.Gap()
		require.GreaterOrEqual(t, g, time.Duration(0))
		require.Less(t, g, 20*time.Millisecond)
		sum += g
	}
	assert.InDelta(t, float64(10*time.Millisecond), float64(sum/n), float64(300*time.Microsecond))
}

func TestScheduleCatchesUpABacklog(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := NewSchedule(1000, rand.New(rand.NewPCG(1, 2)))
		ctx := context.Background()
		require.True(t, s.Wait(ctx))
		time.Sleep(time.Second) // a stall: about 1000 ops are now overdue
		stalled := time.Now()
		n := 0
		for s.Wait(ctx) && time.Now().Equal(stalled) {
			n++
		}
		assert.Greater(t, n, 900, "overdue ops are issued at once")
		assert.Less(t, n, 1100)
	})
}

func TestScheduleStopsWithContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := NewSchedule(0.001, rand.New(rand.NewPCG(1, 2))) // a gap of up to 2000 s
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		for s.Wait(ctx) {
		}
		assert.Error(t, ctx.Err())
	})
}

func TestPoolHandsOutEachThreadOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := NewPool(3, rand.New(rand.NewPCG(1, 2)))
		ctx := context.Background()
		seen := map[int]bool{}
		for range 3 {
			th, ok := p.Acquire(ctx)
			require.True(t, ok)
			require.False(t, seen[th])
			seen[th] = true
		}
		// All busy: Acquire waits until one is released.
		go func() {
			time.Sleep(time.Second)
			p.Release(1)
		}()
		before := time.Now()
		th, ok := p.Acquire(ctx)
		require.True(t, ok)
		assert.Equal(t, 1, th)
		assert.Equal(t, time.Second, time.Since(before))
		// And gives up when the context ends.
		short, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		_, ok = p.Acquire(short)
		assert.False(t, ok)
	})
}

func TestPoolPicksRandomFreeThreads(t *testing.T) {
	p := NewPool(5, rand.New(rand.NewPCG(3, 4)))
	counts := map[int]int{}
	for range 5000 {
		th, _ := p.Acquire(context.Background())
		counts[th]++
		p.Release(th)
	}
	for th := range 5 {
		assert.InDelta(t, 1000, counts[th], 150, "thread %d", th)
	}
}
