// Command summarize prints a Markdown table of eddy results.json files, one
// row per run, and how many of them were valid. scripts/seeds.sh uses it to
// tabulate seeded repetitions of a run.
//
//	go run ./scripts/summarize store/seeds/*/*/latest/results.json
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
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
	fmt.Fprintln(w, "| seed | valid | servers msgs-per-op | all msgs-per-op | stable latency p50 / max (ms) | availability | ops (ok/total) |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
	valid := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintf(w, "| ? | no results (%v) | | | | | |\n", err)
			continue
		}
		var r map[string]any
		if err := json.Unmarshal(raw, &r); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		if at(r, "valid?") == true {
			valid++
		}
		fmt.Fprintf(w, "| %s | %v | %s | %s | %s | %s | %s/%s |\n", num(at(r, "eddy", "seed")), at(r, "valid?"),
			num(at(r, "net", "servers", "msgs-per-op")), num(at(r, "net", "all", "msgs-per-op")), latency(r),
			num(at(r, "availability", "ok-fraction")), num(at(r, "stats", "ok-count")), num(at(r, "stats", "count")))
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
