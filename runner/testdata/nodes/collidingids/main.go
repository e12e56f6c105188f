// Command collidingids is a deliberately wrong unique-ids node for the
// runner's tests, in one of two modes (the optional first argument):
//
//   - plain (the default): it answers generate with a per-node counter
//     0, 1, 2, … as the id, without the node's name, so with more than one
//     node (or after a restart) ids collide;
//   - wrap: it answers with "<node>-<k>", where k is the per-node counter
//     modulo 50, so each node repeats its own ids from its 51st on.
//
// Either way the unique-ids checker must report duplicates.
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

// wrapAt is how many distinct ids a node has in wrap mode.
const wrapAt = 50

func main() {
	mode := "plain"
	if len(os.Args) == 2 {
		mode = os.Args[1]
	}
	if len(os.Args) > 2 || (mode != "plain" && mode != "wrap") {
		fmt.Fprintln(os.Stderr, "usage: collidingids [plain|wrap]")
		os.Exit(2)
	}
	fmt.Fprintf(os.Stderr, "collidingids: issues ids that repeat (mode %s)\n", mode)
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
			var id any = next
			if mode == "wrap" {
				id = fmt.Sprintf("%s-%d", me, next%wrapAt)
			}
			reply["type"], reply["id"] = "generate_ok", id
			next++
		default:
			continue
		}
		out.Encode(map[string]any{"src": me, "dest": m.Src, "body": reply})
	}
}
