package main

import (
	"encoding/json"
	"errors"
)

// Echo is the body of an echo request and of its echo_ok, less the type
// and ids the kit handles. The value is carried as raw JSON, so any value
// (a string, a 25-digit integer, an object, null) comes back byte for
// byte.
type Echo struct {
	Echo json.RawMessage `json:"echo"`
}

// Validate refuses a request without an echo field (the kit answers error
// 12).
func (e Echo) Validate() error {
	if len(e.Echo) == 0 {
		return errors.New(`missing "echo" field`)
	}
	return nil
}

// Answer returns the echo_ok for a request: the same value. Maelstrom's
// response schemas are closed, so the reply has no other field.
func Answer(req Echo) Echo { return Echo{Echo: req.Echo} }
