package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/eddy-workbench/eddy/internal/compare"
)

const compareMergeUsage = `Usage: eddy compare merge [--out DIR] [--store DIR] DIR...

Combines the partial results of a sharded comparison (eddy compare --shard
K/N, one directory per shard) into the table, compare.json, README.md and
index.html that running the whole matrix on one machine gives. Each DIR is
a partial result directory (it holds a compare.json), or a directory whose
subdirectories are (those with a compare.json written by --shard are
taken). It refuses partial results of different comparisons (a different
spec: implementations, parameters, seeds), and names every run that is
missing or given twice. Exit status: 0 if every run was valid, 1 if one was
invalid or unknown, 254 if the partial results cannot be merged, 255 if a
run aborted.

Flags:
`

// compareMerge is eddy compare merge.
func compareMerge(args []string, stdout, stderr io.Writer, env compareEnv) int {
	fs := flag.NewFlagSet("eddy compare merge", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	out := fs.String("out", "", "directory for the merged compare.json, README.md and index.html (default STORE/compare/<spec hash>/merged)")
	store := fs.String("store", "store", "the store the default --out is under")
	if code, ok := parseFlags(fs, args, compareMergeUsage, stdout, stderr); !ok {
		return code
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "eddy compare merge: %v\n", err)
		return exitBadArgs
	}
	if fs.NArg() == 0 {
		return fail(errors.New("no directory given (eddy compare merge DIR..., one partial result directory per shard)"))
	}
	var parts []compare.Part
	for _, dir := range fs.Args() {
		ps, err := readParts(dir)
		if err != nil {
			return fail(err)
		}
		parts = append(parts, ps...)
	}
	rep, err := compare.Merge(parts)
	if err != nil {
		return fail(err)
	}
	if *out == "" {
		*out = filepath.Join(*store, "compare", rep.SpecHash[:12], "merged")
	}
	for _, p := range parts {
		if same, _ := sameDir(p.Dir, *out); same {
			return fail(fmt.Errorf("--out %s is one of the partial results; give another directory", *out))
		}
	}
	rep.Command = "eddy compare merge " + compare.QuoteWords(args) + " (of " + rep.Command + ")"
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fail(fmt.Errorf("--out: %v", err))
	}
	if err := writeReport(*out, &rep); err != nil {
		fmt.Fprintf(stderr, "eddy compare merge: writing results: %v\n", err)
		return exitAborted
	}
	fmt.Fprint(stdout, compare.Table(rep.Aggregates))
	for _, l := range rep.PairedLines() {
		fmt.Fprintln(stdout, l)
	}
	fmt.Fprintf(stdout, "\n%d runs from %d partial results; compare.json, README.md and index.html in %s\n", len(rep.Runs), len(parts), *out)
	code := 0
	for _, o := range rep.Runs {
		switch o.Verdict {
		case compare.Aborted:
			code = exitAborted
		case compare.Invalid, compare.Unknown:
			code = max(code, 1)
		}
	}
	return code
}

// readParts reads the partial result in dir, or, if dir has no
// compare.json, the partial results of eddy compare --shard in its
// subdirectories.
func readParts(dir string) ([]compare.Part, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%s is not a directory (give the directory that holds compare.json)", dir)
	}
	if _, err := os.Stat(filepath.Join(dir, "compare.json")); err == nil {
		p, err := readPart(dir)
		return []compare.Part{p}, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var parts []compare.Part
	for _, e := range entries {
		sub := filepath.Join(dir, e.Name())
		if !e.IsDir() {
			continue
		}
		if _, err := os.Stat(filepath.Join(sub, "compare.json")); err != nil {
			continue
		}
		p, err := readPart(sub)
		if err != nil {
			return nil, err
		}
		if p.Report.Shard != nil {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return nil, fmt.Errorf("%s holds no compare.json, and none of its subdirectories holds a partial result", dir)
	}
	slices.SortFunc(parts, func(a, b compare.Part) int { return a.Report.Shard.Index - b.Report.Shard.Index })
	return parts, nil
}

// readPart reads dir/compare.json.
func readPart(dir string) (compare.Part, error) {
	path := filepath.Join(dir, "compare.json")
	data, err := os.ReadFile(path)
	if err != nil {
		return compare.Part{}, err
	}
	var rep compare.Report
	if err := json.Unmarshal(data, &rep); err != nil {
		return compare.Part{}, fmt.Errorf("%s: not a compare.json of eddy compare: %v", path, err)
	}
	if len(rep.Spec.Impls) == 0 || len(rep.Spec.Seeds) == 0 {
		return compare.Part{}, fmt.Errorf("%s: not a compare.json of eddy compare (no spec)", path)
	}
	return compare.Part{Dir: dir, Report: rep}, nil
}

// sameDir reports whether two paths name the same directory.
func sameDir(a, b string) (bool, error) {
	fa, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	fb, err := os.Stat(b)
	if err != nil {
		return false, err
	}
	return os.SameFile(fa, fb), nil
}
