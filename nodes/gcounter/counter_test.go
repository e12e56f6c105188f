package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCounter(t *testing.T) {
	type step struct {
		do    func(c *Counter)
		value int64
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"adds count locally at once", []step{
			{func(c *Counter) { c.Add(3) }, 3},
			{func(c *Counter) { c.Add(4) }, 7},
		}},
		{"peers add up", []step{
			{func(c *Counter) { c.Add(1) }, 1},
			{func(c *Counter) { c.Observe("n1", Record{Total: 5, Seq: 1}) }, 6},
			{func(c *Counter) { c.Observe("n2", Record{Total: 2, Seq: 1}) }, 8},
			{func(c *Counter) { c.Observe("n1", Record{Total: 9, Seq: 2}) }, 12},
		}},
		{"an older record is ignored", []step{
			{func(c *Counter) { c.Observe("n1", Record{Total: 9, Seq: 4}) }, 9},
			{func(c *Counter) { c.Observe("n1", Record{Total: 5, Seq: 3}) }, 9},
			{func(c *Counter) { c.Observe("n1", Record{Total: 5, Seq: 4}) }, 9},
		}},
		{"pn-counter shares may shrink", []step{
			{func(c *Counter) { c.Observe("n1", Record{Total: 9, Seq: 1}) }, 9},
			{func(c *Counter) { c.Observe("n1", Record{Total: -2, Seq: 2}) }, -2},
			{func(c *Counter) { c.Add(-3) }, -5},
		}},
		{"restore adds the earlier share", []step{
			{func(c *Counter) { c.Add(2) }, 2},
			{func(c *Counter) { c.Restore(Record{Total: 10, Seq: 7}, true) }, 12},
			{func(c *Counter) { c.Restore(Record{Total: 10, Seq: 7}, true) }, 12},
		}},
		{"a kept share wins over seq-kv's, which may lag", []step{
			{func(c *Counter) { c.Keep(14) }, 14},
			{func(c *Counter) { c.Add(1) }, 15},
			{func(c *Counter) { c.Restore(Record{Total: 10, Seq: 7}, true) }, 15},
			{func(c *Counter) {
				r, ok := c.NextWrite()
				assert.True(t, ok)
				assert.Equal(t, Record{Total: 15, Seq: 8}, r, "seq-kv's Seq carried on")
			}, 15},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewCounter()
			for i, s := range tt.steps {
				s.do(c)
				assert.Equal(t, s.value, c.Value(), "after step %d", i)
			}
		})
	}
}

func TestNextWrite(t *testing.T) {
	c := NewCounter()
	c.Add(5)
	_, ok := c.NextWrite()
	assert.False(t, ok, "no write before the earlier share is restored")

	c.Restore(Record{Total: 10, Seq: 7}, true)
	r, ok := c.NextWrite()
	assert.True(t, ok)
	assert.Equal(t, Record{Total: 15, Seq: 8}, r, "the write carries the whole share and a fresh seq")
	r, _ = c.NextWrite()
	assert.Equal(t, Record{Total: 15, Seq: 9}, r, "every write is a change, even with no new adds")

	fresh := NewCounter()
	fresh.Restore(Record{}, false)
	r, _ = fresh.NextWrite()
	assert.Equal(t, Record{Total: 0, Seq: 1}, r)
}
