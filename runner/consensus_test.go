package runner_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/edn"
)

// TestConsensusNodesUnderPartitions runs the Raft and Multi-Paxos lin-kv
// nodes on five nodes through partitions that change every second or so:
// every run must be linearizable, clean of protocol problems, and serve
// operations; each node logs its leader changes in the documented form.
func TestConsensusNodesUnderPartitions(t *testing.T) {
	t.Parallel()
	for _, pkg := range []string{"nodes/raft", "nodes/paxos"} {
		t.Run(pkg, func(t *testing.T) {
			t.Parallel()
			cfg := quick(t, "lin-kv", bins.MustBuild(t, pkg), 5)
			cfg.Concurrency = "2n"
			cfg.Rate = 100
			cfg.TimeLimit = 6 * time.Second
			cfg.Nemesis = []string{"partition"}
			cfg.NemesisInterval = time.Second
			res := run(t, cfg)
			require.Equal(t, check.Valid, res.Valid, edn.String(get(t, res.Results, "workload")))
			for _, p := range res.Problems {
				// Requests a node took while cut off from the leader and
				// passed on may commit or not: their clients time out,
				// and eddy names the nodes that left requests unanswered.
				// No other problem is allowed, nor an answer after the
				// client gave up.
				assert.Regexp(t, `^node n\d never replied to \d+ of \d+ \w+ requests \(timed out after 1 s\)$`, p)
			}
			assert.Positive(t, get(t, res.Results, "stats", "ok-count"))
			logs, err := filepath.Glob(filepath.Join(res.Dir, "node-logs", "*.log"))
			require.NoError(t, err)
			leaders := 0
			for _, f := range logs {
				b, err := os.ReadFile(f)
				require.NoError(t, err)
				for _, line := range strings.Split(string(b), "\n") {
					if strings.HasPrefix(line, "eddy: leader ") {
						leaders++
					}
				}
			}
			assert.Positive(t, leaders, "no node logged becoming leader")
		})
	}
}
