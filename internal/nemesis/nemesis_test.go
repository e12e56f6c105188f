package nemesis

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// rng returns a deterministic generator for a seed.
func rng(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, 0x6e656d65))
}

// names returns n0 … n(n-1), Maelstrom's server node names.
func names(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("n%d", i)
	}
	return out
}

// view is the set of nodes x receives from (x itself included), sorted.
func view(g Grudge, nodes []string, x string) []string {
	var out []string
	for _, y := range nodes {
		if !g.Cut(y, x) {
			out = append(out, y)
		}
	}
	return out
}

// requireWellFormed: every node of the list has an entry (as in Jepsen),
// there are no other entries, every dropped node is from the list, and no
// node drops itself.
func requireWellFormed(t *testing.T, g Grudge, nodes []string) {
	t.Helper()
	require.NotNil(t, g)
	require.ElementsMatch(t, nodes, g.Nodes(), "grudge keys")
	for x, drops := range g {
		for y, d := range drops {
			require.True(t, d, "entries are only ever true")
			require.Contains(t, nodes, y, "%s drops unknown node %s", x, y)
			require.NotEqual(t, x, y, "%s drops itself", x)
		}
	}
}

// requireSymmetric: x drops y exactly when y drops x.
func requireSymmetric(t *testing.T, g Grudge, nodes []string) {
	t.Helper()
	for _, x := range nodes {
		for _, y := range nodes {
			if g.Cut(x, y) != g.Cut(y, x) {
				require.Failf(t, "asymmetric cut", "%s->%s vs %s->%s in %v", x, y, y, x, g)
			}
		}
	}
}

// componentSizes checks that g is a complete grudge (nodes fall into
// components, each node talks to exactly its own component, both ways) and
// returns the component sizes, ascending.
func componentSizes(t *testing.T, g Grudge, nodes []string) []int {
	t.Helper()
	requireSymmetric(t, g, nodes)
	views := map[string]string{}
	for _, x := range nodes {
		views[x] = strings.Join(view(g, nodes, x), ",")
	}
	seen := map[string]bool{}
	var sizes []int
	for _, x := range nodes {
		v := view(g, nodes, x)
		for _, y := range v {
			if views[x] != views[y] {
				require.Failf(t, "not a complete grudge", "%s and %s share a component but not a view in %v", x, y, g)
			}
		}
		key := views[x]
		if !seen[key] {
			seen[key] = true
			sizes = append(sizes, len(v))
		}
	}
	sort.Ints(sizes)
	return sizes
}

var sizesUnderTest = []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 25}

const seedsPerCase = 300

func TestBuildInvariants(t *testing.T) {
	type check func(t *testing.T, g Grudge, nodes []string)

	cases := []struct {
		shape Shape
		check check
	}{
		{One, func(t *testing.T, g Grudge, nodes []string) {
			n := len(nodes)
			if n == 1 {
				require.True(t, g.Empty(), "one node: no-op, got %v", g)
				return
			}
			require.Equal(t, []int{1, n - 1}, componentSizes(t, g, nodes))
			var loners []string
			for _, x := range nodes {
				if len(g.Drops(x)) == n-1 {
					loners = append(loners, x)
				}
			}
			if n == 2 {
				require.Len(t, loners, 2) // both sides are singletons
				return
			}
			require.Len(t, loners, 1, "exactly one node isolated in %v", g)
			for _, x := range nodes {
				if x != loners[0] {
					require.Equal(t, []string{loners[0]}, g.Drops(x))
				}
			}
		}},
		{Majority, func(t *testing.T, g Grudge, nodes []string) {
			n := len(nodes)
			if n == 1 {
				require.True(t, g.Empty(), "one node: no-op, got %v", g)
				return
			}
			require.Equal(t, []int{n / 2, n - n/2}, componentSizes(t, g, nodes))
		}},
		{MinorityThird, func(t *testing.T, g Grudge, nodes []string) {
			n := len(nodes)
			k := (n - 1) / 3
			if n <= 3 {
				require.Zero(t, k)
				require.True(t, g.Empty(), "n ≤ 3: no-op, got %v", g)
				return
			}
			require.Positive(t, k)
			require.Equal(t, []int{k, n - k}, componentSizes(t, g, nodes))
		}},
		{MajoritiesRing, func(t *testing.T, g Grudge, nodes []string) {
			n := len(nodes)
			m := n/2 + 1
			if n <= 2 {
				require.True(t, g.Empty(), "n ≤ 2: no-op, got %v", g)
				return
			}
			views := map[string]string{}
			for _, x := range nodes {
				v := view(g, nodes, x)
				require.Contains(t, v, x)
				require.GreaterOrEqual(t, len(v), m, "%s sees no majority in %v", x, g)
				key := strings.Join(v, ",")
				require.NotContains(t, views, key, "%s and %s see the same nodes in %v", x, views[key], g)
				views[key] = x
			}
			switch {
			case n == 3:
				// Perfect ring with m = 2: each node sees itself and one
				// other; every cut is one-way.
				for _, x := range nodes {
					require.Len(t, view(g, nodes, x), 2)
					for _, y := range g.Drops(x) {
						require.False(t, g.Cut(x, y), "%s and %s cut both ways in %v", x, y, g)
					}
				}
			case n <= 5:
				// Perfect ring: each node sees exactly itself and its two
				// ring neighbours, symmetric.
				requireSymmetric(t, g, nodes)
				for _, x := range nodes {
					require.Len(t, view(g, nodes, x), m)
				}
			default:
				requireSymmetric(t, g, nodes)
				// The graph of who sees whom is connected (it is not a
				// clean split).
				require.False(t, g.Empty())
			}
		}},
	}

	for _, tc := range cases {
		for _, n := range sizesUnderTest {
			t.Run(fmt.Sprintf("%s/n=%d", tc.shape, n), func(t *testing.T) {
				nodes := names(n)
				orig := slices.Clone(nodes)
				for seed := range uint64(seedsPerCase) {
					g, err := Build(tc.shape, nodes, rng(seed))
					require.NoError(t, err)
					require.Equal(t, orig, nodes, "Build must not modify nodes")
					requireWellFormed(t, g, nodes)
					tc.check(t, g, nodes)

					again, err := Build(tc.shape, nodes, rng(seed))
					require.NoError(t, err)
					require.Equal(t, g, again, "same seed, same grudge")
					require.Equal(t, g.EDN(), again.EDN())
				}
			})
		}
	}
}

// The random choices really are random: across seeds, different grudges come
// out, and `one` isolates every node sometimes.
func TestBuildVaries(t *testing.T) {
	nodes := names(5)
	for _, s := range Shapes() {
		distinct := map[string]bool{}
		for seed := range uint64(200) {
			g, err := Build(s, nodes, rng(seed))
			require.NoError(t, err)
			distinct[g.String()] = true
		}
		switch s {
		case One, MinorityThird: // n=5: exactly five ways to split off one node
			require.Len(t, distinct, 5, "shape %s", s)
		default:
			require.Greater(t, len(distinct), 5, "shape %s", s)
		}
	}

	isolated := map[string]int{}
	for seed := range uint64(1000) {
		g, err := Build(One, nodes, rng(seed))
		require.NoError(t, err)
		for _, x := range nodes {
			if len(g.Drops(x)) == len(nodes)-1 {
				isolated[x]++
			}
		}
	}
	for _, x := range nodes {
		require.InDelta(t, 200, isolated[x], 80, "node %s isolated %d times", x, isolated[x])
	}
}

func TestBuildEmptyAndErrors(t *testing.T) {
	for _, s := range Shapes() {
		g, err := Build(s, nil, rng(1))
		require.NoError(t, err)
		require.NotNil(t, g)
		require.Empty(t, g)
		require.Equal(t, "[:isolated {}]", g.EDN())
	}

	g, err := Build("primaries", names(3), rng(1))
	require.Error(t, err)
	require.Nil(t, g)

	g, err = Build(Majority, []string{"n1", "n2", "n1"}, rng(1))
	require.Error(t, err)
	require.Nil(t, g)
}

func TestStochasticFallback(t *testing.T) {
	for _, n := range []int{6, 7, 8, 9, 10, 25} {
		nodes := names(n)
		m := n/2 + 1
		for seed := range uint64(50) {
			g := ringStochasticAttempts(nodes, rng(seed), 0)
			requireWellFormed(t, g, nodes)
			requireSymmetric(t, g, nodes)
			views := map[string]bool{}
			for _, x := range nodes {
				v := view(g, nodes, x)
				require.Len(t, v, 2*(m/2)+1)
				require.GreaterOrEqual(t, len(v), m)
				key := strings.Join(v, ",")
				require.False(t, views[key], "duplicate view in %v", g)
				views[key] = true
			}
		}
	}
}

// Jepsen's stochastic construction alone sometimes gives two nodes the same
// view; Build rejects those runs. Make sure the rejection path is exercised.
func TestStochasticRejectsDuplicateViews(t *testing.T) {
	dups := 0
	for seed := range uint64(500) {
		if !distinctViews(stochasticLinks(7, rng(seed))) {
			dups++
		}
	}
	require.Positive(t, dups, "expected raw duplicates for n=7")
	require.Less(t, dups, 250)
}

func TestShapes(t *testing.T) {
	require.Equal(t, []Shape{One, MinorityThird, Majority, MajoritiesRing}, Shapes())
	s := Shapes()
	s[0] = "bogus"
	require.Equal(t, One, Shapes()[0], "Shapes returns a copy")

	for _, sh := range Shapes() {
		require.True(t, sh.Valid())
		p, err := ParseShape(string(sh))
		require.NoError(t, err)
		require.Equal(t, sh, p)
		p, err = ParseShape(":" + string(sh))
		require.NoError(t, err)
		require.Equal(t, sh, p)
	}
	require.False(t, Shape("primaries").Valid())
	_, err := ParseShape("primaries")
	require.Error(t, err)
}

func TestPickShape(t *testing.T) {
	r := rng(42)
	counts := map[Shape]int{}
	const draws = 4000
	for range draws {
		counts[PickShape(r)]++
	}
	require.Len(t, counts, 4)
	for _, s := range Shapes() {
		require.InDelta(t, draws/4, counts[s], 150, "shape %s picked %d times", s, counts[s])
	}
	// Reproducible.
	a, b := rng(7), rng(7)
	for range 100 {
		require.Equal(t, PickShape(a), PickShape(b))
	}
}

func TestNextGap(t *testing.T) {
	const draws = 10000
	interval := 10 * time.Second
	r := rng(3)
	var sum time.Duration
	var low, high int
	for range draws {
		d := NextGap(r, interval)
		require.GreaterOrEqual(t, d, time.Duration(0))
		require.Less(t, d, 2*interval)
		sum += d
		if d < interval/2 {
			low++
		}
		if d >= 3*interval/2 {
			high++
		}
	}
	mean := sum / draws
	require.InDelta(t, float64(interval), float64(mean), 0.03*float64(interval), "mean %v", mean)
	// Uniform: about a quarter of draws in each outer quarter.
	require.InDelta(t, draws/4, low, 400)
	require.InDelta(t, draws/4, high, 400)

	require.Zero(t, NextGap(r, 0))
	require.Zero(t, NextGap(r, -time.Second))
	for range 100 {
		require.Contains(t, []time.Duration{0, 1}, NextGap(r, 1))
		require.GreaterOrEqual(t, NextGap(r, time.Duration(1<<63-1)), time.Duration(0))
	}

	a, b := rng(9), rng(9)
	for range 100 {
		require.Equal(t, NextGap(a, interval), NextGap(b, interval))
	}
}

func TestComplete(t *testing.T) {
	g := Complete([]string{"a"}, []string{"b", "c"}, []string{"d"})
	require.Equal(t, Grudge{
		"a": {"b": true, "c": true, "d": true},
		"b": {"a": true, "d": true},
		"c": {"a": true, "d": true},
		"d": {"a": true, "b": true, "c": true},
	}, g)

	// A single component, or empty components: every node listed, nothing cut.
	g = Complete(nil, []string{"a", "b"})
	require.Equal(t, Grudge{"a": {}, "b": {}}, g)
	require.True(t, g.Empty())

	require.Equal(t, Grudge{}, Complete())
}

func TestCut(t *testing.T) {
	g := Grudge{
		"b": {"a": true, "c": false},
		"c": {},
	}
	require.True(t, g.Cut("a", "b"), "b drops messages from a")
	require.False(t, g.Cut("b", "a"), "one-way")
	require.False(t, g.Cut("c", "b"), "false entry is no cut")
	require.False(t, g.Cut("a", "c"))
	require.False(t, g.Cut("a", "zz"), "unknown dest")
	require.False(t, g.Cut("zz", "b"), "unknown src")
	require.False(t, Grudge(nil).Cut("a", "b"))
	require.False(t, g.Empty())
	require.True(t, Grudge{"a": {"b": false}}.Empty())
	require.True(t, Grudge(nil).Empty())
	require.Equal(t, []string{"a"}, g.Drops("b"))
	require.Empty(t, g.Drops("c"))
}

func TestStringAndEDN(t *testing.T) {
	cases := []struct {
		name     string
		g        Grudge
		str, edn string
	}{
		{"nil", nil, "{}", "[:isolated {}]"},
		{"empty", Grudge{}, "{}", "[:isolated {}]"},
		{
			"complete",
			Complete([]string{"n2", "n3"}, []string{"n1"}),
			"{n1 #{n2 n3}, n2 #{n1}, n3 #{n1}}",
			`[:isolated {"n1" #{"n2" "n3"}, "n2" #{"n1"}, "n3" #{"n1"}}]`,
		},
		{
			"empty sets kept, false entries skipped",
			Grudge{"n2": {}, "n1": {"n3": true, "n2": false}},
			"{n1 #{n3}, n2 #{}}",
			`[:isolated {"n1" #{"n3"}, "n2" #{}}]`,
		},
		{
			"byte-wise order",
			Grudge{"n10": {"n9": true, "n2": true}, "n2": {"n10": true}, "n9": {"n10": true}},
			"{n10 #{n2 n9}, n2 #{n10}, n9 #{n10}}",
			`[:isolated {"n10" #{"n2" "n9"}, "n2" #{"n10"}, "n9" #{"n10"}}]`,
		},
		{
			"escaping",
			Grudge{`a"b\c`: {"d\ne": true}},
			"{a\"b\\c #{d\ne}}",
			`[:isolated {"a\"b\\c" #{"d\ne"}}]`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.str, tc.g.String())
			require.Equal(t, tc.edn, tc.g.EDN())
			require.Equal(t, tc.str, fmt.Sprint(tc.g))
		})
	}

	// Deterministic despite map iteration order.
	g, err := Build(MajoritiesRing, names(25), rng(5))
	require.NoError(t, err)
	s, e := g.String(), g.EDN()
	for range 50 {
		require.Equal(t, s, g.String())
		require.Equal(t, e, g.EDN())
	}
}

// Worked examples with fixed seeds, pinned so that a change of algorithm (or
// of how randomness is consumed) is noticed. Each was checked by hand against
// the shape's definition; see the comments.
func TestWorkedExamples(t *testing.T) {
	cases := []struct {
		shape Shape
		n     int
		seed  uint64
		edn   string
	}{
		// n1 is the loner: it drops everyone, everyone drops only n1.
		{One, 5, 1, `[:isolated {"n0" #{"n1"}, "n1" #{"n0" "n2" "n3" "n4"}, "n2" #{"n1"}, "n3" #{"n1"}, "n4" #{"n1"}}]`},
		// {n3 n4} (⌊5/2⌋ = 2 nodes) against {n0 n1 n2}.
		{Majority, 5, 1, `[:isolated {"n0" #{"n3" "n4"}, "n1" #{"n3" "n4"}, "n2" #{"n3" "n4"}, "n3" #{"n0" "n1" "n2"}, "n4" #{"n0" "n1" "n2"}}]`},
		// ⌊(7−1)/3⌋ = 2 nodes, {n0 n4}, split off from the other five.
		{MinorityThird, 7, 1, `[:isolated {"n0" #{"n1" "n2" "n3" "n5" "n6"}, "n1" #{"n0" "n4"}, "n2" #{"n0" "n4"}, "n3" #{"n0" "n4"}, "n4" #{"n1" "n2" "n3" "n5" "n6"}, "n5" #{"n0" "n4"}, "n6" #{"n0" "n4"}}]`},
		// n ≤ 3: nothing split off; like Jepsen, every node listed with #{}.
		{MinorityThird, 3, 1, `[:isolated {"n0" #{}, "n1" #{}, "n2" #{}}]`},
		// Ring n2 n0 n1, windows of m = 2, middle index 1: [n2 n0] is n0's
		// view, [n0 n1] n1's, [n1 n2] n2's. One-way cuts.
		{MajoritiesRing, 3, 1, `[:isolated {"n0" #{"n1"}, "n1" #{"n2"}, "n2" #{"n0"}}]`},
		// Ring n0 n1 n2 n3: each node sees its two neighbours, drops the
		// opposite node.
		{MajoritiesRing, 4, 1, `[:isolated {"n0" #{"n2"}, "n1" #{"n3"}, "n2" #{"n0"}, "n3" #{"n1"}}]`},
		// Ring n0 n2 n1 n4 n3: each node sees its two neighbours.
		{MajoritiesRing, 5, 1, `[:isolated {"n0" #{"n1" "n4"}, "n1" #{"n0" "n3"}, "n2" #{"n3" "n4"}, "n3" #{"n1" "n2"}, "n4" #{"n0" "n2"}}]`},
		// Stochastic: symmetric; n6 sees 5 nodes, the rest exactly m = 4;
		// all views distinct.
		{MajoritiesRing, 7, 1, `[:isolated {"n0" #{"n2" "n4" "n6"}, "n1" #{"n2" "n3" "n5"}, "n2" #{"n0" "n1" "n5"}, "n3" #{"n1" "n4" "n5"}, "n4" #{"n0" "n3" "n6"}, "n5" #{"n1" "n2" "n3"}, "n6" #{"n0" "n4"}}]`},
		// n = 2: the only window is both nodes; nothing cut.
		{MajoritiesRing, 2, 1, `[:isolated {"n0" #{}, "n1" #{}}]`},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s/n=%d/seed=%d", tc.shape, tc.n, tc.seed), func(t *testing.T) {
			g, err := Build(tc.shape, names(tc.n), rng(tc.seed))
			require.NoError(t, err)
			require.Equal(t, tc.edn, g.EDN())
		})
	}
}
