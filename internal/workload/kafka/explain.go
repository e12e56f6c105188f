package kafka

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/explain"
	"github.com/eddy-workbench/eddy/internal/history"
	"github.com/eddy-workbench/eddy/internal/trace"
)

// How much is explained: anomalies per type, and in all.
const (
	maxPerType   = 2
	maxExplained = 8
)

// Anomaly is one anomaly of the kafka checker, as an explainer needs it:
// its type, key and messages, and the positions in the history of the ops
// involved (-1 for none).
type Anomaly struct {
	Type     string
	Key      int64
	Value    any   // lost-write, duplicate, G1a, G1c-realtime, unexpected-message
	Values   []any // the messages of the ordering anomalies, inconsistent-offsets
	Skipped  []any
	Offset   int64 // inconsistent-offsets, unexpected-message
	Ops      []int // the two polls or sends compared, or the one poll
	Writer   int
	Reader   int
	MaxRead  int
	Unseen   map[int64][]any // unseen: per key, messages no poll returned
	Examples int             // how many of its type the checker found
}

// Explain explains the kafka checker's anomalies (*check.Kafka).
func Explain(x *trace.Index, f check.Findings) []explain.Explanation {
	k, ok := f.(*check.Kafka)
	if !ok {
		return nil
	}
	return ExplainAnomalies(x, anomaliesOf(x, k))
}

// anomaliesOf takes the first few examples of each type of anomaly the
// checker found, with their ops as positions in the history.
func anomaliesOf(x *trace.Index, k *check.Kafka) []Anomaly {
	pos := func(o *check.Op) int {
		if o == nil {
			return -1
		}
		return x.Position(o.Index)
	}
	var out []Anomaly
	for _, e := range k.Errors {
		for i, ex := range e.Examples {
			if i == maxPerType {
				break
			}
			a := Anomaly{Type: e.Type, Value: ex.Value, Values: ex.Values, Skipped: ex.Skipped, Offset: ex.Offset,
				Writer: pos(ex.Writer), Reader: pos(ex.Reader), MaxRead: pos(ex.MaxRead), Examples: int(e.Count)}
			a.Key, _ = toInt(ex.Key)
			for _, o := range ex.Ops {
				a.Ops = append(a.Ops, pos(&o))
			}
			if len(ex.Unseen) > 0 {
				a.Unseen = map[int64][]any{}
				for _, u := range ex.Unseen {
					if key, ok := toInt(u.Key); ok {
						a.Unseen[key] = u.Messages
					}
				}
			}
			out = append(out, a)
		}
	}
	return out
}

func toInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	}
	return 0, false
}

func seq(v any) []any {
	switch s := v.(type) {
	case []any:
		return s
	case edn.Set:
		return s
	}
	return nil
}

// kafkaView finds the sends of the messages the anomalies name.
type kafkaView struct {
	x     *trace.Index
	sends map[[2]int64]int   // key and message → position of the first send invocation
	peers map[string][]int32 // node → the messages other nodes sent it
}

// fromPeers are the messages other nodes sent node.
func (v *kafkaView) fromPeers(node string) []int32 {
	if l, ok := v.peers[node]; ok {
		return l
	}
	var l []int32
	for _, p := range v.x.To(node) {
		if src, dest := v.x.Ends(p); trace.NodeToNode(src, dest) {
			l = append(l, p)
		}
	}
	v.peers[node] = l
	return l
}

// newKafkaView indexes the first send of each message the anomalies name
// (keys and messages are integers, as the workload sends them).
func newKafkaView(x *trace.Index, as []Anomaly) *kafkaView {
	v := &kafkaView{x: x, sends: map[[2]int64]int{}, peers: map[string][]int32{}}
	want := map[[2]int64]bool{}
	wantMsg := func(k int64, m any) {
		if n, ok := toInt(m); ok {
			want[[2]int64{k, n}] = true
		}
	}
	for _, a := range as {
		wantMsg(a.Key, a.Value)
		for _, m := range a.Values {
			wantMsg(a.Key, m)
		}
		for _, m := range a.Skipped {
			wantMsg(a.Key, m)
		}
		for k, ms := range a.Unseen {
			if len(ms) > 0 {
				wantMsg(k, ms[0])
			}
		}
	}
	for p, op := range x.Ops() {
		if !op.IsClient() || op.Type != history.Invoke || op.F != "send" {
			continue
		}
		for _, mop := range seq(op.Value) {
			m := seq(mop)
			if len(m) != 3 {
				continue
			}
			k, ok1 := toInt(m[1])
			n, ok2 := toInt(m[2])
			id := [2]int64{k, n}
			if _, seen := v.sends[id]; ok1 && ok2 && want[id] && !seen {
				v.sends[id] = p
			}
		}
	}
	return v
}

// sendOf is the first send of message m to key k: its invocation's
// position, or -1.
func (v *kafkaView) sendOf(k int64, m any) int {
	n, ok := toInt(m)
	if !ok {
		return -1
	}
	if p, ok := v.sends[[2]int64{k, n}]; ok {
		return p
	}
	return -1
}

// offsetOf is the offset the completion of send invocation p gave, or -1.
func (v *kafkaView) offsetOf(p int) int64 {
	c := v.x.Completion(p)
	if c < 0 || v.x.Op(c).Type != history.OK {
		return -1
	}
	for _, mop := range seq(v.x.Op(c).Value) {
		m := seq(mop)
		if len(m) == 3 {
			if om := seq(m[2]); len(om) == 2 {
				if o, ok := toInt(om[0]); ok {
					return o
				}
			}
		}
	}
	return -1
}

// sendText describes send invocation p: "acknowledged by n0 at offset 5 at
// 1.200 s".
func (v *kafkaView) sendText(p int) string {
	x := v.x
	node := x.Server(p)
	c := x.Completion(p)
	switch {
	case c < 0:
		return fmt.Sprintf("sent to %s at %s, never answered", node, explain.Seconds(x.Op(p).Time))
	case x.Op(c).Type != history.OK:
		return fmt.Sprintf("sent to %s at %s, ending %s", node, explain.Seconds(x.Op(p).Time), x.Op(c).Type)
	}
	return fmt.Sprintf("acknowledged by %s at offset %d at %s", node, v.offsetOf(p), explain.Seconds(x.Op(c).Time))
}

// had says whether node had received message m of key k from another node
// by time t: the first message between nodes that mentions the key and
// holds the message, delivered to node by then; or what the sender sent.
func (v *kafkaView) had(node string, k int64, m any, from string, t int64) (string, []explain.Item) {
	x := v.x
	key := strconv.FormatInt(k, 10)
	mv, ok := toInt(m)
	if !ok {
		return "", nil
	}
	var to []int32
	for _, p := range v.fromPeers(node) {
		if x.Sent(p) > t {
			continue
		}
		if body := x.Body(p); trace.MentionsString(body, key) && holds(body, mv) {
			to = append(to, p)
		}
	}
	for _, p := range to {
		if msg := x.Msg(p); msg.Delivered() && msg.Recv <= t {
			return fmt.Sprintf("%s had received it from %s at %s", node, msg.Src, explain.Seconds(msg.Recv)),
				[]explain.Item{x.MsgItem(p, fmt.Sprintf("%s receives message %s of key %d", node, edn.String(m), k))}
		}
	}
	if len(to) > 0 {
		p := to[len(to)-1]
		return fmt.Sprintf("no message carrying it had reached %s by then; the last sent, by %s at %s, was %s", node, x.Msg(p).Src, explain.Seconds(x.Msg(p).Sent), x.Fate(p).Text),
			[]explain.Item{x.MsgItem(p, fmt.Sprintf("message %s of key %d toward %s", edn.String(m), k, node))}
	}
	// Nothing mentions it: say what the sender did send node meanwhile.
	n, delivered := 0, 0
	for _, p := range v.fromPeers(node) {
		if src, _ := x.Ends(p); src != from {
			continue
		}
		msg := x.Msg(p)
		if msg.Sent <= t {
			n++
			if msg.Delivered() && msg.Recv <= t {
				delivered++
			}
		}
	}
	if from == "" || from == node {
		return fmt.Sprintf("no message between nodes carried it to %s", node), nil
	}
	return fmt.Sprintf("no message between nodes carried it to %s by then (%s sent %s %d messages before, %d delivered)", node, from, node, n, delivered), nil
}

// writerKilled tells whether the node that served send invocation w,
// which sent message m of key k, was killed after acknowledging it: when,
// whether any message to another node carried m between the
// acknowledgement and the kill, and the restart; "" if it was not killed.
func (v *kafkaView) writerKilled(w int, k int64, m any) (string, []explain.Item) {
	x := v.x
	c := x.Completion(w)
	mv, ok := toInt(m)
	if c < 0 || x.Op(c).Type != history.OK || !ok {
		return "", nil
	}
	writer := x.Server(w)
	f, killed := x.KilledBetween(writer, x.ServedAt(w), x.End())
	if !killed {
		return "", nil
	}
	key := strconv.FormatInt(k, 10)
	var to []string
	for _, p := range x.From(writer) {
		src, dest := x.Ends(p)
		if t := x.Sent(p); t < x.ServedAt(w) || t >= f.Down || !trace.NodeToNode(src, dest) || slices.Contains(to, dest) {
			continue
		}
		if body := x.Body(p); trace.MentionsString(body, key) && holds(body, mv) {
			to = append(to, dest)
		}
	}
	text := fmt.Sprintf("%s was killed at %s after acknowledging it, before any message to another node carried it; it %s", writer, explain.Seconds(f.Down), f.Restart())
	if len(to) > 0 {
		slices.SortFunc(to, trace.CompareNames)
		text = fmt.Sprintf("%s was killed at %s after acknowledging it, having sent it to %s; it %s", writer, explain.Seconds(f.Down), andList(to), f.Restart())
	}
	return text, trace.FaultItems(f)
}

func holds(body []byte, m int64) bool {
	found := false
	trace.EachInt(body, false, func(lo, hi int64) {
		if lo == m {
			found = true
		}
	})
	return found
}

// ExplainAnomalies explains kafka anomalies: the sends, the polls, the
// nodes that served them, and what those nodes had received by then.
func ExplainAnomalies(x *trace.Index, as []Anomaly) []explain.Explanation {
	// The first of each type, then the second of each.
	nth := map[string]int{}
	rank := make([]int, len(as))
	for i, a := range as {
		rank[i] = nth[a.Type]
		nth[a.Type]++
	}
	order := make([]int, len(as))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int { return rank[i] - rank[j] })
	sorted := make([]Anomaly, len(as))
	for k, i := range order {
		sorted[k] = as[i]
	}
	if len(as) > 0 {
		as = sorted[:min(len(sorted), 2*maxExplained)]
	}
	v := newKafkaView(x, as)
	var out []explain.Explanation
	for _, a := range as {
		if len(out) == maxExplained {
			break
		}
		var e explain.Explanation
		switch a.Type {
		case "lost-write":
			e = v.lostWrite(a)
		case "poll-skip", "nonmonotonic-poll":
			e = v.pollStep(a)
		case "int-poll-skip", "int-nonmonotonic-poll":
			e = v.intPoll(a)
		case "inconsistent-offsets":
			e = v.inconsistent(a)
		case "unseen":
			e = v.unseen(a)
		default:
			e = v.generic(a)
		}
		if e.Summary == "" {
			continue
		}
		e.Checker = "workload"
		if e.Finding == "" {
			e.Finding = fmt.Sprintf("%s on key %d", a.Type, a.Key)
		}
		if a.Examples > 1 && a.Type != "unseen" {
			e.Finding += fmt.Sprintf(" (one of %d)", a.Examples)
		}
		out = append(out, e)
	}
	return out
}

func (v *kafkaView) lostWrite(a Anomaly) explain.Explanation {
	x := v.x
	w := a.Writer
	if w >= 0 && x.Op(w).Type != history.Invoke {
		w = x.Invocation(w)
	}
	if w < 0 {
		w = v.sendOf(a.Key, a.Value)
	}
	if w < 0 {
		return explain.Explanation{}
	}
	writer := x.Server(w)
	ev := []explain.Item{x.OpItem(w, "the send")}
	s := fmt.Sprintf("message %s of key %d was %s, yet no poll returned it", edn.String(a.Value), a.Key, v.sendText(w))
	if r := a.MaxRead; r >= 0 {
		reader := x.Server(r)
		at := x.ServedAt(r)
		ev = append(ev, x.OpItem(r, "a poll past it"))
		s += fmt.Sprintf(", though %s's poll at %s returned key %d beyond it", reader, explain.Seconds(at), a.Key)
		if reader == writer {
			s += fmt.Sprintf(": %s served both and lost it itself", writer)
		} else {
			text, items := v.had(reader, a.Key, a.Value, writer, at)
			s += "; " + text
			ev = append(ev, items...)
		}
	}
	if c, items := v.writerKilled(w, a.Key, a.Value); c != "" {
		s += "; " + c
		ev = append(ev, items...)
	}
	return explain.Explanation{Finding: fmt.Sprintf("lost write: message %s of key %d", edn.String(a.Value), a.Key), Summary: s + ".", Evidence: explain.Sort(ev)}
}

// pollStep explains a process's poll that did not resume where its
// previous one ended.
func (v *kafkaView) pollStep(a Anomaly) explain.Explanation {
	x := v.x
	if len(a.Ops) < 2 || a.Ops[0] < 0 || a.Ops[1] < 0 {
		return v.generic(a)
	}
	p1, p2 := a.Ops[0], a.Ops[1]
	n1, n2 := x.Server(p1), x.Server(p2)
	ev := []explain.Item{x.OpItem(p1, "the earlier poll"), x.OpItem(p2, "the next poll")}
	verb := "went back"
	if a.Type == "poll-skip" {
		verb = "skipped " + list(a.Skipped)
	}
	s := fmt.Sprintf("process %d's poll at %s (served by %s) %s on key %d after its poll at %s (served by %s)",
		x.Op(p2).Process, explain.Seconds(x.ServedAt(p2)), n2, verb, a.Key, explain.Seconds(x.ServedAt(p1)), n1)
	s += v.skippedSends(a, n2, x.ServedAt(p2), &ev)
	return explain.Explanation{Summary: s + ".", Evidence: explain.Sort(ev)}
}

// intPoll explains one poll whose list for a key skipped or went back.
func (v *kafkaView) intPoll(a Anomaly) explain.Explanation {
	x := v.x
	if len(a.Ops) == 0 || a.Ops[0] < 0 {
		return v.generic(a)
	}
	p := a.Ops[0]
	node := x.Server(p)
	ev := []explain.Item{x.OpItem(p, "the poll")}
	what := fmt.Sprintf("returned messages %s of key %d, skipping %s", list(a.Values), a.Key, list(a.Skipped))
	if a.Type == "int-nonmonotonic-poll" {
		what = fmt.Sprintf("returned messages %s of key %d, going back", list(a.Values), a.Key)
	}
	s := fmt.Sprintf("%s's poll at %s %s", node, explain.Seconds(x.ServedAt(p)), what)
	s += v.skippedSends(a, node, x.ServedAt(p), &ev)
	return explain.Explanation{Summary: s + ".", Evidence: explain.Sort(ev)}
}

// skippedSends describes the sends of skipped messages, and whether the
// polling node had them.
func (v *kafkaView) skippedSends(a Anomaly, node string, t int64, ev *[]explain.Item) string {
	x := v.x
	var parts []string
	for i, m := range a.Skipped {
		if i == 2 {
			parts = append(parts, fmt.Sprintf("and %d more", len(a.Skipped)-i))
			break
		}
		w := v.sendOf(a.Key, m)
		if w < 0 {
			continue
		}
		*ev = append(*ev, x.OpItem(w, fmt.Sprintf("the send of skipped message %s", edn.String(m))))
		part := fmt.Sprintf("message %s was %s", edn.String(m), v.sendText(w))
		if writer := x.Server(w); writer == node {
			part += fmt.Sprintf(", so %s had it itself", node)
		} else {
			text, items := v.had(node, a.Key, m, writer, t)
			part += "; " + text
			*ev = append(*ev, items...)
		}
		parts = append(parts, part)
	}
	if len(parts) == 0 {
		return ""
	}
	return "; " + strings.Join(parts, "; ")
}

// inconsistent explains an offset given to several messages: who gave
// each, and what the nodes told each other about the key in between.
func (v *kafkaView) inconsistent(a Anomaly) explain.Explanation {
	x := v.x
	var ev []explain.Item
	var parts []string
	var nodes []string
	var t0, t1 int64 = -1, 0
	for _, m := range a.Values {
		w := v.sendOf(a.Key, m)
		if w < 0 {
			continue
		}
		ev = append(ev, x.OpItem(w, fmt.Sprintf("the send of message %s", edn.String(m))))
		parts = append(parts, fmt.Sprintf("message %s was %s", edn.String(m), v.sendText(w)))
		node := x.Server(w)
		if !slices.Contains(nodes, node) {
			nodes = append(nodes, node)
		}
		t := x.Op(w).Time
		if t0 < 0 || t < t0 {
			t0 = t
		}
		if c := x.Completion(w); c >= 0 {
			t1 = max(t1, x.Op(c).Time)
		}
	}
	if len(parts) == 0 {
		return v.generic(a)
	}
	s := fmt.Sprintf("offset %d of key %d holds %d messages: %s", a.Offset, a.Key, len(a.Values), strings.Join(parts, "; "))
	if len(nodes) > 1 {
		key := strconv.FormatInt(a.Key, 10)
		n, delivered := 0, 0
		for _, src := range nodes {
			for _, p := range x.From(src) {
				m := x.Msg(p)
				if m.Sent > t1 || !slices.Contains(nodes, m.Dest) || !trace.MentionsString(m.Body, key) {
					continue
				}
				n++
				if m.Delivered() && m.Recv <= t1 {
					delivered++
				}
				if n <= 2 {
					ev = append(ev, x.MsgItem(p, fmt.Sprintf("%s tells %s about key %d", m.Src, m.Dest, a.Key)))
				}
			}
		}
		if n == 0 {
			s += fmt.Sprintf("; %s never sent each other a message mentioning key %d by then: each allocated offsets alone", andList(nodes), a.Key)
		} else {
			s += fmt.Sprintf("; %s sent each other %d messages mentioning key %d by then, %d delivered", andList(nodes), n, a.Key, delivered)
		}
	}
	return explain.Explanation{Finding: fmt.Sprintf("inconsistent offsets: offset %d of key %d", a.Offset, a.Key), Summary: s + ".", Evidence: explain.Sort(ev)}
}

// unseen explains acknowledged messages no poll returned: the first key's
// first such message, who acknowledged it, and what the polling nodes had.
func (v *kafkaView) unseen(a Anomaly) explain.Explanation {
	x := v.x
	keys := make([]int64, 0, len(a.Unseen))
	total := 0
	for k, ms := range a.Unseen {
		keys = append(keys, k)
		total += len(ms)
	}
	slices.Sort(keys)
	if len(keys) == 0 {
		return explain.Explanation{}
	}
	k := keys[0]
	m := a.Unseen[k][0]
	w := v.sendOf(k, m)
	if w < 0 {
		return explain.Explanation{}
	}
	writer := x.Server(w)
	ev := []explain.Item{x.OpItem(w, "the send")}
	s := fmt.Sprintf("acknowledged messages of %d key(s) were never returned by any poll; e.g. message %s of key %d was %s", len(keys), edn.String(m), k, v.sendText(w))
	// The last poll by another node that returned the key.
	for p := len(x.Ops()) - 1; p >= 0; p-- {
		op := x.Op(p)
		if !op.IsClient() || op.Type != history.OK || op.F != "poll" || !pollHasKey(op.Value, k) {
			continue
		}
		node := x.Server(p)
		if node == writer {
			continue
		}
		ev = append(ev, x.OpItem(p, fmt.Sprintf("a poll of key %d at another node", k)))
		at := x.ServedAt(p)
		text, items := v.had(node, k, m, writer, at)
		s += fmt.Sprintf("; %s's last poll returning key %d, at %s, lacked it: %s", node, k, explain.Seconds(at), text)
		ev = append(ev, items...)
		break
	}
	if c, items := v.writerKilled(w, k, m); c != "" {
		s += "; " + c
		ev = append(ev, items...)
	}
	return explain.Explanation{Finding: fmt.Sprintf("unseen: %d messages", total), Summary: s + ".", Evidence: explain.Sort(ev)}
}

func pollHasKey(v any, k int64) bool {
	for _, mop := range seq(v) {
		m := seq(mop)
		if len(m) != 2 {
			continue
		}
		if mm, ok := m[1].(*edn.Map); ok {
			if _, ok := mm.Get(k); ok {
				return true
			}
		}
	}
	return false
}

// generic explains any other anomaly by its ops and their nodes.
func (v *kafkaView) generic(a Anomaly) explain.Explanation {
	x := v.x
	var ev []explain.Item
	var parts []string
	add := func(p int, role string) {
		if p < 0 {
			return
		}
		ev = append(ev, x.OpItem(p, role))
		parts = append(parts, fmt.Sprintf("%s: %s %s at %s (served by %s)", role, x.Op(p).F, describeType(x, p), explain.Seconds(x.Op(p).Time), x.Server(p)))
	}
	for i, p := range a.Ops {
		add(p, fmt.Sprintf("op %d", i+1))
	}
	add(a.Writer, "the writer")
	add(a.Reader, "the reader")
	if len(parts) == 0 {
		return explain.Explanation{}
	}
	what := a.Type
	if a.Value != nil {
		what += " of message " + edn.String(a.Value)
	}
	return explain.Explanation{Summary: fmt.Sprintf("%s on key %d; %s.", what, a.Key, strings.Join(parts, "; ")), Evidence: explain.Sort(ev)}
}

func describeType(x *trace.Index, p int) string {
	op := x.Op(p)
	if op.Type == history.Invoke {
		if c := x.Completion(p); c >= 0 {
			return string(x.Op(c).Type)
		}
		return "(never completed)"
	}
	return string(op.Type)
}

func list(xs []any) string {
	parts := make([]string, 0, len(xs))
	for i, x := range xs {
		if i == 6 {
			parts = append(parts, fmt.Sprintf("… (%d in all)", len(xs)))
			break
		}
		parts = append(parts, edn.String(x))
	}
	return strings.Join(parts, ", ")
}

func andList(xs []string) string {
	if len(xs) <= 1 {
		return strings.Join(xs, "")
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}
