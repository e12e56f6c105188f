// Command repro measures how reproducible eddy's runs are: it runs the same
// `eddy test` command twice with the same seed and reports, over every
// client process p and position k both runs reached, the fraction of
// positions where p's k-th main-phase invocation (its f and value) differs
// between the two runs; and the same for the nemesis's operations. With
// -contrast it also runs the next seed and reports the fraction against it,
// which shows what "different" looks like.
//
//	go run ./scripts/repro -seed 7 -contrast -- -w broadcast --bin bin/broadcast \
//	    --node-count 3 --time-limit 5 --rate 30
//
// It prints one Markdown table row (-header prints the header first) and
// exits 0, or 1 with -require-prefix when some list is not a prefix of the
// other's, or 2 on error.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/eddy-workbench/eddy/internal/history"
	"github.com/eddy-workbench/eddy/internal/repro"
)

func main() {
	eddy := flag.String("eddy", "bin/eddy", "the eddy binary")
	seed := flag.Uint64("seed", 7, "the seed of both runs")
	contrast := flag.Bool("contrast", false, "also run seed+1 and compare it with the first run")
	header := flag.Bool("header", false, "print the table header first")
	requirePrefix := flag.Bool("require-prefix", false, "exit 1 unless every list is a prefix of the other's")
	keep := flag.String("store", "", "keep the runs in this directory (default: a temporary one, removed)")
	verbose := flag.Bool("v", false, "print differing positions")
	label := flag.String("label", "", "the row's name (default: the workload)")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "Usage: repro [flags] -- <eddy test flags, without --seed and --store>")
		flag.PrintDefaults()
	}
	flag.Parse()
	args := flag.Args()
	if len(args) == 0 {
		flag.Usage()
		os.Exit(2)
	}
	store := *keep
	if store == "" {
		dir, err := os.MkdirTemp("", "eddy-repro-")
		if err != nil {
			fail(err)
		}
		defer os.RemoveAll(dir)
		store = dir
	}
	if *header {
		fmt.Println("| workload | seed | processes | invocations (run 1 / run 2) | positions compared | differing | fraction differing | processes diverged | partitions compared / differing | seed+1: fraction differing |")
		fmt.Println("|---|---|---|---|---|---|---|---|---|---|")
	}
	first, err := runOnce(*eddy, args, *seed, filepath.Join(store, "1"))
	if err != nil {
		fail(err)
	}
	second, err := runOnce(*eddy, args, *seed, filepath.Join(store, "2"))
	if err != nil {
		fail(err)
	}
	d := repro.Compare(first.streams, second.streams)
	other := "–"
	if *contrast {
		third, err := runOnce(*eddy, args, *seed+1, filepath.Join(store, "3"))
		if err != nil {
			fail(err)
		}
		c := repro.Compare(first.streams, third.streams)
		other = fmt.Sprintf("%.3f", c.Fraction())
	}
	name := *label
	if name == "" {
		name = first.workload
	}
	fmt.Printf("| %s | %d | %d | %d / %d | %d | %d | %.3f | %d | %d / %d | %s |\n",
		name, *seed, d.Processes, d.Ops[0], d.Ops[1], d.Compared, d.Differ, d.Fraction(), d.Diverged,
		d.NemesisCompared, d.NemesisDiffer, other)
	if *verbose {
		for _, e := range d.Examples {
			fmt.Fprintln(os.Stderr, "  "+e)
		}
	}
	if *requirePrefix && !d.Prefixes() {
		os.Exit(1)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "repro:", err)
	os.Exit(2)
}

type run struct {
	workload string
	streams  repro.Streams
}

// runOnce runs eddy test with the seed into store and reads the run back.
func runOnce(eddy string, args []string, seed uint64, store string) (run, error) {
	cmd := exec.Command(eddy, append([]string{"test", "--seed", fmt.Sprint(seed), "--store", store}, args...)...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() != 254) {
		return run{}, fmt.Errorf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, tail(out))
	}
	dir := filepath.Join(store, "latest")
	var rec struct {
		Config struct {
			Workload     string
			TimeLimit    time.Duration
			RecoveryWait time.Duration
		} `json:"config"`
	}
	raw, err := os.ReadFile(filepath.Join(dir, "test.json"))
	if err != nil {
		return run{}, fmt.Errorf("reading the run's settings: %v\n%s", err, tail(out))
	}
	if err := json.Unmarshal(raw, &rec); err != nil {
		return run{}, fmt.Errorf("%s: %v", filepath.Join(dir, "test.json"), err)
	}
	f, err := os.Open(filepath.Join(dir, "history.edn"))
	if err != nil {
		return run{}, err
	}
	defer f.Close()
	ops, err := history.ReadEDN(f)
	if err != nil {
		return run{}, fmt.Errorf("%s: %v", f.Name(), err)
	}
	ph := repro.Phase{TimeLimit: rec.Config.TimeLimit, RecoveryWait: rec.Config.RecoveryWait}
	if ph.TimeLimit == 0 {
		ph.TimeLimit = 60 * time.Second
	}
	if ph.RecoveryWait == 0 {
		ph.RecoveryWait = 10 * time.Second
	}
	return run{workload: rec.Config.Workload, streams: repro.Of(ops, ph)}, nil
}

func tail(b []byte) string {
	s := strings.TrimSpace(string(b))
	if i := strings.LastIndexByte(s, '\n'); len(s) > 2000 && i > 0 {
		s = "…" + s[len(s)-2000:]
	}
	return s
}
