// Command collidingids is a deliberately wrong unique-ids node for the
// runner's tests.
//
// What it does wrong: it answers generate with a per-node counter 0, 1, 2, …
// as the id, so with more than one node (or after a restart) IDs collide.
// The unique-ids checker must report duplicates.
//
// It uses only the standard library: one JSON message per stdin line, one
// per stdout line. It answers init and generate and ignores everything else.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "collidingids: issues ids 0, 1, 2, … on every node")
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 64<<10), 64<<20)
	out := json.NewEncoder(os.Stdout) // Encode writes one line per call
	me, next := "", 0
	for in.Scan() {
		var m struct {
			Src  string `json:"src"`
			Body struct {
				Type   string `json:"type"`
				MsgID  int    `json:"msg_id"`
				NodeID string `json:"node_id"`
			} `json:"body"`
		}
		if err := json.Unmarshal(in.Bytes(), &m); err != nil {
			fmt.Fprintf(os.Stderr, "collidingids: bad input %q: %v\n", in.Bytes(), err)
			continue
		}
		reply := map[string]any{"in_reply_to": m.Body.MsgID}
		switch m.Body.Type {
		case "init":
			me = m.Body.NodeID
			reply["type"] = "init_ok"
		case "generate":
			reply["type"], reply["id"] = "generate_ok", next
			next++
		default:
			continue
		}
		out.Encode(map[string]any{"src": me, "dest": m.Src, "body": reply})
	}
}
