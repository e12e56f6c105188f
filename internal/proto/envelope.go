// Package proto holds Maelstrom's wire format: the message envelope, the
// conventional body fields of RPCs, and the error codes.
//
// Nodes print one JSON object per line. The harness only needs the top level
// of that object (src, dest, body) to route it, so ParseEnvelope validates the
// line and slices it without decoding the body; AppendDelivered rebuilds the
// line with the network's message id spliced in and the body bytes untouched.
package proto

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Envelope is the top level of a message.
type Envelope struct {
	Src  string
	Dest string
	// Body is the raw JSON of the body; it aliases the parsed line.
	Body []byte
}

// ParseEnvelope validates one line of node output and returns its envelope.
// The envelope schema is closed, as in Maelstrom: exactly the keys src and dest
// (strings), body (any JSON value) and optionally id (an integer). The error
// text says what is wrong and is meant to follow "malformed message: ".
func ParseEnvelope(line []byte) (Envelope, error) {
	var env Envelope
	if !json.Valid(line) {
		return env, errNotJSON
	}
	s := scanner{b: line}
	s.space()
	if !s.eat('{') {
		return env, errors.New("not a JSON object")
	}
	var haveSrc, haveDest, haveBody bool
	for {
		s.space()
		if s.eat('}') {
			break
		}
		s.eat(',')
		s.space()
		keyStart := s.i
		s.skipValue()
		key, err := decodeString(line[keyStart:s.i])
		if err != nil {
			return env, err
		}
		s.space()
		s.eat(':')
		s.space()
		valStart := s.i
		s.skipValue()
		val := line[valStart:s.i]
		switch key {
		case "src", "dest":
			if val[0] != '"' {
				return env, fmt.Errorf("%s is not a string", key)
			}
			str, err := decodeString(val)
			if err != nil {
				return env, err
			}
			if key == "src" {
				env.Src, haveSrc = str, true
			} else {
				env.Dest, haveDest = str, true
			}
		case "body":
			env.Body, haveBody = val, true
		case "id":
			if _, err := strconv.ParseInt(string(val), 10, 64); err != nil {
				return env, fmt.Errorf("id %s is not an integer", val)
			}
		default:
			return env, fmt.Errorf("unexpected key %q (an envelope has only src, dest, body and id)", key)
		}
	}
	switch {
	case !haveSrc:
		return env, errors.New("missing src")
	case !haveDest:
		return env, errors.New("missing dest")
	case !haveBody:
		return env, errors.New("missing body")
	}
	return env, nil
}

// errNotJSON reports a line that is not well-formed JSON.
var errNotJSON = errors.New("not well-formed JSON")

// IsNotJSON reports whether err is ParseEnvelope's error for a line that is
// not JSON at all.
func IsNotJSON(err error) bool { return errors.Is(err, errNotJSON) }

// MaxDepth is how deeply encoding/json, and so ParseEnvelope, lets arrays
// and objects nest.
const MaxDepth = 10000

// IsTooDeep reports whether line is JSON rejected only for nesting deeper
// than MaxDepth. It decodes the line, so call it only for a line
// ParseEnvelope refused.
func IsTooDeep(line []byte) bool {
	var v json.RawMessage
	err := json.Unmarshal(line, &v)
	return err != nil && strings.HasSuffix(err.Error(), "exceeded max depth")
}

// AppendDelivered appends to dst the line a node receives for a message:
// {"id":id,"src":src,"dest":dest,"body":body}, with body copied verbatim.
func AppendDelivered(dst []byte, id int64, src, dest string, body []byte) []byte {
	dst = append(dst, `{"id":`...)
	dst = strconv.AppendInt(dst, id, 10)
	dst = append(dst, `,"src":`...)
	dst = AppendString(dst, src)
	dst = append(dst, `,"dest":`...)
	dst = AppendString(dst, dest)
	dst = append(dst, `,"body":`...)
	dst = append(dst, body...)
	return append(dst, '}')
}

// AppendString appends s as a JSON string.
func AppendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c < 0x20:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, `\ufffd`...)
		} else {
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return append(dst, '"')
}

// decodeString decodes a JSON string token, fast when it has no escapes.
func decodeString(tok []byte) (string, error) {
	if len(tok) < 2 || tok[0] != '"' {
		return "", fmt.Errorf("expected a string, got %s", tok)
	}
	inner := tok[1 : len(tok)-1]
	for _, c := range inner {
		if c == '\\' {
			var s string
			if err := json.Unmarshal(tok, &s); err != nil {
				return "", err
			}
			return s, nil
		}
	}
	return string(inner), nil
}

// scanner walks JSON that json.Valid has already accepted, so it needs no
// error handling: it only finds where values end.
type scanner struct {
	b []byte
	i int
}

func (s *scanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) eat(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// skipValue advances past one JSON value (string, number, literal, object or array).
func (s *scanner) skipValue() {
	depth := 0
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch c {
		case '"':
			s.i++
			for s.i < len(s.b) && s.b[s.i] != '"' {
				if s.b[s.i] == '\\' {
					s.i++
				}
				s.i++
			}
			s.i++
		case '{', '[':
			depth++
			s.i++
		case '}', ']':
			if depth == 0 {
				return
			}
			depth--
			s.i++
		case ',', ':':
			if depth == 0 {
				return
			}
			s.i++
		case ' ', '\t', '\n', '\r':
			if depth == 0 {
				return
			}
			s.i++
		default:
			s.i++
		}
		if depth == 0 && (c == '"' || c == '}' || c == ']') {
			return
		}
	}
}
