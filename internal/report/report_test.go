package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/checker"
	"github.com/eddy-workbench/eddy/internal/history"
)

func kw(s string) edn.Keyword { return edn.Keyword(s) }

func TestTimestamp(t *testing.T) {
	cases := []struct {
		zone *time.Location
		want string
	}{
		{time.UTC, "20261122T143012.123+0000"},
		{time.FixedZone("IST", 5*3600+30*60), "20261122T200012.123+0530"},
		{time.FixedZone("PST", -8*3600), "20261122T063012.123-0800"},
	}
	at := time.Date(2026, 11, 22, 14, 30, 12, 123987654, time.UTC)
	for _, c := range cases {
		require.Equal(t, c.want, Timestamp(at.In(c.zone)))
	}
	require.Equal(t, "20260102T030405.000+0000", Timestamp(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)))
}

func TestNewRunDir(t *testing.T) {
	root := filepath.Join(t.TempDir(), "store")
	at := time.Date(2026, 11, 22, 14, 30, 12, 123000000, time.UTC)
	dir, err := NewRunDir(root, "echo", at)
	require.NoError(t, err)
	require.Equal(t, filepath.Join(root, "echo", Timestamp(at.Local())), dir)
	st, err := os.Stat(dir)
	require.NoError(t, err)
	require.True(t, st.IsDir())

	second, err := NewRunDir(root, "echo", at)
	require.NoError(t, err, "the same millisecond twice")
	require.Equal(t, dir+"-2", second)
	third, err := NewRunDir(root, "echo", at)
	require.NoError(t, err)
	require.Equal(t, dir+"-3", third)

	other, err := NewRunDir(root, "echo", at.Add(time.Millisecond))
	require.NoError(t, err)
	require.NotEqual(t, dir, other)
}

func TestLinkAfterRuns(t *testing.T) {
	root := filepath.Join(t.TempDir(), "store")
	at := time.Date(2026, 11, 22, 14, 30, 12, 0, time.UTC)
	type run struct{ workload, dir string }
	var runs []run
	for i, w := range []string{"echo", "echo", "unique-ids"} {
		dir, err := NewRunDir(root, w, at.Add(time.Duration(i)*time.Second))
		require.NoError(t, err)
		require.NoError(t, Link(root, w, dir))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "marker"), []byte(dir), 0o644))
		runs = append(runs, run{w, dir})

		name := filepath.Base(dir)
		for link, want := range map[string]string{
			filepath.Join(root, "latest"):    filepath.Join(w, name),
			filepath.Join(root, "current"):   filepath.Join(w, name),
			filepath.Join(root, w, "latest"): name,
		} {
			got, err := os.Readlink(link)
			require.NoError(t, err)
			require.Equal(t, want, got, "%s is relative", link)
			marker, err := os.ReadFile(filepath.Join(link, "marker"))
			require.NoError(t, err)
			require.Equal(t, dir, string(marker), "%s resolves to the run", link)
		}
	}
	// echo/latest still names the second echo run.
	got, err := os.Readlink(filepath.Join(root, "echo", "latest"))
	require.NoError(t, err)
	require.Equal(t, filepath.Base(runs[1].dir), got)

	// No temporary links are left behind.
	for _, d := range []string{root, filepath.Join(root, "echo"), filepath.Join(root, "unique-ids")} {
		entries, err := os.ReadDir(d)
		require.NoError(t, err)
		for _, e := range entries {
			require.False(t, strings.HasPrefix(e.Name(), "."), e.Name())
		}
	}
}

func TestLinkWithRelativePaths(t *testing.T) {
	t.Chdir(t.TempDir())
	dir, err := NewRunDir("store", "echo", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	require.NoError(t, Link("store", "echo", dir))
	got, err := os.Readlink(filepath.Join("store", "latest"))
	require.NoError(t, err)
	require.Equal(t, filepath.Join("echo", filepath.Base(dir)), got)
}

func TestKeyStringForQuantiles(t *testing.T) {
	for k, want := range map[float64]string{0: "0", 0.5: "0.5", 0.95: "0.95", 0.99: "0.99", 1: "1"} {
		require.Equal(t, want, edn.KeyString(k))
	}
}

func sampleResults() *edn.Map {
	counts := check.NetCounts{Sends: 20008, Recvs: 20006, Msgs: 20002, MsgsPerOp: 2.0002}
	net := checker.NetEDN(check.Figures{Invocations: 10000, Net: check.Net{All: counts, Clients: counts}})
	workload := edn.NewMap(
		kw("valid?"), true,
		kw("stable-latencies"), edn.NewMap(0.0, int64(0), 0.5, int64(1), 0.95, int64(12), 0.99, int64(40), 1.0, int64(55)),
		kw("lost"), []any{},
		kw("note"), "quotes \" and\nnewlines",
	)
	return edn.NewMap(
		kw("perf"), edn.NewMap(kw("latency-graph"), edn.NewMap(kw("valid?"), true),
			kw("rate-graph"), edn.NewMap(kw("valid?"), true), kw("valid?"), true),
		kw("availability"), checker.AvailabilityEDN(checker.Figures(nil, nil, checker.NetStats{}), checker.AvailabilitySpec{}),
		kw("net"), net,
		kw("workload"), workload,
		kw("valid?"), true,
	)
}

func TestWriteResults(t *testing.T) {
	dir := t.TempDir()
	results := sampleResults()
	require.NoError(t, WriteResults(dir, results))

	text, err := os.ReadFile(filepath.Join(dir, "results.edn"))
	require.NoError(t, err)
	require.Equal(t, string(edn.Pretty(results))+"\n", string(text))
	require.True(t, strings.HasPrefix(string(text), "{:perf {:latency-graph {:valid? true},\n"), string(text))
	require.Contains(t, string(text), "\n :valid? true}\n")

	raw, err := os.ReadFile(filepath.Join(dir, "results.json"))
	require.NoError(t, err)
	require.True(t, bytes.HasSuffix(raw, []byte("}\n")))
	require.Contains(t, string(raw), "\n  \"net\": {\n", "indented")

	var got map[string]any
	require.NoError(t, json.Unmarshal(raw, &got))
	want := map[string]any{
		"perf": map[string]any{
			"latency-graph": map[string]any{"valid?": true},
			"rate-graph":    map[string]any{"valid?": true},
			"valid?":        true,
		},
		"availability": map[string]any{"valid?": true, "ok-fraction": 1.0},
		"net": map[string]any{
			"all":     map[string]any{"send-count": 20008.0, "recv-count": 20006.0, "msg-count": 20002.0, "msgs-per-op": 2.0002},
			"clients": map[string]any{"send-count": 20008.0, "recv-count": 20006.0, "msg-count": 20002.0},
			"servers": map[string]any{"send-count": 0.0, "recv-count": 0.0, "msg-count": 0.0, "msgs-per-op": 0.0},
			"valid?":  true,
		},
		"workload": map[string]any{
			"valid?":           true,
			"stable-latencies": map[string]any{"0": 0.0, "0.5": 1.0, "0.95": 12.0, "0.99": 40.0, "1": 55.0},
			"lost":             []any{},
			"note":             "quotes \" and\nnewlines",
		},
		"valid?": true,
	}
	require.Equal(t, want, got)

	// Numbers stay numbers: msgs-per-op is not a string.
	var typed struct {
		Net struct {
			Servers struct {
				MsgsPerOp json.Number `json:"msgs-per-op"`
			} `json:"servers"`
		} `json:"net"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	require.NoError(t, dec.Decode(&typed))
	f, err := typed.Net.Servers.MsgsPerOp.Float64()
	require.NoError(t, err)
	require.Equal(t, 0.0, f)
}

func TestWriteHistory(t *testing.T) {
	dir := t.TempDir()
	ops := []history.Op{
		{Index: 0, Time: 10, Type: history.Invoke, Process: 0, F: "echo", Value: "Please echo 1"},
		{Index: 1, Time: 20, Type: history.Info, Process: history.Nemesis, F: "start-partition", Value: nil},
		{Index: 2, Time: 30, Type: history.Info, Process: 0, F: "echo", Value: "Please echo 1",
			Error: []any{kw("timeout"), "Client read timeout"}},
	}
	require.NoError(t, WriteHistory(dir, ops))

	var wantEDN, wantTxt bytes.Buffer
	require.NoError(t, history.WriteEDN(&wantEDN, ops))
	require.NoError(t, history.WriteText(&wantTxt, ops))
	gotEDN, err := os.ReadFile(filepath.Join(dir, "history.edn"))
	require.NoError(t, err)
	gotTxt, err := os.ReadFile(filepath.Join(dir, "history.txt"))
	require.NoError(t, err)
	require.Equal(t, wantEDN.String(), string(gotEDN))
	require.Equal(t, wantTxt.String(), string(gotTxt))
	require.Equal(t, 3, strings.Count(string(gotEDN), "\n"))
}

func TestWriteIntoMissingDirFails(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope")
	require.Error(t, WriteResults(missing, edn.NewMap()))
	require.Error(t, WriteHistory(missing, nil))
}
