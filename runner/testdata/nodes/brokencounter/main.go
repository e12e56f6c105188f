// Command brokencounter is a deliberately wrong counter node for the
// runner's tests, in one of two modes (the first argument):
//
//   - local: it counts only the adds it received itself and never talks to
//     other nodes, so each node's final read misses the other nodes' adds;
//   - drop: it is a correct single-node counter that acknowledges every add
//     but silently drops every third one, so final reads come up short.
//
// The counter checker must report the offending final reads.
//
// It uses only the standard library: one JSON message per stdin line, one
// per stdout line.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
)

type body struct {
	Type   string `json:"type"`
	MsgID  int    `json:"msg_id"`
	NodeID string `json:"node_id"`
	Delta  int64  `json:"delta"`
}

func main() {
	if len(os.Args) != 2 || (os.Args[1] != "local" && os.Args[1] != "drop") {
		fmt.Fprintln(os.Stderr, "usage: brokencounter local|drop")
		os.Exit(2)
	}
	mode := os.Args[1]
	in := bufio.NewScanner(os.Stdin)
	out := json.NewEncoder(os.Stdout)
	me := ""
	var total, adds int64
	for in.Scan() {
		var m struct {
			Src  string `json:"src"`
			Body body   `json:"body"`
		}
		if err := json.Unmarshal(in.Bytes(), &m); err != nil {
			fmt.Fprintf(os.Stderr, "brokencounter: bad input %q: %v\n", in.Bytes(), err)
			continue
		}
		reply := map[string]any{"in_reply_to": m.Body.MsgID}
		switch m.Body.Type {
		case "init":
			me = m.Body.NodeID
			reply["type"] = "init_ok"
		case "add":
			adds++
			if mode == "local" || adds%3 != 0 {
				total += m.Body.Delta
			}
			reply["type"] = "add_ok"
		case "read":
			reply["type"], reply["value"] = "read_ok", total
		default:
			continue
		}
		out.Encode(map[string]any{"src": me, "dest": m.Src, "body": reply})
	}
}
