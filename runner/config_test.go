package runner

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/internal/netsim"
)

func executable(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "node")
	require.NoError(t, os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755))
	return bin
}

func TestDefaultsAreMaelstroms(t *testing.T) {
	s, err := resolve(Config{Bin: executable(t)})
	require.NoError(t, err)
	assert.Equal(t, "lin-kv", s.Workload)
	assert.Equal(t, []string{"n1", "n2", "n3", "n4", "n5"}, s.nodes, "Jepsen's default nodes are 1-based")
	assert.Equal(t, 5, s.concurrency, "1n")
	assert.Equal(t, 60*time.Second, s.TimeLimit)
	assert.Equal(t, 5.0, s.Rate)
	assert.Equal(t, time.Duration(0), s.Latency)
	assert.Equal(t, netsim.Constant, s.dist)
	assert.Equal(t, 10*time.Second, s.NemesisInterval)
	assert.Equal(t, "grid", s.Topology)
	assert.Equal(t, []string{"strict-serializable"}, s.ConsistencyModels)
	assert.Equal(t, 4, s.MaxTxnLength)
	assert.Equal(t, 16, s.MaxWritesPerKey)
	assert.False(t, s.partition)
	assert.False(t, s.availability.Set)
}

func TestNodesAndConcurrency(t *testing.T) {
	bin := executable(t)
	cases := []struct {
		name        string
		cfg         Config
		nodes       []string
		concurrency int
	}{
		{"node-count names from n0", Config{NodeCount: 3}, []string{"n0", "n1", "n2"}, 3},
		{"node-count overrides nodes", Config{NodeCount: 2, Nodes: []string{"a", "b", "d"}}, []string{"n0", "n1"}, 2},
		{"named nodes", Config{Nodes: []string{"a", "b"}, Concurrency: "3n"}, []string{"a", "b"}, 6},
		{"plain concurrency", Config{NodeCount: 3, Concurrency: "7"}, []string{"n0", "n1", "n2"}, 7},
		{"2n", Config{NodeCount: 2, Concurrency: "2n"}, []string{"n0", "n1"}, 4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Bin = bin
			s, err := resolve(tc.cfg)
			require.NoError(t, err)
			assert.Equal(t, tc.nodes, s.nodes)
			assert.Equal(t, tc.concurrency, s.concurrency)
		})
	}
}

func TestResolveRejects(t *testing.T) {
	bin := executable(t)
	cases := []struct {
		name string
		cfg  Config
		want string
	}{
		{"node named like a client", Config{Nodes: []string{"cat"}}, "reserves for clients"},
		{"repeated node", Config{Nodes: []string{"a", "a"}}, "repeated"},
		{"zero concurrency", Config{Concurrency: "0"}, "--concurrency"},
		{"negative rate", Config{Rate: -1}, "--rate"},
		{"unknown topology", Config{Topology: "star"}, "--topology"},
		{"availability word", Config{Availability: "most"}, "--availability"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Bin = bin
			_, err := resolve(tc.cfg)
			var bad *ConfigError
			require.ErrorAs(t, err, &bad)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestRateZeroIsKeptWhenSet(t *testing.T) {
	s, err := resolve(Config{Bin: executable(t), RateSet: true})
	require.NoError(t, err)
	assert.Equal(t, 0.0, s.Rate)
}

func TestValidateMatchesRunWithoutWritingAnything(t *testing.T) {
	bin := executable(t)
	store := filepath.Join(t.TempDir(), "store")
	cases := []struct {
		name string
		cfg  Config
		want string
	}{
		{"good", Config{Workload: "echo", Bin: bin, StoreDir: store}, ""},
		{"no bin", Config{Workload: "echo", StoreDir: store}, "Expected a --bin"},
		{"unknown workload", Config{Workload: "nope", Bin: bin, StoreDir: store}, `unknown workload "nope"`},
		{"unknown consistency model", Config{Workload: "txn-rw-register", Bin: bin, ConsistencyModels: []string{"read-comitted"}, StoreDir: store}, `unknown consistency model "read-comitted"`},
		{"bad topology", Config{Workload: "broadcast", Bin: bin, Topology: "ring", StoreDir: store}, `unknown --topology "ring"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := Validate(tc.cfg)
			if tc.want == "" {
				require.NoError(t, err)
			} else {
				var bad *ConfigError
				require.ErrorAs(t, err, &bad)
				assert.Contains(t, err.Error(), tc.want)
			}
			assert.NoDirExists(t, store, "Validate writes nothing")
		})
	}
}

// TestOutOfRange: values a Go caller may put in a Config that no run could
// honour are a one-line *ConfigError, never a flood, an overflow or a hang.
func TestOutOfRange(t *testing.T) {
	bin := executable(t)
	many := make([]string, MaxNodes+1)
	for i := range many {
		many[i] = fmt.Sprintf("x%d", i)
	}
	cases := []struct {
		name string
		cfg  Config
		want string
	}{
		{"negative node count", Config{NodeCount: -1}, "--node-count must be positive"},
		{"a billion nodes", Config{NodeCount: 1e9}, "more nodes than eddy runs"},
		{"too many named nodes", Config{Nodes: many}, "more than eddy runs"},
		{"concurrency overflow", Config{NodeCount: 5, Concurrency: "4611686018427387904n"}, "more worker threads"},
		{"negative time limit", Config{TimeLimit: -time.Second}, "--time-limit must be positive"},
		{"time limit over a year", Config{TimeLimit: MaxDuration + 1}, "longer than eddy runs"},
		{"NaN rate", Config{Rate: math.NaN()}, "--rate must be a finite number"},
		{"infinite rate", Config{Rate: math.Inf(1)}, "--rate must be a finite number"},
		{"negative rate", Config{Rate: -1}, "--rate must not be negative"},
		{"vanishing rate", Config{Rate: 1e-20}, "too low to schedule anything"},
		{"negative latency", Config{Latency: -time.Millisecond}, "--latency must not be negative"},
		{"latency over an hour", Config{Latency: MaxLatency + time.Millisecond}, "longer than eddy simulates"},
		{"negative nemesis interval", Config{NemesisInterval: -1}, "--nemesis-interval must be positive"},
		{"nemesis interval of a nanosecond", Config{NemesisInterval: 1}, "shorter than eddy schedules"},
		{"nemesis interval over a year", Config{NemesisInterval: MaxDuration + 1}, "longer than eddy runs"},
		{"negative key count", Config{KeyCount: -1}, "--key-count must be positive"},
		{"huge key count", Config{KeyCount: MaxKeyCount + 1}, "--key-count 10001 is more than eddy generates"},
		{"huge transactions", Config{MaxTxnLength: MaxTxnLen + 1}, "--max-txn-length"},
		{"negative writes per key", Config{MaxWritesPerKey: -1}, "--max-writes-per-key must be positive"},
		{"NaN availability", Config{Availability: "NaN"}, "--availability"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Bin = bin
			_, err := resolve(tc.cfg)
			var bad *ConfigError
			require.ErrorAs(t, err, &bad)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "\n")
		})
	}
	// The limits themselves are accepted, and a zero rate given as such.
	s, err := resolve(Config{Bin: bin, NodeCount: MaxNodes, Concurrency: "10n", TimeLimit: MaxDuration, Rate: MinRate,
		Latency: MaxLatency, NemesisInterval: MinNemesisInterval, KeyCount: MaxKeyCount, MaxTxnLength: MaxTxnLen})
	require.NoError(t, err)
	assert.Equal(t, MaxConcurrency, s.concurrency)
	s, err = resolve(Config{Bin: bin, RateSet: true})
	require.NoError(t, err)
	assert.Zero(t, s.Rate)
}
