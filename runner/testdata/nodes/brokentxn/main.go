// Command brokentxn is a single-node transactional node for the runner's
// tests (registers for txn-rw-register, lists for txn-list-append), in one
// of three modes (the first argument):
//
//   - ok: runs each transaction alone and installs its writes at commit;
//   - aborted: answers every fifth transaction that writes with error 30
//     (txn-conflict), a definite abort, yet keeps its writes, so later
//     reads see the writes of aborted transactions (G1a);
//   - intermediate: installs the first write of each key in a transaction
//     instead of the last, so other transactions read a value its own
//     transaction overwrote (G1b), while the writer reads its own last
//     write.
//
// It uses only the standard library, through package wire: one JSON message
// per stdin line, one per stdout line.
package main

import (
	"encoding/json"

	"github.com/eddy-workbench/eddy/runner/testdata/nodes/wire"
)

type body struct {
	Type  string              `json:"type"`
	MsgID int                 `json:"msg_id"`
	Txn   [][]json.RawMessage `json:"txn"`
}

func main() {
	mode := wire.Mode("brokentxn", "", "ok", "aborted", "intermediate")
	store := map[string]json.RawMessage{}
	writers := 0
	lines := wire.New("brokentxn")
	for {
		var msg wire.Message[body]
		if !lines.Next(&msg) {
			return
		}
		reply := map[string]any{"in_reply_to": msg.Body.MsgID}
		switch msg.Body.Type {
		case "init":
			reply["type"] = "init_ok"
		case "txn":
			res, commit := run(store, msg.Body.Txn, mode == "intermediate")
			abort := false
			if len(commit) > 0 {
				writers++
				abort = mode == "aborted" && writers%5 == 0
			}
			for k, v := range commit {
				store[k] = v // the aborted mode keeps these even when it aborts
			}
			if abort {
				reply["type"], reply["code"], reply["text"] = "error", 30, "conflict"
			} else {
				reply["type"], reply["txn"] = "txn_ok", res
			}
		default:
			reply["type"], reply["code"], reply["text"] = "error", 10, "unsupported"
		}
		lines.Send(msg.Dest, msg.Src, reply)
	}
}

// run executes txn against store: reads see the txn's own writes. It
// returns the answered micro-ops and the writes to install, per key the
// last (or, with first, the first).
func run(store map[string]json.RawMessage, txn [][]json.RawMessage, first bool) ([][]json.RawMessage, map[string]json.RawMessage) {
	own := map[string]json.RawMessage{}
	commit := map[string]json.RawMessage{}
	res := make([][]json.RawMessage, len(txn))
	for i, m := range txn {
		var f string
		json.Unmarshal(m[0], &f)
		k := string(m[1])
		if f == "r" {
			v, ok := own[k]
			if !ok {
				v, ok = store[k]
			}
			if !ok {
				v = json.RawMessage("null")
			}
			res[i] = []json.RawMessage{m[0], m[1], v}
			continue
		}
		v := m[2]
		if f == "append" {
			var cur []json.RawMessage
			prev, ok := own[k]
			if !ok {
				prev = store[k]
			}
			json.Unmarshal(prev, &cur)
			v, _ = json.Marshal(append(cur, m[2]))
		}
		own[k] = v
		if _, done := commit[k]; !done || !first {
			commit[k] = v
		}
		res[i] = m
	}
	return res, commit
}
