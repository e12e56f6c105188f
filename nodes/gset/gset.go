package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"

	"github.com/eddy-workbench/eddy/nodekit"
	"github.com/eddy-workbench/eddy/nodes/internal/crdt"
	"github.com/eddy-workbench/eddy/nodes/internal/crdtnode"
)

// maxElement bounds an element's compact JSON, so that any one fits many
// times over in a gossip message.
const maxElement = 1 << 10

// addReq is {"type":"add","element":E}.
type addReq struct {
	Element json.RawMessage `json:"element" nodekit:"required"`
}

// readOK is read's reply: every element, in the order of their compact
// JSON.
type readOK struct {
	Value []json.RawMessage `json:"value"`
}

// setup wires a g-set to node n.
func setup(n *nodekit.Node, opt crdt.Options) {
	s := crdtnode.New(n, opt, codec)
	nodekit.Handle(n, "add", func(_ context.Context, _ nodekit.Message, r addReq) (struct{}, error) {
		e, err := element(r.Element)
		if err != nil {
			return struct{}{}, nodekit.Errorf(maelstrom.MalformedRequest, "%v", err)
		}
		return struct{}{}, s.Do(func(g *crdt.Gossip) error { g.Raise(e, 1); return nil })
	})
	nodekit.Handle(n, "read", func(context.Context, nodekit.Message, struct{}) (resp readOK, _ error) {
		err := s.Do(func(g *crdt.Gossip) error {
			keys := crdt.SetElements(g.State())
			resp.Value = make([]json.RawMessage, len(keys))
			for i, k := range keys {
				resp.Value[i] = json.RawMessage(k)
			}
			return nil
		})
		return resp, err
	})
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
