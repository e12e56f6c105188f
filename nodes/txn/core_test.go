package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/nodekit"
)

func mops(t *testing.T, s string) []Mop {
	t.Helper()
	var out []Mop
	require.NoError(t, json.Unmarshal([]byte(s), &out))
	return out
}

// txn runs a transaction on c and shows the result.
func txn(t *testing.T, c *Core, s string) string {
	t.Helper()
	out, err := c.Txn(mops(t, s))
	require.NoError(t, err)
	return show(t, out)
}

func show(t *testing.T, m []Mop) string {
	t.Helper()
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return string(b)
}

func TestTxnReadsOwnWritesAndCommitted(t *testing.T) {
	c := NewCore("n0", []string{"n0"}, 0)
	assert.Equal(t, `[["r",1,null],["w",1,5],["r",1,5]]`, txn(t, c, `[["r",1,null],["w",1,5],["r",1,null]]`))
	assert.Equal(t, `[["r",1,5]]`, txn(t, c, `[["r",1,null]]`))
}

func TestOnlyTheLastWriteOfAKeyIsVisible(t *testing.T) {
	a := NewCore("n0", []string{"n0", "n1"}, 0)
	b := NewCore("n1", []string{"n0", "n1"}, 0)
	txn(t, a, `[["w",1,1],["w",1,2],["w",2,9]]`)
	out := a.Tick()
	require.Len(t, out, 1)
	batch := out[0].Body.(Batch)
	require.Len(t, batch.Entries, 1)
	assert.Len(t, batch.Entries[0].Writes, 2, "one write per key: the intermediate 1 is never sent")
	ack := b.Receive("n0", roundTrip(t, batch))
	assert.Equal(t, int64(1), ack.Seq)
	assert.Equal(t, `[["r",1,2],["r",2,9]]`, txn(t, b, `[["r",1,null],["r",2,null]]`))
}

// roundTrip sends a batch through JSON, as the network does.
func roundTrip(t *testing.T, b Batch) Batch {
	t.Helper()
	raw, err := json.Marshal(b)
	require.NoError(t, err)
	var out Batch
	require.NoError(t, json.Unmarshal(raw, &out))
	return out
}

func TestLastWriterWinsEverywhere(t *testing.T) {
	nodes := []string{"n0", "n1"}
	a, b := NewCore("n0", nodes, 0), NewCore("n1", nodes, 0)
	txn(t, a, `[["w","k",1]]`)
	txn(t, b, `[["w","k",2]]`) // same clock, higher node: wins
	exchange(t, a, b)
	for _, c := range []*Core{a, b} {
		assert.Equal(t, `[["r","k",2]]`, txn(t, c, `[["r","k",null]]`))
	}
	// A write made after seeing the other's wins, whatever the node.
	txn(t, a, `[["w","k",3]]`)
	exchange(t, a, b)
	assert.Equal(t, `[["r","k",3]]`, txn(t, b, `[["r","k",null]]`))
}

// exchange delivers every pending batch both ways, and the acks.
func exchange(t *testing.T, cs ...*Core) {
	t.Helper()
	byID := map[string]*Core{}
	for _, c := range cs {
		byID[c.me] = c
	}
	for _, c := range cs {
		for _, o := range c.Tick() {
			ack := byID[o.Dest].Receive(c.me, roundTrip(t, o.Body.(Batch)))
			c.Acked(o.Dest, ack.Seq)
		}
	}
}

func TestLostBatchesAreResentUntilAcked(t *testing.T) {
	nodes := []string{"n0", "n1"}
	a, b := NewCore("n0", nodes, 0), NewCore("n1", nodes, 0)
	for i := range 5 {
		txn(t, a, fmt.Sprintf(`[["w",%d,%d]]`, i, i))
	}
	lost := a.Tick() // the partition drops it
	require.Len(t, lost, 1)
	again := a.Tick()
	require.Len(t, again, 1, "unacknowledged entries go again")
	ack := b.Receive("n0", roundTrip(t, again[0].Body.(Batch)))
	assert.Equal(t, int64(5), ack.Seq)
	// A duplicate delivery of the first batch changes nothing.
	assert.Equal(t, int64(5), b.Receive("n0", roundTrip(t, lost[0].Body.(Batch))).Seq)
	a.Acked("n1", ack.Seq)
	assert.Empty(t, a.Tick(), "nothing to send once acknowledged")
	assert.Empty(t, a.stream, "what every peer holds is dropped")
}

// TestBatchesAreBoundedByBytes: a backlog of large transactions goes out
// in batches that each fit the byte budget (a count bound let 200 of them
// make a line over the 64 KiB a Maelstrom library node can read), and
// acknowledging each batch walks through all of it.
func TestBatchesAreBoundedByBytes(t *testing.T) {
	nodes := []string{"n0", "n1"}
	a, b := NewCore("n0", nodes, 0), NewCore("n1", nodes, 0)
	big := strings.Repeat("v", 1000)
	const count = 200
	for i := range count {
		txn(t, a, fmt.Sprintf(`[["w",%d,"%s-%d"],["w",%d,%d]]`, i, big, i, i+1, i))
	}
	batches := 0
	for {
		out := a.Tick()
		if len(out) == 0 {
			break
		}
		require.Len(t, out, 1)
		raw, err := json.Marshal(out[0].Body)
		require.NoError(t, err)
		assert.LessOrEqual(t, len(raw), nodekit.DefaultMaxBody, "batch %d is within the budget", batches)
		if ack := a.base + int64(len(out[0].Body.(Batch).Entries)); ack < count {
			assert.Greater(t, len(raw), nodekit.DefaultMaxBody-1100, "batch %d is filled", batches)
		}
		ack := b.Receive("n0", roundTrip(t, out[0].Body.(Batch)))
		a.Acked("n1", ack.Seq)
		batches++
		require.Less(t, batches, 100)
	}
	assert.Equal(t, 5, batches, "about 200 KB in batches of 48 KiB")
	assert.Equal(t, fmt.Sprintf(`[["r",199,"%s-199"],["r",200,199]]`, big), txn(t, b, `[["r",199,null],["r",200,null]]`))
	assert.Empty(t, a.stream)
	assert.Empty(t, a.sizes)
}

// TestTooLargeTransactionIsRefused: a transaction whose writes could not
// travel in one batch changes nothing.
func TestTooLargeTransactionIsRefused(t *testing.T) {
	a := NewCore("n0", []string{"n0", "n1"}, 2000)
	_, err := a.Txn(mops(t, fmt.Sprintf(`[["w",1,"%s"]]`, strings.Repeat("x", 2000))))
	assert.ErrorIs(t, err, ErrTooLarge)
	assert.Equal(t, `[["r",1,null]]`, txn(t, a, `[["r",1,null]]`))
	assert.Empty(t, a.Tick())
	assert.Equal(t, `[["w",1,"small"]]`, txn(t, a, `[["w",1,"small"]]`))
	require.Len(t, a.Tick(), 1)
}

func TestReceiveSkipsEntriesAfterAGap(t *testing.T) {
	b := NewCore("n1", []string{"n0", "n1"}, 0)
	ack := b.Receive("n0", Batch{Entries: []Entry{{Seq: 2, Ver: Version{1, 0}, Writes: [][2]json.RawMessage{{json.RawMessage("1"), json.RawMessage("1")}}}}})
	assert.Equal(t, int64(0), ack.Seq)
	assert.Equal(t, `[["r",1,null]]`, txn(t, b, `[["r",1,null]]`))
}

func TestMopRejectsWhatIsNotAMicroOp(t *testing.T) {
	for _, s := range []string{`[["x",1,2]]`, `[["r",1]]`, `[1]`, `[[1,2,3]]`} {
		var m []Mop
		assert.Error(t, json.Unmarshal([]byte(s), &m), s)
	}
}
