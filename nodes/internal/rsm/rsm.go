// Package rsm is what the consensus nodes (nodes/raft, nodes/paxos) share
// above the protocol: the operations of the lin-kv workload as the commands
// of a replicated state machine, the key-value map they are applied to, and
// the shape of what a protocol core hands back after each input (Ready).
// Nothing here does I/O or reads a clock.
package rsm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/eddy-workbench/eddy/nodes/internal/durable"
)

// The functions of an Op.
const (
	Read  = "read"
	Write = "write"
	CAS   = "cas"
)

// Maelstrom's error codes that the state machine and the nodes answer with.
const (
	CodeTemporarilyUnavailable = 11
	CodeMalformedRequest       = 12
	CodeKeyDoesNotExist        = 20
	CodePreconditionFailed     = 22
)

// Op is one client operation as it travels between nodes and sits in a
// replicated log. Origin and Seq name it: the node that took the request
// and that node's number for it, so that the origin, and only it, answers
// the client once the op is applied. Key, Value, From and To are canonical
// JSON (see Canonical), so that equal values have equal bytes.
type Op struct {
	Origin string          `json:"o"`
	Seq    uint64          `json:"s"`
	F      string          `json:"f"`
	Key    json.RawMessage `json:"k"`
	Value  json.RawMessage `json:"v,omitempty"`
	From   json.RawMessage `json:"from,omitempty"`
	To     json.RawMessage `json:"to,omitempty"`
	Create bool            `json:"c,omitempty"`
}

// Size bounds the length of the op's JSON encoding, so that a sender can
// keep a message under a byte limit without encoding it first.
func (o Op) Size() int {
	return 48 + len(o.Origin) + len(strconv.FormatUint(o.Seq, 10)) + len(o.F) +
		len(o.Key) + len(o.Value) + len(o.From) + len(o.To)
}

// Result is what applying an op gives: Code 0 and, for a read, the value;
// or one of Maelstrom's error codes with a text.
type Result struct {
	Code  int
	Value json.RawMessage
	Text  string
}

// Machine is the replicated state: a map from canonical keys to canonical
// values. The zero value is empty and ready to use.
type Machine struct {
	m map[string]json.RawMessage
}

// Apply applies op and returns its result. Reads change nothing; a failed
// cas changes nothing.
func (s *Machine) Apply(op Op) Result {
	if s.m == nil {
		s.m = map[string]json.RawMessage{}
	}
	cur, ok := s.m[string(op.Key)]
	switch op.F {
	case Read:
		if !ok {
			return Result{Code: CodeKeyDoesNotExist, Text: "key does not exist"}
		}
		return Result{Value: cur}
	case Write:
		s.m[string(op.Key)] = op.Value
		return Result{}
	case CAS:
		switch {
		case !ok && !op.Create:
			return Result{Code: CodeKeyDoesNotExist, Text: "key does not exist"}
		case ok && !bytes.Equal(cur, op.From):
			return Result{Code: CodePreconditionFailed, Text: fmt.Sprintf("current value %s is not %s", cur, op.From)}
		}
		s.m[string(op.Key)] = op.To
		return Result{}
	}
	return Result{Code: CodeMalformedRequest, Text: fmt.Sprintf("unknown operation %q", op.F)}
}

// Canonical returns the canonical form of a JSON value: object keys
// sorted, no insignificant space, numbers as written (so 1 and 1.0 stay
// different, as Maelstrom's lin-kv service has them).
func Canonical(raw json.RawMessage) (json.RawMessage, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, errors.New("more than one JSON value")
	}
	return json.Marshal(v)
}

// Ready is what a protocol core hands back after an input, to be carried
// out in this order: make Persist durable, send Messages, apply Committed
// (index by index, in order), answer the clients of Failed with error 11,
// and log Events.
type Ready[M, H, R any] struct {
	// Persist are the changes to durable state the core made.
	Persist []durable.Update[H, R]
	// Messages are to be sent to other nodes.
	Messages []M
	// Committed are the entries newly known committed, in log order.
	Committed []Entry
	// Failed are ops submitted at this node that are certain never to
	// be applied: they never left it.
	Failed []Op
	// Events are lines for the node's log, such as leader changes.
	Events []string
}

// Entry is one committed position of a replicated log: its index and the
// ops it holds (none for a no-op; Raft's entries hold at most one, a
// Multi-Paxos slot a batch).
type Entry struct {
	Index uint64
	Ops   []Op
}

// Core is a protocol core as the nodes drive it: a pure state machine fed
// ticks, client ops and messages, and drained with Ready after each.
type Core[M, H, R any] interface {
	// Tick advances the core's notion of time by one tick.
	Tick()
	// Submit hands the core an op a client sent to this node.
	Submit(op Op)
	// Step hands the core a message from another node.
	Step(m M)
	// Ready returns what the core wants done, and forgets it.
	Ready() Ready[M, H, R]
}

// Message is what a core's messages tell about their route.
type Message interface {
	Source() string
	Dest() string
}
