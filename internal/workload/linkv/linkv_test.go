package linkv

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestGroupsKeysAndRoles(t *testing.T) {
	w := New(Options{Nodes: 2})
	rng := rand.New(rand.NewPCG(1, 1))
	for thread := range 8 {
		op := w.NextFor(thread, thread, rng)
		key := op.Value.([]any)[0]
		assert.Equal(t, int64(thread/4), key, "thread %d works on its group's key", thread)
		if thread%4 < 2 {
			assert.Equal(t, "read", op.F, "thread %d reads", thread)
		} else {
			assert.Contains(t, []string{"write", "cas"}, op.F, "thread %d writes", thread)
		}
	}
}

func TestWritesAndCasOneToTwo(t *testing.T) {
	w := New(Options{Nodes: 1})
	rng := rand.New(rand.NewPCG(2, 2))
	counts := map[string]int{}
	for range 3000 {
		op := w.NextFor(1, 1, rng)
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

func TestKeyRetiresAfterTwentyProcesses(t *testing.T) {
	w := New(Options{Nodes: 1})
	rng := rand.New(rand.NewPCG(3, 3))
	// Each indeterminate op gives thread 0 a new process: 0, 2, 4, …
	for p := 0; p < 2*20; p += 2 {
		assert.Equal(t, int64(0), w.NextFor(0, p, rng).Value.([]any)[0])
	}
	assert.Equal(t, int64(0), w.NextFor(0, 38, rng).Value.([]any)[0], "a process already seen keeps the key")
	assert.Equal(t, int64(1), w.NextFor(0, 40, rng).Value.([]any)[0], "the 21st process gets a fresh key")
}

func TestTimeout(t *testing.T) {
	assert.Equal(t, time.Second, New(Options{Latency: 50 * time.Millisecond}).timeout)
	assert.Equal(t, 2*time.Second, New(Options{Latency: 200 * time.Millisecond}).timeout)
}
