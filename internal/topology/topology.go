// Package topology computes the neighbour lists that the broadcast workload
// sends to every node in its topology message (Maelstrom's --topology).
package topology

import (
	"fmt"
	"strings"
)

// names are the accepted --topology values, in the order they are listed.
var names = []string{"grid", "line", "total", "tree", "tree2", "tree3", "tree4"}

// Names lists the --topology values: grid, line, total, tree, tree2, tree3,
// tree4.
func Names() []string { return append([]string(nil), names...) }

// Build returns the neighbour lists of the named topology over the ordered
// node list. Every node has an entry (with an empty, non-nil list when it has
// no neighbours), except for line over fewer than two nodes, which is an
// empty map. An unknown name is an error that lists the valid ones.
//
//   - grid: the nodes fill a square of side ⌈√n⌉ row by row; a node's
//     neighbours are the cells below, above, right and left of it, in that
//     order, where those cells hold a node.
//   - line: each node is linked to the nodes before and after it.
//   - total: each node is linked to every other node, in list order.
//   - tree2 (also tree), tree3, tree4: the nodes fill tiers of 1, b, b², …
//     nodes for branching factor b; the k-th node of a tier is the parent of
//     the k-th run of b nodes of the next tier. A node's neighbours are its
//     parent (if any), then its children.
func Build(name string, nodes []string) (map[string][]string, error) {
	switch name {
	case "grid":
		return grid(nodes), nil
	case "line":
		return line(nodes), nil
	case "total":
		return total(nodes), nil
	case "tree", "tree2":
		return tree(nodes, 2), nil
	case "tree3":
		return tree(nodes, 3), nil
	case "tree4":
		return tree(nodes, 4), nil
	}
	return nil, fmt.Errorf("unknown topology %q (valid: %s)", name, strings.Join(names, ", "))
}

func grid(nodes []string) map[string][]string {
	n := len(nodes)
	side := 0
	for side*side < n {
		side++
	}
	out := make(map[string][]string, n)
	for idx, node := range nodes {
		i, j := idx/side, idx%side
		ns := []string{}
		if below := idx + side; below < n {
			ns = append(ns, nodes[below])
		}
		if i > 0 {
			ns = append(ns, nodes[idx-side])
		}
		if j+1 < side && idx+1 < n {
			ns = append(ns, nodes[idx+1])
		}
		if j > 0 {
			ns = append(ns, nodes[idx-1])
		}
		out[node] = ns
	}
	return out
}

func line(nodes []string) map[string][]string {
	n := len(nodes)
	out := make(map[string][]string, n)
	if n < 2 {
		return out
	}
	for i, node := range nodes {
		ns := []string{}
		if i > 0 {
			ns = append(ns, nodes[i-1])
		}
		if i+1 < n {
			ns = append(ns, nodes[i+1])
		}
		out[node] = ns
	}
	return out
}

func total(nodes []string) map[string][]string {
	out := make(map[string][]string, len(nodes))
	for i, node := range nodes {
		ns := make([]string, 0, len(nodes)-1)
		for j, other := range nodes {
			if j != i {
				ns = append(ns, other)
			}
		}
		out[node] = ns
	}
	return out
}

// tree links the nodes as a b-ary tree filled tier by tier. Because each
// tier's parents take consecutive runs of b children, the node at index k
// has the children at indexes b·k+1 … b·k+b and the parent at (k−1)/b, as
// in an array-backed heap.
func tree(nodes []string, b int) map[string][]string {
	n := len(nodes)
	out := make(map[string][]string, n)
	for k, node := range nodes {
		ns := []string{}
		if k > 0 {
			ns = append(ns, nodes[(k-1)/b])
		}
		for c := b*k + 1; c <= b*k+b && c < n; c++ {
			ns = append(ns, nodes[c])
		}
		out[node] = ns
	}
	return out
}
