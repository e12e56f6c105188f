package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"
)

// Where things live.
const (
	rootService = maelstrom.LinKV // the root pointer: compare-and-set
	packService = maelstrom.SeqKV // the packs: written once, never changed
	rootKey     = "root"
)

// errTimeout is a service call that got no answer in time: its outcome is
// unknown.
var errTimeout = errors.New("no answer in time")

// caller makes service calls with a timeout. The Maelstrom library's
// SyncRPC blocks forever if a reply comes after its context ended; here a
// late reply lands in a buffered channel nobody reads and is dropped.
type caller struct {
	node    *maelstrom.Node
	timeout time.Duration
}

// call sends body to dest and returns the reply's body. An error reply is
// returned as *maelstrom.RPCError, including one with code 0, which the
// library would take for a success.
func (c caller) call(ctx context.Context, dest string, body any) (json.RawMessage, error) {
	ch := make(chan maelstrom.Message, 1)
	if err := c.node.RPC(dest, body, func(m maelstrom.Message) error { ch <- m; return nil }); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	select {
	case m := <-ch:
		var head struct {
			Type string `json:"type"`
			Code int    `json:"code"`
			Text string `json:"text"`
		}
		if err := json.Unmarshal(m.Body, &head); err != nil {
			return nil, fmt.Errorf("%s sent a bad reply: %v", dest, err)
		}
		if head.Type == "error" {
			return nil, maelstrom.NewRPCError(head.Code, head.Text)
		}
		return m.Body, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("%s: %w", dest, errTimeout)
	}
}

// code returns an error's Maelstrom code, or -1.
func code(err error) int {
	var e *maelstrom.RPCError
	if errors.As(err, &e) {
		return e.Code
	}
	return -1
}

// definite reports whether an error reply means the request was
// certainly not carried out (Maelstrom's definite error codes).
func definite(err error) bool {
	switch code(err) {
	case maelstrom.NotSupported, maelstrom.TemporarilyUnavailable, maelstrom.MalformedRequest,
		maelstrom.Abort, maelstrom.KeyDoesNotExist, maelstrom.KeyAlreadyExists,
		maelstrom.PreconditionFailed, maelstrom.TxnConflict, 1:
		return true
	}
	return false
}

// kvStore is the Store on Maelstrom's services: the root in lin-kv, packs
// in seq-kv, new packs also sent straight to the other nodes.
type kvStore struct {
	caller
	self    string
	peers   []string
	catchup atomic.Int64
}

func (s *kvStore) ReadRoot(ctx context.Context) (string, error) {
	body, err := s.call(ctx, rootService, map[string]any{"type": "read", "key": rootKey})
	if code(err) == maelstrom.KeyDoesNotExist {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	var r struct {
		Value string `json:"value"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return "", fmt.Errorf("the root is not a string: %v", err)
	}
	return r.Value, nil
}

func (s *kvStore) CASRoot(ctx context.Context, from, to string) error {
	_, err := s.call(ctx, rootService, map[string]any{
		"type": "cas", "key": rootKey, "from": from, "to": to,
		// No root yet: create it. Two nodes racing to do so cannot both
		// succeed: once one has, from ("") is not the root.
		"create_if_not_exists": from == "",
	})
	if err != nil && definite(err) {
		return fmt.Errorf("%w: %v", ErrConflict, err)
	}
	return err
}

func (s *kvStore) ReadPack(ctx context.Context, id string) ([]byte, error) {
	body, err := s.call(ctx, packService, map[string]any{"type": "read", "key": id})
	if code(err) == maelstrom.KeyDoesNotExist {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	var r struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, err
	}
	return r.Value, nil
}

func (s *kvStore) WritePack(ctx context.Context, p Pack) error {
	_, err := s.call(ctx, packService, map[string]any{"type": "write", "key": p.ID, "value": p.Value})
	return err
}

// Catchup writes a fresh value to this node's own key: seq-kv carries out
// a write that changes something on its newest state and from then on
// shows this node nothing older, so every pack written before is visible.
func (s *kvStore) Catchup(ctx context.Context) error {
	_, err := s.call(ctx, packService, map[string]any{
		"type": "write", "key": "catchup/" + s.self, "value": s.catchup.Add(1),
	})
	return err
}

// Announce sends every other node the new packs: they usually need them
// next (any root they read soon points into them), and a pack sent is a
// read of seq-kv saved. Under a partition they are lost, and the service
// still has them.
func (s *kvStore) Announce(packs []Pack) {
	for _, p := range packs {
		for _, peer := range s.peers {
			// Errors here are the node's stdout failing; the run is over.
			_ = s.node.Send(peer, packBody{Type: "pack", ID: p.ID, Value: p.Value})
		}
	}
}

// packBody is the node-to-node message carrying a pack.
type packBody struct {
	Type  string          `json:"type"`
	ID    string          `json:"id"`
	Value json.RawMessage `json:"value"`
}
