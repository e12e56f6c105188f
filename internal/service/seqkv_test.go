package service

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// do sends in from src and decodes the reply, failing on any problem.
func do(t *testing.T, s Service, src string, in regInput) regOutput {
	t.Helper()
	reply, problem := s.Handle(src, in.body(1))
	require.Empty(t, problem)
	out, err := decodeOutput(reply)
	require.NoError(t, err)
	return out
}

func read(key int) regInput      { return regInput{op: "read", key: key} }
func write(key, v int) regInput  { return regInput{op: "write", key: key, to: v} }
func cas(key, a, b int) regInput { return regInput{op: "cas", key: key, from: a, to: b} }

// expect is what a single map in state st answers to in, and its next state.
func expect(st regState, in regInput) (regOutput, regState) {
	switch in.op {
	case "read":
		if !st.present {
			return regOutput{code: 20}, st
		}
		return regOutput{ok: true, value: st.value}, st
	case "write":
		return regOutput{ok: true}, regState{present: true, value: in.to}
	}
	switch {
	case !st.present:
		return regOutput{code: 20}, st
	case st.value != in.from:
		return regOutput{code: 22}, st
	}
	return regOutput{ok: true}, regState{present: true, value: in.to}
}

// TestSeqKVReadYourWrites gives each caller keys no one else touches: every
// answer about them must then be exactly what a plain map would give, however
// stale the caller's view of other keys is.
func TestSeqKVReadYourWrites(t *testing.T) {
	for seed := range uint64(5) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			s := NewSeqKV(seed)
			rng := rand.New(rand.NewPCG(seed+100, seed))
			model := map[int]regState{}
			for range 3000 {
				c := rng.IntN(5)
				in := randomInput(rng)
				in.key = 10*c + rng.IntN(3)
				want, next := expect(model[in.key], in)
				got := do(t, s, fmt.Sprint("n", c), in)
				require.Equal(t, want, got, "caller n%d: %+v", c, in)
				model[in.key] = next
			}
		})
	}
}

// counterWorkload has one writer set key 0 to 1, 2, …, writes, interleaved
// at random with reads of key 0 by readers r0..r3. It returns each reader's
// observed values (0 for a missing key) and, per read, how many writes had
// completed.
func counterWorkload(t *testing.T, seed uint64, writes int) (seen map[string][]int, latest map[string][]int) {
	s := NewSeqKV(seed)
	rng := rand.New(rand.NewPCG(seed+1, seed))
	seen, latest = map[string][]int{}, map[string][]int{}
	for written := 0; written < writes; {
		if rng.IntN(3) == 0 {
			written++
			require.Equal(t, regOutput{ok: true}, do(t, s, "w", write(0, written)))
			continue
		}
		r := fmt.Sprint("r", rng.IntN(4))
		out := do(t, s, r, read(0))
		seen[r] = append(seen[r], out.value)
		latest[r] = append(latest[r], written)
	}
	return seen, latest
}

func TestSeqKVMonotonicReads(t *testing.T) {
	for seed := range uint64(10) {
		seen, latest := counterWorkload(t, seed, 200)
		for r, vals := range seen {
			for i, v := range vals {
				require.LessOrEqual(t, v, latest[r][i], "seed %d: %s read a value not yet written", seed, r)
				if i > 0 {
					require.GreaterOrEqual(t, v, vals[i-1], "seed %d: %s went back in time: %v", seed, r, vals[:i+1])
				}
			}
		}
	}
}

func TestSeqKVStaleReadsHappen(t *testing.T) {
	stale, total := 0, 0
	for seed := range uint64(10) {
		seen, latest := counterWorkload(t, seed, 200)
		for r, vals := range seen {
			for i, v := range vals {
				total++
				if v < latest[r][i] {
					stale++
				}
			}
		}
	}
	assert.Positive(t, stale, "no stale read in %d reads", total)
	assert.Less(t, stale, total, "every read was stale")

	// An identity cas stores nothing new, so it can succeed against an old
	// version without bringing the caller up to date.
	pastCas := 0
	for seed := range uint64(50) {
		s := NewSeqKV(seed)
		for v := 1; v <= 10; v++ {
			do(t, s, "w", write(0, v))
		}
		got := do(t, s, "y", read(0))
		if got.ok && do(t, s, "y", cas(0, got.value, got.value)).ok && got.value < 10 {
			pastCas++
		}
	}
	assert.Positive(t, pastCas, "an identity cas never succeeded against an old version")
}

// TestSeqKVUniqueWriteForcesFreshReads: after caller y writes a value never
// written before, its reads of any key see the newest version. The other
// writers store unique values too, so each of their writes is a new version
// (a repeated value could be applied to an old version instead).
func TestSeqKVUniqueWriteForcesFreshReads(t *testing.T) {
	s := NewSeqKV(3)
	rng := rand.New(rand.NewPCG(4, 4))
	latest := map[int]regState{}
	written := 0
	const token = 100
	for round := range 300 {
		for range rng.IntN(8) {
			written++
			in := write(rng.IntN(5), written)
			do(t, s, fmt.Sprint("n", rng.IntN(4)), in)
			latest[in.key] = regState{present: true, value: in.to}
		}
		if rng.IntN(2) == 0 {
			do(t, s, "y", read(rng.IntN(5))) // possibly stale; unchecked
			continue
		}
		require.Equal(t, regOutput{ok: true}, do(t, s, "y", write(token, round)))
		for k := range 5 {
			want, _ := expect(latest[k], read(k))
			require.Equal(t, want, do(t, s, "y", read(k)), "round %d key %d", round, k)
		}
	}
}

// TestSeqKVClamping: a caller far behind is brought forward to the oldest
// retained version, never shown anything older, and never goes backwards.
// Each write stores a new value, so the value read is the version seen.
func TestSeqKVClamping(t *testing.T) {
	for seed := range uint64(30) {
		s := NewSeqKV(seed)
		for v := 1; v <= 3; v++ {
			do(t, s, "w", write(0, v))
		}
		early := do(t, s, "r", read(0)).value
		const last = 103
		for v := 4; v <= last; v++ {
			do(t, s, "w", write(0, v))
		}
		require.EqualValues(t, last, s.last)
		oldest := last - seqVersions + 1
		prev := early
		for range 30 {
			got := do(t, s, "r", read(0))
			require.True(t, got.ok)
			require.GreaterOrEqual(t, got.value, oldest, "seed %d: read outside the retained versions", seed)
			require.GreaterOrEqual(t, got.value, prev, "seed %d: went back in time", seed)
			prev = got.value
		}
		fresh := do(t, s, "q", read(0))
		require.GreaterOrEqual(t, fresh.value, oldest, "seed %d: a new caller saw a dropped version", seed)
	}
}

// TestSeqKVVersionRules checks the exact outcomes when a stale caller's
// cas is evaluated against each possible version: key 0 is missing in
// version 0, 1 in version 1 and 2 in version 2.
func TestSeqKVVersionRules(t *testing.T) {
	type outcome struct {
		reply     regOutput
		last, saw int64
	}
	allowed := map[outcome]string{
		{regOutput{code: 20}, 2, 0}: "version 0: key missing, nothing changes",
		{regOutput{code: 22}, 3, 3}: "version 1: cas would succeed, so it is redone on version 2, fails, and still adds version 3",
		{regOutput{code: 22}, 2, 2}: "version 2: cas fails, nothing changes",
	}
	happened := map[outcome]bool{}
	for seed := range uint64(60) {
		s := NewSeqKV(seed)
		do(t, s, "w", write(0, 1))
		do(t, s, "w", write(0, 2))
		o := outcome{do(t, s, "a", cas(0, 1, 5)), s.last, s.seen["a"]}
		require.Contains(t, allowed, o, "seed %d", seed)
		happened[o] = true
	}
	for o, why := range allowed {
		assert.True(t, happened[o], "never saw %s", why)
	}

	// A write of the value a key already holds in the picked version adds
	// no version.
	s := NewSeqKV(1)
	do(t, s, "w", write(0, 1))
	do(t, s, "w", write(0, 1))
	do(t, s, "w", cas(0, 1, 1))
	assert.EqualValues(t, 1, s.last)
}

// TestSeqKVManyKeys checks that versions share storage: each key keeps a
// bounded history however many writes there are.
func TestSeqKVManyKeys(t *testing.T) {
	s := NewSeqKV(9)
	rng := rand.New(rand.NewPCG(10, 10))
	latest := map[int]int{}
	for i := range 20000 {
		k := rng.IntN(2000)
		if k < 5 {
			k = rng.IntN(5) // a few hot keys with long histories
		}
		do(t, s, fmt.Sprint("n", rng.IntN(3)), write(k, i))
		latest[k] = i
	}
	for k, es := range s.keys {
		require.LessOrEqual(t, len(es), seqVersions+1, "key %s", k)
	}
	for k, v := range latest {
		require.Equal(t, regOutput{ok: true, value: v}, do(t, s, "n0", read(k)))
	}
}

// A node's staleness draws come from its own stream: what n0 reads does not
// depend on whether another node's reads arrive in between (with one
// shared generator they would consume n0's draws).
func TestSeqKVDrawsPerNode(t *testing.T) {
	run := func(others bool) []regOutput {
		s := NewSeqKV(42)
		var got []regOutput
		for i := 1; i <= 30; i++ {
			do(t, s, "w", write(0, i))
			got = append(got, do(t, s, "n0", read(0)))
			if others {
				do(t, s, "n1", read(0))
				do(t, s, "n2", read(0))
			}
		}
		return got
	}
	alone := run(false)
	assert.Equal(t, alone, run(true))
	stale := 0
	for i, o := range alone {
		if o.value != i+1 {
			stale++
		}
	}
	assert.Positive(t, stale, "the reads are sometimes stale")
}
