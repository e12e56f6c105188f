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
	Type  string              `json:"type"`
	MsgID int                 `json:"msg_id"`
	Txn   [][]json.RawMessage `json:"txn"`
}

func main() {
	modes := map[string]bool{"ok": true, "aborted": true, "intermediate": true}
	if len(os.Args) != 2 || !modes[os.Args[1]] {
		fmt.Fprintln(os.Stderr, "usage: brokentxn ok|aborted|intermediate")
		os.Exit(2)
	}
	mode := os.Args[1]
	store := map[string]json.RawMessage{}
	writers := 0
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
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
		out.Encode(map[string]any{"src": msg.Dest, "dest": msg.Src, "body": reply})
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
