package elle

import (
	"slices"
	"time"
)

// Rel is a set of dependency kinds between two transactions, as bits.
type Rel uint8

// The dependency kinds.
const (
	WW       Rel = 1 << iota // write-write: T2 overwrote T1's version
	WR                       // write-read: T2 read T1's version
	RW                       // read-write (anti-dependency): T2 overwrote the version T1 read
	Process                  // T1 came before T2 on the same process
	Realtime                 // T1 completed before T2 was invoked
)

var relNames = []struct {
	r    Rel
	name string
}{{WW, "ww"}, {WR, "wr"}, {RW, "rw"}, {Process, "process"}, {Realtime, "realtime"}}

// String names one kind.
func (r Rel) String() string {
	for _, n := range relNames {
		if r == n.r {
			return n.name
		}
	}
	return "?"
}

// Graph is a directed graph over transactions 0…n-1 whose edges carry sets
// of kinds. Self-edges are never kept.
type Graph struct {
	n   int
	out [][]edge
	idx map[[2]int32]int // (from, to) → position in out[from]
}

type edge struct {
	to   int32
	rels Rel
}

// NewGraph returns an empty graph over n transactions.
func NewGraph(n int) *Graph {
	return &Graph{n: n, out: make([][]edge, n), idx: map[[2]int32]int{}}
}

// Link adds rel to the edge from a to b, and reports whether that kind is
// new on the edge. Self-edges are ignored.
func (g *Graph) Link(a, b int, rel Rel) bool {
	if a == b {
		return false
	}
	k := [2]int32{int32(a), int32(b)}
	if i, ok := g.idx[k]; ok {
		e := &g.out[a][i]
		if e.rels&rel == rel {
			return false
		}
		e.rels |= rel
		return true
	}
	g.idx[k] = len(g.out[a])
	g.out[a] = append(g.out[a], edge{int32(b), rel})
	return true
}

// Edges is the number of edges.
func (g *Graph) Edges() int { return len(g.idx) }

// SCCs returns the strongly connected components with more than one
// transaction, each sorted, using only edges with a kind in mask and only
// vertices in within (nil: all). Tarjan's algorithm, iteratively.
func (g *Graph) SCCs(mask Rel, within []int) [][]int {
	in := func(int) bool { return true }
	if within != nil {
		set := make(map[int]bool, len(within))
		for _, v := range within {
			set[v] = true
		}
		in = func(v int) bool { return set[v] }
	} else {
		within = make([]int, g.n)
		for i := range within {
			within[i] = i
		}
	}
	index := map[int]int{}
	low := map[int]int{}
	onStack := map[int]bool{}
	var stack []int
	var out [][]int
	next := 0
	type frame struct{ v, i int }
	for _, root := range within {
		if _, seen := index[root]; seen {
			continue
		}
		call := []frame{{root, 0}}
		index[root], low[root] = next, next
		next++
		stack = append(stack, root)
		onStack[root] = true
		for len(call) > 0 {
			f := &call[len(call)-1]
			v := f.v
			if f.i < len(g.out[v]) {
				e := g.out[v][f.i]
				f.i++
				w := int(e.to)
				if e.rels&mask == 0 || !in(w) {
					continue
				}
				if _, seen := index[w]; !seen {
					index[w], low[w] = next, next
					next++
					stack = append(stack, w)
					onStack[w] = true
					call = append(call, frame{w, 0})
				} else if onStack[w] {
					low[v] = min(low[v], index[w])
				}
				continue
			}
			call = call[:len(call)-1]
			if len(call) > 0 {
				p := call[len(call)-1].v
				low[p] = min(low[p], low[v])
			}
			if low[v] == index[v] {
				var comp []int
				for {
					w := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					onStack[w] = false
					comp = append(comp, w)
					if w == v {
						break
					}
				}
				if len(comp) > 1 {
					slices.Sort(comp)
					out = append(out, comp)
				}
			}
		}
	}
	return out
}

// rwRule says how many anti-dependency edges a cycle must have.
type rwRule uint8

const (
	noRW          rwRule = iota // none
	oneRW                       // exactly one
	nonadjacentRW               // two or more, no two adjacent
	adjacentRW                  // two or more, two of them adjacent
)

// spec describes one kind of cycle to search for.
type spec struct {
	name     string
	plain    Rel    // kinds usable as non-rw edges
	rw       rwRule // how rw edges may appear
	required Rel    // at least one edge must be taken as one of these kinds
	variant  Rel    // and, if set, at least one as one of these
}

// step is one edge of a found cycle, taken as one kind.
type step struct {
	from, to int
	rel      Rel
}

// search state flags
const (
	stRW1     = 1 << iota // one rw edge so far
	stRW2                 // two or more
	stLastRW              // the last edge was rw
	stFirstRW             // the first edge was rw
	stReq                 // a required kind was used
	stVariant             // a variant kind was used
	stAdjRW               // two rw edges were adjacent
	stFlags   = 1 << 7
)

// search looks for a cycle matching sp among the vertices of scc. Only the
// strongly connected parts of the subgraph sp may use are searched, and
// only from the sources of the edges such a cycle must contain.
func (g *Graph) search(scc []int, sp spec, deadline time.Time) (cycle []step, ok, timedOut bool) {
	mask := sp.plain
	if sp.rw != noRW {
		mask |= RW
	}
	must := sp.required
	if must == 0 {
		must = sp.variant
	}
	if sp.rw != noRW {
		must = RW // every start of such a cycle's rw edges will do
	}
	for _, sub := range g.SCCs(mask, scc) {
		in := make(map[int]bool, len(sub))
		for _, v := range sub {
			in[v] = true
		}
		var starts []int
		for _, v := range sub {
			for _, e := range g.out[v] {
				if in[int(e.to)] && e.rels&must != 0 {
					starts = append(starts, v)
					break
				}
			}
		}
		if must == 0 {
			starts = sub[:1]
		}
		if cycle, ok, timedOut = g.findCycle(sub, starts, sp, deadline); ok || timedOut {
			return cycle, ok, timedOut
		}
	}
	return nil, false, false
}

// findCycle looks, within the vertices of scc, for a cycle through one of
// starts matching sp, by breadth-first search from each start in turn over
// (vertex, flags) states, so each cycle found is a shortest one through its
// start. It gives up at deadline, returning ok=false and timedOut=true.
func (g *Graph) findCycle(scc, starts []int, sp spec, deadline time.Time) (cycle []step, ok, timedOut bool) {
	local := make(map[int]int, len(scc))
	for i, v := range scc {
		local[v] = i
	}
	n := len(scc)
	prev := make([]int32, n*stFlags)
	prevRel := make([]Rel, n*stFlags)
	var touched []int32
	steps := 0
	for _, s := range starts {
		si := local[s]
		for _, t := range touched {
			prev[t] = 0
		}
		touched = touched[:0]
		start := int32(si*stFlags) + 1 // states are stored +1 so 0 means unseen
		queue := []int32{start - 1}
		prev[start-1] = -1
		touched = append(touched, start-1)
		for len(queue) > 0 {
			st := queue[0]
			queue = queue[1:]
			steps++
			if steps%4096 == 1 && time.Now().After(deadline) {
				return nil, false, true
			}
			vi, flags := int(st)/stFlags, int(st)%stFlags
			v := scc[vi]
			for _, e := range g.out[v] {
				wi, in := local[int(e.to)]
				if !in {
					continue
				}
				for _, rel := range []Rel{WW, WR, Process, Realtime, RW} {
					if e.rels&rel == 0 {
						continue
					}
					nf, legal := sp.advance(flags, rel, st == start-1)
					if !legal {
						continue
					}
					if wi == si {
						if sp.accepts(nf) {
							return g.trace(scc, prev, prevRel, st, step{v, s, rel}), true, false
						}
						continue
					}
					ns := int32(wi*stFlags + nf)
					if prev[ns] != 0 {
						continue
					}
					prev[ns] = st + 1
					prevRel[ns] = rel
					touched = append(touched, ns)
					queue = append(queue, ns)
				}
			}
		}
	}
	return nil, false, false
}

// advance returns the flags after taking an edge as rel, and whether that
// is allowed.
func (sp spec) advance(flags int, rel Rel, first bool) (int, bool) {
	if rel == RW {
		switch {
		case sp.rw == noRW:
			return 0, false
		case sp.rw == oneRW && flags&stRW1 != 0:
			return 0, false
		case sp.rw == nonadjacentRW && flags&stLastRW != 0:
			return 0, false
		}
		if flags&stLastRW != 0 {
			flags |= stAdjRW
		}
		if flags&(stRW1|stRW2) != 0 {
			flags = flags&^stRW1 | stRW2
		} else {
			flags |= stRW1
		}
		flags |= stLastRW
		if first {
			flags |= stFirstRW
		}
	} else {
		if sp.plain&rel == 0 {
			return 0, false
		}
		flags &^= stLastRW
	}
	if sp.required&rel != 0 {
		flags |= stReq
	}
	if sp.variant&rel != 0 {
		flags |= stVariant
	}
	return flags, true
}

// accepts reports whether a cycle closed with these flags matches.
func (sp spec) accepts(flags int) bool {
	if sp.required != 0 && flags&stReq == 0 || sp.variant != 0 && flags&stVariant == 0 {
		return false
	}
	switch sp.rw {
	case noRW:
		return true
	case oneRW:
		return flags&stRW1 != 0 && flags&stRW2 == 0
	case nonadjacentRW:
		return flags&stRW2 != 0 && !(flags&stFirstRW != 0 && flags&stLastRW != 0)
	default:
		return flags&stRW2 != 0 && (flags&stAdjRW != 0 || flags&stFirstRW != 0 && flags&stLastRW != 0)
	}
}

// trace rebuilds the cycle ending with last, whose state before it is st.
func (g *Graph) trace(scc []int, prev []int32, prevRel []Rel, st int32, last step) []step {
	out := []step{last}
	for {
		p := prev[st]
		if p == -1 {
			break
		}
		from := scc[int(p-1)/stFlags]
		to := scc[int(st)/stFlags]
		out = append(out, step{from, to, prevRel[st]})
		st = p - 1
	}
	slices.Reverse(out)
	return out
}
