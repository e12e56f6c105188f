package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAnalyzeExitsAsTheRun runs a valid and an invalid test, then
// re-analyses each stored run: the same verdict line and exit status.
func TestAnalyzeExitsAsTheRun(t *testing.T) {
	cases := []struct {
		name, pkg string
		args      []string
		code      int
		verdict   string
	}{
		{"valid", "nodes/echo", nil, 0, "Everything looks good!"},
		{"invalid", "runner/testdata/nodes/badecho", []string{"--", "previous"}, 1, "Analysis invalid!"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			store := t.TempDir()
			args := append([]string{"test", "-w", "echo", "--bin", bins.MustBuild(t, tc.pkg), "--node-count", "1",
				"--time-limit", "1", "--rate", "20", "--seed", "3", "--store", store}, tc.args...)
			code, out, errOut := eddy(t, args...)
			require.Equal(t, tc.code, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			require.Contains(t, out, tc.verdict)

			code, again, errOut := eddy(t, "analyze", "--store", store)
			assert.Equal(t, tc.code, code, errOut)
			assert.Contains(t, again, tc.verdict)
			// The same results, printed the same way (only the directory differs).
			assert.Equal(t, strings.Split(out, "\nResults in")[0], strings.Split(again, "\nResults in")[0])

			dir, err := filepath.EvalSymlinks(filepath.Join(store, "latest"))
			require.NoError(t, err)
			code, _, errOut = eddy(t, "analyze", dir)
			assert.Equal(t, tc.code, code, errOut)
		})
	}
}

func TestAnalyzeBadArguments(t *testing.T) {
	empty := t.TempDir()
	run := filepath.Join(t.TempDir(), "run")
	require.NoError(t, os.MkdirAll(run, 0o755))
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"an empty store", []string{"analyze", "--store", empty}, "no such run directory"},
		{"a directory that is not a run", []string{"analyze", run}, "test.json: no such file"},
		{"two paths", []string{"analyze", run, run}, "at most one run directory"},
		{"an unknown flag", []string{"analyze", "--frob"}, "flag provided but not defined"},
		{"serve: a bad port", []string{"serve", "--port", "70000"}, "--port must be between 0 and 65535"},
		{"serve: a missing store", []string{"serve", "--port", "0", "--store", filepath.Join(empty, "nope")}, "nope"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := eddy(t, tc.args...)
			assert.Equal(t, exitBadArgs, code)
			assert.Contains(t, errOut, tc.want)
			assert.Equal(t, 1, strings.Count(errOut, "\n"), "one line: %q", errOut)
		})
	}
}

// TestAnalyzeDeletedInvokeLine is the case that once printed "Everything
// looks good!": one invoke line deleted from a stored history. The fault is
// named by its line and the verdict is unknown (exit 2).
func TestAnalyzeDeletedInvokeLine(t *testing.T) {
	store := t.TempDir()
	code, out, errOut := eddy(t, "test", "-w", "echo", "--bin", bins.MustBuild(t, "nodes/echo"), "--node-count", "1",
		"--time-limit", "1", "--rate", "20", "--seed", "3", "--store", store)
	require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	path := filepath.Join(store, "latest", "history.edn")
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	lines := strings.SplitAfter(string(b), "\n")
	require.Contains(t, lines[4], ":type :invoke")
	require.NoError(t, os.WriteFile(path, []byte(strings.Join(append(lines[:4:4], lines[5:]...), "")), 0o644))

	code, out, errOut = eddy(t, "analyze", "--store", store)
	assert.Equal(t, 2, code, errOut)
	assert.Contains(t, out, "problem: history.edn line 5: :index 4 missing before :index 5 (deleted lines?)")
	assert.Contains(t, out, "Errors occurred during analysis, but no anomalies found.")
	assert.NotContains(t, out, "Everything looks good!")
}
