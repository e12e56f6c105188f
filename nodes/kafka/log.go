package main

import (
	"encoding/json"
	"slices"
	"strconv"
)

// Entry is one message of a key's log at its offset. It marshals as the
// pair [offset, msg] that poll_ok carries.
type Entry struct {
	Off int64
	Msg json.RawMessage
}

// MarshalJSON writes the entry as [offset,msg]; a missing message is null.
func (e Entry) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 24+len(e.Msg))
	b = append(b, '[')
	b = strconv.AppendInt(b, e.Off, 10)
	b = append(b, ',')
	if len(e.Msg) == 0 {
		b = append(b, "null"...)
	} else {
		b = append(b, e.Msg...)
	}
	return append(b, ']'), nil
}

// jsonLen is the length of the entry's JSON, [offset,msg].
func (e Entry) jsonLen() int {
	n := len(e.Msg)
	if n == 0 {
		n = len("null")
	}
	return len(strconv.FormatInt(e.Off, 10)) + n + 3
}

// nextOffset is the smallest offset above seen that belongs to node idx of
// n, i.e. that is congruent to idx modulo n. Offsets are never negative, so
// with seen < 0 it is idx itself.
func nextOffset(seen int64, idx, n int) int64 {
	if seen < 0 {
		return int64(idx)
	}
	x := seen + 1
	r := (int64(idx) - x) % int64(n)
	if r < 0 {
		r += int64(n)
	}
	return x + r
}

// Log is one key's log as one node knows it, with what it needs to decide
// which part of it is final.
//
// Node idx of n allocates the offsets congruent to idx modulo n, each above
// every offset it has seen for the key, so its own offsets increase and no
// two nodes ever pick the same one. A node's frontier is the highest offset
// it promises never to allocate at or below: its next offset minus one. A
// node that never heard of the key has frontier idx−1 without saying so.
//
// Everything at or below Stable — the least frontier over all nodes — is
// final: no node will add an entry there any more, and, provided each
// peer's entries and promises were applied in the order the peer made them,
// every entry there is already in this log. Reads stop at Stable, so a read
// never skips an entry that turns up later.
type Log struct {
	self, n  int
	entries  []Entry // ascending by offset, offsets unique
	high     int64   // highest offset known, −1 if none
	frontier []int64 // promises of the other nodes, by node index
}

// NewLog returns the empty log of node self among n nodes.
func NewLog(self, n int) *Log {
	l := &Log{self: self, n: n, high: -1, frontier: make([]int64, n)}
	for j := range l.frontier {
		l.frontier[j] = int64(j) - 1
	}
	return l
}

// Append stores a message from a client at the next offset of this node
// and returns that offset.
func (l *Log) Append(msg json.RawMessage) int64 {
	off := nextOffset(l.high, l.self, l.n)
	l.entries = append(l.entries, Entry{Off: off, Msg: msg})
	l.high = off
	return off
}

// AddFrom stores an entry that node j allocated. The caller applies node
// j's entries in the order j allocated them; then j, whose offsets
// increase in steps of n, will never allocate at or below e.Off+n−1 again,
// which is recorded as j's promise. It reports whether the entry was new.
func (l *Log) AddFrom(j int, e Entry) bool {
	l.Promise(j, e.Off+int64(l.n)-1)
	i, found := l.search(e.Off)
	if found {
		return false
	}
	l.entries = slices.Insert(l.entries, i, e)
	l.high = max(l.high, e.Off)
	return true
}

// Promise records that node j will never allocate at or below f. Promises
// only grow; this node's own is computed, not recorded.
func (l *Log) Promise(j int, f int64) {
	if j != l.self && j >= 0 && j < l.n && f > l.frontier[j] {
		l.frontier[j] = f
	}
}

// Frontier is this node's own promise: one below its next offset.
func (l *Log) Frontier() int64 { return nextOffset(l.high, l.self, l.n) - 1 }

// FrontierOf is node j's promise as known here.
func (l *Log) FrontierOf(j int) int64 {
	if j == l.self {
		return l.Frontier()
	}
	return l.frontier[j]
}

// Stable is the highest offset at or below which the log is final.
func (l *Log) Stable() int64 {
	s := l.Frontier()
	for j, f := range l.frontier {
		if j != l.self {
			s = min(s, f)
		}
	}
	return s
}

// Read returns at most limit entries with offsets from from on, up to
// Stable: a run of consecutive entries of the final log.
func (l *Log) Read(from int64, limit int) []Entry {
	stable := l.Stable()
	i, _ := l.search(from)
	var out []Entry
	for ; i < len(l.entries) && len(out) < limit && l.entries[i].Off <= stable; i++ {
		out = append(out, l.entries[i])
	}
	return out
}

// Entries returns every entry known, ascending by offset. The slice is the
// log's own.
func (l *Log) Entries() []Entry { return l.entries }

// search finds the position of the first entry at or above off, and
// whether it is at off.
func (l *Log) search(off int64) (int, bool) {
	return slices.BinarySearchFunc(l.entries, off, func(e Entry, o int64) int {
		switch {
		case e.Off < o:
			return -1
		case e.Off > o:
			return 1
		}
		return 0
	})
}
