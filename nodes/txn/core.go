package main

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/eddy-workbench/eddy/nodekit"
)

// Core is one node's state, with no I/O: a register per key holding the
// value of the last writer by version, the stream of this node's committed
// writes that peers must receive, and how much of it each peer has.
//
// A transaction runs alone against the local registers: its reads see
// committed values and its own earlier writes; its writes are staged and
// applied at once when it ends, each key's last write only, under one
// version (Lamport clock, node). So no transaction ever sees another's
// intermediate write or a write that was not committed, and every
// transaction commits, locally, at once: read committed, totally
// available.
//
// Replication: the committed writes of this node form a numbered stream.
// Each tick, a peer that lacks part of the stream gets one batch (Batch)
// of the first entries it lacks, as many as fit the byte budget, and
// answers with the highest number it holds without gaps (its ack); what
// was not acknowledged goes again at the next tick, so partitions only
// delay. A receiver applies a batch's transactions in stream order, each
// atomically, keeping per key the higher version. A transaction whose
// writes would not fit a batch alone is refused before it commits.
type Core struct {
	me       string
	index    int // this node's place among the sorted node ids, for versions
	peers    []string
	maxBytes int
	clock    int64
	reg      map[string]register

	stream []Entry          // this node's committed writes; stream[i].Seq == base+i+1
	sizes  []int            // sizes[i] is the length of stream[i]'s JSON
	base   int64            // entries up to base are held by every peer and dropped
	acked  map[string]int64 // per peer, the highest Seq it holds
	have   map[string]int64 // per origin, the highest Seq applied here
}

type register struct {
	value json.RawMessage
	ver   Version
}

// Version orders writes: by clock, then by node.
type Version struct {
	Clock int64 `json:"c"`
	Node  int   `json:"n"`
}

func (v Version) less(w Version) bool {
	return cmp.Or(cmp.Compare(v.Clock, w.Clock), cmp.Compare(v.Node, w.Node)) < 0
}

// Entry is one committed transaction's writes in a node's stream: its
// version, and the [key, value] pairs it wrote last, as compact JSON.
type Entry struct {
	Seq    int64                `json:"s"`
	Ver    Version              `json:"v"`
	Writes [][2]json.RawMessage `json:"w"`
}

// Mop is one micro-operation: [f, key, value] on the wire.
type Mop struct {
	F     string
	Key   json.RawMessage
	Value json.RawMessage
}

// MarshalJSON writes the mop as [f, key, value].
func (m Mop) MarshalJSON() ([]byte, error) {
	v := m.Value
	if v == nil {
		v = json.RawMessage("null")
	}
	return json.Marshal([]any{m.F, m.Key, v})
}

// UnmarshalJSON reads [f, key, value].
func (m *Mop) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil || len(raw) != 3 {
		return errors.New(`a micro-op is [f, key, value]`)
	}
	if err := json.Unmarshal(raw[0], &m.F); err != nil || (m.F != "r" && m.F != "w") {
		return errors.New(`a micro-op's f is "r" or "w"`)
	}
	m.Key, m.Value = canonical(raw[1]), canonical(raw[2])
	return nil
}

// canonical compacts a JSON value so that equal keys have equal text.
func canonical(raw json.RawMessage) json.RawMessage {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return raw
	}
	out, _ := json.Marshal(v)
	return out
}

// maxTxn bounds the micro-ops of one transaction.
const maxTxn = 1000

// TxnReq is a client's transaction; TxnOK the reply, less the type and ids
// the kit adds.
type (
	TxnReq struct {
		Txn []Mop `json:"txn" nodekit:"required"`
	}
	TxnOK struct {
		Txn []Mop `json:"txn"`
	}
)

// Validate bounds the size of a transaction.
func (r TxnReq) Validate() error {
	if len(r.Txn) > maxTxn {
		return fmt.Errorf("a transaction has at most %d micro-ops", maxTxn)
	}
	return nil
}

// Batch is a sync message's body: entries of the sender's stream.
type Batch struct {
	Type    string  `json:"type"` // "sync"
	Entries []Entry `json:"entries"`
}

// Ack is the answer to a batch: the highest Seq of the sender's stream the
// receiver holds.
type Ack struct {
	Type string `json:"type"` // "sync_ok"
	Seq  int64  `json:"seq"`
}

// Outgoing is a message for a peer.
type Outgoing struct {
	Dest string
	Body any
}

// batchOverhead is the JSON of a sync body without entries.
const batchOverhead = len(`{"type":"sync","entries":[]}`)

// ErrTooLarge refuses a transaction whose writes would not fit a batch.
var ErrTooLarge = errors.New("the transaction's writes would not fit a replication message")

// NewCore returns the state of node me among nodes. maxBytes bounds the
// JSON of a batch body; zero means nodekit.DefaultMaxBody, which keeps a
// batch's line well under the 64 KiB a node built on the Maelstrom
// library can read.
func NewCore(me string, nodes []string, maxBytes int) *Core {
	sorted := slices.Sorted(slices.Values(nodes))
	if maxBytes <= 0 {
		maxBytes = nodekit.DefaultMaxBody
	}
	c := &Core{
		me: me, index: slices.Index(sorted, me), reg: map[string]register{}, maxBytes: maxBytes,
		acked: map[string]int64{}, have: map[string]int64{},
	}
	for _, n := range sorted {
		if n != me {
			c.peers = append(c.peers, n)
		}
	}
	return c
}

// Txn runs a transaction and returns its micro-ops with the reads filled
// in, or ErrTooLarge, having changed nothing.
func (c *Core) Txn(mops []Mop) ([]Mop, error) {
	out := make([]Mop, len(mops))
	staged := map[string]json.RawMessage{}
	var order []string
	for i, m := range mops {
		k := string(m.Key)
		out[i] = m
		if m.F == "r" {
			if v, ok := staged[k]; ok {
				out[i].Value = v
			} else {
				out[i].Value = c.reg[k].value
			}
			continue
		}
		if _, ok := staged[k]; !ok {
			order = append(order, k)
		}
		staged[k] = m.Value
	}
	if len(order) == 0 {
		return out, nil
	}
	e := Entry{Seq: c.base + int64(len(c.stream)) + 1, Ver: Version{c.clock + 1, c.index}}
	for _, k := range order {
		e.Writes = append(e.Writes, [2]json.RawMessage{json.RawMessage(k), staged[k]})
	}
	b, err := json.Marshal(e)
	if err != nil || batchOverhead+len(b) > c.maxBytes {
		return nil, ErrTooLarge
	}
	c.clock++
	c.apply(e)
	if len(c.peers) > 0 {
		c.stream = append(c.stream, e)
		c.sizes = append(c.sizes, len(b))
	}
	return out, nil
}

// apply installs an entry's writes where its version is newer.
func (c *Core) apply(e Entry) {
	c.clock = max(c.clock, e.Ver.Clock)
	for _, w := range e.Writes {
		if cur, ok := c.reg[string(w[0])]; !ok || cur.ver.less(e.Ver) {
			c.reg[string(w[0])] = register{w[1], e.Ver}
		}
	}
}

// Tick returns a batch for every peer that lacks part of the stream: the
// first entries it has not acknowledged, as many as fit maxBytes.
func (c *Core) Tick() []Outgoing {
	var out []Outgoing
	last := c.base + int64(len(c.stream))
	for _, p := range c.peers {
		if c.acked[p] >= last {
			continue
		}
		from := int(c.acked[p] - c.base) // index of the first entry it lacks
		b := nodekit.NewBudget(c.maxBytes, batchOverhead)
		to := from
		for to < len(c.stream) && b.Add(c.sizes[to]) {
			to++
		}
		out = append(out, Outgoing{p, Batch{Type: "sync", Entries: slices.Clone(c.stream[from:to])}})
	}
	return out
}

// Fresh returns the entries of a batch from origin that Receive would
// apply: those that come next in origin's stream, in order.
func (c *Core) Fresh(origin string, b Batch) Batch {
	out := Batch{Type: b.Type}
	next := c.have[origin] + 1
	for _, e := range b.Entries {
		if e.Seq == next {
			out.Entries = append(out.Entries, e)
			next++
		}
	}
	return out
}

// Receive applies the entries of a batch from origin that come next in its
// stream, and returns the ack.
func (c *Core) Receive(origin string, b Batch) Ack {
	for _, e := range b.Entries {
		if e.Seq != c.have[origin]+1 {
			continue // already applied, or after a gap
		}
		c.apply(e)
		c.have[origin] = e.Seq
	}
	return Ack{Type: "sync_ok", Seq: c.have[origin]}
}

// Acked records that peer holds the stream up to seq, and drops what every
// peer holds.
func (c *Core) Acked(peer string, seq int64) {
	if !slices.Contains(c.peers, peer) || seq <= c.acked[peer] {
		return
	}
	c.acked[peer] = min(seq, c.base+int64(len(c.stream)))
	low := c.acked[peer]
	for _, p := range c.peers {
		low = min(low, c.acked[p])
	}
	if drop := low - c.base; drop > 0 {
		c.stream = slices.Delete(c.stream, 0, int(drop))
		c.sizes = slices.Delete(c.sizes, 0, int(drop))
		c.base = low
	}
}
