package nodekit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"
)

// Handle registers fn for requests of type typ, with typed bodies.
//
// The Node decodes each request's body into a Req with encoding/json (so
// a field of the wrong type, such as 1.5 or "x" for an int64, is refused,
// and unknown fields are ignored); checks that every top-level field
// tagged `nodekit:"required"` is present and not null; and, if Req or *Req
// has a method Validate() error, calls it. A failure of any of these is
// answered with error 12 (malformed-request) naming the field, and fn is
// not called.
//
// fn's result is the reply: the Node sends it with "type" typ+"_ok" and
// "in_reply_to" added, so Resp must encode as a JSON object (a struct, a
// map; nil means {}) without those keys, which Handle checks for struct
// types. An error from fn is sent instead, as ReplyError describes. A
// request without msg_id is served too and its reply dropped.
//
// Handlers run in their own goroutines, concurrently; ctx is cancelled
// when the node stops. Handle panics if typ is "init", "error" or already
// has a handler.
func Handle[Req, Resp any](n *Node, typ string, fn func(ctx context.Context, m Message, req Req) (Resp, error)) {
	checkReply(reflect.TypeFor[Resp]())
	d := newDecoder[Req](typ)
	okType := typ + "_ok"
	n.handle(typ, func(ctx context.Context, m Message) {
		req, err := d.decode(m.Body)
		if err != nil {
			n.answerError(m, err)
			return
		}
		resp, err := fn(ctx, m, req)
		if m.MsgID == 0 {
			if err != nil {
				n.log.Warn("nodekit: handler failed on a message without msg_id", "type", m.Type, "src", m.Src, "error", err)
			}
			return
		}
		if err != nil {
			n.answerError(m, err)
			return
		}
		body, err := encodeReply(okType, m.MsgID, resp)
		if err != nil {
			n.log.Error("nodekit: cannot encode a reply", "type", okType, "error", err)
			n.answerError(m, err)
			return
		}
		if err := n.write(m.Src, body); err != nil {
			n.log.Warn("nodekit: sending a reply", "type", okType, "dest", m.Src, "error", err)
			if errors.Is(err, ErrTooLarge) {
				n.answerError(m, err)
			}
		}
	})
}

// HandleOneWay registers fn for messages of type typ to which the Node
// sends no reply of its own: gossip between nodes, or requests that fn
// answers later with Reply or ReplyError, from any goroutine. Bodies are
// decoded and checked as for Handle; a body that fails is answered with
// error 12 if it has a msg_id, and reported on the log otherwise.
func HandleOneWay[Req any](n *Node, typ string, fn func(ctx context.Context, m Message, req Req)) {
	d := newDecoder[Req](typ)
	n.handle(typ, func(ctx context.Context, m Message) {
		req, err := d.decode(m.Body)
		if err != nil {
			n.answerError(m, err)
			return
		}
		fn(ctx, m, req)
	})
}

// answerError replies to m with err, or logs it if m cannot be answered.
func (n *Node) answerError(m Message, err error) {
	if m.MsgID == 0 || m.Src == "" {
		n.log.Warn("nodekit: dropped a message", "type", m.Type, "src", m.Src, "error", err)
		return
	}
	if rerr := n.ReplyError(m, err); rerr != nil {
		n.log.Warn("nodekit: replying with an error", "dest", m.Src, "error", rerr)
	}
}

// encodeReply encodes resp with "type" and "in_reply_to" first.
func encodeReply(typ string, inReplyTo int64, resp any) ([]byte, error) {
	b, err := json.Marshal(resp)
	if err != nil {
		return nil, fmt.Errorf("nodekit: encoding a %s body: %w", typ, err)
	}
	if string(b) == "null" {
		b = []byte("{}")
	}
	if len(b) < 2 || b[0] != '{' {
		return nil, fmt.Errorf("nodekit: a %s body must be a JSON object, not %s", typ, excerpt(b))
	}
	t, _ := json.Marshal(typ)
	out := make([]byte, 0, len(b)+len(t)+40)
	out = append(out, `{"type":`...)
	out = append(out, t...)
	out = append(out, `,"in_reply_to":`...)
	out = strconv.AppendInt(out, inReplyTo, 10)
	if len(b) > 2 {
		out = append(out, ',')
	}
	return append(out, b[1:]...), nil
}

// reservedKeys are set by the Node in every reply.
var reservedKeys = []string{"type", "in_reply_to", "msg_id"}

// checkReply panics if a struct reply type has a field the Node sets.
func checkReply(t reflect.Type) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return
	}
	for _, name := range jsonNames(t) {
		for _, r := range reservedKeys {
			if name == r {
				panic(fmt.Sprintf("nodekit: reply type %v has a %q field, which the Node sets", t, name))
			}
		}
	}
}

// jsonNames returns the JSON names of a struct's top-level fields.
func jsonNames(t reflect.Type) []string {
	var out []string
	for f := range t.Fields() {
		if name, ok := jsonName(f); ok {
			out = append(out, name)
		}
	}
	return out
}

func jsonName(f reflect.StructField) (string, bool) {
	if !f.IsExported() {
		return "", false
	}
	tag := f.Tag.Get("json")
	if tag == "-" {
		return "", false
	}
	name, _, _ := strings.Cut(tag, ",")
	if name == "" {
		name = f.Name
	}
	return name, true
}

// DecodeError is a request body that does not fit its handler's type.
// The Node answers it with error 12 (malformed-request).
type DecodeError struct {
	// Type is the message type.
	Type string
	// Field is the JSON name of the offending field, "" for the whole body.
	Field string
	// Reason says what is wrong, e.g. `must be an integer, not a string`.
	Reason string
}

func (e *DecodeError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("malformed %s: %s", e.Type, e.Reason)
	}
	return fmt.Sprintf("malformed %s: %q %s", e.Type, e.Field, e.Reason)
}

// decoder decodes and checks request bodies of one type.
type decoder[Req any] struct {
	typ      string
	required []string
}

func newDecoder[Req any](typ string) decoder[Req] {
	d := decoder[Req]{typ: typ}
	t := reflect.TypeFor[Req]()
	if t.Kind() == reflect.Struct {
		for f := range t.Fields() {
			if name, ok := jsonName(f); ok && f.Tag.Get("nodekit") == "required" {
				d.required = append(d.required, name)
			}
		}
	}
	return d
}

type validator interface{ Validate() error }

func (d decoder[Req]) decode(body json.RawMessage) (Req, error) {
	var req Req
	if err := json.Unmarshal(body, &req); err != nil {
		return req, d.explain(err)
	}
	if len(d.required) > 0 {
		var present map[string]json.RawMessage
		_ = json.Unmarshal(body, &present) // the body is an object: the Node checked
		for _, name := range d.required {
			if !isSet(present[name]) {
				return req, &DecodeError{Type: d.typ, Field: name, Reason: "is missing"}
			}
		}
	}
	var v any = &req
	if _, ok := v.(validator); !ok {
		v = req
	}
	if val, ok := v.(validator); ok {
		if err := val.Validate(); err != nil {
			var de *DecodeError
			var rpc *maelstrom.RPCError
			if errors.As(err, &de) || errors.As(err, &rpc) {
				return req, err // the validator chose its code
			}
			return req, &DecodeError{Type: d.typ, Reason: err.Error()}
		}
	}
	return req, nil
}

// explain turns a decoding error into a DecodeError.
func (d decoder[Req]) explain(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			return &DecodeError{Type: d.typ, Reason: fmt.Sprintf("the body must be %s, not %s", kindOf(te.Type), te.Value)}
		}
		return &DecodeError{Type: d.typ, Field: field, Reason: fmt.Sprintf("must be %s, not %s", kindOf(te.Type), te.Value)}
	}
	return &DecodeError{Type: d.typ, Reason: strings.TrimPrefix(err.Error(), "json: ")}
}

// kindOf names the JSON a Go type takes.
func kindOf(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == reflect.TypeFor[json.RawMessage]() {
		return "any JSON value"
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer of " + fmt.Sprint(t.Bits()) + " bits"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a non-negative integer of " + fmt.Sprint(t.Bits()) + " bits"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		if t == reflect.TypeFor[json.Number]() {
			return "a number"
		}
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a " + t.String()
}
