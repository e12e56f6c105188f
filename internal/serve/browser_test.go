package serve_test

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/testbin"
	"github.com/eddy-workbench/eddy/runner"
)

// chromium finds a headless browser. Without one the test is skipped
// locally, but fails under CI (CI set), where one must be installed.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("CI is set but chromium is not installed (.ci/run installs it)")
	}
	t.Skip("chromium is not installed")
	return ""
}

// dumpDOM loads url in headless chromium and returns the DOM after scripts
// and layout, within a time bound.
func dumpDOM(t *testing.T, browser, url string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	profile := t.TempDir()
	cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+profile, "--dump-dom", url)
	cmd.Env = append(os.Environ(), "HOME="+profile)
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.Output()
	require.NoError(t, ctx.Err(), "chromium took too long on %s", url)
	require.NoError(t, err, "chromium --dump-dom %s", url)
	return string(out)
}

func TestBrowserShowsARun(t *testing.T) {
	browser := chromium(t)
	bins := testbin.New(t.TempDir())
	store := t.TempDir()
	res, err := runner.Run(context.Background(), runner.Config{
		Workload: "broadcast", Bin: bins.MustBuild(t, "nodes/broadcast"), NodeCount: 3,
		TimeLimit: 2 * time.Second, Rate: 20, RecoveryWait: 500 * time.Millisecond,
		StoreDir: store, Seed: 7, SeedSet: true,
	})
	require.NoError(t, err)
	require.Equal(t, check.Valid, res.Valid, edn.String(res.Results))

	srv := httptest.NewServer(handler(t, store))
	defer srv.Close()

	list := dumpDOM(t, browser, srv.URL+"/")
	rel, err := filepath.Rel(store, res.Dir)
	require.NoError(t, err)
	link := "/" + filepath.ToSlash(rel) + "/"
	assert.Contains(t, list, `href="`+link+`"`, "the run list links to the run")
	assert.Regexp(t, `<tr class="run" data-valid="true" style="background: #6DB6FE;?">`, list)

	page := dumpDOM(t, browser, srv.URL+link)
	assert.Regexp(t, `<span id="verdict" class="verdict" data-valid="true"[^>]*>true</span>`, page)
	// The diagram is inline: an SVG with arrows between the nodes.
	diagram := regexp.MustCompile(`(?s)<div id="diagram">\s*<svg[^>]*class="lamport".*?</svg>`).FindString(page)
	require.NotEmpty(t, diagram, "no Lamport diagram in the rendered page")
	assert.Greater(t, strings.Count(diagram, `<g class="msg">`), 10)
	assert.Contains(t, diagram, ">broadcast_ok</text>")
	for _, plot := range []string{"latency-raw.svg", "latency-quantiles.svg", "rate.svg", "stable-latencies.svg"} {
		assert.Contains(t, page, `<img class="plot" src="`+plot+`"`)
	}
	assert.NotRegexp(t, `(src|href)="(https?:)?//`, page, "the report is self-contained")

	// A plot loads in the browser from the server.
	svg := dumpDOM(t, browser, srv.URL+link+"rate.svg")
	assert.Contains(t, svg, "Rate of operations")
}
