// Package seeded derives named random streams from a run's seed, so that
// every random choice of a run is a pure function of the seed and a stable
// name for the choice, whatever order the choices are made in.
//
// A stream is a PCG generator (math/rand/v2) whose two state words are
// derived from the seed and from an FNV-1a hash of the name and integer
// keys, mixed with SplitMix64. Streams with different names, different keys
// or different seeds are independent for every practical purpose; the same
// arguments always give the same stream, on every platform. The golden
// values in the tests pin the derivation: changing it changes every run.
package seeded

import (
	"encoding/binary"
	"math/rand/v2"
)

// Stream returns the stream named name and keys under seed: for instance
// Stream(seed, "ops", p) for the operations of process p, or
// Stream(seed, "latency n1 n2") for the latencies of the link n1→n2.
// The result is a fresh generator that the caller owns.
func Stream(seed uint64, name string, keys ...int) *rand.Rand {
	a, b := State(seed, name, keys...)
	return rand.New(rand.NewPCG(a, b))
}

// State returns the two PCG state words of Stream(seed, name, keys...).
func State(seed uint64, name string, keys ...int) (uint64, uint64) {
	h := hash(name, keys)
	return mix(seed ^ mix(h)), mix(h + mix(seed^golden))
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
	golden    = 0x9e3779b97f4a7c15
)

// hash is FNV-1a over the name's length (8 bytes, little-endian), the name,
// and each key (8 bytes, little-endian), so no two (name, keys) share an
// encoding.
func hash(name string, keys []int) uint64 {
	h := uint64(fnvOffset)
	var buf [8]byte
	word := func(x uint64) {
		binary.LittleEndian.PutUint64(buf[:], x)
		for _, c := range buf {
			h ^= uint64(c)
			h *= fnvPrime
		}
	}
	word(uint64(len(name)))
	for i := 0; i < len(name); i++ {
		h ^= uint64(name[i])
		h *= fnvPrime
	}
	for _, k := range keys {
		word(uint64(int64(k)))
	}
	return h
}

// mix is SplitMix64's finaliser.
func mix(x uint64) uint64 {
	x += golden
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}
