package rsmnode

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"
)

// The Maelstrom library's Run stops the node on any input line it cannot
// take: one of 64 KiB or more, one that is not a JSON message, or one whose
// type has no handler. screen stands between stdin and Run and keeps such
// lines from it, answering the requests among them with an error.
const (
	// maxLine is the longest line passed on to the library.
	maxLine = 60 << 10
	// maxRead is the longest line read in full to find whom to answer;
	// the rest of a longer one is skipped unread.
	maxRead = 1 << 20
)

// screen copies the lines of in that the library can take to out, and
// closes out when in ends.
func screen(node *maelstrom.Node, handled map[string]bool, in io.Reader, out *io.PipeWriter, logf func(string, ...any)) {
	r := bufio.NewReaderSize(in, 64<<10)
	for {
		line, err := readLine(r)
		switch {
		case errors.Is(err, errSkipped):
			logf("skipped an input line over %d bytes", maxRead)
		case len(line) > 0:
			if check(node, handled, line, logf) && writeLine(out, line) != nil {
				return // Run has stopped
			}
		}
		if err != nil && !errors.Is(err, errSkipped) {
			out.CloseWithError(nil)
			return
		}
	}
}

var errSkipped = errors.New("line too long")

// readLine returns the next line without its end of line. At the end of
// the input it returns what is left and an error; for a line longer than
// maxRead it returns errSkipped, having read past it.
func readLine(r *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := r.ReadSlice('\n')
		if len(line)+len(chunk) <= maxRead {
			line = append(line, chunk...)
		} else {
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = r.ReadSlice('\n')
			}
			if err == nil {
				err = errSkipped
			}
			return nil, err
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			if n := len(line); n > 0 && line[n-1] == '\n' {
				line = line[:n-1]
			}
			return line, err
		}
	}
}

func writeLine(w io.Writer, line []byte) error {
	_, err := w.Write(append(line, '\n'))
	return err
}

// check tells whether line may go on to the library, answering it with an
// error if it is a request that may not.
func check(node *maelstrom.Node, handled map[string]bool, line []byte, logf func(string, ...any)) bool {
	var m maelstrom.Message
	if err := json.Unmarshal(line, &m); err != nil {
		logf("dropping an input line that is not a JSON message: %v", err)
		return false
	}
	var b maelstrom.MessageBody
	if err := json.Unmarshal(m.Body, &b); err != nil {
		refuse(node, m, maelstrom.MalformedRequest, `the body must be a JSON object with a string "type" and an integer "msg_id"`, logf)
		return false
	}
	switch {
	case b.InReplyTo != 0:
		// A reply; the library drops it, having sent no request.
		return len(line) <= maxLine
	case len(line) > maxLine:
		refuse(node, m, maelstrom.MalformedRequest, fmt.Sprintf("a message of %d bytes is over the %d this node accepts", len(line), maxLine), logf)
		return false
	case b.Type == "":
		refuse(node, m, maelstrom.MalformedRequest, `the body has no "type"`, logf)
		return false
	case !handled[b.Type]:
		refuse(node, m, maelstrom.NotSupported, fmt.Sprintf("unsupported message type %q", b.Type), logf)
		return false
	}
	return true
}

// refuse answers the request m with an error, if m has a msg_id to answer.
func refuse(node *maelstrom.Node, m maelstrom.Message, code int, text string, logf func(string, ...any)) {
	var body struct {
		MsgID json.RawMessage `json:"msg_id"`
	}
	var id int
	if json.Unmarshal(m.Body, &body) != nil || json.Unmarshal(body.MsgID, &id) != nil || id == 0 || m.Src == "" {
		logf("dropping a message from %q that cannot be answered: %s", m.Src, text)
		return
	}
	err := node.Send(m.Src, map[string]any{"type": "error", "in_reply_to": id, "code": code, "text": text})
	if err != nil {
		logf("answering %s: %v", m.Src, err)
	}
}
