package main

import (
	"encoding/json"
	"fmt"
)

// Service is the Maelstrom service the node forwards to.
const Service = "lin-kv"

// Fields is a message body as its top-level fields, each kept as the raw
// JSON received, so that keys and values (integers beyond 2^53, say) are
// relayed byte for byte.
type Fields map[string]json.RawMessage

// Forward returns the body to send the service for a client's request
// body: every field but msg_id, which the node's own call replaces.
func Forward(body json.RawMessage) Fields {
	var f Fields
	_ = json.Unmarshal(body, &f) // the kit checked it is an object
	delete(f, "msg_id")
	return f
}

// Relay returns the fields of the client's reply for the service's reply
// body: all but type, msg_id and in_reply_to, which the kit sets.
func Relay(reply json.RawMessage) (Fields, error) {
	var f Fields
	if err := json.Unmarshal(reply, &f); err != nil {
		return nil, fmt.Errorf("%s replied with a body that is not an object: %w", Service, err)
	}
	for _, k := range []string{"type", "msg_id", "in_reply_to"} {
		delete(f, k)
	}
	return f, nil
}
