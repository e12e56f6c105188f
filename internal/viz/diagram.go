// Package viz draws a run for people to look at: the Lamport diagram of its
// network journal (messages.svg) and plots of its history (latencies,
// quantiles, rates, workload distributions), all in Go with no external
// program.
package viz

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/eddy-workbench/eddy/internal/nemesis"
	"github.com/eddy-workbench/eddy/internal/netsim"
	"github.com/eddy-workbench/eddy/internal/service"
)

// DefaultMaxEvents is how many journal events a diagram draws at most:
// beyond that an SVG is slow to render and no one reads it (Maelstrom draws
// the same number).
const DefaultMaxEvents = 10_000

// The diagram's geometry, in pixels.
const (
	diagramWidth = 1200 // at least; wider when there are many participants
	minColumn    = 72
	gutter       = 76 // left margin holding the time axis
	headerHeight = 48
	rowHeight    = 18
	labelRunes   = 48   // a label is cut to this many characters
	titleBytes   = 4096 // a hover text is cut to this many bytes
	namesEvery   = 250  // rows between repetitions of the participants' names
)

// Colours of arrows, as Maelstrom's.
const (
	colourError   = "#FF1E90"
	colourClient  = "#81BFFC"
	colourServer  = "#000000"
	colourDropped = "#B0B0B0"
	colourNote    = "#B05000"
)

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// DiagramOptions tune WriteDiagram.
type DiagramOptions struct {
	// MaxEvents caps the journal events drawn (0 means DefaultMaxEvents).
	MaxEvents int
	// Unjournaled is the number of events the run's journal itself did not
	// keep; the diagram says so.
	Unjournaled int64
	// Faults are the nemesis's faults (nemesis.Spans of the history): the
	// stretch of a node's lifeline during which it was killed or paused is
	// shaded.
	Faults []nemesis.Span
	// Keep, if set, is a filter: only the messages whose journal id it
	// accepts are drawn, and only their senders and receivers get a
	// lifeline (a focused diagram of some evidence).
	Keep func(id int64) bool
	// Notes are drawn as rows of their own across the diagram, each at
	// its time among the events (a partition beginning, say).
	Notes []Note
	// Undelivered, if set, says what became of a message that was never
	// delivered ("dropped by partition …"): its stub is labelled so.
	Undelivered func(id int64) string
	// Title is the diagram's title; empty means the default.
	Title string
}

// Note is a line of text at a time of the run (nanoseconds since it
// began), drawn across a diagram.
type Note struct {
	Time int64
	Text string
}

// DiagramStats say what a diagram holds.
type DiagramStats struct {
	Participants int
	Events       int // journal events drawn (each a row)
	Arrows       int // delivered messages drawn
	Dropped      int // messages sent but never delivered, drawn as stubs
	NotShown     int // journal events after the last one drawn
}

// dmsg is one message of the diagram.
type dmsg struct {
	id         int64
	src, dest  string
	send, recv int // rows; recv -1 when not delivered within the window
	delivered  bool
	drop       int    // row of its drop event, -1 if none in the window
	fate       string // why it was dropped
	label      string
	title      string
	colour     string
}

// WriteDiagram writes a Lamport diagram of a journal as SVG: one vertical
// line per participant (clients first, then nodes, then services, each by
// name prefix and number), time flowing down one row per journal event, and
// an arrow per delivered message from its sender at the send event to its
// receiver at the delivery event. Messages that were sent but never
// delivered are short grey stubs ending in a cross. init and init_ok are
// left out. Error bodies are pink and client traffic blue; every arrow has
// a label (type and a short body) and the full body as its hover title.
// Events past opt.MaxEvents are not drawn, and the SVG says how many.
func WriteDiagram(w io.Writer, events []netsim.Event, opt DiagramOptions) (DiagramStats, error) {
	limit := opt.MaxEvents
	if limit <= 0 {
		limit = DefaultMaxEvents
	}
	// Pick the window: the first limit events that are not init traffic.
	type shown struct {
		ev  *netsim.Event
		typ string
		hdr map[string]json.RawMessage
	}
	var window []shown
	last := -1
	notShown := 0
	for i := range events {
		ev := &events[i]
		if opt.Keep != nil && !opt.Keep(ev.Msg.ID) {
			continue
		}
		if len(window) == limit {
			notShown++
			if opt.Keep == nil {
				notShown = len(events) - i
				break
			}
			continue
		}
		typ, hdr := bodyFields(ev.Msg.Body)
		if typ == "init" || typ == "init_ok" {
			continue
		}
		window = append(window, shown{ev, typ, hdr})
		last = i
	}
	st := DiagramStats{Events: len(window), NotShown: notShown}
	// Rows: the window's events in order, with the notes among them by
	// time; rowOf[i] is the row of window event i.
	notes := slices.Clone(opt.Notes)
	slices.SortStableFunc(notes, func(a, b Note) int { return cmpInt(a.Time, b.Time) })
	rowOf := make([]int, len(window))
	type noteRow struct {
		row  int
		note Note
	}
	var noteRows []noteRow
	rows, k := 0, 0
	for i, s := range window {
		for k < len(notes) && notes[k].Time <= s.ev.Time {
			noteRows = append(noteRows, noteRow{rows, notes[k]})
			rows, k = rows+1, k+1
		}
		rowOf[i] = rows
		rows++
	}
	for ; k < len(notes); k++ {
		noteRows = append(noteRows, noteRow{rows, notes[k]})
		rows++
	}

	// Messages, by id, from their send events; deliveries later in the
	// window complete them.
	var msgs []*dmsg
	byID := map[int64]*dmsg{}
	names := map[string]bool{}
	for i, s := range window {
		row := rowOf[i]
		m := s.ev.Msg
		names[m.Src], names[m.Dest] = true, true
		if s.ev.Kind == netsim.Send {
			d := &dmsg{src: m.Src, dest: m.Dest, send: row, recv: -1, drop: -1, id: m.ID}
			d.label, d.colour = label(s.typ, s.hdr, m)
			d.title = hover(m)
			byID[m.ID] = d
			msgs = append(msgs, d)
			continue
		}
		d := byID[m.ID]
		switch {
		case d == nil:
		case s.ev.Kind == netsim.Drop:
			d.drop, d.fate = row, s.ev.Fate
		default:
			d.recv, d.delivered = row, true
		}
	}
	// A message whose delivery is past the window was still delivered: it
	// is neither an arrow nor a stub.
	for _, ev := range events[last+1:] {
		if ev.Kind == netsim.Recv {
			if d := byID[ev.Msg.ID]; d != nil {
				d.delivered = true
			}
		}
	}

	parts := participants(names)
	st.Participants = len(parts)
	col := map[string]int{}
	for i, p := range parts {
		col[p] = i
	}
	colW := math.Max(minColumn, float64(diagramWidth-gutter)/math.Max(1, float64(len(parts))))
	width := gutter + colW*float64(len(parts))
	x := func(p string) float64 { return gutter + colW*(float64(col[p])+0.5) }
	y := func(row int) float64 { return headerHeight + rowHeight*(float64(row)+0.5) }
	bottom := y(rows) + 8
	height := bottom + 40

	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, `<svg xmlns="http://www.w3.org/2000/svg" class="lamport" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="sans-serif" font-size="11" data-events="%d" data-truncated="%t">`+"\n",
		width, height, width, height, st.Events, st.NotShown > 0 || opt.Unjournaled > 0)
	title := opt.Title
	if title == "" {
		title = "Lamport diagram of the network journal"
	}
	fmt.Fprintf(bw, "<title>%s</title>\n", esc(title))
	bw.WriteString("<defs>")
	for _, c := range []string{colourError, colourClient, colourServer} {
		fmt.Fprintf(bw, `<marker id="a%s" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="%s"/></marker>`, c[1:], c)
	}
	bw.WriteString("</defs>\n")
	fmt.Fprintf(bw, `<rect width="100%%" height="100%%" fill="#ffffff"/>`+"\n")
	// Lifelines and names.
	for _, p := range parts {
		fmt.Fprintf(bw, `<g class="lifeline"><line x1="%.1f" y1="%d" x2="%.1f" y2="%.1f" stroke="#999" stroke-width="1"/><text x="%.1f" y="%d" text-anchor="middle" font-size="13" font-weight="bold">%s</text></g>`+"\n",
			x(p), headerHeight-8, x(p), bottom, x(p), headerHeight-16, esc(p))
	}
	// The names again every so many rows, for a reader scrolled down.
	for row := namesEvery; row < rows; row += namesEvery {
		bw.WriteString(`<g class="names" fill="#999" text-anchor="middle">`)
		for _, p := range parts {
			fmt.Fprintf(bw, `<text x="%.1f" y="%.1f">%s</text>`, x(p), y(row)-rowHeight/2+4, esc(p))
		}
		bw.WriteString("</g>\n")
	}
	// The stretches of lifeline during which a node was killed or paused.
	// The time of every row, events' and notes' (a note may be all that
	// marks a fault's start or end in a focused diagram).
	rowTimes := make([]int64, rows)
	for i, s := range window {
		rowTimes[rowOf[i]] = s.ev.Time
	}
	for _, n := range noteRows {
		rowTimes[n.row] = n.note.Time
	}
	for _, f := range opt.Faults {
		r0, r1 := rowsWithin(rowTimes, func(i int) int64 { return rowTimes[i] }, f.Start, f.End)
		if r0 > r1 {
			continue
		}
		fill, what := faultFills[f.Fault], faultWords[f.Fault]
		if fill == "" {
			continue
		}
		for _, node := range f.Nodes {
			if _, ok := col[node]; !ok {
				continue
			}
			fmt.Fprintf(bw, `<rect class="fault %s" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s</title></rect>`+"\n",
				f.Fault, x(node)-colW*0.3, y(r0)-rowHeight/2, colW*0.6, y(r1)-y(r0)+rowHeight, fill, esc(faultTitle(node, what, f)))
		}
	}
	// A time axis: the time of every 20th event (of every event in a
	// short diagram).
	every := 20
	if len(window) <= 200 {
		every = 1
	}
	for i := 0; i < len(window); i += every {
		fmt.Fprintf(bw, `<text class="time" x="4" y="%.1f" fill="#666">%s</text>`+"\n", y(rowOf[i])+4, fmtMillis(window[i].ev.Time))
	}
	for _, n := range noteRows {
		fmt.Fprintf(bw, `<g class="note"><line x1="%d" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="1" stroke-dasharray="6 4"/><text x="%d" y="%.1f" fill="%s">%s — %s</text></g>`+"\n",
			gutter, y(n.row), width, y(n.row), colourNote, gutter+4, y(n.row)-3, colourNote, fmtMillis(n.note.Time), esc(n.note.Text))
	}
	for _, m := range msgs {
		x1, y1 := x(m.src), y(m.send)
		if m.recv >= 0 {
			st.Arrows++
			x2, y2 := x(m.dest), y(m.recv)
			fmt.Fprintf(bw, `<g class="msg"><title>%s</title><line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="1.5" marker-end="url(#a%s)"/>`,
				esc(m.title), x1, y1, x2, y2, m.colour, m.colour[1:])
			writeLabel(bw, m.label, x1, y1, x2, y2, m.colour)
			bw.WriteString("</g>\n")
			continue
		}
		if m.delivered {
			continue
		}
		st.Dropped++
		if m.drop >= 0 {
			// Dropped by the network where it was due: a dashed line to
			// the destination at the drop, ending in ×.
			x2, y2 := x(m.dest), y(m.drop)
			fmt.Fprintf(bw, `<g class="dropped"><title>dropped, %s: %s</title><line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="1.5" stroke-dasharray="4 3"/><text x="%.1f" y="%.1f" text-anchor="middle" fill="%s">×</text>`,
				esc(m.fate), esc(m.title), x1, y1, x2, y2, colourDropped, x2, y2+4, colourDropped)
			writeLabel(bw, m.label, x1, y1, x2, y2, colourDropped)
			bw.WriteString("</g>\n")
			continue
		}
		// A stub a third of the way toward the destination, ending in ×.
		x2 := x1 + (x(m.dest)-x1)/3
		fate := "never delivered"
		if opt.Undelivered != nil {
			if f := opt.Undelivered(m.id); f != "" {
				fate = f
				m.label = cut(m.label+" → "+m.dest+": "+f, 2*labelRunes)
			}
		}
		fmt.Fprintf(bw, `<g class="dropped"><title>%s: %s</title><line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="1.5" stroke-dasharray="4 3"/><text x="%.1f" y="%.1f" text-anchor="middle" fill="%s">×</text>`,
			esc(fate), esc(m.title), x1, y1, x2, y1, colourDropped, x2, y1+4, colourDropped)
		// The label beyond the ×, away from the arrows it would cross.
		anchor, lx := "start", x2+8
		if x2 < x1 {
			anchor, lx = "end", x2-8
		}
		// No room on that side (about 6 pixels a character): the other.
		if w := 6 * float64(utf8.RuneCountInString(m.label)); anchor == "start" && lx+w > width {
			anchor, lx = "end", math.Min(x1, x2)-8
		} else if anchor == "end" && lx-w < 0 {
			anchor, lx = "start", math.Max(x1, x2)+8
		}
		if m.label != "" {
			fmt.Fprintf(bw, `<text x="%.1f" y="%.1f" text-anchor="%s" fill="#909090">%s</text>`, lx, y1+4, anchor, esc(m.label))
		}
		bw.WriteString("</g>\n")
	}
	if st.NotShown > 0 || opt.Unjournaled > 0 {
		note := fmt.Sprintf("Additional network events not shown: the diagram draws the first %d journal events; %d more are in net-journal.jsonl", st.Events, st.NotShown)
		if opt.Unjournaled > 0 {
			note += fmt.Sprintf(", and %d more were not kept in the journal at all", opt.Unjournaled)
		}
		fmt.Fprintf(bw, `<text class="truncated" x="%d" y="%.1f" font-size="13" fill="#b00">%s.</text>`+"\n", gutter, bottom+24, esc(note))
	}
	bw.WriteString("</svg>\n")
	return st, bw.Flush()
}

// Fills and words of the faults shaded on lifelines.
var (
	faultFills = map[nemesis.Fault]string{nemesis.Kill: "rgba(112,112,112,0.25)", nemesis.Pause: "rgba(64,112,224,0.22)"}
	faultWords = map[nemesis.Fault]string{nemesis.Kill: "killed", nemesis.Pause: "paused"}
)

// faultTitle is the hover text of a shaded lifeline: "n1 killed from 1.20 s
// to 3.41 s".
func faultTitle(node, what string, f nemesis.Span) string {
	end := fmt.Sprintf("%.2f s", float64(f.End)/1e9)
	if f.Open {
		end = "the end (" + end + ")"
	}
	return fmt.Sprintf("%s %s from %.2f s to %s", node, what, float64(f.Start)/1e9, end)
}

// rowsWithin returns the first and last of rows 0…len(window)−1 whose time
// lies in [start, end]; first > last if none does. Times never decrease
// (but for the odd microsecond between endpoints).
func rowsWithin[T any](window []T, at func(int) int64, start, end int64) (int, int) {
	first := sort.Search(len(window), func(i int) bool { return at(i) >= start })
	last := sort.Search(len(window), func(i int) bool { return at(i) > end }) - 1
	return first, last
}

// writeLabel writes text along the arrow from (x1, y1) to (x2, y2), upright.
func writeLabel(w *bufio.Writer, text string, x1, y1, x2, y2 float64, colour string) {
	if text == "" {
		return
	}
	mx, my := (x1+x2)/2, (y1+y2)/2
	angle := math.Atan2(y2-y1, x2-x1) * 180 / math.Pi
	if angle > 90 {
		angle -= 180
	} else if angle < -90 {
		angle += 180
	}
	switch colour { // label text a shade darker than its arrow, for legibility
	case colourServer:
		colour = "#333333"
	case colourClient:
		colour = "#2a78c8"
	case colourDropped:
		colour = "#909090"
	}
	fmt.Fprintf(w, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="%s" transform="rotate(%.1f %.1f %.1f)">%s</text>`,
		mx, my-3, colour, angle, mx, my, esc(text))
}

// bodyFields returns a body's type and its top-level fields; a body that is
// not a JSON object has neither.
func bodyFields(body []byte) (string, map[string]json.RawMessage) {
	var hdr map[string]json.RawMessage
	if json.Unmarshal(body, &hdr) != nil {
		return "", nil
	}
	var typ string
	json.Unmarshal(hdr["type"], &typ)
	return typ, hdr
}

// label is a message's short text and colour: its type and body without
// type, msg_id and in_reply_to; for an error, its code and text.
func label(typ string, hdr map[string]json.RawMessage, m netsim.Message) (string, string) {
	colour := colourServer
	if netsim.IsClient(m.Src) || netsim.IsClient(m.Dest) {
		colour = colourClient
	}
	if hdr == nil {
		return cut(string(m.Body), labelRunes), colour
	}
	if typ == "error" {
		var text string
		json.Unmarshal(hdr["text"], &text)
		return cut(fmt.Sprintf("error %s %s", compact(hdr["code"]), text), labelRunes), colourError
	}
	keys := make([]string, 0, len(hdr))
	for k := range hdr {
		if k != "type" && k != "msg_id" && k != "in_reply_to" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var b strings.Builder
	b.WriteString(typ)
	for i, k := range keys {
		if b.Len() > 4*labelRunes {
			break
		}
		if i == 0 {
			b.WriteString(" ")
		} else {
			b.WriteString(", ")
		}
		b.WriteString(k)
		b.WriteString(" ")
		b.WriteString(compact(hdr[k]))
	}
	return cut(b.String(), labelRunes), colour
}

// hover is a message's full description, cut to a few kilobytes.
func hover(m netsim.Message) string {
	s := fmt.Sprintf("%d %s → %s %s", m.ID, m.Src, m.Dest, m.Body)
	if len(s) > titleBytes {
		s = fmt.Sprintf("%s… (%d bytes)", s[:titleBytes], len(m.Body))
	}
	return s
}

func compact(raw json.RawMessage) string {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return string(raw)
	}
	return b.String()
}

// cut shortens s to n characters, ending it with … when it was longer.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// participants orders the names as the diagram's columns: clients, then
// nodes, then services; within each by letter prefix, then number, then name.
func participants(names map[string]bool) []string {
	services := map[string]bool{}
	for _, s := range service.Names() {
		services[s] = true
	}
	rank := func(p string) int {
		switch {
		case netsim.IsClient(p):
			return 0
		case services[p]:
			return 2
		}
		return 1
	}
	out := make([]string, 0, len(names))
	for p := range names {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b string) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		pa, na := splitNumber(a)
		pb, nb := splitNumber(b)
		if c := strings.Compare(pa, pb); c != 0 {
			return c
		}
		if na != nb {
			if na < nb {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	return out
}

// splitNumber splits "n12" into "n" and 12; a name without a trailing number
// has number -1.
func splitNumber(s string) (string, int64) {
	i := len(s)
	for i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
		i--
	}
	n, err := strconv.ParseInt(s[i:], 10, 64)
	if err != nil {
		return s, -1
	}
	return s[:i], n
}

func fmtMillis(ns int64) string {
	return strconv.FormatFloat(float64(ns)/1e6, 'f', 1, 64) + " ms"
}

// esc makes s safe as XML text or attribute value: markup characters are
// escaped, and what XML cannot hold at all (control characters, invalid
// UTF-8, U+FFFE and U+FFFF) becomes U+FFFD.
func esc(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch {
		case r == utf8.RuneError && n <= 1:
			b.WriteRune('\uFFFD')
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '"':
			b.WriteString("&quot;")
		case r == '\'':
			b.WriteString("&#39;")
		case r == '\t' || r == '\n' || r == '\r':
			b.WriteRune(r)
		case r < 0x20 || r == 0xFFFE || r == 0xFFFF || (r >= 0x7F && r < 0xA0):
			b.WriteRune('\uFFFD')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
