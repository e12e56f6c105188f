package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/explain"
)

//go:embed index.html.tmpl
var indexTemplate string

var indexTmpl = template.Must(template.New("index").Funcs(template.FuncMap{"seconds": explain.Seconds}).Parse(indexTemplate))

// VerdictColours are the background colours of a verdict, as Maelstrom's
// web UI shows them: blue true, orange unknown, pink false.
var VerdictColours = map[string]string{"true": "#6DB6FE", "unknown": "#FFAA26", "false": "#FEB5DA"}

// Index is what a run's index.html shows.
type Index struct {
	Workload string
	Run      string // the run directory's name (its timestamp)
	Results  *edn.Map
	// Settings are the run's settings as label and value, in order.
	Settings [][2]string
	// Diagram is the Lamport diagram, inline SVG written by eddy itself
	// (every text in it escaped), and DiagramNote a line about it.
	Diagram     template.HTML
	DiagramNote string
	Plots       []Figure
	// Faults are the nemesis's faults in words, in the order they began
	// ("kill n1, n3 from 1.20 s to 3.41 s").
	Faults []string
	// Explanations explain the findings, each with its focused diagram
	// (inline SVG written by eddy itself, every text escaped; empty when
	// there is none).
	Explanations []Explanation
}

// Explanation is one explanation and its diagram, as index.html shows it.
type Explanation struct {
	explain.Explanation
	Diagram template.HTML
}

// Figure is a plot file of the run and its caption.
type Figure struct{ File, Title string }

// Verdict is a results map's :valid? as "true", "false" or "unknown".
func Verdict(results *edn.Map) string {
	v, _ := results.Get(edn.Keyword("valid?"))
	switch v {
	case true:
		return "true"
	case false:
		return "false"
	}
	return "unknown"
}

type indexView struct {
	Index
	Verdict  string
	Colour   string
	Figures  [][2]string
	Checkers []checkerView
	Findings []finding
	// Explanations are the findings' :explanation texts, in words.
	Explanations []explanation
	Problems     []string
	// Warnings are findings of eddy's own checks that the verdict does
	// not reflect (:eddy :warnings).
	Warnings []string
	Aborted  string
	Files    []fileView
}

type checkerView struct{ Name, Valid, Colour string }

type finding struct {
	Key, Text string
	More      int // characters cut from Text
}

// explanation is one case a checker explained in words, under the key of
// the map that holds it (an anomaly type, a key of the store, …).
type explanation struct{ Key, Text string }

// maxExplanations bounds the explanations shown, per key and in all.
const (
	maxExplanationsPerKey = 3
	maxExplanations       = 24
)

// explanations gathers the :explanation texts under v, depth first, each
// under the nearest enclosing map key.
func explanations(v any, under string, out []explanation, perKey map[string]int) []explanation {
	switch x := v.(type) {
	case *edn.Map:
		if s, ok := get(x, "explanation").(string); ok && len(out) < maxExplanations && perKey[under] < maxExplanationsPerKey {
			perKey[under]++
			out = append(out, explanation{under, s})
		}
		x.Each(func(k, val any) {
			if k != edn.Keyword("explanation") {
				out = explanations(val, edn.KeyString(k), out, perKey)
			}
		})
	case []any:
		for _, e := range x {
			out = explanations(e, under, out, perKey)
		}
	}
	return out
}

type fileView struct {
	Path string
	Size string
}

// maxFinding is how much of one finding's EDN text index.html shows.
const maxFinding = 4000

// WriteIndex writes dir/index.html: the verdict, the key figures, each
// checker's verdict, the workload's findings, eddy's problems, every file
// of the run, and the diagram and plots. It links only to files of dir.
func WriteIndex(dir string, ix Index) error {
	v := indexView{Index: ix, Verdict: Verdict(ix.Results)}
	v.Colour = VerdictColours[v.Verdict]
	v.Figures = figures(ix.Results)
	ix.Results.Each(func(k, val any) {
		m, ok := val.(*edn.Map)
		if !ok || k == edn.Keyword("eddy") {
			return
		}
		verdict := Verdict(m)
		v.Checkers = append(v.Checkers, checkerView{edn.KeyString(k), verdict, VerdictColours[verdict]})
	})
	if wl, ok := get(ix.Results, "workload").(*edn.Map); ok {
		v.Explanations = explanations(wl, "workload", nil, map[string]int{})
		wl.Each(func(k, val any) {
			if k == edn.Keyword("valid?") || isEmpty(val) || isScalar(val) {
				return // scalars are among the key figures
			}
			text := string(edn.Pretty(val))
			f := finding{Key: edn.KeyString(k), Text: text}
			if len(text) > maxFinding {
				cut := strings.ToValidUTF8(text[:maxFinding], "")
				f.Text, f.More = cut, len(text)-len(cut)
			}
			v.Findings = append(v.Findings, f)
		})
	}
	v.Problems = stringsAt(ix.Results, "eddy", "problems")
	v.Warnings = stringsAt(ix.Results, "eddy", "warnings")
	v.Aborted, _ = get(ix.Results, "eddy", "aborted").(string)
	files, err := listFiles(dir)
	if err != nil {
		return err
	}
	v.Files = files
	var b bytes.Buffer
	if err := indexTmpl.Execute(&b, v); err != nil {
		return fmt.Errorf("report: index.html: %w", err)
	}
	return os.WriteFile(filepath.Join(dir, "index.html"), b.Bytes(), 0o644)
}

// figures are the key numbers of a run, labelled.
func figures(r *edn.Map) [][2]string {
	var out [][2]string
	add := func(label string, path ...string) {
		if v := get(r, path...); v != nil {
			out = append(out, [2]string{label, edn.String(v)})
		}
	}
	add("operations", "stats", "count")
	add("ok", "stats", "ok-count")
	add("fail", "stats", "fail-count")
	add("info", "stats", "info-count")
	add("availability (ok fraction)", "availability", "ok-fraction")
	add(":net :servers msgs-per-op", "net", "servers", "msgs-per-op")
	add(":net :all msgs-per-op", "net", "all", "msgs-per-op")
	add(":net :all messages", "net", "all", "msg-count")
	if wl, ok := get(r, "workload").(*edn.Map); ok {
		wl.Each(func(k, val any) {
			switch x := val.(type) {
			case int64, int, float64:
				out = append(out, [2]string{":workload " + edn.String(k), edn.String(x)})
			case *edn.Map:
				if s := edn.String(x); len(s) <= 80 && strings.HasSuffix(edn.KeyString(k), "latencies") {
					out = append(out, [2]string{":workload " + edn.String(k) + " (ms)", s})
				}
			}
		})
	}
	return out
}

// stringsAt is the strings of the vector at path.
func stringsAt(m *edn.Map, path ...string) []string {
	var out []string
	xs, _ := get(m, path...).([]any)
	for _, x := range xs {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// get walks keyword keys into nested maps; nil when a step is missing.
func get(m *edn.Map, path ...string) any {
	var v any = m
	for _, k := range path {
		mm, ok := v.(*edn.Map)
		if !ok {
			return nil
		}
		v, _ = mm.Get(edn.Keyword(k))
	}
	return v
}

func isScalar(v any) bool {
	switch v.(type) {
	case *edn.Map, []any, edn.Set:
		return false
	}
	return true
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case []any:
		return len(x) == 0
	case edn.Set:
		return len(x) == 0
	case *edn.Map:
		return x.Len() == 0
	}
	return false
}

// listFiles lists the regular files under dir, relative and slash-separated,
// index.html included.
func listFiles(dir string) ([]fileView, error) {
	var out []fileView
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		out = append(out, fileView{Path: filepath.ToSlash(rel), Size: humanSize(info.Size())})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("report: listing %s: %w", dir, err)
	}
	if !slices.ContainsFunc(out, func(f fileView) bool { return f.Path == "index.html" }) {
		out = append(out, fileView{Path: "index.html", Size: "–"})
	}
	slices.SortFunc(out, func(a, b fileView) int { return strings.Compare(a.Path, b.Path) })
	return out, nil
}

func humanSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
