package viz

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/internal/netsim"
)

// journal builds events from (kind, id, src, dest, body) tuples, numbering
// them in order.
type jev struct {
	kind            netsim.EventKind
	id              int64
	src, dest, body string
}

func journal(evs ...jev) []netsim.Event {
	out := make([]netsim.Event, len(evs))
	for i, e := range evs {
		out[i] = netsim.Event{Seq: int64(i), Time: int64(i) * 1e6, Kind: e.kind, Msg: netsim.Message{ID: e.id, Src: e.src, Dest: e.dest, Body: []byte(e.body)}}
	}
	return out
}

func send(id int64, src, dest, body string) jev { return jev{netsim.Send, id, src, dest, body} }
func recv(id int64, src, dest, body string) jev { return jev{netsim.Recv, id, src, dest, body} }

// wellFormed parses the whole document as XML.
func wellFormed(t *testing.T, doc []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(doc))
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			return
		}
		require.NoError(t, err, "the SVG is not well-formed XML")
	}
}

func render(t *testing.T, events []netsim.Event, opt DiagramOptions) (string, DiagramStats) {
	t.Helper()
	var b bytes.Buffer
	st, err := WriteDiagram(&b, events, opt)
	require.NoError(t, err)
	wellFormed(t, b.Bytes())
	return b.String(), st
}

func count(doc, class string) int {
	return strings.Count(doc, `<g class="`+class+`">`)
}

func TestDiagramArrowPerDeliveredMessage(t *testing.T) {
	t.Parallel()
	echo := `{"type":"echo","echo":"hi","msg_id":1}`
	tests := []struct {
		name                  string
		events                []netsim.Event
		arrows, dropped, rows int
	}{
		{"empty journal", nil, 0, 0, 0},
		{"one round trip", journal(
			send(0, "c1", "n0", echo), recv(0, "c1", "n0", echo),
			send(1, "n0", "c1", `{"type":"echo_ok","in_reply_to":1}`), recv(1, "n0", "c1", `{"type":"echo_ok","in_reply_to":1}`),
		), 2, 0, 4},
		{"init traffic is left out", journal(
			send(0, "c0", "n0", `{"type":"init","node_id":"n0","node_ids":["n0"]}`), recv(0, "c0", "n0", `{"type":"init"}`),
			send(1, "n0", "c0", `{"type":"init_ok","in_reply_to":1}`), recv(1, "n0", "c0", `{"type":"init_ok"}`),
			send(2, "c1", "n0", echo), recv(2, "c1", "n0", echo),
		), 1, 0, 2},
		{"a message never delivered is a stub, not an arrow", journal(
			send(0, "n0", "n1", `{"type":"gossip"}`), send(1, "n1", "n0", `{"type":"gossip"}`), recv(1, "n1", "n0", `{"type":"gossip"}`),
		), 1, 1, 3},
		{"deliveries out of order", journal(
			send(0, "n0", "n1", `{"type":"a"}`), send(1, "n0", "n1", `{"type":"b"}`),
			recv(1, "n0", "n1", `{"type":"b"}`), recv(0, "n0", "n1", `{"type":"a"}`),
		), 2, 0, 4},
		{"a body that is not an object", journal(send(0, "n0", "n1", `[1,2]`), recv(0, "n0", "n1", `[1,2]`)), 1, 0, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, st := render(t, tt.events, DiagramOptions{})
			assert.Equal(t, tt.arrows, count(doc, "msg"))
			assert.Equal(t, tt.arrows, st.Arrows)
			assert.Equal(t, tt.dropped, count(doc, "dropped"))
			assert.Equal(t, tt.dropped, st.Dropped)
			assert.Equal(t, tt.rows, st.Events)
			assert.NotContains(t, doc, "Additional network events not shown")
		})
	}
}

func TestDiagramEscapes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src, dest, body string
		absent                []string // raw text that must not survive
		present               []string // its escaped form
	}{
		{"markup in a body", "n0", "n1", `{"type":"x","v":"<script>alert('&')</script>"}`,
			[]string{"<script>", "alert('"}, []string{"&lt;script&gt;", "&amp;"}},
		{"quotes that would end an attribute", "n0", "n1", `{"type":"\"/><g onload=\"x"}`,
			[]string{`"/><g onload`}, []string{"&quot;/&gt;&lt;g onload"}},
		{"markup in node names", "n<0>", "n&1", `{"type":"x"}`,
			[]string{">n<0><"}, []string{"n&lt;0&gt;", "n&amp;1"}},
		{"invalid UTF-8 and control bytes", "n0", "n1", "{\"type\":\"x\xff\x01\"}",
			[]string{"\xff", "\x01"}, []string{"\uFFFD"}},
		{"a CDATA end in a body", "n0", "n1", `{"type":"]]>"}`, []string{"]]>"}, []string{"]]&gt;"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, st := render(t, journal(send(0, tt.src, tt.dest, tt.body), recv(0, tt.src, tt.dest, tt.body)), DiagramOptions{})
			require.Equal(t, 1, st.Arrows)
			for _, a := range tt.absent {
				assert.NotContains(t, doc, a)
			}
			for _, p := range tt.present {
				assert.Contains(t, doc, p)
			}
		})
	}
}

func TestDiagramTruncates(t *testing.T) {
	t.Parallel()
	// n round trips between n0 and n1: 2n events.
	trips := func(n int) []netsim.Event {
		var evs []jev
		for i := range n {
			body := fmt.Sprintf(`{"type":"ping","i":%d}`, i)
			evs = append(evs, send(int64(i), "n0", "n1", body), recv(int64(i), "n0", "n1", body))
		}
		return journal(evs...)
	}
	tests := []struct {
		name        string
		events      []netsim.Event
		max         int
		unjournaled int64
		drawn       int
		arrows      int
		truncated   bool
	}{
		{"under the cap", trips(10), 100, 0, 20, 10, false},
		{"exactly at the cap", trips(10), 20, 0, 20, 10, false},
		{"over the cap", trips(100), 20, 0, 20, 10, true},
		{"cut between a send and its delivery", trips(10), 7, 0, 7, 3, true},
		{"the default cap", trips(DefaultMaxEvents), 0, 0, DefaultMaxEvents, DefaultMaxEvents / 2, true},
		{"a journal that was capped itself", trips(5), 100, 42, 10, 5, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, st := render(t, tt.events, DiagramOptions{MaxEvents: tt.max, Unjournaled: tt.unjournaled})
			assert.Equal(t, tt.drawn, st.Events)
			assert.Equal(t, tt.arrows, count(doc, "msg"))
			// A message delivered past the cap is neither an arrow nor a stub.
			assert.Zero(t, count(doc, "dropped"))
			assert.Equal(t, tt.truncated, strings.Contains(doc, "Additional network events not shown"))
			assert.Contains(t, doc, fmt.Sprintf(`data-truncated="%t"`, tt.truncated))
			if tt.unjournaled > 0 {
				assert.Contains(t, doc, "42 more were not kept")
			}
			// The drawing is bounded by the cap, whatever the journal's length.
			assert.LessOrEqual(t, len(doc), 2000+400*tt.drawn)
		})
	}
}

func TestDiagramColumnsAndColours(t *testing.T) {
	t.Parallel()
	evs := journal(
		send(0, "n10", "lin-kv", `{"type":"read","key":1}`), recv(0, "n10", "lin-kv", `{"type":"read"}`),
		send(1, "lin-kv", "n10", `{"type":"error","code":20,"text":"key does not exist"}`), recv(1, "lin-kv", "n10", `{"type":"error"}`),
		send(2, "c10", "n2", `{"type":"read"}`), recv(2, "c10", "n2", `{"type":"read"}`),
		send(3, "c2", "n1", `{"type":"read"}`), recv(3, "c2", "n1", `{"type":"read"}`),
	)
	doc, st := render(t, evs, DiagramOptions{})
	require.Equal(t, 6, st.Participants)
	names := regexp.MustCompile(`font-weight="bold">([^<]+)</text>`).FindAllStringSubmatch(doc, -1)
	var order []string
	for _, m := range names {
		order = append(order, m[1])
	}
	assert.Equal(t, []string{"c2", "c10", "n1", "n2", "n10", "lin-kv"}, order)
	tests := []struct{ label, colour string }{
		{"read key 1", colourServer},
		{"error 20 key does not exist", colourError},
		{`>read</text>`, colourClient},
	}
	for _, tt := range tests {
		re := regexp.MustCompile(`<g class="msg"><title>[^<]*</title><line [^>]*stroke="` + tt.colour + `"[^>]*/><text[^>]*>[^<]*` + regexp.QuoteMeta(strings.TrimPrefix(tt.label, ">")))
		assert.Regexp(t, re, doc, tt.label)
	}
}

func TestParticipantsOrder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want []string
	}{
		{[]string{"n2", "c1", "n10", "seq-kv", "n1", "c12", "c3"}, []string{"c1", "c3", "c12", "n1", "n2", "n10", "seq-kv"}},
		{[]string{"b", "a", "n1", "lww-kv", "lin-kv"}, []string{"a", "b", "n1", "lin-kv", "lww-kv"}},
	}
	for _, tt := range tests {
		set := map[string]bool{}
		for _, p := range tt.in {
			set[p] = true
		}
		assert.Equal(t, tt.want, participants(set))
	}
}

func TestLabel(t *testing.T) {
	t.Parallel()
	long := `{"type":"broadcast","message":` + strings.Repeat("1", 100) + `}`
	tests := []struct{ body, want string }{
		{`{"type":"echo","echo":"hi","msg_id":3}`, `echo echo "hi"`},
		{`{"type":"read_ok","in_reply_to":2,"messages":[1, 2]}`, `read_ok messages [1,2]`},
		{`{"type":"error","code":11,"text":"try later","in_reply_to":4}`, `error 11 try later`},
		{long, "broadcast message " + strings.Repeat("1", 29) + "…"},
	}
	for _, tt := range tests {
		typ, hdr := bodyFields([]byte(tt.body))
		got, _ := label(typ, hdr, netsim.Message{Src: "n0", Dest: "n1", Body: []byte(tt.body)})
		assert.Equal(t, tt.want, got)
		assert.LessOrEqual(t, len([]rune(got)), labelRunes)
	}
}

// A focused diagram draws only the messages kept, lifelines only for their
// ends, the notes as rows of their own, and undelivered messages with
// their fate.
func TestFocusedDiagram(t *testing.T) {
	events := journal(
		send(0, "c1", "n1", `{"type":"broadcast","message":17,"msg_id":1}`),
		recv(0, "c1", "n1", `{"type":"broadcast","message":17,"msg_id":1}`),
		send(1, "n1", "n2", `{"type":"gossip","message":17}`),
		send(2, "n1", "n3", `{"type":"gossip","message":17}`),
		send(3, "n2", "n3", `{"type":"gossip","message":5}`),
		recv(1, "n1", "n2", `{"type":"gossip","message":17}`),
		recv(3, "n2", "n3", `{"type":"gossip","message":5}`),
	)
	keep := map[int64]bool{0: true, 2: true}
	doc, st := render(t, events, DiagramOptions{
		Keep:        func(id int64) bool { return keep[id] },
		Notes:       []Note{{Time: 2500000, Text: "start-partition {n1}|{n2 n3}"}, {Time: 9e6, Text: "healed"}},
		Undelivered: func(id int64) string { return map[int64]string{2: "dropped by partition {n1}|{n2 n3}"}[id] },
		Title:       "lost element 17",
	})
	assert.Equal(t, 3, st.Participants) // c1, n1, n3
	assert.Equal(t, 3, st.Events)
	assert.Equal(t, 1, st.Arrows)
	assert.Equal(t, 1, st.Dropped)
	assert.Equal(t, 0, st.NotShown)
	assert.NotContains(t, doc, ">n2<")
	assert.Equal(t, 2, count(doc, "note"))
	assert.Contains(t, doc, "start-partition {n1}|{n2 n3}")
	assert.Contains(t, doc, "<title>dropped by partition {n1}|{n2 n3}: 2 n1 → n3")
	assert.Contains(t, doc, "<title>lost element 17</title>")
	// The first note takes the row between the delivery at 1 ms and the
	// send at 3 ms, the second a row after the last event.
	ys := func(re string) []string {
		var out []string
		for _, m := range regexp.MustCompile(re).FindAllStringSubmatch(doc, -1) {
			out = append(out, m[1])
		}
		return out
	}
	notes := ys(`<g class="note"><line x1="[0-9.]+" y1="([0-9.]+)"`)
	stub := ys(`<g class="dropped"><title>[^<]*</title><line x1="[0-9.]+" y1="([0-9.]+)"`)
	arrow := ys(`<g class="msg"><title>[^<]*</title><line x1="[0-9.]+" y1="[0-9.]+" x2="[0-9.]+" y2="([0-9.]+)"`)
	require.Len(t, notes, 2)
	require.Len(t, stub, 1)
	require.Len(t, arrow, 1)
	assert.Equal(t, []string{fmt.Sprintf("%.1f", headerHeight+rowHeight*2.5), fmt.Sprintf("%.1f", headerHeight+rowHeight*4.5)}, notes)
	assert.Equal(t, fmt.Sprintf("%.1f", headerHeight+rowHeight*1.5), arrow[0]) // delivered on row 1
	assert.Equal(t, fmt.Sprintf("%.1f", headerHeight+rowHeight*3.5), stub[0])  // sent on row 3
}
