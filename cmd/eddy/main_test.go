package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/testbin"
	"github.com/eddy-workbench/eddy/runner"
)

var bins *testbin.Builder

func TestMain(m *testing.M) {
	testbin.Main(func(b *testbin.Builder) int {
		bins = b
		return m.Run()
	})
}

func eddy(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestBadArgumentsExit254WithOneLine(t *testing.T) {
	echo := bins.MustBuild(t, "nodes/echo")
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no command", nil, "Usage"},
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"unknown flag", []string{"test", "--frobnicate"}, "flag provided but not defined: -frobnicate"},
		{"missing bin", []string{"test", "-w", "echo"}, "Expected a --bin"},
		{"bin does not exist", []string{"test", "-w", "echo", "--bin", "/nonexistent/node"}, "no such file"},
		{"unknown workload", []string{"test", "-w", "nope", "--bin", echo}, `unknown workload "nope"`},
		{"bad time limit", []string{"test", "-w", "echo", "--bin", echo, "--time-limit", "soon"}, "expected a number of seconds"},
		{"bad seed", []string{"test", "-w", "echo", "--bin", echo, "--seed", "-1"}, "--seed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := eddy(t, append(tc.args, "--store", t.TempDir())...)
			if tc.args == nil {
				code, _, errOut = eddy(t)
			}
			assert.Equal(t, exitBadArgs, code)
			assert.Contains(t, errOut, tc.want)
			if tc.args != nil {
				assert.Equal(t, 1, strings.Count(errOut, "\n"), "one line: %q", errOut)
			}
		})
	}
}

func TestHelpListsMaelstromFlags(t *testing.T) {
	code, out, _ := eddy(t, "test", "--help")
	require.Equal(t, 0, code)
	for _, f := range []string{"-bin", "-workload", "-node-count", "-concurrency", "-time-limit", "-rate",
		"-latency", "-latency-dist", "-nemesis", "-nemesis-interval", "-topology", "-availability",
		"-consistency-models", "-key-count", "-max-txn-length", "-max-writes-per-key", "-log-stderr",
		"-log-net-send", "-log-net-recv", "-test-count", "-leave-db-running", "-seed", "-strict"} {
		assert.Regexp(t, `(?m)^  `+f+`( |$)`, out)
	}
}

func TestEchoRunExitsZero(t *testing.T) {
	echo := bins.MustBuild(t, "nodes/echo")
	store := t.TempDir()
	code, out, errOut := eddy(t, "test", "-w", "echo", "--bin", echo, "--node-count", "1",
		"--time-limit", "1", "--rate", "20", "--seed", "7", "--store", store)
	require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Contains(t, out, "Everything looks good!")
	assert.Contains(t, out, "seed 7")
	assert.Contains(t, out, ":valid? true")
	assert.FileExists(t, filepath.Join(store, "latest", "results.edn"))
}

// TestNodeArgumentsAfterDoubleDash checks that arguments after -- reach the
// binary: the misbehave node is told to never answer init, so the run aborts.
func TestNodeArgumentsAfterDoubleDash(t *testing.T) {
	bin := bins.MustBuild(t, "runner/testdata/nodes/misbehave")
	code, out, _ := eddy(t, "test", "-w", "echo", "--bin", bin, "--node-count", "1",
		"--time-limit", "1", "--store", t.TempDir(), "--", "exit-after", "0")
	assert.Equal(t, exitAborted, code)
	assert.Contains(t, out, "crashed")
}

// TestWarningsFollowTheVerdict: findings of eddy's own checks are printed
// under Maelstrom's verdict, where they cannot be missed.
func TestWarningsFollowTheVerdict(t *testing.T) {
	var out bytes.Buffer
	res := runner.Result{Dir: "store/x", Seed: 1, Valid: check.Valid, Results: edn.NewMap(edn.Keyword("valid?"), true),
		Warnings: []string{"Maelstrom would pass this run, but not every node converged: n1–n4 lack 45 (…)"}}
	require.Equal(t, 0, printVerdict(res, &out))
	verdict := strings.Index(out.String(), "Everything looks good!")
	warning := strings.Index(out.String(), "WARNING: Maelstrom would pass this run, but not every node converged: n1–n4 lack 45")
	require.True(t, verdict >= 0 && warning > verdict, out.String())
}
