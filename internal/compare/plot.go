package compare

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/eddy-workbench/eddy/internal/viz"
)

const (
	plotXFigure    = "servers-msgs-per-op"
	plotNoDataNote = "No cell has both servers msgs-per-op and a latency, so there is nothing to plot."
	// logSpan is the ratio of the largest to the smallest value from which
	// an axis is logarithmic (a value far from the others stays readable).
	logSpan = 20
	// legendWidth is the strip on the right that holds the legend.
	legendWidth = 3 * vg.Inch
	markerSize  = 4 // points
)

// plotYFigure is the latency plotted: the median stable latency where some
// cell has one (broadcast, g-set), the median operation latency otherwise
// (lin-kv, say).
func plotYFigure(aggs []Aggregate) string {
	for _, a := range aggs {
		if _, ok := a.Figures["stable-latency-p50"]; ok {
			return "stable-latency-p50"
		}
	}
	return "latency-p50"
}

// plotYLabel names the plotted latency.
func plotYLabel(aggs []Aggregate) string {
	if plotYFigure(aggs) == "stable-latency-p50" {
		return "median stable latency"
	}
	return "median operation latency"
}

// palette colours implementations, in order.
var palette = []color.Color{
	color.RGBA{0x1f, 0x77, 0xb4, 0xff}, color.RGBA{0xd6, 0x27, 0x28, 0xff},
	color.RGBA{0x2c, 0xa0, 0x2c, 0xff}, color.RGBA{0x94, 0x67, 0xbd, 0xff},
	color.RGBA{0xff, 0x7f, 0x0e, 0xff}, color.RGBA{0x17, 0xbe, 0xcf, 0xff},
	color.RGBA{0x8c, 0x56, 0x4b, 0xff}, color.RGBA{0xe3, 0x77, 0xc2, 0xff},
}

// cellMarkerColour draws the cells' markers in the legend.
var cellMarkerColour = color.Gray{0x44}

// PlotPoint is one implementation and cell on the plot: the spreads of its
// two figures over the seeds.
type PlotPoint struct {
	Impl string
	// ImplIndex picks its colour, Cell its marker.
	ImplIndex int
	Cell      int
	Label     string
	X, Y      Spread
}

// PlotPoints are the aggregates that have both servers msgs-per-op and the
// plotted latency (plotYFigure), in the aggregates' order.
func PlotPoints(impls []string, aggs []Aggregate) []PlotPoint {
	var pts []PlotPoint
	yFigure := plotYFigure(aggs)
	for _, a := range aggs {
		x, okx := a.Figures[plotXFigure]
		y, oky := a.Figures[yFigure]
		if okx && oky {
			pts = append(pts, PlotPoint{Impl: a.Impl, ImplIndex: max(0, slices.Index(impls, a.Impl)),
				Cell: a.Cell, Label: a.Label, X: x, Y: y})
		}
	}
	return pts
}

// Plot draws servers msgs-per-op (x) against the median latency (y; see
// plotYFigure) as
// SVG, with gonum/plot in the style of a run's plots: one marker per
// implementation and cell at the medians over seeds, with bars from the
// minimum to the maximum on both axes; implementations told apart by
// colour, cells by marker, both named in a legend on the right. An axis
// whose values span a factor of 20 or more is logarithmic. It returns nil
// when no aggregate has both figures.
func Plot(impls []string, cells []Cell, aggs []Aggregate) ([]byte, error) {
	pts := PlotPoints(impls, aggs)
	if len(pts) == 0 {
		return nil, nil
	}
	canvas := vgsvg.New(viz.PlotWidth, viz.PlotHeight)
	if err := drawPlot(draw.New(canvas), impls, cells, pts, plotYLabel(aggs), FigureLabel(plotYFigure(aggs))); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := canvas.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// drawPlot draws the points, and the legend on the right, onto dc.
func drawPlot(dc draw.Canvas, impls []string, cells []Cell, pts []PlotPoint, yName, yLabel string) error {
	p := viz.NewPlot("Servers msgs-per-op against "+yName, "", "")
	var xs, ys []float64
	for _, pt := range pts {
		xs = append(xs, pt.X.Min, pt.X.Max)
		ys = append(ys, pt.Y.Min, pt.Y.Max)
	}
	xs2, xnote := scaleAxis(&p.X, xs)
	ys2, ynote := scaleAxis(&p.Y, ys)
	p.X.Label.Text = "servers msgs-per-op" + xnote
	p.Y.Label.Text = yLabel + ynote

	for _, pt := range pts {
		col := palette[pt.ImplIndex%len(palette)]
		x, y := xs2.at(pt.X.Median), ys2.at(pt.Y.Median)
		b := bars{
			XYs:     plotter.XYs{{X: x, Y: y}},
			XErrors: plotter.XErrors{{Low: x - xs2.at(pt.X.Min), High: xs2.at(pt.X.Max) - x}},
			YErrors: plotter.YErrors{{Low: y - ys2.at(pt.Y.Min), High: ys2.at(pt.Y.Max) - y}},
		}
		xb, err := plotter.NewXErrorBars(b)
		if err != nil {
			return fmt.Errorf("%s, %s: %w", pt.Impl, pt.Label, err)
		}
		yb, err := plotter.NewYErrorBars(b)
		if err != nil {
			return fmt.Errorf("%s, %s: %w", pt.Impl, pt.Label, err)
		}
		s, err := plotter.NewScatter(b.XYs)
		if err != nil {
			return fmt.Errorf("%s, %s: %w", pt.Impl, pt.Label, err)
		}
		xb.Color, yb.Color = col, col
		xb.CapWidth, yb.CapWidth = vg.Points(6), vg.Points(6)
		s.GlyphStyle = draw.GlyphStyle{Color: col, Shape: viz.Glyph(pt.Cell), Radius: vg.Points(markerSize)}
		p.Add(xb, yb, s)
	}

	leg := plot.NewLegend()
	leg.Top, leg.Left = true, true
	leg.Padding = vg.Points(3)
	leg.Add("markers: medians over seeds")
	leg.Add("bars: minimum to maximum")
	leg.Add("")
	leg.Add("implementation (colour):")
	for i, name := range impls {
		leg.Add(name, swatch{palette[i%len(palette)]})
	}
	if len(cells) > 1 {
		leg.Add("")
		leg.Add("cell (marker):")
		for _, c := range cells {
			leg.Add(c.Label, marker{viz.Glyph(c.Index)})
		}
	}

	p.Draw(draw.Crop(dc, 0, -legendWidth, 0, 0))
	leg.Draw(draw.Crop(dc, dc.Max.X-dc.Min.X-legendWidth+vg.Points(12), 0, 0, -vg.Points(24)))
	return nil
}

// scale maps a figure onto its axis: the identity, or log10 for a
// logarithmic axis. A logarithmic axis is drawn as a linear one over the
// logarithms, with ticks at the powers of ten labelled with the powers
// themselves: gonum/plot's own log scale misplaces the axis label's glyph
// box, which squeezes the plot.
type scale struct{ log bool }

func (s scale) at(v float64) float64 {
	if s.log {
		return math.Log10(v)
	}
	return v
}

// scaleAxis fits an axis to values: logarithmic over whole decades when
// they are all positive and span a factor of logSpan or more, otherwise
// linear from zero. It returns the scale and what to add to the axis's
// label.
func scaleAxis(a *plot.Axis, vs []float64) (scale, string) {
	lo, hi := slices.Min(vs), slices.Max(vs)
	if lo > 0 && hi/lo >= logSpan && !math.IsInf(hi, 0) {
		a.Min = math.Floor(math.Log10(lo))
		a.Max = math.Ceil(math.Log10(hi))
		a.Tick.Marker = decades{}
		return scale{log: true}, ", log scale"
	}
	a.Min, a.Max = 0, hi*1.05
	if !(hi > 0) || math.IsInf(hi, 0) {
		a.Max = 1
	}
	return scale{}, ""
}

// decades ticks an axis of base-10 logarithms: a labelled tick at every
// power of ten, unlabelled ones at its multiples 2…9.
type decades struct{}

// Ticks implements plot.Ticker.
func (decades) Ticks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	for e := math.Floor(lo); e <= hi; e++ {
		if e >= lo {
			ts = append(ts, plot.Tick{Value: e, Label: Num(math.Pow(10, e))})
		}
		for m := 2; m <= 9; m++ {
			if v := e + math.Log10(float64(m)); v >= lo && v <= hi {
				ts = append(ts, plot.Tick{Value: v})
			}
		}
	}
	return ts
}

// bars are the points with their distances to the minimum and maximum.
type bars struct {
	plotter.XYs
	plotter.XErrors
	plotter.YErrors
}

// swatch is a legend thumbnail: a square of one colour.
type swatch struct{ c color.Color }

func (s swatch) Thumbnail(c *draw.Canvas) {
	side := min(c.Max.Y-c.Min.Y, vg.Points(10))
	x0, y0 := c.Min.X+(c.Max.X-c.Min.X-side)/2, c.Min.Y+(c.Max.Y-c.Min.Y-side)/2
	c.FillPolygon(s.c, []vg.Point{{X: x0, Y: y0}, {X: x0 + side, Y: y0}, {X: x0 + side, Y: y0 + side}, {X: x0, Y: y0 + side}})
}

// marker is a legend thumbnail: a cell's marker in grey.
type marker struct{ shape draw.GlyphDrawer }

func (m marker) Thumbnail(c *draw.Canvas) {
	c.DrawGlyph(draw.GlyphStyle{Color: cellMarkerColour, Shape: m.shape, Radius: vg.Points(markerSize)}, c.Center())
}
