package runner_test

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/explain"
	"github.com/eddy-workbench/eddy/internal/history"
	"github.com/eddy-workbench/eddy/internal/nemesis"
	"github.com/eddy-workbench/eddy/internal/netsim"
	"github.com/eddy-workbench/eddy/runner"
)

// faultRun is a short broadcast run of memorybroadcast in mode under the
// given faults, with frequent nemesis operations.
func faultRun(t *testing.T, mode string, faults ...string) runner.Config {
	cfg := quick(t, "broadcast", bins.MustBuild(t, "runner/testdata/nodes/memorybroadcast"), 3)
	cfg.Args = []string{mode}
	cfg.TimeLimit = 3 * time.Second
	cfg.Rate = 30
	// An op sent to a node that is down waits out the client's 5 s
	// timeout; enough threads keep ops flowing meanwhile.
	cfg.Concurrency = "10n"
	cfg.Nemesis = faults
	cfg.NemesisInterval = 600 * time.Millisecond
	cfg.RecoveryWait = 500 * time.Millisecond
	return cfg
}

// stored reads a run's history and journal back.
func stored(t *testing.T, dir string) ([]history.Op, []netsim.Event) {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "history.edn"))
	require.NoError(t, err)
	defer f.Close()
	ops, err := history.ReadEDN(f)
	require.NoError(t, err)
	j, err := os.Open(filepath.Join(dir, "net-journal.jsonl"))
	require.NoError(t, err)
	defer j.Close()
	events, err := netsim.ReadJournal(j)
	require.NoError(t, err)
	return ops, events
}

// nemesisOps are the history's nemesis ops of the given fs, as "f value".
func nemesisOps(ops []history.Op, fs ...string) []string {
	var out []string
	for _, o := range ops {
		if o.Process == history.Nemesis && (len(fs) == 0 || contains(fs, o.F)) {
			out = append(out, o.F+" "+edn.String(o.Value))
		}
	}
	return out
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

// A node that keeps its state only in memory and stops gossiping a value
// once a peer acknowledged it loses acknowledged values when every node is
// killed at once: the kill really wipes memory. The run is invalid, not
// aborted; every kill is followed by a restart with a fresh init; messages
// due to a killed node are dropped with their fate in the journal.
func TestKillWipesMemory(t *testing.T) {
	t.Parallel()
	cfg := faultRun(t, "memory", "kill")
	cfg.NemesisTargets = []string{"all"}
	res := run(t, cfg)
	require.Empty(t, res.Aborted)
	require.Equal(t, check.Invalid, res.Valid, edn.String(res.Results))
	require.Equal(t, 1, res.ExitCode())
	lost := get(t, res.Results, "workload", "lost-count")
	require.NotZero(t, lost)
	for _, p := range res.Problems {
		assert.NotContains(t, p, "crashed", "a node killed by the nemesis is no crash")
		assert.NotContains(t, p, "never replied", "timeouts while a node is down are not its doing")
		assert.NotContains(t, p, "stdin", "writes to a dying node are not its doing")
	}

	ops, events := stored(t, res.Dir)
	kills := nemesisOps(ops, "kill", "start")
	require.GreaterOrEqual(t, len(kills), 4, "at least one kill and one start")
	all := `{"n0" :killed, "n1" :killed, "n2" :killed}`
	started := `{"n0" :started, "n1" :started, "n2" :started}`
	for i := 0; i+1 < len(kills); i += 2 {
		switch kills[i] {
		case "kill :all":
			require.Equal(t, "kill "+all, kills[i+1])
		case "start :all":
			require.Contains(t, []string{"start " + started, "start {}"}, kills[i+1])
		default:
			t.Fatalf("unexpected nemesis op %q", kills[i])
		}
	}
	// Every restart is logged, and the node came back through init.
	raw, err := os.ReadFile(filepath.Join(res.Dir, "node-logs", "n0.log"))
	require.NoError(t, err)
	restarts := strings.Count(string(raw), "[eddy] node n0 was killed; restarted here")
	require.Equal(t, strings.Count(strings.Join(kills, "\n"), "start "+started), restarts)
	require.Equal(t, restarts+1, strings.Count(string(raw), "memorybroadcast memory starting with 0 values"))
	inits := 0
	for _, ev := range events {
		if ev.Kind == netsim.Recv && ev.Msg.Dest == "n0" && strings.Contains(string(ev.Msg.Body), `"type":"init"`) {
			inits++
		}
	}
	require.Equal(t, restarts+1, inits, "a fresh init for every incarnation")

	// Messages due to a node while it was down were dropped, each with its
	// fate, and only then.
	spans := nemesis.Spans(ops, 1<<62)
	drops := 0
	for _, ev := range events {
		if ev.Kind != netsim.Drop {
			continue
		}
		drops++
		require.Equal(t, netsim.FateCrashed, ev.Fate)
		require.True(t, within(spans, nemesis.Kill, ev.Msg.Dest, ev.Time), "drop at %d to %s outside its kills", ev.Time, ev.Msg.Dest)
	}
	require.NotZero(t, drops)
	require.Contains(t, edn.String(get(t, res.Results, "eddy")), ":fault :kill")
	explainsKills(t, res)
}

// explainsKills checks that a run's explanations of lost elements name
// the kill behind each: the element, a node and the kill's time in the
// summary, the kill in the evidence, and its shading on the diagram.
func explainsKills(t *testing.T, res runner.Result) {
	t.Helper()
	var lost []explain.Explanation
	for _, e := range res.Explanations {
		if strings.HasPrefix(e.Finding, "lost element ") {
			lost = append(lost, e)
		}
	}
	require.NotEmpty(t, lost, "the lost elements are explained")
	for _, e := range lost {
		t.Logf("%s: %s", e.Finding, e.Summary)
		first, _, _ := strings.Cut(strings.TrimPrefix(e.Finding, "lost element "), ",")
		assert.Contains(t, e.Summary, "element "+first+" was ", e.Summary)
		assert.Regexp(t, `n[0-2],? .*killed at [0-9]+\.[0-9]{3} s`, e.Summary)
		kills := 0
		for _, it := range e.Evidence {
			if it.Kind == explain.Nemesis && it.Type == "kill" {
				kills++
				assert.Regexp(t, `^n[0-2](, n[0-2])*$`, it.Text)
			}
		}
		assert.NotZero(t, kills, "the kill is evidence: %s", e.Summary)
		require.NotEmpty(t, e.Diagram)
		svg, err := os.ReadFile(filepath.Join(res.Dir, e.Diagram))
		require.NoError(t, err)
		assert.Contains(t, string(svg), `class="fault kill"`, "the diagram shades the kill")
	}
}

// within reports whether node was under fault at time t.
func within(spans []nemesis.Span, f nemesis.Fault, node string, t int64) bool {
	for _, s := range spans {
		if s.Fault == f && contains(s.Nodes, node) && s.Start <= t && t <= s.End {
			return true
		}
	}
	return false
}

// The same node keeping what it acknowledged in its durable directory
// survives the same kills: its directory outlives its restarts.
func TestDurableSurvivesKill(t *testing.T) {
	t.Parallel()
	cfg := faultRun(t, "durable", "kill")
	cfg.NemesisTargets = []string{"all"}
	res := run(t, cfg)
	require.Equal(t, check.Valid, res.Valid, edn.String(res.Results))
	require.Empty(t, res.Aborted)
	ops, _ := stored(t, res.Dir)
	require.Contains(t, nemesisOps(ops, "kill"), `kill {"n0" :killed, "n1" :killed, "n2" :killed}`)
	raw, err := os.ReadFile(filepath.Join(res.Dir, "node-logs", "n1.log"))
	require.NoError(t, err)
	require.Regexp(t, `restarted here\nmemorybroadcast durable starting with [1-9]`, string(raw), "a restart found the values")
	require.FileExists(t, filepath.Join(res.Dir, "node-data", "n1", "values"))
}

// Under pause, the in-memory node stays valid: a paused node is slow, not
// gone. Nothing is delivered to a paused node; what was sent to it while
// paused arrives once it resumes.
func TestPauseKeepsMemory(t *testing.T) {
	t.Parallel()
	cfg := faultRun(t, "memory", "pause")
	cfg.NemesisTargets = []string{"one", "majority"}
	res := run(t, cfg)
	require.Equal(t, check.Valid, res.Valid, edn.String(res.Results))
	ops, events := stored(t, res.Dir)
	pauses := nemesisOps(ops, "pause", "resume")
	require.Contains(t, strings.Join(pauses, "\n"), ":paused")

	// The pause is in effect from its completion to the resume's first
	// record.
	type window struct {
		node     string
		from, to int64
	}
	var windows []window
	paused := map[string]int64{}
	for _, o := range ops {
		if o.Process != history.Nemesis {
			continue
		}
		m, done := o.Value.(*edn.Map)
		switch {
		case o.F == "pause" && done:
			m.Each(func(k, _ any) { paused[k.(string)] = o.Time })
		case o.F == "resume" && !done:
			for n, from := range paused {
				windows = append(windows, window{n, from, o.Time})
			}
			paused = map[string]int64{}
		}
	}
	require.NotEmpty(t, windows)
	held := 0
	sent := map[int64]int64{} // message id → send time
	for _, ev := range events {
		switch ev.Kind {
		case netsim.Send:
			sent[ev.Msg.ID] = ev.Time
		case netsim.Recv:
			for _, w := range windows {
				if ev.Msg.Dest != w.node {
					continue
				}
				require.False(t, w.from < ev.Time && ev.Time < w.to, "message %d delivered to paused %s", ev.Msg.ID, w.node)
				if s, ok := sent[ev.Msg.ID]; ok && w.from < s && s < w.to && ev.Time >= w.to {
					held++ // sent during the pause, delivered after it
				}
			}
		}
	}
	require.NotZero(t, held, "messages to a paused node wait for it")
	for _, ev := range events {
		require.NotEqual(t, netsim.Drop, ev.Kind, "a pause drops nothing")
	}
}

// The nemesis's schedule — which faults, in what order, hitting whom — is
// a function of the seed alone.
func TestNemesisScheduleSameSeed(t *testing.T) {
	t.Parallel()
	schedule := func(seed uint64) (parts, procs []string) {
		cfg := quick(t, "echo", bins.MustBuild(t, "runner/testdata/nodes/misbehave"), 4)
		cfg.Args = []string{"ok"}
		cfg.Nemesis = []string{"partition,kill,pause"}
		cfg.NemesisInterval = 200 * time.Millisecond
		cfg.TimeLimit = 1500 * time.Millisecond
		cfg.Rate = 20
		cfg.Seed = seed
		res := run(t, cfg)
		require.Empty(t, res.Aborted)
		ops, _ := stored(t, res.Dir)
		return nemesisOps(ops, "start-partition"), nemesisOps(ops, "kill", "start", "pause", "resume")
	}
	// The three runs go at once: timing differs, the schedule must not.
	var p1, k1, p2, k2, k3 []string
	var wg sync.WaitGroup
	wg.Go(func() { p1, k1 = schedule(5) })
	wg.Go(func() { p2, k2 = schedule(5) })
	wg.Go(func() { _, k3 = schedule(6) })
	wg.Wait()
	prefix := func(a, b []string) ([]string, []string) {
		n := min(len(a), len(b))
		return a[:n], b[:n]
	}
	require.GreaterOrEqual(t, min(len(k1), len(k2)), 6)
	require.GreaterOrEqual(t, min(len(p1), len(p2)), 2)
	a, b := prefix(k1, k2)
	require.Equal(t, a, b)
	a, b = prefix(p1, p2)
	require.Equal(t, a, b)
	a, b = prefix(k1, k3)
	require.NotEqual(t, a, b, "another seed, another schedule")
}

// A node that exits on its own is a crash even under the kill nemesis: the
// run aborts (255) and names it.
func TestCrashUnderKill(t *testing.T) {
	t.Parallel()
	cfg := quick(t, "echo", bins.MustBuild(t, "runner/testdata/nodes/misbehave"), 2)
	cfg.Args = []string{"exit-after", "10"}
	cfg.Nemesis = []string{"kill"}
	cfg.NemesisTargets = []string{"one"}
	cfg.NemesisInterval = 300 * time.Millisecond
	res := run(t, cfg)
	require.Equal(t, 255, res.ExitCode())
	require.Contains(t, res.Aborted, "crashed (exit status 3)")
}

func TestNemesisFlags(t *testing.T) {
	t.Parallel()
	cfg := quick(t, "echo", bins.MustBuild(t, "runner/testdata/nodes/misbehave"), 1)
	cfg.Nemesis = []string{"partition,crash"}
	_, err := runner.Run(t.Context(), cfg)
	require.EqualError(t, err, `unknown --nemesis fault "crash" (eddy supports: partition, kill, pause)`)
	cfg.Nemesis = []string{"kill"}
	cfg.NemesisTargets = []string{"half"}
	_, err = runner.Run(t.Context(), cfg)
	require.ErrorContains(t, err, `unknown --nemesis-targets target "half"`)
}
