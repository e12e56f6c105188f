package trace

import (
	"bytes"
	"cmp"
	"encoding/json"
	"slices"

	"github.com/eddy-workbench/eddy/explain"
)

// KVOp is one request of a node to a key-value service (lin-kv, seq-kv,
// lww-kv) and its reply, from the journal.
type KVOp struct {
	Node, Service string
	Type          string // read, write, cas
	Key           string // the key's JSON text
	// Value is what a read returned or a write wrote; From and To are a
	// cas's; all JSON text.
	Value, From, To string
	Req, Reply      int32 // message positions; Reply -1 if none
	OK              bool  // the reply was read_ok, write_ok or cas_ok
}

// Sent is when the request was sent; Done when the reply was delivered
// (-1 if it was not).
func (x *Index) kvTimes(op *KVOp) (int64, int64) {
	done := int64(-1)
	if op.Reply >= 0 {
		done = x.msgs[op.Reply].recv
	}
	return x.sentAt(op.Req), done
}

// KVOps are every request of a node to service, with its reply, in send
// order.
func (x *Index) KVOps(service string) []KVOp {
	var out []KVOp
	pending := map[string]map[int64]int{} // node → msg_id → position in out
	for _, p := range x.byDest[service] {
		m := x.msgp(p)
		typ := Type(m.Body)
		op := KVOp{Node: m.Src, Service: service, Type: typ, Key: compact(Field(m.Body, "key")), Req: p, Reply: -1}
		switch typ {
		case "write":
			op.Value = compact(Field(m.Body, "value"))
		case "cas":
			op.From, op.To = compact(Field(m.Body, "from")), compact(Field(m.Body, "to"))
		}
		if id, ok := Int(m.Body, "msg_id"); ok {
			if pending[m.Src] == nil {
				pending[m.Src] = map[int64]int{}
			}
			pending[m.Src][id] = len(out)
		}
		out = append(out, op)
	}
	for _, p := range x.bySrc[service] {
		m := x.msgp(p)
		id, ok := Int(m.Body, "in_reply_to")
		if !ok {
			continue
		}
		i, ok := pending[m.Dest][id]
		if !ok || out[i].Reply >= 0 || x.sentAt(out[i].Req) > m.Sent {
			continue
		}
		out[i].Reply = p
		switch rt := Type(m.Body); rt {
		case "read_ok":
			out[i].OK = true
			out[i].Value = compact(Field(m.Body, "value"))
		case "write_ok", "cas_ok":
			out[i].OK = true
		}
	}
	return out
}

func compact(raw []byte) string {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return string(raw)
	}
	return b.String()
}

// StaleRead is a read a key-value service answered with a value older
// than one already written: Newer is a write (or cas) of another value
// whose acknowledgement reached its node before the read was sent, and
// after any acknowledged write of the value read.
type StaleRead struct {
	Read, Newer KVOp
}

// StaleReads finds the stale reads of service among ops (KVOps of that
// service) that node sent within [t0, t1] (every node's, if node is "").
func (x *Index) StaleReads(ops []KVOp, node string, t0, t1 int64) []StaleRead {
	type version struct {
		op   int // position in ops
		done int64
	}
	byKey := map[string][]version{} // acknowledged writes, by the time acknowledged
	var out []StaleRead
	// Acknowledged writes, in order of acknowledgement.
	for i := range ops {
		op := &ops[i]
		if !op.OK || (op.Type != "write" && op.Type != "cas") {
			continue
		}
		_, done := x.kvTimes(op)
		byKey[op.Key] = append(byKey[op.Key], version{i, done})
	}
	for _, vs := range byKey {
		slices.SortStableFunc(vs, func(a, b version) int { return cmp.Compare(a.done, b.done) })
	}
	written := func(op *KVOp) string {
		if op.Type == "cas" {
			return op.To
		}
		return op.Value
	}
	for i := range ops {
		op := &ops[i]
		if op.Type != "read" || !op.OK || node != "" && op.Node != node {
			continue
		}
		sent, _ := x.kvTimes(op)
		if sent < t0 || sent > t1 {
			continue
		}
		vs := byKey[op.Key]
		// The latest write acknowledged before the read was sent.
		j := -1
		for k := range vs {
			if vs[k].done >= 0 && vs[k].done < sent {
				j = k
			}
		}
		if j < 0 || written(&ops[vs[j].op]) == op.Value {
			continue
		}
		// Stale only if the value read was written earlier.
		older := false
		for k := range j {
			if written(&ops[vs[k].op]) == op.Value {
				older = true
			}
		}
		if older || op.Value == "" || op.Value == "null" {
			out = append(out, StaleRead{Read: *op, Newer: ops[vs[j].op]})
		}
	}
	return out
}

// KVItem is a service request and its reply as evidence: one item, the
// request, whose fate is its reply's delivery, and whose text says what
// the service answered.
func (x *Index) KVItem(op KVOp, note string) explain.Item {
	it := x.MsgItem(op.Req, note)
	if op.Reply >= 0 {
		r := x.msgp(op.Reply)
		it.End = r.Recv
		it.Messages = append(it.Messages, r.ID)
		it.Text += " → " + Type(r.Body)
		if op.Type == "read" && op.OK {
			it.Text += " " + op.Value
		}
	}
	return it
}

// Overwrite is a write to a key-value service that replaced a value its
// node had not read: Read is the node's last read of the key before it
// (or none), Over the latest write of the key acknowledged before it was
// sent, whose value the read did not return. Read-modify-write without
// compare-and-set loses updates this way.
type Overwrite struct {
	Read, Write, Over KVOp
	HasRead           bool
}

// Overwrites finds the overwrites among ops (KVOps of one service) sent
// before t.
func (x *Index) Overwrites(ops []KVOp, t int64) []Overwrite {
	var out []Overwrite
	lastRead := map[string]int{} // node + key → position of its last ok read
	type acked struct {
		op   int
		done int64
	}
	var writes []acked // ok writes and cas, in send order
	for i := range ops {
		op := &ops[i]
		sent, done := x.kvTimes(op)
		if sent > t {
			break
		}
		switch {
		case op.Type == "read" && op.OK:
			lastRead[op.Node+"\x00"+op.Key] = i
		case op.Type == "write" && op.OK:
			// The latest write of the key acknowledged before this one was sent.
			over := -1
			var overDone int64 = -1
			for _, w := range writes {
				if ops[w.op].Key == op.Key && w.done >= 0 && w.done < sent && w.done > overDone {
					over, overDone = w.op, w.done
				}
			}
			if over >= 0 && ops[over].Node != op.Node {
				r, hasRead := lastRead[op.Node+"\x00"+op.Key]
				overVal := ops[over].Value
				if ops[over].Type == "cas" {
					overVal = ops[over].To
				}
				if !hasRead || ops[r].Value != overVal {
					o := Overwrite{Write: *op, Over: ops[over], HasRead: hasRead}
					if hasRead {
						o.Read = ops[r]
					}
					out = append(out, o)
				}
			}
			writes = append(writes, acked{i, done})
		case op.Type == "cas" && op.OK:
			writes = append(writes, acked{i, done})
		}
	}
	return out
}
