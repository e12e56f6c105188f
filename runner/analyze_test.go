package runner_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/runner"
)

// TestAnalyzeAgreesWithTheRun re-checks stored runs, valid and invalid, of
// several workloads: the verdict and every result must come out as the run
// itself had them, and the files are rewritten.
func TestAnalyzeAgreesWithTheRun(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, workload, pkg string
		args                []string
		nodes               int
		valid               check.Verdict
		config              func(*runner.Config)
	}{
		{"echo, valid", "echo", "nodes/echo", nil, 1, check.Valid, nil},
		{"echo answering with the previous text", "echo", "runner/testdata/nodes/badecho", []string{"previous"}, 1, check.Invalid, nil},
		{"unique-ids colliding", "unique-ids", "runner/testdata/nodes/collidingids", nil, 3, check.Invalid, nil},
		{"broadcast under partitions, valid", "broadcast", "nodes/broadcast", nil, 3, check.Valid, func(c *runner.Config) {
			c.Nemesis, c.NemesisInterval, c.RecoveryWait = []string{"partition"}, 400*time.Millisecond, 2*time.Second
		}},
		{"broadcast that never forwards", "broadcast", "runner/testdata/nodes/brokenbroadcast", []string{"local"}, 3, check.Invalid, nil},
		{"pn-counter dropping adds", "pn-counter", "runner/testdata/nodes/brokencounter", []string{"drop"}, 1, check.Invalid, nil},
		{"a node that crashes: aborted, unknown", "echo", "runner/testdata/nodes/misbehave", []string{"exit-after", "0"}, 1, check.Unknown, nil},
		{"kafka, valid", "kafka", "runner/testdata/nodes/brokenkafka", []string{"ok"}, 1, check.Valid, func(c *runner.Config) {
			c.Rate, c.Concurrency = 200, "2n"
		}},
		{"kafka polls that skip", "kafka", "runner/testdata/nodes/brokenkafka", []string{"skip"}, 1, check.Invalid, func(c *runner.Config) {
			c.Rate, c.Concurrency = 200, "2n"
		}},
		{"txn-rw-register, valid", "txn-rw-register", "nodes/txn", nil, 2, check.Valid, func(c *runner.Config) {
			c.Rate, c.Concurrency, c.ConsistencyModels = 300, "2n", []string{"read-committed"}
		}},
		{"txn-rw-register exposing intermediate writes", "txn-rw-register", "runner/testdata/nodes/brokentxn", []string{"intermediate"}, 1, check.Invalid, func(c *runner.Config) {
			c.Rate, c.Concurrency, c.ConsistencyModels = 300, "4", []string{"read-committed"}
		}},
		{"txn-list-append, strict-serializable", "txn-list-append", "runner/testdata/nodes/brokentxn", []string{"ok"}, 1, check.Valid, func(c *runner.Config) {
			c.Rate, c.Concurrency = 300, "4"
		}},
		{"lin-kv with a blind cas", "lin-kv", "runner/testdata/nodes/brokenlinkv", []string{"blind-cas"}, 1, check.Invalid, func(c *runner.Config) {
			c.Rate, c.Concurrency, c.TimeLimit = 200, "2n", 3*time.Second
		}},
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
			require.Equal(t, tc.valid, res.Valid, edn.String(res.Results))
			stored, err := os.ReadFile(filepath.Join(res.Dir, "results.edn"))
			require.NoError(t, err)
			// Spoil what analysis writes, so that rewriting it shows.
			for _, f := range []string{"results.edn", "results.json", "messages.svg", "index.html", "rate.svg"} {
				require.NoError(t, os.WriteFile(filepath.Join(res.Dir, f), []byte("stale"), 0o644))
			}

			an, err := runner.Analyze(context.Background(), filepath.Join(cfg.StoreDir, "latest"))
			require.NoError(t, err)
			assert.Equal(t, res.Valid, an.Valid)
			assert.Equal(t, res.ExitCode(), an.ExitCode())
			assert.Equal(t, res.Seed, an.Seed)
			assert.Equal(t, res.Problems, an.Problems)
			assert.Equal(t, res.Aborted, an.Aborted)
			assert.Equal(t, edn.String(res.Results), edn.String(an.Results))
			rewritten, err := os.ReadFile(filepath.Join(res.Dir, "results.edn"))
			require.NoError(t, err)
			assert.Equal(t, string(stored), string(rewritten))
			for _, f := range []string{"messages.svg", "index.html", "rate.svg"} {
				b, err := os.ReadFile(filepath.Join(res.Dir, f))
				require.NoError(t, err)
				assert.NotEqual(t, "stale", string(b), f)
			}
		})
	}
}

// TestAnalyzeNamesTheBadFile damages a stored run in one way at a time.
func TestAnalyzeNamesTheBadFile(t *testing.T) {
	t.Parallel()
	cfg := quick(t, "echo", bins.MustBuild(t, "nodes/echo"), 1)
	cfg.TimeLimit = 500 * time.Millisecond
	res := run(t, cfg)
	require.Equal(t, check.Valid, res.Valid)
	files := map[string][]byte{}
	for _, f := range []string{"test.json", "history.edn", "net-journal.jsonl"} {
		b, err := os.ReadFile(filepath.Join(res.Dir, f))
		require.NoError(t, err)
		files[f] = b
	}
	cases := []struct {
		name   string
		damage func(dir string)
		want   string
	}{
		{"no such directory", func(dir string) { require.NoError(t, os.RemoveAll(dir)) }, "no such run directory"},
		{"no test.json", func(dir string) { os.Remove(filepath.Join(dir, "test.json")) }, "test.json: no such file"},
		{"test.json not JSON", func(dir string) { os.WriteFile(filepath.Join(dir, "test.json"), []byte("{nope"), 0o644) }, "test.json: not a run record"},
		{"a setting of the wrong type", func(dir string) {
			os.WriteFile(filepath.Join(dir, "test.json"), []byte(`{"eddy-record":1,"config":{"NodeCount":"three"}}`), 0o644)
		}, "test.json: setting NodeCount"},
		{"a workload eddy does not know", func(dir string) {
			os.WriteFile(filepath.Join(dir, "test.json"), []byte(`{"eddy-record":1,"config":{"Workload":"frobnicate"}}`), 0o644)
		}, `test.json: unknown workload "frobnicate"`},
		{"no history", func(dir string) { os.Remove(filepath.Join(dir, "history.edn")) }, "history.edn: no such file"},
		{"no journal", func(dir string) { os.Remove(filepath.Join(dir, "net-journal.jsonl")) }, "net-journal.jsonl: no such file"},
		{"a journal line that is not an event", func(dir string) {
			os.WriteFile(filepath.Join(dir, "net-journal.jsonl"), []byte(`{"seq":0,"type":"teleport"}`+"\n"), 0o644)
		}, `net-journal.jsonl: line 1: event type "teleport"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Each case damages a fresh copy of the run.
			dir := filepath.Join(t.TempDir(), "run")
			require.NoError(t, os.MkdirAll(dir, 0o755))
			for f, b := range files {
				require.NoError(t, os.WriteFile(filepath.Join(dir, f), b, 0o644))
			}
			tc.damage(dir)
			start := time.Now()
			_, err := runner.Analyze(context.Background(), dir)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "\n", "one line")
			assert.Less(t, time.Since(start), 5*time.Second)
			if !strings.Contains(tc.want, "no such run directory") {
				assert.Contains(t, err.Error(), dir, "names the run's file")
			}
		})
	}
}

// TestAnalyzeDamagedHistory edits a stored history one way at a time:
// each fault is reported with its line, only the sound ops are checked,
// and the verdict becomes unknown when ops were lost, which could hide an
// anomaly.
func TestAnalyzeDamagedHistory(t *testing.T) {
	t.Parallel()
	cfg := quick(t, "echo", bins.MustBuild(t, "nodes/echo"), 1)
	cfg.TimeLimit = 500 * time.Millisecond
	res := run(t, cfg)
	require.Equal(t, check.Valid, res.Valid)
	files := map[string][]byte{}
	for _, f := range []string{"test.json", "history.edn", "net-journal.jsonl"} {
		b, err := os.ReadFile(filepath.Join(res.Dir, f))
		require.NoError(t, err)
		files[f] = b
	}
	lines := strings.SplitAfter(string(files["history.edn"]), "\n")
	require.Greater(t, len(lines), 10)
	require.Contains(t, lines[2], ":type :invoke")
	require.Contains(t, lines[2], ":index 2,")
	edit := func(f func(l []string) []string) string {
		return strings.Join(f(append([]string(nil), lines...)), "")
	}
	cases := []struct {
		name    string
		history string
		valid   check.Verdict
		want    []string // problems that must be reported
	}{
		{"an invoke line deleted", edit(func(l []string) []string { return slices.Delete(l, 2, 3) }), check.Unknown, []string{
			"history.edn line 3: :index 2 missing before :index 3 (deleted lines?)",
			"history.edn line 3: a :ok completion of process 0 (:index 3) with no invocation before it; dropped",
			"history.edn is damaged (2 faults): only its sound ops were checked, and the verdict is :unknown, as what was lost could hide an anomaly or fake one (on what remains the checkers say true)",
		}},
		{"a line duplicated", edit(func(l []string) []string { return slices.Insert(l, 3, l[2]) }), check.Valid, []string{
			"history.edn line 4: repeats line 3 (:index 2) word for word; dropped",
			"history.edn had 1 faults that lose nothing (lines repeated or out of order); they were repaired before checking",
		}},
		{"two lines swapped", edit(func(l []string) []string { l[2], l[3] = l[3], l[2]; return l }), check.Valid, []string{
			"history.edn line 4: :index 2 comes after :index 3 (line 3): lines out of order; put back in :index order",
		}},
		{"a line that is not EDN", edit(func(l []string) []string { l[2] = "{:index 2 :time\n"; return l }), check.Unknown, []string{
			"history.edn line 3: not EDN",
		}},
		{"a line that is not an op", edit(func(l []string) []string {
			l[2] = strings.Replace(l[2], ":type :invoke", ":type :frob", 1)
			return l
		}), check.Unknown, []string{"history.edn line 3: not an op (op 2 has :type :frob, not :invoke, :ok, :fail or :info); skipped"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "run")
			require.NoError(t, os.MkdirAll(dir, 0o755))
			for f, b := range files {
				require.NoError(t, os.WriteFile(filepath.Join(dir, f), b, 0o644))
			}
			require.NoError(t, os.WriteFile(filepath.Join(dir, "history.edn"), []byte(tc.history), 0o644))
			an, err := runner.Analyze(context.Background(), dir)
			require.NoError(t, err)
			assert.Equal(t, tc.valid, an.Valid, "%q", an.Problems)
			for _, want := range tc.want {
				assert.True(t, containsLine(an.Problems, want), "no %q in %q", want, an.Problems)
			}
			assert.Equal(t, tc.valid.EDN(), get(t, an.Results, "valid?"))
			stored, err := os.ReadFile(filepath.Join(dir, "results.edn"))
			require.NoError(t, err)
			assert.Contains(t, string(stored), "history.edn line ", "the faults are in the results")
		})
	}
}

// TestAnalyzeCarriesNetCountsOfACappedJournal: when the run's journal hit
// its cap, the :net counts come from test.json, not from the incomplete
// journal, and the journal problem is reported again.
func TestAnalyzeCarriesNetCountsOfACappedJournal(t *testing.T) {
	t.Parallel()
	cfg := quick(t, "echo", bins.MustBuild(t, "nodes/echo"), 1)
	cfg.TimeLimit = 500 * time.Millisecond
	res := run(t, cfg)
	require.Equal(t, check.Valid, res.Valid)
	path := filepath.Join(res.Dir, runner.RecordFile)
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	var rec map[string]any
	require.NoError(t, json.Unmarshal(raw, &rec))
	rec["unjournaled"] = 5
	rec["net"] = map[string]any{
		"All":     map[string]any{"SendCount": 1005, "RecvCount": 1004, "MsgCount": 1005},
		"Clients": map[string]any{"SendCount": 5, "RecvCount": 4, "MsgCount": 5},
		"Servers": map[string]any{"SendCount": 1000, "RecvCount": 1000, "MsgCount": 1000},
	}
	raw, err = json.Marshal(rec)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, raw, 0o644))

	an, err := runner.Analyze(context.Background(), res.Dir)
	require.NoError(t, err)
	assert.Equal(t, int64(1005), get(t, an.Results, "net", "all", "send-count"))
	assert.Equal(t, int64(1000), get(t, an.Results, "net", "servers", "msg-count"))
	require.Len(t, an.Problems, 1)
	assert.Contains(t, an.Problems[0], "dropped 5 more")
	// With the journal complete, the counts are the journal's own.
	assert.NotEqual(t, int64(1005), get(t, res.Results, "net", "all", "send-count"))
}
