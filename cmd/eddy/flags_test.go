package main

import (
	"errors"
	"flag"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNumericFlags: every numeric flag of eddy test, given a bad, absurd or
// zero value, is a one-line error with exit status 254 naming the flag, or
// a value that is used as typed: an explicit zero is never replaced by a
// default.
func TestNumericFlags(t *testing.T) {
	echo := bins.MustBuild(t, "nodes/echo")
	bad := []struct {
		args []string
		want string
	}{
		{[]string{"--node-count", "0"}, `invalid value "0" for flag -node-count: must be a positive integer`},
		{[]string{"--node-count", "-3"}, `-node-count: must be a positive integer`},
		{[]string{"--node-count", "1e9"}, `-node-count: must be a positive integer, got "1e9"`},
		{[]string{"--node-count", "1000000000"}, "--node-count 1000000000 is more nodes than eddy runs (at most 1000"},
		{[]string{"--node-count", "99999999999999999999"}, `-node-count: must be a positive integer`},
		{[]string{"--time-limit", "0"}, `-time-limit: must be a positive number of seconds, got "0"`},
		{[]string{"--time-limit", "-5"}, `-time-limit: must be a positive number of seconds`},
		{[]string{"--time-limit", "NaN"}, `-time-limit: expected a number of seconds, got "NaN"`},
		{[]string{"--time-limit", "Inf"}, `-time-limit: expected a number of seconds`},
		{[]string{"--time-limit", "1e300"}, `invalid value "1e300" for flag -time-limit: 1e300 seconds is longer than eddy runs (at most a year, 3.1536e+07 s)`},
		{[]string{"--time-limit", "1e8"}, "1e8 seconds is longer than eddy runs"},
		{[]string{"--rate", "NaN"}, "--rate must be a finite number of requests per second, got NaN"},
		{[]string{"--rate", "Inf"}, "--rate must be a finite number of requests per second, got +Inf"},
		{[]string{"--rate", "-Inf"}, "--rate must be a finite number"},
		{[]string{"--rate", "-1"}, "--rate must not be negative, got -1"},
		{[]string{"--rate", "1e-20"}, "--rate 1e-20 is too low to schedule anything"},
		{[]string{"--rate", "fast"}, `invalid value "fast" for flag -rate`},
		{[]string{"--latency", "-1"}, "--latency must not be negative, got -1"},
		{[]string{"--latency", "99999999999999"}, "--latency 99999999999999 ms is longer than eddy simulates"},
		{[]string{"--latency", "1.5"}, `invalid value "1.5" for flag -latency`},
		{[]string{"--nemesis-interval", "0"}, `-nemesis-interval: must be a positive number of seconds`},
		{[]string{"--nemesis-interval", "-1"}, `-nemesis-interval: must be a positive number of seconds`},
		{[]string{"--nemesis-interval", "1e-9"}, "--nemesis-interval 1ns is shorter than eddy schedules (at least 1ms)"},
		{[]string{"--nemesis-interval", "1e12"}, "-nemesis-interval: 1e12 seconds is longer than eddy runs"},
		{[]string{"--concurrency", "0"}, `--concurrency must be a positive integer or <k>n, got "0"`},
		{[]string{"--concurrency", "0n"}, `--concurrency must be a positive integer or <k>n, got "0n"`},
		{[]string{"--concurrency", "-2n"}, "--concurrency must be a positive integer"},
		{[]string{"--concurrency", "1000000000n"}, "--concurrency 1000000000n is more worker threads than eddy runs (at most 10000)"},
		{[]string{"--concurrency", "99999999999999999999"}, "--concurrency must be a positive integer"},
		{[]string{"--key-count", "0"}, `-key-count: must be a positive integer, got "0"`},
		{[]string{"--key-count", "10000000"}, "--key-count 10000000 is more than eddy generates (at most 10000)"},
		{[]string{"--max-txn-length", "0"}, `-max-txn-length: must be a positive integer`},
		{[]string{"--max-txn-length", "1000000"}, "--max-txn-length 1000000 is more than eddy generates"},
		{[]string{"--max-writes-per-key", "0"}, `-max-writes-per-key: must be a positive integer`},
		{[]string{"--max-writes-per-key", "-16"}, `-max-writes-per-key: must be a positive integer`},
		{[]string{"--test-count", "0"}, `-test-count: must be a positive integer`},
		{[]string{"--availability", "NaN"}, "--availability must be total or a number between 0 and 1"},
		{[]string{"--availability", "1.5"}, "--availability must be total or a number between 0 and 1"},
		{[]string{"--seed", "-1"}, "--seed must be a non-negative integer"},
		{[]string{"--seed", "99999999999999999999"}, "--seed must be a non-negative integer"},
	}
	for _, tc := range bad {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			args := append([]string{"test", "-w", "echo", "--bin", echo, "--store", t.TempDir()}, tc.args...)
			code, out, errOut := eddy(t, args...)
			assert.Equal(t, exitBadArgs, code)
			assert.Empty(t, out)
			assert.Contains(t, errOut, tc.want)
			assert.Equal(t, 1, strings.Count(errOut, "\n"), "one line: %q", errOut)
		})
	}

	// Zeros Maelstrom accepts are used as typed; others are kept as given.
	good := []struct {
		args  []string
		check func(t *testing.T, rate float64, latency, limit, interval time.Duration, avail string)
	}{
		{[]string{"--rate", "0"}, func(t *testing.T, rate float64, _, _, _ time.Duration, _ string) { assert.Equal(t, 0.0, rate) }},
		{[]string{"--rate", "1e300"}, func(t *testing.T, rate float64, _, _, _ time.Duration, _ string) { assert.Equal(t, 1e300, rate) }},
		{[]string{"--latency", "0"}, func(t *testing.T, _ float64, latency, _, _ time.Duration, _ string) { assert.Zero(t, latency) }},
		{[]string{"--availability", "0"}, func(t *testing.T, _ float64, _, _, _ time.Duration, a string) { assert.Equal(t, "0", a) }},
		{[]string{"--time-limit", "1e-12"}, func(t *testing.T, _ float64, _, limit, _ time.Duration, _ string) {
			assert.Equal(t, time.Nanosecond, limit, "a tiny positive time limit stays positive")
		}},
		{[]string{"--time-limit", "0.5", "--nemesis-interval", "100"}, func(t *testing.T, _ float64, _, limit, interval time.Duration, _ string) {
			assert.Equal(t, 500*time.Millisecond, limit)
			assert.Equal(t, 100*time.Second, interval)
		}},
	}
	for _, tc := range good {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			cfg, n, err := parseTest(append([]string{"-w", "echo", "--bin", echo}, tc.args...))
			require.NoError(t, err)
			assert.Equal(t, 1, n)
			tc.check(t, cfg.Rate, cfg.Latency, cfg.TimeLimit, cfg.NemesisInterval, cfg.Availability)
		})
	}

	// Maelstrom's defaults when nothing is given.
	cfg, n, err := parseTest([]string{"-w", "echo", "--bin", echo})
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Equal(t, 60*time.Second, cfg.TimeLimit)
	assert.Equal(t, 10*time.Second, cfg.NemesisInterval)
	assert.Equal(t, 5.0, cfg.Rate)
	assert.True(t, cfg.RateSet)
	assert.Equal(t, 0, cfg.NodeCount, "default nodes n1…n5")
	assert.Equal(t, 4, cfg.MaxTxnLength)
	assert.Equal(t, 16, cfg.MaxWritesPerKey)
}

// FuzzTestFlags: whatever the arguments, eddy test's parser never panics,
// and either gives a configuration runner.Validate accepts or a one-line
// error, which eddy test reports with exit status 254.
func FuzzTestFlags(f *testing.F) {
	for _, s := range []string{
		"--rate NaN", "--rate 1e-20", "--time-limit 0", "--node-count 0", "--node-count 1000000000",
		"--concurrency 3n --node-count 3", "--latency -1", "--nemesis-interval 1e300", "--nemesis partition",
		"--availability total", "--key-count 5 -w txn-rw-register", "--nodes a,b --concurrency 9999999n",
		"-w broadcast --topology tree4", "--seed 7 --test-count 2", "--nodes-file /dev/zero", "-h",
		"--consistency-models read-committed,serializable", "-- --node-args", "--time-limit 1e-300",
	} {
		f.Add(s)
	}
	echo, err := bins.Build("nodes/echo")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, line string) {
		args := append([]string{"-w", "echo", "--bin", echo}, strings.Fields(line)...)
		cfg, n, err := parseTest(args)
		switch {
		case errors.Is(err, flag.ErrHelp):
			return
		case err != nil:
			require.NotContains(t, err.Error(), "\n", "one line")
			code, out, errOut := eddy(t, append([]string{"test"}, args...)...)
			require.Equal(t, exitBadArgs, code, "%q: %s", line, errOut)
			require.Empty(t, out)
			require.Equal(t, 1, strings.Count(errOut, "\n"), "one line: %q", errOut)
		default:
			require.GreaterOrEqual(t, n, 1)
			require.True(t, cfg.TimeLimit > 0 || cfg.TimeLimit == 0 && !strings.Contains(line, "time-limit"))
			require.False(t, cfg.Rate < 0 || cfg.Rate != cfg.Rate)
		}
	})
}
