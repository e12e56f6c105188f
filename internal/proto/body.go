package proto

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
)

// Header holds the conventional RPC fields of a body.
type Header struct {
	Type      string
	MsgID     int64
	HasMsgID  bool
	InReplyTo int64
	HasReply  bool
	// Code is the error code of an error body; HasCode is false when the body
	// has none (Go's library drops code 0), which counts as indefinite.
	Code    int64
	HasCode bool
	Text    string
}

// Fields decodes the top level of a body into its keys and raw values.
func Fields(body []byte) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("body is not a JSON object: %v", err)
	}
	return m, nil
}

// ParseHeader reads the conventional fields of a body. Non-integer msg_id,
// in_reply_to or code, and a non-string type, are errors.
func ParseHeader(body []byte) (Header, map[string]json.RawMessage, error) {
	var h Header
	m, err := Fields(body)
	if err != nil {
		return h, nil, err
	}
	if raw, ok := m["type"]; ok {
		if err := json.Unmarshal(raw, &h.Type); err != nil {
			return h, m, fmt.Errorf("type %s is not a string", raw)
		}
	}
	for _, f := range []struct {
		key string
		dst *int64
		has *bool
	}{{"msg_id", &h.MsgID, &h.HasMsgID}, {"in_reply_to", &h.InReplyTo, &h.HasReply}, {"code", &h.Code, &h.HasCode}} {
		raw, ok := m[f.key]
		if !ok || string(raw) == "null" {
			continue
		}
		n, err := strconv.ParseInt(string(raw), 10, 64)
		if err != nil {
			return h, m, fmt.Errorf("%s %s is not an integer", f.key, raw)
		}
		*f.dst, *f.has = n, true
	}
	if raw, ok := m["text"]; ok {
		if err := json.Unmarshal(raw, &h.Text); err != nil {
			h.Text = string(raw)
		}
	}
	return h, m, nil
}

// Schema is a closed response schema: the body must have exactly Required
// plus any of Optional, and the fields type, in_reply_to (an integer) and
// optionally msg_id (an integer).
type Schema struct {
	Type     string
	Required []string
	Optional []string
	// Check, if set, validates the decoded field values further.
	Check func(fields map[string]json.RawMessage) error
}

// Validate checks a response body against the schema and says what is wrong.
func (s Schema) Validate(body []byte) error {
	h, m, err := ParseHeader(body)
	if err != nil {
		return err
	}
	if h.Type != s.Type {
		return fmt.Errorf("type is %q, expected %q", h.Type, s.Type)
	}
	if !h.HasReply {
		return fmt.Errorf("missing in_reply_to")
	}
	allowed := map[string]bool{"type": true, "in_reply_to": true, "msg_id": true}
	for _, k := range s.Required {
		allowed[k] = true
		if _, ok := m[k]; !ok {
			return fmt.Errorf("missing key %q", k)
		}
	}
	for _, k := range s.Optional {
		allowed[k] = true
	}
	var extra []string
	for k := range m {
		if !allowed[k] {
			extra = append(extra, k)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return fmt.Errorf("unexpected key %q", extra[0])
	}
	if s.Check != nil {
		return s.Check(m)
	}
	return nil
}

// Body builds a request body from ordered key/value pairs, marshalling each
// value; it keeps keys in the given order so requests read naturally in logs.
func Body(kv ...any) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(AppendString(nil, kv[i].(string)))
		b.WriteByte(':')
		switch v := kv[i+1].(type) {
		case json.RawMessage:
			if v == nil {
				v = json.RawMessage("null") // as json.Marshal writes a nil RawMessage
			}
			b.Write(v)
		default:
			raw, err := json.Marshal(v)
			if err != nil {
				raw = []byte("null")
			}
			b.Write(raw)
		}
	}
	b.WriteByte('}')
	return b.Bytes()
}
