// Command brokenlinkv is a lin-kv node for the runner's tests that keeps
// the registers in its own memory and never talks to other nodes, in one
// of three modes (the first argument):
//
//   - ok: correct when it is the only node;
//   - local: the same on several nodes, so each node sees only the writes
//     its own clients made (stale reads);
//   - blind-cas: a single node whose cas always succeeds, whatever the
//     register holds.
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
	Type  string          `json:"type"`
	MsgID int             `json:"msg_id"`
	Key   json.RawMessage `json:"key"`
	Value json.RawMessage `json:"value"`
	From  json.RawMessage `json:"from"`
	To    json.RawMessage `json:"to"`
}

func main() {
	if len(os.Args) != 2 || (os.Args[1] != "ok" && os.Args[1] != "local" && os.Args[1] != "blind-cas") {
		fmt.Fprintln(os.Stderr, "usage: brokenlinkv ok|local|blind-cas")
		os.Exit(2)
	}
	blind := os.Args[1] == "blind-cas"
	regs := map[string]string{}
	in := bufio.NewScanner(os.Stdin)
	out := json.NewEncoder(os.Stdout)
	for in.Scan() {
		var msg struct {
			Src  string `json:"src"`
			Dest string `json:"dest"`
			Body body   `json:"body"`
		}
		if err := json.Unmarshal(in.Bytes(), &msg); err != nil {
			fmt.Fprintf(os.Stderr, "bad input: %v\n", err)
			continue
		}
		b := msg.Body
		k := string(b.Key)
		cur, present := regs[k]
		reply := map[string]any{"in_reply_to": b.MsgID}
		switch b.Type {
		case "init":
			reply["type"] = "init_ok"
		case "read":
			if present {
				reply["type"], reply["value"] = "read_ok", json.RawMessage(cur)
			} else {
				reply["type"], reply["code"], reply["text"] = "error", 20, "no such key"
			}
		case "write":
			regs[k] = string(b.Value)
			reply["type"] = "write_ok"
		case "cas":
			switch {
			case blind || present && cur == string(b.From):
				regs[k] = string(b.To)
				reply["type"] = "cas_ok"
			case !present:
				reply["type"], reply["code"], reply["text"] = "error", 20, "no such key"
			default:
				reply["type"], reply["code"], reply["text"] = "error", 22, "precondition failed"
			}
		default:
			reply["type"], reply["code"], reply["text"] = "error", 10, "unsupported"
		}
		out.Encode(map[string]any{"src": msg.Dest, "dest": msg.Src, "body": reply})
	}
}
