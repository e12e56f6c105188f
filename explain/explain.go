// Package explain holds eddy's explanations of what its checkers found: for
// each finding, a one-sentence summary, the evidence from the run's history
// and network journal (the operations and messages that matter, each with
// its time, ends, type and fate) and the file name of a focused Lamport
// diagram that draws only that evidence.
//
// Explanations are made after the checkers, by each workload's explainer;
// this package only holds them and renders them as text and as EDN.
package explain

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/eddy-workbench/eddy/edn"
)

// Explanation says why a checker found what it found.
type Explanation struct {
	// Checker is the results key of the checker whose finding this is,
	// e.g. "workload".
	Checker string
	// Finding names the finding in a few words, e.g. "lost element 17".
	Finding string
	// Summary is one sentence a person can act on.
	Summary string
	// Details, if set, is a longer account in words, such as the
	// checker's own explanation of a cycle, step by step.
	Details string
	// Warning is set when the finding does not change Maelstrom's verdict
	// (eddy's own checks, such as duplicates in a read).
	Warning bool
	// Evidence are the operations, messages and nemesis events the summary
	// rests on, in time order.
	Evidence []Item
	// Diagram is the file name, in the run directory, of the focused
	// Lamport diagram of the evidence; empty when there is none.
	Diagram string
	// Files are further files the explanation comes with, such as
	// porcupine's visualization of a stretch of history that cannot be
	// linearized.
	Files []File
}

// File is a file that goes with an explanation: its name in the run
// directory, what it shows, and how to write it.
type File struct {
	Name, Title string
	Write       func(io.Writer) error
}

// Kind is what an evidence item is.
type Kind string

// The kinds of evidence.
const (
	// Op is a client operation of the history: Time is its invocation,
	// End its completion (-1 if it never completed).
	Op Kind = "op"
	// Message is a message of the network journal: Time is when it was
	// sent, and Fate says what became of it.
	Message Kind = "message"
	// Nemesis is a fault the nemesis injected or healed.
	Nemesis Kind = "nemesis"
	// Absence is a message that was never sent, such as a resend that
	// would have repaired a loss; Time is when the absence begins.
	Absence Kind = "absence"
)

// FateKind is what became of a message.
type FateKind string

// The fates of a message.
const (
	Delivered FateKind = "delivered"
	// Dropped by a network partition that cut its link.
	Dropped FateKind = "dropped"
	// Crashed: its destination had crashed, or crashed before it arrived,
	// or the nemesis had killed it when the message was due.
	Crashed FateKind = "crashed"
	// InFlight: still queued when the run ended.
	InFlight FateKind = "in-flight"
	// Undelivered: never delivered, for no reason the journal shows.
	Undelivered FateKind = "undelivered"
	// NeverSent: an Absence.
	NeverSent FateKind = "never-sent"
)

// Fate is what became of a message, with the time and cause in words
// ("dropped by partition {n1 n2}|{n3 n4 n5}").
type Fate struct {
	Kind FateKind
	At   int64  // nanoseconds since the run began: delivery, drop or crash; -1 if unknown
	Text string // e.g. "delivered at 3.312 s"
}

// Item is one piece of evidence.
type Item struct {
	Kind Kind
	// Time is when the item begins, in nanoseconds since the run began;
	// End when it ends (an op's completion, a message's delivery), or -1.
	Time, End int64
	// From and To are the ends: a client or process and a node for an op,
	// the sender and the receiver for a message.
	From, To string
	// Type is an op's f or a message's body type.
	Type string
	// Text says what it carried: an op's value and outcome, a message's
	// body, cut short.
	Text string
	// Fate is what became of a message (zero for other kinds).
	Fate Fate
	// Index is an op's index in the history (-1 for other kinds).
	Index int
	// Messages are the journal ids of the messages behind the item: a
	// message's own, an op's request and reply.
	Messages []int64
	// Note is what the item shows, in words, e.g. "n1's last send of 17
	// to n4".
	Note string
}

// Seconds renders a time in nanoseconds as seconds, e.g. "3.312 s".
func Seconds(ns int64) string {
	return strconv.FormatFloat(float64(ns)/1e9, 'f', 3, 64) + " s"
}

// Paragraph is the explanation as one short paragraph for the console:
// what was found, the summary, and the diagram's file.
func (e Explanation) Paragraph() string {
	var b strings.Builder
	if e.Warning {
		b.WriteString("warning, ")
	}
	fmt.Fprintf(&b, "%s: %s", e.Finding, e.Summary)
	items := "items"
	if len(e.Evidence) == 1 {
		items = "item"
	}
	if e.Diagram != "" {
		fmt.Fprintf(&b, " (%d %s of evidence, drawn in %s)", len(e.Evidence), items, e.Diagram)
	} else if len(e.Evidence) > 0 {
		fmt.Fprintf(&b, " (%d %s of evidence)", len(e.Evidence), items)
	}
	return b.String()
}

func kw(s string) edn.Keyword { return edn.Keyword(s) }

// EDN renders the explanation as results.edn lists it under
// :explanations: {:checker :finding :summary :warning? :evidence [...]
// :diagram :details :files}, :diagram and :details nil when there are
// none.
func (e Explanation) EDN() *edn.Map {
	ev := make([]any, len(e.Evidence))
	for i, it := range e.Evidence {
		ev[i] = it.EDN()
	}
	var diagram any
	if e.Diagram != "" {
		diagram = e.Diagram
	}
	return edn.NewMap(
		kw("checker"), e.Checker,
		kw("finding"), e.Finding,
		kw("summary"), e.Summary,
		kw("warning?"), e.Warning,
		kw("evidence"), ev,
		kw("diagram"), diagram,
	).Set(kw("details"), detailsOf(e)).Set(kw("files"), filesOf(e))
}

func filesOf(e Explanation) []any {
	out := []any{}
	for _, f := range e.Files {
		out = append(out, f.Name)
	}
	return out
}

func detailsOf(e Explanation) any {
	if e.Details == "" {
		return nil
	}
	return e.Details
}

// EDN renders an item: {:kind :time :end :from :to :type :text :fate
// :fate-text :index :messages :note}, leaving out what the kind lacks.
func (it Item) EDN() *edn.Map {
	m := edn.NewMap(kw("kind"), kw(string(it.Kind)), kw("time"), it.Time)
	if it.End >= 0 {
		m.Set(kw("end"), it.End)
	}
	m.Set(kw("from"), it.From).Set(kw("to"), it.To).Set(kw("type"), it.Type)
	if it.Text != "" {
		m.Set(kw("text"), it.Text)
	}
	if it.Fate.Kind != "" {
		m.Set(kw("fate"), kw(string(it.Fate.Kind))).Set(kw("fate-text"), it.Fate.Text)
	}
	if it.Kind == Op {
		m.Set(kw("index"), it.Index)
	}
	if len(it.Messages) > 0 {
		ids := make([]any, len(it.Messages))
		for i, id := range it.Messages {
			ids[i] = id
		}
		m.Set(kw("messages"), ids)
	}
	if it.Note != "" {
		m.Set(kw("note"), it.Note)
	}
	return m
}

// Line is the item as one line of text, e.g. "3.300 s  message n1 → n4
// gossip {"message":17}: dropped by partition {n1 n2}|{n3 n4 n5}".
func (it Item) Line() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s  %s", Seconds(it.Time), it.Kind)
	if it.From != "" || it.To != "" {
		fmt.Fprintf(&b, " %s → %s", it.From, it.To)
	}
	if it.Type != "" {
		fmt.Fprintf(&b, " %s", it.Type)
	}
	if it.Text != "" {
		fmt.Fprintf(&b, " %s", it.Text)
	}
	if it.Fate.Text != "" {
		fmt.Fprintf(&b, ": %s", it.Fate.Text)
	}
	if it.Note != "" {
		fmt.Fprintf(&b, " — %s", it.Note)
	}
	return b.String()
}

// kindOrder orders the kinds of evidence at the same time: a fault before
// what happened under it, an absence last.
var kindOrder = map[Kind]int{Nemesis: 0, Op: 1, Message: 2, Absence: 3}

// Sort orders evidence by time, and at the same time nemesis events first
// and absences last, keeping the order of the rest; it returns items.
func Sort(items []Item) []Item {
	slices.SortStableFunc(items, func(a, b Item) int {
		if c := cmp.Compare(a.Time, b.Time); c != 0 {
			return c
		}
		return kindOrder[a.Kind] - kindOrder[b.Kind]
	})
	return items
}
