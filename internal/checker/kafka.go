package checker

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/history"
)

// The number of examples listed under an error type's :errs: few for the
// per-op ordering anomalies, more for the per-message ones.
const (
	kafkaFewExamples  = 8
	kafkaManyExamples = 32
	// kafkaUnseenShown is how many unseen messages are listed per key.
	kafkaUnseenShown = 32
)

// kafkaAllowed are the error types that are reported but do not make a
// kafka result invalid. Only :int-send-skip could ever arise here; the
// others name cycles over write-write edges, which are not inferred.
var kafkaAllowed = map[string]bool{
	"int-send-skip":            true,
	"G0":                       true,
	"G0-process":               true,
	"G0-realtime":              true,
	"PL-1-cycle-exists":        true,
	"strong-PL-1-cycle-exists": true,
}

// kafkaFewTypes are the error types that list only kafkaFewExamples.
var kafkaFewTypes = map[string]bool{
	"poll-skip":             true,
	"nonmonotonic-poll":     true,
	"int-poll-skip":         true,
	"int-nonmonotonic-poll": true,
	"nonmonotonic-send":     true,
	"G1c-realtime":          true,
}

// Kafka is the checker of Maelstrom's kafka workload (Jepsen's kafka
// analysis with assign-only consumers). It reads the client ops of a
// history:
//
//	send    invoke [[:send k m]], :ok [[:send k [offset m]]]; :fail and
//	        :info keep the invocation's value
//	poll    :ok [[:poll {k [[offset m] ...]}]]; other outcomes carry no data
//	assign  value [k ...], the keys the process now consumes
//
// Other ops (crash, nemesis) are ignored, except that an :info completion
// ends a process, as always. A send invocation that never completes counts
// as :info.
//
// The version order of each key is built from every offset that some poll
// returned and every offset an :ok send was given; a message's index is the
// rank of its offset among those, so offsets may be huge or sparse without
// cost. A send must have committed if it is :ok, or :info and its message
// was polled. The error types are:
//
//	:inconsistent-offsets   one offset of a key seen with different messages
//	:duplicate              one message seen at several offsets of a key
//	:lost-write             a committed message that no :ok poll returned,
//	                        whose every index is at or below the highest
//	                        index an :ok poll returned for its key
//	:unseen                 :ok sends that no :ok poll ever returned
//	:G1a                    an :ok poll returned a message all of whose sends
//	                        definitely failed
//	:poll-skip              a process's poll of a key did not start at the
//	:nonmonotonic-poll      index after the one its last :ok poll of that key
//	                        ended at: beyond it, or at or before it
//	:int-poll-skip          likewise between consecutive messages of one
//	:int-nonmonotonic-poll  poll's list for a key
//	:nonmonotonic-send      a process's :ok send to a key landed at or before
//	                        the index of its previous :ok send to that key
//	:G1c-realtime           an :ok poll returned a message whose sends (other
//	                        than failed ones) were all invoked after the poll
//	                        completed
//	:unexpected-message     a poll returned a message that no send of that
//	                        key ever carried
//
// An :ok or :info assign keeps a process's poll and send tracking only for
// the keys it assigns. A poll's empty list for a key leaves that key's
// tracking alone.
//
// Jepsen also searches the graph of write-read and realtime edges between
// ops for cycles. Only the direct form, a poll reading from a send that
// began after the poll ended, is looked for; longer cycles are not searched.
// None is needed for the verdict: realtime order is an interval order, so a
// longer alternation of write-read and realtime edges always contains, by
// shortcutting, a direct one. Maelstrom's checker throws on a message nobody
// sent (so its verdict is :unknown); here it is reported as
// :unexpected-message and makes the result invalid.
//
// The result is
//
//	{:valid?             false if any error type is outside the allowed set
//	 :bad-error-types    [those types], sorted
//	 :error-types        [every type found], sorted
//	 :info-txn-causes    [the distinct :error values of :info sends and polls]
//	 :worst-realtime-lag {:time :lag :key :process}, or nil without any
//	 <type>              {:count n :errs [examples]}, for each type found}
//
// :errs lists the worst 8 examples of the ordering types (the largest skips,
// the furthest steps back) and otherwise the first 32. :unseen has a single
// example, {:time :unseen {k count} :messages {k #{m ...}}}, at the time of
// the last :ok send or poll (in ns), with up to 32 messages per key; its
// :count is the number of unseen messages.
//
// The realtime lag of an :ok poll and a key it returned is the time from
// the completion of the earliest-completing :ok send to that key at an index
// above the highest the poll returned, to the poll's invocation (0 if there
// is no such send, or it completed later). :time and :lag are in seconds.
func Kafka(ops []history.Op) *check.Kafka {
	a := &kafkaAnalysis{
		ops:      ops,
		keyInts:  map[int64]int32{},
		keyTexts: map[string]int32{},
		found:    map[string]*kafkaErrors{},
		causes:   map[string]bool{},
	}
	a.read()
	a.order()
	a.scan()
	a.logs()
	return a.result()
}

// kafkaAnalysis is the state of one run of the checker. Ops are referred to
// by their position in ops, keys by their number in keys, messages by their
// number in their key's msgs, and sends and polls by their position in
// sends and polls.
type kafkaAnalysis struct {
	ops      []history.Op
	keyInts  map[int64]int32
	keyTexts map[string]int32
	keys     []*kafkaKey

	sends   []kafkaSend
	polls   []kafkaPoll
	assigns []int // positions of :ok and :info assign completions
	obs     []kafkaObs
	events  []kafkaEvent

	infoCauses []any
	causes     map[string]bool
	lastOKTime int64 // of the last :ok send or poll

	found map[string]*kafkaErrors
	lag   *kafkaLag
}

// kafkaKey is what is known of one key: the offsets observed at it (each
// given a slot, in order of discovery) and its messages.
type kafkaKey struct {
	value any

	slots    map[int64]int32 // offset → slot
	offsets  []int64         // slot → offset
	slotMsg  []int32         // slot → the first message seen there
	moreMsgs map[int32][]int32

	index   []int32 // slot → index: the rank of its offset
	byIndex []int32 // index → slot
	// after[i] is the earliest completion time of an :ok send at index i
	// or later, math.MaxInt64 for none; it has one entry past the end.
	after []int64

	msgInts  map[int64]int32
	msgTexts map[string]int32
	msgs     []kafkaMsg

	bound     int32 // the highest index an :ok poll returned, or -1
	boundPoll int32 // the first poll that returned it
}

// kafkaMsg is what is known of one message of a key.
type kafkaMsg struct {
	value     any
	slot      int32 // the first slot it was seen at, or -1
	moreSlots []int32

	sent                       bool // some send invocation carried it
	okSent, infoSent, failSent bool
	writer                     int32 // the first :ok send of it, else the first :info one, or -1
	failed                     int32 // the first failed send of it, or -1
	firstInv                   int   // the earliest invocation of a send of it that did not fail, or -1

	polled, okPolled bool
	reader           int32 // the first poll that returned it, or -1
}

// kafkaSend is one send of a message.
type kafkaSend struct {
	key, msg  int32
	slot      int32 // where an :ok completion put it, or -1
	inv, comp int   // -1 for none
	typ       history.Type
	process   int
}

// kafkaPoll is a poll completion that carried data.
type kafkaPoll struct {
	inv, comp int // inv is -1 if unknown
	ok        bool
	keys      []kafkaPollKey
}

// kafkaPollKey is one key's list in a poll: the observations obs[lo:hi].
type kafkaPollKey struct{ key, lo, hi int32 }

// kafkaObs is one [offset message] pair a poll returned.
type kafkaObs struct{ slot, msg int32 }

// kafkaEvent is a completion that the per-process scan looks at.
type kafkaEvent struct {
	kind uint8
	id   int32
}

const (
	kafkaSendEvent uint8 = iota
	kafkaPollEvent
	kafkaAssignEvent
)

// kafkaErrors are the examples found of one error type, and their count.
type kafkaErrors struct {
	count int64
	list  []kafkaFinding
}

// kafkaFinding is one example; build renders it, only if it is shown.
// Examples with smaller ranks are shown first.
type kafkaFinding struct {
	rank  int64
	build func() check.KafkaAnomaly
}

// kafkaLag is the worst realtime lag found so far.
type kafkaLag struct {
	time, lag int64
	key       any
	process   int
}

// add records one example of error type t.
func (a *kafkaAnalysis) add(t string, rank int64, build func() check.KafkaAnomaly) {
	e := a.found[t]
	if e == nil {
		e = &kafkaErrors{}
		a.found[t] = e
	}
	e.count++
	e.list = append(e.list, kafkaFinding{rank: rank, build: build})
}

// read makes the pass over the history that pairs invocations with
// completions, registers sends, and takes in the data of polls.
func (a *kafkaAnalysis) read() {
	open := map[int]int{}          // process → position of its open invocation
	openSends := map[int][]int32{} // process → its open sends
	for p, op := range a.ops {
		if !op.IsClient() {
			continue
		}
		if op.Type == history.Invoke {
			open[op.Process] = p
			// A process that invokes again has given up on its last op.
			for _, id := range openSends[op.Process] {
				a.settle(id, history.Info)
			}
			delete(openSends, op.Process)
			if op.F == "send" {
				openSends[op.Process] = a.newSends(p, -1, op.Value, false)
			}
			continue
		}
		inv, paired := open[op.Process]
		if !paired {
			inv = -1
		}
		delete(open, op.Process)
		ids := openSends[op.Process]
		delete(openSends, op.Process)
		if op.Type == history.Info && (op.F == "send" || op.F == "poll") {
			a.cause(op.Error)
		}
		if op.Type == history.OK && (op.F == "send" || op.F == "poll") {
			a.lastOKTime = op.Time
		}
		switch op.F {
		case "send":
			if ids == nil {
				ids = a.newSends(-1, p, op.Value, op.Type == history.OK)
			}
			a.completeSends(p, ids)
		case "poll":
			a.completePoll(inv, p)
		case "assign":
			if op.Type == history.OK || op.Type == history.Info {
				a.events = append(a.events, kafkaEvent{kafkaAssignEvent, int32(len(a.assigns))})
				a.assigns = append(a.assigns, p)
			}
		}
	}
	// Sends that never completed are indefinite.
	var pending []int32
	for _, ids := range openSends {
		pending = append(pending, ids...)
	}
	slices.Sort(pending)
	for _, id := range pending {
		a.settle(id, history.Info)
	}
}

// cause notes the :error of an :info send or poll.
func (a *kafkaAnalysis) cause(e any) {
	text := edn.String(e)
	if !a.causes[text] {
		a.causes[text] = true
		a.infoCauses = append(a.infoCauses, e)
	}
}

// kafkaMops returns the micro-ops of value v whose function is f.
func kafkaMops(v any, f string) [][]any {
	list, _ := v.([]any)
	var out [][]any
	for _, m := range list {
		mop, _ := m.([]any)
		if len(mop) > 0 && mop[0] == edn.Keyword(f) {
			out = append(out, mop)
		}
	}
	return out
}

// newSends registers the sends of an op's value, from its invocation at inv
// or, lacking one, its completion at comp; acked says the value's messages
// are [offset message] pairs.
func (a *kafkaAnalysis) newSends(inv, comp int, value any, acked bool) []int32 {
	var ids []int32
	for _, mop := range kafkaMops(value, "send") {
		if len(mop) < 3 {
			continue
		}
		msg := mop[2]
		if pair, isPair := msg.([]any); acked && isPair && len(pair) == 2 {
			msg = pair[1]
		}
		key := a.keyID(mop[1])
		k := a.keys[key]
		id := k.msgID(msg)
		k.msgs[id].sent = true
		ids = append(ids, int32(len(a.sends)))
		p := inv
		if p < 0 {
			p = comp
		}
		a.sends = append(a.sends, kafkaSend{key: key, msg: id, slot: -1, inv: inv, comp: -1, typ: history.Invoke, process: a.ops[p].Process})
	}
	return ids
}

// completeSends applies the completion at position comp to the sends ids
// of its op.
func (a *kafkaAnalysis) completeSends(comp int, ids []int32) {
	op := a.ops[comp]
	mops := kafkaMops(op.Value, "send")
	for i, id := range ids {
		s := &a.sends[id]
		s.comp = comp
		if op.Type == history.OK && i < len(mops) && len(mops[i]) >= 3 {
			if pair, isPair := mops[i][2].([]any); isPair && len(pair) == 2 {
				if off, isInt := integer(pair[0]); isInt {
					s.slot = a.keys[s.key].observe(off, s.msg)
				}
			}
		}
		a.settle(id, op.Type)
		a.events = append(a.events, kafkaEvent{kafkaSendEvent, id})
	}
}

// settle records the outcome typ of send id.
func (a *kafkaAnalysis) settle(id int32, typ history.Type) {
	s := &a.sends[id]
	s.typ = typ
	m := &a.keys[s.key].msgs[s.msg]
	switch typ {
	case history.OK:
		m.okSent = true
		if m.writer < 0 || a.sends[m.writer].typ != history.OK {
			m.writer = id
		}
	case history.Fail:
		m.failSent = true
		if m.failed < 0 {
			m.failed = id
		}
	default:
		m.infoSent = true
		if m.writer < 0 {
			m.writer = id
		}
	}
}

// completePoll takes in the data of the poll completion at comp, invoked
// at inv.
func (a *kafkaAnalysis) completePoll(inv, comp int) {
	op := a.ops[comp]
	rec := kafkaPoll{inv: inv, comp: comp, ok: op.Type == history.OK}
	id := int32(len(a.polls))
	for _, mop := range kafkaMops(op.Value, "poll") {
		if len(mop) < 2 {
			continue
		}
		data, _ := mop[1].(*edn.Map)
		data.Each(func(kv, v any) {
			pairs, _ := v.([]any)
			key := a.keyID(kv)
			k := a.keys[key]
			lo := int32(len(a.obs))
			for _, x := range pairs {
				pair, _ := x.([]any)
				if len(pair) != 2 {
					continue
				}
				off, isInt := integer(pair[0])
				if !isInt {
					continue
				}
				msg := k.msgID(pair[1])
				slot := k.observe(off, msg)
				a.obs = append(a.obs, kafkaObs{slot: slot, msg: msg})
				m := &k.msgs[msg]
				m.polled = true
				m.okPolled = m.okPolled || rec.ok
				if m.reader < 0 {
					m.reader = id
				}
			}
			rec.keys = append(rec.keys, kafkaPollKey{key: key, lo: lo, hi: int32(len(a.obs))})
		})
	}
	if len(rec.keys) == 0 {
		return
	}
	a.polls = append(a.polls, rec)
	a.events = append(a.events, kafkaEvent{kafkaPollEvent, id})
}

// kafkaIdent splits a key or message into an integer or, for anything
// else, its EDN text (never empty).
func kafkaIdent(v any) (n int64, text string) {
	if n, isInt := integer(v); isInt {
		return n, ""
	}
	return 0, edn.String(v)
}

// lookupKey is the number of key v, or -1 if it was never seen.
func (a *kafkaAnalysis) lookupKey(v any) int32 {
	n, text := kafkaIdent(v)
	var id int32
	var found bool
	if text == "" {
		id, found = a.keyInts[n]
	} else {
		id, found = a.keyTexts[text]
	}
	if !found {
		return -1
	}
	return id
}

// keyID is the number of key v, which is created if it is new.
func (a *kafkaAnalysis) keyID(v any) int32 {
	if id := a.lookupKey(v); id >= 0 {
		return id
	}
	n, text := kafkaIdent(v)
	id := int32(len(a.keys))
	if text == "" {
		a.keyInts[n] = id
		v = n
	} else {
		a.keyTexts[text] = id
	}
	a.keys = append(a.keys, &kafkaKey{
		value:    v,
		slots:    map[int64]int32{},
		msgInts:  map[int64]int32{},
		msgTexts: map[string]int32{},
		bound:    -1,
	})
	return id
}

// msgID is the number of message v of the key, created if it is new.
func (k *kafkaKey) msgID(v any) int32 {
	n, text := kafkaIdent(v)
	if text == "" {
		if id, found := k.msgInts[n]; found {
			return id
		}
		v = n
	} else if id, found := k.msgTexts[text]; found {
		return id
	}
	id := int32(len(k.msgs))
	if text == "" {
		k.msgInts[n] = id
	} else {
		k.msgTexts[text] = id
	}
	k.msgs = append(k.msgs, kafkaMsg{value: v, slot: -1, writer: -1, failed: -1, firstInv: -1, reader: -1})
	return id
}

// observe records message msg at offset off and returns the offset's slot.
func (k *kafkaKey) observe(off int64, msg int32) int32 {
	slot, found := k.slots[off]
	switch {
	case !found:
		slot = int32(len(k.offsets))
		k.slots[off] = slot
		k.offsets = append(k.offsets, off)
		k.slotMsg = append(k.slotMsg, msg)
	case k.slotMsg[slot] != msg && !slices.Contains(k.moreMsgs[slot], msg):
		if k.moreMsgs == nil {
			k.moreMsgs = map[int32][]int32{}
		}
		k.moreMsgs[slot] = append(k.moreMsgs[slot], msg)
	}
	m := &k.msgs[msg]
	switch {
	case m.slot < 0:
		m.slot = slot
	case m.slot != slot && !slices.Contains(m.moreSlots, slot):
		m.moreSlots = append(m.moreSlots, slot)
	}
	return slot
}

// minMaxIndex is the lowest and highest index message m was seen at; m
// must have been seen.
func (k *kafkaKey) minMaxIndex(m *kafkaMsg) (lo, hi int32) {
	lo, hi = k.index[m.slot], k.index[m.slot]
	for _, s := range m.moreSlots {
		lo, hi = min(lo, k.index[s]), max(hi, k.index[s])
	}
	return lo, hi
}

// byLowestIndex orders messages x and y by the lowest index each was seen
// at; both must have been seen.
func (k *kafkaKey) byLowestIndex(x, y int32) int {
	lx, _ := k.minMaxIndex(&k.msgs[x])
	ly, _ := k.minMaxIndex(&k.msgs[y])
	return cmp.Compare(lx, ly)
}

// msgAt is the message at index i (the first seen there).
func (k *kafkaKey) msgAt(i int32) any { return k.msgs[k.slotMsg[k.byIndex[i]]].value }

// order ranks every key's offsets into indices, and works out when each
// message's sends began and when each index was known to exist.
func (a *kafkaAnalysis) order() {
	for _, k := range a.keys {
		n := len(k.offsets)
		k.byIndex = make([]int32, n)
		for i := range k.byIndex {
			k.byIndex[i] = int32(i)
		}
		slices.SortFunc(k.byIndex, func(x, y int32) int { return cmp.Compare(k.offsets[x], k.offsets[y]) })
		k.index = make([]int32, n)
		for i, s := range k.byIndex {
			k.index[s] = int32(i)
		}
		k.after = make([]int64, n+1)
		for i := range k.after {
			k.after[i] = math.MaxInt64
		}
	}
	for _, s := range a.sends {
		k := a.keys[s.key]
		if s.typ == history.OK && s.slot >= 0 {
			i := k.index[s.slot]
			k.after[i] = min(k.after[i], a.ops[s.comp].Time)
		}
		if m := &k.msgs[s.msg]; s.typ != history.Fail && s.inv >= 0 && (m.firstInv < 0 || s.inv < m.firstInv) {
			m.firstInv = s.inv
		}
	}
	for _, k := range a.keys {
		for i := len(k.after) - 2; i >= 0; i-- {
			k.after[i] = min(k.after[i], k.after[i+1])
		}
	}
}

// kafkaTrack is where a process last was in a key: the index, and the
// poll or send that took it there.
type kafkaTrack struct{ index, at int32 }

// kafkaProcess is the tracking of one process.
type kafkaProcess struct {
	polls, sends map[int32]kafkaTrack
}

// scan walks the completions in history order, checking each process's
// polls and sends, and each :ok poll's reads.
func (a *kafkaAnalysis) scan() {
	procs := map[int]*kafkaProcess{}
	proc := func(p int) *kafkaProcess {
		s := procs[p]
		if s == nil {
			s = &kafkaProcess{polls: map[int32]kafkaTrack{}, sends: map[int32]kafkaTrack{}}
			procs[p] = s
		}
		return s
	}
	for _, e := range a.events {
		switch e.kind {
		case kafkaSendEvent:
			a.scanSend(proc, e.id)
		case kafkaPollEvent:
			a.scanPoll(proc, e.id)
		case kafkaAssignEvent:
			op := a.ops[a.assigns[e.id]]
			s := procs[op.Process]
			if s == nil {
				continue
			}
			keep := map[int32]bool{}
			list, _ := op.Value.([]any)
			for _, kv := range list {
				keep[a.lookupKey(kv)] = true
			}
			for _, m := range []map[int32]kafkaTrack{s.polls, s.sends} {
				for k := range m {
					if !keep[k] {
						delete(m, k)
					}
				}
			}
		}
	}
}

// scanSend checks that send id, if :ok, went past its process's previous
// :ok send to the key.
func (a *kafkaAnalysis) scanSend(proc func(int) *kafkaProcess, id int32) {
	s := a.sends[id]
	if s.typ != history.OK || s.slot < 0 {
		return
	}
	k := a.keys[s.key]
	i := k.index[s.slot]
	p := proc(s.process)
	if last, found := p.sends[s.key]; found && i <= last.index {
		prev := a.sends[last.at]
		delta := int64(i - last.index)
		a.add("nonmonotonic-send", delta, func() check.KafkaAnomaly {
			return check.KafkaAnomaly{
				Key:    k.value,
				Values: []any{k.msgs[prev.msg].value, k.msgs[s.msg].value},
				Delta:  delta,
				Ops:    []check.Op{a.ops[prev.comp], a.ops[s.comp]},
			}
		})
	}
	p.sends[s.key] = kafkaTrack{index: i, at: id}
}

// scanPoll checks poll id's lists against each other and against its
// process's previous polls and, if it is :ok, what it read and its lag.
func (a *kafkaAnalysis) scanPoll(proc func(int) *kafkaProcess, id int32) {
	pl := a.polls[id]
	op := a.ops[pl.comp]
	p := proc(op.Process)
	for _, pk := range pl.keys {
		obs := a.obs[pk.lo:pk.hi]
		if len(obs) == 0 {
			continue
		}
		k := a.keys[pk.key]
		hi := int32(-1)
		for j, o := range obs {
			i := k.index[o.slot]
			hi = max(hi, i)
			if j > 0 {
				a.intPollStep(k, pl.comp, obs[j-1], o)
			}
		}
		first := k.index[obs[0].slot]
		if last, found := p.polls[pk.key]; found {
			a.pollStep(k, last, id, first, obs[0].msg)
		}
		if !pl.ok {
			continue
		}
		end := obs[len(obs)-1]
		p.polls[pk.key] = kafkaTrack{index: k.index[end.slot], at: id}
		if hi > k.bound {
			k.bound, k.boundPoll = hi, id
		}
		for _, o := range obs {
			a.checkRead(k, pl.comp, o.msg)
		}
		if pl.inv >= 0 {
			a.measureLag(k, pl.inv, op.Process, hi)
		}
	}
}

// intPollStep checks that consecutive pairs x, y of one poll's list are at
// consecutive indices.
func (a *kafkaAnalysis) intPollStep(k *kafkaKey, comp int, x, y kafkaObs) {
	i1, i2 := k.index[x.slot], k.index[y.slot]
	delta := int64(i2 - i1)
	if delta == 1 {
		return
	}
	values := func() []any { return []any{k.msgs[x.msg].value, k.msgs[y.msg].value} }
	switch {
	case delta > 1:
		a.add("int-poll-skip", -delta, func() check.KafkaAnomaly {
			return check.KafkaAnomaly{
				Key:     k.value,
				Values:  values(),
				Delta:   delta,
				Skipped: k.between(i1, i2),
				Ops:     []check.Op{a.ops[comp]},
			}
		})
	case delta < 1:
		a.add("int-nonmonotonic-poll", delta, func() check.KafkaAnomaly {
			return check.KafkaAnomaly{Key: k.value, Values: values(), Delta: delta, Ops: []check.Op{a.ops[comp]}}
		})
	}
}

// pollStep checks that poll id, whose list for key k starts with message
// msg at index first, continues from where last left the process.
func (a *kafkaAnalysis) pollStep(k *kafkaKey, last kafkaTrack, id, first, msg int32) {
	delta := int64(first - last.index)
	if delta == 1 {
		return
	}
	ops := func() []check.Op { return []check.Op{a.ops[a.polls[last.at].comp], a.ops[a.polls[id].comp]} }
	switch {
	case delta > 1:
		a.add("poll-skip", -delta, func() check.KafkaAnomaly {
			return check.KafkaAnomaly{Key: k.value, Delta: delta, Skipped: k.between(last.index, first), Ops: ops()}
		})
	case delta < 1:
		a.add("nonmonotonic-poll", delta, func() check.KafkaAnomaly {
			return check.KafkaAnomaly{
				Key:    k.value,
				Values: []any{k.msgAt(last.index), k.msgs[msg].value},
				Delta:  delta,
				Ops:    ops(),
			}
		})
	}
}

// between is the messages at the indices strictly between i1 and i2.
func (k *kafkaKey) between(i1, i2 int32) []any {
	out := []any{}
	for i := i1 + 1; i < i2; i++ {
		out = append(out, k.msgAt(i))
	}
	return out
}

// checkRead checks message msg of key k, read by the :ok poll completed at
// comp, for a failed writer and for a writer that began after the read.
func (a *kafkaAnalysis) checkRead(k *kafkaKey, comp int, msg int32) {
	m := &k.msgs[msg]
	if m.failSent && !m.okSent && !m.infoSent {
		a.add("G1a", 0, func() check.KafkaAnomaly {
			return check.KafkaAnomaly{Key: k.value, Value: m.value, Writer: &a.ops[a.sends[m.failed].comp], Reader: &a.ops[comp]}
		})
	}
	if m.firstInv > comp {
		a.add("G1c-realtime", 0, func() check.KafkaAnomaly {
			reader, writer := &a.ops[comp], &a.ops[m.firstInv]
			return check.KafkaAnomaly{
				Key:    k.value,
				Value:  m.value,
				Writer: writer,
				Reader: reader,
				Explanation: fmt.Sprintf(
					"the poll completed at index %d read %s from key %s, but no send of it began before index %d",
					reader.Index, edn.String(m.value), edn.String(k.value), writer.Index),
			}
		})
	}
}

// measureLag takes in the lag of key k in the :ok poll invoked at inv by
// process, whose highest index for k was hi.
func (a *kafkaAnalysis) measureLag(k *kafkaKey, inv, process int, hi int32) {
	t := a.ops[inv].Time
	var lag int64
	if since := k.after[hi+1]; since != math.MaxInt64 {
		lag = max(0, t-since)
	}
	if a.lag == nil || lag > a.lag.lag {
		a.lag = &kafkaLag{time: t, lag: lag, key: k.value, process: process}
	}
}

// sortedKafkaKeys is the keys in order: numbers numerically, then the rest
// by EDN text.
func (a *kafkaAnalysis) sortedKafkaKeys() []*kafkaKey {
	keys := slices.Clone(a.keys)
	slices.SortFunc(keys, func(x, y *kafkaKey) int { return kafkaCompare(x.value, y.value) })
	return keys
}

// kafkaCompare orders numbers numerically before everything else, which is
// ordered by EDN text.
func kafkaCompare(a, b any) int {
	an, bn := isNumber(a), isNumber(b)
	switch {
	case an && bn:
		return compareNumbers(a, b)
	case an:
		return -1
	case bn:
		return 1
	}
	return compareStrings(edn.String(a), edn.String(b))
}

// logs checks each key's log as a whole: offsets with several messages,
// messages at several offsets, messages nobody sent, lost and unseen
// messages.
func (a *kafkaAnalysis) logs() {
	var unseen []check.KafkaUnseen
	var unseenCount int64
	for _, k := range a.sortedKafkaKeys() {
		a.keyLog(k)
		var lost, missing []int32
		for id := range k.msgs {
			m := &k.msgs[id]
			if m.polled && !m.sent {
				a.add("unexpected-message", 0, func() check.KafkaAnomaly {
					return check.KafkaAnomaly{Key: k.value, Offset: k.offsets[m.slot], Value: m.value, Reader: &a.ops[a.polls[m.reader].comp]}
				})
			}
			if m.okSent && !m.okPolled {
				missing = append(missing, int32(id))
			}
			committed := m.okSent || (m.infoSent && m.polled)
			if committed && !m.okPolled && m.slot >= 0 && k.bound >= 0 {
				if _, hi := k.minMaxIndex(m); hi <= k.bound {
					lost = append(lost, int32(id))
				}
			}
		}
		slices.SortFunc(lost, k.byLowestIndex)
		for _, id := range lost {
			m := &k.msgs[id]
			a.add("lost-write", 0, func() check.KafkaAnomaly {
				lo, _ := k.minMaxIndex(m)
				return check.KafkaAnomaly{
					Key:          k.value,
					Value:        m.value,
					Index:        int64(lo),
					MaxReadIndex: int64(k.bound),
					Writer:       a.sendOp(m.writer),
					MaxRead:      &a.ops[a.polls[k.boundPoll].comp],
				}
			})
		}
		if len(missing) > 0 {
			unseenCount += int64(len(missing))
			values := make([]any, len(missing))
			for i, id := range missing {
				values[i] = k.msgs[id].value
			}
			slices.SortFunc(values, kafkaCompare)
			unseen = append(unseen, check.KafkaUnseen{Key: k.value, Count: int64(len(missing)), Messages: values[:min(len(values), kafkaUnseenShown)]})
		}
	}
	if unseenCount > 0 {
		a.found["unseen"] = &kafkaErrors{count: unseenCount, list: []kafkaFinding{{build: func() check.KafkaAnomaly {
			return check.KafkaAnomaly{Time: time.Duration(a.lastOKTime), Unseen: unseen}
		}}}}
	}
}

// keyLog reports key k's offsets with several messages and messages at
// several offsets.
func (a *kafkaAnalysis) keyLog(k *kafkaKey) {
	for i, slot := range k.byIndex {
		more := k.moreMsgs[slot]
		if len(more) == 0 {
			continue
		}
		values := []any{k.msgs[k.slotMsg[slot]].value}
		for _, m := range more {
			values = append(values, k.msgs[m].value)
		}
		slices.SortFunc(values, kafkaCompare)
		a.add("inconsistent-offsets", -int64(len(values)), func() check.KafkaAnomaly {
			return check.KafkaAnomaly{Key: k.value, Offset: k.offsets[slot], Index: int64(i), Values: values}
		})
	}
	var dups []int32
	for id := range k.msgs {
		if len(k.msgs[id].moreSlots) > 0 {
			dups = append(dups, int32(id))
		}
	}
	slices.SortFunc(dups, k.byLowestIndex)
	for _, id := range dups {
		m := &k.msgs[id]
		offsets := []int64{k.offsets[m.slot]}
		for _, s := range m.moreSlots {
			offsets = append(offsets, k.offsets[s])
		}
		slices.Sort(offsets)
		a.add("duplicate", -int64(len(offsets)), func() check.KafkaAnomaly {
			return check.KafkaAnomaly{Key: k.value, Value: m.value, Count: int64(len(offsets)), Offsets: offsets}
		})
	}
}

// sendOp is the completion of send id (its invocation if it never
// completed), or nil for none.
func (a *kafkaAnalysis) sendOp(id int32) *check.Op {
	if id < 0 {
		return nil
	}
	s := a.sends[id]
	if s.comp >= 0 {
		return &a.ops[s.comp]
	}
	return &a.ops[s.inv]
}

// result assembles the findings.
func (a *kafkaAnalysis) result() *check.Kafka {
	out := &check.Kafka{ErrorTypes: []string{}, BadErrorTypes: []string{}, InfoCauses: a.infoCauses}
	for t := range a.found {
		out.ErrorTypes = append(out.ErrorTypes, t)
	}
	slices.SortFunc(out.ErrorTypes, compareStrings)
	for _, t := range out.ErrorTypes {
		if !kafkaAllowed[t] {
			out.BadErrorTypes = append(out.BadErrorTypes, t)
		}
	}
	out.Valid = check.VerdictOf(len(out.BadErrorTypes) == 0)
	if a.lag != nil {
		out.WorstRealtimeLag = &check.KafkaLag{Time: time.Duration(a.lag.time), Lag: time.Duration(a.lag.lag), Key: a.lag.key, Process: a.lag.process}
	}
	for _, t := range out.ErrorTypes {
		e := a.found[t]
		limit := kafkaManyExamples
		if kafkaFewTypes[t] {
			limit = kafkaFewExamples
		}
		list := slices.Clone(e.list)
		slices.SortStableFunc(list, func(x, y kafkaFinding) int { return cmp.Compare(x.rank, y.rank) })
		errs := check.KafkaErrors{Type: t, Count: e.count}
		for _, f := range list[:min(len(list), limit)] {
			x := f.build()
			x.Type = t
			errs.Examples = append(errs.Examples, x)
		}
		out.Errors = append(out.Errors, errs)
	}
	return out
}
