package compare

import (
	"reflect"
	"slices"
	"strings"

	"github.com/eddy-workbench/eddy/internal/challenge"
)

// Verdicts of a run.
const (
	Valid   = "valid"
	Invalid = "invalid"
	Unknown = "unknown"
	Aborted = "aborted"
)

// Outcome is one finished run.
type Outcome struct {
	Index int    `json:"index"`
	Impl  string `json:"impl"`
	Cell  int    `json:"cell"`
	// Settings are the cell's parameter values.
	Settings []Setting `json:"settings"`
	Seed     uint64    `json:"seed"`
	// Command is the eddy test command the run is equivalent to.
	Command string `json:"command"`
	// Dir is the run's store directory ("" if it never got one).
	Dir string `json:"dir"`
	// Verdict is valid, invalid, unknown or aborted.
	Verdict string `json:"verdict"`
	// Aborted says why the run could not complete, if it could not.
	Aborted  string            `json:"aborted,omitempty"`
	Problems []string          `json:"problems,omitempty"`
	Figures  challenge.Figures `json:"figures"`
	// Seconds is how long the run took, start to end.
	Seconds float64 `json:"seconds"`
}

// VerdictOf is the verdict of a run with these figures, aborted if the run
// could not complete.
func VerdictOf(f challenge.Figures, aborted string) string {
	switch {
	case aborted != "":
		return Aborted
	case f.Valid == challenge.ValidTrue:
		return Valid
	case f.Valid == challenge.ValidFalse:
		return Invalid
	default:
		return Unknown
	}
}

// Verdicts counts a cell's runs by verdict.
type Verdicts struct {
	Valid   int `json:"valid"`
	Invalid int `json:"invalid"`
	Unknown int `json:"unknown"`
	Aborted int `json:"aborted"`
}

func (v *Verdicts) add(verdict string) {
	switch verdict {
	case Valid:
		v.Valid++
	case Invalid:
		v.Invalid++
	case Aborted:
		v.Aborted++
	default:
		v.Unknown++
	}
}

// Spread is a figure over a cell's runs.
type Spread struct {
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
	// N is the number of runs that had the figure.
	N int `json:"n"`
}

// Aggregate is one cell of one implementation, over its seeds.
type Aggregate struct {
	Impl     string    `json:"impl"`
	Cell     int       `json:"cell"`
	Label    string    `json:"label"`
	Settings []Setting `json:"settings"`
	// Runs counts the runs done; Verdicts splits them.
	Runs     int      `json:"runs"`
	Verdicts Verdicts `json:"verdicts"`
	// Figures maps each figure's name (see FigureNames) to its spread
	// over the runs that completed (aborted runs are left out); a figure
	// no such run had is absent.
	Figures map[string]Spread `json:"figures"`
}

// FigureNames lists the numeric figures of challenge.Figures by their JSON
// names, in the order the type declares them: every figure the challenge
// package reads out of a results map is aggregated.
func FigureNames() []string {
	var names []string
	eachFigure(challenge.Figures{}, func(name string, _ float64, _ bool) { names = append(names, name) })
	return names
}

// eachFigure calls fn with every numeric figure of f: its name, its value,
// and whether it is present.
func eachFigure(f challenge.Figures, fn func(name string, v float64, ok bool)) {
	rv := reflect.ValueOf(f)
	rt := rv.Type()
	for i := range rt.NumField() {
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		fv := rv.Field(i)
		switch {
		case fv.Kind() == reflect.Pointer && fv.Type().Elem().Kind() == reflect.Float64:
			if fv.IsNil() {
				fn(name, 0, false)
			} else {
				fn(name, fv.Elem().Float(), true)
			}
		case fv.CanInt():
			fn(name, float64(fv.Int()), true)
		case fv.CanFloat():
			fn(name, fv.Float(), true)
		}
	}
}

// Summarize aggregates the outcomes per implementation and cell, in the
// order cell by cell, and within a cell implementation by implementation as
// the spec lists them. Cells with no outcome yet (an interrupted comparison)
// are left out.
func Summarize(s Spec, outcomes []Outcome) []Aggregate {
	var out []Aggregate
	names := FigureNames()
	for _, c := range s.Cells() {
		for _, im := range s.Impls {
			agg := Aggregate{Impl: im.Name, Cell: c.Index, Label: c.Label, Settings: c.Settings, Figures: map[string]Spread{}}
			values := map[string][]float64{}
			for _, o := range outcomes {
				if o.Impl != im.Name || o.Cell != c.Index {
					continue
				}
				agg.Runs++
				agg.Verdicts.add(o.Verdict)
				if o.Verdict == Aborted {
					continue
				}
				eachFigure(o.Figures, func(name string, v float64, ok bool) {
					if ok {
						values[name] = append(values[name], v)
					}
				})
			}
			if agg.Runs == 0 {
				continue
			}
			for _, n := range names {
				if vs := values[n]; len(vs) > 0 {
					agg.Figures[n] = SpreadOf(vs)
				}
			}
			out = append(out, agg)
		}
	}
	return out
}

// SpreadOf is the median, minimum and maximum of vs, which must not be
// empty; the median of an even number of values is the mean of the middle
// two.
func SpreadOf(vs []float64) Spread {
	sorted := slices.Clone(vs)
	slices.Sort(sorted)
	n := len(sorted)
	med := sorted[n/2]
	if n%2 == 0 {
		med = (sorted[n/2-1] + sorted[n/2]) / 2
	}
	return Spread{Median: med, Min: sorted[0], Max: sorted[n-1], N: n}
}

// Pairs returns, for a cell, the outcomes of two implementations that ran
// with the same seed, in seed order: the pairs a per-seed comparison of a
// and b rests on. Seeds only one of them ran are left out.
func Pairs(outcomes []Outcome, cell int, a, b string) [][2]Outcome {
	bySeed := map[uint64]Outcome{}
	for _, o := range outcomes {
		if o.Cell == cell && o.Impl == b {
			bySeed[o.Seed] = o
		}
	}
	var out [][2]Outcome
	for _, o := range outcomes {
		if o.Cell != cell || o.Impl != a {
			continue
		}
		if ob, ok := bySeed[o.Seed]; ok {
			out = append(out, [2]Outcome{o, ob})
		}
	}
	slices.SortFunc(out, func(x, y [2]Outcome) int {
		switch {
		case x[0].Seed < y[0].Seed:
			return -1
		case x[0].Seed > y[0].Seed:
			return 1
		}
		return 0
	})
	return out
}
