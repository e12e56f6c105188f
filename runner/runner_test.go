package runner_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/testbin"
	"github.com/eddy-workbench/eddy/runner"
)

var bins *testbin.Builder

func TestMain(m *testing.M) {
	testbin.Main(func(b *testbin.Builder) int {
		bins = b
		code := m.Run()
		if code == 0 {
			if err := goleak.Find(); err != nil {
				fmt.Fprintln(os.Stderr, "leaked goroutines:", err)
				code = 1
			}
		}
		return code
	})
}

// quick returns a short run of a workload on a binary, stored in a temp dir.
func quick(t *testing.T, workload, bin string, nodes int) runner.Config {
	return runner.Config{
		Workload:  workload,
		Bin:       bin,
		NodeCount: nodes,
		TimeLimit: 2 * time.Second,
		Rate:      50,
		StoreDir:  t.TempDir(),
		Seed:      42,
		SeedSet:   true,
	}
}

func run(t *testing.T, cfg runner.Config) runner.Result {
	t.Helper()
	res, err := runner.Run(context.Background(), cfg)
	require.NoError(t, err)
	return res
}

// get walks nested keyword keys of a results map.
func get(t *testing.T, m *edn.Map, path ...string) any {
	t.Helper()
	var v any = m
	for _, k := range path {
		mm, ok := v.(*edn.Map)
		require.True(t, ok, "%v is not a map at %s", v, k)
		v, ok = mm.Get(edn.Keyword(k))
		require.True(t, ok, "no key %s in %s", k, edn.String(mm))
	}
	return v
}

func TestEchoIsValid(t *testing.T) {
	t.Parallel()
	cfg := quick(t, "echo", bins.MustBuild(t, "nodes/echo"), 1)
	res := run(t, cfg)
	require.Equal(t, check.Valid, res.Valid, edn.String(res.Results))
	require.Equal(t, 0, res.ExitCode())
	require.Empty(t, res.Problems)
	for _, f := range []string{"results.edn", "results.json", "history.edn", "history.txt", "net-journal.jsonl", "node-logs/n0.log"} {
		require.FileExists(t, filepath.Join(res.Dir, f))
	}
	// results.json carries the same data with plain string keys.
	raw, err := os.ReadFile(filepath.Join(res.Dir, "results.json"))
	require.NoError(t, err)
	var js map[string]any
	require.NoError(t, json.Unmarshal(raw, &js))
	assert.Equal(t, true, js["valid?"])
	assert.Contains(t, js["net"].(map[string]any)["all"], "msgs-per-op")
	// The latest links point at this run.
	latest, err := filepath.EvalSymlinks(filepath.Join(cfg.StoreDir, "echo", "latest"))
	require.NoError(t, err)
	dir, err := filepath.EvalSymlinks(res.Dir)
	require.NoError(t, err)
	assert.Equal(t, dir, latest)
}

func TestProgress(t *testing.T) {
	t.Parallel()
	cfg := quick(t, "unique-ids", bins.MustBuild(t, "nodes/uniqueids"), 3)
	cfg.Nemesis = []string{"partition"}
	cfg.NemesisInterval = 300 * time.Millisecond
	var seen []runner.Progress
	cfg.Progress = func(p runner.Progress) { seen = append(seen, p) }
	res := run(t, cfg)
	require.Equal(t, check.Valid, res.Valid)
	var phases []string
	partitioned := false
	for _, p := range seen {
		if len(phases) == 0 || phases[len(phases)-1] != p.Phase {
			phases = append(phases, p.Phase)
		}
		partitioned = partitioned || p.Partitioned
		assert.Equal(t, cfg.TimeLimit, p.TimeLimit)
	}
	assert.Equal(t, []string{"setup", "main", "analysis"}, phases)
	assert.True(t, partitioned, "some report saw the partition")
	last := seen[len(seen)-1]
	assert.Equal(t, get(t, res.Results, "stats", "ok-count"), last.OK)
	assert.GreaterOrEqual(t, last.Elapsed, cfg.TimeLimit)
}

func TestUniqueIDsUnderPartitions(t *testing.T) {
	t.Parallel()
	cfg := quick(t, "unique-ids", bins.MustBuild(t, "nodes/uniqueids"), 3)
	cfg.TimeLimit = 3 * time.Second
	cfg.Rate = 300
	cfg.Availability = "total"
	cfg.Nemesis = []string{"partition"}
	cfg.NemesisInterval = 500 * time.Millisecond
	res := run(t, cfg)
	require.Equal(t, check.Valid, res.Valid, edn.String(res.Results))
	assert.Equal(t, 0.0, get(t, res.Results, "net", "servers", "msgs-per-op"))
	all := get(t, res.Results, "net", "all", "msgs-per-op").(float64)
	assert.InDelta(t, 2.0, all, 0.05)
	// The nemesis left its marks in the history.
	hist, err := os.ReadFile(filepath.Join(res.Dir, "history.edn"))
	require.NoError(t, err)
	assert.Contains(t, string(hist), ":f :start-partition")
	assert.Contains(t, string(hist), ":isolated")
}

// TestCounters runs the counter node under partitions: every final read
// must be the exact total, through seq-kv.
func TestCounters(t *testing.T) {
	t.Parallel()
	bin := bins.MustBuild(t, "nodes/gcounter")
	for _, workload := range []string{"g-counter", "pn-counter"} {
		t.Run(workload, func(t *testing.T) {
			t.Parallel()
			cfg := quick(t, workload, bin, 3)
			cfg.TimeLimit = 3 * time.Second
			cfg.Rate = 100
			cfg.Args = []string{"-sync", "200ms"}
			cfg.Nemesis = []string{"partition"}
			cfg.NemesisInterval = 500 * time.Millisecond
			cfg.RecoveryWait = time.Second
			res := run(t, cfg)
			require.Equal(t, check.Valid, res.Valid, edn.String(res.Results))
			require.Empty(t, res.Problems)
			require.Empty(t, res.Warnings)
			assert.Equal(t, true, get(t, res.Results, "workload", "convergence", "converged?"))
			// Every worker made a final read, and all of them agree.
			finals := get(t, res.Results, "workload", "final-reads").([]any)
			require.Len(t, finals, 3)
			assert.Equal(t, finals[0], finals[1])
			assert.Equal(t, finals[0], finals[2])
			// The nodes talked to seq-kv, and that is server traffic.
			assert.Greater(t, get(t, res.Results, "net", "servers", "msg-count").(int64), int64(0))
		})
	}
}

// TestBroadcast runs both strategies of the broadcast node on five nodes
// under partitions, for broadcast and g-set: every acknowledged value must
// reach every node.
func TestBroadcast(t *testing.T) {
	t.Parallel()
	bin := bins.MustBuild(t, "nodes/broadcast")
	for _, tc := range []struct{ workload, strategy string }{
		{"broadcast", "latency"}, {"broadcast", "messages"}, {"g-set", "latency"},
	} {
		strategy := tc.strategy
		t.Run(tc.workload+"/"+strategy, func(t *testing.T) {
			t.Parallel()
			cfg := quick(t, tc.workload, bin, 5)
			cfg.TimeLimit = 4 * time.Second
			cfg.Rate = 20
			cfg.Latency = 20 * time.Millisecond
			cfg.Topology = "line"
			cfg.Args = []string{"-strategy", strategy, "-round", "200ms"}
			cfg.Nemesis = []string{"partition"}
			cfg.NemesisInterval = 500 * time.Millisecond
			cfg.RecoveryWait = 2 * time.Second
			res := run(t, cfg)
			require.Equal(t, check.Valid, res.Valid, edn.String(get(t, res.Results, "workload")))
			require.Empty(t, res.Problems)
			require.Empty(t, res.Warnings)
			assert.Equal(t, true, get(t, res.Results, "workload", "convergence", "converged?"))
			assert.Equal(t, int64(0), get(t, res.Results, "workload", "lost-count"))
			assert.Greater(t, get(t, res.Results, "workload", "stable-count").(int64), int64(0))
		})
	}
}

// TestKafka runs a correct single-node kafka log: valid, with the final
// phase catching up on every key.
func TestKafka(t *testing.T) {
	t.Parallel()
	cfg := quick(t, "kafka", bins.MustBuild(t, "runner/testdata/nodes/brokenkafka"), 1)
	cfg.Args = []string{"ok"}
	cfg.TimeLimit = 3 * time.Second
	cfg.Rate = 500
	cfg.Concurrency = "2n"
	cfg.RecoveryWait = 100 * time.Millisecond
	res := run(t, cfg)
	require.Equal(t, check.Valid, res.Valid, edn.String(get(t, res.Results, "workload")))
	require.Empty(t, res.Problems)
	assert.Equal(t, "[]", edn.String(get(t, res.Results, "workload", "error-types")))
	// Crashes are left out of :stats, as in Maelstrom.
	_, hasCrash := get(t, res.Results, "stats", "by-f").(*edn.Map).Get(edn.Keyword("crash"))
	assert.False(t, hasCrash)
}

// TestDuplicatesInReads: duplicates in broadcast reads are a warning, and
// invalid only under --strict.
func TestDuplicatesInReads(t *testing.T) {
	t.Parallel()
	bin := bins.MustBuild(t, "runner/testdata/nodes/brokenbroadcast")
	for _, strict := range []bool{false, true} {
		t.Run(fmt.Sprintf("strict=%v", strict), func(t *testing.T) {
			t.Parallel()
			cfg := quick(t, "broadcast", bin, 1)
			cfg.Args = []string{"dup"}
			cfg.RecoveryWait = 100 * time.Millisecond
			cfg.Strict = strict
			res := run(t, cfg)
			assert.Greater(t, get(t, res.Results, "workload", "duplicated-count").(int64), int64(0))
			assert.True(t, containsLine(res.Problems, "more than once in the same read"), "%q", res.Problems)
			want := check.Valid
			if strict {
				want = check.Invalid
			}
			assert.Equal(t, want, res.Valid, edn.String(get(t, res.Results, "workload")))
		})
	}
}

func TestBrokenNodesAreInvalid(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, workload, pkg string
		nodes               int
		args                []string
		finding             []string // path to a non-empty finding in the workload result
	}{
		{"echo that alters the text", "echo", "runner/testdata/nodes/badecho", 1, nil, []string{"workload", "errors"}},
		{"ids that collide across nodes", "unique-ids", "runner/testdata/nodes/collidingids", 3, nil, []string{"workload", "duplicated"}},
		{"counter that counts only locally", "g-counter", "runner/testdata/nodes/brokencounter", 3, []string{"local"}, []string{"workload", "errors"}},
		{"counter that drops acknowledged adds", "pn-counter", "runner/testdata/nodes/brokencounter", 1, []string{"drop"}, []string{"workload", "errors"}},
		{"broadcast that never forwards", "broadcast", "runner/testdata/nodes/brokenbroadcast", 3, []string{"local"}, []string{"workload", "lost"}},
		{"broadcast that forwards once, under partitions", "broadcast", "runner/testdata/nodes/brokenbroadcast", 5, []string{"once"}, []string{"workload", "lost"}},
		{"kafka nodes allocating offsets independently", "kafka", "runner/testdata/nodes/brokenkafka", 2, []string{"independent"}, []string{"workload", "bad-error-types"}},
		{"kafka polls that skip messages", "kafka", "runner/testdata/nodes/brokenkafka", 1, []string{"skip"}, []string{"workload", "bad-error-types"}},
		{"g-set that never forwards", "g-set", "runner/testdata/nodes/brokenbroadcast", 3, []string{"gset-local"}, []string{"workload", "lost"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := quick(t, tc.workload, bins.MustBuild(t, tc.pkg), tc.nodes)
			cfg.Args = tc.args
			cfg.RecoveryWait = 100 * time.Millisecond
			if tc.workload == "kafka" {
				cfg.TimeLimit = 4 * time.Second
				cfg.Rate = 500
				cfg.Concurrency = "2n"
			}
			if slices.Contains(tc.args, "once") {
				cfg.TimeLimit = 4 * time.Second
				cfg.Nemesis = []string{"partition"}
				cfg.NemesisInterval = 400 * time.Millisecond
			}
			res := run(t, cfg)
			require.Equal(t, check.Invalid, res.Valid, edn.String(res.Results))
			require.Equal(t, 1, res.ExitCode())
			finding := get(t, res.Results, tc.finding...)
			assert.NotEqual(t, "[]", edn.String(finding))
			assert.NotEqual(t, "{}", edn.String(finding))
			explained(t, res, explanationsOf[tc.name])
		})
	}
}

func TestBadArguments(t *testing.T) {
	t.Parallel()
	echo := bins.MustBuild(t, "nodes/echo")
	notExec := filepath.Join(t.TempDir(), "node")
	require.NoError(t, os.WriteFile(notExec, []byte("#!/bin/sh\n"), 0o644))
	cases := []struct {
		name string
		cfg  runner.Config
		want string
	}{
		{"no bin", runner.Config{Workload: "echo"}, "Expected a --bin"},
		{"missing bin", runner.Config{Workload: "echo", Bin: "./does-not-exist"}, "no such file"},
		{"bin is a directory", runner.Config{Workload: "echo", Bin: t.TempDir()}, "is a directory"},
		{"bin not executable", runner.Config{Workload: "echo", Bin: notExec}, "not executable"},
		{"unknown workload", runner.Config{Workload: "telepathy", Bin: echo}, `unknown workload "telepathy"`},
		{"unknown workload", runner.Config{Workload: "lin-kw", Bin: echo}, `unknown workload "lin-kw"`},
		{"bad concurrency", runner.Config{Workload: "echo", Bin: echo, Concurrency: "xn"}, "--concurrency"},
		{"bad availability", runner.Config{Workload: "echo", Bin: echo, Availability: "1.5"}, "--availability"},
		{"unknown nemesis", runner.Config{Workload: "echo", Bin: echo, Nemesis: []string{"clock"}}, `unknown --nemesis fault "clock"`},
		{"unknown model", runner.Config{Workload: "echo", Bin: echo, ConsistencyModels: []string{"read-committed,serializable"}}, "unknown consistency model"},
		{"node named like a service", runner.Config{Workload: "echo", Bin: echo, Nodes: []string{"n1", "lin-kv"}}, `node name "lin-kv" is the name of one of Maelstrom's services`},
		{"bad latency dist", runner.Config{Workload: "echo", Bin: echo, LatencyDist: "normal"}, "--latency-dist"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.StoreDir = t.TempDir()
			_, err := runner.Run(context.Background(), tc.cfg)
			var bad *runner.ConfigError
			require.ErrorAs(t, err, &bad)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "\n", "a diagnosis is one line")
			entries, _ := os.ReadDir(tc.cfg.StoreDir)
			assert.Empty(t, entries, "a bad configuration starts nothing")
		})
	}
}

// TestMisbehavingNodes runs nodes that break the protocol in various ways:
// each gets a one-line diagnosis naming the node, the run writes its files,
// and nothing hangs.
func TestMisbehavingNodes(t *testing.T) {
	t.Parallel()
	bin := bins.MustBuild(t, "runner/testdata/nodes/misbehave")
	cases := []struct {
		name     string
		args     []string
		workload string
		aborted  string // expected substring of Result.Aborted ("" = not aborted)
		problem  string // expected substring of some diagnosis
		within   time.Duration
	}{
		{"crashes at start", []string{"exit-at-start"}, "echo", "node n0 exited (exit status 1) before answering init", "", 5 * time.Second},
		{"prints a 10 MB line", []string{"huge-line", "10000000"}, "unique-ids", "", "node n0 printed a 10000", 8 * time.Second},
		{"floods the network", []string{"flood"}, "unique-ids", "", "node n0 is flooding the network", 10 * time.Second},
		{"floods stderr", []string{"stderr-flood"}, "unique-ids", "", "node n0 wrote more than 1048576 bytes to stderr", 10 * time.Second},
		{"replies with a wrong in_reply_to", []string{"wrong-reply"}, "echo", "", "node n0 sent client", 12 * time.Second},
		{"never answers init", []string{"never-init"}, "echo", "node n0 did not answer init within 10s", "", 14 * time.Second},
		// The one worker waits 5 s for its first reply, past the time limit.
		{"never replies", []string{"mute"}, "echo", "", "node n0 never replied to 1 of 1 echo requests (timed out after 5 s)", 9 * time.Second},
		{"never replies to generate", []string{"mute"}, "unique-ids", "", "node n0 never replied to 1 of 1 generate requests (timed out after 5 s)", 9 * time.Second},
		{"exits mid-run", []string{"exit-after", "5"}, "echo", "node n0 crashed (exit status 3)", "node n0 crashed", 6 * time.Second},
		{"prints non-JSON", []string{"garbage"}, "unique-ids", "", "node n0 printed a line to stdout that is not JSON", 6 * time.Second},
		{"prints a 2 MB line", []string{"huge-line"}, "unique-ids", "", "node n0 printed a", 6 * time.Second},
		{"sends to an unknown node", []string{"unknown-dest"}, "unique-ids", "", `node n0 sent a message to "n99", which is not in the network`, 6 * time.Second},
		{"never answers topology", []string{"ok"}, "broadcast", "node n0 did not answer the topology message within 5s", "", 9 * time.Second},
		{"asks a service for nonsense", []string{"bad-service"}, "unique-ids", "", `node n0 sent seq-kv a request it cannot serve (unknown request type "frobnicate"`, 6 * time.Second},
		{"replies to a client that is gone", []string{"late-reply"}, "echo", "", "which had given up and closed", 20 * time.Second},
		{"ignores SIGTERM", []string{"ignore-term"}, "unique-ids", "", "node n0 did not exit within 1s of SIGTERM; killed with SIGKILL", 8 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := quick(t, tc.workload, bin, 1)
			cfg.Args = tc.args
			cfg.MaxLog = 1 << 20
			// The node floods at 100,000 lines a second; a loaded machine
			// under the race detector routes far fewer than the default
			// limit, so judge the flood by a lower one.
			cfg.FloodLimit = 5000
			if tc.name == "replies to a client that is gone" {
				cfg.TimeLimit = 8 * time.Second
				cfg.Rate = 5
			}
			began := time.Now()
			res := run(t, cfg)
			took := time.Since(began)
			assert.Less(t, took, tc.within, "the run took too long")
			if tc.aborted == "" {
				assert.Empty(t, res.Aborted)
			} else {
				assert.Contains(t, res.Aborted, tc.aborted)
				assert.Equal(t, 255, res.ExitCode())
			}
			if tc.problem != "" {
				assert.True(t, containsLine(res.Problems, tc.problem), "no diagnosis %q in %q", tc.problem, res.Problems)
			}
			if tc.args[0] == "late-reply" {
				// Counted as late, not as never answered.
				assert.True(t, containsLine(res.Problems, "only after the client had timed out"), "%q", res.Problems)
			}
			for _, p := range res.Problems {
				assert.NotContains(t, p, "\n", "a diagnosis is one line")
			}
			require.FileExists(t, filepath.Join(res.Dir, "results.edn"))
			require.FileExists(t, filepath.Join(res.Dir, "history.edn"))
		})
	}
}

// TestGrandchildIsKilled: a node's children die with it at teardown.
func TestGrandchildIsKilled(t *testing.T) {
	t.Parallel()
	pidFile := filepath.Join(t.TempDir(), "pid")
	cfg := quick(t, "unique-ids", bins.MustBuild(t, "runner/testdata/nodes/misbehave"), 1)
	cfg.Args = []string{"grandchild", pidFile}
	res := run(t, cfg)
	require.Equal(t, check.Valid, res.Valid)
	raw, err := os.ReadFile(pidFile)
	require.NoError(t, err, "the node started its child")
	pid, err := strconv.Atoi(string(raw))
	require.NoError(t, err)
	// Once killed, the orphan is reaped by init; allow it a moment.
	assert.Eventually(t, func() bool { return syscall.Kill(pid, 0) == syscall.ESRCH }, 3*time.Second, 20*time.Millisecond,
		"grandchild %d still running after the run", pid)
}

func containsLine(lines []string, want string) bool {
	for _, l := range lines {
		if strings.Contains(l, want) {
			return true
		}
	}
	return false
}

// BenchmarkFixedCost measures what a run costs beyond its time limit: start,
// init, teardown, analysis and writing the store, for one echo node. The
// metric fixed-ms is the wall time of a run minus its time limit.
func BenchmarkFixedCost(b *testing.B) {
	echo, err := bins.Build("nodes/echo")
	if err != nil {
		b.Fatal(err)
	}
	const limit = 100 * time.Millisecond
	store := b.TempDir()
	for b.Loop() {
		_, err := runner.Run(context.Background(), runner.Config{
			Workload: "echo", Bin: echo, NodeCount: 1, TimeLimit: limit, Rate: 50, StoreDir: store,
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((b.Elapsed()/time.Duration(b.N)-limit).Microseconds())/1000, "fixed-ms")
}

// TestInitHandlerMayTalk: as in Maelstrom, a node's messages are routed from
// the moment its process runs, so a node may write to seq-kv and wait for a
// peer inside its init handler, and answer init_ok only then.
func TestInitHandlerMayTalk(t *testing.T) {
	t.Parallel()
	cfg := quick(t, "echo", bins.MustBuild(t, "runner/testdata/nodes/initkv"), 3)
	cfg.TimeLimit = time.Second
	res := run(t, cfg)
	require.Empty(t, res.Aborted)
	require.Equal(t, check.Valid, res.Valid, edn.String(res.Results))
	require.Empty(t, res.Problems)

	// Every node heard back from seq-kv and from its peer before it sent
	// init_ok.
	raw, err := os.ReadFile(filepath.Join(res.Dir, "net-journal.jsonl"))
	require.NoError(t, err)
	type event struct {
		Seq       int64
		Type      string
		Src, Dest string
		Body      struct{ Type string }
	}
	initOK := map[string]int64{}
	var replies []event
	for line := range strings.Lines(string(raw)) {
		var ev event
		require.NoError(t, json.Unmarshal([]byte(line), &ev))
		switch {
		case ev.Type == "send" && ev.Body.Type == "init_ok":
			initOK[ev.Src] = ev.Seq
		case ev.Type == "recv" && (ev.Body.Type == "write_ok" || ev.Body.Type == "hello_ok"):
			replies = append(replies, ev)
		}
	}
	require.Len(t, initOK, 3)
	for node, sent := range initOK {
		var got []string
		for _, ev := range replies {
			if ev.Dest == node && ev.Seq < sent {
				got = append(got, ev.Body.Type)
			}
		}
		assert.ElementsMatch(t, []string{"write_ok", "hello_ok"}, got, "what %s heard before its init_ok", node)
	}
}
