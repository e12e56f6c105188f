package main

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func mops(t *testing.T, s string) []Mop {
	t.Helper()
	var out []Mop
	require.NoError(t, json.Unmarshal([]byte(s), &out))
	return out
}

func show(t *testing.T, m []Mop) string {
	t.Helper()
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return string(b)
}

func TestTxnReadsOwnWritesAndCommitted(t *testing.T) {
	c := NewCore("n0", []string{"n0"})
	assert.Equal(t, `[["r",1,null],["w",1,5],["r",1,5]]`, show(t, c.Txn(mops(t, `[["r",1,null],["w",1,5],["r",1,null]]`))))
	assert.Equal(t, `[["r",1,5]]`, show(t, c.Txn(mops(t, `[["r",1,null]]`))))
}

func TestOnlyTheLastWriteOfAKeyIsVisible(t *testing.T) {
	a := NewCore("n0", []string{"n0", "n1"})
	b := NewCore("n1", []string{"n0", "n1"})
	a.Txn(mops(t, `[["w",1,1],["w",1,2],["w",2,9]]`))
	out := a.Tick()
	require.Len(t, out, 1)
	batch := out[0].Body.(Batch)
	require.Len(t, batch.Entries, 1)
	assert.Len(t, batch.Entries[0].Writes, 2, "one write per key: the intermediate 1 is never sent")
	ack := b.Receive("n0", roundTrip(t, batch))
	assert.Equal(t, int64(1), ack.Seq)
	assert.Equal(t, `[["r",1,2],["r",2,9]]`, show(t, b.Txn(mops(t, `[["r",1,null],["r",2,null]]`))))
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
	a, b := NewCore("n0", nodes), NewCore("n1", nodes)
	a.Txn(mops(t, `[["w","k",1]]`))
	b.Txn(mops(t, `[["w","k",2]]`)) // same clock, higher node: wins
	exchange(t, a, b)
	for _, c := range []*Core{a, b} {
		assert.Equal(t, `[["r","k",2]]`, show(t, c.Txn(mops(t, `[["r","k",null]]`))))
	}
	// A write made after seeing the other's wins, whatever the node.
	a.Txn(mops(t, `[["w","k",3]]`))
	exchange(t, a, b)
	assert.Equal(t, `[["r","k",3]]`, show(t, b.Txn(mops(t, `[["r","k",null]]`))))
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
	a, b := NewCore("n0", nodes), NewCore("n1", nodes)
	for i := range 5 {
		a.Txn(mops(t, fmt.Sprintf(`[["w",%d,%d]]`, i, i)))
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

func TestBatchesAreBounded(t *testing.T) {
	nodes := []string{"n0", "n1"}
	a := NewCore("n0", nodes)
	for i := range 3 * maxBatch {
		a.Txn(mops(t, fmt.Sprintf(`[["w",%d,%d],["w",%d,%d]]`, i, i, i+1, i)))
	}
	out := a.Tick()
	require.Len(t, out, 1)
	raw, err := json.Marshal(out[0].Body)
	require.NoError(t, err)
	assert.Len(t, out[0].Body.(Batch).Entries, maxBatch)
	assert.Less(t, len(raw), 60<<10, "a batch stays under what a node can read")
}

func TestReceiveSkipsEntriesAfterAGap(t *testing.T) {
	b := NewCore("n1", []string{"n0", "n1"})
	ack := b.Receive("n0", Batch{Entries: []Entry{{Seq: 2, Ver: Version{1, 0}, Writes: [][2]json.RawMessage{{json.RawMessage("1"), json.RawMessage("1")}}}}})
	assert.Equal(t, int64(0), ack.Seq)
	assert.Equal(t, `[["r",1,null]]`, show(t, b.Txn(mops(t, `[["r",1,null]]`))))
}

func TestMopRejectsWhatIsNotAMicroOp(t *testing.T) {
	for _, s := range []string{`[["x",1,2]]`, `[["r",1]]`, `[1]`, `[[1,2,3]]`} {
		var m []Mop
		assert.Error(t, json.Unmarshal([]byte(s), &m), s)
	}
}
