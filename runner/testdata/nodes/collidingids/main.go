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
// It uses only the standard library, through package wire: one JSON message
// per stdin line, one per stdout line. It answers init and generate and ignores everything else.
package main

import (
	"fmt"
	"os"

	"github.com/eddy-workbench/eddy/runner/testdata/nodes/wire"
)

type body struct {
	Type   string `json:"type"`
	MsgID  int    `json:"msg_id"`
	NodeID string `json:"node_id"`
}

// wrapAt is how many distinct ids a node has in wrap mode.
const wrapAt = 50

func main() {
	mode := wire.Mode("collidingids", "plain", "plain", "wrap")
	fmt.Fprintf(os.Stderr, "collidingids: issues ids that repeat (mode %s)\n", mode)
	lines := wire.New("collidingids")
	me, next := "", 0
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
		lines.Send(me, m.Src, reply)
	}
}
