package runner_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/explain"
	"github.com/eddy-workbench/eddy/runner"
)

// explained checks the explanations of a broken node's invalid run: there
// is at least one; results.edn lists them all with their keys; each
// diagram and file exists; eddy analyze of the stored run gives the same
// ones; and want, if set, looks at what they say.
func explained(t *testing.T, res runner.Result, want func(t *testing.T, es []explain.Explanation)) {
	t.Helper()
	es := res.Explanations
	require.NotEmpty(t, es, "an invalid run is explained")
	listed := get(t, res.Results, "explanations").([]any)
	require.Len(t, listed, len(es))
	for i, e := range es {
		assert.NotEmpty(t, e.Finding)
		assert.NotEmpty(t, e.Summary)
		assert.NotEmpty(t, e.Evidence, e.Summary)
		m := listed[i].(*edn.Map)
		for _, k := range []string{"checker", "finding", "summary", "evidence", "diagram"} {
			_, ok := m.Get(edn.Keyword(k))
			assert.True(t, ok, "no :%s in %s", k, edn.String(m))
		}
		if e.Diagram != "" {
			svg, err := os.ReadFile(filepath.Join(res.Dir, e.Diagram))
			require.NoError(t, err)
			assert.Contains(t, string(svg), "<svg")
		}
		for _, f := range e.Files {
			_, err := os.Stat(filepath.Join(res.Dir, f.Name))
			assert.NoError(t, err)
		}
	}
	index, err := os.ReadFile(filepath.Join(res.Dir, "index.html"))
	require.NoError(t, err)
	assert.Contains(t, string(index), `id="why-0"`)
	again, err := runner.Analyze(context.Background(), res.Dir)
	require.NoError(t, err)
	require.Len(t, again.Explanations, len(es))
	for i := range es {
		assert.Equal(t, es[i].Summary, again.Explanations[i].Summary)
		assert.Equal(t, es[i].Diagram, again.Explanations[i].Diagram)
	}
	if want != nil {
		want(t, es)
	}
}

// saying finds the explanations whose summary holds every one of parts.
func saying(es []explain.Explanation, parts ...string) []explain.Explanation {
	var out []explain.Explanation
	for _, e := range es {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(e.Summary, p)
		}
		if all {
			out = append(out, e)
		}
	}
	return out
}

// says checks that some explanation's summary holds every one of parts.
func says(parts ...string) func(t *testing.T, es []explain.Explanation) {
	return func(t *testing.T, es []explain.Explanation) {
		t.Helper()
		assert.NotEmpty(t, saying(es, parts...), "no explanation says %q: %s", parts, summaries(es))
	}
}

// withFate checks that some explanation saying parts has evidence of a
// message with that fate.
func withFate(fate explain.FateKind, parts ...string) func(t *testing.T, es []explain.Explanation) {
	return func(t *testing.T, es []explain.Explanation) {
		t.Helper()
		found := false
		for _, e := range saying(es, parts...) {
			for _, it := range e.Evidence {
				found = found || it.Fate.Kind == fate
			}
		}
		assert.True(t, found, "no explanation saying %q has a %s message: %s", parts, fate, summaries(es))
	}
}

func all(checks ...func(t *testing.T, es []explain.Explanation)) func(t *testing.T, es []explain.Explanation) {
	return func(t *testing.T, es []explain.Explanation) {
		t.Helper()
		for _, c := range checks {
			c(t, es)
		}
	}
}

func summaries(es []explain.Explanation) string {
	var b strings.Builder
	for _, e := range es {
		b.WriteString("\n- " + e.Finding + ": " + e.Summary)
	}
	return b.String()
}

// explanationsOf are the checks of each broken node's explanations, by the
// name of its test case.
var explanationsOf = map[string]func(t *testing.T, es []explain.Explanation){
	"echo that alters the text":                              says("answered the echo of", `!"`),
	"echo that answers with the previous request's text":     says("the text of an earlier request to it"),
	"ids that collide across nodes":                          all(says("was acknowledged", "different nodes generated it"), sameReplyFromNodes),
	"ids that wrap around after 50 per node":                 says("one node generated it more than once"),
	"counter that counts only locally":                       says("is exactly the sum of the adds", "served itself: it never counted the adds acknowledged through"),
	"counter that drops acknowledged adds":                   says("n0 acknowledged adds its reads did not count"),
	"counter whose reads are stale seq-kv reads":             all(says("replaced a value their node had not read"), withFate(explain.Delivered, "stale read")),
	"pn-counter that takes negative deltas for 0":            says("is the sum of the positive deltas alone"),
	"broadcast that never forwards":                          all(says("was acknowledged by", "no node ever sent it to"), withFate(explain.NeverSent, "no node ever sent it")),
	"broadcast that forwards once, under partitions":         withFate(explain.Dropped, "dropped by partition"),
	"broadcast that drops every 10th client broadcast":       says("itself lacks it in its final read"),
	"g-set that never forwards":                              says("no node ever sent it to"),
	"g-set that keeps only the 5 most recent elements":       says("lacks it"),
	"kafka nodes allocating offsets independently":           says("never sent each other a message mentioning key", "each allocated offsets alone"),
	"kafka polls that skip messages":                         says("skipping", "had it itself"),
	"kafka node that loses acknowledged sends":               says("yet no poll returned it", "served both and lost it itself"),
	"lin-kv nodes that never replicate":                      says("cannot be linearized"),
	"lin-kv node whose cas always succeeds":                  says("cannot be linearized"),
	"txn node that keeps the writes of aborted transactions": says("a transaction that failed", "which answered fail", "all on n0"),
	"txn node that exposes intermediate writes":              says("an intermediate state", "all on n0"),
}

// sameReplyFromNodes checks that an explanation shows replies from
// different nodes carrying the same id.
func sameReplyFromNodes(t *testing.T, es []explain.Explanation) {
	t.Helper()
	for _, e := range es {
		from := map[string]map[string]bool{} // reply text → nodes
		for _, it := range e.Evidence {
			if it.Kind == explain.Message && strings.HasPrefix(it.Text, "id ") {
				if from[it.Text] == nil {
					from[it.Text] = map[string]bool{}
				}
				from[it.Text][it.From] = true
			}
		}
		for _, nodes := range from {
			if len(nodes) > 1 {
				return
			}
		}
	}
	t.Errorf("no explanation shows one id in replies from two nodes: %s", summaries(es))
}
