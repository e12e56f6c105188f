package nodekit_test

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/nodekit"
)

// item is a replication entry of varied size and awkward contents.
type item struct {
	Seq  int64  `json:"s"`
	Text string `json:"t,omitempty"`
	Nums []int  `json:"n,omitempty"`
}

type batchBody struct {
	Type  string `json:"type"`
	From  int64  `json:"from"`
	Items []item `json:"items"`
}

func encLen(t *testing.T, v any) int {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return len(b)
}

// randomItems draws n items; some texts need escaping (<, quotes,
// control characters, non-ASCII), which changes their encoded size.
func randomItems(r *rand.Rand, n, maxText int) []item {
	alphabet := []string{"a", "b", "<", ">", "&", `"`, `\`, "\n", "\x01", "é", "日", "\u2028"}
	out := make([]item, n)
	for i := range out {
		var sb strings.Builder
		for range r.IntN(maxText + 1) {
			sb.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		out[i] = item{Seq: r.Int64N(1 << 40), Text: sb.String()}
		for range r.IntN(5) {
			out[i].Nums = append(out[i].Nums, r.IntN(1e6)-5e5)
		}
	}
	return out
}

// TestSplitProperties checks Split on random inputs: every batch's
// message fits the budget, batches are non-empty and hold every item once
// in order, and no batch could have taken the next item (the body here
// depends on the batch only through its items and its first sequence
// number, so sizes are additive up to that number's digits).
func TestSplitProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 300 {
		items := randomItems(r, r.IntN(200), r.IntN(400))
		max := 200 + r.IntN(20000)
		body := func(b []item) any { return batchBody{Type: "sync", From: b[0].Seq, Items: b} }
		batches, err := nodekit.Split(items, max, body)
		var tooLarge *nodekit.TooLargeError
		if errors.As(err, &tooLarge) {
			// Everything before the culprit was packed; the culprit alone
			// really is too large.
			assert.Greater(t, encLen(t, body(items[tooLarge.Index:tooLarge.Index+1])), max)
			packed := slices.Concat(batches...)
			assert.True(t, slices.EqualFunc(items[:tooLarge.Index], packed, sameItem), "round %d", round)
			continue
		}
		require.NoError(t, err)
		var all []item
		for i, b := range batches {
			require.NotEmpty(t, b)
			assert.LessOrEqual(t, encLen(t, body(b)), max, "round %d batch %d", round, i)
			all = append(all, b...)
			if i+1 < len(batches) {
				next := append(slices.Clone(b), batches[i+1][0])
				assert.Greater(t, encLen(t, body(next)), max, "round %d: batch %d could have taken one more item", round, i)
			}
		}
		if len(items) == 0 {
			assert.Nil(t, batches)
		} else {
			assert.Equal(t, items, all, "round %d", round)
		}
	}
}

// TestSplitNonAdditiveBody: a body whose size depends on the batch in
// other ways (here a field listing every sequence number) still never
// exceeds the budget, as Split checks each batch by encoding it.
func TestSplitNonAdditiveBody(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	items := randomItems(r, 500, 50)
	type body struct {
		Seqs  []int64 `json:"seqs"`
		Items []item  `json:"items"`
	}
	mk := func(b []item) any {
		s := make([]int64, len(b))
		for i, it := range b {
			s[i] = it.Seq
		}
		return body{Seqs: s, Items: b}
	}
	batches, err := nodekit.Split(items, 4000, mk)
	require.NoError(t, err)
	assert.Greater(t, len(batches), 1)
	for _, b := range batches {
		assert.LessOrEqual(t, encLen(t, mk(b)), 4000)
	}
	assert.Equal(t, items, slices.Concat(batches...))
}

func TestSplitTooLarge(t *testing.T) {
	items := []item{{Seq: 1}, {Seq: 2, Text: strings.Repeat("x", 500)}, {Seq: 3}}
	body := func(b []item) any { return batchBody{Type: "sync", Items: b} }
	batches, err := nodekit.Split(items, 300, body)
	var tl *nodekit.TooLargeError
	require.ErrorAs(t, err, &tl)
	assert.Equal(t, 1, tl.Index)
	assert.Equal(t, 300, tl.Max)
	assert.Equal(t, [][]item{{{Seq: 1}}}, batches)
	rest, err := nodekit.Split(items[tl.Index+1:], 300, body)
	require.NoError(t, err)
	assert.Equal(t, [][]item{{{Seq: 3}}}, rest)
}

func TestSplitEncodingError(t *testing.T) {
	_, err := nodekit.Split([]any{1, make(chan int)}, 100, func(b []any) any { return b })
	assert.ErrorContains(t, err, "encoding item 1")
}

func TestBudget(t *testing.T) {
	// {"type":"x","l":[]} is 19 bytes; elements of 5 bytes each, with
	// commas between.
	b := nodekit.NewBudget(19+5+1+5, 19)
	assert.True(t, b.Add(5))
	assert.True(t, b.Add(5))
	assert.False(t, b.Add(1), "no room for a comma and a byte")
	assert.Equal(t, 2, b.Len())
	assert.Equal(t, 30, b.Used())
	var zero nodekit.Budget
	assert.False(t, zero.Add(1))
	assert.Equal(t, len(`{"type":"x","l":[12345,12345]}`), b.Used())
}

// TestBudgetMatchesEncoding: filling a Budget with encoded element sizes
// gives a message whose real encoding takes exactly Used bytes.
func TestBudgetMatchesEncoding(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	items := randomItems(r, 300, 100)
	empty := encLen(t, map[string]any{"type": "sync", "items": []item{}})
	b := nodekit.NewBudget(5000, empty)
	var taken []item
	for _, it := range items {
		if !b.Add(encLen(t, it)) {
			break
		}
		taken = append(taken, it)
	}
	require.NotEmpty(t, taken)
	assert.Equal(t, encLen(t, map[string]any{"type": "sync", "items": taken}), b.Used())
	assert.LessOrEqual(t, b.Used(), 5000)
}

func sameItem(a, b item) bool {
	return a.Seq == b.Seq && a.Text == b.Text && slices.Equal(a.Nums, b.Nums)
}
