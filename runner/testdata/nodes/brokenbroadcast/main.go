// Command brokenbroadcast is a deliberately wrong broadcast node for the
// runner's tests, in one of these modes (the first argument):
//
//   - local: it never forwards anything, so a value reaches only the node
//     that a client gave it to;
//   - once: it forwards each new value once to every other node and never
//     retries, so values sent across a partition are lost for good;
//   - drop-tenth: once, but every 10th broadcast it receives from a client
//     is acknowledged and then neither stored nor forwarded, so those values
//     are lost even without partitions;
//   - gset-local: local, for the g-set workload (add and value instead of
//     broadcast and messages);
//   - gset-recent: for g-set, it forwards each add once to every other node,
//     but keeps only the 5 most recent elements it has seen (from clients or
//     peers) and forgets older ones, so reads lose elements they once had;
//   - dup: local, but every read lists each value twice (correct on a single
//     node apart from the duplicates);
//   - skip7: once, but a value forwarded by a peer is ignored when it is a
//     multiple of 7, so such a value stays on the node a client gave it to.
//     Whether set-full notices depends on whose final read comes last;
//     eddy's convergence check always does.
//
// Run long enough (and, for once, under partitions), the set-full checker
// must find lost values.
//
// Forwarded values travel as {"type":"gossip","message":v}, which expects no
// reply. It uses only the standard library, through package wire: one JSON
// message per stdin line, one per stdout line.
package main

import (
	"slices"

	"github.com/eddy-workbench/eddy/runner/testdata/nodes/wire"
)

// recent is how many elements the gset-recent mode keeps.
const recent = 5

// dropEvery is how often the drop-tenth mode drops a client's broadcast.
const dropEvery = 10

type body struct {
	Type    string   `json:"type"`
	MsgID   int      `json:"msg_id"`
	NodeID  string   `json:"node_id"`
	NodeIDs []string `json:"node_ids"`
	Message int64    `json:"message"`
	Element int64    `json:"element"`
}

var modes = []string{"local", "once", "drop-tenth", "gset-local", "gset-recent", "dup", "skip7"}

func main() {
	mode := wire.Mode("brokenbroadcast", "", modes...)
	readKey := "messages"
	if mode == "gset-local" || mode == "gset-recent" {
		readKey = "value"
	}
	forwards := mode == "once" || mode == "drop-tenth" || mode == "gset-recent" || mode == "skip7"
	lines := wire.New("brokenbroadcast")
	me := ""
	var peers []string
	var vals []int64 // what the node has, in the order it first saw them
	var broadcasts int
	send := func(dest string, b map[string]any) { lines.Send(me, dest, b) }
	// store keeps v and reports whether it was new.
	store := func(v int64) bool {
		if slices.Contains(vals, v) {
			return false
		}
		vals = append(vals, v)
		if mode == "gset-recent" && len(vals) > recent {
			vals = slices.Delete(vals, 0, len(vals)-recent)
		}
		return true
	}
	// accept stores a value from a client and forwards it if it was new.
	accept := func(v int64) {
		if store(v) && forwards {
			for _, p := range peers {
				if p != me {
					send(p, map[string]any{"type": "gossip", "message": v})
				}
			}
		}
	}
	for {
		var m wire.Message[body]
		if !lines.Next(&m) {
			return
		}
		b := m.Body
		switch b.Type {
		case "init":
			me, peers = b.NodeID, b.NodeIDs
			send(m.Src, map[string]any{"type": "init_ok", "in_reply_to": b.MsgID})
		case "topology":
			send(m.Src, map[string]any{"type": "topology_ok", "in_reply_to": b.MsgID})
		case "broadcast":
			broadcasts++
			if mode != "drop-tenth" || broadcasts%dropEvery != 0 {
				accept(b.Message)
			}
			send(m.Src, map[string]any{"type": "broadcast_ok", "in_reply_to": b.MsgID})
		case "add":
			accept(b.Element)
			send(m.Src, map[string]any{"type": "add_ok", "in_reply_to": b.MsgID})
		case "gossip":
			if mode != "skip7" || b.Message%7 != 0 {
				store(b.Message)
			}
		case "read":
			read := append([]int64{}, vals...) // [] rather than null when empty
			slices.Sort(read)
			if mode == "dup" {
				read = append(read, read...)
				slices.Sort(read)
			}
			send(m.Src, map[string]any{"type": "read_ok", readKey: read, "in_reply_to": b.MsgID})
		}
	}
}
