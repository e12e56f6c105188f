package elle

import (
	"fmt"
	"slices"
	"strings"
)

// The consistency-model tables follow Elle 0.2.2 (elle.consistency-model),
// which Maelstrom 0.2.4 uses: which models imply which, which anomalies each
// model forbids directly, and which anomalies imply which. From them come the
// anomalies a set of models prohibits, and the models a set of anomalies
// rules out.

// canonical maps a model's friendly name to its canonical one; a name
// missing here is its own canonical name.
var canonical = map[string]string{
	"consistent-view":                 "PL-2+",
	"conflict-serializable":           "PL-3",
	"cursor-stability":                "PL-CS",
	"forward-consistent-view":         "PL-FCV",
	"monotonic-snapshot-read":         "PL-MSR",
	"monotonic-view":                  "PL-2L",
	"read-committed":                  "PL-2",
	"read-uncommitted":                "PL-1",
	"repeatable-read":                 "PL-2.99",
	"serializable":                    "PL-3",
	"snapshot-isolation":              "PL-SI",
	"strict-serializable":             "PL-SS",
	"strong-serializable":             "PL-SS",
	"update-serializable":             "PL-3U",
	"strong-session-read-uncommitted": "strong-session-PL-1",
	"strong-session-read-committed":   "strong-session-PL-2",
	"strong-read-uncommitted":         "strong-PL-1",
	"strong-read-committed":           "strong-PL-2",
}

// friendly maps a canonical name back to the name users know.
var friendly = func() map[string]string {
	m := map[string]string{}
	for f, c := range canonical {
		m[c] = f
	}
	m["PL-3"] = "serializable"
	m["PL-SS"] = "strict-serializable"
	return m
}()

func canonicalName(m string) string {
	if c, ok := canonical[m]; ok {
		return c
	}
	return m
}

func friendlyName(m string) string {
	if f, ok := friendly[m]; ok {
		return f
	}
	return m
}

// implies relates each model (by any name) to the weaker models every
// history satisfying it also satisfies.
var implies = canonicalGraph(map[string][]string{
	"causal-cerone":               {"read-atomic"},
	"consistent-view":             {"cursor-stability", "monotonic-view"},
	"conflict-serializable":       {"view-serializable"},
	"cursor-stability":            {"read-committed", "PL-2"},
	"forward-consistent-view":     {"consistent-view"},
	"PL-2":                        {"PL-1"},
	"PL-3":                        {"repeatable-read", "update-serializable"},
	"update-serializable":         {"forward-consistent-view"},
	"monotonic-atomic-view":       {"read-committed"},
	"monotonic-view":              {"PL-2"},
	"monotonic-snapshot-read":     {"PL-2"},
	"parallel-snapshot-isolation": {"causal-cerone", "ROLA"},
	"prefix":                      {"causal-cerone"},
	"read-atomic":                 {"monotonic-atomic-view"},
	"read-committed":              {"read-uncommitted"},
	"repeatable-read":             {"cursor-stability", "monotonic-atomic-view"},
	"ROLA":                        {"read-atomic"},
	"serializable":                {"repeatable-read", "snapshot-isolation", "view-serializable"},
	"session-serializable":        {"1SR"},
	"snapshot-isolation": {"forward-consistent-view", "monotonic-atomic-view",
		"monotonic-snapshot-read", "parallel-snapshot-isolation", "prefix"},
	"strict-serializable": {"PL-3", "serializable", "linearizable", "snapshot-isolation",
		"strong-snapshot-isolation", "strong-session-serializable"},
	"strong-session-PL-1":               {"PL-1"},
	"strong-session-PL-2":               {"PL-2", "strong-session-PL-1"},
	"strong-PL-1":                       {"strong-session-PL-1"},
	"strong-PL-2":                       {"strong-session-PL-2", "strong-PL-1"},
	"strong-session-serializable":       {"serializable", "strong-session-snapshot-isolation"},
	"strong-session-snapshot-isolation": {"snapshot-isolation", "strong-session-PL-2"},
	"strong-serializable":               {"session-serializable"},
	"strong-snapshot-isolation":         {"strong-session-snapshot-isolation", "strong-PL-2"},
	"linearizable":                      {"sequential"},
	"sequential":                        {"causal"},
	"causal":                            {"writes-follow-reads", "PRAM"},
	"PRAM":                              {"monotonic-reads", "monotonic-writes", "read-your-writes"},
})

// forbids relates each canonical model to the anomalies it rules out
// beyond those of the models it implies.
var forbids = canonicalGraph(map[string][]string{
	"causal-cerone":               {"internal", "G1a"},
	"cursor-stability":            {"G1", "G-cursor", "lost-update"},
	"monotonic-view":              {"G1", "G-monotonic"},
	"monotonic-snapshot-read":     {"G1", "G-MSR"},
	"consistent-view":             {"G1", "G-single"},
	"forward-consistent-view":     {"G1", "G-SIb"},
	"parallel-snapshot-isolation": {"internal", "G1a"},
	"PL-3":                        {"G1", "G2", "predicate-read-miss", "PL-3-cycle-exists"},
	"PL-2":                        {"G1", "PL-2-cycle-exists"},
	"PL-1":                        {"G0", "duplicate-elements", "cyclic-versions", "PL-1-cycle-exists"},
	"prefix":                      {"internal", "G1a"},
	"serializable":                {"internal"},
	"snapshot-isolation":          {"internal", "G1", "G-SI", "G-nonadjacent", "PL-SI-cycle-exists"},
	"read-atomic":                 {"internal", "G1a", "future-read"},
	"repeatable-read":             {"G1", "G2-item", "PL-2.99-cycle-exists", "lost-update"},
	"ROLA":                        {"lost-update"},
	"strict-serializable":         {"G1", "G1c-realtime", "G2-realtime", "PL-SS-cycle-exists"},
	"strong-session-PL-1":         {"strong-session-PL-1-cycle-exists", "G0-process"},
	"strong-session-PL-2":         {"strong-session-PL-2-cycle-exists", "G1c-process"},
	"strong-PL-1":                 {"strong-PL-1-cycle-exists", "G0-realtime"},
	"strong-PL-2":                 {"strong-PL-2-cycle-exists", "G1c-realtime"},
	"strong-session-snapshot-isolation": {"internal", "G1-process", "G-nonadjacent-process",
		"strong-session-snapshot-isolation-cycle-exists"},
	"strong-snapshot-isolation": {"internal", "G1-realtime", "G-nonadjacent-realtime",
		"strong-snapshot-isolation-cycle-exists"},
	"strong-session-serializable": {"G1-process", "G2-process", "strong-session-serializable-cycle-exists"},
	"update-serializable":         {"G1", "G-update"},
})

// impliedAnomalies relates an anomaly to the anomalies its presence implies
// (an internal anomaly is also an aborted read, G1a is also G1, …).
var impliedAnomalies = map[string][]string{
	"G0":                          {"G1c", "G0-process"},
	"G0-process":                  {"G1c-process", "G0-realtime"},
	"G0-realtime":                 {"G1c-realtime"},
	"G1a":                         {"G1"},
	"G1b":                         {"G1"},
	"G1c":                         {"G1", "G1c-process"},
	"G1c-process":                 {"G1c-realtime", "G1-process"},
	"G1c-realtime":                {"G1-realtime"},
	"G1":                          {"G1-process"},
	"G1-process":                  {"G1-realtime"},
	"G-single-item":               {"G-single", "G-single-item-process", "G-nonadjacent-item"},
	"G-single-item-process":       {"G-single-process", "G-single-item-realtime", "G-nonadjacent-item-process"},
	"G-single-item-realtime":      {"G-single-realtime", "G-nonadjacent-item-realtime"},
	"G-single":                    {"G-nonadjacent", "GSIb", "G-single-process"},
	"G-single-process":            {"G-nonadjacent-process", "G-single-realtime"},
	"G-single-realtime":           {"G-nonadjacent-realtime"},
	"G-nonadjacent-item":          {"G-nonadjacent", "G2-item", "G-nonadjacent-item-process"},
	"G-nonadjacent-item-process":  {"G-nonadjacent-process", "G2-item-process", "G-nonadjacent-item-realtime"},
	"G-nonadjacent-item-realtime": {"G2-item-realtime", "G-nonadjacent-realtime"},
	"G-nonadjacent":               {"G2", "G-nonadjacent-process"},
	"G-nonadjacent-process":       {"G2-process", "G-nonadjacent-realtime"},
	"G-nonadjacent-realtime":      {"G2-realtime"},
	"G2":                          {"G2-process"},
	"G2-item":                     {"G2", "G2-item-process"},
	"G2-item-process":             {"G2-process", "G2-item-realtime"},
	"G2-item-realtime":            {"G2-realtime"},
	"G2-process":                  {"G2-realtime"},
	"GSIa":                        {"GSI"},
	"GSIb":                        {"GSI"},
	"incompatible-order":          {"G1a"},
	"future-read":                 {"G1c"},
	"dirty-update":                {"G1a"},
	"lost-update":                 {"write-skew", "G2-item"},
	"write-skew":                  {"G2"},
}

// canonicalGraph renames every vertex of g to its canonical name, merging
// the edges of names that mean one model.
func canonicalGraph(g map[string][]string) map[string][]string {
	out := map[string][]string{}
	for from, tos := range g {
		c := canonicalName(from)
		for _, to := range tos {
			if to = canonicalName(to); !slices.Contains(out[c], to) {
				out[c] = append(out[c], to)
			}
		}
	}
	return out
}

// reachable returns every vertex reachable from starts (starts included).
func reachable(next func(string) []string, starts []string) map[string]bool {
	seen := map[string]bool{}
	queue := append([]string(nil), starts...)
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		if seen[v] {
			continue
		}
		seen[v] = true
		queue = append(queue, next(v)...)
	}
	return seen
}

func reverse(g map[string][]string) map[string][]string {
	r := map[string][]string{}
	for from, tos := range g {
		for _, to := range tos {
			r[to] = append(r[to], from)
		}
	}
	return r
}

var (
	impliedBy       = reverse(impliedAnomalies)
	impliedByModels = reverse(implies)
	forbiddenBy     = reverse(forbids)
)

// knownModels is every model name the tables mention, friendly or canonical.
var knownModels = func() map[string]bool {
	m := map[string]bool{}
	for from, tos := range implies {
		m[from] = true
		for _, t := range tos {
			m[t] = true
		}
	}
	for from := range forbids {
		m[from] = true
	}
	for f, c := range canonical {
		m[f], m[c] = true, true
	}
	return m
}()

// ValidateModels checks that every name is a consistency model Elle knows.
func ValidateModels(models []string) error {
	for _, m := range models {
		if !knownModels[m] {
			return fmt.Errorf("unknown consistency model %q (known: %s)", m, strings.Join(ModelNames(), " "))
		}
	}
	return nil
}

// ModelNames lists the friendly names of the models, sorted.
func ModelNames() []string {
	var out []string
	for m := range knownModels {
		if _, isCanonical := friendly[m]; isCanonical && canonical[m] == "" {
			continue // a canonical name with a friendlier one
		}
		out = append(out, m)
	}
	slices.Sort(out)
	return out
}

// Prohibited returns the anomalies that must not occur if every one of
// models is to hold: the anomalies each of them and each model they imply
// forbid, and every anomaly that implies one of those.
func Prohibited(models []string) map[string]bool {
	var cs []string
	for _, m := range models {
		cs = append(cs, canonicalName(m))
	}
	var direct []string
	for m := range reachable(func(m string) []string { return implies[m] }, cs) {
		direct = append(direct, forbids[m]...)
	}
	return reachable(func(a string) []string { return impliedBy[a] }, direct)
}

// impossibleModels returns the canonical models that anomalies rule out.
func impossibleModels(anomalies []string) map[string]bool {
	var direct []string
	for a := range reachable(func(a string) []string { return impliedAnomalies[a] }, anomalies) {
		direct = append(direct, forbiddenBy[a]...)
	}
	return reachable(func(m string) []string { return impliedByModels[m] }, direct)
}

// Boundary names the models anomalies rule out: not, the weakest of them,
// and alsoNot, the stronger rest; friendly names, sorted.
func Boundary(anomalies []string) (not, alsoNot []string) {
	impossible := impossibleModels(anomalies)
	for m := range impossible {
		// m is among the weakest unless some other impossible model is
		// implied by it.
		weakest := true
		for w := range reachable(func(m string) []string { return implies[m] }, implies[m]) {
			if w != m && impossible[w] {
				weakest = false
				break
			}
		}
		if weakest {
			not = append(not, friendlyName(m))
		} else {
			alsoNot = append(alsoNot, friendlyName(m))
		}
	}
	slices.Sort(not)
	slices.Sort(alsoNot)
	return not, alsoNot
}

// impliedBySet returns every anomaly implied by found (found included).
func impliedBySet(found []string) map[string]bool {
	return reachable(func(a string) []string { return impliedAnomalies[a] }, found)
}
