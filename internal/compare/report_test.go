package compare

import (
	"encoding/xml"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return data
}

func sampleReport() Report {
	s := Spec{
		Impls:  []Impl{{Name: "latency", Command: "bin/broadcast -- -strategy latency"}, {Name: "messages", Command: "bin/broadcast -- -strategy messages"}},
		Params: []Param{{"workload", []string{"broadcast"}}, {"node-count", []string{"5", "25"}}},
		Seeds:  []uint64{1, 2},
	}
	outs := []Outcome{
		outcome("latency", 0, 1, "true", 4, 80),
		outcome("messages", 0, 1, "true", 0.4, 700),
		outcome("latency", 0, 2, "true", 5, 90),
		outcome("messages", 0, 2, "true", 0.5, 690),
		outcome("latency", 1, 1, "true", 12, 85),
		{Impl: "messages", Cell: 1, Seed: 1, Verdict: Aborted, Aborted: "node n3 crashed <boom>", Dir: "store/x"},
	}
	for i := range outs {
		outs[i].Index = i
	}
	return Report{
		Command: "eddy compare --impl 'latency=bin/broadcast -- -strategy latency'",
		Engine:  "eddy", Started: "2026-12-01T20:00:00Z", Finished: "2026-12-01T20:05:00Z",
		Machine: Machine{CPUs: 2, OS: "linux", Arch: "amd64"}, Note: "other work was running",
		Spec: s, Cells: s.Cells(), Planned: 8, Runs: outs, Interrupted: true,
		Aggregates: Summarize(s, outs),
	}
}

func TestMarkdown(t *testing.T) {
	md := sampleReport().Markdown()
	for _, want := range []string{
		"# Comparison: latency vs messages",
		"- command: `eddy compare --impl 'latency=bin/broadcast -- -strategy latency'`",
		"machine: 2 CPUs, linux/amd64",
		"- note: other work was running",
		"- seeds: 1, 2 (the same for every implementation and cell)",
		"- every run: `--workload=broadcast`",
		"- implementation messages: `bin/broadcast -- -strategy messages`",
		"- runs: 6 of 8 (interrupted)",
		"| latency | node-count=5 | 2 | 2 valid | 4.5 (4–5) |",
		"| messages | node-count=25 | 1 | 1 aborted | – |",
		"- node-count=5: messages vs latency: servers msgs-per-op lower in 2 of 2 seeds, stable latency p50 (ms) lower in 0 of 2 seeds",
		"| 6 | node-count=25 | 1 | messages | aborted | – |",
		"store/x (node n3 crashed <boom>) |",
	} {
		assert.Contains(t, md, want)
	}
}

func TestHTMLIsSelfContainedWithTableAndPlot(t *testing.T) {
	page, err := sampleReport().HTML()
	require.NoError(t, err)
	html := string(page)
	assert.NotRegexp(t, `(?i)(https?:|//[a-z]|<script|<link|src=)`, html, "nothing is fetched from elsewhere")
	assert.Contains(t, html, "<td>latency</td><td>node-count=5</td>")
	assert.Contains(t, html, "4.5 (4–5)")
	assert.Contains(t, html, "node n3 crashed &lt;boom&gt;", "text is escaped")
	assert.NotContains(t, html, "`", "no Markdown backticks")
	require.Equal(t, 1, strings.Count(html, "<svg"))

	svg := html[strings.Index(html, "<svg"):]
	svg = svg[:strings.Index(svg, "</svg>")+len("</svg>")]
	var parsed struct{}
	require.NoError(t, xml.Unmarshal([]byte(svg), &parsed), "the plot is well-formed")
	// Three points (the aborted cell has no figures), one title each.
	assert.Equal(t, 3, strings.Count(svg, "<title>"))
	assert.Contains(t, svg, "<title>latency, node-count=5: 4.5 (4–5) msgs-per-op, 85 (80–90) ms</title>")
	// The legend names both implementations and both cells.
	for _, name := range []string{">latency</text>", ">messages</text>", ">node-count=5</text>", ">node-count=25</text>"} {
		assert.Contains(t, svg, name)
	}
}

// TestPlotPlacesPointsAndWhiskers checks the geometry: a point at its
// medians, whiskers reaching its minimum and maximum on both axes.
func TestPlotPlacesPointsAndWhiskers(t *testing.T) {
	aggs := []Aggregate{{Impl: "a", Cell: 0, Label: "all", Figures: map[string]Spread{
		"servers-msgs-per-op": {Median: 5, Min: 4, Max: 9, N: 3},
		"stable-latency-p50":  {Median: 50, Min: 20, Max: 90, N: 3},
	}}}
	svg, ok := Plot([]string{"a"}, []Cell{{Label: "all"}}, aggs)
	require.True(t, ok)
	top, _ := axis(9)   // x axis
	ytop, _ := axis(90) // y axis
	px := func(v float64) float64 { return marginL + v/top*plotW }
	py := func(v float64) float64 { return marginT + plotH - v/ytop*plotH }
	circle := regexp.MustCompile(`<circle cx="([0-9.]+)" cy="([0-9.]+)"`).FindStringSubmatch(svg)
	require.NotNil(t, circle, svg)
	assert.Equal(t, f1(px(5)), circle[1])
	assert.Equal(t, f1(py(50)), circle[2])
	assert.Contains(t, svg, `<line x1="`+f1(px(4))+`" y1="`+f1(py(50))+`" x2="`+f1(px(9))+`" y2="`+f1(py(50))+`"/>`, "horizontal whisker")
	assert.Contains(t, svg, `<line x1="`+f1(px(5))+`" y1="`+f1(py(20))+`" x2="`+f1(px(5))+`" y2="`+f1(py(90))+`"/>`, "vertical whisker")

	_, ok = Plot([]string{"a"}, nil, []Aggregate{{Impl: "a", Figures: map[string]Spread{"servers-msgs-per-op": {}}}})
	assert.False(t, ok, "nothing to plot without latencies")
}

// TestPlotFallsBackToOperationLatency: a workload with no stable
// latencies (lin-kv) plots the median operation latency.
func TestPlotFallsBackToOperationLatency(t *testing.T) {
	aggs := []Aggregate{{Impl: "raft", Label: "all", Figures: map[string]Spread{
		"servers-msgs-per-op": {Median: 1.5, Min: 1.4, Max: 1.6, N: 3},
		"latency-p50":         {Median: 120, Min: 100, Max: 150, N: 3},
	}}}
	svg, ok := Plot([]string{"raft"}, []Cell{{Label: "all"}}, aggs)
	require.True(t, ok)
	assert.Contains(t, svg, "median operation latency, ms")
	assert.Contains(t, svg, "<title>raft, all: 1.5 (1.4–1.6) msgs-per-op, 120 (100–150) ms</title>")
	aggs = append(aggs, Aggregate{Impl: "other", Figures: map[string]Spread{"stable-latency-p50": {Median: 5}, "servers-msgs-per-op": {}}})
	assert.Equal(t, "median stable latency", plotYLabel(aggs), "stable latencies come first where a cell has them")
}

func f1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

func TestAxis(t *testing.T) {
	cases := []struct{ max, top, step float64 }{
		{9, 10, 2}, {12.05, 14, 2}, {700, 800, 100}, {0.45, 0.5, 0.1}, {0, 1, 0.2}, {1355, 1600, 200},
	}
	for _, tc := range cases {
		top, step := axis(tc.max)
		assert.InDelta(t, tc.top, top, 1e-9, "top for %v", tc.max)
		assert.InDelta(t, tc.step, step, 1e-9, "step for %v", tc.max)
		assert.GreaterOrEqual(t, top, tc.max)
	}
}

func TestScale(t *testing.T) {
	lin := newScale([]float64{4, 9})
	assert.False(t, lin.log)
	assert.Equal(t, []float64{0, 2, 4, 6, 8, 10}, lin.ticks)
	assert.InDelta(t, 0.5, lin.pos(5), 1e-9)

	zero := newScale([]float64{0, 300})
	assert.False(t, zero.log, "a zero cannot go on a log axis")

	lg := newScale([]float64{0.4, 0.5, 11, 12.05})
	require.True(t, lg.log, "a span of 30 is drawn on a log axis")
	assert.Equal(t, []float64{0.2, 0.5, 1, 2, 5, 10, 20}, lg.ticks)
	assert.InDelta(t, 0, lg.pos(0.2), 1e-9)
	assert.InDelta(t, 1, lg.pos(20), 1e-9)
	assert.InDelta(t, 0.5, lg.pos(2), 1e-9, "2 is halfway between 0.2 and 20")

	wide := newScale([]float64{1, 1e6})
	require.True(t, wide.log)
	assert.Equal(t, []float64{1, 10, 100, 1000, 10000, 100000, 1e6}, wide.ticks, "many decades: powers of ten only")
}
