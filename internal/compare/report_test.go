package compare

import (
	"encoding/xml"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/plot"
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
	// Three points (the aborted cell has no figures): the first cell's
	// are circles, filled in each implementation's colour, the second's a
	// triangle.
	circles := regexp.MustCompile(`A4,4 0 1 1 [0-9.,]+Z" style="fill:(#[0-9A-F]+)"`).FindAllStringSubmatch(svg, -1)
	var fills []string
	for _, c := range circles {
		fills = append(fills, c[1])
	}
	assert.Equal(t, []string{"#1F77B4", "#D62728", "#444444"}, fills, "two points and the legend's marker")
	assert.Equal(t, 1, strings.Count(svg, `Z" style="fill:none;stroke:#1F77B4;stroke-width:0.5"`), "one triangle of latency's")
	// The legend names both implementations and both cells.
	for _, name := range []string{">latency</text>", ">messages</text>", ">node-count=5</text>", ">node-count=25</text>", ">cell (marker):</text>"} {
		assert.Contains(t, svg, name)
	}
}

// segments are the straight lines an SVG strokes in one colour (#RRGGBB,
// upper case as gonum writes it).
func segments(t *testing.T, svg, colour string) [][4]float64 {
	t.Helper()
	re := regexp.MustCompile(`<path d="M([0-9.]+),([0-9.]+)L([0-9.]+),([0-9.]+)" style="fill:none;stroke:` + colour + `"`)
	var out [][4]float64
	for _, m := range re.FindAllStringSubmatch(svg, -1) {
		var seg [4]float64
		for i := range seg {
			v, err := strconv.ParseFloat(m[i+1], 64)
			require.NoError(t, err)
			seg[i] = v
		}
		out = append(out, seg)
	}
	return out
}

// TestPlotPlacesPointsAndBars checks the geometry: the marker at the
// medians, the bars reaching the minimum and maximum on both axes.
func TestPlotPlacesPointsAndBars(t *testing.T) {
	aggs := []Aggregate{{Impl: "a", Cell: 0, Label: "all", Figures: map[string]Spread{
		"servers-msgs-per-op": {Median: 5, Min: 4, Max: 9, N: 3},
		"stable-latency-p50":  {Median: 50, Min: 20, Max: 90, N: 3},
	}}}
	out, err := Plot([]string{"a"}, []Cell{{Label: "all"}}, aggs)
	require.NoError(t, err)
	svg := string(out)
	var parsed struct{}
	require.NoError(t, xml.Unmarshal(out, &parsed), "well-formed")

	var horiz, vert [4]float64 // the longest horizontal and vertical lines
	for _, s := range segments(t, svg, "#1F77B4") {
		switch {
		case s[1] == s[3] && s[2]-s[0] > horiz[2]-horiz[0]:
			horiz = s
		case s[0] == s[2] && s[3]-s[1] > vert[3]-vert[1]:
			vert = s
		}
	}
	require.NotZero(t, horiz, svg)
	require.NotZero(t, vert, svg)
	// Both axes are linear from 0: the median lies on each bar where it
	// lies between the minimum and the maximum.
	assert.InDelta(t, (5.0-4)/(9-4), (vert[0]-horiz[0])/(horiz[2]-horiz[0]), 1e-3, "the vertical bar crosses the horizontal one at the median")
	assert.InDelta(t, (50.0-20)/(90-20), (horiz[1]-vert[1])/(vert[3]-vert[1]), 1e-3, "the horizontal bar crosses the vertical one at the median")
	o := originX(t, svg)
	assert.InDelta(t, 4.0/9, (horiz[0]-o)/(horiz[2]-o), 1e-3, "the bar runs from 4 to 9 on an axis from 0")
	marker := regexp.MustCompile(`<path d="M([0-9.]+),([0-9.]+)A4,4 0 1 1 [^"]*" style="fill:#1F77B4"`).FindStringSubmatch(svg)
	require.NotNil(t, marker, "a filled circle marker")
	assert.Equal(t, strconv.FormatFloat(vert[0]+4, 'f', -1, 64), marker[1], "the marker is centred on the median")

	empty, err := Plot([]string{"a"}, nil, []Aggregate{{Impl: "a", Figures: map[string]Spread{"servers-msgs-per-op": {}}}})
	require.NoError(t, err)
	assert.Nil(t, empty, "nothing to plot without latencies")
}

// TestPlotFallsBackToOperationLatency: a workload with no stable
// latencies (lin-kv) plots the median operation latency.
func TestPlotFallsBackToOperationLatency(t *testing.T) {
	aggs := []Aggregate{{Impl: "raft", Label: "all", Figures: map[string]Spread{
		"servers-msgs-per-op": {Median: 1.5, Min: 1.4, Max: 1.6, N: 3},
		"latency-p50":         {Median: 120, Min: 100, Max: 150, N: 3},
	}}}
	pts := PlotPoints([]string{"raft"}, aggs)
	require.Len(t, pts, 1)
	assert.Equal(t, Spread{120, 100, 150, 3}, pts[0].Y)
	out, err := Plot([]string{"raft"}, []Cell{{Label: "all"}}, aggs)
	require.NoError(t, err)
	assert.Contains(t, string(out), "median operation latency")
	aggs = append(aggs, Aggregate{Impl: "other", Figures: map[string]Spread{"stable-latency-p50": {Median: 5}, "servers-msgs-per-op": {}}})
	assert.Equal(t, "median stable latency", plotYLabel(aggs), "stable latencies come first where a cell has them")
}

// originX is where the x axis's 0 lies: its first grid line.
func originX(t *testing.T, svg string) float64 {
	t.Helper()
	grid := segments(t, svg, "#808080;stroke-width:0.25")
	require.NotEmpty(t, grid)
	return grid[0][0]
}

func TestPlotPoints(t *testing.T) {
	r := sampleReport()
	pts := PlotPoints(r.ImplNames(), r.Aggregates)
	require.Len(t, pts, 3, "the aborted cell has no figures")
	assert.Equal(t, PlotPoint{Impl: "messages", ImplIndex: 1, Cell: 0, Label: "node-count=5",
		X: Spread{0.45, 0.4, 0.5, 2}, Y: Spread{695, 690, 700, 2}}, pts[1])
	assert.Equal(t, "latency", pts[2].Impl)
	assert.Equal(t, 1, pts[2].Cell)
}

func TestScaleAxis(t *testing.T) {
	cases := []struct {
		vs       []float64
		log      bool
		min, max float64
	}{
		{[]float64{4, 9}, false, 0, 9.45},
		{[]float64{0, 300}, false, 0, 315},            // a zero cannot go on a log axis
		{[]float64{0.4, 0.5, 11, 12.05}, true, -1, 2}, // a span of 30: 0.1 to 100
		{[]float64{50, 700}, false, 0, 735},           // a span of 14
		{[]float64{0, 0}, false, 0, 1},
	}
	for _, tc := range cases {
		p := plot.New()
		sc, note := scaleAxis(&p.X, tc.vs)
		assert.Equal(t, tc.log, sc.log, "%v", tc.vs)
		if tc.log {
			assert.Equal(t, ", log scale", note)
			assert.InDelta(t, 1.5, sc.at(math.Sqrt(1000)), 1e-9)
		} else {
			assert.Empty(t, note)
			assert.Equal(t, 7.0, sc.at(7))
		}
		assert.InDelta(t, tc.min, p.X.Min, 1e-9, "%v", tc.vs)
		assert.InDelta(t, tc.max, p.X.Max, 1e-9, "%v", tc.vs)
	}
}

func TestDecades(t *testing.T) {
	var labels []string
	minor := 0
	for _, tk := range (decades{}).Ticks(-2, 1) {
		if tk.IsMinor() {
			minor++
			continue
		}
		labels = append(labels, tk.Label)
	}
	assert.Equal(t, []string{"0.01", "0.1", "1", "10"}, labels)
	assert.Equal(t, 3*8, minor, "2…9 times each power but the last")
}
