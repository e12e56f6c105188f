package compare

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// Plot geometry, in SVG user units.
const (
	plotW, plotH   = 560, 360 // the data area
	marginL        = 70
	marginT        = 20
	marginB        = 50
	legendW        = 260
	svgW, svgH     = marginL + plotW + 30 + legendW, marginT + plotH + marginB
	markerR        = 5
	plotXFigure    = "servers-msgs-per-op"
	plotNoDataNote = "No cell has both servers msgs-per-op and a latency, so there is nothing to plot."
)

// plotYFigure is the latency plotted: the median stable latency where some
// cell has one (broadcast, g-set), the median operation latency otherwise.
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
var palette = []string{"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"}

// shapes are the markers of cells, in order.
var shapes = []string{"circle", "square", "triangle", "diamond", "cross"}

// Plot draws servers msgs-per-op (x) against median latency (y, see
// plotYFigure) as
// an SVG: one point per implementation and cell at the medians over seeds,
// with whiskers from the minimum to the maximum on both axes, implementations
// told apart by colour and cells by marker, and a legend. ok is false when
// no aggregate has both figures, and the SVG is then empty.
func Plot(impls []string, cells []Cell, aggs []Aggregate) (svg string, ok bool) {
	yFigure := plotYFigure(aggs)
	var pts []Aggregate
	var xs, ys []float64
	for _, a := range aggs {
		x, okx := a.Figures[plotXFigure]
		y, oky := a.Figures[yFigure]
		if !okx || !oky {
			continue
		}
		pts = append(pts, a)
		xs = append(xs, x.Min, x.Max)
		ys = append(ys, y.Min, y.Max)
	}
	if len(pts) == 0 {
		return "", false
	}
	xScale, yScale := newScale(xs), newScale(ys)
	px := func(v float64) float64 { return marginL + xScale.pos(v)*plotW }
	py := func(v float64) float64 { return marginT + plotH - yScale.pos(v)*plotH }

	var b strings.Builder
	fmt.Fprintf(&b, `<svg width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", svgW, svgH, svgW, svgH)
	fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#444"/>`+"\n", marginL, marginT, plotW, plotH)
	for _, v := range xScale.ticks {
		x := px(v)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/><text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n",
			x, marginT, x, marginT+plotH, x, marginT+plotH+16, Num(v))
	}
	for _, v := range yScale.ticks {
		y := py(v)
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/><text x="%d" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>`+"\n",
			marginL, y, marginL+plotW, y, marginL-6, y, Num(v))
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">servers msgs-per-op%s (median over seeds; whiskers: min–max)</text>`+"\n", marginL+plotW/2, svgH-10, xScale.note())
	fmt.Fprintf(&b, `<text transform="translate(16 %d) rotate(-90)" text-anchor="middle">%s, ms%s</text>`+"\n", marginT+plotH/2, plotYLabel(aggs), yScale.note())

	for _, a := range pts {
		x, y := a.Figures[plotXFigure], a.Figures[yFigure]
		colour := palette[index(impls, a.Impl)%len(palette)]
		cx, cy := px(x.Median), py(y.Median)
		fmt.Fprintf(&b, `<g stroke="%s" fill="%s"><title>%s</title>`, colour, colour,
			html.EscapeString(fmt.Sprintf("%s, %s: %s msgs-per-op, %s ms", a.Impl, a.Label, x, y)))
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/><line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`,
			px(x.Min), cy, px(x.Max), cy, cx, py(y.Min), cx, py(y.Max))
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/><line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`,
			px(x.Min), cy-3, px(x.Min), cy+3, px(x.Max), cy-3, px(x.Max), cy+3)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/><line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`,
			cx-3, py(y.Min), cx+3, py(y.Min), cx-3, py(y.Max), cx+3, py(y.Max))
		b.WriteString(marker(shapes[a.Cell%len(shapes)], cx, cy))
		b.WriteString("</g>\n")
	}

	lx, ly := float64(marginL+plotW+30), float64(marginT+10)
	b.WriteString(`<g>`)
	for i, name := range impls {
		colour := palette[i%len(palette)]
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="12" height="12" fill="%s"/><text x="%.1f" y="%.1f" dominant-baseline="middle">%s</text>`,
			lx, ly-6, colour, lx+20, ly, html.EscapeString(name))
		ly += 20
	}
	if len(cells) > 1 {
		ly += 8
		for _, c := range cells {
			fmt.Fprintf(&b, `<g fill="#444" stroke="#444">%s</g><text x="%.1f" y="%.1f" dominant-baseline="middle">%s</text>`,
				marker(shapes[c.Index%len(shapes)], lx+6, ly), lx+20, ly, html.EscapeString(c.Label))
			ly += 20
		}
	}
	b.WriteString("</g>\n</svg>\n")
	return b.String(), true
}

// marker draws one marker centred on (x, y).
func marker(shape string, x, y float64) string {
	const r = markerR
	switch shape {
	case "square":
		return fmt.Sprintf(`<rect x="%.1f" y="%.1f" width="%d" height="%d"/>`, x-r, y-r, 2*r, 2*r)
	case "triangle":
		return fmt.Sprintf(`<polygon points="%.1f,%.1f %.1f,%.1f %.1f,%.1f"/>`, x, y-r-1, x-r-1, y+r, x+r+1, y+r)
	case "diamond":
		return fmt.Sprintf(`<polygon points="%.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f"/>`, x, y-r-1, x+r+1, y, x, y+r+1, x-r-1, y)
	case "cross":
		return fmt.Sprintf(`<path d="M%.1f %.1fL%.1f %.1fM%.1f %.1fL%.1f %.1f" stroke-width="2.5"/>`, x-r, y-r, x+r, y+r, x-r, y+r, x+r, y-r)
	}
	return fmt.Sprintf(`<circle cx="%.1f" cy="%.1f" r="%d"/>`, x, y, r)
}

// scale maps an axis's values onto [0, 1]: linear from zero, or
// logarithmic when the values are all positive and span a factor of 20 or
// more (a value then far from the others stays readable).
type scale struct {
	log    bool
	lo, hi float64 // the ends of the axis
	ticks  []float64
}

// logSpan is the ratio of the largest to the smallest value from which an
// axis is logarithmic.
const logSpan = 20

func newScale(vs []float64) scale {
	lo, hi := math.Inf(1), 0.0
	for _, v := range vs {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	if lo > 0 && hi/lo >= logSpan && !math.IsInf(hi, 0) {
		return logScale(lo, hi)
	}
	top, step := axis(hi)
	sc := scale{lo: 0, hi: top}
	for i := 0; float64(i)*step <= top+step/2; i++ {
		sc.ticks = append(sc.ticks, round(float64(i)*step))
	}
	return sc
}

// logScale runs from a round number at or below lo to one at or above hi
// (1, 2 or 5 times a power of ten), with ticks at such numbers.
func logScale(lo, hi float64) scale {
	var nice []float64
	for e := math.Floor(math.Log10(lo)) - 1; e <= math.Ceil(math.Log10(hi))+1; e++ {
		for _, m := range []float64{1, 2, 5} {
			nice = append(nice, round(m*math.Pow(10, e)))
		}
	}
	sc := scale{log: true, lo: nice[0], hi: nice[len(nice)-1]}
	for _, v := range nice {
		if v <= lo {
			sc.lo = v
		}
	}
	for i := len(nice) - 1; i >= 0; i-- {
		if nice[i] >= hi {
			sc.hi = nice[i]
		}
	}
	for _, v := range nice {
		if v >= sc.lo && v <= sc.hi {
			sc.ticks = append(sc.ticks, v)
		}
	}
	if len(sc.ticks) > 10 { // many decades: powers of ten only
		var tens []float64
		for _, v := range sc.ticks {
			if m := v / math.Pow(10, math.Floor(math.Log10(v)+1e-9)); math.Abs(m-1) < 1e-6 {
				tens = append(tens, v)
			}
		}
		sc.ticks = tens
	}
	return sc
}

// pos is where v lies along the axis, from 0 to 1.
func (s scale) pos(v float64) float64 {
	if s.log {
		return (math.Log10(v) - math.Log10(s.lo)) / (math.Log10(s.hi) - math.Log10(s.lo))
	}
	return (v - s.lo) / (s.hi - s.lo)
}

func (s scale) note() string {
	if s.log {
		return ", log scale"
	}
	return ""
}

// axis picks the top of a linear axis from zero that holds maxV with some
// room, and a round tick step: the largest of 1, 2 or 5 times a power of
// ten that gives at least four ticks.
func axis(maxV float64) (top, step float64) {
	if maxV <= 0 || math.IsNaN(maxV) || math.IsInf(maxV, 0) {
		return 1, 0.2
	}
	raw := maxV / 4
	pow := math.Pow(10, math.Floor(math.Log10(raw)))
	step = pow
	for _, m := range []float64{2, 5} {
		if m*pow <= raw {
			step = m * pow
		}
	}
	return math.Ceil(round(maxV*1.05/step)) * step, step
}

// round removes the float noise of computed tick values.
func round(v float64) float64 {
	if v == 0 {
		return 0
	}
	digits := 9 - math.Floor(math.Log10(math.Abs(v)))
	p := math.Pow(10, digits)
	return math.Round(v*p) / p
}

func index(names []string, name string) int {
	for i, n := range names {
		if n == name {
			return i
		}
	}
	return 0
}
