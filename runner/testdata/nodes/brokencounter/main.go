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
//   - stale: each node writes its own running total to seq-kv under its
//     name ({"type":"write","key":"n1","value":12}) at every add, and
//     answers a read with the sum of every node's key as seq-kv reads
//     them, without writing first; seq-kv may answer a node that has not
//     written lately with old versions, so final reads can come up short.
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
	Type      string   `json:"type"`
	MsgID     int      `json:"msg_id"`
	InReplyTo int      `json:"in_reply_to"`
	NodeID    string   `json:"node_id"`
	NodeIDs   []string `json:"node_ids"`
	Delta     int64    `json:"delta"`
	Value     int64    `json:"value"`
	Code      int      `json:"code"`
}

// pendingRead is a client's read waiting for seq-kv's answers (stale mode).
type pendingRead struct {
	client string
	msgID  int
	left   int
	sum    int64
}

func main() {
	if len(os.Args) != 2 || (os.Args[1] != "local" && os.Args[1] != "drop" && os.Args[1] != "unsigned" && os.Args[1] != "stale") {
		fmt.Fprintln(os.Stderr, "usage: brokencounter local|drop|unsigned|stale")
		os.Exit(2)
	}
	mode := os.Args[1]
	in := bufio.NewScanner(os.Stdin)
	out := json.NewEncoder(os.Stdout)
	me := ""
	var peers []string
	var total, adds int64
	send := func(dest string, b map[string]any) {
		out.Encode(map[string]any{"src": me, "dest": dest, "body": b})
	}
	nextID := 0
	reads := map[int]*pendingRead{} // seq-kv msg_id → the read it serves
	for in.Scan() {
		var m struct {
			Src  string `json:"src"`
			Body body   `json:"body"`
		}
		if err := json.Unmarshal(in.Bytes(), &m); err != nil {
			fmt.Fprintf(os.Stderr, "brokencounter: bad input %q: %v\n", in.Bytes(), err)
			continue
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
				total += b.Delta
				nextID++
				send("seq-kv", map[string]any{"type": "write", "key": me, "value": total, "msg_id": nextID})
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
			r := reads[b.InReplyTo]
			if r == nil {
				continue
			}
			delete(reads, b.InReplyTo)
			if b.Type == "read_ok" {
				r.sum += b.Value
			}
			if r.left--; r.left == 0 {
				send(r.client, map[string]any{"type": "read_ok", "value": r.sum, "in_reply_to": r.msgID})
			}
			continue
		case "read":
			if mode == "stale" {
				r := &pendingRead{client: m.Src, msgID: b.MsgID, left: len(peers)}
				for _, p := range peers {
					nextID++
					reads[nextID] = r
					send("seq-kv", map[string]any{"type": "read", "key": p, "msg_id": nextID})
				}
				continue
			}
			reply["type"], reply["value"] = "read_ok", total
		default:
			continue
		}
		send(m.Src, reply)
	}
}
