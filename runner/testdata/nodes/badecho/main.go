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
// It uses only the standard library: one JSON message per stdin line, one
// per stdout line. It answers init and echo and ignores everything else.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"slices"
)

type body struct {
	Type   string          `json:"type"`
	MsgID  int             `json:"msg_id"`
	NodeID string          `json:"node_id"`
	Echo   json.RawMessage `json:"echo"`
}

func main() {
	mode := "alter"
	if len(os.Args) == 2 {
		mode = os.Args[1]
	}
	if len(os.Args) > 2 || (mode != "alter" && mode != "previous") {
		fmt.Fprintln(os.Stderr, "usage: badecho [alter|previous]")
		os.Exit(2)
	}
	fmt.Fprintf(os.Stderr, "badecho: replies to echo wrongly (mode %s)\n", mode)
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 64<<10), 64<<20)
	out := json.NewEncoder(os.Stdout) // Encode writes one line per call
	me := ""
	var previous json.RawMessage // the echo value of the last request, in previous mode
	for in.Scan() {
		var m struct {
			Src  string `json:"src"`
			Body body   `json:"body"`
		}
		if err := json.Unmarshal(in.Bytes(), &m); err != nil {
			fmt.Fprintf(os.Stderr, "badecho: bad input %q: %v\n", in.Bytes(), err)
			continue
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
		out.Encode(map[string]any{"src": me, "dest": m.Src, "body": reply})
	}
}
