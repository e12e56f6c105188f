// Command brokenkafka is a kafka node for the runner's tests that keeps
// every log in its own memory and never talks to other nodes, in one of
// four modes (the first argument):
//
//   - ok: correct when it is the only node;
//   - independent: the same on several nodes, so nodes allocate offsets
//     independently and each sees only its own sends (two messages at one
//     offset, and messages no other node's client ever polls);
//   - skip: a single node whose polls leave out every entry whose offset is
//     a multiple of 5 (other than 0), so consumers skip messages;
//   - lose: a single node that acknowledges every 7th send with an offset
//     and then forgets the message: polls never return it, though they
//     return later offsets of its key (lost writes).
//
// It uses only the standard library, through package wire: one JSON message
// per stdin line, one per stdout line.
package main

import (
	"encoding/json"
	"sort"

	"github.com/eddy-workbench/eddy/runner/testdata/nodes/wire"
)

type body struct {
	Type    string           `json:"type"`
	MsgID   int              `json:"msg_id"`
	NodeID  string           `json:"node_id"`
	Key     string           `json:"key"`
	Msg     json.RawMessage  `json:"msg"`
	Offsets map[string]int64 `json:"offsets"`
	Keys    []string         `json:"keys"`
}

func main() {
	mode := wire.Mode("brokenkafka", "", "ok", "independent", "skip", "lose")
	skip, lose := mode == "skip", mode == "lose"
	sends := 0
	lines := wire.New("brokenkafka")
	me := ""
	logs := map[string][]json.RawMessage{} // key → messages; offset = index
	committed := map[string]int64{}
	for {
		var m wire.Message[body]
		if !lines.Next(&m) {
			return
		}
		b := m.Body
		reply := map[string]any{"in_reply_to": b.MsgID}
		switch b.Type {
		case "init":
			me = b.NodeID
			reply["type"] = "init_ok"
		case "send":
			sends++
			if lose && sends%7 == 0 {
				logs[b.Key] = append(logs[b.Key], nil) // acknowledged, then forgotten
				reply["type"], reply["offset"] = "send_ok", len(logs[b.Key])-1
				break
			}
			logs[b.Key] = append(logs[b.Key], b.Msg)
			reply["type"], reply["offset"] = "send_ok", len(logs[b.Key])-1
		case "poll":
			msgs := map[string][][]any{}
			for k, from := range b.Offsets {
				pairs := [][]any{}
				for o := from; o < int64(len(logs[k])); o++ {
					if skip && o > 0 && o%5 == 0 || logs[k][o] == nil {
						continue
					}
					pairs = append(pairs, []any{o, logs[k][o]})
				}
				if len(pairs) > 0 {
					msgs[k] = pairs
				}
			}
			reply["type"], reply["msgs"] = "poll_ok", msgs
		case "commit_offsets":
			for k, o := range b.Offsets {
				committed[k] = max(committed[k], o)
			}
			reply["type"] = "commit_offsets_ok"
		case "list_committed_offsets":
			offsets := map[string]int64{}
			keys := append([]string(nil), b.Keys...)
			sort.Strings(keys)
			for _, k := range keys {
				if o, ok := committed[k]; ok {
					offsets[k] = o
				}
			}
			reply["type"], reply["offsets"] = "list_committed_offsets_ok", offsets
		default:
			continue
		}
		lines.Send(me, m.Src, reply)
	}
}
