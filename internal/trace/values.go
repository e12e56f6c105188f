package trace

import (
	"bytes"
	"slices"

	"github.com/eddy-workbench/eddy/internal/netsim"
	"github.com/eddy-workbench/eddy/internal/service"
)

// IsService reports whether name is one of Maelstrom's services (lin-kv,
// seq-kv, lww-kv, lin-tso).
func IsService(name string) bool { return slices.Contains(service.Names(), name) }

// IsNode reports whether name is a node: neither a client nor a service.
func IsNode(name string) bool { return !netsim.IsClient(name) && !IsService(name) }

// NodeToNode reports whether src and dest are both nodes.
func NodeToNode(src, dest string) bool { return IsNode(src) && IsNode(dest) }

// Carriers finds, in one pass over the journal, the messages that carry
// each of values: the positions of the messages (from src to dest) keep
// accepts whose body
// holds the value (see EachInt; with intervals, a list of intervals holds
// every value in them), in send order. Values no message carries are
// absent.
func (x *Index) Carriers(values []int64, intervals bool, keep func(src, dest string) bool) map[int64][]int32 {
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
		m := &x.ev(int32(p)).Msg
		if keep != nil && !keep(m.Src, m.Dest) {
			continue
		}
		if !(intervals && bytes.Contains(m.Body, []byte("[["))) && !mayHold(m.Body, set) {
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

// mayHold reports whether a body has a run of digits (optionally signed)
// that reads as one of the values: a quick test before walking it.
func mayHold(b []byte, set map[int64]bool) bool {
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c < '0' || c > '9' {
			continue
		}
		j := i
		var n int64
		for j < len(b) && b[j] >= '0' && b[j] <= '9' && j-i < 18 {
			n = 10*n + int64(b[j]-'0')
			j++
		}
		if i > 0 && b[i-1] == '-' {
			n = -n
		}
		if set[n] {
			return true
		}
		i = j
	}
	return false
}
