package runner_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/runner"
)

// TestHostileOutput runs nodes whose output is legal but hostile JSON, or
// not acceptable at all: each gets a one-line diagnosis naming the node, the
// run never panics, and what is stored re-analyses to the same verdict and
// the same results.
func TestHostileOutput(t *testing.T) {
	t.Parallel()
	bin := bins.MustBuild(t, "runner/testdata/nodes/misbehave")
	cases := []struct {
		name, mode, workload string
		problem              string
		valid                check.Verdict
	}{
		{"repeated keys in echo replies", "dup-keys", "echo", `a body that repeats the key "echo" in an object (the last value counts)`, check.Valid},
		// Map ids: Maelstrom's checker cannot order them.
		{"repeated keys in ids", "dup-keys", "unique-ids", `node n0 sent c1 a body that repeats the key "id"`, check.Unknown},
		{"numbers beyond float64", "huge-numbers", "unique-ids", "has the number 1e400, beyond a 64-bit float's range", check.Valid},
		{"integers beyond 64 bits", "huge-numbers", "unique-ids", "has the integer 1234567890123456789012345678902, beyond 64 bits", check.Valid},
		// A vector id among strings: Maelstrom's checker cannot order them.
		{"deep nesting", "deep", "unique-ids", "node n0 printed a line nested more than 10000 levels deep", check.Unknown},
		{"a line over the limit", "huge-line", "unique-ids", "node n0 printed a 2097", check.Valid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := quick(t, tc.workload, bin, 1)
			cfg.TimeLimit = 1500 * time.Millisecond
			cfg.Args = []string{tc.mode}
			res := run(t, cfg)
			require.Empty(t, res.Aborted)
			assert.Equal(t, tc.valid, res.Valid, edn.String(res.Results))
			assert.True(t, containsLine(res.Problems, tc.problem), "no diagnosis %q in %q", tc.problem, res.Problems)
			for _, p := range res.Problems {
				assert.NotContains(t, p, "\n", "a diagnosis is one line")
				assert.Contains(t, p, "n0")
			}
			assert.NoFileExists(t, filepath.Join(res.Dir, runner.PanicLog))

			an, err := runner.Analyze(context.Background(), res.Dir)
			require.NoError(t, err)
			assert.Equal(t, res.Valid, an.Valid)
			for _, k := range []string{"workload", "stats", "availability", "net"} {
				assert.Equal(t, edn.String(get(t, res.Results, k)), edn.String(get(t, an.Results, k)), k)
			}
			hist, err := os.ReadFile(filepath.Join(res.Dir, "history.edn"))
			require.NoError(t, err)
			switch tc.mode {
			case "dup-keys":
				assert.NotContains(t, string(hist), "not this", "the last value counts")
				assert.NotContains(t, string(hist), `"seq" -1`, "the last value counts")
			case "huge-numbers":
				assert.Contains(t, string(hist), "##Inf")
				assert.Contains(t, string(hist), "1234567890123456789012345678902N")
			case "deep":
				assert.Contains(t, string(hist), `[[[[["n0-deep"]]]]]`)
			}
		})
	}
}
