package viz

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/eddy-workbench/eddy/internal/history"
)

// MaxPoints caps the points of the raw latency plot; beyond it ok points
// are decimated evenly.
const MaxPoints = 5000

// minLatency is the floor of latencies on log axes (ms): a log scale cannot
// show zero.
const minLatency = 0.01

const (
	plotWidth  = 10 * vg.Inch
	plotHeight = 4.5 * vg.Inch
)

var (
	typeColours = map[history.Type]color.Color{
		history.OK:   color.RGBA{0x1f, 0x6f, 0xd0, 0xff},
		history.Fail: color.RGBA{0xe0, 0x1e, 0x78, 0xff},
		history.Info: color.RGBA{0xf0, 0x8c, 0x00, 0xff},
	}
	quantileColours = []color.Color{
		color.RGBA{0x1f, 0x6f, 0xd0, 0xff},
		color.RGBA{0x2c, 0xa0, 0x2c, 0xff},
		color.RGBA{0xf0, 0x8c, 0x00, 0xff},
		color.RGBA{0xd6, 0x27, 0x28, 0xff},
	}
	shapes = []draw.GlyphDrawer{
		draw.CircleGlyph{}, draw.TriangleGlyph{}, draw.SquareGlyph{},
		draw.CrossGlyph{}, draw.PlusGlyph{}, draw.RingGlyph{}, draw.PyramidGlyph{}, draw.BoxGlyph{},
	}
	dashes        = [][]vg.Length{nil, {vg.Points(6), vg.Points(3)}, {vg.Points(2), vg.Points(2)}, {vg.Points(8), vg.Points(2), vg.Points(2), vg.Points(2)}}
	partitionFill = color.NRGBA{0xff, 0x60, 0x60, 0x38}
	killFill      = color.NRGBA{0x70, 0x70, 0x70, 0x38}
	pauseFill     = color.NRGBA{0x40, 0x70, 0xe0, 0x30}
)

// Plot is one file of plots: its name and how to write it.
type Plot struct {
	File  string // e.g. "latency-raw.svg"
	Title string
	write func(io.Writer) error
}

// Write writes the plot as SVG.
func (p Plot) Write(w io.Writer) error { return p.write(w) }

// Distribution is a workload's per-element figure worth plotting as a
// distribution, such as broadcast's stable latencies.
type Distribution struct {
	File   string // e.g. "stable-latencies.svg"
	Title  string
	XLabel string
	Values []float64
}

// Plots are the plots of a history: raw latencies, latency quantiles and
// rates (each with the nemesis's faults shaded: partitions, nodes killed,
// nodes paused), then one per distribution. end is the run's length in
// seconds (0: the time of the last op).
func Plots(ops []history.Op, end float64, dists []Distribution) []Plot {
	if end <= 0 && len(ops) > 0 {
		end = float64(ops[len(ops)-1].Time) / 1e9
	}
	points := Latencies(ops)
	parts := Shadings(ops, end)
	width := BucketWidth(end)
	out := []Plot{
		{File: "latency-raw.svg", Title: "Latency of every operation", write: func(w io.Writer) error {
			return latencyRaw(w, Decimate(points, MaxPoints), len(points), parts, end)
		}},
		{File: "latency-quantiles.svg", Title: "Latency quantiles", write: func(w io.Writer) error {
			return latencyQuantiles(w, QuantileBuckets(points, width), width, parts, end)
		}},
		{File: "rate.svg", Title: "Rate of operations", write: func(w io.Writer) error {
			return rate(w, Rates(points, width, end), width, parts, end)
		}},
	}
	for _, d := range dists {
		out = append(out, Plot{File: d.File, Title: d.Title, write: func(w io.Writer) error { return distribution(w, d) }})
	}
	return out
}

func newPlot(title, xlabel, ylabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	p.Legend.Top = true
	p.Legend.Left = false
	p.Add(plotter.NewGrid())
	return p
}

func timeAxis(p *plot.Plot, parts []Shading, end float64) {
	p.X.Min, p.X.Max = 0, math.Max(end, 1e-3)
	for _, sh := range parts {
		if len(sh.Spans) > 0 {
			s := shade{sh.Spans, sh.Fill}
			p.Add(s)
			p.Legend.Add(sh.Label, s)
		}
	}
}

// logAxis makes the y axis logarithmic over whole decades covering the
// values, so that it always has labelled ticks.
func logAxis(p *plot.Plot, values []float64) {
	lo, hi := span(values)
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	lo, hi = math.Max(lo, minLatency), math.Max(hi, minLatency)
	// A hair beyond each decade, so that both ends get their label.
	p.Y.Min = math.Pow(10, math.Floor(math.Log10(lo))) * 0.999
	p.Y.Max = math.Pow(10, math.Ceil(math.Log10(hi)+1e-9)) * 1.001
}

// span is the least and greatest of xs (1, 1 when there are none).
func span(xs []float64) (float64, float64) {
	if len(xs) == 0 {
		return 1, 1
	}
	return slices.Min(xs), slices.Max(xs)
}

func save(w io.Writer, p *plot.Plot) error {
	wt, err := p.WriterTo(plotWidth, plotHeight, "svg")
	if err != nil {
		return err
	}
	_, err = wt.WriteTo(w)
	return err
}

func fsOf[T any](xs []T, f func(T) string) []string {
	var out []string
	for _, x := range xs {
		if s := f(x); !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

func latencyRaw(w io.Writer, points []LatencyPoint, total int, parts []Shading, end float64) error {
	title := "Latency of every operation, by f and outcome"
	if total > len(points) {
		title += fmt.Sprintf(" (%d of %d shown)", len(points), total)
	}
	p := newPlot(title, "time (s)", "latency (ms)")
	timeAxis(p, parts, end)
	var ls []float64
	for _, pt := range points {
		ls = append(ls, pt.Latency)
	}
	fs := fsOf(points, func(p LatencyPoint) string { return p.F })
	for fi, f := range fs {
		for _, t := range []history.Type{history.OK, history.Fail, history.Info} {
			var xys plotter.XYs
			for _, pt := range points {
				if pt.F == f && pt.Type == t {
					xys = append(xys, plotter.XY{X: pt.Time, Y: math.Max(pt.Latency, minLatency)})
				}
			}
			if len(xys) == 0 {
				continue
			}
			s, err := plotter.NewScatter(xys)
			if err != nil {
				return err
			}
			s.GlyphStyle.Color = typeColours[t]
			s.GlyphStyle.Shape = shapes[fi%len(shapes)]
			s.GlyphStyle.Radius = vg.Points(2)
			p.Add(s)
			p.Legend.Add(fmt.Sprintf("%s %s", f, t), s)
		}
	}
	logAxis(p, ls)
	return save(w, p)
}

func latencyQuantiles(w io.Writer, buckets []QuantileBucket, width float64, parts []Shading, end float64) error {
	p := newPlot(fmt.Sprintf("Latency quantiles of ok operations per %gs, by f", width), "time (s)", "latency (ms)")
	timeAxis(p, parts, end)
	var ls []float64
	for _, b := range buckets {
		ls = append(ls, b.Q...)
	}
	fs := fsOf(buckets, func(b QuantileBucket) string { return b.F })
	for fi, f := range fs {
		for qi, q := range Quantiles {
			// One line per run of consecutive buckets: no line across a
			// stretch with no ok operation of this f.
			var runs []plotter.XYs
			prev := math.Inf(-1)
			for _, b := range buckets {
				if b.F != f {
					continue
				}
				if b.Start-prev > 1.5*width || len(runs) == 0 {
					runs = append(runs, nil)
				}
				prev = b.Start
				runs[len(runs)-1] = append(runs[len(runs)-1], plotter.XY{X: b.Start + width/2, Y: math.Max(b.Q[qi], minLatency)})
			}
			for ri, xys := range runs {
				l, pts, err := plotter.NewLinePoints(xys)
				if err != nil {
					return err
				}
				l.Color = quantileColours[qi]
				l.Dashes = dashes[fi%len(dashes)]
				pts.Color = quantileColours[qi]
				pts.Shape = shapes[fi%len(shapes)]
				pts.Radius = vg.Points(2)
				p.Add(l, pts)
				if ri == 0 {
					p.Legend.Add(fmt.Sprintf("%s %g", f, q), l, pts)
				}
			}
		}
	}
	logAxis(p, ls)
	return save(w, p)
}

func rate(w io.Writer, series []RateSeries, width float64, parts []Shading, end float64) error {
	p := newPlot(fmt.Sprintf("Rate of operations per %gs, by f and outcome", width), "time (s)", "operations per second")
	timeAxis(p, parts, end)
	p.Y.Min = 0
	fs := fsOf(series, func(s RateSeries) string { return s.F })
	for _, s := range series {
		fi := slices.Index(fs, s.F)
		xys := make(plotter.XYs, len(s.Rates))
		for i, r := range s.Rates {
			xys[i] = plotter.XY{X: (float64(i) + 0.5) * width, Y: r}
		}
		l, pts, err := plotter.NewLinePoints(xys)
		if err != nil {
			return err
		}
		l.Color = typeColours[s.Type]
		l.Dashes = dashes[fi%len(dashes)]
		pts.Color = typeColours[s.Type]
		pts.Shape = shapes[fi%len(shapes)]
		pts.Radius = vg.Points(2)
		p.Add(l, pts)
		p.Legend.Add(fmt.Sprintf("%s %s", s.F, s.Type), l, pts)
	}
	if len(series) == 0 {
		p.Y.Max = 1
	}
	return save(w, p)
}

// distribution plots values as a cumulative distribution.
func distribution(w io.Writer, d Distribution) error {
	vals := slices.Sorted(slices.Values(d.Values))
	p := newPlot(fmt.Sprintf("%s (%d values)", d.Title, len(vals)), d.XLabel, "fraction of values ≤ x")
	p.Y.Min, p.Y.Max = 0, 1
	p.X.Min = 0
	if len(vals) > 0 {
		p.X.Max = math.Max(1, vals[len(vals)-1]*1.02)
		// A step line, thinned to at most MaxPoints steps.
		step := max(1, len(vals)/MaxPoints)
		xys := plotter.XYs{{X: 0, Y: 0}}
		for i := 0; i < len(vals); i += step {
			xys = append(xys, plotter.XY{X: vals[i], Y: float64(i) / float64(len(vals))}, plotter.XY{X: vals[i], Y: float64(i+1) / float64(len(vals))})
		}
		xys = append(xys, plotter.XY{X: vals[len(vals)-1], Y: 1}, plotter.XY{X: p.X.Max, Y: 1})
		l, err := plotter.NewLine(xys)
		if err != nil {
			return err
		}
		l.Color = quantileColours[0]
		l.Width = vg.Points(1.5)
		p.Add(l)
		for qi, q := range Quantiles {
			i := min(len(vals)-1, int(math.Floor(q*float64(len(vals)))))
			s, err := plotter.NewScatter(plotter.XYs{{X: vals[i], Y: q}})
			if err != nil {
				return err
			}
			s.GlyphStyle.Color = quantileColours[qi]
			s.GlyphStyle.Shape = draw.CircleGlyph{}
			s.GlyphStyle.Radius = vg.Points(3.5)
			p.Add(s)
			p.Legend.Add(fmt.Sprintf("p%g = %g", q*100, vals[i]), s)
		}
		p.Legend.Left, p.Legend.Top = false, false
	} else {
		p.X.Max = 1
	}
	return save(w, p)
}

// shade draws fault intervals as bands over the whole height.
type shade struct {
	spans []Interval
	fill  color.Color
}

// Plot implements plot.Plotter.
func (s shade) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	for _, iv := range s.spans {
		x0, x1 := trX(math.Max(iv.Start, p.X.Min)), trX(math.Min(iv.End, p.X.Max))
		if x1 <= x0 {
			x1 = x0 + 1
		}
		c.FillPolygon(s.fill, []vg.Point{{X: x0, Y: c.Min.Y}, {X: x1, Y: c.Min.Y}, {X: x1, Y: c.Max.Y}, {X: x0, Y: c.Max.Y}})
	}
}

// Thumbnail implements plot.Thumbnailer, for the legend.
func (s shade) Thumbnail(c *draw.Canvas) {
	c.FillPolygon(s.fill, []vg.Point{c.Min, {X: c.Max.X, Y: c.Min.Y}, c.Max, {X: c.Min.X, Y: c.Max.Y}})
}
