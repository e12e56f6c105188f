package linkv

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/eddy-workbench/eddy/internal/workload"
)

func keyOf(op workload.Op) any { return op.Value.([]any)[0] }

func TestGroupsKeysAndRoles(t *testing.T) {
	w := New(Options{Nodes: 2})
	for thread := range 8 {
		op := w.Generator(workload.Process{ID: thread, Concurrency: 8}, rand.New(rand.NewPCG(1, 1))).Next()
		assert.Equal(t, int64(thread/4), keyOf(op), "thread %d works on its group's key", thread)
		if thread%4 < 2 {
			assert.Equal(t, "read", op.F, "thread %d reads", thread)
		} else {
			assert.Contains(t, []string{"write", "cas"}, op.F, "thread %d writes", thread)
		}
	}
}

func TestWritesAndCasOneToTwo(t *testing.T) {
	w := New(Options{Nodes: 1})
	g := w.Generator(workload.Process{ID: 1, Concurrency: 2}, rand.New(rand.NewPCG(2, 2)))
	counts := map[string]int{}
	for range 3000 {
		op := g.Next()
		counts[op.F]++
		switch v := op.Value.([]any)[1].(type) {
		case int64:
			assert.True(t, v >= 0 && v < 5)
		case []any:
			assert.True(t, v[0].(int64) < 5 && v[1].(int64) < 5)
		}
	}
	assert.InDelta(t, 1000, counts["write"], 100)
	assert.InDelta(t, 2000, counts["cas"], 100)
}

// A group of s threads keeps its key for ⌊20/s⌋ incarnations of its
// threads, then moves to a key no other group uses.
func TestKeyRetiresAfterTwentyProcesses(t *testing.T) {
	w := New(Options{Nodes: 2}) // groups of 4 threads
	key := func(p, c int) any {
		return keyOf(w.Generator(workload.Process{ID: p, Concurrency: c}, rand.New(rand.NewPCG(3, 3))).Next())
	}
	// Concurrency 8: two groups of 4, five incarnations per key.
	for m := range 5 {
		assert.Equal(t, int64(0), key(8*m+1, 8), "incarnation %d of thread 1", m)
		assert.Equal(t, int64(1), key(8*m+6, 8), "incarnation %d of thread 6", m)
	}
	assert.Equal(t, int64(2), key(8*5+1, 8), "the group's 21st to 40th processes")
	assert.Equal(t, int64(3), key(8*5+6, 8))
	assert.Equal(t, int64(4), key(8*10+3, 8))
	// Concurrency 6: the second group has 2 threads, ten incarnations a key.
	assert.Equal(t, int64(1), key(6*9+5, 6))
	assert.Equal(t, int64(3), key(6*10+5, 6))
	assert.Equal(t, int64(2), key(6*5+0, 6))
}

func TestTimeout(t *testing.T) {
	assert.Equal(t, time.Second, New(Options{Latency: 50 * time.Millisecond}).timeout)
	assert.Equal(t, 2*time.Second, New(Options{Latency: 200 * time.Millisecond}).timeout)
}
