package crdt

import (
	"fmt"
	"math"
	mrand "math/rand"
	"math/rand/v2"
	"reflect"
	"testing"
	"testing/quick"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// genMap is a MaxMap for testing/quick, over a small key space so that the
// maps it draws overlap.
type genMap struct{ *MaxMap }

// Generate implements quick.Generator.
func (genMap) Generate(r *mrand.Rand, size int) reflect.Value {
	m := &MaxMap{}
	for range r.Intn(size + 1) {
		m.Raise(fmt.Sprintf("k%d", r.Intn(8)), r.Int63n(20)-5)
	}
	return reflect.ValueOf(genMap{m})
}

// quickConfig draws from a fixed seed, so that a failure repeats.
func quickConfig() *quick.Config {
	return &quick.Config{MaxCount: 500, Rand: mrand.New(mrand.NewSource(1))}
}

func TestMaxMapLaws(t *testing.T) {
	commutative := func(x, y genMap) bool { return Join(x.MaxMap, y.MaxMap).Equal(Join(y.MaxMap, x.MaxMap)) }
	associative := func(x, y, z genMap) bool {
		return Join(Join(x.MaxMap, y.MaxMap), z.MaxMap).Equal(Join(x.MaxMap, Join(y.MaxMap, z.MaxMap)))
	}
	idempotent := func(x genMap) bool { return Join(x.MaxMap, x.MaxMap).Equal(x.MaxMap) }
	// The join is the least upper bound: it is above both, and merging
	// either into it changes nothing.
	upperBound := func(x, y genMap) bool {
		j := Join(x.MaxMap, y.MaxMap)
		return len(j.Clone().Merge(x.MaxMap)) == 0 && len(j.Clone().Merge(y.MaxMap)) == 0
	}
	for name, f := range map[string]any{
		"commutative": commutative, "associative": associative,
		"idempotent": idempotent, "upper bound": upperBound,
	} {
		t.Run(name, func(t *testing.T) {
			if err := quick.Check(f, quickConfig()); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestMaxMapAnyDeliveryOrder: deliveries of the same updates in any order,
// each any number of times, give the same state.
func TestMaxMapAnyDeliveryOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 200 {
		var updates []Entry
		for range r.IntN(30) {
			updates = append(updates, Entry{fmt.Sprintf("k%d", r.IntN(6)), r.Int64N(50)})
		}
		var want MaxMap
		want.MergeEntries(updates)
		for range 5 {
			// Shuffle and duplicate.
			var deliveries []Entry
			for _, u := range updates {
				for range 1 + r.IntN(3) {
					deliveries = append(deliveries, u)
				}
			}
			r.Shuffle(len(deliveries), func(i, j int) { deliveries[i], deliveries[j] = deliveries[j], deliveries[i] })
			// Deliver in random batches, some as whole maps.
			var got MaxMap
			for len(deliveries) > 0 {
				n := 1 + r.IntN(len(deliveries))
				if r.IntN(2) == 0 {
					var batch MaxMap
					batch.MergeEntries(deliveries[:n])
					got.Merge(&batch)
				} else {
					got.MergeEntries(deliveries[:n])
				}
				deliveries = deliveries[n:]
			}
			require.True(t, want.Equal(&got), "trial %d: %v != %v", trial, want.Entries(), got.Entries())
		}
	}
}

func TestMaxMapBasics(t *testing.T) {
	var m MaxMap
	assert.Equal(t, int64(0), m.Get("a"))
	assert.False(t, m.Raise("a", 0), "0 is the bottom")
	assert.False(t, m.Raise("a", -3))
	assert.True(t, m.Raise("a", 2))
	assert.False(t, m.Raise("a", 1))
	assert.True(t, m.Raise("b", 5))
	assert.Equal(t, []Entry{{"a", 2}, {"b", 5}}, m.Entries())
	var o MaxMap
	o.Raise("a", 3)
	o.Raise("b", 1)
	o.Raise("c", 1)
	assert.Equal(t, []string{"a", "c"}, m.Merge(&o))
	assert.Equal(t, []string{"a", "b", "c"}, m.Keys())
	assert.Equal(t, 3, m.Len())
}

func TestSet(t *testing.T) {
	var m MaxMap
	assert.True(t, SetAdd(&m, "3"))
	assert.True(t, SetAdd(&m, `"x"`))
	assert.False(t, SetAdd(&m, "3"))
	assert.Equal(t, []string{`"x"`, "3"}, SetElements(&m))
}

func TestCounter(t *testing.T) {
	var m MaxMap
	add := func(node string, d int64) {
		t.Helper()
		_, _, err := CounterAdd(&m, node, d)
		require.NoError(t, err)
	}
	add("n1", 5)
	add("n1", -2)
	add("n2", 4)
	add("n2", 0)
	add("n2", -7)
	assert.Equal(t, int64(0), CounterValue(&m))
	assert.Equal(t, []Entry{{"+n1", 5}, {"+n2", 4}, {"-n1", 2}, {"-n2", 7}}, m.Entries())
	e, ok, err := CounterAdd(&m, "n1", 1)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, Entry{"+n1", 6}, e)

	// Merging another replica that saw n2's adds only keeps the larger
	// totals: the value counts each add once.
	var other MaxMap
	_, _, _ = CounterAdd(&other, "n2", 4)
	m.Merge(&other)
	assert.Equal(t, int64(1), CounterValue(&m))

	_, _, err = CounterAdd(&m, "n3", math.MaxInt64)
	require.NoError(t, err)
	_, _, err = CounterAdd(&m, "n3", 1)
	assert.ErrorIs(t, err, ErrOverflow)
	_, _, err = CounterAdd(&m, "n3", math.MinInt64)
	assert.ErrorIs(t, err, ErrOverflow)
}

// TestCounterLaws: the counter's value after merging replicas does not
// depend on the order or repetition of the merges.
func TestCounterLaws(t *testing.T) {
	f := func(seed uint64) bool {
		r := rand.New(rand.NewPCG(seed, 7))
		replicas := make([]*MaxMap, 3)
		var total int64
		for i := range replicas {
			replicas[i] = &MaxMap{}
			for range r.IntN(10) {
				d := r.Int64N(10) - 5
				total += d
				_, _, _ = CounterAdd(replicas[i], fmt.Sprintf("n%d", i), d)
			}
		}
		order := []int{0, 1, 2, 0, 1, 2}
		r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		var got MaxMap
		for _, i := range order {
			got.Merge(replicas[i])
		}
		return CounterValue(&got) == total
	}
	if err := quick.Check(f, &quick.Config{MaxCount: 300, Rand: mrand.New(mrand.NewSource(2))}); err != nil {
		t.Error(err)
	}
}
