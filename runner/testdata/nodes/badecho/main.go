// Command badecho is a deliberately wrong echo node for the runner's tests,
// in one of two modes (the optional first argument):
//
//   - alter (the default): it answers every echo request with echo_ok, but
//     with the text altered: a "!" is appended to a string (any other value
//     is replaced by the string "!");
//   - previous: it answers every echo request with the echo value of the
//     request it received before that one (the first request gets its own),
//     so replies lag one request behind.
//
// Either way the echo checker must report the ops whose reply does not carry
// their own text.
//
// It uses only the standard library, through package wire: one JSON message
// per stdin line, one per stdout line. It answers init and echo and ignores everything else.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"

	"github.com/eddy-workbench/eddy/runner/testdata/nodes/wire"
)

type body struct {
	Type   string          `json:"type"`
	MsgID  int             `json:"msg_id"`
	NodeID string          `json:"node_id"`
	Echo   json.RawMessage `json:"echo"`
}

func main() {
	mode := wire.Mode("badecho", "alter", "alter", "previous")
	fmt.Fprintf(os.Stderr, "badecho: replies to echo wrongly (mode %s)\n", mode)
	lines := wire.New("badecho")
	me := ""
	var previous json.RawMessage // the echo value of the last request, in previous mode
	for {
		var m wire.Message[body]
		if !lines.Next(&m) {
			return
		}
		reply := map[string]any{"in_reply_to": m.Body.MsgID}
		switch m.Body.Type {
		case "init":
			me = m.Body.NodeID
			reply["type"] = "init_ok"
		case "echo":
			reply["type"] = "echo_ok"
			if mode == "previous" {
				if previous == nil {
					previous = m.Body.Echo
				}
				reply["echo"] = previous
				previous = slices.Clone(m.Body.Echo)
				break
			}
			var s string
			json.Unmarshal(m.Body.Echo, &s) // not a string: s stays ""
			reply["echo"] = s + "!"
		default:
			continue
		}
		lines.Send(me, m.Src, reply)
	}
}
