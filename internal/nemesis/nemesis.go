// Package nemesis holds the pure logic of the nemesis: Maelstrom's
// partition nemesis (spec §4.3) — choosing a partition shape, turning a
// shape into a grudge — eddy's process faults (kill and pause: which nodes
// they hit and in what order they come, see Processes), and spacing nemesis
// operations in time.
//
// Nothing here does I/O, starts goroutines or reads a clock. Every random
// choice comes from the *rand.Rand (math/rand/v2) the caller passes in, so the
// same generator state and the same node list always give the same result.
//
// The behaviour follows Jepsen's jepsen.nemesis / jepsen.nemesis.combined (as
// used by Maelstrom through nc/partition-package):
//
//   - one: one node, chosen uniformly, is cut off from all the others in both
//     directions.
//   - majority: the nodes are shuffled and split into the first ⌊n/2⌋ and the
//     rest; complete cut between the two groups.
//   - minority-third: the nodes are shuffled and the first ⌊(n−1)/3⌋ are split
//     off; complete cut. For n ≤ 3 nothing is split off, so nothing is cut.
//   - majorities-ring: every node sees a majority (itself included) and, for
//     n ≥ 3, no two nodes see the same set of nodes. For n ≤ 5 Jepsen's
//     "perfect" ring is used (one-way cuts for n = 3, nothing cut for n ≤ 2);
//     for larger clusters Jepsen's stochastic construction, re-run until the
//     views are distinct (see ringStochastic).
//
// Like Jepsen, every grudge that Build returns has one entry per node, even a
// node that drops nothing (its set is empty). EDN prints those entries as
// #{}, which is what Jepsen records in the history; use Empty to ask whether a
// grudge cuts anything at all.
package nemesis

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/eddy-workbench/eddy/edn"
)

// Grudge maps a node to the set of nodes whose messages it drops.
//
// A node missing from the map, or mapped to an empty set, drops nothing.
type Grudge map[string]map[string]bool

// Shape names a partition spec.
type Shape string

// The partition specs Maelstrom's partition nemesis chooses from.
const (
	One            Shape = "one"
	Majority       Shape = "majority"
	MinorityThird  Shape = "minority-third"
	MajoritiesRing Shape = "majorities-ring"
)

// shapes is the order of Jepsen's partition-specs (without :primaries, which
// Maelstrom's DB does not support).
var shapes = [...]Shape{One, MinorityThird, Majority, MajoritiesRing}

// Shapes returns the shapes the partition nemesis picks from, uniformly, in
// Jepsen's order: one, minority-third, majority, majorities-ring. The result
// is a fresh slice; changing it does not affect the package.
func Shapes() []Shape {
	return slices.Clone(shapes[:])
}

// Valid reports whether s is one of the shapes in Shapes.
func (s Shape) Valid() bool {
	return slices.Contains(shapes[:], s)
}

// ParseShape converts a name such as "majority" (a leading ':' as in the EDN
// keyword :majority is accepted too) into a Shape.
func ParseShape(name string) (Shape, error) {
	s := Shape(strings.TrimPrefix(name, ":"))
	if !s.Valid() {
		return "", fmt.Errorf("nemesis: unknown partition shape %q", name)
	}
	return s, nil
}

// PickShape picks one of Shapes uniformly at random.
func PickShape(rng *rand.Rand) Shape {
	return shapes[rng.IntN(len(shapes))]
}

// Build computes the grudge for shape over nodes, drawing all randomness from
// rng. nodes is not modified.
//
// The grudge has an entry for every node (possibly an empty set), as Jepsen's
// does. Degenerate clusters never panic: with no nodes the grudge is empty;
// with one node, and for majorities-ring with two nodes, nothing is cut.
//
// Build returns an error, and a nil grudge, if shape is not one of Shapes or
// if nodes lists a node twice.
func Build(shape Shape, nodes []string, rng *rand.Rand) (Grudge, error) {
	seen := make(map[string]bool, len(nodes))
	for _, n := range nodes {
		if seen[n] {
			return nil, fmt.Errorf("nemesis: node %q listed twice", n)
		}
		seen[n] = true
	}

	n := len(nodes)
	switch shape {
	case One:
		if n == 0 {
			return Grudge{}, nil
		}
		loner := nodes[rng.IntN(n)]
		rest := make([]string, 0, n-1)
		for _, x := range nodes {
			if x != loner {
				rest = append(rest, x)
			}
		}
		return Complete([]string{loner}, rest), nil

	case Majority:
		s := shuffled(nodes, rng)
		return Complete(s[:n/2], s[n/2:]), nil

	case MinorityThird:
		s := shuffled(nodes, rng)
		k := minorityThird(n)
		return Complete(s[:k], s[k:]), nil

	case MajoritiesRing:
		if n <= 5 {
			return ringPerfect(nodes, rng), nil
		}
		return ringStochastic(nodes, rng), nil
	}
	return nil, fmt.Errorf("nemesis: unknown partition shape %q", string(shape))
}

// majority is the smallest integer strictly greater than n/2.
func majority(n int) int { return n/2 + 1 }

// minorityThird is the largest integer strictly less than n/3 (0 for n ≤ 3).
func minorityThird(n int) int {
	if n < 1 {
		return 0
	}
	return (n - 1) / 3
}

func shuffled(nodes []string, rng *rand.Rand) []string {
	s := slices.Clone(nodes)
	rng.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
	return s
}

// ringPerfect arranges the nodes in a random ring. Each of the n windows of
// m = majority(n) consecutive ring positions is the view of the node in the
// window's middle position (index ⌊m/2⌋ of the window); that node drops every
// node outside the window. Window i's middle is ring position i+⌊m/2⌋, so
// every node gets exactly one window.
//
// For n = 4 and 5 every node sees itself and its ring neighbours, so cuts are
// symmetric. For n = 3 (m = 2) each node sees itself and one neighbour and the
// cuts are one-way. For n ≤ 2 the window is the whole cluster: nothing is cut.
func ringPerfect(nodes []string, rng *rand.Rand) Grudge {
	ring := shuffled(nodes, rng)
	n := len(ring)
	m := majority(n)
	g := make(Grudge, n)
	for i := range n {
		inWindow := make(map[string]bool, m)
		for j := range m {
			inWindow[ring[(i+j)%n]] = true
		}
		drops := make(map[string]bool, n-m)
		for _, x := range ring {
			if !inWindow[x] {
				drops[x] = true
			}
		}
		g[ring[(i+m/2)%n]] = drops
	}
	return g
}

// stochasticAttempts bounds how many times ringStochastic runs Jepsen's
// construction looking for a result in which no two nodes share a view.
const stochasticAttempts = 100

// ringStochastic is the majorities-ring for n > 5. It runs Jepsen's stochastic
// construction (stochasticLinks) until no two nodes see the same set of nodes,
// and inverts the result into a grudge. Jepsen returns the first result as is,
// but that construction gives two nodes the same view in a few percent of
// runs (about 3% for n = 6, 11% for n = 7, fewer for larger n), contrary to
// the documented majorities-ring property; rejecting those runs keeps the
// property while otherwise following Jepsen's distribution. Should every
// attempt fail (a probability below 1e-80), a circulant ring (circulantLinks)
// is used instead.
func ringStochastic(nodes []string, rng *rand.Rand) Grudge {
	return ringStochasticAttempts(nodes, rng, stochasticAttempts)
}

func ringStochasticAttempts(nodes []string, rng *rand.Rand, attempts int) Grudge {
	n := len(nodes)
	for range attempts {
		if linked := stochasticLinks(n, rng); distinctViews(linked) {
			return invert(nodes, linked)
		}
	}
	return invert(nodes, circulantLinks(n, rng))
}

// stochasticLinks builds an undirected "can talk to" graph over n nodes,
// starting with every node linked only to itself. While some node sees fewer
// than a majority (itself included), it takes a node a of minimal degree
// (uniformly among those) and links it to a node b not yet linked to a, of
// minimal degree among those (uniformly among ties). This is the construction
// of Jepsen's majorities-ring-stochastic. Links are symmetric.
func stochasticLinks(n int, rng *rand.Rand) [][]bool {
	m := majority(n)
	linked := make([][]bool, n)
	degree := make([]int, n) // includes the node itself
	for i := range n {
		linked[i] = make([]bool, n)
		linked[i][i] = true
		degree[i] = 1
	}

	// pick returns a uniformly random index of minimal degree among those
	// that ok accepts, or -1 if ok accepts none.
	candidates := make([]int, 0, n)
	pick := func(ok func(int) bool) int {
		candidates = candidates[:0]
		best := math.MaxInt
		for i := range n {
			if !ok(i) {
				continue
			}
			switch {
			case degree[i] < best:
				best = degree[i]
				candidates = append(candidates[:0], i)
			case degree[i] == best:
				candidates = append(candidates, i)
			}
		}
		if len(candidates) == 0 {
			return -1
		}
		return candidates[rng.IntN(len(candidates))]
	}

	for {
		a := pick(func(int) bool { return true })
		if a < 0 || degree[a] >= m {
			return linked
		}
		// a sees fewer than m ≤ n nodes, so some node is not linked to it.
		b := pick(func(i int) bool { return !linked[a][i] })
		linked[a][b], linked[b][a] = true, true
		degree[a]++
		degree[b]++
	}
}

// circulantLinks places the n nodes on a random ring and links each node to
// the k = ⌊m/2⌋ nearest nodes on either side, m = majority(n). Each node then
// sees 2k+1 ≥ m nodes, and since 2k+1 < n for n ≥ 6 the views are distinct.
func circulantLinks(n int, rng *rand.Rand) [][]bool {
	ring := rng.Perm(n)
	k := majority(n) / 2
	linked := make([][]bool, n)
	for i := range n {
		linked[i] = make([]bool, n)
	}
	for p := range n {
		for d := -k; d <= k; d++ {
			q := ((p+d)%n + n) % n
			linked[ring[p]][ring[q]] = true
		}
	}
	return linked
}

// distinctViews reports whether no two rows of linked are equal.
func distinctViews(linked [][]bool) bool {
	seen := make(map[string]bool, len(linked))
	for _, row := range linked {
		key := make([]byte, len(row))
		for j, ok := range row {
			if ok {
				key[j] = 1
			}
		}
		if seen[string(key)] {
			return false
		}
		seen[string(key)] = true
	}
	return true
}

// invert turns a "can talk to" relation over nodes (by index) into the
// grudge in which each node drops every node it cannot talk to. Every node
// gets an entry.
func invert(nodes []string, linked [][]bool) Grudge {
	g := make(Grudge, len(nodes))
	for i, x := range nodes {
		drops := make(map[string]bool)
		for j, y := range nodes {
			if !linked[i][j] {
				drops[y] = true
			}
		}
		g[x] = drops
	}
	return g
}

// Complete returns the grudge in which every node drops everything from nodes
// outside its own component (Jepsen's complete-grudge). Every node of every
// component gets an entry, possibly empty. Components are meant to be
// disjoint; if a node appears in several, the last one decides its entry.
func Complete(components ...[]string) Grudge {
	universe := map[string]bool{}
	for _, c := range components {
		for _, x := range c {
			universe[x] = true
		}
	}
	g := make(Grudge, len(universe))
	for _, c := range components {
		own := make(map[string]bool, len(c))
		for _, x := range c {
			own[x] = true
		}
		for _, x := range c {
			drops := make(map[string]bool, len(universe)-len(own))
			for y := range universe {
				if !own[y] {
					drops[y] = true
				}
			}
			g[x] = drops
		}
	}
	return g
}

// Cut reports whether dest drops messages from src.
func (g Grudge) Cut(src, dest string) bool {
	return g[dest][src]
}

// Empty reports whether the grudge cuts nothing (no node drops anything).
func (g Grudge) Empty() bool {
	for _, drops := range g {
		for _, d := range drops {
			if d {
				return false
			}
		}
	}
	return true
}

// Nodes returns the grudge's nodes (its keys) in sorted order.
func (g Grudge) Nodes() []string {
	keys := make([]string, 0, len(g))
	for k := range g {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Drops returns, sorted, the nodes whose messages node drops.
func (g Grudge) Drops(node string) []string {
	var out []string
	for k, d := range g[node] {
		if d {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// String renders the grudge deterministically, nodes and sets sorted
// (byte-wise), e.g. {n1 #{n2 n3}, n2 #{n1}, n3 #{n1}}. Nodes with an empty
// set are shown as n4 #{}.
func (g Grudge) String() string {
	return g.render(func(s string) string { return s })
}

// EDN renders the nemesis completion value Maelstrom records for a
// start-partition, e.g. [:isolated {"n1" #{"n2" "n3"}, "n2" #{"n1"}}].
// Nodes and sets are sorted (byte-wise). As in Jepsen, which prints the
// grudge map as is, every entry is printed, including nodes that drop nothing
// ("n4" #{}).
func (g Grudge) EDN() string {
	return "[:isolated " + g.render(func(s string) string { return edn.String(s) }) + "]"
}

func (g Grudge) render(name func(string) string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range g.Nodes() {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(name(k))
		b.WriteString(" #{")
		for j, d := range g.Drops(k) {
			if j > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(name(d))
		}
		b.WriteByte('}')
	}
	b.WriteByte('}')
	return b.String()
}

// NextGap returns the delay before the next nemesis operation: uniform in
// [0, 2*interval), so its mean is interval (Jepsen's gen/stagger). A
// non-positive interval gives 0.
func NextGap(rng *rand.Rand, interval time.Duration) time.Duration {
	if interval <= 0 {
		return 0
	}
	hi := int64(math.MaxInt64)
	if interval <= math.MaxInt64/2 {
		hi = 2 * int64(interval)
	}
	return time.Duration(rng.Int64N(hi))
}
