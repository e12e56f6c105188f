// Command brokencounter is a deliberately wrong counter node for the
// runner's tests, in one of three modes (the first argument):
//
//   - local: it counts only the adds it received itself and never talks to
//     other nodes, so each node's final read misses the other nodes' adds;
//   - drop: it is a correct single-node counter that acknowledges every add
//     but silently drops every third one, so final reads come up short;
//   - unsigned: it takes every negative delta for 0, and is otherwise a
//     correct counter on a network without partitions: it sends each delta
//     it accepts once to every other node ({"type":"delta","delta":d}, no
//     reply) and reads the sum of every delta it has accepted or been sent,
//     so on pn-counter every node agrees on a final read that is too high.
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
	Type    string   `json:"type"`
	MsgID   int      `json:"msg_id"`
	NodeID  string   `json:"node_id"`
	NodeIDs []string `json:"node_ids"`
	Delta   int64    `json:"delta"`
}

func main() {
	mode := wire.Mode("brokencounter", "", "local", "drop", "unsigned")
	lines := wire.New("brokencounter")
	me := ""
	var peers []string
	var total, adds int64
	send := func(dest string, b map[string]any) { lines.Send(me, dest, b) }
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
		case "read":
			reply["type"], reply["value"] = "read_ok", total
		default:
			continue
		}
		send(m.Src, reply)
	}
}
