package checker

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/history"
)

func TestRangesWithDelta(t *testing.T) {
	tests := []struct {
		name   string
		start  Ranges
		deltas []int64
		want   Ranges
	}{
		{"no deltas", Ranges{{5, 5}}, nil, Ranges{{5, 5}}},
		{"zero delta", Ranges{{5, 5}}, []int64{0}, Ranges{{5, 5}}},
		{"adjacent merge", Ranges{{5, 5}}, []int64{1}, Ranges{{5, 6}}},
		{"gap stays", Ranges{{5, 5}}, []int64{3}, Ranges{{5, 5}, {8, 8}}},
		{"negative", Ranges{{5, 5}}, []int64{-2}, Ranges{{3, 3}, {5, 5}}},
		{"subset sums", Ranges{{0, 0}}, []int64{3, 3}, Ranges{{0, 0}, {3, 3}, {6, 6}}},
		{"fills in", Ranges{{0, 0}}, []int64{2, 3}, Ranges{{0, 0}, {2, 3}, {5, 5}}},
		{"saturates", Ranges{{math.MaxInt64 - 1, math.MaxInt64 - 1}}, []int64{5}, Ranges{{math.MaxInt64 - 1, math.MaxInt64}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.start
			for _, d := range tt.deltas {
				got = got.WithDelta(d)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestRangesMatchSubsetSums compares the range set with every subset sum of
// random deltas, worked out by brute force.
func TestRangesMatchSubsetSums(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		n := rng.IntN(10)
		base := int64(rng.IntN(20) - 10)
		deltas := make([]int64, n)
		for i := range deltas {
			deltas[i] = int64(rng.IntN(13) - 6)
		}
		sums := map[int64]bool{}
		for mask := 0; mask < 1<<n; mask++ {
			s := base
			for i, d := range deltas {
				if mask&(1<<i) != 0 {
					s += d
				}
			}
			sums[s] = true
		}
		rs := Ranges{{base, base}}
		for _, d := range deltas {
			rs = rs.WithDelta(d)
		}
		for v := base - 70; v <= base+70; v++ {
			require.Equal(t, sums[v], rs.Contains(v), "value %d, base %d, deltas %v, ranges %v", v, base, deltas, rs)
		}
	}
}

func counterOps(ops ...history.Op) []history.Op {
	for i := range ops {
		ops[i].Index = i
		ops[i].Time = int64(i) * 1e6
	}
	return ops
}

func TestCounter(t *testing.T) {
	add := func(typ history.Type, p int, d int64) history.Op {
		return history.Op{Type: typ, Process: p, F: "add", Value: d}
	}
	read := func(typ history.Type, p int, v any, final bool) history.Op {
		return history.Op{Type: typ, Process: p, F: "read", Value: v, Final: final}
	}
	tests := []struct {
		name       string
		ops        []history.Op
		valid      bool
		errors     int
		acceptable []any
	}{
		{
			name: "exact total",
			ops: counterOps(
				add(history.Invoke, 0, 3), add(history.OK, 0, 3),
				add(history.Invoke, 1, 4), add(history.OK, 1, 4),
				read(history.Invoke, 0, nil, true), read(history.OK, 0, int64(7), true),
				read(history.Invoke, 1, nil, true), read(history.OK, 1, int64(7), true),
			),
			valid: true, acceptable: []any{[]any{int64(7), int64(7)}},
		},
		{
			name: "stale final read",
			ops: counterOps(
				add(history.Invoke, 0, 3), add(history.OK, 0, 3),
				add(history.Invoke, 1, 4), add(history.OK, 1, 4),
				read(history.Invoke, 0, nil, true), read(history.OK, 0, int64(3), true),
				read(history.Invoke, 1, nil, true), read(history.OK, 1, int64(7), true),
			),
			valid: false, errors: 1, acceptable: []any{[]any{int64(7), int64(7)}},
		},
		{
			name: "indeterminate add may count",
			ops: counterOps(
				add(history.Invoke, 0, 3), add(history.OK, 0, 3),
				add(history.Invoke, 1, 4), add(history.Info, 1, 4),
				read(history.Invoke, 0, nil, true), read(history.OK, 0, int64(7), true),
				read(history.Invoke, 2, nil, true), read(history.OK, 2, int64(3), true),
			),
			valid: true, acceptable: []any{[]any{int64(3), int64(3)}, []any{int64(7), int64(7)}},
		},
		{
			name: "failed add must not count",
			ops: counterOps(
				add(history.Invoke, 0, 2), add(history.Fail, 0, 2),
				read(history.Invoke, 0, nil, true), read(history.OK, 0, int64(2), true),
			),
			valid: false, errors: 1, acceptable: []any{[]any{int64(0), int64(0)}},
		},
		{
			name: "intermediate reads are ignored",
			ops: counterOps(
				add(history.Invoke, 0, 2), add(history.OK, 0, 2),
				read(history.Invoke, 0, nil, false), read(history.OK, 0, int64(100), false),
				read(history.Invoke, 0, nil, true), read(history.OK, 0, int64(2), true),
			),
			valid: true, acceptable: []any{[]any{int64(2), int64(2)}},
		},
		{
			name: "failed final reads are ignored",
			ops: counterOps(
				add(history.Invoke, 0, 2), add(history.OK, 0, 2),
				read(history.Invoke, 0, nil, true), read(history.Info, 0, nil, true),
			),
			valid: true, acceptable: []any{[]any{int64(2), int64(2)}},
		},
		{
			name: "pn-counter negatives",
			ops: counterOps(
				add(history.Invoke, 0, -5), add(history.OK, 0, -5),
				add(history.Invoke, 1, 4), add(history.OK, 1, 4),
				read(history.Invoke, 0, nil, true), read(history.OK, 0, int64(-1), true),
			),
			valid: true, acceptable: []any{[]any{int64(-1), int64(-1)}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Counter(tt.ops).EDN()
			assert.Equal(t, tt.valid, counterField(t, res, "valid?"))
			errs := counterField(t, res, "errors")
			if tt.errors == 0 {
				assert.Nil(t, errs)
			} else {
				require.Len(t, errs, tt.errors)
				op := errs.([]any)[0].(*edn.Map)
				_, final := op.Get(kw("final?"))
				assert.True(t, final, "an error names the offending final read")
			}
			assert.Equal(t, tt.acceptable, counterField(t, res, "acceptable"))
		})
	}
}

func TestCounterKeyOrder(t *testing.T) {
	res := Counter(nil).EDN()
	var keys []string
	res.Each(func(k, _ any) { keys = append(keys, string(k.(edn.Keyword))) })
	assert.Equal(t, []string{"valid?", "errors", "final-reads", "acceptable"}, keys)
	assert.Equal(t, `{:valid? true, :errors nil, :final-reads [], :acceptable [[0 0]]}`, edn.String(res))
}

func counterField(t *testing.T, m *edn.Map, key string) any {
	t.Helper()
	v, ok := m.Get(kw(key))
	require.True(t, ok, "missing %s", key)
	return v
}
