package main

// Record is what a node keeps under its own key in seq-kv: its share of the
// counter and the number of the write that stored it. Seq makes every write
// a real change of seq-kv's state, which is what moves the writer to the
// newest version (seq-kv may serve any reader an older one).
type Record struct {
	Total int64 `json:"total"`
	Seq   int64 `json:"seq"`
}

// Counter is one node's view of the counter: its own share, which only it
// writes, and the latest record of every peer it has read. It is a plain
// value with no I/O or clock; the caller serialises access.
//
// A sync round is: NextWrite, a seq-kv write of that record under the
// node's key, and once seq-kv has acknowledged it a read of every peer's
// key, each passed to Observe. seq-kv serves a node its own writes
// and never an older version than it served it before, so the reads of a
// round that follows a write see every peer write acknowledged before that
// write. The final reads of a test, made seconds after the last add, are
// therefore exact.
type Counter struct {
	restored bool
	kept     bool  // own came from the node's own durable record (Keep)
	own      int64 // this node's share: the restored total plus local adds
	seq      int64 // the Seq of the last write handed out
	peers    map[string]Record
}

// NewCounter returns the view of a node that has not yet restored its share.
func NewCounter() *Counter { return &Counter{peers: map[string]Record{}} }

// Add counts a delta acknowledged by this node.
func (c *Counter) Add(delta int64) { c.own += delta }

// Value is the node's current estimate of the counter.
func (c *Counter) Value() int64 {
	v := c.own
	for _, r := range c.peers {
		v += r.Total
	}
	return v
}

// Restored reports whether Restore has run.
func (c *Counter) Restored() bool { return c.restored }

// Keep sets the node's share to total, the share it kept durably in its
// own directory in an earlier life (every acknowledged add is kept there
// before it is acknowledged, so total counts them all; seq-kv may lag
// behind by the adds of the last interval). Call it before any Add.
func (c *Counter) Keep(total int64) {
	c.own, c.kept = total, true
}

// Restore adds the share a previous run of this node left in seq-kv (found
// is false when the key does not exist); after Keep, seq-kv's total is
// already counted and only its Seq is carried on. Until it has run,
// NextWrite refuses, so a restarted node never overwrites its earlier
// share.
func (c *Counter) Restore(r Record, found bool) {
	if c.restored {
		return
	}
	c.restored = true
	if found {
		if !c.kept {
			c.own += r.Total
		}
		c.seq = r.Seq
	}
}

// Own is the node's share.
func (c *Counter) Own() int64 { return c.own }

// NextWrite returns the record to write under the node's key, with a fresh
// Seq; ok is false before Restore.
func (c *Counter) NextWrite() (r Record, ok bool) {
	if !c.restored {
		return Record{}, false
	}
	c.seq++
	return Record{Total: c.own, Seq: c.seq}, true
}

// Observe takes a record read from peer's key; an older one than already
// seen (a lower Seq) is ignored, so the view never goes backwards.
func (c *Counter) Observe(peer string, r Record) {
	if old, ok := c.peers[peer]; ok && old.Seq >= r.Seq {
		return
	}
	c.peers[peer] = r
}
