package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"

	"github.com/eddy-workbench/eddy/nodes/internal/crdt"
	"github.com/eddy-workbench/eddy/nodes/internal/crdtnode"
)

// maxElement bounds an element's compact JSON, so that any one fits many
// times over in a gossip message.
const maxElement = 1 << 10

// newServer wires a g-set to node n.
func newServer(n *maelstrom.Node, opt crdt.Options) *crdtnode.Server {
	s := crdtnode.New(n, opt, codec)
	n.Handle("add", func(msg maelstrom.Message) error {
		var req struct {
			Element json.RawMessage `json:"element"`
		}
		if err := json.Unmarshal(msg.Body, &req); err != nil {
			return maelstrom.NewRPCError(maelstrom.MalformedRequest, "request body is not a JSON object")
		}
		e, err := element(req.Element)
		if err != nil {
			return maelstrom.NewRPCError(maelstrom.MalformedRequest, err.Error())
		}
		if err := s.Do(func(g *crdt.Gossip) error { g.Raise(e, 1); return nil }); err != nil {
			return err
		}
		return n.Reply(msg, map[string]string{"type": "add_ok"})
	})
	n.Handle("read", func(msg maelstrom.Message) error {
		var elems []json.RawMessage
		err := s.Do(func(g *crdt.Gossip) error {
			keys := crdt.SetElements(g.State())
			elems = make([]json.RawMessage, len(keys))
			for i, k := range keys {
				elems[i] = json.RawMessage(k)
			}
			return nil
		})
		if err != nil {
			return err
		}
		return n.Reply(msg, map[string]any{"type": "read_ok", "value": elems})
	})
	return s
}

// element returns the compact JSON of an element, which is how the set
// keys it.
func element(raw json.RawMessage) (string, error) {
	if len(raw) == 0 {
		return "", errors.New(`add needs an "element"`)
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return "", fmt.Errorf("element is not JSON: %v", err)
	}
	if b.Len() > maxElement {
		return "", fmt.Errorf("element of %d bytes is over the %d this node accepts", b.Len(), maxElement)
	}
	return b.String(), nil
}

// codec puts elements in gossip as a JSON array: [1,2,"x"].
var codec = crdtnode.Codec{
	Encode: func(es []crdt.Entry) (json.RawMessage, error) {
		var b bytes.Buffer
		b.WriteByte('[')
		for i, e := range es {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(e.Key)
		}
		b.WriteByte(']')
		return b.Bytes(), nil
	},
	Decode: func(raw json.RawMessage) ([]crdt.Entry, error) {
		var elems []json.RawMessage
		if err := json.Unmarshal(raw, &elems); err != nil {
			return nil, err
		}
		es := make([]crdt.Entry, 0, len(elems))
		for _, r := range elems {
			k, err := element(r)
			if err != nil {
				return nil, err
			}
			es = append(es, crdt.Entry{Key: k, Val: 1})
		}
		return es, nil
	},
	Size: func(e crdt.Entry) int { return len(e.Key) + 1 },
}
