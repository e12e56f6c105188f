package challenge

import (
	"math/big"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/edn"
)

type kw = edn.Keyword

func ptr(f float64) *float64 { return &f }

// eddyResults is shaped like the results eddy writes for a broadcast run.
func eddyResults() *edn.Map {
	return edn.NewMap(
		kw("perf"), edn.NewMap(kw("valid?"), true),
		kw("timeline"), edn.NewMap(kw("valid?"), true),
		kw("exceptions"), edn.NewMap(kw("valid?"), true),
		kw("stats"), edn.NewMap(
			kw("valid?"), true,
			kw("count"), int64(2000),
			kw("ok-count"), int64(1998),
			kw("fail-count"), int64(0),
			kw("info-count"), int64(2),
		),
		kw("availability"), edn.NewMap(kw("valid?"), true, kw("ok-fraction"), 0.999),
		kw("net"), edn.NewMap(
			kw("all"), edn.NewMap(kw("send-count"), int64(60000), kw("msg-count"), int64(29220), kw("msgs-per-op"), 14.61),
			kw("clients"), edn.NewMap(kw("send-count"), int64(8000), kw("msg-count"), int64(4000)),
			kw("servers"), edn.NewMap(kw("send-count"), int64(52000), kw("msg-count"), int64(25220), kw("msgs-per-op"), 12.61),
			kw("valid?"), true,
		),
		kw("workload"), edn.NewMap(
			kw("valid?"), true,
			kw("stable-latencies"), edn.NewMap(
				int64(0), int64(0),
				0.5, int64(84),
				0.95, int64(101),
				0.99, int64(104),
				int64(1), int64(105),
			),
		),
		kw("valid?"), true,
	)
}

func TestExtract(t *testing.T) {
	tests := []struct {
		name    string
		results *edn.Map
		want    Figures
	}{
		{
			name:    "eddy broadcast results",
			results: eddyResults(),
			want: Figures{
				Valid:           "true",
				ServerMsgsPerOp: ptr(12.61),
				AllMsgsPerOp:    ptr(14.61),
				LatencyP50:      ptr(84),
				LatencyP95:      ptr(101),
				LatencyMax:      ptr(105),
				Availability:    ptr(0.999),
				OK:              1998,
				Count:           2000,
			},
		},
		{
			name: "maelstrom results with missing sections and :unknown",
			results: edn.NewMap(
				kw("workload"), edn.NewMap(kw("valid?"), kw("unknown"), kw("error"), "Elle crashed"),
				kw("net"), edn.NewMap(kw("servers"), edn.NewMap(kw("msg-count"), 0)),
				kw("valid?"), kw("unknown"),
			),
			want: Figures{Valid: "unknown"},
		},
		{
			name:    "empty",
			results: edn.NewMap(),
			want:    Figures{Valid: "missing"},
		},
		{
			name:    "nil",
			results: nil,
			want:    Figures{Valid: "missing"},
		},
		{
			name: "invalid, other numeric kinds",
			results: edn.NewMap(
				kw("valid?"), false,
				kw("stats"), edn.NewMap(kw("count"), big.NewInt(7), kw("ok-count"), 5),
				kw("availability"), edn.NewMap(kw("ok-fraction"), int64(1)),
				kw("net"), edn.NewMap(kw("servers"), edn.NewMap(kw("msgs-per-op"), float32(0.25))),
				kw("workload"), edn.NewMap(kw("stable-latencies"), edn.NewMap(
					0, 3,
					0.5, big.NewInt(7),
					1.0, 9.5,
				)),
			),
			want: Figures{
				Valid:           "false",
				ServerMsgsPerOp: ptr(0.25),
				LatencyP50:      ptr(7),
				LatencyMax:      ptr(9.5),
				Availability:    ptr(1),
				OK:              5,
				Count:           7,
			},
		},
		{
			name: "string keys, as in results.json",
			results: edn.NewMap(
				"valid?", true,
				"net", edn.NewMap("servers", edn.NewMap("msgs-per-op", 3.5)),
			),
			want: Figures{Valid: "true", ServerMsgsPerOp: ptr(3.5)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Extract(tt.results))
		})
	}
}

func TestEvaluate(t *testing.T) {
	byID := map[string]Challenge{}
	for _, c := range All() {
		byID[c.ID] = c
	}
	good3d := Figures{Valid: "true", ServerMsgsPerOp: ptr(12.61), LatencyP50: ptr(84), LatencyMax: ptr(105)}
	tests := []struct {
		name string
		id   string
		f    Figures
		want []Check
		met  bool
	}{
		{
			name: "3d met",
			id:   "3d",
			f:    good3d,
			want: []Check{
				{"valid", "true", "true", true},
				{"servers msgs-per-op", "< 30", "12.61", true},
				{"median stable latency", "< 400ms", "84ms", true},
				{"max stable latency", "< 600ms", "105ms", true},
			},
			met: true,
		},
		{
			name: "3d missed: exactly at the strict bounds",
			id:   "3d",
			f:    Figures{Valid: "true", ServerMsgsPerOp: ptr(30.0), LatencyP50: ptr(400), LatencyMax: ptr(600)},
			want: []Check{
				{"valid", "true", "true", true},
				{"servers msgs-per-op", "< 30", "30.00", false},
				{"median stable latency", "< 400ms", "400ms", false},
				{"max stable latency", "< 600ms", "600ms", false},
			},
		},
		{
			name: "3d just under the bound is shown in full",
			id:   "3d",
			f:    Figures{Valid: "true", ServerMsgsPerOp: ptr(29.999), LatencyP50: ptr(399), LatencyMax: ptr(599)},
			want: []Check{
				{"valid", "true", "true", true},
				{"servers msgs-per-op", "< 30", "29.999", true},
				{"median stable latency", "< 400ms", "399ms", true},
				{"max stable latency", "< 600ms", "599ms", true},
			},
			met: true,
		},
		{
			name: "3d missing latency",
			id:   "3d",
			f:    Figures{Valid: "true", ServerMsgsPerOp: ptr(12.61)},
			want: []Check{
				{"valid", "true", "true", true},
				{"servers msgs-per-op", "< 30", "12.61", true},
				{"median stable latency", "< 400ms", "missing", false},
				{"max stable latency", "< 600ms", "missing", false},
			},
		},
		{
			name: "3e met",
			id:   "3e",
			f:    Figures{Valid: "true", ServerMsgsPerOp: ptr(1.92), LatencyP50: ptr(764), LatencyMax: ptr(1087)},
			want: []Check{
				{"valid", "true", "true", true},
				{"servers msgs-per-op", "< 20", "1.92", true},
				{"median stable latency", "< 1s", "764ms", true},
				{"max stable latency", "< 2s", "1.087s", true},
			},
			met: true,
		},
		{
			name: "3e missed: 3d's figures are too chatty",
			id:   "3e",
			f:    Figures{Valid: "true", ServerMsgsPerOp: ptr(23.38), LatencyP50: ptr(181), LatencyMax: ptr(2000)},
			want: []Check{
				{"valid", "true", "true", true},
				{"servers msgs-per-op", "< 20", "23.38", false},
				{"median stable latency", "< 1s", "181ms", true},
				{"max stable latency", "< 2s", "2s", false},
			},
		},
		{
			name: "3e missed: exactly 20 msgs-per-op",
			id:   "3e",
			f:    Figures{Valid: "true", ServerMsgsPerOp: ptr(20), LatencyP50: ptr(500), LatencyMax: ptr(900)},
			want: []Check{
				{"valid", "true", "true", true},
				{"servers msgs-per-op", "< 20", "20.00", false},
				{"median stable latency", "< 1s", "500ms", true},
				{"max stable latency", "< 2s", "900ms", true},
			},
		},
		{
			name: "2 met",
			id:   "2",
			f:    Figures{Valid: "true", Availability: ptr(1)},
			want: []Check{
				{"valid", "true", "true", true},
				{"availability", "1", "1", true},
			},
			met: true,
		},
		{
			name: "2 missed: availability below total",
			id:   "2",
			f:    Figures{Valid: "true", Availability: ptr(0.999)},
			want: []Check{
				{"valid", "true", "true", true},
				{"availability", "1", "0.999", false},
			},
		},
		{
			name: "2 missed: availability missing",
			id:   "2",
			f:    Figures{Valid: "true"},
			want: []Check{
				{"valid", "true", "true", true},
				{"availability", "1", "missing", false},
			},
		},
		{
			name: "1 invalid",
			id:   "1",
			f:    Figures{Valid: "false"},
			want: []Check{{"valid", "true", "false", false}},
		},
		{
			name: "5b unknown",
			id:   "5b",
			f:    Figures{Valid: "unknown", ServerMsgsPerOp: ptr(4.78)},
			want: []Check{{"valid", "true", "unknown", false}},
		},
		{
			name: "4 valid missing from zero figures",
			id:   "4",
			f:    Figures{},
			want: []Check{{"valid", "true", "missing", false}},
		},
		{
			name: "4 met",
			id:   "4",
			f:    Figures{Valid: "true"},
			want: []Check{{"valid", "true", "true", true}},
			met:  true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ok := byID[tt.id]
			require.True(t, ok, tt.id)
			got := c.Evaluate(tt.f)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.met, Met(got))
		})
	}
}

func TestExtractThenEvaluate(t *testing.T) {
	cs, err := Select([]string{"3d"})
	require.NoError(t, err)
	checks := cs[0].Evaluate(Extract(eddyResults()))
	assert.True(t, Met(checks), "%+v", checks)
}

func TestMet(t *testing.T) {
	tests := []struct {
		name   string
		checks []Check
		want   bool
	}{
		{"none", nil, true},
		{"all met", []Check{{Met: true}, {Met: true}}, true},
		{"one missed", []Check{{Met: true}, {Met: false}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Met(tt.checks))
		})
	}
}
