// Package service holds Maelstrom's built-in services (lin-kv, seq-kv,
// lww-kv and lin-tso) as plain state machines. They do no I/O and start no
// goroutines: the caller feeds them request bodies one at a time and sends
// the replies they return. Every random choice comes from the seed: the n-th
// request a node sends a service draws from the stream named for the
// service and the node (seeded.Stream), so what it draws does not depend on
// when other nodes' requests arrive.
package service

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/eddy-workbench/eddy/internal/proto"
	"github.com/eddy-workbench/eddy/internal/seeded"
)

// Names lists the services every run registers: "lin-kv", "seq-kv",
// "lww-kv", "lin-tso".
func Names() []string {
	return []string{"lin-kv", "seq-kv", "lww-kv", "lin-tso"}
}

// Service is one service's state. Handle is called one request at a time
// (never concurrently).
type Service interface {
	// Handle serves one request body from the endpoint src and returns the
	// complete reply body: a JSON object whose "in_reply_to" is the
	// request's msg_id copied as raw JSON, or null when the request has
	// none. problem is "" normally; for a request the service cannot serve
	// (a body that is not a JSON object, a missing or unknown type, a
	// missing or ill-typed field) it is a one-line description, and the
	// reply is an error body with code 10 (not-supported) for a missing or
	// unknown type or 12 (malformed-request) otherwise.
	Handle(src string, body []byte) (reply []byte, problem string)
}

// New returns a fresh service of the given name, whose random choices
// (seq-kv's version picks, lww-kv's replica picks) come from seed. An
// unknown name is an error.
func New(name string, seed uint64) (Service, error) {
	switch name {
	case "lin-kv":
		return NewLinKV(), nil
	case "seq-kv":
		return NewSeqKV(seed), nil
	case "lww-kv":
		return NewLWWKV(seed), nil
	case "lin-tso":
		return NewTSO(), nil
	}
	return nil, fmt.Errorf("unknown service %q", name)
}

// streams are a service's random streams, one per requesting endpoint.
type streams struct {
	seed    uint64
	service string
	of      map[string]*rand.Rand
}

func newStreams(seed uint64, service string) streams {
	return streams{seed: seed, service: service, of: map[string]*rand.Rand{}}
}

// get is src's stream: its n-th request draws from the n-th state.
func (s streams) get(src string) *rand.Rand {
	r, ok := s.of[src]
	if !ok {
		r = seeded.Stream(s.seed, s.service+" "+strconv.Quote(src))
		s.of[src] = r
	}
	return r
}

// result is what serving a request produced, before in_reply_to is added.
type result struct {
	typ   string // reply type, "error" for errors
	field string // name of the single payload field of a success, if any
	raw   string // that field's JSON value
	code  int    // error code
	text  string // error text
	bad   bool   // the request could not be served; text is the problem
}

func ok(typ string) result { return result{typ: typ} }

func okWith(typ, field, raw string) result { return result{typ: typ, field: field, raw: raw} }

func fail(code int, text string) result { return result{typ: "error", code: code, text: text} }

func malformed(text string) result {
	return result{typ: "error", code: proto.CodeMalformedRequest, text: text, bad: true}
}

func unsupported(text string) result {
	return result{typ: "error", code: proto.CodeNotSupported, text: text, bad: true}
}

// problem is the description Handle reports alongside the reply.
func (r result) problem() string {
	if r.bad {
		return r.text
	}
	return ""
}

// encode renders the reply body: type, then the payload (code and text for
// an error), then in_reply_to.
func (r result) encode(replyTo []byte) []byte {
	b := make([]byte, 0, 48+len(r.raw)+len(r.text)+len(replyTo))
	b = append(b, `{"type":`...)
	b = proto.AppendString(b, r.typ)
	if r.typ == "error" {
		b = append(b, `,"code":`...)
		b = strconv.AppendInt(b, int64(r.code), 10)
		b = append(b, `,"text":`...)
		b = proto.AppendString(b, r.text)
	} else if r.field != "" {
		b = append(b, ',')
		b = proto.AppendString(b, r.field)
		b = append(b, ':')
		b = append(b, r.raw...)
	}
	b = append(b, `,"in_reply_to":`...)
	b = append(b, replyTo...)
	return append(b, '}')
}

// respond decodes a request body, hands its type and fields to serve and
// encodes the reply. Bodies that are not objects, and missing or non-string
// types, are answered here.
func respond(service string, body []byte, serve func(typ string, fields map[string]json.RawMessage) result) ([]byte, string) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil || fields == nil {
		r := malformed("request body is not a JSON object")
		return r.encode([]byte("null")), r.problem()
	}
	replyTo := []byte("null")
	if raw, has := fields["msg_id"]; has {
		var c bytes.Buffer
		if json.Compact(&c, raw) == nil {
			replyTo = c.Bytes()
		}
	}
	var r result
	rawType, has := fields["type"]
	var typ string
	switch {
	case !has || string(rawType) == "null":
		r = unsupported("missing request type for " + service)
	case json.Unmarshal(rawType, &typ) != nil:
		r = malformed("request type is not a string for " + service)
	default:
		r = serve(typ, fields)
	}
	return r.encode(replyTo), r.problem()
}

// unknownType is the reply to a request type the service does not serve.
func unknownType(service, typ string) result {
	return unsupported(fmt.Sprintf("unknown request type %q for %s", typ, service))
}
