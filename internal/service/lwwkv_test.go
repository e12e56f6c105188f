package service

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLWWKVConverges writes a new value and keeps reading: the value shows
// up eventually, and after enough requests every read returns it.
func TestLWWKVConverges(t *testing.T) {
	s := NewLWWKV(1)
	for round := 1; round <= 100; round++ {
		require.Equal(t, regOutput{ok: true}, do(t, s, "n0", write(0, round)))
		var reads []regOutput
		for i := range 200 {
			reads = append(reads, do(t, s, fmt.Sprint("n", i%3), read(0)))
		}
		assert.Contains(t, reads, regOutput{ok: true, value: round}, "round %d: the write never became visible", round)
		for _, r := range reads[150:] {
			require.Equal(t, regOutput{ok: true, value: round}, r, "round %d: replicas did not converge", round)
		}
	}
}

// TestLWWKVStaleReads: a read right after a write can miss it, on a missing
// key as well as on an overwritten one.
func TestLWWKVStaleReads(t *testing.T) {
	missing, old, fresh := 0, 0, 0
	for seed := range uint64(100) {
		s := NewLWWKV(seed)
		do(t, s, "n0", write(0, 1))
		switch r := do(t, s, "n1", read(0)); {
		case r.code == 20:
			missing++
		case r.ok && r.value == 1:
			fresh++
		default:
			t.Fatalf("seed %d: unexpected reply %+v", seed, r)
		}
		for range 100 { // let the replicas converge on 1
			do(t, s, "n1", read(0))
		}
		do(t, s, "n0", write(0, 2))
		switch r := do(t, s, "n1", read(0)); {
		case r.ok && r.value == 1:
			old++
		case r.ok && r.value == 2:
			fresh++
		default:
			t.Fatalf("seed %d: unexpected reply %+v", seed, r)
		}
	}
	assert.Positive(t, missing, "a read never missed a fresh key")
	assert.Positive(t, old, "a read never returned an overwritten value")
	assert.Positive(t, fresh, "a read never saw the latest write at once")
}

// TestLWWKVLaterWriteWins: two writes from different callers may land on
// different replicas; once merged, the later one is what every read sees.
func TestLWWKVLaterWriteWins(t *testing.T) {
	split := 0
	for seed := range uint64(100) {
		s := NewLWWKV(seed)
		do(t, s, "n0", write(0, 1))
		do(t, s, "n1", write(0, 2))
		a, b := s.replicas[0][`0`], s.replicas[1][`0`]
		if a.val != b.val {
			split++
		}
		for range 100 {
			do(t, s, "n2", read(0))
		}
		for range 10 {
			require.Equal(t, regOutput{ok: true, value: 2}, do(t, s, "n2", read(0)), "seed %d", seed)
		}
		// A cas against the winner succeeds once the replicas agree.
		require.Equal(t, regOutput{ok: true}, do(t, s, "n2", cas(0, 2, 3)), "seed %d", seed)
	}
	assert.Positive(t, split, "the two writes never landed on different replicas")
}

// TestLWWKVStamps: every write and successful cas takes a new stamp; reads
// and failed cas take none.
func TestLWWKVStamps(t *testing.T) {
	s := NewLWWKV(5)
	do(t, s, "n0", write(0, 1))
	do(t, s, "n0", write(1, 1))
	do(t, s, "n0", read(0))
	assert.EqualValues(t, 2, s.clock)
	do(t, s, "n0", cas(0, 7, 8)) // fails: 20 or 22 depending on the replica
	assert.EqualValues(t, 2, s.clock)
	s.merge(0, 1)
	s.merge(1, 0)
	require.Equal(t, regOutput{ok: true}, do(t, s, "n0", cas(0, 1, 2)))
	assert.EqualValues(t, 3, s.clock)
}
