package viz

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/internal/history"
)

const sec = int64(time.Second)

func nem(t int64, f string) history.Op {
	return history.Op{Time: t, Type: history.Info, Process: history.Nemesis, F: f}
}

func TestPartitions(t *testing.T) {
	t.Parallel()
	client := history.Op{Time: 3 * sec, Type: history.Invoke, Process: 0, F: "start-partition"}
	tests := []struct {
		name string
		ops  []history.Op
		end  float64
		want []Interval
	}{
		{"no nemesis", []history.Op{client}, 10, nil},
		{"one partition, each change recorded twice", []history.Op{
			nem(1*sec, "start-partition"), nem(1*sec+5e6, "start-partition"),
			nem(4*sec, "stop-partition"), nem(4*sec+1e6, "stop-partition"),
		}, 10, []Interval{{1, 4}}},
		{"two partitions", []history.Op{
			nem(0, "start-partition"), nem(2*sec, "stop-partition"),
			nem(5*sec, "start-partition"), nem(7*sec, "stop-partition"),
		}, 10, []Interval{{0, 2}, {5, 7}}},
		{"still partitioned at the end", []history.Op{
			nem(1*sec, "start-partition"), nem(2*sec, "stop-partition"), nem(8*sec, "start-partition"),
		}, 10, []Interval{{1, 2}, {8, 10}}},
		{"a heal with nothing to heal", []history.Op{nem(1*sec, "stop-partition"), nem(3*sec, "start-partition"), nem(6*sec, "stop-partition")}, 10, []Interval{{3, 6}}},
		{"client ops named like nemesis ops do not count", []history.Op{client, nem(5*sec, "stop-partition")}, 10, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Partitions(tt.ops, tt.end)
			require.Len(t, got, len(tt.want))
			for i := range got {
				assert.InDelta(t, tt.want[i].Start, got[i].Start, 0.01)
				assert.InDelta(t, tt.want[i].End, got[i].End, 0.01)
			}
		})
	}
}

func TestLatencies(t *testing.T) {
	t.Parallel()
	ops := []history.Op{
		{Index: 0, Time: 0, Type: history.Invoke, Process: 0, F: "read"},
		{Index: 1, Time: 1 * sec, Type: history.Invoke, Process: 1, F: "add"},
		nem(1*sec, "start-partition"),
		{Index: 3, Time: 2 * sec, Type: history.OK, Process: 0, F: "read"},
		{Index: 4, Time: 3 * sec, Type: history.Invoke, Process: 0, F: "read"}, // never completes
		{Index: 5, Time: 6 * sec, Type: history.Info, Process: 1, F: "add"},
	}
	ops[2].Index = 2
	assert.Equal(t, []LatencyPoint{
		{F: "read", Type: history.OK, Time: 0, Latency: 2000},
		{F: "add", Type: history.Info, Time: 1, Latency: 5000},
	}, Latencies(ops))
}

func pt(f string, typ history.Type, at, ms float64) LatencyPoint {
	return LatencyPoint{F: f, Type: typ, Time: at, Latency: ms}
}

func TestQuantileBuckets(t *testing.T) {
	t.Parallel()
	var hundred []LatencyPoint
	for i := 1; i <= 100; i++ {
		hundred = append(hundred, pt("read", history.OK, 0.5, float64(i)))
	}
	tests := []struct {
		name   string
		points []LatencyPoint
		width  float64
		want   []QuantileBucket
	}{
		{"no points", nil, 1, []QuantileBucket{}},
		{"one point is every quantile", []LatencyPoint{pt("read", history.OK, 0.2, 7)}, 1,
			[]QuantileBucket{{F: "read", Start: 0, Q: []float64{7, 7, 7, 7}, Count: 1}}},
		{"a hundred points", hundred, 1,
			[]QuantileBucket{{F: "read", Start: 0, Q: []float64{51, 96, 100, 100}, Count: 100}}},
		{"buckets by time and by f; failures and timeouts left out", []LatencyPoint{
			pt("read", history.OK, 0.1, 1), pt("read", history.OK, 0.9, 3),
			pt("read", history.OK, 2.5, 10), pt("read", history.Fail, 2.6, 999),
			pt("add", history.OK, 0.5, 4), pt("add", history.Info, 1.5, 5000),
		}, 1, []QuantileBucket{
			{F: "add", Start: 0, Q: []float64{4, 4, 4, 4}, Count: 1},
			{F: "read", Start: 0, Q: []float64{3, 3, 3, 3}, Count: 2},
			{F: "read", Start: 2, Q: []float64{10, 10, 10, 10}, Count: 1},
		}},
		{"half-second buckets", []LatencyPoint{pt("read", history.OK, 0.4, 1), pt("read", history.OK, 0.6, 2)}, 0.5,
			[]QuantileBucket{{F: "read", Start: 0, Q: []float64{1, 1, 1, 1}, Count: 1}, {F: "read", Start: 0.5, Q: []float64{2, 2, 2, 2}, Count: 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, QuantileBuckets(tt.points, tt.width))
		})
	}
}

func TestRates(t *testing.T) {
	t.Parallel()
	points := []LatencyPoint{
		pt("read", history.OK, 0.1, 1), pt("read", history.OK, 0.2, 1), pt("read", history.Fail, 0.3, 1),
		pt("read", history.OK, 1.5, 1), pt("add", history.Info, 2.9, 1), pt("add", history.OK, 9, 1),
	}
	assert.Equal(t, []RateSeries{
		{F: "add", Type: history.OK, Rates: []float64{0, 0, 1}}, // past the end: the last bucket
		{F: "add", Type: history.Info, Rates: []float64{0, 0, 1}},
		{F: "read", Type: history.OK, Rates: []float64{2, 1, 0}},
		{F: "read", Type: history.Fail, Rates: []float64{1, 0, 0}},
	}, Rates(points, 1, 3))
	assert.Equal(t, []RateSeries{{F: "read", Type: history.OK, Rates: []float64{4}}}, Rates(points[:2], 0.5, 0.5))
}

func TestBucketWidth(t *testing.T) {
	t.Parallel()
	tests := []struct{ length, want float64 }{
		{0, 1}, {1, 0.05}, {20, 0.5}, {30, 1}, {60, 2}, {85, 5}, {3600, 100},
	}
	for _, tt := range tests {
		got := BucketWidth(tt.length)
		assert.InDelta(t, tt.want, got, 1e-9, "length %v", tt.length)
		assert.LessOrEqual(t, tt.length/got, 40.0)
	}
}

func TestDecimate(t *testing.T) {
	t.Parallel()
	var points []LatencyPoint
	for i := range 1000 {
		typ := history.OK
		if i%100 == 0 {
			typ = history.Fail
		}
		points = append(points, pt("read", typ, float64(i), 1))
	}
	tests := []struct {
		n, want, fails int
	}{
		{2000, 1000, 10}, {100, 100, 10}, {5, 5, 5},
	}
	for _, tt := range tests {
		got := Decimate(points, tt.n)
		assert.Len(t, got, tt.want)
		fails := 0
		for i, p := range got {
			if p.Type == history.Fail {
				fails++
			}
			if i > 0 {
				assert.LessOrEqual(t, got[i-1].Time, p.Time, "in time order")
			}
		}
		assert.Equal(t, tt.fails, fails)
	}
}

func TestPlotsAreWellFormed(t *testing.T) {
	t.Parallel()
	var ops []history.Op
	for i := range 200 {
		inv := history.Op{Index: len(ops), Time: int64(i) * sec / 10, Type: history.Invoke, Process: i % 3, F: []string{"read", "add"}[i%2]}
		ops = append(ops, inv)
		comp := inv
		comp.Index, comp.Time, comp.Type = len(ops), inv.Time+int64(i+1)*1e5, []history.Type{history.OK, history.OK, history.Fail, history.Info}[i%4]
		ops = append(ops, comp)
		if i == 50 || i == 120 {
			n := nem(inv.Time, []string{"start-partition", "stop-partition"}[i/100])
			n.Index = len(ops)
			ops = append(ops, n)
		}
	}
	tests := []struct {
		name  string
		ops   []history.Op
		dists []Distribution
		files []string
	}{
		{"a history", ops, []Distribution{{File: "stable-latencies.svg", Title: "Stable latency", XLabel: "ms", Values: []float64{0, 3, 5, 400}}},
			[]string{"latency-raw.svg", "latency-quantiles.svg", "rate.svg", "stable-latencies.svg"}},
		{"an empty history", nil, []Distribution{{File: "d.svg", Title: "empty"}}, []string{"latency-raw.svg", "latency-quantiles.svg", "rate.svg", "d.svg"}},
		{"all latencies zero", []history.Op{
			{Index: 0, Time: 0, Type: history.Invoke, F: "read"}, {Index: 1, Time: 0, Type: history.OK, F: "read"},
		}, []Distribution{{File: "z.svg", Values: []float64{0, 0}}}, []string{"latency-raw.svg", "latency-quantiles.svg", "rate.svg", "z.svg"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			plots := Plots(tt.ops, 0, tt.dists)
			var files []string
			for _, p := range plots {
				files = append(files, p.File)
				var b bytes.Buffer
				require.NoError(t, p.Write(&b), p.File)
				wellFormed(t, b.Bytes())
				assert.Contains(t, b.String(), "<svg", p.File)
				assert.Less(t, b.Len(), 2<<20, p.File)
			}
			assert.Equal(t, tt.files, files)
		})
	}
}

func TestRawPlotIsBounded(t *testing.T) {
	t.Parallel()
	var ops []history.Op
	for i := range 50_000 {
		ops = append(ops,
			history.Op{Index: 2 * i, Time: int64(i) * 1e6, Type: history.Invoke, Process: i % 10, F: "read"},
			history.Op{Index: 2*i + 1, Time: int64(i)*1e6 + 5e5, Type: history.OK, Process: i % 10, F: "read"})
	}
	var b bytes.Buffer
	require.NoError(t, Plots(ops, 0, nil)[0].Write(&b))
	assert.Contains(t, b.String(), fmt.Sprintf("(%d of %d shown)", MaxPoints, 50_000))
	assert.Less(t, b.Len(), 3<<20)
}
