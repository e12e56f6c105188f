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
// It uses only the standard library, through package wire: one JSON message
// per stdin line, one per stdout line.
package main

import (
	"encoding/json"

	"github.com/eddy-workbench/eddy/runner/testdata/nodes/wire"
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
	blind := wire.Mode("brokenlinkv", "", "ok", "local", "blind-cas") == "blind-cas"
	regs := map[string]string{}
	lines := wire.New("brokenlinkv")
	for {
		var msg wire.Message[body]
		if !lines.Next(&msg) {
			return
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
		lines.Send(msg.Dest, msg.Src, reply)
	}
}
