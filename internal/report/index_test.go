package report

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/edn"
)

func TestWriteIndex(t *testing.T) {
	t.Parallel()
	results := func(valid any, wl *edn.Map, eddy *edn.Map) *edn.Map {
		return edn.NewMap(
			kw("stats"), edn.NewMap(kw("valid?"), true, kw("count"), int64(10), kw("ok-count"), int64(9), kw("fail-count"), int64(1), kw("info-count"), int64(0)),
			kw("availability"), edn.NewMap(kw("valid?"), true, kw("ok-fraction"), 0.9),
			kw("net"), edn.NewMap(kw("servers"), edn.NewMap(kw("msgs-per-op"), 2.5), kw("valid?"), true),
			kw("workload"), wl,
			kw("eddy"), eddy,
			kw("valid?"), valid)
	}
	lost := edn.NewMap(kw("valid?"), false, kw("lost-count"), int64(2), kw("lost"), []any{int64(3), int64(9)},
		kw("stable-latencies"), edn.NewMap(int64(0), int64(0), 0.5, int64(12), int64(1), int64(40)), kw("never-read"), []any{})
	tests := []struct {
		name    string
		results *edn.Map
		want    []string
		absent  []string
	}{
		{"valid", results(true, edn.NewMap(kw("valid?"), true), edn.NewMap(kw("seed"), int64(1))),
			[]string{`data-valid="true" style="background: #6DB6FE"`, "eddy noticed no misbehaviour", `<td class="num">2.5</td>`, `<td class="num">0.9</td>`},
			[]string{"aborted", `id="warnings"`}},
		{"invalid, with findings", results(false, lost, edn.NewMap(kw("seed"), int64(1))),
			[]string{`data-valid="false" style="background: #FEB5DA"`, "<b>:lost</b>", "<pre>[3 9]</pre>", ":workload :lost-count", "{0 0, 0.5 12, 1 40}"},
			[]string{"<b>:never-read</b>", "<b>:lost-count</b>"}},
		{"invalid, with explanations in words", results(false, edn.NewMap(kw("valid?"), false,
			kw("anomalies"), edn.NewMap(kw("G1a"), []any{
				edn.NewMap(kw("op"), int64(1), kw("explanation"), "op 17 read key 7 = 2, which only op 11 wrote"),
				edn.NewMap(kw("op"), int64(2), kw("explanation"), "second"),
				edn.NewMap(kw("op"), int64(3), kw("explanation"), "third"),
				edn.NewMap(kw("op"), int64(4), kw("explanation"), "fourth <b>"),
			})), edn.NewMap(kw("seed"), int64(1))),
			[]string{`<div id="explanations">`, `<b>:G1a</b><pre class="explanation">op 17 read key 7 = 2, which only op 11 wrote</pre>`, "third"},
			[]string{`<pre class="explanation">fourth`}},
		{"unknown, aborted, with problems to escape", results(edn.Keyword("unknown"), edn.NewMap(kw("valid?"), true),
			edn.NewMap(kw("seed"), int64(1), kw("aborted"), "node n0 crashed", kw("problems"), []any{`node n0 printed <script>alert("x")</script>`})),
			[]string{`data-valid="unknown" style="background: #FFAA26"`, "The run was aborted: node n0 crashed", "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"},
			[]string{"<script>"}},
		{"valid, with a warning of eddy's own", results(true, edn.NewMap(kw("valid?"), true),
			edn.NewMap(kw("seed"), int64(1), kw("warnings"), []any{"Maelstrom would pass this run, but not every node converged: n1–n4 lack 45 <&>"})),
			[]string{`<div id="warnings">`, `<p class="warning">⚠ Maelstrom would pass this run, but not every node converged: n1–n4 lack 45 &lt;&amp;&gt;</p>`},
			[]string{"aborted"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			require.NoError(t, os.MkdirAll(filepath.Join(dir, "node-logs"), 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "node-logs", "n0.log"), []byte("x"), 0o644))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "results.edn"), []byte("{}"), 0o644))
			require.NoError(t, WriteIndex(dir, Index{Workload: "broadcast", Run: "20261201T000000.000+0000", Results: tt.results,
				Settings: [][2]string{{"nodes", "n0 n1"}}, Plots: []Figure{{File: "rate.svg", Title: "Rate"}}}))
			b, err := os.ReadFile(filepath.Join(dir, "index.html"))
			require.NoError(t, err)
			page := string(b)
			for _, w := range tt.want {
				assert.Contains(t, page, w)
			}
			for _, a := range tt.absent {
				assert.NotContains(t, page, a)
			}
			// Every file of the run is linked, and nothing outside it.
			for _, f := range []string{"index.html", "node-logs/n0.log", "results.edn", "rate.svg"} {
				assert.Contains(t, page, `href="`+f+`"`)
			}
			for _, m := range regexp.MustCompile(`(?:href|src)="([^"]*)"`).FindAllStringSubmatch(page, -1) {
				assert.False(t, strings.Contains(m[1], "//") || strings.HasPrefix(m[1], "/") || strings.Contains(m[1], ".."), m[1])
			}
		})
	}
}
