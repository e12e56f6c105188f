package kafka

import (
	"math/bits"
	"math/rand/v2"
	"slices"
)

// keyPool is the generator's pool of active keys: each key receives the
// messages 1, 2, …, maxWrites and is then replaced by a new key. Picks are
// biased towards the most recently added keys: the key at position i (oldest
// first) has weight 2^i.
type keyPool struct {
	keys      []int64 // oldest first
	writes    map[int64]int64
	maxWrites int64
	next      int64 // the next new key
}

func newKeyPool(count, maxWrites int) *keyPool {
	p := &keyPool{writes: map[int64]int64{}, maxWrites: int64(maxWrites)}
	for range count {
		p.keys = append(p.keys, p.next)
		p.next++
	}
	return p
}

// pick returns a key, favouring recent ones.
func (p *keyPool) pick(rng *rand.Rand) int64 {
	n := len(p.keys)
	if n > 62 {
		// Weights beyond 2^62 would overflow; the oldest keys are then
		// simply never picked, as their weight is negligible.
		return p.keys[n-62+bits.Len64(rng.Uint64N(1<<62-1)+1)-1]
	}
	r := rng.Uint64N(1<<n - 1) // [0, 2^n - 1): position i covers [2^i - 1, 2^(i+1) - 1)
	return p.keys[bits.Len64(r+1)-1]
}

// write returns the next message for key and retires the key once it has
// had maxWrites messages.
func (p *keyPool) write(key int64) int64 {
	p.writes[key]++
	v := p.writes[key]
	if v >= p.maxWrites {
		if i := slices.Index(p.keys, key); i >= 0 {
			p.keys = append(p.keys[:i], p.keys[i+1:]...)
			p.keys = append(p.keys, p.next)
			p.next++
		}
	}
	return v
}
