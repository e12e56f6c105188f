package seeded

import (
	"fmt"
	"math/bits"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The derivation is pinned: these values must never change, or every run's
// schedule changes with it.
func TestGoldenValues(t *testing.T) {
	for _, c := range []struct {
		seed uint64
		name string
		keys []int
		want [3]uint64
	}{
		{0, "", nil, [3]uint64{0x932b206ed31dfa1b, 0xe85d595cc5c35d12, 0xed5f31687d58faa1}},
		{1, "ops", []int{0}, [3]uint64{0x3cb744a256d21f25, 0x461b919bf898bcc3, 0x99d8479c7fb287ad}},
		{1, "ops", []int{1}, [3]uint64{0xb4b920688bf0fa4f, 0x73783286e4c8b9c5, 0x36a8614d2f5c8b53}},
		{7, "latency n0 n1", nil, [3]uint64{0x512fb7bd921c5871, 0x9e1036ad40172dab, 0x3ffda1a18b8f1c49}},
		{7, "nemesis", nil, [3]uint64{0x741ea6718067e50c, 0xcd5884b5835934d5, 0xb29e2cb772012863}},
		{1 << 62, "ops", []int{-1, 1 << 40}, [3]uint64{0x9defbf6d4c1398d1, 0xaaa071062491e1fd, 0x1b9beb2e9de20cbc}},
	} {
		r := Stream(c.seed, c.name, c.keys...)
		got := [3]uint64{r.Uint64(), r.Uint64(), r.Uint64()}
		assert.Equal(t, c.want, got, "Stream(%d, %q, %v)", c.seed, c.name, c.keys)
	}
}

func TestSameArgumentsSameStream(t *testing.T) {
	a, b := Stream(42, "ops", 3, 9), Stream(42, "ops", 3, 9)
	for range 1000 {
		assert.Equal(t, a.Uint64(), b.Uint64())
	}
}

// Names and keys never run into each other: every argument list has its
// own stream.
func TestEncodingIsUnambiguous(t *testing.T) {
	seen := map[[2]uint64]string{}
	add := func(seed uint64, name string, keys ...int) {
		a, b := State(seed, name, keys...)
		id := fmt.Sprintf("(%d, %q, %v)", seed, name, keys)
		if prev, dup := seen[[2]uint64{a, b}]; dup {
			t.Fatalf("%s and %s share a stream", prev, id)
		}
		seen[[2]uint64{a, b}] = id
	}
	add(1, "a")
	add(1, "a", 0)
	add(1, "a", 0, 0)
	add(1, "ab")
	add(1, "a\x01")
	add(1, "", 'a')
	add(2, "a")
	add(0, "a")
	for p := range 200 {
		for k := range 50 {
			add(7, "ops", p, k)
		}
		add(7, "ops", p)
		add(8, "ops", p)
	}
}

// Neighbouring streams (keys k and k+1, seeds s and s+1) look unrelated:
// their outputs differ in half their bits on average, and each output bit
// is set half the time.
func TestNeighbouringStreamsAreIndependent(t *testing.T) {
	const n = 4000
	var xorBits, ones [64]int
	total := 0
	for k := range n {
		a, b := Stream(1, "ops", k).Uint64(), Stream(1, "ops", k+1).Uint64()
		c := Stream(uint64(k), "x").Uint64()
		d := Stream(uint64(k+1), "x").Uint64()
		total += bits.OnesCount64(a^b) + bits.OnesCount64(c^d)
		for i := range 64 {
			xorBits[i] += int((a ^ b) >> i & 1)
			ones[i] += int(a >> i & 1)
		}
	}
	mean := float64(total) / (2 * n)
	assert.InDelta(t, 32, mean, 0.5, "mean Hamming distance between neighbouring streams")
	for i := range 64 {
		// n = 4000 fair coins: σ ≈ 32, so ±200 is over 6σ.
		assert.InDelta(t, n/2, xorBits[i], 200, "bit %d of a^b", i)
		assert.InDelta(t, n/2, ones[i], 200, "bit %d", i)
	}
}

func ExampleStream() {
	// The operations of process 5 draw from the same stream in every run
	// with seed 7, whatever the other processes did meanwhile.
	r := Stream(7, "ops", 5)
	fmt.Println(r.IntN(100), r.IntN(100), r.IntN(100))
	// Output: 62 64 20
}
