package netsim

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/eddy-workbench/eddy/internal/proto"
)

// WriteJournal writes events as JSON lines:
// {"seq":0,"time":1234,"type":"send","id":0,"src":"c0","dest":"n0","body":{...}};
// a drop has its fate before the body:
// {"seq":9,"time":5678,"type":"drop","id":4,"src":"n1","dest":"n2","fate":"to crashed node","body":{...}}.
func WriteJournal(w io.Writer, events []Event) error {
	bw := bufio.NewWriter(w)
	var buf []byte
	for _, ev := range events {
		buf = append(buf[:0], `{"seq":`...)
		buf = strconv.AppendInt(buf, ev.Seq, 10)
		buf = append(buf, `,"time":`...)
		buf = strconv.AppendInt(buf, ev.Time, 10)
		buf = append(buf, `,"type":"`...)
		buf = append(buf, ev.Kind.String()...)
		buf = append(buf, `","id":`...)
		buf = strconv.AppendInt(buf, ev.Msg.ID, 10)
		buf = append(buf, `,"src":`...)
		buf = proto.AppendString(buf, ev.Msg.Src)
		buf = append(buf, `,"dest":`...)
		buf = proto.AppendString(buf, ev.Msg.Dest)
		if ev.Kind == Drop {
			buf = append(buf, `,"fate":`...)
			buf = proto.AppendString(buf, ev.Fate)
		}
		buf = append(buf, `,"body":`...)
		buf = append(buf, ev.Msg.Body...)
		buf = append(buf, "}\n"...)
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// journalLine is one line of net-journal.jsonl as WriteJournal writes it.
type journalLine struct {
	Seq  *int64          `json:"seq"`
	Time int64           `json:"time"`
	Type string          `json:"type"`
	ID   int64           `json:"id"`
	Src  string          `json:"src"`
	Dest string          `json:"dest"`
	Fate string          `json:"fate"`
	Body json.RawMessage `json:"body"`
}

// ReadJournal reads what WriteJournal wrote. A line that is not such an
// event is an error naming its line number.
func ReadJournal(r io.Reader) ([]Event, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<30)
	var events []Event
	for n := 1; sc.Scan(); n++ {
		line := sc.Bytes()
		if len(line) == 0 {
			continue
		}
		if ev, ok := parseLine(line); ok {
			events = append(events, ev)
			continue
		}
		var jl journalLine
		if err := json.Unmarshal(line, &jl); err != nil {
			return nil, fmt.Errorf("line %d: %v", n, err)
		}
		var kind EventKind
		switch jl.Type {
		case "send":
			kind = Send
		case "recv":
			kind = Recv
		case "drop":
			kind = Drop
		default:
			return nil, fmt.Errorf("line %d: event type %q is not send, recv or drop", n, jl.Type)
		}
		if jl.Seq == nil {
			return nil, fmt.Errorf("line %d: no seq", n)
		}
		events = append(events, Event{Seq: *jl.Seq, Time: jl.Time, Kind: kind, Fate: jl.Fate, Msg: Message{
			ID: jl.ID, Src: jl.Src, Dest: jl.Dest, Body: jl.Body,
		}})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return events, nil
}

// parseLine reads a send or recv line laid out exactly as WriteJournal lays
// it out, without a JSON decoder; ok is false for any other line (drops
// among them), which ReadJournal then decodes as JSON.
func parseLine(line []byte) (ev Event, ok bool) {
	rest, ok := bytes.CutPrefix(line, []byte(`{"seq":`))
	if !ok {
		return ev, false
	}
	if ev.Seq, rest, ok = cutInt(rest, `,"time":`); !ok {
		return ev, false
	}
	if ev.Time, rest, ok = cutInt(rest, `,"type":"`); !ok {
		return ev, false
	}
	switch {
	case bytes.HasPrefix(rest, []byte(`send","id":`)):
		ev.Kind = Send
	case bytes.HasPrefix(rest, []byte(`recv","id":`)):
		ev.Kind = Recv
	default:
		return ev, false
	}
	rest = rest[len(`send","id":`):]
	if ev.Msg.ID, rest, ok = cutInt(rest, `,"src":"`); !ok {
		return ev, false
	}
	if ev.Msg.Src, rest, ok = cutName(rest, `","dest":"`); !ok {
		return ev, false
	}
	if ev.Msg.Dest, rest, ok = cutName(rest, `","body":`); !ok {
		return ev, false
	}
	body, ok := bytes.CutSuffix(rest, []byte("}"))
	if !ok || !json.Valid(body) {
		return ev, false
	}
	ev.Msg.Body = bytes.Clone(body)
	return ev, true
}

// cutInt reads a decimal integer followed by sep.
func cutInt(b []byte, sep string) (int64, []byte, bool) {
	i := bytes.Index(b, []byte(sep))
	if i <= 0 {
		return 0, nil, false
	}
	n, err := strconv.ParseInt(string(b[:i]), 10, 64)
	return n, b[i+len(sep):], err == nil
}

// cutName reads the text of a JSON string with no escapes, up to sep.
func cutName(b []byte, sep string) (string, []byte, bool) {
	i := bytes.Index(b, []byte(sep))
	if i < 0 || bytes.ContainsAny(b[:i], "\\\"") || !utf8.Valid(b[:i]) {
		return "", nil, false
	}
	for _, c := range b[:i] {
		if c < 0x20 {
			return "", nil, false
		}
	}
	return string(b[:i]), b[i+len(sep):], true
}

// StatsOf counts a journal's events as Network.Stats counts them, which is
// exact when the journal holds every event of the run.
func StatsOf(events []Event) Stats {
	var sends, recvs [2]int64
	for _, ev := range events {
		c := class(ev.Msg.Src, ev.Msg.Dest)
		switch ev.Kind {
		case Send:
			sends[c]++
		case Recv:
			recvs[c]++
		}
	}
	c := Counts{SendCount: sends[0], RecvCount: recvs[0], MsgCount: sends[0]}
	v := Counts{SendCount: sends[1], RecvCount: recvs[1], MsgCount: sends[1]}
	return Stats{Clients: c, Servers: v, All: Counts{
		SendCount: c.SendCount + v.SendCount, RecvCount: c.RecvCount + v.RecvCount, MsgCount: c.MsgCount + v.MsgCount,
	}}
}
