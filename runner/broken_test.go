package runner_test

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/runner"
)

// TestBrokenCorpus runs the deliberately broken test nodes that
// TestBrokenNodesAreInvalid does not: each run must be invalid, and the
// workload's result must name the bug. The bugs are semantic, so no node may
// draw a protocol diagnosis. Parameters are chosen so that every bug shows
// on every run: enough operations reach each node for it to misbehave.
func TestBrokenCorpus(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		workload string
		pkg      string
		args     []string
		nodes    int
		config   func(*runner.Config) // changes to the short default run, if any
		finding  []string             // path to the finding that must be non-empty
		// check, if set, looks closer at the finding and the results.
		check func(t *testing.T, res runner.Result, finding any)
	}{
		{
			name:     "echo that answers with the previous request's text",
			workload: "echo",
			pkg:      "runner/testdata/nodes/badecho",
			args:     []string{"previous"},
			nodes:    1,
			finding:  []string{"workload", "errors"},
			check:    echoesOtherRequests,
		},
		{
			name:     "ids that wrap around after 50 per node",
			workload: "unique-ids",
			pkg:      "runner/testdata/nodes/collidingids",
			args:     []string{"wrap"},
			nodes:    3,
			config: func(c *runner.Config) {
				c.TimeLimit = 3 * time.Second
				c.Rate = 100
			},
			finding: []string{"workload", "duplicated"},
			check:   duplicatesWrapAround,
		},
		{
			name:     "g-set that keeps only the 5 most recent elements",
			workload: "g-set",
			pkg:      "runner/testdata/nodes/brokenbroadcast",
			args:     []string{"gset-recent"},
			nodes:    3,
			config: func(c *runner.Config) {
				c.TimeLimit = 3 * time.Second
			},
			finding: []string{"workload", "lost"},
			check:   atMostRecentSurvive,
		},
		{
			name:     "counter whose reads are stale seq-kv reads",
			workload: "g-counter",
			pkg:      "runner/testdata/nodes/brokencounter",
			args:     []string{"stale"},
			nodes:    3,
			config: func(c *runner.Config) {
				c.Rate = 100
			},
			finding: []string{"workload", "errors"},
		},
		{
			name:     "kafka node that loses acknowledged sends",
			workload: "kafka",
			pkg:      "runner/testdata/nodes/brokenkafka",
			args:     []string{"lose"},
			nodes:    1,
			config: func(c *runner.Config) {
				c.Rate = 300
				c.Concurrency = "2n"
			},
			finding: []string{"workload", "lost-write"},
		},
		{
			name:     "pn-counter that takes negative deltas for 0",
			workload: "pn-counter",
			pkg:      "runner/testdata/nodes/brokencounter",
			args:     []string{"unsigned"},
			nodes:    3,
			config: func(c *runner.Config) {
				c.Rate = 100
			},
			finding: []string{"workload", "errors"},
			check:   finalReadsAgreeTooHigh,
		},
		{
			name:     "broadcast that drops every 10th client broadcast",
			workload: "broadcast",
			pkg:      "runner/testdata/nodes/brokenbroadcast",
			args:     []string{"drop-tenth"},
			nodes:    3,
			config: func(c *runner.Config) {
				c.Rate = 100
			},
			finding: []string{"workload", "lost"},
			check:   lostOnlyTheDropped,
		},
		{
			name:     "lin-kv nodes that never replicate",
			workload: "lin-kv",
			pkg:      "runner/testdata/nodes/brokenlinkv",
			args:     []string{"local"},
			nodes:    3,
			config:   busyKV,
			finding:  []string{"workload", "failures"},
		},
		{
			name:     "lin-kv node whose cas always succeeds",
			workload: "lin-kv",
			pkg:      "runner/testdata/nodes/brokenlinkv",
			args:     []string{"blind-cas"},
			nodes:    1,
			config:   busyKV,
			finding:  []string{"workload", "failures"},
		},
		{
			name:     "txn node that keeps the writes of aborted transactions",
			workload: "txn-rw-register",
			pkg:      "runner/testdata/nodes/brokentxn",
			args:     []string{"aborted"},
			nodes:    1,
			config:   readCommitted,
			finding:  []string{"workload", "anomalies", "G1a"},
			check:    onlyAnomalies("G1a"),
		},
		{
			name:     "txn node that exposes intermediate writes",
			workload: "txn-rw-register",
			pkg:      "runner/testdata/nodes/brokentxn",
			args:     []string{"intermediate"},
			nodes:    1,
			config:   readCommitted,
			finding:  []string{"workload", "anomalies", "G1b"},
			check:    onlyAnomalies("G1b"),
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := quick(t, tc.workload, bins.MustBuild(t, tc.pkg), tc.nodes)
			cfg.Args = tc.args
			cfg.RecoveryWait = 300 * time.Millisecond
			if tc.config != nil {
				tc.config(&cfg)
			}
			res := run(t, cfg)
			require.Equal(t, check.Invalid, res.Valid, edn.String(res.Results))
			require.Equal(t, 1, res.ExitCode())
			assert.Empty(t, res.Problems, "the bug is semantic, not a protocol error")
			finding := get(t, res.Results, tc.finding...)
			require.True(t, nonEmpty(finding), "%v is empty: %s", tc.finding, edn.String(finding))
			if tc.check != nil {
				tc.check(t, res, finding)
			}
			explained(t, res, explanationsOf[tc.name])
		})
	}
}

// TestCorrectNodesStayValid runs the module's own nodes where no other test
// does, as a control for TestBrokenCorpus: a correct node is valid.
func TestCorrectNodesStayValid(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, workload, pkg string
		args                []string
		nodes               int
		lost                bool // whether the result has a :lost-count that must be 0
	}{
		{"g-set on three nodes", "g-set", "nodes/broadcast", nil, 3, true},
		{"lin-kv on one node", "lin-kv", "runner/testdata/nodes/brokenlinkv", []string{"ok"}, 1, false},
		{"lin-kv through the lin-kv service", "lin-kv", "nodes/linkv", nil, 3, false},
		{"txn-rw-register on one node", "txn-rw-register", "runner/testdata/nodes/brokentxn", []string{"ok"}, 1, false},
		{"txn-rw-register on two nodes", "txn-rw-register", "nodes/txn", nil, 2, false},
		{"txn-list-append on one node", "txn-list-append", "runner/testdata/nodes/brokentxn", []string{"ok"}, 1, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := quick(t, tc.workload, bins.MustBuild(t, tc.pkg), tc.nodes)
			cfg.Args = tc.args
			cfg.RecoveryWait = 500 * time.Millisecond
			if tc.workload == "lin-kv" {
				busyKV(&cfg)
			}
			if strings.HasPrefix(tc.workload, "txn") {
				readCommitted(&cfg)
				if tc.nodes == 1 {
					// One node running one transaction at a time.
					cfg.ConsistencyModels = []string{"strict-serializable"}
				}
			}
			res := run(t, cfg)
			require.Equal(t, check.Valid, res.Valid, edn.String(get(t, res.Results, "workload")))
			require.Equal(t, 0, res.ExitCode())
			require.Empty(t, res.Problems)
			require.Empty(t, res.Warnings)
			if tc.lost {
				assert.Equal(t, int64(0), get(t, res.Results, "workload", "lost-count"))
			}
		})
	}
}

// TestUnconvergedBroadcast runs a broadcast node whose gossip skips the
// multiples of 7: such a value stays on the node a client gave it to, so
// the other nodes' final reads lack it. Set-full may or may not notice
// (it looks only at the last read); eddy's convergence check must, on
// every seed: invalid under --strict, a warning naming the nodes
// otherwise.
func TestUnconvergedBroadcast(t *testing.T) {
	t.Parallel()
	bin := bins.MustBuild(t, "runner/testdata/nodes/brokenbroadcast")
	nodes := regexp.MustCompile(`^(n[0-9](, n[0-9])*|n[0-9]–n[0-9]) lacks? `)
	for _, tc := range []struct {
		seed   uint64
		strict bool
	}{{1, true}, {2, true}, {3, true}, {1, false}} {
		t.Run(fmt.Sprintf("seed=%d/strict=%v", tc.seed, tc.strict), func(t *testing.T) {
			t.Parallel()
			cfg := quick(t, "broadcast", bin, 3)
			cfg.Args = []string{"skip7"}
			cfg.Seed = tc.seed
			cfg.Strict = tc.strict
			cfg.RecoveryWait = 300 * time.Millisecond
			res := run(t, cfg)
			conv := get(t, res.Results, "workload", "convergence").(*edn.Map)
			assert.Equal(t, false, get(t, conv, "converged?"), edn.String(conv))
			// Only multiples of 7 are missing.
			get(t, conv, "lacking").(*edn.Map).Each(func(node, v any) {
				for _, e := range get(t, v.(*edn.Map), "elements").([]any) {
					assert.Zero(t, e.(int64)%7, "%s lacks %d", node, e)
				}
			})
			assert.Empty(t, res.Problems)
			require.Len(t, res.Warnings, 1)
			w := res.Warnings[0]
			assert.Contains(t, w, "ot every node converged: ")
			summary := get(t, conv, "summary").(string)
			assert.Regexp(t, nodes, summary)
			assert.Contains(t, w, summary)
			warnings := get(t, res.Results, "eddy", "warnings").([]any)
			assert.Equal(t, []any{w}, warnings)
			if tc.strict {
				assert.Equal(t, check.Invalid, res.Valid)
				assert.Contains(t, w, "invalid under --strict")
				return
			}
			assert.Contains(t, w, "--strict makes it invalid")
			if res.Valid == check.Valid {
				assert.True(t, strings.HasPrefix(w, "Maelstrom would pass this run"), w)
			}
		})
	}
}

// nonEmpty reports whether a finding holds anything: a non-empty vector or
// map.
func nonEmpty(v any) bool {
	switch x := v.(type) {
	case []any:
		return len(x) > 0
	case *edn.Map:
		return x.Len() > 0
	}
	return false
}

// echoesOtherRequests checks that each echo error got back the unaltered
// text of some request, only not its own.
func echoesOtherRequests(t *testing.T, _ runner.Result, finding any) {
	for _, e := range finding.([]any) {
		e := e.([]any)
		require.Len(t, e, 4, "an echo error is [text sent text received]")
		body, ok := e[3].(*edn.Map)
		require.True(t, ok, "the reply of %s is not a body", edn.String(e))
		echo, _ := body.Get(edn.Keyword("echo"))
		s, ok := echo.(string)
		require.True(t, ok, "%s echoes no string", edn.String(e))
		assert.True(t, strings.HasPrefix(s, "Please echo "), "%q is no request's text", s)
		assert.NotEqual(t, e[1], s)
	}
}

// wrapped is an id of the wrap-around node: the node's name and its counter
// modulo 50.
var wrapped = regexp.MustCompile(`^n[0-9]+-([0-9]+)$`)

// duplicatesWrapAround checks that every duplicated id has the wrap-around
// node's form.
func duplicatesWrapAround(t *testing.T, _ runner.Result, finding any) {
	finding.(*edn.Map).Each(func(id, count any) {
		s, _ := id.(string)
		m := wrapped.FindStringSubmatch(s)
		require.NotNil(t, m, "duplicated id %s is not <node>-<k>", edn.String(id))
		k, err := strconv.Atoi(m[1])
		require.NoError(t, err)
		assert.Less(t, k, 50)
		assert.GreaterOrEqual(t, count, int64(2))
	})
}

// atMostRecentSurvive checks that no more elements are stable than a node
// keeps: an element is stable only if the last read has it.
func atMostRecentSurvive(t *testing.T, res runner.Result, _ any) {
	assert.LessOrEqual(t, get(t, res.Results, "workload", "stable-count"), int64(5))
}

// finalReadsAgreeTooHigh checks that the counter's nodes converge, on a sum
// above every acceptable one: only the negative deltas went missing.
func finalReadsAgreeTooHigh(t *testing.T, res runner.Result, _ any) {
	finals := get(t, res.Results, "workload", "final-reads").([]any)
	require.Len(t, finals, 3)
	assert.Equal(t, finals[0], finals[1])
	assert.Equal(t, finals[0], finals[2])
	ranges := get(t, res.Results, "workload", "acceptable").([]any)
	require.NotEmpty(t, ranges)
	highest := ranges[len(ranges)-1].([]any)[1].(int64)
	assert.Greater(t, finals[0], highest)
}

// lostOnlyTheDropped checks that at most one broadcast in ten was lost: the
// node forwards everything else.
func lostOnlyTheDropped(t *testing.T, res runner.Result, _ any) {
	lost := get(t, res.Results, "workload", "lost-count").(int64)
	attempts := get(t, res.Results, "workload", "attempt-count").(int64)
	assert.LessOrEqual(t, 10*lost, attempts)
}

// readCommitted runs a txn workload busy enough for every bug to show,
// under read-committed.
func readCommitted(c *runner.Config) {
	c.Rate = 300
	c.Concurrency = "4"
	c.ConsistencyModels = []string{"read-committed"}
}

// onlyAnomalies checks that the prohibited anomalies found are exactly
// these: the bug, and nothing it did not cause.
func onlyAnomalies(want ...string) func(*testing.T, runner.Result, any) {
	return func(t *testing.T, res runner.Result, _ any) {
		var got []string
		for _, a := range get(t, res.Results, "workload", "anomaly-types").([]any) {
			got = append(got, string(a.(edn.Keyword)))
		}
		assert.Equal(t, want, got)
	}
}

// busyKV gives lin-kv writers as well as readers (--concurrency 2n), and
// enough operations for every bug to show.
func busyKV(c *runner.Config) {
	c.Concurrency = "2n"
	c.Rate = 200
	c.TimeLimit = 3 * time.Second
}
