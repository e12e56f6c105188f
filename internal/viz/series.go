package viz

import (
	"cmp"
	"image/color"
	"math"
	"slices"

	"github.com/eddy-workbench/eddy/internal/history"
	"github.com/eddy-workbench/eddy/internal/nemesis"
)

// LatencyPoint is one completed client operation: when it was invoked and
// how long it took.
type LatencyPoint struct {
	F       string
	Type    history.Type // of the completion: ok, fail or info
	Time    float64      // invocation, seconds since the start of the run
	Latency float64      // milliseconds
}

// Latencies pairs each client invocation with its completion. Operations
// that never completed are left out. Points are in invocation order.
func Latencies(ops []history.Op) []LatencyPoint {
	pairs := history.Pairs(ops)
	byIndex := make(map[int]int, len(ops))
	for i, o := range ops {
		byIndex[o.Index] = i
	}
	var out []LatencyPoint
	for _, inv := range ops {
		if inv.Type != history.Invoke || !inv.IsClient() {
			continue
		}
		ci, ok := pairs[inv.Index]
		if !ok {
			continue
		}
		comp := ops[byIndex[ci]]
		out = append(out, LatencyPoint{
			F:       inv.F,
			Type:    comp.Type,
			Time:    float64(inv.Time) / 1e9,
			Latency: float64(comp.Time-inv.Time) / 1e6,
		})
	}
	return out
}

// Interval is a span of the run, in seconds since its start.
type Interval struct{ Start, End float64 }

// Partitions are the spans during which the nemesis had the network cut:
// from the first :start-partition after a heal (or the start) to the next
// :stop-partition, or to end (seconds) if the run ended partitioned. The
// nemesis records each change twice (before and after it acts); the first
// record counts.
func Partitions(ops []history.Op, end float64) []Interval {
	var out []Interval
	open := false
	var start float64
	for _, o := range ops {
		if o.IsClient() {
			continue
		}
		t := float64(o.Time) / 1e9
		switch o.F {
		case "start-partition":
			if !open {
				open, start = true, t
			}
		case "stop-partition":
			if open {
				out = append(out, Interval{start, t})
				open = false
			}
		}
	}
	if open {
		out = append(out, Interval{start, math.Max(start, end)})
	}
	return out
}

// Shading is one kind of fault and the spans it was in effect, drawn as
// translucent bands of one colour with a legend entry.
type Shading struct {
	Label string // "partitioned", "nodes killed", "nodes paused"
	Fill  color.Color
	Spans []Interval
}

// Shadings are the fault intervals a plot shades: partitions (Partitions),
// then the spans during which the nemesis had some node killed, then some
// node paused (overlapping spans merged). Kinds that never happened are
// left out.
func Shadings(ops []history.Op, end float64) []Shading {
	var out []Shading
	if parts := Partitions(ops, end); len(parts) > 0 {
		out = append(out, Shading{Label: "partitioned", Fill: partitionFill, Spans: parts})
	}
	var kills, pauses []Interval
	for _, s := range nemesis.Spans(ops, int64(end*1e9)) {
		iv := Interval{float64(s.Start) / 1e9, float64(s.End) / 1e9}
		switch s.Fault {
		case nemesis.Kill:
			kills = append(kills, iv)
		case nemesis.Pause:
			pauses = append(pauses, iv)
		}
	}
	if len(kills) > 0 {
		out = append(out, Shading{Label: "nodes killed", Fill: killFill, Spans: merge(kills)})
	}
	if len(pauses) > 0 {
		out = append(out, Shading{Label: "nodes paused", Fill: pauseFill, Spans: merge(pauses)})
	}
	return out
}

// merge unites overlapping intervals, in order of start.
func merge(ivs []Interval) []Interval {
	slices.SortFunc(ivs, func(a, b Interval) int { return cmp.Compare(a.Start, b.Start) })
	var out []Interval
	for _, iv := range ivs {
		if n := len(out); n > 0 && iv.Start <= out[n-1].End {
			out[n-1].End = math.Max(out[n-1].End, iv.End)
			continue
		}
		out = append(out, iv)
	}
	return out
}

// BucketWidth picks a width for time buckets over a run of the given
// length (seconds): 1, 2 or 5 times a power of ten, giving at most about 40
// buckets.
func BucketWidth(length float64) float64 {
	if length <= 0 {
		return 1
	}
	raw := length / 40
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw {
			return m * p
		}
	}
	return 10 * p
}

// Quantiles are the quantiles a quantile plot draws.
var Quantiles = []float64{0.5, 0.95, 0.99, 1}

// QuantileBucket holds the latency quantiles of one f's ok operations
// invoked within one time bucket.
type QuantileBucket struct {
	F     string
	Start float64   // seconds; the bucket is [Start, Start+width)
	Q     []float64 // milliseconds, one per entry of Quantiles
	Count int
}

// QuantileBuckets groups the ok points by f and by invocation time into
// buckets of width seconds and gives each bucket's quantiles: for quantile q
// of n sorted latencies, the one at ⌊q·n⌋ (at most the last). Buckets with
// no points are absent. The result is ordered by f, then time.
func QuantileBuckets(points []LatencyPoint, width float64) []QuantileBucket {
	type key struct {
		f string
		b int64
	}
	groups := map[key][]float64{}
	for _, p := range points {
		if p.Type != history.OK {
			continue
		}
		k := key{p.F, int64(math.Floor(p.Time / width))}
		groups[k] = append(groups[k], p.Latency)
	}
	out := make([]QuantileBucket, 0, len(groups))
	for k, ls := range groups {
		slices.Sort(ls)
		qb := QuantileBucket{F: k.f, Start: float64(k.b) * width, Count: len(ls)}
		for _, q := range Quantiles {
			i := min(len(ls)-1, int(math.Floor(q*float64(len(ls)))))
			qb.Q = append(qb.Q, ls[i])
		}
		out = append(out, qb)
	}
	slices.SortFunc(out, func(a, b QuantileBucket) int {
		return cmp.Or(cmp.Compare(a.F, b.F), cmp.Compare(a.Start, b.Start))
	})
	return out
}

// RateSeries is the rate of one f's completions of one type over time.
type RateSeries struct {
	F    string
	Type history.Type
	// Rates[i] is completions per second in [i·width, (i+1)·width), by
	// invocation time.
	Rates []float64
}

// Rates counts completions per f and type in buckets of width seconds from
// 0 to end, as operations per second. Series are ordered by f, then ok,
// fail, info.
func Rates(points []LatencyPoint, width, end float64) []RateSeries {
	n := max(1, int(math.Ceil(end/width)))
	type key struct {
		f string
		t history.Type
	}
	series := map[key][]float64{}
	for _, p := range points {
		k := key{p.F, p.Type}
		s, ok := series[k]
		if !ok {
			s = make([]float64, n)
			series[k] = s
		}
		b := min(n-1, max(0, int(math.Floor(p.Time/width))))
		s[b] += 1 / width
	}
	out := make([]RateSeries, 0, len(series))
	for k, s := range series {
		out = append(out, RateSeries{F: k.f, Type: k.t, Rates: s})
	}
	order := map[history.Type]int{history.OK: 0, history.Fail: 1, history.Info: 2}
	slices.SortFunc(out, func(a, b RateSeries) int {
		if a.F != b.F {
			if a.F < b.F {
				return -1
			}
			return 1
		}
		return order[a.Type] - order[b.Type]
	})
	return out
}

// Decimate keeps at most n of points, evenly spread, but every fail and
// info point (they are rare and matter most) as long as they alone fit.
func Decimate(points []LatencyPoint, n int) []LatencyPoint {
	if len(points) <= n {
		return points
	}
	var rare, common []LatencyPoint
	for _, p := range points {
		if p.Type == history.OK {
			common = append(common, p)
		} else {
			rare = append(rare, p)
		}
	}
	if len(rare) >= n {
		rare, common = nil, points
	}
	keep := n - len(rare)
	out := append([]LatencyPoint(nil), rare...)
	step := float64(len(common)) / float64(keep)
	for i := range keep {
		out = append(out, common[int(float64(i)*step)])
	}
	slices.SortStableFunc(out, func(a, b LatencyPoint) int { return cmp.Compare(a.Time, b.Time) })
	return out
}
