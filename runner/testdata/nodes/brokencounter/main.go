// Command brokencounter is a deliberately wrong counter node for the
// runner's tests, in one of four modes (the first argument):
//
//   - local: it counts only the adds it received itself and never talks to
//     other nodes, so each node's final read misses the other nodes' adds;
//   - drop: it is a correct single-node counter that acknowledges every add
//     but silently drops every third one, so final reads come up short;
//   - unsigned: it takes every negative delta for 0, and is otherwise a
//     correct counter on a network without partitions: it sends each delta
//     it accepts once to every other node ({"type":"delta","delta":d}, no
//     reply) and reads the sum of every delta it has accepted or been sent,
//     so on pn-counter every node agrees on a final read that is too high;
//   - stale: the counter is one seq-kv key, "counter". An add reads it and
//     writes back what it read plus the delta (no compare-and-set), then
//     acknowledges; a read reads it. seq-kv may answer a node with an old
//     version, and the write then overwrites newer adds: adds are lost, so
//     final reads come up short.
//
// The counter checker must report the offending final reads.
//
// It uses only the standard library, through package wire: one JSON message
// per stdin line, one per stdout line.
package main

import (
	"github.com/eddy-workbench/eddy/runner/testdata/nodes/wire"
)

type body struct {
	Type      string   `json:"type"`
	MsgID     int      `json:"msg_id"`
	InReplyTo int      `json:"in_reply_to"`
	NodeID    string   `json:"node_id"`
	NodeIDs   []string `json:"node_ids"`
	Delta     int64    `json:"delta"`
	Value     int64    `json:"value"`
}

// pending is a client's request waiting for seq-kv (stale mode): a read,
// or an add at its read or its write.
type pending struct {
	client string
	msgID  int
	add    bool
	delta  int64
	wrote  bool
}

func main() {
	mode := wire.Mode("brokencounter", "", "local", "drop", "unsigned", "stale")
	lines := wire.New("brokencounter")
	me := ""
	var peers []string
	var total, adds int64
	send := func(dest string, b map[string]any) { lines.Send(me, dest, b) }
	nextID := 0
	waiting := map[int]*pending{} // seq-kv msg_id → the request it serves
	kv := func(p *pending, body map[string]any) {
		nextID++
		waiting[nextID] = p
		body["msg_id"] = nextID
		send("seq-kv", body)
	}
	for {
		var m wire.Message[body]
		if !lines.Next(&m) {
			return
		}
		b := m.Body
		reply := map[string]any{"in_reply_to": b.MsgID}
		switch b.Type {
		case "init":
			me, peers = b.NodeID, b.NodeIDs
			reply["type"] = "init_ok"
		case "add":
			adds++
			switch mode {
			case "local":
				total += b.Delta
			case "drop":
				if adds%3 != 0 {
					total += b.Delta
				}
			case "stale":
				kv(&pending{client: m.Src, msgID: b.MsgID, add: true, delta: b.Delta}, map[string]any{"type": "read", "key": "counter"})
				continue
			case "unsigned":
				d := max(b.Delta, 0)
				total += d
				for _, p := range peers {
					if p != me {
						send(p, map[string]any{"type": "delta", "delta": d})
					}
				}
			}
			reply["type"] = "add_ok"
		case "delta":
			total += b.Delta
			continue
		case "read_ok", "error", "write_ok":
			p := waiting[b.InReplyTo]
			if p == nil {
				continue
			}
			delete(waiting, b.InReplyTo)
			switch {
			case p.wrote:
				send(p.client, map[string]any{"type": "add_ok", "in_reply_to": p.msgID})
			case p.add:
				p.wrote = true
				kv(p, map[string]any{"type": "write", "key": "counter", "value": b.Value + p.delta}) // an error (no key yet) reads as 0
			default:
				send(p.client, map[string]any{"type": "read_ok", "value": b.Value, "in_reply_to": p.msgID})
			}
			continue
		case "read":
			if mode == "stale" {
				kv(&pending{client: m.Src, msgID: b.MsgID}, map[string]any{"type": "read", "key": "counter"})
				continue
			}
			reply["type"], reply["value"] = "read_ok", total
		default:
			continue
		}
		send(m.Src, reply)
	}
}
