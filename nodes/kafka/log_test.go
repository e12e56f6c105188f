package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// raw makes a JSON message.
func raw(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// offs lists the offsets of es.
func offs(es []Entry) []int64 {
	out := []int64{}
	for _, e := range es {
		out = append(out, e.Off)
	}
	return out
}

func TestNextOffset(t *testing.T) {
	tests := []struct {
		seen    int64
		idx, n  int
		want    int64
		comment string
	}{
		{-1, 0, 1, 0, "lone node starts at 0"},
		{4, 0, 1, 5, "lone node counts up"},
		{-1, 0, 2, 0, "n0 of 2 starts at 0"},
		{-1, 1, 2, 1, "n1 of 2 starts at 1"},
		{0, 0, 2, 2, "n0 after 0"},
		{1, 0, 2, 2, "n0 after n1's 1"},
		{2, 1, 2, 3, "n1 after n0's 2"},
		{7, 1, 2, 9, "n1 after its own 7"},
		{5, 2, 3, 8, "n2 of 3 after 5"},
		{6, 2, 3, 8, "n2 of 3 after 6"},
		{7, 2, 3, 8, "n2 of 3 after 7"},
		{8, 2, 3, 11, "n2 of 3 after its own 8"},
	}
	for _, tt := range tests {
		t.Run(tt.comment, func(t *testing.T) {
			got := nextOffset(tt.seen, tt.idx, tt.n)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, int64(tt.idx), got%int64(tt.n), "in the node's progression")
			assert.Greater(t, got, tt.seen)
		})
	}
}

func TestEntryMarshal(t *testing.T) {
	tests := []struct {
		e    Entry
		want string
	}{
		{Entry{Off: 0, Msg: raw(5)}, `[0,5]`},
		{Entry{Off: 42, Msg: raw(map[string]any{"a": []int{1}})}, `[42,{"a":[1]}]`},
		{Entry{Off: 3}, `[3,null]`},
	}
	for _, tt := range tests {
		b, err := json.Marshal(map[string][]Entry{"k": {tt.e}})
		require.NoError(t, err)
		assert.JSONEq(t, `{"k":[`+tt.want+`]}`, string(b))
	}
}

func TestLogSingleNode(t *testing.T) {
	l := NewLog(0, 1)
	assert.Equal(t, int64(-1), l.Stable(), "empty")
	for i := range int64(5) {
		assert.Equal(t, i, l.Append(raw(i)))
	}
	assert.Equal(t, int64(4), l.Stable(), "a lone node's entries are final at once")
	assert.Equal(t, []int64{0, 1, 2, 3, 4}, offs(l.Read(0, 100)))
	assert.Equal(t, []int64{3, 4}, offs(l.Read(3, 100)))
	assert.Equal(t, []int64{1, 2}, offs(l.Read(1, 2)), "limit")
	assert.Empty(t, l.Read(5, 100))
	assert.Equal(t, []int64{0, 1}, offs(l.Read(-7, 2)), "negative start reads from the beginning")
}

func TestLogAllocation(t *testing.T) {
	type op struct {
		from int   // -1: this node appends; else an entry of node from
		off  int64 // for entries of other nodes
		want int64 // for appends: the offset allocated
	}
	tests := []struct {
		name      string
		self, n   int
		ops       []op
		frontier  int64
		allOffset []int64
	}{
		{"own only, 2 nodes", 1, 2, []op{{-1, 0, 1}, {-1, 0, 3}, {-1, 0, 5}}, 6, []int64{1, 3, 5}},
		{"jumps over what others wrote", 0, 2, []op{{-1, 0, 0}, {1, 1, 0}, {1, 3, 0}, {-1, 0, 4}}, 5, []int64{0, 1, 3, 4}},
		{"an old entry below does not lower anything", 0, 2, []op{{1, 5, 0}, {-1, 0, 6}, {1, 3, 0}}, 7, []int64{3, 5, 6}},
		{"three nodes", 2, 3, []op{{0, 0, 0}, {1, 1, 0}, {-1, 0, 2}, {0, 3, 0}, {-1, 0, 5}, {1, 7, 0}, {-1, 0, 8}}, 10, []int64{0, 1, 2, 3, 5, 7, 8}},
		{"seeing others raises the frontier without appending", 0, 3, []op{{2, 8, 0}}, 8, []int64{8}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := NewLog(tt.self, tt.n)
			for i, o := range tt.ops {
				if o.from < 0 {
					assert.Equal(t, o.want, l.Append(raw(i)), "op %d", i)
				} else {
					assert.True(t, l.AddFrom(o.from, Entry{Off: o.off, Msg: raw(i)}), "op %d", i)
				}
			}
			assert.Equal(t, tt.frontier, l.Frontier())
			assert.Equal(t, tt.allOffset, offs(l.Entries()))
			assert.False(t, l.AddFrom((tt.self+1)%tt.n, l.Entries()[0]), "a known offset is not added twice")
		})
	}
}

func TestLogStable(t *testing.T) {
	// n0 of 3. Nodes that never spoke promise only their progressions:
	// n1 nothing below 1, n2 nothing below 2, so n0's view starts at 0.
	l := NewLog(0, 3)
	assert.Equal(t, int64(-1), l.Stable())
	assert.Equal(t, int64(-1), l.FrontierOf(0))
	assert.Equal(t, int64(0), l.FrontierOf(1))
	assert.Equal(t, int64(1), l.FrontierOf(2))

	l.Append(raw("a")) // 0; n0 now promises nothing at or below 2
	assert.Equal(t, int64(2), l.Frontier())
	assert.Equal(t, int64(0), l.Stable(), "n1 might still write 1")
	assert.Equal(t, []int64{0}, offs(l.Read(0, 10)))

	l.AddFrom(1, Entry{Off: 4, Msg: raw("b")}) // n1 wrote 4: promises ≤ 6
	assert.Equal(t, int64(1), l.Stable(), "n2 might still write 2")
	l.Promise(2, 4) // n2 heard of 4 and will not go below 5
	assert.Equal(t, int64(4), l.Stable())
	assert.Equal(t, []int64{0, 4}, offs(l.Read(0, 10)))
	l.Promise(2, 3)
	assert.Equal(t, int64(4), l.Stable(), "promises never shrink")
	l.Promise(0, 100)
	assert.Equal(t, int64(5), l.Frontier(), "own promise is computed, not taken")
}

// TestLogInterleaving replicates between 2 or 3 logs in random order,
// keeping each node's entries in allocation order, and checks that no two
// appends share an offset, each node's offsets increase, and every read is
// a run of consecutive entries of the final log.
func TestLogInterleaving(t *testing.T) {
	for _, n := range []int{2, 3} {
		for seed := range uint64(20) {
			t.Run(fmt.Sprintf("%d nodes seed %d", n, seed), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(seed, 7))
				logs := make([]*Log, n)
				for i := range logs {
					logs[i] = NewLog(i, n)
				}
				// own[j] is node j's appends in order; next[i][j] is how many
				// of them node i has applied.
				own := make([][]Entry, n)
				next := make([][]int, n)
				for i := range next {
					next[i] = make([]int, n)
				}
				type read struct {
					from int64
					got  []Entry
				}
				var reads []read
				seen := map[int64]bool{}
				for step := 0; step < 400; step++ {
					i := rng.IntN(n)
					switch rng.IntN(4) {
					case 0:
						off := logs[i].Append(raw(step))
						require.False(t, seen[off], "offset %d allocated twice", off)
						seen[off] = true
						if k := len(own[i]); k > 0 {
							require.Greater(t, off, own[i][k-1].Off)
						}
						own[i] = append(own[i], Entry{Off: off, Msg: raw(step)})
					case 1: // i applies the next entry of some j
						j := rng.IntN(n)
						if j != i && next[i][j] < len(own[j]) {
							logs[i].AddFrom(j, own[j][next[i][j]])
							next[i][j]++
						}
					case 2: // j tells i its frontier, having sent all it wrote
						j := rng.IntN(n)
						if j != i && next[i][j] == len(own[j]) {
							logs[i].Promise(j, logs[j].Frontier())
						}
					case 3:
						from := rng.Int64N(int64(3*len(seen) + 1))
						reads = append(reads, read{from, logs[i].Read(from, 1+rng.IntN(5))})
					}
				}
				// Deliver everything, then every frontier.
				for i := range logs {
					for j := range logs {
						for ; i != j && next[i][j] < len(own[j]); next[i][j]++ {
							logs[i].AddFrom(j, own[j][next[i][j]])
						}
					}
				}
				for i := range logs {
					for j := range logs {
						logs[i].Promise(j, logs[j].Frontier())
					}
				}
				final := logs[0].Entries()
				for i, l := range logs {
					assert.Equal(t, final, l.Entries(), "node %d has the union", i)
					assert.Len(t, l.Read(0, len(seen)+1), len(seen), "node %d: all final", i)
				}
				for _, r := range reads {
					assertRun(t, final, r.from, r.got)
				}
			})
		}
	}
}

// assertRun checks that got is the first len(got) entries of final at or
// above from.
func assertRun(t *testing.T, final []Entry, from int64, got []Entry) {
	t.Helper()
	i := 0
	for i < len(final) && final[i].Off < from {
		i++
	}
	require.LessOrEqual(t, len(got), len(final)-i, "read from %d returned more than exists", from)
	if len(got) > 0 {
		assert.Equal(t, final[i:i+len(got)], got, "read from %d is not a run of the final log", from)
	}
}
