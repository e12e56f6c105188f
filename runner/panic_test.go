package runner_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/runner"
)

// panicAt returns a hook that panics in the guarded part named what.
func panicAt(what string) func(string) {
	return func(part string) {
		if part == what {
			panic("injected failure in " + what + "\nsecond line")
		}
	}
}

// TestPanicsAreContained makes one part of a run panic at a time: the run
// still stores its history and everything else, the part's verdict is
// unknown, the diagnosis names it and PanicLog has the stack, and the exit
// status follows the merged verdict.
func TestPanicsAreContained(t *testing.T) {
	t.Parallel()
	echo := bins.MustBuild(t, "nodes/echo")
	badecho := bins.MustBuild(t, "runner/testdata/nodes/badecho")
	cases := []struct {
		name, part string
		bin        string
		valid      check.Verdict
		missing    []string // files the failure leaves out
		unknown    string   // the checker whose verdict becomes unknown
	}{
		{"workload checker", "the workload checker", echo, check.Unknown, nil, "workload"},
		{"stats checker", "the stats checker", echo, check.Unknown, nil, "stats"},
		{"stats checker, invalid run", "the stats checker", badecho, check.Invalid, nil, "stats"},
		{"net checker", "the net checker", echo, check.Unknown, nil, "net"},
		{"a plot", "latency-raw.svg", echo, check.Valid, []string{"latency-raw.svg"}, ""},
		{"every plot", "the plots", echo, check.Valid, []string{"latency-raw.svg", "rate.svg"}, ""},
		{"the diagram", "messages.svg", echo, check.Valid, []string{"messages.svg"}, ""},
		{"the page", "index.html", echo, check.Valid, []string{"index.html"}, ""},
		{"the results writer", "the results writer", echo, check.Valid, []string{"results.edn", "results.json"}, ""},
		{"the history writer", "the writer of history.edn and history.txt", echo, check.Valid, []string{"history.edn", "history.txt"}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := quick(t, "echo", tc.bin, 1)
			cfg.TimeLimit = time.Second
			if tc.bin == badecho {
				cfg.Args = []string{"previous"}
			}
			res := run(t, runner.WithHook(cfg, panicAt(tc.part)))
			assert.Equal(t, tc.valid, res.Valid, edn.String(res.Results))
			assert.Equal(t, map[check.Verdict]int{check.Valid: 0, check.Invalid: 1, check.Unknown: 2}[tc.valid], res.ExitCode())
			assert.True(t, containsLine(res.Problems, "eddy bug: "+tc.part+" panicked (injected failure in "+tc.part+" second line)"), "%q", res.Problems)
			for _, p := range res.Problems {
				assert.NotContains(t, p, "\n")
			}
			if tc.unknown != "" {
				assert.Equal(t, edn.Keyword("unknown"), get(t, res.Results, tc.unknown, "valid?"))
				assert.Contains(t, get(t, res.Results, tc.unknown, "error"), "panicked: injected failure")
			}
			for _, f := range []string{"results.edn", "results.json", "history.edn", "history.txt", "net-journal.jsonl", "test.json", "index.html", "messages.svg", "latency-raw.svg", "rate.svg"} {
				if slicesContains(tc.missing, f) {
					assert.NoFileExists(t, filepath.Join(res.Dir, f))
				} else {
					assert.FileExists(t, filepath.Join(res.Dir, f))
				}
			}
			if !slicesContains(tc.missing, "results.edn") {
				stored, err := os.ReadFile(filepath.Join(res.Dir, "results.edn"))
				require.NoError(t, err)
				assert.Contains(t, string(stored), tc.part+" panicked", "the diagnosis is in results.edn")
			}
			stack, err := os.ReadFile(filepath.Join(res.Dir, runner.PanicLog))
			require.NoError(t, err)
			assert.Contains(t, string(stack), tc.part+" panicked: injected failure")
			assert.Contains(t, string(stack), "goroutine ", "the log holds the stack")
		})
	}
}

func slicesContains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// TestClientPanicIsContained: a panic in a workload's client while the run
// goes on makes that operation indeterminate; the run completes.
func TestClientPanicIsContained(t *testing.T) {
	t.Parallel()
	cfg := quick(t, "echo", bins.MustBuild(t, "nodes/echo"), 1)
	cfg.TimeLimit = time.Second
	res := run(t, runner.WithHook(cfg, panicAt("the echo client")))
	assert.Empty(t, res.Aborted)
	assert.True(t, containsLine(res.Problems, "eddy bug: the echo client panicked (injected failure"), "%q", res.Problems)
	assert.Greater(t, get(t, res.Results, "stats", "info-count").(int64), int64(0))
	hist, err := os.ReadFile(filepath.Join(res.Dir, "history.edn"))
	require.NoError(t, err)
	assert.Contains(t, string(hist), "eddy bug: the client panicked: injected failure")
}

// TestAnalyzeContainsPanics: eddy analyze recovers the same way, and a panic
// outside every checker is a one-line error, never a crash.
func TestAnalyzeContainsPanics(t *testing.T) {
	t.Parallel()
	cfg := quick(t, "echo", bins.MustBuild(t, "nodes/echo"), 1)
	cfg.TimeLimit = time.Second
	res := run(t, cfg)
	require.Equal(t, check.Valid, res.Valid)

	an, err := runner.AnalyzeWithHook(context.Background(), res.Dir, panicAt("the workload checker"))
	require.NoError(t, err)
	assert.Equal(t, check.Unknown, an.Valid)
	assert.Equal(t, 2, an.ExitCode())
	assert.True(t, containsLine(an.Problems, "eddy bug: the workload checker panicked"), "%q", an.Problems)
	assert.FileExists(t, filepath.Join(res.Dir, "index.html"))

	_, err = runner.AnalyzeWithHook(context.Background(), res.Dir, panicAt("eddy analyze"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "eddy bug: the analysis panicked (injected failure in eddy analyze second line)")
	assert.NotContains(t, err.Error(), "\n")
	stack, err := os.ReadFile(filepath.Join(res.Dir, runner.PanicLog))
	require.NoError(t, err)
	assert.Equal(t, 2, strings.Count(string(stack), "panicked: injected failure"), "both panics are logged")

	// The history was never touched: a plain re-analysis is valid again.
	an, err = runner.Analyze(context.Background(), res.Dir)
	require.NoError(t, err)
	assert.Equal(t, check.Valid, an.Valid)
}
