package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"

	"github.com/eddy-workbench/eddy/nodekit"
)

// Where things live.
const (
	rootService = maelstrom.LinKV // the root pointer: compare-and-set
	packService = maelstrom.SeqKV // the packs: written once, never changed
	rootKey     = "root"
)

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
// in seq-kv, new packs also sent straight to the other nodes. Each call is
// sent once: a compare-and-set must not be repeated blindly, and the
// transactor decides what to retry.
type kvStore struct {
	n       *nodekit.Node
	root    *nodekit.KV
	packs   *nodekit.KV
	peers   []string
	catchup atomic.Int64
}

func newKVStore(n *nodekit.Node, opt nodekit.CallOptions, announce bool) *kvStore {
	s := &kvStore{n: n, root: nodekit.NewKV(n, rootService, opt), packs: nodekit.NewKV(n, packService, opt)}
	if announce {
		s.peers = n.Peers()
	}
	return s
}

func (s *kvStore) ReadRoot(ctx context.Context) (string, error) {
	var root string
	err := s.root.Read(ctx, rootKey, &root)
	if code(err) == maelstrom.KeyDoesNotExist {
		return "", nil
	}
	return root, err
}

func (s *kvStore) CASRoot(ctx context.Context, from, to string) error {
	// No root yet: create it. Two nodes racing to do so cannot both
	// succeed: once one has, from ("") is not the root.
	err := s.root.CAS(ctx, rootKey, from, to, from == "")
	if err != nil && definite(err) {
		return fmt.Errorf("%w: %v", ErrConflict, err)
	}
	return err
}

func (s *kvStore) ReadPack(ctx context.Context, id string) ([]byte, error) {
	var raw json.RawMessage
	err := s.packs.Read(ctx, id, &raw)
	if code(err) == maelstrom.KeyDoesNotExist {
		return nil, ErrNotFound
	}
	return raw, err
}

func (s *kvStore) WritePack(ctx context.Context, p Pack) error {
	return s.packs.Write(ctx, p.ID, p.Value)
}

// Catchup writes a fresh value to this node's own key: seq-kv carries out
// a write that changes something on its newest state and from then on
// shows this node nothing older, so every pack written before is visible.
func (s *kvStore) Catchup(ctx context.Context) error {
	return s.packs.Write(ctx, "catchup/"+s.n.ID(), s.catchup.Add(1))
}

// Announce sends every other node the new packs: they usually need them
// next (any root they read soon points into them), and a pack sent is a
// read of seq-kv saved. Under a partition they are lost, and the service
// still has them.
func (s *kvStore) Announce(packs []Pack) {
	for _, p := range packs {
		for _, peer := range s.peers {
			if err := s.n.Send(peer, packBody{Type: "pack", ID: p.ID, Value: p.Value}); err != nil {
				s.n.Logger().Warn("sending a pack", "dest", peer, "error", err)
			}
		}
	}
}

// packBody is the node-to-node message carrying a pack.
type packBody struct {
	Type  string          `json:"type"`
	ID    string          `json:"id" nodekit:"required"`
	Value json.RawMessage `json:"value" nodekit:"required"`
}
