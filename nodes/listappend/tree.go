package main

import (
	"bytes"
	"container/list"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"sync"
)

// The database is a hash trie of immutable nodes. Three kinds:
//
//	branch  {"b":[ref0,…,ref15]}            16 children, by the next 4 bits of the key's hash; "" is empty
//	leaf    {"l":[[key,chunk,[e…]],…]}       lists by key (sorted): the newest chunk's ref ("" if none) and the tail
//	chunk   {"c":[prev,[e…]]}               earlier elements of one list: the previous chunk's ref and its elements
//
// Keys and elements are JSON values, kept as their compact text. A list is
// its chunks, oldest first, then its tail; a tail that grows past MaxTail
// bytes moves into a new chunk. A leaf that grows past MaxLeaf bytes
// splits into a branch of leaves. Nodes are written in packs: a pack is a
// JSON array of nodes stored in the key-value service under a unique id
// and never changed; a node's ref is "<pack id>/<index>".

// Limits bound the sizes of nodes and packs.
type Limits struct {
	// MaxPack bounds a pack's JSON (unless one node alone is larger); the
	// messages carrying a pack stay under the 64 KiB a Maelstrom-library
	// node can read.
	MaxPack int
	// MaxLeaf is the size past which a leaf splits.
	MaxLeaf int
	// MaxTail is the size past which a list's tail moves into a chunk.
	MaxTail int
}

// DefaultLimits keep every node under about 6 KiB and every pack under
// 40 KiB.
var DefaultLimits = Limits{MaxPack: 40 << 10, MaxLeaf: 4 << 10, MaxTail: 1 << 10}

// Bounds on client input, so that any one list entry fits a leaf.
const (
	MaxKeyBytes     = 256
	MaxElementBytes = 256
)

// maxDepth is how deep the trie goes: 16 levels of 4 bits use all 64 bits
// of the hash. A leaf at that depth does not split.
const maxDepth = 16

// ref points at a node: a stored one by id, or a new one, not yet written,
// by pointer. The zero ref is the empty leaf.
type ref struct {
	id string
	n  *node
}

func (r ref) empty() bool { return r.id == "" && r.n == nil }

// node is one node of the trie. Nodes decoded from packs are shared and
// never changed; new nodes are built whole.
type node struct {
	kind  byte     // 'b', 'l' or 'c'
	kids  [16]ref  // branch
	ents  []entry  // leaf, sorted by key
	prev  ref      // chunk
	elems []string // chunk
}

// entry is one list in a leaf.
type entry struct {
	key   string
	chunk ref      // newest chunk, or empty
	tail  []string // elements after the chunks
}

// hashKey is the key's 64-bit FNV-1a hash.
func hashKey(key string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(key))
	return h.Sum64()
}

// nibble is the child index of a key's hash at depth d.
func nibble(h uint64, d int) int { return int(h>>(60-4*d)) & 0xf }

// refSize is what a ref of a new node is assumed to take when sizing a
// leaf before the node has an id.
const refSize = 48

// leafSize estimates a leaf's JSON size.
func leafSize(ents []entry) int {
	n := 8
	for _, e := range ents {
		n += entrySize(e)
	}
	return n
}

func entrySize(e entry) int {
	n := len(e.key) + 8 + refSize
	for _, x := range e.tail {
		n += len(x) + 1
	}
	return n
}

func tailSize(tail []string) int {
	n := 2
	for _, x := range tail {
		n += len(x) + 1
	}
	return n
}

// packOf returns the pack id of a stored ref.
func packOf(id string) string {
	if i := strings.LastIndexByte(id, '/'); i >= 0 {
		return id[:i]
	}
	return id
}

// storedNode is a node as JSON.
type storedNode struct {
	B []string            `json:"b,omitempty"`
	L [][]json.RawMessage `json:"l,omitempty"`
	C []json.RawMessage   `json:"c,omitempty"`
}

// encodeNode renders a node whose refs all have ids.
func encodeNode(n *node) []byte {
	var b bytes.Buffer
	switch n.kind {
	case 'b':
		b.WriteString(`{"b":[`)
		for i, k := range n.kids {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Quote(k.id))
		}
		b.WriteString("]}")
	case 'l':
		b.WriteString(`{"l":[`)
		for i, e := range n.ents {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('[')
			b.WriteString(e.key)
			b.WriteByte(',')
			b.WriteString(strconv.Quote(e.chunk.id))
			b.WriteByte(',')
			writeList(&b, e.tail)
			b.WriteByte(']')
		}
		b.WriteString("]}")
	case 'c':
		b.WriteString(`{"c":[`)
		b.WriteString(strconv.Quote(n.prev.id))
		b.WriteByte(',')
		writeList(&b, n.elems)
		b.WriteString("]}")
	}
	return b.Bytes()
}

func writeList(b *bytes.Buffer, xs []string) {
	b.WriteByte('[')
	for i, x := range xs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(x)
	}
	b.WriteByte(']')
}

// decodePack reads a pack's nodes.
func decodePack(raw []byte) ([]*node, error) {
	var stored []storedNode
	if err := json.Unmarshal(raw, &stored); err != nil {
		return nil, err
	}
	nodes := make([]*node, len(stored))
	for i, s := range stored {
		n, err := decodeNode(s)
		if err != nil {
			return nil, fmt.Errorf("node %d: %w", i, err)
		}
		nodes[i] = n
	}
	return nodes, nil
}

func decodeNode(s storedNode) (*node, error) {
	switch {
	case s.B != nil:
		if len(s.B) != 16 {
			return nil, fmt.Errorf("a branch has %d children, not 16", len(s.B))
		}
		n := &node{kind: 'b'}
		for i, id := range s.B {
			n.kids[i] = ref{id: id}
		}
		return n, nil
	case s.L != nil:
		n := &node{kind: 'l', ents: make([]entry, len(s.L))}
		for i, raw := range s.L {
			if len(raw) != 3 {
				return nil, errors.New("a leaf entry is not [key, chunk, tail]")
			}
			key, err := compact(raw[0])
			if err != nil {
				return nil, err
			}
			var chunk string
			if err := json.Unmarshal(raw[1], &chunk); err != nil {
				return nil, err
			}
			tail, err := decodeList(raw[2])
			if err != nil {
				return nil, err
			}
			n.ents[i] = entry{key: key, chunk: ref{id: chunk}, tail: tail}
		}
		return n, nil
	case s.C != nil:
		if len(s.C) != 2 {
			return nil, errors.New("a chunk is not [prev, elements]")
		}
		var prev string
		if err := json.Unmarshal(s.C[0], &prev); err != nil {
			return nil, err
		}
		elems, err := decodeList(s.C[1])
		if err != nil {
			return nil, err
		}
		return &node{kind: 'c', prev: ref{id: prev}, elems: elems}, nil
	}
	return nil, errors.New("a node is none of branch, leaf, chunk")
}

func decodeList(raw json.RawMessage) ([]string, error) {
	var xs []json.RawMessage
	if err := json.Unmarshal(raw, &xs); err != nil {
		return nil, err
	}
	out := make([]string, len(xs))
	for i, x := range xs {
		s, err := compact(x)
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

// compact returns the compact text of a JSON value.
func compact(raw json.RawMessage) (string, error) {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return "", err
	}
	return b.String(), nil
}

// Cache holds decoded packs, the least recently used dropped first once
// they pass a byte budget. Packs never change, so a cached one is always
// right; a dropped one is fetched again when needed. Safe for concurrent
// use.
type Cache struct {
	mu     sync.Mutex
	budget int
	bytes  int
	packs  map[string]*list.Element
	lru    *list.List // of *cached, most recent first
}

type cached struct {
	id    string
	nodes []*node
	size  int
}

// NewCache returns a cache holding about budget bytes of packs (their JSON
// size).
func NewCache(budget int) *Cache {
	return &Cache{budget: budget, packs: map[string]*list.Element{}, lru: list.New()}
}

// Add decodes and keeps a pack.
func (c *Cache) Add(id string, raw []byte) error {
	nodes, err := decodePack(raw)
	if err != nil {
		return fmt.Errorf("pack %s: %w", id, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.packs[id]; ok {
		c.lru.MoveToFront(el)
		return nil
	}
	c.packs[id] = c.lru.PushFront(&cached{id: id, nodes: nodes, size: len(raw)})
	c.bytes += len(raw)
	for c.bytes > c.budget && c.lru.Len() > 1 {
		old := c.lru.Remove(c.lru.Back()).(*cached)
		delete(c.packs, old.id)
		c.bytes -= old.size
	}
	return nil
}

// Has reports whether the pack is cached.
func (c *Cache) Has(pack string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.packs[pack]
	return ok
}

// node returns the stored node with the given id, or nil if its pack is
// not cached. An id that names no node of a cached pack is an error.
func (c *Cache) node(id string) (*node, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	i := strings.LastIndexByte(id, '/')
	el, ok := c.packs[packOf(id)]
	if !ok {
		return nil, nil
	}
	c.lru.MoveToFront(el)
	nodes := el.Value.(*cached).nodes
	idx, err := strconv.Atoi(id[i+1:])
	if i < 0 || err != nil || idx < 0 || idx >= len(nodes) {
		return nil, fmt.Errorf("no node %q", id)
	}
	return nodes[idx], nil
}

// Len returns the number of cached packs.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}
