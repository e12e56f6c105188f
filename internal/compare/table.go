package compare

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// figureLabels are the column headings of the figures that have a better
// name than their JSON one.
var figureLabels = map[string]string{
	"servers-msgs-per-op": "servers msgs-per-op",
	"all-msgs-per-op":     "all msgs-per-op",
	"stable-latency-p50":  "stable latency p50 (ms)",
	"stable-latency-p95":  "stable latency p95 (ms)",
	"stable-latency-max":  "stable latency max (ms)",
	"availability":        "availability",
	"ok-count":            "ops ok",
	"count":               "ops total",
	"latency-p50":         "latency p50 (ms)",
	"latency-p95":         "latency p95 (ms)",
	"latency-max":         "latency max (ms)",
	"served":              "served",
	"leader-changes":      "leader changes",
	"heal-to-write":       "heal to write (ms)",
}

// FigureLabel is the heading a figure is shown under.
func FigureLabel(name string) string {
	if l, ok := figureLabels[name]; ok {
		return l
	}
	return strings.ReplaceAll(name, "-", " ")
}

// PresentFigures lists the figures at least one aggregate has, in
// FigureNames order: the columns worth showing.
func PresentFigures(aggs []Aggregate) []string {
	var out []string
	for _, n := range FigureNames() {
		for _, a := range aggs {
			if _, ok := a.Figures[n]; ok {
				out = append(out, n)
				break
			}
		}
	}
	return out
}

// Table renders the aggregates as a Markdown table: one row per
// implementation and cell; each figure as its median over seeds with the
// minimum and maximum in brackets.
func Table(aggs []Aggregate) string {
	figs := PresentFigures(aggs)
	var b strings.Builder
	b.WriteString("| impl | cell | runs | verdicts |")
	for _, f := range figs {
		b.WriteString(" " + FigureLabel(f) + " |")
	}
	b.WriteString("\n|---|---|---|---|" + strings.Repeat("---|", len(figs)) + "\n")
	for _, a := range aggs {
		fmt.Fprintf(&b, "| %s | %s | %d | %s |", a.Impl, a.Label, a.Runs, a.Verdicts)
		for _, f := range figs {
			s, ok := a.Figures[f]
			if !ok {
				b.WriteString(" – |")
				continue
			}
			b.WriteString(" " + s.String() + " |")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// String lists the non-zero counts, e.g. "2 valid, 1 aborted".
func (v Verdicts) String() string {
	var parts []string
	for _, c := range []struct {
		n    int
		name string
	}{{v.Valid, Valid}, {v.Invalid, Invalid}, {v.Unknown, Unknown}, {v.Aborted, Aborted}} {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c.n, c.name))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// String shows the median and, when they differ from it, the minimum and
// maximum: "12.05 (11.98–12.1)".
func (s Spread) String() string {
	if s.Min == s.Max {
		return Num(s.Median)
	}
	return Num(s.Median) + " (" + Num(s.Min) + "–" + Num(s.Max) + ")"
}

// Num formats a figure: whole numbers as such, large ones without
// decimals, others with four significant digits.
func Num(x float64) string {
	switch {
	case math.IsNaN(x) || math.IsInf(x, 0):
		return strconv.FormatFloat(x, 'g', -1, 64)
	case x == math.Trunc(x) && math.Abs(x) < 1e15:
		return strconv.FormatFloat(x, 'f', 0, 64)
	case math.Abs(x) >= 1000:
		return strconv.FormatFloat(x, 'f', 0, 64)
	}
	return strconv.FormatFloat(x, 'g', 4, 64)
}
