package main

import (
	"encoding/json"
	"fmt"
	"strconv"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"

	"github.com/eddy-workbench/eddy/nodes/internal/crdt"
	"github.com/eddy-workbench/eddy/nodes/internal/crdtnode"
)

// newServer wires a PN-counter to node n.
func newServer(n *maelstrom.Node, opt crdt.Options) *crdtnode.Server {
	s := crdtnode.New(n, opt, codec)
	n.Handle("add", func(msg maelstrom.Message) error {
		var req struct {
			Delta json.RawMessage `json:"delta"`
		}
		if err := json.Unmarshal(msg.Body, &req); err != nil {
			return maelstrom.NewRPCError(maelstrom.MalformedRequest, "request body is not a JSON object")
		}
		var d int64
		if len(req.Delta) == 0 || string(req.Delta) == "null" || json.Unmarshal(req.Delta, &d) != nil {
			return maelstrom.NewRPCError(maelstrom.MalformedRequest, "add needs a \"delta\" holding an integer that fits in 64 bits")
		}
		err := s.Do(func(g *crdt.Gossip) error {
			e, ok, err := crdt.CounterEntry(g.State(), n.ID(), d)
			if err != nil {
				return maelstrom.NewRPCError(maelstrom.MalformedRequest, err.Error())
			}
			if ok {
				g.Raise(e.Key, e.Val)
			}
			return nil
		})
		if err != nil {
			return err
		}
		return n.Reply(msg, map[string]string{"type": "add_ok"})
	})
	n.Handle("read", func(msg maelstrom.Message) error {
		var v int64
		if err := s.Do(func(g *crdt.Gossip) error { v = crdt.CounterValue(g.State()); return nil }); err != nil {
			return err
		}
		return n.Reply(msg, map[string]any{"type": "read_ok", "value": v})
	})
	return s
}

// codec puts totals in gossip as a JSON object: {"+n1":12,"-n1":3}.
var codec = crdtnode.Codec{
	Encode: func(es []crdt.Entry) (json.RawMessage, error) {
		m := make(map[string]int64, len(es))
		for _, e := range es {
			m[e.Key] = e.Val
		}
		return json.Marshal(m)
	},
	Decode: func(raw json.RawMessage) ([]crdt.Entry, error) {
		var m map[string]int64
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, err
		}
		es := make([]crdt.Entry, 0, len(m))
		for k, v := range m {
			if len(k) < 2 || (k[0] != '+' && k[0] != '-') {
				return nil, fmt.Errorf("total %q is not +node or -node", k)
			}
			es = append(es, crdt.Entry{Key: k, Val: v})
		}
		return es, nil
	},
	Size: func(e crdt.Entry) int { return len(strconv.Quote(e.Key)) + len(strconv.FormatInt(e.Val, 10)) + 2 },
}
