package netsim

import (
	"bufio"
	"io"
	"strconv"

	"eddy/internal/proto"
)

// WriteJournal writes events as JSON lines:
// {"seq":0,"time":1234,"type":"send","id":0,"src":"c0","dest":"n0","body":{...}}.
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
		buf = append(buf, `,"body":`...)
		buf = append(buf, ev.Msg.Body...)
		buf = append(buf, "}\n"...)
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	return bw.Flush()
}
