package compare

import (
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/challenge"
)

func ptr(x float64) *float64 { return &x }

func TestSpreadOf(t *testing.T) {
	cases := []struct {
		in   []float64
		want Spread
	}{
		{[]float64{7}, Spread{7, 7, 7, 1}},
		{[]float64{3, 1, 2}, Spread{2, 1, 3, 3}},
		{[]float64{4, 1, 3, 2}, Spread{2.5, 1, 4, 4}},
		{[]float64{5, 5, 1, 9, 5}, Spread{5, 1, 9, 5}},
		{[]float64{-1, 0}, Spread{-0.5, -1, 0, 2}},
	}
	for _, tc := range cases {
		in := append([]float64(nil), tc.in...)
		assert.Equal(t, tc.want, SpreadOf(tc.in), "%v", tc.in)
		assert.Equal(t, in, tc.in, "the input is left in its order")
	}
}

func TestFigureNamesCoverEveryNumericFigure(t *testing.T) {
	names := FigureNames()
	for _, want := range []string{"servers-msgs-per-op", "all-msgs-per-op", "stable-latency-p50", "stable-latency-p95",
		"stable-latency-max", "availability", "ok-count", "count"} {
		assert.Contains(t, names, want)
	}
	// Every key of the figures' JSON but the verdict is a figure, so one
	// added to challenge.Figures is aggregated too.
	var f challenge.Figures
	rv := reflect.ValueOf(&f).Elem()
	for i := range rv.NumField() {
		if fv := rv.Field(i); fv.Kind() == reflect.Pointer {
			fv.Set(reflect.New(fv.Type().Elem()))
		}
	}
	data, err := json.Marshal(f)
	require.NoError(t, err)
	var keys map[string]any
	require.NoError(t, json.Unmarshal(data, &keys))
	delete(keys, "valid")
	assert.ElementsMatch(t, slices.Collect(maps.Keys(keys)), names)
	var seen []string
	eachFigure(f, func(name string, _ float64, ok bool) {
		assert.True(t, ok, "%s is present", name)
		seen = append(seen, name)
	})
	assert.Equal(t, names, seen)
}

// outcome is a hand-made completed run.
func outcome(impl string, cell int, seed uint64, valid string, msgs, p50 float64) Outcome {
	return Outcome{Impl: impl, Cell: cell, Seed: seed, Verdict: VerdictOf(challenge.Figures{Valid: valid}, ""),
		Figures: challenge.Figures{Valid: valid, ServerMsgsPerOp: ptr(msgs), LatencyP50: ptr(p50), OK: 10, Count: 12}}
}

func TestSummarize(t *testing.T) {
	s := Spec{
		Impls:  []Impl{{Name: "a"}, {Name: "b"}},
		Params: []Param{{"node-count", []string{"5", "25"}}},
		Seeds:  []uint64{1, 2, 3},
	}
	crashed := Outcome{Impl: "b", Cell: 0, Seed: 3, Verdict: Aborted, Aborted: "node n0 crashed",
		Figures: challenge.Figures{Valid: "unknown", ServerMsgsPerOp: ptr(1000), OK: 1, Count: 1}}
	outs := []Outcome{
		outcome("a", 0, 1, "true", 12, 80),
		outcome("b", 0, 1, "true", 0.4, 700),
		outcome("a", 0, 2, "true", 11, 90),
		outcome("b", 0, 2, "false", 0.5, 650),
		outcome("a", 0, 3, "unknown", 13, 85),
		crashed,
		outcome("a", 1, 1, "true", 24, 100),
	}
	outs[0].Figures.LatencyP95 = ptr(99) // a figure only one run has
	aggs := Summarize(s, outs)
	require.Len(t, aggs, 3, "the cell b never ran in is left out")

	a0, b0, a1 := aggs[0], aggs[1], aggs[2]
	assert.Equal(t, []string{"a", "b", "a"}, []string{a0.Impl, b0.Impl, a1.Impl}, "cell by cell, impls in spec order")
	assert.Equal(t, "node-count=5", a0.Label)
	assert.Equal(t, "node-count=25", a1.Label)

	assert.Equal(t, 3, a0.Runs)
	assert.Equal(t, Verdicts{Valid: 2, Unknown: 1}, a0.Verdicts)
	assert.Equal(t, Spread{12, 11, 13, 3}, a0.Figures["servers-msgs-per-op"])
	assert.Equal(t, Spread{85, 80, 90, 3}, a0.Figures["stable-latency-p50"])
	assert.Equal(t, Spread{99, 99, 99, 1}, a0.Figures["stable-latency-p95"])
	assert.Equal(t, Spread{10, 10, 10, 3}, a0.Figures["ok-count"])
	assert.NotContains(t, a0.Figures, "availability", "no run had it")

	assert.Equal(t, 3, b0.Runs)
	assert.Equal(t, Verdicts{Valid: 1, Invalid: 1, Aborted: 1}, b0.Verdicts)
	assert.Equal(t, Spread{0.45, 0.4, 0.5, 2}, b0.Figures["servers-msgs-per-op"], "the aborted run is counted, not measured")
	assert.Equal(t, Spread{675, 650, 700, 2}, b0.Figures["stable-latency-p50"])

	assert.Equal(t, 1, a1.Runs)
	assert.Equal(t, Spread{24, 24, 24, 1}, a1.Figures["servers-msgs-per-op"])

	table := Table(aggs)
	assert.Contains(t, table, "| a | node-count=5 | 3 | 2 valid, 1 unknown | 12 (11–13) |")
	assert.Contains(t, table, "| b | node-count=5 | 3 | 1 valid, 1 invalid, 1 aborted | 0.45 (0.4–0.5) |")
	assert.NotContains(t, table, "availability", "columns no cell has are left out")
	assert.Contains(t, table, "stable latency p95 (ms)")
}

// TestSummarizeRealResults aggregates figures read from a real results map
// (Maelstrom's, from the edn package's fixtures), as eddy compare does.
func TestSummarizeRealResults(t *testing.T) {
	results := readFixture(t)
	f := challenge.Extract(results)
	require.NotNil(t, f.ServerMsgsPerOp)
	s := Spec{Impls: []Impl{{Name: "x"}}, Seeds: []uint64{1, 2}}
	outs := []Outcome{
		{Impl: "x", Seed: 1, Verdict: VerdictOf(f, ""), Figures: f},
		{Impl: "x", Seed: 2, Verdict: VerdictOf(f, ""), Figures: f},
	}
	aggs := Summarize(s, outs)
	require.Len(t, aggs, 1)
	assert.Equal(t, *f.ServerMsgsPerOp, aggs[0].Figures["servers-msgs-per-op"].Median)
	assert.Equal(t, 2, aggs[0].Figures["servers-msgs-per-op"].N)
	assert.Equal(t, float64(f.Count), aggs[0].Figures["count"].Max)
	assert.Equal(t, 2, aggs[0].Runs)
}

func TestVerdictOf(t *testing.T) {
	assert.Equal(t, Valid, VerdictOf(challenge.Figures{Valid: "true"}, ""))
	assert.Equal(t, Invalid, VerdictOf(challenge.Figures{Valid: "false"}, ""))
	assert.Equal(t, Unknown, VerdictOf(challenge.Figures{Valid: "unknown"}, ""))
	assert.Equal(t, Unknown, VerdictOf(challenge.Figures{Valid: "missing"}, ""))
	assert.Equal(t, Aborted, VerdictOf(challenge.Figures{Valid: "true"}, "node n0 crashed"))
}

func TestPairsMatchSeeds(t *testing.T) {
	outs := []Outcome{
		outcome("a", 0, 2, "true", 10, 1),
		outcome("b", 0, 1, "true", 1, 1),
		outcome("a", 0, 1, "true", 11, 1),
		outcome("b", 0, 2, "true", 2, 1),
		outcome("b", 0, 3, "true", 3, 1),  // a never ran seed 3
		outcome("a", 1, 1, "true", 99, 1), // another cell
	}
	pairs := Pairs(outs, 0, "a", "b")
	require.Len(t, pairs, 2)
	for i, want := range []uint64{1, 2} {
		assert.Equal(t, want, pairs[i][0].Seed)
		assert.Equal(t, want, pairs[i][1].Seed)
		assert.Equal(t, "a", pairs[i][0].Impl)
		assert.Equal(t, "b", pairs[i][1].Impl)
	}
	assert.Equal(t, 11.0, *pairs[0][0].Figures.ServerMsgsPerOp)
	assert.Equal(t, 1.0, *pairs[0][1].Figures.ServerMsgsPerOp)

	outs[1].Figures.LatencyP50 = ptr(0.5) // b beats a on latency at seed 1 only
	line := PairedLine(outs, 0, "a", "b")
	assert.Equal(t, "b vs a: servers msgs-per-op lower in 2 of 2 seeds, stable latency p50 (ms) lower in 1 of 2 seeds", line)
	assert.Empty(t, PairedLine(outs, 1, "a", "b"), "no seed pairs up in cell 1")
}

func TestNum(t *testing.T) {
	for in, want := range map[float64]string{12: "12", 12.0512: "12.05", 0.41876: "0.4188", 694.5: "694.5",
		29984: "29984", 1234.56: "1235", 0.99962: "0.9996", 0: "0"} {
		assert.Equal(t, want, Num(in), "%v", in)
	}
	assert.Equal(t, "3", Spread{3, 3, 3, 2}.String())
	assert.Equal(t, "3 (1–4.5)", Spread{3, 1, 4.5, 3}.String())
	assert.Equal(t, "none", Verdicts{}.String())
}

func readFixture(t *testing.T) *edn.Map {
	t.Helper()
	data := mustRead(t, "../../edn/testdata/maelstrom-results.edn")
	v, err := edn.Parse(data)
	require.NoError(t, err)
	m, ok := v.(*edn.Map)
	require.True(t, ok)
	require.True(t, strings.Contains(edn.String(m), "msgs-per-op"))
	return m
}
