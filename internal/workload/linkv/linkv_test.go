package linkv

import (
	"math/rand/v2"
	"sync"
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

// step is one op asked for by a process, and the key it must get.
type step struct {
	process int
	key     int64
}

// incarnations returns the steps of thread t's incarnations m0 … m1 (of a
// run of c threads), each asking for one op that must get key.
func incarnations(c, t, m0, m1 int, key int64) []step {
	var s []step
	for m := m0; m <= m1; m++ {
		s = append(s, step{m*c + t, key})
	}
	return s
}

// steps concatenates lists of steps.
func steps(lists ...[]step) []step {
	var s []step
	for _, l := range lists {
		s = append(s, l...)
	}
	return s
}

// TestGroupMovesTogether follows the keys of ops as processes ask for
// them: a group keeps its key until a 21st distinct process would use it,
// then all of its threads, readers and writers alike, take the next key
// no group has had.
func TestGroupMovesTogether(t *testing.T) {
	cases := []struct {
		name        string
		nodes, conc int
		steps       []step
	}{
		{"no indeterminate ops: every group keeps its key", 2, 8, steps(
			incarnations(8, 0, 0, 0, 0), incarnations(8, 5, 0, 0, 1), incarnations(8, 2, 0, 0, 0),
			incarnations(8, 7, 0, 0, 1), incarnations(8, 0, 0, 0, 0), incarnations(8, 3, 0, 0, 0),
			incarnations(8, 4, 0, 0, 1), incarnations(8, 6, 0, 0, 1), incarnations(8, 5, 0, 0, 1),
		)},
		{"a writer's 17th new process moves its readers too", 2, 4, steps(
			// 4 first processes and 16 new ones of writer 2: 20 on key 0.
			incarnations(4, 2, 0, 16, 0),
			incarnations(4, 0, 0, 0, 0),
			incarnations(4, 2, 17, 17, 1),
			// The reader and the other writer follow with their processes.
			incarnations(4, 0, 0, 0, 1), incarnations(4, 1, 0, 0, 1), incarnations(4, 3, 0, 0, 1),
			// Key 1 started with 4 processes: 16 more new ones fit.
			incarnations(4, 3, 1, 16, 1),
			incarnations(4, 1, 0, 0, 1),
			incarnations(4, 3, 17, 17, 2),
			incarnations(4, 1, 0, 0, 2),
		)},
		{"keys are handed out in order across groups", 2, 8, steps(
			incarnations(8, 6, 1, 16, 1), incarnations(8, 6, 17, 17, 2),
			incarnations(8, 1, 1, 16, 0), incarnations(8, 1, 17, 17, 3),
			incarnations(8, 4, 0, 0, 2), incarnations(8, 0, 0, 0, 3),
			incarnations(8, 5, 1, 16, 2), incarnations(8, 5, 17, 17, 4),
			incarnations(8, 2, 0, 0, 3), incarnations(8, 7, 0, 0, 4),
		)},
		{"a smaller last group moves at its 21st process", 2, 6, steps(
			// Group 1 is threads 4 and 5: 18 new processes fit.
			incarnations(6, 5, 1, 18, 1), incarnations(6, 4, 0, 0, 1),
			incarnations(6, 5, 19, 19, 2), incarnations(6, 4, 0, 0, 2),
			incarnations(6, 0, 0, 0, 0),
		)},
		{"a process asking again is counted once", 1, 2, steps(
			incarnations(2, 1, 1, 18, 0), incarnations(2, 1, 18, 18, 0),
			incarnations(2, 0, 0, 0, 0), incarnations(2, 1, 18, 18, 0),
			incarnations(2, 0, 1, 1, 1), incarnations(2, 1, 18, 18, 1),
		)},
		{"a group of more than 20 threads moves at each new process", 11, 22, steps(
			incarnations(22, 0, 0, 0, 0), incarnations(22, 21, 0, 0, 0),
			incarnations(22, 15, 1, 1, 1), incarnations(22, 3, 0, 0, 1),
			incarnations(22, 3, 1, 1, 2), incarnations(22, 15, 1, 1, 2),
		)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := New(Options{Nodes: tc.nodes})
			size := 2 * tc.nodes
			gens := map[int]workload.Generator{}
			for i, s := range tc.steps {
				p := workload.Process{ID: s.process, Concurrency: tc.conc}
				g, ok := gens[s.process]
				if !ok {
					g = w.Generator(p, rand.New(rand.NewPCG(4, uint64(s.process))))
					gens[s.process] = g
				}
				op := g.Next()
				assert.Equal(t, s.key, keyOf(op), "step %d: process %d (thread %d)", i, s.process, p.Thread())
				assert.Equal(t, p.Thread()%size < tc.nodes, op.F == "read", "step %d: process %d's role", i, s.process)
			}
		})
	}
}

// TestKeysConcurrently has every thread of two groups renew its process
// at once; the keys each thread sees never go back, and the two groups
// never share one.
func TestKeysConcurrently(t *testing.T) {
	const conc, rounds = 8, 200
	w := New(Options{Nodes: 2})
	seen := make([][]int64, conc)
	var wg sync.WaitGroup
	for thread := range conc {
		wg.Go(func() {
			for m := range rounds {
				p := workload.Process{ID: m*conc + thread, Concurrency: conc}
				g := w.Generator(p, rand.New(rand.NewPCG(5, uint64(p.ID))))
				seen[thread] = append(seen[thread], keyOf(g.Next()).(int64))
			}
		})
	}
	wg.Wait()
	owner := map[int64]int{}
	for thread, keys := range seen {
		assert.IsNonDecreasing(t, keys, "thread %d", thread)
		for _, k := range keys {
			if g, ok := owner[k]; ok {
				assert.Equal(t, g, thread/4, "key %d used by two groups", k)
			}
			owner[k] = thread / 4
		}
	}
	// 200 processes a thread, 800 a group: at least 800/20 keys a group.
	assert.GreaterOrEqual(t, len(owner), 2*800/20)
}

func TestTimeout(t *testing.T) {
	assert.Equal(t, time.Second, New(Options{Latency: 50 * time.Millisecond}).timeout)
	assert.Equal(t, 2*time.Second, New(Options{Latency: 200 * time.Millisecond}).timeout)
}
