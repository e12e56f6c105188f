package service

import (
	"encoding/json"
	"fmt"

	"github.com/eddy-workbench/eddy/internal/proto"
)

// kvOp is a parsed KV request. Keys and values are held in canonical form
// (see canonical), so equal values are equal strings.
type kvOp struct {
	kind   string // "read", "write" or "cas"
	key    string
	value  string // the value a write or cas stores
	from   string // the value a cas expects
	create bool   // cas: create a missing key
}

// parseKV reads a KV request of the given type. A type other than read,
// write or cas, or a missing or ill-typed field, gives an error result.
func parseKV(service, typ string, fields map[string]json.RawMessage) (kvOp, *result) {
	op := kvOp{kind: typ}
	var names []string
	switch typ {
	case "read":
		names = []string{"key"}
	case "write":
		names = []string{"key", "value"}
	case "cas":
		names = []string{"key", "from", "to"}
	default:
		r := unknownType(service, typ)
		return op, &r
	}
	dst := map[string]*string{"key": &op.key, "value": &op.value, "from": &op.from, "to": &op.value}
	for _, name := range names {
		raw, has := fields[name]
		if !has {
			r := malformed(fmt.Sprintf("%s request has no %q field", typ, name))
			return op, &r
		}
		c, err := canonical(raw)
		if err != nil {
			r := malformed(fmt.Sprintf("%s request has an unreadable %q field", typ, name))
			return op, &r
		}
		*dst[name] = c
	}
	if raw, has := fields["create_if_not_exists"]; has && typ == "cas" && string(raw) != "null" {
		if err := json.Unmarshal(raw, &op.create); err != nil {
			r := malformed(`cas request's "create_if_not_exists" is not a boolean`)
			return op, &r
		}
	}
	return op, nil
}

// eval evaluates the request against a map seen through get. store reports
// whether the request writes op.value to op.key (a write, or a cas that
// succeeds); the caller applies the write.
func (op kvOp) eval(get func(key string) (string, bool)) (r result, store bool) {
	cur, present := get(op.key)
	switch op.kind {
	case "read":
		if !present {
			return fail(proto.CodeKeyDoesNotExist, "key does not exist"), false
		}
		return okWith("read_ok", "value", cur), false
	case "write":
		return ok("write_ok"), true
	default: // cas
		switch {
		case !present && op.create:
			return ok("cas_ok"), true
		case !present:
			return fail(proto.CodeKeyDoesNotExist, "key does not exist"), false
		case cur != op.from:
			return fail(proto.CodePreconditionFailed,
				fmt.Sprintf("current value %s is not %s", cur, bare(op.from))), false
		}
		return ok("cas_ok"), true
	}
}

// changes reports whether evaluating the request against the map seen
// through get alters it: it stores a value the key does not already hold.
func (op kvOp) changes(get func(key string) (string, bool)) (r result, changed bool) {
	r, store := op.eval(get)
	if !store {
		return r, false
	}
	cur, present := get(op.key)
	return r, !present || cur != op.value
}

// LinKV is the lin-kv service: a single map, each request applied
// atomically in arrival order, hence linearizable.
type LinKV struct {
	m map[string]string
}

// NewLinKV returns an empty lin-kv.
func NewLinKV() *LinKV { return &LinKV{m: map[string]string{}} }

// Handle serves one read, write or cas request; see Service.
func (s *LinKV) Handle(src string, body []byte) ([]byte, string) {
	return respond("lin-kv", body, func(typ string, fields map[string]json.RawMessage) result {
		op, bad := parseKV("lin-kv", typ, fields)
		if bad != nil {
			return *bad
		}
		r, store := op.eval(func(k string) (string, bool) { v, ok := s.m[k]; return v, ok })
		if store {
			s.m[op.key] = op.value
		}
		return r
	})
}
