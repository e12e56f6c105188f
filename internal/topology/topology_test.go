package topology

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// nodeList is n0, n1, …, n(count−1).
func nodeList(count int) []string {
	ns := make([]string, count)
	for i := range ns {
		ns[i] = fmt.Sprintf("n%d", i)
	}
	return ns
}

type nbrs = map[string][]string

func TestNames(t *testing.T) {
	require.Equal(t, []string{"grid", "line", "total", "tree", "tree2", "tree3", "tree4"}, Names())
	// The result is a copy.
	Names()[0] = "star"
	require.Equal(t, "grid", Names()[0])
}

func TestBuildExamples(t *testing.T) {
	cases := []struct {
		name  string
		shape string
		n     int
		want  nbrs
	}{
		{"grid of 1", "grid", 1, nbrs{"n0": {}}},
		{"grid of 2", "grid", 2, nbrs{"n0": {"n1"}, "n1": {"n0"}}},
		{"grid of 3", "grid", 3, nbrs{"n0": {"n2", "n1"}, "n1": {"n0"}, "n2": {"n0"}}},
		{"grid of 5", "grid", 5, nbrs{
			"n0": {"n3", "n1"},
			"n1": {"n4", "n2", "n0"},
			"n2": {"n1"},
			"n3": {"n0", "n4"},
			"n4": {"n1", "n3"},
		}},
		{"line of 0", "line", 0, nbrs{}},
		{"line of 1", "line", 1, nbrs{}},
		{"line of 2", "line", 2, nbrs{"n0": {"n1"}, "n1": {"n0"}}},
		{"line of 4", "line", 4, nbrs{
			"n0": {"n1"},
			"n1": {"n0", "n2"},
			"n2": {"n1", "n3"},
			"n3": {"n2"},
		}},
		{"total of 1", "total", 1, nbrs{"n0": {}}},
		{"total of 3", "total", 3, nbrs{
			"n0": {"n1", "n2"},
			"n1": {"n0", "n2"},
			"n2": {"n0", "n1"},
		}},
		{"tree of 1", "tree", 1, nbrs{"n0": {}}},
		{"tree2 of 5", "tree2", 5, nbrs{
			"n0": {"n1", "n2"},
			"n1": {"n0", "n3", "n4"},
			"n2": {"n0"},
			"n3": {"n1"},
			"n4": {"n1"},
		}},
		{"tree is tree2", "tree", 5, nbrs{
			"n0": {"n1", "n2"},
			"n1": {"n0", "n3", "n4"},
			"n2": {"n0"},
			"n3": {"n1"},
			"n4": {"n1"},
		}},
		{"tree3 of 10", "tree3", 10, nbrs{
			"n0": {"n1", "n2", "n3"},
			"n1": {"n0", "n4", "n5", "n6"},
			"n2": {"n0", "n7", "n8", "n9"},
			"n3": {"n0"},
			"n4": {"n1"}, "n5": {"n1"}, "n6": {"n1"},
			"n7": {"n2"}, "n8": {"n2"}, "n9": {"n2"},
		}},
		{"tree3 of 15", "tree3", 15, nbrs{
			"n0": {"n1", "n2", "n3"},
			"n1": {"n0", "n4", "n5", "n6"},
			"n2": {"n0", "n7", "n8", "n9"},
			"n3": {"n0", "n10", "n11", "n12"},
			"n4": {"n1", "n13", "n14"},
			"n5": {"n1"}, "n6": {"n1"},
			"n7": {"n2"}, "n8": {"n2"}, "n9": {"n2"},
			"n10": {"n3"}, "n11": {"n3"}, "n12": {"n3"},
			"n13": {"n4"}, "n14": {"n4"},
		}},
		{"tree4 of 10", "tree4", 10, nbrs{
			"n0": {"n1", "n2", "n3", "n4"},
			"n1": {"n0", "n5", "n6", "n7", "n8"},
			"n2": {"n0", "n9"},
			"n3": {"n0"}, "n4": {"n0"},
			"n5": {"n1"}, "n6": {"n1"}, "n7": {"n1"}, "n8": {"n1"},
			"n9": {"n2"},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Build(c.shape, nodeList(c.n))
			require.NoError(t, err)
			require.Equal(t, c.want, got)
		})
	}
}

func TestGridLarger(t *testing.T) {
	cases := []struct {
		name string
		n    int
		node string
		want []string
	}{
		// 5x5, full.
		{"top-left corner", 25, "n0", []string{"n5", "n1"}},
		{"bottom-right corner", 25, "n24", []string{"n19", "n23"}},
		{"top edge", 25, "n2", []string{"n7", "n3", "n1"}},
		{"left edge", 25, "n10", []string{"n15", "n5", "n11"}},
		{"centre", 25, "n12", []string{"n17", "n7", "n13", "n11"}},
		// 4x4 holding 10: rows n0..n3, n4..n7, n8 n9.
		{"inner cell above the gap", 10, "n6", []string{"n2", "n7", "n5"}},
		{"inner cell above the last row", 10, "n5", []string{"n9", "n1", "n6", "n4"}},
		{"top-right corner", 10, "n3", []string{"n7", "n2"}},
		{"last row start", 10, "n8", []string{"n4", "n9"}},
		{"last node", 10, "n9", []string{"n5", "n8"}},
		{"right edge over the gap", 10, "n7", []string{"n3", "n6"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Build("grid", nodeList(c.n))
			require.NoError(t, err)
			require.Len(t, got, c.n)
			require.Equal(t, c.want, got[c.node])
		})
	}
}

func TestUnknownTopology(t *testing.T) {
	_, err := Build("star", nodeList(3))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"star"`)
	for _, name := range Names() {
		assert.Contains(t, err.Error(), name)
	}
}

func TestEmptyListsAreNotNil(t *testing.T) {
	for _, name := range Names() {
		got, err := Build(name, nodeList(1))
		require.NoError(t, err)
		if name == "line" {
			require.Empty(t, got)
			continue
		}
		require.NotNil(t, got["n0"], name)
		require.Empty(t, got["n0"], name)
	}
}

// TestShapeProperties checks every topology for 1 to 30 nodes: entries only
// for known nodes, no self loops or repeated neighbours, links that go both
// ways, and a graph that connects every node.
func TestShapeProperties(t *testing.T) {
	for _, name := range Names() {
		for n := 1; n <= 30; n++ {
			t.Run(fmt.Sprintf("%s/%d", name, n), func(t *testing.T) {
				nodes := nodeList(n)
				got, err := Build(name, nodes)
				require.NoError(t, err)
				if name == "line" && n == 1 {
					require.Empty(t, got)
					return
				}
				require.Len(t, got, n)
				for a, ns := range got {
					seen := map[string]bool{}
					for _, b := range ns {
						require.NotEqual(t, a, b, "self loop")
						require.False(t, seen[b], "%s lists %s twice", a, b)
						seen[b] = true
						require.Contains(t, got, b)
						require.Contains(t, got[b], a, "%s lists %s but not the reverse", a, b)
					}
				}
				if name == "total" {
					for _, ns := range got {
						require.Len(t, ns, n-1)
					}
				}
				reached := map[string]bool{nodes[0]: true}
				queue := []string{nodes[0]}
				for len(queue) > 0 {
					a := queue[0]
					queue = queue[1:]
					for _, b := range got[a] {
						if !reached[b] {
							reached[b] = true
							queue = append(queue, b)
						}
					}
				}
				require.Len(t, reached, n, "not connected")
			})
		}
	}
}

func TestNoNodes(t *testing.T) {
	for _, name := range Names() {
		got, err := Build(name, nil)
		require.NoError(t, err)
		require.NotNil(t, got)
		require.Empty(t, got)
	}
}
