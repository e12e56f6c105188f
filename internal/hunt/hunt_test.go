package hunt

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseSeeds(t *testing.T) {
	tests := []struct {
		in   string
		want []uint64
		err  string
	}{
		{"5", []uint64{5}, ""},
		{"1-3", []uint64{1, 2, 3}, ""},
		{"1-2, 9,27", []uint64{1, 2, 9, 27}, ""},
		{"3-1", nil, "ends before it starts"},
		{"1x", nil, "bad seed"},
		{"-3", nil, "bad seed"},
		{"0-2000000", nil, "over a million"},
		{" , ", nil, "no seeds"},
	}
	for _, tc := range tests {
		got, err := ParseSeeds(tc.in)
		if tc.err != "" {
			require.ErrorContains(t, err, tc.err, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, got, tc.in)
	}
}

func TestCandidates(t *testing.T) {
	k := Knobs{Nodes: 5, Concurrency: 10, TimeLimit: 20 * time.Second, Rate: 100, NemesisInterval: 2 * time.Second}
	got := Candidates(k, Limits{})
	require.Equal(t, []Knobs{
		{Nodes: 2, Concurrency: 4, TimeLimit: 20 * time.Second, Rate: 100, NemesisInterval: 2 * time.Second},
		{Nodes: 4, Concurrency: 8, TimeLimit: 20 * time.Second, Rate: 100, NemesisInterval: 2 * time.Second},
		{Nodes: 5, Concurrency: 5, TimeLimit: 20 * time.Second, Rate: 100, NemesisInterval: 2 * time.Second},
		{Nodes: 5, Concurrency: 10, TimeLimit: 10 * time.Second, Rate: 100, NemesisInterval: 2 * time.Second},
		{Nodes: 5, Concurrency: 10, TimeLimit: 20 * time.Second, Rate: 50, NemesisInterval: 2 * time.Second},
		{Nodes: 5, Concurrency: 10, TimeLimit: 20 * time.Second, Rate: 100, NemesisInterval: 4 * time.Second},
	}, got)
	smallest := Knobs{Nodes: 1, Concurrency: 1, TimeLimit: time.Second, Rate: 1}
	require.Empty(t, Candidates(smallest, Limits{}))
	require.Empty(t, Candidates(Knobs{Nodes: 3, Concurrency: 3, TimeLimit: 5 * time.Second, Rate: 10}, Limits{Nodes: 3, TimeLimit: 5 * time.Second, Rate: 10}))
}

// A bug that needs at least 3 nodes and 4 s of run, and shows in half the
// tries, shrinks to exactly that.
func TestShrink(t *testing.T) {
	var calls atomic.Int64
	trial := func(_ context.Context, k Knobs, seed uint64) (bool, error) {
		n := calls.Add(1)
		return k.Nodes >= 3 && k.TimeLimit >= 4*time.Second && n%2 == 0, nil
	}
	start := Knobs{Nodes: 25, Concurrency: 25, TimeLimit: 20 * time.Second, Rate: 100, NemesisInterval: time.Second}
	var steps []Step
	got, err := Shrink(context.Background(), start, 7, Limits{}, 3, trial, func(s Step) { steps = append(steps, s) })
	require.NoError(t, err)
	require.Equal(t, 3, got.Nodes)
	require.Equal(t, 3, got.Concurrency)
	require.Equal(t, 5*time.Second, got.TimeLimit) // 20 → 10 → 5; 2.5 no longer fails
	require.Equal(t, 1.0, got.Rate)
	require.Equal(t, 5*time.Second, got.NemesisInterval)
	require.NotEmpty(t, steps)
	for _, c := range Candidates(got, Limits{}) {
		require.False(t, c.Nodes >= 3 && c.TimeLimit >= 4*time.Second, "a smaller candidate %v still fails", c)
	}
}

func TestShrinkStopsOnError(t *testing.T) {
	boom := errors.New("no binary")
	_, err := Shrink(context.Background(), Knobs{Nodes: 2, Concurrency: 2, TimeLimit: 2 * time.Second, Rate: 2}, 1, Limits{}, 2,
		func(context.Context, Knobs, uint64) (bool, error) { return false, boom }, nil)
	require.ErrorIs(t, err, boom)
}

func TestSearchStopsAtFirstFailure(t *testing.T) {
	seeds, err := ParseSeeds("1-100")
	require.NoError(t, err)
	trial := func(_ context.Context, _ Knobs, seed uint64) (bool, error) { return seed == 17, nil }
	found := Search(context.Background(), Knobs{}, seeds, 1, false, trial, nil)
	require.Len(t, found, 17)
	require.True(t, found[16].Failed)
	require.Equal(t, uint64(17), found[16].Seed)

	all := Search(context.Background(), Knobs{}, seeds, 4, true, trial, nil)
	require.Len(t, all, 100)
	failures := 0
	for i, f := range all {
		require.Equal(t, uint64(i+1), f.Seed)
		if f.Failed {
			failures++
		}
	}
	require.Equal(t, 1, failures)
}

func TestFailRate(t *testing.T) {
	var n atomic.Int64
	got, err := FailRate(context.Background(), Knobs{}, 1, 10, func(context.Context, Knobs, uint64) (bool, error) {
		return n.Add(1)%3 == 0, nil
	})
	require.NoError(t, err)
	require.Equal(t, 3, got)
}
