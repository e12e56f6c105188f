package keypool

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/internal/workload"
)

func TestPositionIsElles(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	counts := map[int]int{}
	const n = 150000
	for range n {
		counts[Position(4, rng.Float64())]++
	}
	// Weights 1, 2, 4, 8 out of 15.
	for i, want := range []float64{1, 2, 4, 8} {
		assert.InDelta(t, want/15, float64(counts[i])/n, 0.01, "position %d", i)
	}
	assert.Equal(t, 0, Position(4, 0))
	assert.Equal(t, 3, Position(4, 0.999999))
	assert.Equal(t, 99, Position(100, 0.9), "no overflow with many keys")
	assert.Equal(t, 1999, Position(2000, 0.5), "beyond float range the newest position")
}

func TestKeysTurnOverByGeneration(t *testing.T) {
	p := workload.Process{ID: 1, Concurrency: 4}
	pl := New(Options{Count: 3, MaxWrites: 8, WritesPerOp: 0.5}, p, 0)
	pl.Begin()
	assert.Equal(t, []int64{0, 1, 2}, pl.Keys(), "the first keys are Elle's")
	// share = 2 writes a process; position 2 (weight 4/7) is written 2/7 of
	// an op on average, so it changes every 7 ops, position 1 every 14,
	// position 0 every 28.
	for range 7 {
		pl.Begin()
	}
	assert.Equal(t, []int64{0, 1, 5}, pl.Keys())
	for range 7 {
		pl.Begin()
	}
	assert.Equal(t, []int64{0, 4, 8}, pl.Keys())

	later := New(Options{Count: 3, MaxWrites: 8, WritesPerOp: 0.5}, p, 14)
	later.Begin()
	assert.Equal(t, pl.Keys(), later.Keys(), "an offset starts further on")
}

// A process's writes to a key take values no other process uses; a later
// incarnation's values are new too; the first share writes of each thread's
// first process are 1 … concurrency·share.
func TestWritesAreUniquePerKey(t *testing.T) {
	opt := Options{Count: 2, MaxWrites: 5, WritesPerOp: 1}
	seen := map[int64]int{}
	for id := range 9 { // three threads, three incarnations each
		pl := New(opt, workload.Process{ID: id, Concurrency: 3}, 0)
		pl.Begin()
		for j := range 5 {
			v := pl.Write(7)
			_, dup := seen[v]
			require.False(t, dup, "value %d twice", v)
			seen[v] = id
			if id < 3 && j < 2 {
				assert.True(t, v >= 1 && v <= 6, "first processes write 1…6 first, got %d", v)
			}
		}
		assert.Equal(t, int64(id%3+1), New(opt, workload.Process{ID: id % 3, Concurrency: 3}, 0).Write(8), "keys count apart")
	}
}
