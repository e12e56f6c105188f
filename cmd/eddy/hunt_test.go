package main

import (
	"flag"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/internal/hunt"
	"github.com/eddy-workbench/eddy/runner"
)

func TestHuntBadArguments(t *testing.T) {
	echo := bins.MustBuild(t, "nodes/echo")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--seeds", "9-1"}, "--seeds: seed range \"9-1\" ends before it starts"},
		{[]string{"--seeds", "x"}, "--seeds: bad seed"},
		{[]string{"-j", "0"}, "-j and --tries must be at least 1"},
		{[]string{"--rate", "-3"}, "--rate"},
	}
	for _, tc := range cases {
		code, _, errOut := eddy(t, append([]string{"hunt", "-w", "echo", "--bin", echo, "--store", t.TempDir()}, tc.args...)...)
		assert.Equal(t, exitBadArgs, code, "%v", tc.args)
		assert.Contains(t, errOut, tc.want)
	}
}

// Colliding ids show within a second on two nodes: the hunt stops at the
// first seed, cannot drop a node (one node has no one to collide with) and
// prints a command that fails again.
func TestHuntFindsAndShrinks(t *testing.T) {
	t.Parallel()
	bin := bins.MustBuild(t, "runner/testdata/nodes/collidingids")
	code, out, errOut := eddy(t, "hunt", "-w", "unique-ids", "--bin", bin, "--node-count", "2", "--time-limit", "1",
		"--rate", "10", "--seeds", "5-7", "--tries", "1", "--reruns", "2", "--store", t.TempDir())
	require.Equal(t, 1, code, "%s\n%s", out, errOut)
	assert.Contains(t, out, "seed 5: INVALID")
	assert.Contains(t, out, "1 failing seed(s): 5")
	assert.Regexp(t, `Smallest failing command:\n  eddy test -w unique-ids --bin \S+ --store \S+ --node-count 2 --concurrency 2 --time-limit 1 --rate [0-9.]+ --seed 5\n`, out)
	assert.Regexp(t, `It failed in [12] of 2 reruns\.`, out)
}

func TestShrunkCommand(t *testing.T) {
	var cfg runner.Config
	n := 1
	fs, _ := testFlags(&cfg, &n)
	fs.String("seeds", "", "")
	fs.Bool("all", false, "")
	args := []string{"-w", "broadcast", "--bin", "./my node", "--nodes=a,b,d", "--all", "--rate", "100", "--seeds", "1-9",
		"--strict", "--nemesis", "partition", "--time-limit=20", "--", "-strategy", "x"}
	require.NoError(t, fs.Parse(args))
	k := hunt.Knobs{Nodes: 2, Concurrency: 2, TimeLimit: 2500 * time.Millisecond, Rate: 12.5, NemesisInterval: 4 * time.Second}
	got := shrunkCommand(args, fs, k, 42)
	assert.Equal(t, `eddy test -w broadcast --bin './my node' --strict --nemesis partition --node-count 2 --concurrency 2 --time-limit 2.5 --rate 12.5 --nemesis-interval 4 --seed 42 -- -strategy x`, got)
	_ = flag.ErrHelp
}
