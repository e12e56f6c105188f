package main

import (
	"encoding/json"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"
)

// request is the part of an echo request body that the node reads.
type request struct {
	MsgID int             `json:"msg_id"`
	Echo  json.RawMessage `json:"echo"`
}

// reply is the echo_ok body. Its keys are exactly type, in_reply_to and echo:
// Maelstrom's response schemas are closed, so the reply is built fresh rather
// than copied from the request.
type reply struct {
	Type      string          `json:"type"`
	InReplyTo int             `json:"in_reply_to"`
	Echo      json.RawMessage `json:"echo"`
}

// answer returns the echo_ok body for the body of an echo request. The echo
// value is carried as raw JSON, so any value (a string, a 20-digit integer, an
// object) comes back byte for byte. A body that is not an object with an echo
// field gets a definite malformed-request error.
func answer(body json.RawMessage) (reply, error) {
	var req request
	if err := json.Unmarshal(body, &req); err != nil {
		return reply{}, maelstrom.NewRPCError(maelstrom.MalformedRequest, "echo: "+err.Error())
	}
	if req.Echo == nil {
		return reply{}, maelstrom.NewRPCError(maelstrom.MalformedRequest, "echo: missing echo field")
	}
	return reply{Type: "echo_ok", InReplyTo: req.MsgID, Echo: req.Echo}, nil
}
