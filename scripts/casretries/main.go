// Command casretries tabulates the compare-and-set retries of the
// list-append node (nodes/listappend) over the runs of an eddy compare:
// for each cell, the transactions the nodes answered, the compare-and-sets
// they sent, how many were refused (each refusal is a retry, or an abort
// after the last attempt), the retry rate and the transactions aborted.
// It reads each run's node logs, where the node prints its running totals
// as
//
//	stats txns=… read-only=… batches=… cas=… conflicts=… aborted=… …
//
// and takes each node's last such line. scripts/compare-listappend.sh
// uses it:
//
//	go run ./scripts/casretries results/compare/listappend/compare.json
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: casretries COMPARE.json")
		os.Exit(2)
	}
	if err := run(os.Stdout, os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "casretries:", err)
		os.Exit(1)
	}
}

// comparison is the part of compare.json this reads.
type comparison struct {
	Runs []struct {
		Impl     string `json:"impl"`
		Cell     int    `json:"cell"`
		Seed     uint64 `json:"seed"`
		Dir      string `json:"dir"`
		Settings []struct {
			Flag  string `json:"flag"`
			Value string `json:"value"`
		} `json:"settings"`
	} `json:"runs"`
}

// totals are summed over a run's nodes.
type totals struct {
	txns, cas, conflicts, aborted int
}

func (t totals) rate() float64 {
	if t.cas == 0 {
		return 0
	}
	return float64(t.conflicts) / float64(t.cas)
}

var statsLine = regexp.MustCompile(`stats txns=(\d+) .*\bcas=(\d+) conflicts=(\d+) aborted=(\d+)`)

func run(w io.Writer, path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var c comparison
	if err := json.Unmarshal(raw, &c); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	type key struct {
		impl string
		cell int
	}
	var order []key
	label := map[key]string{}
	runs := map[key][]totals{}
	for _, r := range c.Runs {
		if r.Dir == "" {
			continue // aborted before it stored anything
		}
		k := key{r.Impl, r.Cell}
		if _, ok := label[k]; !ok {
			order = append(order, k)
			var parts []string
			for _, s := range r.Settings {
				if s.Flag == "rate" || s.Flag == "node-count" || s.Flag == "nemesis" {
					parts = append(parts, s.Flag+"="+s.Value)
				}
			}
			label[k] = r.Impl + " " + strings.Join(parts, " ")
		}
		t, err := readRun(r.Dir)
		if err != nil {
			return fmt.Errorf("seed %d of %s: %v", r.Seed, label[k], err)
		}
		runs[k] = append(runs[k], t)
	}
	fmt.Fprintln(w, "| cell | runs | txns answered | compare-and-sets | refused (retries) | retry rate, median (min–max) | aborted (txn-conflict) |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
	for _, k := range order {
		var sum totals
		var rates []float64
		for _, t := range runs[k] {
			sum.txns += t.txns
			sum.cas += t.cas
			sum.conflicts += t.conflicts
			sum.aborted += t.aborted
			rates = append(rates, t.rate())
		}
		slices.Sort(rates)
		fmt.Fprintf(w, "| %s | %d | %d | %d | %d | %s (%s–%s) | %d |\n", label[k], len(rates), sum.txns, sum.cas,
			sum.conflicts, pct(median(rates)), pct(rates[0]), pct(rates[len(rates)-1]), sum.aborted)
	}
	return nil
}

// readRun sums the last stats line of every node log of a run.
func readRun(dir string) (totals, error) {
	logs, err := filepath.Glob(filepath.Join(dir, "node-logs", "*.log"))
	if err != nil {
		return totals{}, err
	}
	if len(logs) == 0 {
		return totals{}, fmt.Errorf("no node logs in %s", dir)
	}
	var sum totals
	for _, l := range logs {
		t, err := lastStats(l)
		if err != nil {
			return totals{}, err
		}
		sum.txns += t.txns
		sum.cas += t.cas
		sum.conflicts += t.conflicts
		sum.aborted += t.aborted
	}
	return sum, nil
}

func lastStats(path string) (totals, error) {
	f, err := os.Open(path)
	if err != nil {
		return totals{}, err
	}
	defer f.Close()
	var last []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if m := statsLine.FindStringSubmatch(sc.Text()); m != nil {
			last = m
		}
	}
	if err := sc.Err(); err != nil {
		return totals{}, fmt.Errorf("%s: %v", path, err)
	}
	if last == nil {
		return totals{}, errors.New(path + " has no stats line (not the list-append node?)")
	}
	n := func(i int) int { x, _ := strconv.Atoi(last[i]); return x }
	return totals{txns: n(1), cas: n(2), conflicts: n(3), aborted: n(4)}, nil
}

func median(xs []float64) float64 {
	if len(xs)%2 == 1 {
		return xs[len(xs)/2]
	}
	return (xs[len(xs)/2-1] + xs[len(xs)/2]) / 2
}

func pct(x float64) string { return strconv.FormatFloat(100*x, 'f', 1, 64) + "%" }
