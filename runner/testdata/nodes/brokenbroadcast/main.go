// Command brokenbroadcast is a deliberately wrong broadcast node for the
// runner's tests, in one of two modes (the first argument):
//
//   - local: it never forwards anything, so a value reaches only the node
//     that a client gave it to;
//   - once: it forwards each new value once to every other node and never
//     retries, so values sent across a partition are lost for good;
//   - gset-local: local, for the g-set workload (add and value instead of
//     broadcast and messages);
//   - dup: local, but every read lists each value twice (correct on a single
//     node apart from the duplicates).
//
// Run long enough (and, for once, under partitions), the set-full checker
// must find lost values.
//
// It uses only the standard library: one JSON message per stdin line, one
// per stdout line.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sort"
)

type body struct {
	Type    string   `json:"type"`
	MsgID   int      `json:"msg_id"`
	NodeID  string   `json:"node_id"`
	NodeIDs []string `json:"node_ids"`
	Message int64    `json:"message"`
	Element int64    `json:"element"`
}

func main() {
	if len(os.Args) != 2 || !validMode(os.Args[1]) {
		fmt.Fprintln(os.Stderr, "usage: brokenbroadcast local|once|gset-local|dup")
		os.Exit(2)
	}
	mode := os.Args[1]
	readKey := "messages"
	if mode == "gset-local" {
		readKey = "value"
	}
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 64<<10), 16<<20)
	out := json.NewEncoder(os.Stdout)
	me := ""
	var peers []string
	seen := map[int64]bool{}
	send := func(dest string, b map[string]any) {
		out.Encode(map[string]any{"src": me, "dest": dest, "body": b})
	}
	for in.Scan() {
		var m struct {
			Src  string `json:"src"`
			Body body   `json:"body"`
		}
		if err := json.Unmarshal(in.Bytes(), &m); err != nil {
			fmt.Fprintf(os.Stderr, "brokenbroadcast: bad input %q: %v\n", in.Bytes(), err)
			continue
		}
		b := m.Body
		switch b.Type {
		case "init":
			me, peers = b.NodeID, b.NodeIDs
			send(m.Src, map[string]any{"type": "init_ok", "in_reply_to": b.MsgID})
		case "topology":
			send(m.Src, map[string]any{"type": "topology_ok", "in_reply_to": b.MsgID})
		case "broadcast":
			if !seen[b.Message] {
				seen[b.Message] = true
				if mode == "once" {
					for _, p := range peers {
						if p != me {
							send(p, map[string]any{"type": "gossip", "message": b.Message})
						}
					}
				}
			}
			send(m.Src, map[string]any{"type": "broadcast_ok", "in_reply_to": b.MsgID})
		case "add":
			seen[b.Element] = true
			send(m.Src, map[string]any{"type": "add_ok", "in_reply_to": b.MsgID})
		case "gossip":
			seen[b.Message] = true
		case "read":
			vals := make([]int64, 0, len(seen))
			for v := range seen {
				vals = append(vals, v)
			}
			if mode == "dup" {
				vals = append(vals, vals...)
			}
			sort.Slice(vals, func(i, j int) bool { return vals[i] < vals[j] })
			send(m.Src, map[string]any{"type": "read_ok", readKey: vals, "in_reply_to": b.MsgID})
		}
	}
}

func validMode(m string) bool {
	switch m {
	case "local", "once", "gset-local", "dup":
		return true
	}
	return false
}
