package challenge

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Record is what eddy keeps of one challenge run in results/<id>.json.
type Record struct {
	Challenge string  `json:"challenge"`
	Title     string  `json:"title"`
	Engine    string  `json:"engine"`  // "eddy" or "maelstrom"
	Date      string  `json:"date"`    // UTC, RFC 3339
	Seed      *uint64 `json:"seed"`    // nil on Maelstrom, which has no seed
	Command   string  `json:"command"` // the eddy test (or maelstrom test) command line
	Figures   Figures `json:"figures"`
	Checks    []Check `json:"checks"`
	Met       bool    `json:"met"`
	// Aborted says why the run could not complete, if it could not.
	Aborted string `json:"aborted,omitempty"`
	// Warnings are findings of eddy's own checks that the official verdict
	// does not count, e.g. nodes that did not converge (eddy engine only).
	Warnings []string `json:"warnings,omitempty"`
	// Results is the run's whole results map, as results.json holds it.
	Results any `json:"results,omitempty"`
}

// Table renders records as a Markdown table, in challenge order: the
// figures, each target met or missed, and where the numbers come from.
// Warnings of eddy's own checks, which the official verdict and targets do
// not count, follow the table, one item per warning.
func Table(records []Record) string {
	order := map[string]int{}
	for i, id := range IDs() {
		order[id] = i
	}
	rs := slices.Clone(records)
	slices.SortStableFunc(rs, func(a, b Record) int { return order[a.Challenge] - order[b.Challenge] })

	var b strings.Builder
	b.WriteString("| challenge | valid | servers msgs-per-op | stable latency p50 / p95 / max | availability | ops ok / total | targets | engine | seed | date |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range rs {
		f := r.Figures
		fmt.Fprintf(&b, "| %s %s | %s | %s | %s | %s | %d / %d | %s | %s | %s | %s |\n",
			r.Challenge, r.Title, f.Valid, optional(f.ServerMsgsPerOp, 4), latencies(f),
			optional(f.Availability, 4), f.OK, f.Count, TargetSummary(r.Checks), r.Engine, seed(r.Seed), r.Date)
	}
	header := false
	for _, r := range rs {
		for _, w := range r.Warnings {
			if !header {
				b.WriteString("\nWarnings of eddy's own checks (the verdict and targets above are the official ones):\n\n")
				header = true
			}
			fmt.Fprintf(&b, "- %s: %s\n", r.Challenge, w)
		}
	}
	return b.String()
}

// TargetSummary is "met" or the missed targets, e.g.
// "missed: max stable latency 650ms (< 600ms)".
func TargetSummary(checks []Check) string {
	var missed []string
	for _, c := range checks {
		if !c.Met {
			missed = append(missed, fmt.Sprintf("%s %s (%s)", c.Name, c.Got, c.Want))
		}
	}
	if len(missed) == 0 {
		return "met"
	}
	return "missed: " + strings.Join(missed, "; ")
}

func latencies(f Figures) string {
	if f.LatencyP50 == nil && f.LatencyMax == nil {
		return "–"
	}
	return fmt.Sprintf("%s / %s / %s ms", optional(f.LatencyP50, 0), optional(f.LatencyP95, 0), optional(f.LatencyMax, 0))
}

// optional formats a figure with at most digits decimals, or "–".
func optional(v *float64, digits int) string {
	if v == nil {
		return "–"
	}
	s := strconv.FormatFloat(*v, 'f', digits, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

func seed(s *uint64) string {
	if s == nil {
		return "–"
	}
	return strconv.FormatUint(*s, 10)
}
