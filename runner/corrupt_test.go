package runner_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/runner"
)

// corpusRun is a short run of one workload, stored once per test process,
// whose files the corruption fuzz test edits copies of.
type corpusRun struct {
	workload, pkg string
	nodes         int
	args          []string
	config        func(*runner.Config)
}

// corpusRuns cover every workload of Maelstrom's, with the repository's
// nodes.
var corpusRuns = []corpusRun{
	{"echo", "nodes/echo", 1, nil, nil},
	{"unique-ids", "nodes/uniqueids", 2, nil, func(c *runner.Config) {
		c.Nemesis, c.NemesisInterval = []string{"partition"}, 300*time.Millisecond
	}},
	{"broadcast", "nodes/broadcast", 2, []string{"-round", "100ms"}, func(c *runner.Config) {
		c.Nemesis, c.NemesisInterval = []string{"partition"}, 300*time.Millisecond
	}},
	{"g-set", "nodes/broadcast", 2, []string{"-round", "100ms"}, nil},
	{"g-counter", "nodes/gcounter", 2, []string{"-sync", "100ms"}, nil},
	{"pn-counter", "nodes/gcounter", 2, []string{"-sync", "100ms"}, nil},
	{"lin-kv", "nodes/linkv", 2, nil, func(c *runner.Config) { c.Concurrency = "2n" }},
	{"kafka", "nodes/kafka", 2, nil, func(c *runner.Config) { c.Concurrency = "2n" }},
	{"txn-rw-register", "nodes/txn", 2, nil, func(c *runner.Config) {
		c.Concurrency, c.ConsistencyModels = "2n", []string{"read-committed"}
	}},
	{"txn-list-append", "runner/testdata/nodes/brokentxn", 1, []string{"ok"}, func(c *runner.Config) { c.Concurrency = "2n" }},
}

// storedFiles are the files of a stored run that a re-analysis reads.
var storedFiles = []string{"test.json", "history.edn", "net-journal.jsonl"}

var (
	corpusOnce  sync.Once
	corpusFiles []map[string][]byte // per corpusRuns entry
	corpusErr   error
)

// corpus runs every corpus run, in parallel, once per test process.
func corpus(tb testing.TB) []map[string][]byte {
	tb.Helper()
	corpusOnce.Do(func() {
		store, err := os.MkdirTemp("", "eddy-corpus-")
		if err != nil {
			corpusErr = err
			return
		}
		defer os.RemoveAll(store)
		corpusFiles = make([]map[string][]byte, len(corpusRuns))
		errs := make([]error, len(corpusRuns))
		var wg sync.WaitGroup
		for i, c := range corpusRuns {
			wg.Go(func() {
				bin, err := bins.Build(c.pkg)
				if err != nil {
					errs[i] = err
					return
				}
				cfg := runner.Config{
					Workload: c.workload, Bin: bin, Args: c.args, NodeCount: c.nodes,
					TimeLimit: time.Second, Rate: 40, Seed: uint64(i + 1), SeedSet: true,
					StoreDir: filepath.Join(store, fmt.Sprint(i)), RecoveryWait: 300 * time.Millisecond,
				}
				if c.config != nil {
					c.config(&cfg)
				}
				res, err := runner.Run(context.Background(), cfg)
				if err != nil {
					errs[i] = err
					return
				}
				files := map[string][]byte{}
				for _, f := range storedFiles {
					if files[f], err = os.ReadFile(filepath.Join(res.Dir, f)); err != nil {
						errs[i] = err
						return
					}
				}
				corpusFiles[i] = files
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				corpusErr = err
			}
		}
	})
	if corpusErr != nil {
		tb.Fatal(corpusErr)
	}
	return corpusFiles
}

// token matches one token of an EDN or JSON line: a string, a delimiter, a
// run of other characters, or white space.
var token = regexp.MustCompile(`"(?:[^"\\]|\\.)*"?|##?[A-Za-z-]*\{?|[{}\[\]()]|[^\s{}\[\]()",#]+|[\s,]+`)

// vocabulary is what a replacing edit puts in: tokens of both files' kinds,
// and troublemakers.
var vocabulary = []string{"nil", "null", ":ok", ":invoke", ":fail", ":info", ":nemesis", "0", "-1", "1",
	"9223372036854775807", "99999999999999999999", "1e400", "##NaN", "##Inf", `"x"`, `""`, "{", "}", "[", "]",
	"(", ")", "#{", ":index", ":time", ":type", ":process", ":f", ":value", ":read", ":txn", ":send", ":poll",
	":final?", "true", `"type"`, `"send"`, `"recv"`, `"src"`, `"body"`, `"seq"`, ":r", ":w", ":append", "2.5", "\\a", "#_"}

// corrupt applies an edit script to text: each 3 bytes are one edit (what,
// and where as a fraction of the text's tokens or lines).
func corrupt(text []byte, script []byte) []byte {
	for len(script) >= 3 {
		op, at := script[0], int(script[1])<<8|int(script[2])
		script = script[3:]
		if op%8 >= 5 { // a line edit
			lines := strings.SplitAfter(string(text), "\n")
			if len(lines) == 0 {
				continue
			}
			i := at % len(lines)
			switch op % 8 {
			case 5: // delete
				lines = append(lines[:i], lines[i+1:]...)
			case 6: // duplicate
				lines = append(lines[:i+1], lines[i:]...)
			case 7: // swap with the next
				j := (i + 1) % len(lines)
				lines[i], lines[j] = lines[j], lines[i]
			}
			text = []byte(strings.Join(lines, ""))
			continue
		}
		toks := token.FindAllIndex(text, -1)
		var words [][]int
		for _, t := range toks {
			if strings.TrimSpace(strings.Trim(string(text[t[0]:t[1]]), ",")) != "" {
				words = append(words, t)
			}
		}
		if len(words) == 0 {
			continue
		}
		w := words[at%len(words)]
		tok := string(text[w[0]:w[1]])
		var with string
		switch op % 8 {
		case 0: // delete
		case 1: // duplicate
			with = tok + " " + tok
		case 2: // replace from the vocabulary
			with = vocabulary[int(op/8)%len(vocabulary)]
		case 3: // swap with another token
			v := words[(at/7+1)%len(words)]
			if v[0] > w[0] {
				other := string(text[v[0]:v[1]])
				text = []byte(string(text[:w[0]]) + other + string(text[w[1]:v[0]]) + tok + string(text[v[1]:]))
				continue
			}
			with = tok
		case 4: // cut a token in two
			with = tok[:len(tok)/2]
		}
		text = []byte(string(text[:w[0]]) + with + string(text[w[1]:]))
	}
	return text
}

// FuzzAnalyzeCorrupted edits the stored history and journal of a short run
// of every workload and re-analyses it: never a panic (recovered or not),
// never a hang; either a verdict (exit 0, 1 or 2) or a one-line error
// naming the damaged file (exit 254).
func FuzzAnalyzeCorrupted(f *testing.F) {
	for w := range corpusRuns {
		for _, script := range [][]byte{
			nil,                       // untouched
			{2 + 8*2, 0, 7},           // a :type replaced
			{0, 1, 3, 16, 0, 40},      // two tokens deleted
			{5, 0, 3},                 // a history line deleted
			{6, 0, 9, 7, 0, 4},        // a line duplicated, two swapped
			{1, 2, 0, 2 + 8*13, 3, 1}, // a duplicated token; "1e400"
			{4, 0, 77},                // a token cut in two
		} {
			f.Add(uint8(w), false, script)
			f.Add(uint8(w), true, script)
		}
	}
	f.Fuzz(func(t *testing.T, w uint8, journal bool, script []byte) {
		runs := corpus(t)
		files := runs[int(w)%len(runs)]
		dir := filepath.Join(t.TempDir(), "run")
		require.NoError(t, os.MkdirAll(dir, 0o755))
		for name, b := range files {
			if name == "history.edn" && !journal || name == "net-journal.jsonl" && journal {
				b = corrupt(b, script)
			}
			require.NoError(t, os.WriteFile(filepath.Join(dir, name), b, 0o644))
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		type outcome struct {
			res runner.Result
			err error
		}
		done := make(chan outcome, 1)
		go func() {
			res, err := runner.Analyze(ctx, dir)
			done <- outcome{res, err}
		}()
		var o outcome
		select {
		case o = <-done:
		case <-time.After(2 * time.Minute):
			t.Fatalf("analysis of a corrupted %s run did not end within 2 minutes (script %v)", corpusRuns[int(w)%len(runs)].workload, script)
		}
		if stack, err := os.ReadFile(filepath.Join(dir, runner.PanicLog)); err == nil {
			t.Errorf("a bug of eddy's was hit (%s, script %v):\n%s", corpusRuns[int(w)%len(runs)].workload, script, clipLines(string(stack), 40))
		}
		if o.err != nil {
			assert.NotContains(t, o.err.Error(), "\n", "one line")
			assert.NotContains(t, o.err.Error(), "eddy bug")
			if o.res.Results == nil {
				assert.Regexp(t, `(history\.edn|net-journal\.jsonl)`, o.err.Error(), "names the damaged file")
			}
			return
		}
		assert.Contains(t, []int{0, 1, 2}, o.res.ExitCode())
		for _, p := range o.res.Problems {
			assert.NotContains(t, p, "eddy bug")
			assert.NotContains(t, p, "\n")
		}
	})
}

func clipLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], "\n")
}
