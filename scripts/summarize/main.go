// Command summarize prints a Markdown table of eddy results.json files, one
// row per run, and how many of them were valid. scripts/seeds.sh uses it to
// tabulate seeded repetitions of a run. Besides results.json it reads each
// run's history and node logs for the figures results.json lacks:
// operation latency, the fraction served, leader changes and heal to write
// (as eddy compare reports them).
//
//	go run ./scripts/summarize store/seeds/*/*/latest/results.json
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/eddy-workbench/eddy/internal/challenge"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: summarize RESULTS.json...")
		os.Exit(2)
	}
	if err := tabulate(os.Stdout, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "summarize:", err)
		os.Exit(1)
	}
}

// tabulate prints one row per results.json file and the count of valid runs.
func tabulate(w io.Writer, files []string) error {
	fmt.Fprintln(w, "| seed | valid | servers msgs-per-op | all msgs-per-op | stable latency p50 / max (ms) | availability | ops (ok/total) | latency p50 / p95 (ms) | served | leader changes | heal to write (ms) |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|---|")
	valid := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintf(w, "| ? | no results (%v) | | | | | | | | | |\n", err)
			continue
		}
		var r map[string]any
		if err := json.Unmarshal(raw, &r); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		if at(r, "valid?") == true {
			valid++
		}
		run := fromRun(filepath.Dir(f))
		fmt.Fprintf(w, "| %s | %v | %s | %s | %s | %s | %s/%s | %s | %s | %s | %s |\n", num(at(r, "eddy", "seed")), at(r, "valid?"),
			num(at(r, "net", "servers", "msgs-per-op")), num(at(r, "net", "all", "msgs-per-op")), latency(r),
			num(at(r, "availability", "ok-fraction")), num(at(r, "stats", "ok-count")), num(at(r, "stats", "count")),
			pair(run.OpLatencyP50, run.OpLatencyP95), opt(run.Served), opt(run.LeaderChanges), msOpt(run.HealToWrite))
	}
	fmt.Fprintf(w, "\nvalid in %d of %d runs\n", valid, len(files))
	return nil
}

// latency is the median and maximum stable latency of a broadcast or g-set
// run, or "–".
func latency(r map[string]any) string {
	p50, max := at(r, "workload", "stable-latencies", "0.5"), at(r, "workload", "stable-latencies", "1")
	if p50 == nil || max == nil {
		return "–"
	}
	return num(p50) + " / " + num(max)
}

// fromRun reads the figures of a run's history and logs; those it cannot
// read stay absent.
func fromRun(dir string) challenge.Figures {
	var f challenge.Figures
	var rec struct {
		Config struct {
			Concurrency string
			NodeCount   int
			Nodes       []string
		} `json:"config"`
	}
	raw, err := os.ReadFile(filepath.Join(dir, "test.json"))
	if err != nil || json.Unmarshal(raw, &rec) != nil {
		return f
	}
	nodes := len(rec.Config.Nodes)
	if nodes == 0 {
		nodes = rec.Config.NodeCount
	}
	if nodes == 0 {
		nodes = 5
	}
	if err := f.AddRun(dir, challenge.Concurrency(rec.Config.Concurrency, nodes)); err != nil {
		fmt.Fprintf(os.Stderr, "summarize: %v\n", err)
	}
	return f
}

func opt(v *float64) string {
	if v == nil {
		return "–"
	}
	return num(*v)
}

// msOpt is a time in whole milliseconds, or "–".
func msOpt(v *float64) string {
	if v == nil {
		return "–"
	}
	return strconv.FormatFloat(*v, 'f', 0, 64)
}

func pair(a, b *float64) string {
	if a == nil || b == nil {
		return "–"
	}
	return msOpt(a) + " / " + msOpt(b)
}

func at(m map[string]any, path ...string) any {
	var v any = m
	for _, k := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	return v
}

func num(v any) string {
	switch x := v.(type) {
	case nil:
		return "–"
	case float64:
		s := strconv.FormatFloat(x, 'f', 4, 64)
		return strings.TrimRight(strings.TrimRight(s, "0"), ".")
	default:
		return fmt.Sprint(x)
	}
}
