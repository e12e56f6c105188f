package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
)

// Op is one micro-op of a transaction: a read or an append. Keys and
// elements are compact JSON text.
type Op struct {
	F   string // "r" or "append"
	Key string
	Val string // append: the element
	// Read is what a read returned; nil when the key had no list.
	Read []string
}

// Txn is a transaction: micro-ops applied in order.
type Txn []Op

// ReadOnly reports whether the transaction appends nothing.
func (t Txn) ReadOnly() bool {
	for _, op := range t {
		if op.F == "append" {
			return false
		}
	}
	return true
}

// MarshalJSON renders an op as Maelstrom does: ["r",k,[…]|null] or
// ["append",k,v].
func (op Op) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('[')
	b.WriteString(strconv.Quote(op.F))
	b.WriteByte(',')
	b.WriteString(op.Key)
	b.WriteByte(',')
	switch {
	case op.F == "append":
		b.WriteString(op.Val)
	case op.Read == nil:
		b.WriteString("null")
	default:
		writeList(&b, op.Read)
	}
	b.WriteByte(']')
	return b.Bytes(), nil
}

// ParseTxn reads a transaction's "txn" field: an array of [f, k, v] with
// f "r" or "append", keys of at most MaxKeyBytes and appended elements of
// at most MaxElementBytes (compact JSON).
func ParseTxn(raw json.RawMessage) (Txn, error) {
	var ops []json.RawMessage
	if err := json.Unmarshal(raw, &ops); err != nil || ops == nil {
		return nil, errors.New(`"txn" must be an array of micro-ops`)
	}
	txn := make(Txn, 0, len(ops))
	for i, o := range ops {
		var parts []json.RawMessage
		if err := json.Unmarshal(o, &parts); err != nil || len(parts) != 3 {
			return nil, fmt.Errorf("micro-op %d is not [f, key, value]", i)
		}
		var f string
		if err := json.Unmarshal(parts[0], &f); err != nil || (f != "r" && f != "append") {
			return nil, fmt.Errorf(`micro-op %d: f must be "r" or "append"`, i)
		}
		key, err := compact(parts[1])
		if err != nil || len(key) > MaxKeyBytes {
			return nil, fmt.Errorf("micro-op %d: the key must be JSON of at most %d bytes", i, MaxKeyBytes)
		}
		op := Op{F: f, Key: key}
		if f == "append" {
			v, err := compact(parts[2])
			if err != nil || len(v) > MaxElementBytes {
				return nil, fmt.Errorf("micro-op %d: the element must be JSON of at most %d bytes", i, MaxElementBytes)
			}
			op.Val = v
		}
		txn = append(txn, op)
	}
	return txn, nil
}

// Pack is a pack to write: its id (the key-value service's key) and JSON.
type Pack struct {
	ID    string
	Value json.RawMessage
}

// Result is what executing transactions against a root gives.
type Result struct {
	// Txns are the transactions with their reads filled in.
	Txns []Txn
	// Root is the new root's ref; the old root when nothing changed.
	Root string
	// Packs hold the new nodes; they must be written before the root may
	// point at them.
	Packs []Pack
}

// DB executes transactions on the trie, copy on write, with the nodes it
// has cached. It does no I/O: when a node it needs is not cached it says
// which packs to fetch. Not safe for concurrent use (its Cache is).
type DB struct {
	cache  *Cache
	lim    Limits
	prefix string // of new pack ids, unique to this node's run
	seq    uint64
}

// NewDB returns a DB over cache whose new packs are named prefix.1,
// prefix.2, …; prefix must be unique to this run of this node.
func NewDB(cache *Cache, prefix string, lim Limits) *DB {
	return &DB{cache: cache, lim: lim, prefix: prefix}
}

// Cache returns the DB's cache.
func (db *DB) Cache() *Cache { return db.cache }

// work is the working state of one key's list during an execution.
type work struct {
	exists bool
	chunk  ref
	tail   []string
	full   []string // the whole list, once a read needed it
	loaded bool     // full is set
	dirty  bool
}

// Execute runs txns one after the other against the database whose root
// is root ("" for the empty database). If nodes it needs are not cached it
// returns the ids of the packs to fetch, and nothing else; fetch them,
// add them to the cache, and call again.
func (db *DB) Execute(root string, txns []Txn) (Result, []string, error) {
	missing, err := db.prefetch(root, txns)
	if err != nil || len(missing) > 0 {
		return Result{}, missing, err
	}
	lists := map[string]*work{}
	get := func(key string) (*work, error) {
		if l, ok := lists[key]; ok {
			return l, nil
		}
		e, ok, err := db.lookup(ref{id: root}, key)
		if err != nil {
			return nil, err
		}
		l := &work{exists: ok, chunk: e.chunk, tail: e.tail}
		lists[key] = l
		return l, nil
	}
	res := Result{Root: root, Txns: make([]Txn, len(txns))}
	for i, t := range txns {
		done := slices.Clone(t)
		for j := range done {
			op := &done[j]
			l, err := get(op.Key)
			if err != nil {
				return Result{}, nil, err
			}
			if !l.loaded && (op.F == "r") {
				if l.full, err = db.materialize(l.chunk, l.tail); err != nil {
					return Result{}, nil, err
				}
				l.loaded = true
			}
			switch op.F {
			case "r":
				if l.exists {
					op.Read = slices.Clip(slices.Clone(l.full))
					if op.Read == nil {
						op.Read = []string{}
					}
				}
			case "append":
				l.exists, l.dirty = true, true
				l.tail = append(slices.Clip(l.tail), op.Val)
				if l.loaded {
					l.full = append(l.full, op.Val)
				}
				if tailSize(l.tail) > db.lim.MaxTail {
					l.chunk = ref{n: &node{kind: 'c', prev: l.chunk, elems: l.tail}}
					l.tail = nil
				}
			}
		}
		res.Txns[i] = done
	}
	var changed []entry
	for key, l := range lists {
		if l.dirty {
			changed = append(changed, entry{key: key, chunk: l.chunk, tail: l.tail})
		}
	}
	if len(changed) == 0 {
		return res, nil, nil
	}
	slices.SortFunc(changed, func(a, b entry) int { return compareStrings(a.key, b.key) })
	newRoot, err := db.put(rootRef(root), 0, changed)
	if err != nil {
		return Result{}, nil, err
	}
	w := &packWriter{db: db, ids: map[*node]string{}}
	res.Root = w.write(newRoot)
	res.Packs = w.finish()
	return res, nil, nil
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func rootRef(root string) ref { return ref{id: root} }

// resolve returns the node r points at; nil (and no error) if its pack is
// not cached. The empty ref is the empty leaf.
func (db *DB) resolve(r ref) (*node, error) {
	switch {
	case r.n != nil:
		return r.n, nil
	case r.id == "":
		return &node{kind: 'l'}, nil
	}
	return db.cache.node(r.id)
}

// mustResolve is resolve for nodes prefetch made sure of.
func (db *DB) mustResolve(r ref) (*node, error) {
	n, err := db.resolve(r)
	if err == nil && n == nil {
		err = fmt.Errorf("node %s is no longer cached", r.id)
	}
	return n, err
}

// prefetch walks the path of every key the transactions touch, and the
// chunks of every key they read, and returns the packs that are missing
// on the way, sorted.
func (db *DB) prefetch(root string, txns []Txn) ([]string, error) {
	read := map[string]bool{}
	keys := map[string]bool{}
	for _, t := range txns {
		for _, op := range t {
			keys[op.Key] = true
			if op.F == "r" {
				read[op.Key] = true
			}
		}
	}
	missing := map[string]bool{}
	for key := range keys {
		r := rootRef(root)
		h := hashKey(key)
		for d := 0; ; d++ {
			n, err := db.resolve(r)
			if err != nil {
				return nil, err
			}
			if n == nil {
				missing[packOf(r.id)] = true
				break
			}
			if n.kind == 'b' {
				r = n.kids[nibble(h, d)]
				continue
			}
			if !read[key] {
				break
			}
			i, ok := findEntry(n.ents, key)
			if !ok {
				break
			}
			for c := n.ents[i].chunk; !c.empty(); {
				cn, err := db.resolve(c)
				if err != nil {
					return nil, err
				}
				if cn == nil {
					missing[packOf(c.id)] = true
					break
				}
				c = cn.prev
			}
			break
		}
	}
	out := make([]string, 0, len(missing))
	for id := range missing {
		out = append(out, id)
	}
	slices.Sort(out)
	return out, nil
}

func findEntry(ents []entry, key string) (int, bool) {
	return slices.BinarySearchFunc(ents, key, func(e entry, k string) int { return compareStrings(e.key, k) })
}

// lookup finds key's entry under r.
func (db *DB) lookup(r ref, key string) (entry, bool, error) {
	h := hashKey(key)
	for d := 0; ; d++ {
		n, err := db.mustResolve(r)
		if err != nil {
			return entry{}, false, err
		}
		if n.kind == 'b' {
			r = n.kids[nibble(h, d)]
			continue
		}
		i, ok := findEntry(n.ents, key)
		if !ok {
			return entry{}, false, nil
		}
		return n.ents[i], true, nil
	}
}

// materialize returns a whole list: its chunks' elements, oldest first,
// then the tail.
func (db *DB) materialize(chunk ref, tail []string) ([]string, error) {
	var chunks [][]string
	for c := chunk; !c.empty(); {
		n, err := db.mustResolve(c)
		if err != nil {
			return nil, err
		}
		chunks = append(chunks, n.elems)
		c = n.prev
	}
	var out []string
	for i := len(chunks) - 1; i >= 0; i-- {
		out = append(out, chunks[i]...)
	}
	return append(out, tail...), nil
}

// put returns a copy of the subtree at r, at depth d, with the entries
// es (sorted by key) set.
func (db *DB) put(r ref, d int, es []entry) (ref, error) {
	n, err := db.mustResolve(r)
	if err != nil {
		return ref{}, err
	}
	if n.kind == 'b' {
		b := &node{kind: 'b', kids: n.kids}
		var groups [16][]entry
		for _, e := range es {
			i := nibble(hashKey(e.key), d)
			groups[i] = append(groups[i], e)
		}
		for i, g := range groups {
			if len(g) > 0 {
				if b.kids[i], err = db.put(n.kids[i], d+1, g); err != nil {
					return ref{}, err
				}
			}
		}
		return ref{n: b}, nil
	}
	ents := slices.Clone(n.ents)
	for _, e := range es {
		if i, ok := findEntry(ents, e.key); ok {
			ents[i] = e
		} else {
			ents = slices.Insert(ents, i, e)
		}
	}
	return db.leaf(ents, d), nil
}

// leaf makes a leaf of ents (sorted) at depth d, or a branch of leaves if
// that would be too large.
func (db *DB) leaf(ents []entry, d int) ref {
	if leafSize(ents) <= db.lim.MaxLeaf || d >= maxDepth || len(ents) < 2 {
		return ref{n: &node{kind: 'l', ents: ents}}
	}
	b := &node{kind: 'b'}
	var groups [16][]entry
	for _, e := range ents {
		i := nibble(hashKey(e.key), d)
		groups[i] = append(groups[i], e)
	}
	for i, g := range groups {
		if len(g) > 0 {
			b.kids[i] = db.leaf(g, d+1)
		}
	}
	return ref{n: b}
}

// packWriter lays new nodes out in packs, children before parents.
type packWriter struct {
	db    *DB
	ids   map[*node]string
	packs []Pack
	cur   bytes.Buffer
	count int
	id    string
}

// write gives r and every new node under it an id, and returns r's.
func (w *packWriter) write(r ref) string {
	if r.n == nil {
		return r.id
	}
	if id, ok := w.ids[r.n]; ok {
		return id
	}
	n := *r.n
	switch n.kind {
	case 'b':
		for i := range n.kids {
			n.kids[i] = ref{id: w.write(n.kids[i])}
		}
	case 'l':
		n.ents = slices.Clone(n.ents)
		for i := range n.ents {
			n.ents[i].chunk = ref{id: w.write(n.ents[i].chunk)}
		}
	case 'c':
		n.prev = ref{id: w.write(n.prev)}
	}
	enc := encodeNode(&n)
	if w.count > 0 && w.cur.Len()+1+len(enc)+1 > w.db.lim.MaxPack {
		w.flush()
	}
	if w.count == 0 {
		w.db.seq++
		w.id = w.db.prefix + "." + strconv.FormatUint(w.db.seq, 10)
		w.cur.WriteByte('[')
	} else {
		w.cur.WriteByte(',')
	}
	w.cur.Write(enc)
	id := w.id + "/" + strconv.Itoa(w.count)
	w.count++
	w.ids[r.n] = id
	return id
}

func (w *packWriter) flush() {
	w.cur.WriteByte(']')
	w.packs = append(w.packs, Pack{ID: w.id, Value: slices.Clone(w.cur.Bytes())})
	w.cur.Reset()
	w.count = 0
}

// finish returns the packs written.
func (w *packWriter) finish() []Pack {
	if w.count > 0 {
		w.flush()
	}
	return w.packs
}
