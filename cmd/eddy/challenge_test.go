package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/internal/challenge"
)

func TestChallengeBadArguments(t *testing.T) {
	t.Setenv("MAELSTROM", "")
	t.Setenv("PATH", t.TempDir()) // no maelstrom anywhere
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no ids", []string{"challenge"}, "no challenge given"},
		{"unknown id", []string{"challenge", "7"}, `unknown challenge "7"`},
		{"unknown engine", []string{"challenge", "--engine", "jvm", "1"}, "--engine must be eddy or maelstrom"},
		{"no maelstrom", []string{"challenge", "--engine", "maelstrom", "1"}, "--engine maelstrom needs Maelstrom"},
		{"seed on maelstrom", []string{"challenge", "--engine", "maelstrom", "--maelstrom", "/bin/true", "--seed", "3", "1"}, "--seed applies to the eddy engine only"},
		{"bad seed", []string{"challenge", "--seed", "x", "1"}, "--seed must be a non-negative integer"},
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

// TestChallengeOnEddy runs challenge 1 for real and checks what it writes.
func TestChallengeOnEddy(t *testing.T) {
	t.Parallel()
	results, store, binDir := t.TempDir(), t.TempDir(), t.TempDir()
	code, out, errOut := eddy(t, "challenge", "--seed", "7", "--results", results, "--store", store, "--bin-dir", binDir, "1")
	require.Equal(t, 0, code, "stderr: %s", errOut)
	assert.Contains(t, out, "| 1 Echo | true | 0 |")
	assert.Contains(t, errOut, "challenge 1: met")
	assert.FileExists(t, filepath.Join(binDir, "echo"), "the node was built")

	var rec challenge.Record
	data, err := os.ReadFile(filepath.Join(results, "1.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &rec))
	assert.Equal(t, "eddy", rec.Engine)
	require.NotNil(t, rec.Seed)
	assert.Equal(t, uint64(7), *rec.Seed)
	assert.True(t, rec.Met)
	assert.Equal(t, "eddy test -w echo --bin "+filepath.Join(binDir, "echo")+" --node-count 1 --time-limit 10 --seed 7", rec.Command)
	readme, err := os.ReadFile(filepath.Join(results, "README.md"))
	require.NoError(t, err)
	assert.Contains(t, string(readme), "| 1 Echo | true |")
}

// TestChallengeOnMaelstrom runs the maelstrom engine against a stand-in
// launcher that writes a Maelstrom-shaped results.edn, as the real one
// does, and checks that the figures and targets come out of it.
func TestChallengeOnMaelstrom(t *testing.T) {
	t.Parallel()
	fixture, err := filepath.Abs("../../edn/testdata/maelstrom-results.edn")
	require.NoError(t, err)
	dir := t.TempDir()
	fake := filepath.Join(dir, "fake maelstrom") // a space in the path, on purpose
	script := "#!/bin/sh\necho \"$@\" > args.txt\nmkdir -p store/latest\ncp '" + fixture + "' store/latest/results.edn\n"
	require.NoError(t, os.WriteFile(fake, []byte(script), 0o755))

	results, store, binDir := t.TempDir(), t.TempDir(), t.TempDir()
	code, out, errOut := eddy(t, "challenge", "--engine", "maelstrom", "--maelstrom", fake,
		"--results", results, "--store", store, "--bin-dir", binDir, "3d")
	t.Log(out, errOut)
	var rec challenge.Record
	data, err := os.ReadFile(filepath.Join(results, "3d.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &rec))
	assert.Equal(t, "maelstrom", rec.Engine)
	assert.Nil(t, rec.Seed)
	assert.Empty(t, rec.Aborted)
	require.NotNil(t, rec.Figures.ServerMsgsPerOp)
	assert.Equal(t, rec.Met, code == 0)

	args, err := os.ReadFile(filepath.Join(store, "maelstrom", "3d", "args.txt"))
	require.NoError(t, err)
	assert.Equal(t, "test -w broadcast --bin "+filepath.Join(binDir, "broadcast")+" --node-count 25 --time-limit 20 --rate 100 --latency 100 -- -strategy latency", strings.TrimSpace(string(args)))
}

// TestChallengeMaelstromWithoutResults: a launcher that writes nothing is a
// clear abort, not a crash.
func TestChallengeMaelstromWithoutResults(t *testing.T) {
	t.Parallel()
	results, store, binDir := t.TempDir(), t.TempDir(), t.TempDir()
	code, _, errOut := eddy(t, "challenge", "--engine", "maelstrom", "--maelstrom", "/bin/false",
		"--results", results, "--store", store, "--bin-dir", binDir, "1")
	assert.Equal(t, exitAborted, code)
	assert.Contains(t, errOut, "maelstrom wrote no readable results")
}

// TestChallengeLeavesTheCheckoutAlone: by default the records and the
// table go under the store, not to results/ in the working directory;
// an empty --results writes none, and --results DIR writes there.
func TestChallengeLeavesTheCheckoutAlone(t *testing.T) {
	fixture, err := filepath.Abs("../../internal/edn/testdata/maelstrom-results.edn")
	require.NoError(t, err)
	dir := t.TempDir()
	fake := filepath.Join(dir, "maelstrom")
	script := "#!/bin/sh\nmkdir -p store/latest\ncp '" + fixture + "' store/latest/results.edn\n"
	require.NoError(t, os.WriteFile(fake, []byte(script), 0o755))
	work := t.TempDir()
	t.Chdir(work)
	require.NoError(t, os.MkdirAll("bin", 0o755))
	require.NoError(t, os.WriteFile(filepath.Join("bin", "broadcast"), []byte("#!/bin/sh\n"), 0o755))
	args := []string{"challenge", "--engine", "maelstrom", "--maelstrom", fake, "--no-build"}

	eddy(t, append(args, "3d")...)
	_, err = os.Stat("results")
	assert.ErrorIs(t, err, os.ErrNotExist, "results/ is left alone")
	records, err := filepath.Glob(filepath.Join("store", "challenges", "*", "3d.json"))
	require.NoError(t, err)
	require.Len(t, records, 1)
	assert.FileExists(t, filepath.Join(filepath.Dir(records[0]), "README.md"))

	require.NoError(t, os.RemoveAll("store"))
	eddy(t, append(args, "--results", "", "3d")...)
	_, err = os.Stat(filepath.Join("store", "challenges"))
	assert.ErrorIs(t, err, os.ErrNotExist, "--results '' writes no records")

	eddy(t, append(args, "--results", "results", "3d")...)
	assert.FileExists(t, filepath.Join("results", "3d.json"))
	assert.FileExists(t, filepath.Join("results", "README.md"))
}
