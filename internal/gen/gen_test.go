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

// The first op starts at once, and op i+1 one gap (the i-th draw of the
// stream) after op i: the schedule depends on the stream alone.
func TestScheduleIsTheStreamsGaps(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := NewSchedule(100, rand.New(rand.NewPCG(5, 6)))
		gaps := NewSchedule(100, rand.New(rand.NewPCG(5, 6)))
		ctx := context.Background()
		start := time.Now()
		require.True(t, s.Wait(ctx))
		require.Equal(t, start, time.Now(), "the first op starts at once")
		want := start
		for range 50 {
			want = want.Add(gaps.Gap())
			require.True(t, s.Wait(ctx))
			require.Equal(t, want, time.Now())
		}
	})
}

// Ops that fell due during a stall are issued at once: the schedule does
// not shift.
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
		p := NewPool(3)
		ctx := context.Background()
		for want := range 3 {
			th, ok := p.Acquire(ctx)
			require.True(t, ok)
			require.Equal(t, want, th)
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

// With every thread free, op i goes to thread i mod n; a busy thread is
// skipped in favour of the next free one, and the cursor still moves one
// place per op.
func TestPoolRotates(t *testing.T) {
	p := NewPool(4)
	ctx := context.Background()
	take := func() int {
		th, ok := p.Acquire(ctx)
		require.True(t, ok)
		return th
	}
	for i := range 10 {
		th := take()
		require.Equal(t, i%4, th)
		p.Release(th)
	}
	// Cursor at 2. Thread 2 is held: op 10 goes to thread 3, op 11 (cursor 3)
	// to thread 3 again once released, op 12 (cursor 0) to thread 0.
	held := take() // op 10 → thread 2
	require.Equal(t, 2, held)
	th := take() // op 11, cursor 3 → thread 3
	require.Equal(t, 3, th)
	p.Release(th)
	assert.Equal(t, 0, take()) // op 12, cursor 0
	assert.Equal(t, 1, take()) // op 13, cursor 1
	assert.Equal(t, 3, take()) // op 14, cursor 2: thread 2 is busy, 3 is next
}
