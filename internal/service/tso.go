package service

import (
	"encoding/json"
	"strconv"
)

// TSO is the lin-tso service: a timestamp oracle answering each ts request
// with the next integer, starting at 0.
type TSO struct {
	next int64
}

// NewTSO returns a lin-tso whose first timestamp is 0.
func NewTSO() *TSO { return &TSO{} }

// Handle serves one ts request; see Service.
func (s *TSO) Handle(src string, body []byte) ([]byte, string) {
	return respond("lin-tso", body, func(typ string, _ map[string]json.RawMessage) result {
		if typ != "ts" {
			return unknownType("lin-tso", typ)
		}
		ts := s.next
		s.next++
		return okWith("ts_ok", "ts", strconv.FormatInt(ts, 10))
	})
}
