package runner

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/explain"
	"github.com/eddy-workbench/eddy/internal/nemesis"
	"github.com/eddy-workbench/eddy/internal/netsim"
	"github.com/eddy-workbench/eddy/internal/report"
	"github.com/eddy-workbench/eddy/internal/trace"
	"github.com/eddy-workbench/eddy/internal/viz"
	"github.com/eddy-workbench/eddy/internal/workload/registry"
)

// explainFindings asks the workload's explainer (its registry entry's
// Explain) to explain its findings when there is something to explain: a
// workload verdict other than valid, or a warning. The journal is indexed
// only then. Each explanation with evidence in the journal gets a diagram
// file name, explain-1.svg and on, and its files names of the same form.
func (ev *evidence) explainFindings(f check.Findings, warnings []string) []explain.Explanation {
	spec, ok := registry.Lookup(ev.s.Workload)
	if !ok || spec.Explain == nil || ev.unexplained || f == nil {
		return nil
	}
	if f.Verdict() == check.Valid && len(warnings) == 0 {
		return nil
	}
	x := trace.New(ev.ops, ev.journal, trace.Options{
		Cluster: trace.Cluster{Nodes: ev.s.nodes, Concurrency: ev.s.concurrency},
		Crashes: crashesOf(ev.problems),
	})
	out := spec.Explain(x, f)
	for i := range out {
		if len(diagramIDs(out[i])) > 0 {
			out[i].Diagram = fmt.Sprintf("explain-%d.svg", i+1)
		}
		for j := range out[i].Files {
			out[i].Files[j].Name = fmt.Sprintf("explain-%d-%s", i+1, out[i].Files[j].Name)
		}
	}
	return out
}

// crashRE reads the diagnosis of a node that crashed mid-run.
var crashRE = regexp.MustCompile(`^node (\S+) crashed \(.*?\) ([0-9.]+) s into the run`)

// crashesOf finds the nodes that crashed, and when, in the run's
// diagnoses.
func crashesOf(problems []string) map[string]int64 {
	out := map[string]int64{}
	for _, p := range problems {
		if m := crashRE.FindStringSubmatch(p); m != nil {
			if s, err := strconv.ParseFloat(m[2], 64); err == nil {
				out[m[1]] = int64(s * 1e9)
			}
		}
	}
	return out
}

// diagramIDs are the journal ids of the messages an explanation's evidence
// names.
func diagramIDs(e explain.Explanation) map[int64]string {
	ids := map[int64]string{}
	for _, it := range e.Evidence {
		for _, id := range it.Messages {
			if _, ok := ids[id]; !ok || it.Kind == explain.Message {
				ids[id] = it.Fate.Text
			}
		}
	}
	return ids
}

// writeExplanationDiagrams writes each explanation's files and draws its
// focused diagram: only
// the messages of its evidence, with the nemesis's events and the
// messages never sent as notes, undelivered messages labelled with their
// fate. It returns the SVG of each (nil where there is none) for
// index.html.
func writeExplanationDiagrams(dir string, ev *evidence, expls []explain.Explanation) ([][]byte, []error) {
	svgs := make([][]byte, len(expls))
	var errs []error
	// One pass over the journal picks every diagram's events.
	ids := make([]map[int64]string, len(expls))
	which := map[int64][]int{} // message id → the explanations showing it
	for i, e := range expls {
		for _, f := range e.Files {
			if err := report.WriteFile(filepath.Join(dir, f.Name), f.Write); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", f.Name, err))
			}
		}
		if e.Diagram == "" {
			continue
		}
		ids[i] = diagramIDs(e)
		for id := range ids[i] {
			which[id] = append(which[id], i)
		}
	}
	events := make([][]netsim.Event, len(expls))
	if len(which) > 0 {
		for _, e := range ev.journal {
			for _, i := range which[e.Msg.ID] {
				events[i] = append(events[i], e)
			}
		}
	}
	for i, e := range expls {
		if e.Diagram == "" {
			continue
		}
		var notes []viz.Note
		var faults []nemesis.Span
		for _, it := range e.Evidence {
			switch it.Kind {
			case explain.Nemesis:
				notes = append(notes, viz.Note{Time: it.Time, Text: it.Type + " " + it.Text})
				if s, ok := faultSpan(it); ok {
					faults = append(faults, s)
				}
			case explain.Absence:
				notes = append(notes, viz.Note{Time: it.Time, Text: it.Note})
			}
		}
		var b bytes.Buffer
		_, err := viz.WriteDiagram(&b, events[i], viz.DiagramOptions{
			Keep:        func(id int64) bool { _, ok := ids[i][id]; return ok },
			Notes:       notes,
			Faults:      faults,
			Undelivered: func(id int64) string { f, _, _ := strings.Cut(ids[i][id], " ("); return f },
			Title:       e.Finding + ": " + e.Summary,
		})
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, e.Diagram), b.Bytes(), 0o644)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", e.Diagram, err))
			continue
		}
		svgs[i] = b.Bytes()
	}
	return svgs, errs
}

// faultSpan is the kill or pause an evidence item names (trace.FaultItems:
// Type kill or pause, Text its nodes, End its end), for a focused diagram
// to shade; false for other items.
func faultSpan(it explain.Item) (nemesis.Span, bool) {
	var f nemesis.Fault
	switch it.Type {
	case nemesis.FKill:
		f = nemesis.Kill
	case nemesis.FPause:
		f = nemesis.Pause
	default:
		return nemesis.Span{}, false
	}
	if it.End < it.Time || it.Text == "" {
		return nemesis.Span{}, false
	}
	return nemesis.Span{Fault: f, Nodes: strings.Split(it.Text, ", "), Start: it.Time, End: it.End}, true
}

// explanationsEDN is results.edn's :explanations.
func explanationsEDN(expls []explain.Explanation) []any {
	out := make([]any, len(expls))
	for i, e := range expls {
		out[i] = e.EDN()
	}
	return out
}
