package viz

import (
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg/draw"
)

// The size of the plots.
const (
	PlotWidth  = plotWidth
	PlotHeight = plotHeight
)

// NewPlot is an empty plot in the style of a run's plots: a title, axis
// labels and a grid. Plots drawn elsewhere (eddy compare's) start from it
// to look the same.
func NewPlot(title, xlabel, ylabel string) *plot.Plot { return newPlot(title, xlabel, ylabel) }

// Glyph is the i-th of the marker shapes the plots tell series apart by
// (they repeat after eight).
func Glyph(i int) draw.GlyphDrawer { return shapes[i%len(shapes)] }
