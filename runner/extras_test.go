package runner_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/edn"
)

// TestCRDTNodes runs the g-set and pn-counter nodes, each strategy, on
// five nodes under partitions: every element must reach every node, and
// every final counter read must agree.
func TestCRDTNodes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ workload, pkg, strategy string }{
		{"g-set", "nodes/gset", "state"}, {"g-set", "nodes/gset", "delta"},
		{"pn-counter", "nodes/pncounter", "state"}, {"pn-counter", "nodes/pncounter", "delta"},
	} {
		t.Run(tc.workload+"/"+tc.strategy, func(t *testing.T) {
			t.Parallel()
			cfg := quick(t, tc.workload, bins.MustBuild(t, tc.pkg), 5)
			cfg.TimeLimit = 3 * time.Second
			cfg.Rate = 40
			cfg.Args = []string{"-strategy", tc.strategy, "-round", "200ms"}
			cfg.Nemesis = []string{"partition"}
			cfg.NemesisInterval = 500 * time.Millisecond
			cfg.RecoveryWait = 2 * time.Second
			res := run(t, cfg)
			require.Equal(t, check.Valid, res.Valid, edn.String(get(t, res.Results, "workload")))
			require.Empty(t, res.Problems)
			require.Empty(t, res.Warnings)
			hist, err := os.ReadFile(filepath.Join(res.Dir, "history.edn"))
			require.NoError(t, err)
			assert.Contains(t, string(hist), ":f :start-partition", "partitioned")
			if tc.workload == "g-set" {
				assert.Equal(t, int64(0), get(t, res.Results, "workload", "lost-count"))
				assert.Greater(t, get(t, res.Results, "workload", "stable-count").(int64), int64(0))
				return
			}
			assert.Equal(t, true, get(t, res.Results, "workload", "convergence", "converged?"))
			finals := get(t, res.Results, "workload", "final-reads").([]any)
			require.Len(t, finals, 5)
			for _, f := range finals {
				assert.Equal(t, finals[0], f, "converged")
			}
		})
	}
}

// TestListAppendNode runs the transactor on three nodes under partitions:
// the history must be strictly serializable, and the nodes must have
// committed through lin-kv and seq-kv, retrying refused compare-and-sets.
func TestListAppendNode(t *testing.T) {
	t.Parallel()
	cfg := quick(t, "txn-list-append", bins.MustBuild(t, "nodes/listappend"), 3)
	cfg.TimeLimit = 3 * time.Second
	cfg.Rate = 200
	cfg.Concurrency = "2n"
	cfg.ConsistencyModels = []string{"strict-serializable"}
	cfg.Nemesis = []string{"partition"}
	cfg.NemesisInterval = 500 * time.Millisecond
	res := run(t, cfg)
	require.Equal(t, check.Valid, res.Valid, edn.String(get(t, res.Results, "workload")))
	require.Empty(t, res.Problems)
	assert.Greater(t, get(t, res.Results, "stats", "ok-count").(int64), int64(100))
	// The nodes' last stats lines add up to every transaction answered.
	stats := regexp.MustCompile(`stats txns=(\d+) .* cas=(\d+) conflicts=(\d+)`)
	var txns, cas int
	for _, n := range []string{"n0", "n1", "n2"} {
		log, err := os.ReadFile(filepath.Join(res.Dir, "node-logs", n+".log"))
		require.NoError(t, err)
		all := stats.FindAllSubmatch(log, -1)
		require.NotEmpty(t, all, "%s logged no stats", n)
		last := all[len(all)-1]
		x, _ := strconv.Atoi(string(last[1]))
		c, _ := strconv.Atoi(string(last[2]))
		txns += x
		cas += c
	}
	assert.Greater(t, cas, 0)
	assert.LessOrEqual(t, int64(txns), get(t, res.Results, "stats", "count").(int64))
}
