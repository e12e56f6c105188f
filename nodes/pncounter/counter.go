package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"

	"github.com/eddy-workbench/eddy/nodekit"
	"github.com/eddy-workbench/eddy/nodes/internal/crdt"
	"github.com/eddy-workbench/eddy/nodes/internal/crdtnode"
)

// addReq is {"type":"add","delta":D}: an integer that fits in 64 bits.
type addReq struct {
	Delta int64 `json:"delta" nodekit:"required"`
}

// readOK is read's reply: the counter's value.
type readOK struct {
	Value int64 `json:"value"`
}

// setup wires a PN-counter to node n.
func setup(n *nodekit.Node, opt crdt.Options) {
	s := crdtnode.New(n, opt, codec)
	nodekit.Handle(n, "add", func(_ context.Context, _ nodekit.Message, r addReq) (struct{}, error) {
		return struct{}{}, s.Do(func(g *crdt.Gossip) error {
			e, ok, err := crdt.CounterEntry(g.State(), n.ID(), r.Delta)
			if err != nil {
				return nodekit.Errorf(maelstrom.MalformedRequest, "%v", err)
			}
			if ok {
				g.Raise(e.Key, e.Val)
			}
			return nil
		})
	})
	nodekit.Handle(n, "read", func(context.Context, nodekit.Message, struct{}) (resp readOK, _ error) {
		err := s.Do(func(g *crdt.Gossip) error { resp.Value = crdt.CounterValue(g.State()); return nil })
		return resp, err
	})
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
