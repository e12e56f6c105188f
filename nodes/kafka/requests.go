package main

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Limits on what a client may store, so that any entry fits a sync many
// times over.
const (
	maxKeyBytes = 1 << 10
	maxMsgBytes = 8 << 10
)

// The client requests, checked by the kit, and the replies, less the type
// and ids the kit adds.
type (
	SendReq struct {
		Key string          `json:"key" nodekit:"required"`
		Msg json.RawMessage `json:"msg"`
	}
	OffsetsReq struct {
		Offsets map[string]int64 `json:"offsets" nodekit:"required"`
	}
	KeysReq struct {
		Keys []string `json:"keys" nodekit:"required"`
	}
	SendOK struct {
		Offset int64 `json:"offset"`
	}
	PollOK struct {
		Msgs map[string][]Entry `json:"msgs"`
	}
	OffsetsOK struct {
		Offsets map[string]int64 `json:"offsets"`
	}
)

// Validate bounds keys and messages.
func (r SendReq) Validate() error {
	if len(r.Msg) == 0 {
		return errors.New(`send needs "msg", any JSON value`)
	}
	if len(r.Key) > maxKeyBytes || len(r.Msg) > maxMsgBytes {
		return fmt.Errorf("send takes keys up to %d bytes and messages up to %d bytes of JSON", maxKeyBytes, maxMsgBytes)
	}
	return nil
}
