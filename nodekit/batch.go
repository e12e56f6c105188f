package nodekit

import (
	"encoding/json"
	"fmt"
)

// Byte limits. A node built on maelstrom.Node.Run cannot read a line of
// 64 KiB or more (its bufio.Scanner stops with "token too long" and the
// node exits), so everything a node of the kit sends to another node is
// bounded well under that.
const (
	// DefaultMaxBody is the default budget, in bytes of encoded JSON, of a
	// message body sent to another node. With the envelope around it
	// (source, destination and the id the network adds) the line stays
	// under 49 KiB.
	DefaultMaxBody = 48 << 10
	// DefaultMaxLine is the default longest input line a Node reads; a
	// longer one is skipped and reported. eddy refuses lines over 1 MiB too.
	DefaultMaxLine = 1 << 20
)

// TooLargeError reports an item that does not fit a byte budget even alone.
type TooLargeError struct {
	// Index is the item's position in the slice given to Split.
	Index int
	// Size is the encoded size of a message carrying the item alone, or
	// of the item itself when Budget reports it.
	Size int
	// Max is the budget.
	Max int
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("nodekit: item %d needs %d bytes alone, over the budget of %d", e.Index, e.Size, e.Max)
}

// Split packs items, in order, into consecutive batches such that the
// message body(batch), encoded with encoding/json, takes at most max bytes.
// Each batch takes as many items as fit before the next one starts
// (exactly as many whenever adding an item to a batch adds its size and a
// comma to the body), no batch is empty, and the batches are subslices of
// items that together hold every item once, in order.
//
// Split encodes every item once to estimate sizes, then encodes each
// batch's body once to check it, so body may put anything else in the
// message (sequence numbers, the batch's length): the check is exact.
//
// If an item does not fit even alone, Split returns the batches of the
// items before it and a *TooLargeError naming it; the caller may drop it
// and split items[err.Index+1:]. An item or body that cannot be encoded is
// returned as an error too.
func Split[T any](items []T, max int, body func(batch []T) any) ([][]T, error) {
	if len(items) == 0 {
		return nil, nil
	}
	sizes := make([]int, len(items))
	for i, it := range items {
		b, err := json.Marshal(it)
		if err != nil {
			return nil, fmt.Errorf("nodekit: encoding item %d: %w", i, err)
		}
		sizes[i] = len(b)
	}
	one, err := encodedLen(body(items[:1]))
	if err != nil {
		return nil, err
	}
	overhead := one - sizes[0] // the body around a one-item list
	var out [][]T
	for i := 0; i < len(items); {
		j, est := i+1, overhead+sizes[i]
		for {
			// Extend by estimate: each further item adds itself and a comma.
			for j < len(items) && est+1+sizes[j] <= max {
				est += 1 + sizes[j]
				j++
			}
			n, err := encodedLen(body(items[i:j]))
			if err != nil {
				return out, err
			}
			if n <= max {
				if j < len(items) && n+1+sizes[j] <= max {
					est = n // the estimate was long: go on from the real size
					continue
				}
				break
			}
			// The estimate was short: shrink by binary search.
			lo, hi := i, j // items[i:lo] fits (or lo == i), items[i:hi] does not
			for hi-lo > 1 {
				mid := (lo + hi) / 2
				m, err := encodedLen(body(items[i:mid]))
				if err != nil {
					return out, err
				}
				if m <= max {
					lo = mid
				} else {
					hi, n = mid, m
				}
			}
			if lo == i {
				return out, &TooLargeError{Index: i, Size: n, Max: max}
			}
			j = lo
			break
		}
		out = append(out, items[i:j:j])
		i = j
	}
	return out, nil
}

func encodedLen(v any) (int, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return 0, fmt.Errorf("nodekit: encoding a batch: %w", err)
	}
	return len(b), nil
}

// Budget fills one message with JSON array elements whose encoded sizes
// the caller already knows, for a core that keeps the size of each queued
// element rather than encoding it again for every message. Split is the
// simpler choice when the elements are at hand.
//
// The zero Budget admits nothing; make one with NewBudget.
type Budget struct {
	max, used, n int
}

// NewBudget returns an empty Budget of max bytes for a message that takes
// overhead bytes with no elements: its other fields at their longest and
// the array's brackets.
func NewBudget(max, overhead int) Budget { return Budget{max: max, used: overhead} }

// Add counts an element of size encoded bytes, with the comma before it if
// it is not the first, if the message still fits max; it reports whether
// it did.
func (b *Budget) Add(size int) bool {
	need := size
	if b.n > 0 {
		need++
	}
	if b.used+need > b.max {
		return false
	}
	b.used += need
	b.n++
	return true
}

// Len returns the number of elements added.
func (b *Budget) Len() int { return b.n }

// Used returns the bytes the message takes with the elements added.
func (b *Budget) Used() int { return b.used }
