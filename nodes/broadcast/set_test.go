package main

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/nodekit"
)

// iv is shorthand for an interval list in tests.
type iv = [][2]int64

func setOf(vs ...int64) Set {
	var s Set
	for _, v := range vs {
		s.Add(v)
	}
	return s
}

func TestAdd(t *testing.T) {
	tests := []struct {
		name  string
		start iv
		v     int64
		isNew bool
		want  iv
	}{
		{"into empty", nil, 5, true, iv{{5, 5}}},
		{"already there", iv{{1, 9}}, 4, false, iv{{1, 9}}},
		{"extends left end", iv{{5, 9}}, 4, true, iv{{4, 9}}},
		{"extends right end", iv{{5, 9}}, 10, true, iv{{5, 10}}},
		{"joins two", iv{{1, 3}, {5, 9}}, 4, true, iv{{1, 9}}},
		{"new interval between", iv{{1, 3}, {9, 9}}, 6, true, iv{{1, 3}, {6, 6}, {9, 9}}},
		{"new interval first", iv{{5, 9}}, 1, true, iv{{1, 1}, {5, 9}}},
		{"new interval last", iv{{5, 9}}, 20, true, iv{{5, 9}, {20, 20}}},
		{"negative", iv{{0, 0}}, -1, true, iv{{-1, 0}}},
		{"max int64", iv{{math.MaxInt64 - 1, math.MaxInt64 - 1}}, math.MaxInt64, true, iv{{math.MaxInt64 - 1, math.MaxInt64}}},
		{"min int64", iv{{math.MinInt64 + 1, 0}}, math.MinInt64, true, iv{{math.MinInt64, 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := FromIntervals(tt.start)
			assert.Equal(t, tt.isNew, s.Add(tt.v))
			assert.Equal(t, tt.want, s.Intervals())
			assert.True(t, s.Contains(tt.v))
		})
	}
}

func TestFromIntervals(t *testing.T) {
	tests := []struct {
		name string
		in   iv
		want iv
	}{
		{"empty", nil, nil},
		{"sorted and merged", iv{{7, 9}, {1, 2}, {3, 4}, {8, 12}}, iv{{1, 4}, {7, 12}}},
		{"contained", iv{{1, 10}, {2, 3}}, iv{{1, 10}}},
		{"reversed ones ignored", iv{{5, 1}, {2, 2}}, iv{{2, 2}}},
		{"up to max int64", iv{{math.MaxInt64, math.MaxInt64}, {1, math.MaxInt64 - 1}}, iv{{1, math.MaxInt64}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, FromIntervals(tt.in).Intervals())
		})
	}
}

func TestUnion(t *testing.T) {
	tests := []struct {
		name    string
		a, b    iv
		changed bool
		want    iv
	}{
		{"both empty", nil, nil, false, nil},
		{"into empty", nil, iv{{1, 3}}, true, iv{{1, 3}}},
		{"empty other", iv{{1, 3}}, nil, false, iv{{1, 3}}},
		{"subset", iv{{1, 10}}, iv{{2, 3}, {5, 10}}, false, iv{{1, 10}}},
		{"adjacent", iv{{1, 3}}, iv{{4, 6}}, true, iv{{1, 6}}},
		{"fills gaps", iv{{1, 3}, {7, 9}, {20, 20}}, iv{{4, 6}, {15, 16}}, true, iv{{1, 9}, {15, 16}, {20, 20}}},
		{"overlapping", iv{{1, 5}, {10, 15}}, iv{{4, 11}}, true, iv{{1, 15}}},
		{"disjoint interleaved", iv{{1, 1}, {5, 5}}, iv{{3, 3}, {7, 7}}, true, iv{{1, 1}, {3, 3}, {5, 5}, {7, 7}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := FromIntervals(tt.a), FromIntervals(tt.b)
			bBefore := b.Intervals()
			assert.Equal(t, tt.changed, a.Union(b))
			assert.Equal(t, tt.want, a.Intervals())
			assert.Equal(t, bBefore, b.Intervals(), "the argument is unchanged")
		})
	}
}

func TestContainsValuesLen(t *testing.T) {
	s := FromIntervals(iv{{-2, 0}, {5, 6}, {9, 9}})
	tests := []struct {
		v    int64
		want bool
	}{{-3, false}, {-2, true}, {0, true}, {1, false}, {5, true}, {7, false}, {9, true}, {10, false}}
	for _, tt := range tests {
		assert.Equal(t, tt.want, s.Contains(tt.v), "Contains(%d)", tt.v)
	}
	assert.Equal(t, []int64{-2, -1, 0, 5, 6, 9}, s.Values())
	assert.Equal(t, 6, s.Len())
	assert.Equal(t, []int64{}, Set{}.Values(), "an empty set has an empty, non-nil list")
	top := FromIntervals(iv{{math.MaxInt64 - 1, math.MaxInt64}})
	assert.Equal(t, []int64{math.MaxInt64 - 1, math.MaxInt64}, top.Values())
}

func TestFirstMissing(t *testing.T) {
	tests := []struct {
		name     string
		s, known iv
		want     int64
		ok       bool
	}{
		{"empty set", nil, iv{{1, 2}}, 0, false},
		{"nothing known", iv{{3, 5}}, nil, 3, true},
		{"all known", iv{{3, 5}, {8, 8}}, iv{{0, 10}}, 0, false},
		{"past the end of a known interval", iv{{3, 9}}, iv{{1, 6}}, 7, true},
		{"a later interval", iv{{1, 2}, {5, 6}}, iv{{1, 2}, {6, 6}}, 5, true},
		{"a gap in known", iv{{1, 9}}, iv{{1, 3}, {5, 9}}, 4, true},
		{"known beyond", iv{{1, 2}}, iv{{4, 9}}, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, ok := FromIntervals(tt.s).FirstMissing(FromIntervals(tt.known))
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, v)
		})
	}
}

func TestWindow(t *testing.T) {
	tests := []struct {
		name     string
		s, known iv
		maxBytes int
		want     iv
	}{
		{"empty set", nil, nil, 100, nil},
		{"known has everything", iv{{1, 5}, {9, 9}}, iv{{0, 10}}, 100, nil},
		{"nothing known: everything", iv{{1, 5}, {9, 9}}, nil, 100, iv{{1, 5}, {9, 9}}},
		{"from the first interval with a gap", iv{{1, 5}, {9, 12}, {20, 20}}, iv{{1, 5}, {9, 10}}, 100, iv{{9, 12}, {20, 20}}},
		{"later intervals go along even if known", iv{{1, 5}, {9, 9}}, iv{{9, 9}}, 100, iv{{1, 5}, {9, 9}}},
		// [[1,5],[9,9]] is 13 bytes; [[1,5]] is 7.
		{"byte cap", iv{{1, 5}, {9, 9}}, nil, 12, iv{{1, 5}}},
		{"exactly at the cap", iv{{1, 5}, {9, 9}}, nil, 13, iv{{1, 5}, {9, 9}}},
		{"at least one interval", iv{{100, 200}}, nil, 1, iv{{100, 200}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := FromIntervals(tt.s).Window(FromIntervals(tt.known), tt.maxBytes)
			assert.Equal(t, tt.want, w)
			if len(w) > 1 {
				assert.LessOrEqual(t, JSONLen(w), tt.maxBytes)
			}
		})
	}
}

func TestWindowFrom(t *testing.T) {
	s := FromIntervals(iv{{1, 5}, {9, 12}, {20, 20}})
	tests := []struct {
		v    int64
		want iv
	}{{0, iv{{1, 5}, {9, 12}, {20, 20}}}, {5, iv{{1, 5}, {9, 12}, {20, 20}}}, {6, iv{{9, 12}, {20, 20}}}, {20, iv{{20, 20}}}, {21, nil}}
	for _, tt := range tests {
		assert.Equal(t, tt.want, s.WindowFrom(tt.v, 1000), "WindowFrom(%d)", tt.v)
	}
}

// TestWindowsCoverBigSet: 10,000 isolated values need about 130 KB of JSON;
// each window fits in MaxHaveBytes, and a receiver that adds every window to
// what it knows gets everything in a few windows.
func TestWindowsCoverBigSet(t *testing.T) {
	var s Set
	for v := int64(0); v < 20_000; v += 2 {
		s.Add(v)
	}
	require.Greater(t, JSONLen(s.Intervals()), 2*MaxHaveBytes)
	var known Set
	windows := 0
	for {
		w := s.Window(known, MaxHaveBytes)
		if len(w) == 0 {
			break
		}
		windows++
		require.LessOrEqual(t, windows, 10, "windows do not make progress")
		body, err := json.Marshal(SyncBody{Type: "sync", Have: w})
		require.NoError(t, err)
		assert.LessOrEqual(t, len(body), nodekit.DefaultMaxBody, "a sync body stays within the kit's budget")
		assert.Equal(t, len(body)-len(`{"type":"sync","have":}`), JSONLen(w), "JSONLen matches encoding/json")
		assert.True(t, known.Union(FromIntervals(w)))
	}
	assert.Equal(t, s.Intervals(), known.Intervals())
	assert.GreaterOrEqual(t, windows, 3)
}

// TestSetAgainstModel applies random operations to a Set and to a map and
// compares them after each.
func TestSetAgainstModel(t *testing.T) {
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 1))
		var s Set
		model := map[int64]bool{}
		randomSet := func() (Set, map[int64]bool) {
			var o Set
			m := map[int64]bool{}
			for range rng.IntN(8) {
				lo := rng.Int64N(60) - 5
				hi := lo + rng.Int64N(6)
				o.Union(FromIntervals(iv{{lo, hi}}))
				for v := lo; v <= hi; v++ {
					m[v] = true
				}
			}
			return o, m
		}
		for step := range 300 {
			switch rng.IntN(3) {
			case 0:
				v := rng.Int64N(70) - 5
				require.Equal(t, !model[v], s.Add(v), "seed %d step %d: Add(%d)", seed, step, v)
				model[v] = true
			case 1:
				o, m := randomSet()
				changed := false
				for v := range m {
					changed = changed || !model[v]
					model[v] = true
				}
				require.Equal(t, changed, s.Union(o), "seed %d step %d: Union", seed, step)
			case 2:
				known, m := randomSet()
				want, wantOK := int64(0), false
				for _, v := range sortedKeys(model) {
					if !m[v] {
						want, wantOK = v, true
						break
					}
				}
				got, ok := s.FirstMissing(known)
				require.Equal(t, wantOK, ok, "seed %d step %d: FirstMissing", seed, step)
				require.Equal(t, want, got, "seed %d step %d: FirstMissing", seed, step)
				w := FromIntervals(s.Window(known, 20))
				require.Equal(t, wantOK, w.Len() > 0)
				if wantOK {
					require.True(t, w.Contains(want), "the window holds the first missing value")
				}
			}
			require.Equal(t, sortedKeys(model), s.Values(), "seed %d step %d", seed, step)
			for v := int64(-7); v < 72; v++ {
				require.Equal(t, model[v], s.Contains(v), "seed %d step %d: Contains(%d)", seed, step, v)
			}
			checkCanonical(t, s)
		}
	}
}

func sortedKeys(m map[int64]bool) []int64 {
	out := make([]int64, 0, len(m))
	for v := range m {
		out = append(out, v)
	}
	slices.Sort(out)
	return out
}

// checkCanonical fails unless s's intervals are sorted, disjoint and
// non-adjacent.
func checkCanonical(t *testing.T, s Set) {
	t.Helper()
	ivs := s.Intervals()
	for i, r := range ivs {
		require.LessOrEqual(t, r[0], r[1], "%v", ivs)
		if i > 0 {
			require.Greater(t, r[0], ivs[i-1][1]+1, "%v", ivs)
		}
	}
}
