package trace

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/explain"
	"github.com/eddy-workbench/eddy/internal/history"
	"github.com/eddy-workbench/eddy/internal/nemesis"
	"github.com/eddy-workbench/eddy/internal/netsim"
)

// Fate is what became of the message at position p: delivered; dropped by
// the partition that cut its link when it was sent (or that began before
// a later message on its link got through); dropped because the nemesis
// had killed its destination (a drop event of the journal; the kill and
// the restart are named); sent to a node
// that crashed;
// still in flight when the run ended (nothing sent to its destination
// after it was delivered; a destination still down or paused then is
// named); or undelivered for no reason the evidence shows. A delivery that
// waited for its destination's pause to end says so.
func (x *Index) Fate(p int32) explain.Fate {
	m := x.msgp(p)
	if m.Recv >= 0 {
		text := "delivered at " + explain.Seconds(m.Recv)
		if f, ok := x.HeldBy(m.Dest, m.Sent, m.Recv); ok {
			text += fmt.Sprintf(", held while %s was paused (%s to %s)", m.Dest, explain.Seconds(f.Down), explain.Seconds(f.End))
		}
		return explain.Fate{Kind: explain.Delivered, At: m.Recv, Text: text}
	}
	if t := x.msgs[p].drop; t >= 0 {
		text := fmt.Sprintf("never delivered: %s was down (killed by the nemesis) when it was due at %s", m.Dest, explain.Seconds(t))
		if f, ok := x.At(m.Dest, t); ok && f.Kind == nemesis.Kill {
			text = fmt.Sprintf("never delivered: %s was down when it was due at %s (killed at %s, %s)", m.Dest, explain.Seconds(t), explain.Seconds(f.Down), f.Restart())
		}
		return explain.Fate{Kind: explain.Crashed, At: t, Text: text}
	}
	if t, ok := x.Crashed(m.Dest); ok {
		if t <= m.Sent {
			return explain.Fate{Kind: explain.Crashed, At: t, Text: fmt.Sprintf("never delivered: %s had crashed at %s", m.Dest, explain.Seconds(t))}
		}
		if !x.deliveredAfter(m.Dest, p) {
			return explain.Fate{Kind: explain.Crashed, At: t, Text: fmt.Sprintf("never delivered: %s crashed at %s, before it arrived", m.Dest, explain.Seconds(t))}
		}
	}
	if part := x.CutAt(m.Src, m.Dest, m.Sent); part != nil {
		return explain.Fate{Kind: explain.Dropped, At: m.Sent, Text: "dropped by partition " + part.Name + partSpan(part)}
	}
	if part := x.laterCut(p); part != nil {
		return explain.Fate{Kind: explain.Dropped, At: part.Start, Text: fmt.Sprintf("dropped by partition %s%s, which began %s after it was sent", part.Name, partSpan(part), millis(part.Start-m.Sent))}
	}
	if netsim.IsClient(m.Dest) {
		return explain.Fate{Kind: explain.Undelivered, At: -1, Text: fmt.Sprintf("never delivered: client %s had given up waiting", m.Dest)}
	}
	if !x.deliveredAfter(m.Dest, p) {
		text := fmt.Sprintf("still in flight when the run ended at %s", explain.Seconds(x.end))
		if f, ok := x.At(m.Dest, x.end); ok && f.Open {
			text += fmt.Sprintf(" (%s)", f)
		}
		return explain.Fate{Kind: explain.InFlight, At: x.end, Text: text}
	}
	return explain.Fate{Kind: explain.Undelivered, At: -1, Text: fmt.Sprintf("never delivered, though no partition cut %s → %s then", m.Src, m.Dest)}
}

func partSpan(p *Partition) string {
	if p.End == never {
		return fmt.Sprintf(" (from %s to the end)", explain.Seconds(p.Start))
	}
	return fmt.Sprintf(" (%s to %s)", explain.Seconds(p.Start), explain.Seconds(p.End))
}

func millis(ns int64) string { return fmt.Sprintf("%d ms", ns/1e6) }

// laterCut is a partition cutting the link of the message at p that began
// after it was sent and before any later message on that link was
// delivered: a message is checked against the partition when it reaches
// the head of its queue, which may be after its send.
func (x *Index) laterCut(p int32) *Partition {
	m := x.msgp(p)
	limit := int64(never)
	steps := 0
	for _, q := range x.bySrc[m.Src] {
		if q <= p {
			continue
		}
		if steps++; steps > 100_000 {
			break
		}
		if x.ev(q).Msg.Dest == m.Dest && x.msgs[q].recv >= 0 {
			limit = x.msgs[q].recv
			break
		}
	}
	for i := range x.parts {
		part := &x.parts[i]
		if part.Start > m.Sent && part.Start <= limit && part.Cuts(m.Src, m.Dest) {
			return part
		}
	}
	return nil
}

// deliveredAfter reports whether a message sent to dest after the one at
// p was delivered.
func (x *Index) deliveredAfter(dest string, p int32) bool {
	to := x.byDest[dest]
	for i := len(to) - 1; i >= 0 && to[i] > p; i-- {
		if x.msgs[to[i]].recv >= 0 {
			return true
		}
	}
	return false
}

// DroppedBy is the partition that dropped the message at position p, or
// nil if none did (see Fate).
func (x *Index) DroppedBy(p int32) *Partition {
	m := x.msgp(p)
	if m.Recv >= 0 {
		return nil
	}
	if t, ok := x.Crashed(m.Dest); ok && (t <= m.Sent || !x.deliveredAfter(m.Dest, p)) {
		return nil
	}
	if part := x.CutAt(m.Src, m.Dest, m.Sent); part != nil {
		return part
	}
	return x.laterCut(p)
}

// PartitionItems are the given partitions as evidence: each one's start
// and, if it healed, its healing; duplicates are left out.
func (x *Index) PartitionItems(parts ...*Partition) []explain.Item {
	var out []explain.Item
	seen := map[*Partition]bool{}
	for _, p := range parts {
		if p == nil || seen[p] {
			continue
		}
		seen[p] = true
		out = append(out, explain.Item{Kind: explain.Nemesis, Time: p.Start, End: -1, Type: "start-partition", Text: p.Name, Index: -1})
		if p.End != never {
			out[len(out)-1].End = p.End
			out = append(out, explain.Item{Kind: explain.Nemesis, Time: p.End, End: -1, Type: "stop-partition", Text: "healed " + p.Name, Index: -1})
		}
	}
	return out
}

// MsgItem is the message at position p as evidence, with a note saying
// what it shows.
func (x *Index) MsgItem(p int32, note string) explain.Item {
	m := x.msgp(p)
	return explain.Item{
		Kind: explain.Message, Time: m.Sent, End: m.Recv, From: m.Src, To: m.Dest,
		Type: Type(m.Body), Text: Brief(m.Body, 100), Fate: x.Fate(p), Index: -1,
		Messages: []int64{m.ID}, Note: note,
	}
}

// OpItem is the op at position p (its invocation or completion) as
// evidence: from its client to the node that served it, its value and
// outcome, and the request and reply that carried it.
func (x *Index) OpItem(p int, note string) explain.Item {
	inv := p
	if x.ops[p].Type != history.Invoke {
		if i := x.Invocation(p); i >= 0 {
			inv = i
		}
	}
	op := &x.ops[inv]
	it := explain.Item{Kind: explain.Op, Time: op.Time, End: -1, Type: op.F, Index: op.Index, Note: note}
	comp := -1
	if op.Type == history.Invoke {
		comp = x.Completion(inv)
	}
	if comp >= 0 {
		it.End = x.ops[comp].Time
	}
	it.From = fmt.Sprintf("process %d", op.Process)
	it.To = x.NodeOf(op.Process)
	if req, reply := x.Exchange(inv); req >= 0 {
		it.From, it.To = x.ev(req).Msg.Src, x.ev(req).Msg.Dest
		it.Messages = append(it.Messages, x.ev(req).Msg.ID)
		if reply >= 0 {
			it.Messages = append(it.Messages, x.ev(reply).Msg.ID)
		}
	}
	it.Text = OpText(op, comp, x)
	return it
}

// OpText is an op's value and outcome in words, e.g. "17: ok at 3.215 s"
// or "read → [1 2 3]: ok at 4.001 s".
func OpText(inv *history.Op, comp int, x *Index) string {
	var b strings.Builder
	if inv.Value != nil {
		b.WriteString(Cut(edn.String(inv.Value), 80))
	}
	if comp < 0 {
		b.WriteString(": never completed")
		return b.String()
	}
	c := &x.ops[comp]
	if c.Value != nil && !edn.Equal(c.Value, inv.Value) {
		if b.Len() > 0 {
			b.WriteString(" ")
		}
		b.WriteString("→ " + Cut(edn.String(c.Value), 80))
	}
	fmt.Fprintf(&b, ": %s at %s", c.Type, explain.Seconds(c.Time))
	if c.Error != nil {
		b.WriteString(" (" + Cut(edn.String(c.Error), 60) + ")")
	}
	return strings.TrimPrefix(b.String(), ": ")
}

// Brief is a body without its type, msg_id and in_reply_to, cut to n
// characters: the part a person reads.
func Brief(body []byte, n int) string {
	s := scan{b: body}
	s.space()
	if !s.eat('{') {
		return Cut(string(body), n)
	}
	var b strings.Builder
	for b.Len() < 4*n {
		s.space()
		if s.i >= len(s.b) || s.b[s.i] == '}' {
			break
		}
		s.eat(',')
		s.space()
		k0 := s.i
		s.skip()
		k := s.b[k0:s.i]
		s.space()
		s.eat(':')
		s.space()
		v0 := s.i
		s.skip()
		if s.i == v0 {
			break
		}
		if keyIs(k, "type") || keyIs(k, "msg_id") || keyIs(k, "in_reply_to") {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		name := strings.Trim(string(k), `"`)
		if strings.ContainsRune(name, '\\') {
			json.Unmarshal(k, &name)
		}
		b.WriteString(name)
		b.WriteString(" ")
		b.Write(s.b[v0:s.i])
	}
	return Cut(b.String(), n)
}

// Cut shortens s to n characters, ending it with … when it was longer.
func Cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
