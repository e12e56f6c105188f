// Command badecho is a deliberately wrong echo node for the runner's tests.
//
// What it does wrong: it answers every echo request with echo_ok, but with
// the text altered: a "!" is appended to a string (any other value is
// replaced by the string "!"). The echo checker must report every op.
//
// It uses only the standard library: one JSON message per stdin line, one
// per stdout line. It answers init and echo and ignores everything else.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
)

type body struct {
	Type   string          `json:"type"`
	MsgID  int             `json:"msg_id"`
	NodeID string          `json:"node_id"`
	Echo   json.RawMessage `json:"echo"`
}

func main() {
	fmt.Fprintln(os.Stderr, "badecho: replies to echo with the text altered")
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 64<<10), 64<<20)
	out := json.NewEncoder(os.Stdout) // Encode writes one line per call
	me := ""
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
			var s string
			json.Unmarshal(m.Body.Echo, &s) // not a string: s stays ""
			reply["type"], reply["echo"] = "echo_ok", s+"!"
		default:
			continue
		}
		out.Encode(map[string]any{"src": me, "dest": m.Src, "body": reply})
	}
}
