package trace

import (
	"slices"

	"github.com/eddy-workbench/eddy/internal/netsim"
	"github.com/eddy-workbench/eddy/internal/service"
)

// IsService reports whether name is one of Maelstrom's services (lin-kv,
// seq-kv, lww-kv, lin-tso).
func IsService(name string) bool { return slices.Contains(service.Names(), name) }

// IsNode reports whether name is a node: neither a client nor a service.
func IsNode(name string) bool { return !netsim.IsClient(name) && !IsService(name) }

// BetweenNodes keeps the messages from one node to another.
func BetweenNodes(m *Msg) bool { return IsNode(m.Src) && IsNode(m.Dest) }

// Carriers finds, in one pass over the journal, the messages that carry
// each of values: the positions of the messages keep accepts whose body
// holds the value (see EachInt; with intervals, a list of intervals holds
// every value in them), in send order. Values no message carries are
// absent.
func (x *Index) Carriers(values []int64, intervals bool, keep func(*Msg) bool) map[int64][]int32 {
	out := map[int64][]int32{}
	if len(values) == 0 {
		return out
	}
	want := slices.Clone(values)
	slices.Sort(want)
	want = slices.Compact(want)
	set := make(map[int64]bool, len(want))
	for _, v := range want {
		set[v] = true
	}
	for p := range x.msgs {
		m := &x.msgs[p]
		if keep != nil && !keep(m) {
			continue
		}
		var last int64
		found := false
		EachInt(m.Body, intervals, func(lo, hi int64) {
			if lo == hi {
				if set[lo] && !(found && last == lo) {
					if l := out[lo]; len(l) == 0 || l[len(l)-1] != int32(p) {
						out[lo] = append(out[lo], int32(p))
					}
					last, found = lo, true
				}
				return
			}
			i, _ := slices.BinarySearch(want, lo)
			for ; i < len(want) && want[i] <= hi; i++ {
				v := want[i]
				if l := out[v]; len(l) == 0 || l[len(l)-1] != int32(p) {
					out[v] = append(out[v], int32(p))
				}
			}
		})
	}
	return out
}
