package proto

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"
	"unicode/utf8"
)

// topLevel decodes a JSON object's top level in order with encoding/json and
// reports whether a key repeats. ok is false if line is not an object.
func topLevel(line []byte) (keys []string, vals []json.RawMessage, dup, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(line))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, nil, false, false
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, false, false
		}
		k := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, nil, false, false
		}
		dup = dup || seen[k]
		seen[k] = true
		keys, vals = append(keys, k), append(vals, v)
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, nil, false, false
	}
	if _, err := dec.Token(); err != io.EOF { // nothing after it
		return nil, nil, false, false
	}
	return keys, vals, dup, true
}

// FuzzParseEnvelope checks ParseEnvelope against encoding/json: it must never
// panic or modify its input; an accepted line must be an object with exactly
// src, dest, body and an optional integer id, with the same values
// encoding/json sees; and a line encoding/json sees as such an envelope (with
// no repeated key) must be accepted. AppendDelivered of an accepted envelope
// must be valid JSON that parses back to the same envelope.
func FuzzParseEnvelope(f *testing.F) {
	for _, s := range []string{
		`{"src":"c1","dest":"n1","body":{"type":"echo","echo":"hi","msg_id":1}}`,
		`{"id":12,"src":"c3","dest":"n1","body":{"type":"echo","echo":"Please echo 42","msg_id":1}}`,
		`{"body":[1,2],"dest":"n2","id":0,"src":"n1"}`,
		`{"src":"n\"1\\","dest":"\u006e2","body":"\ud83d\ude00"}`,
		" \t{ \"src\" : \"n1\" ,\r\n \"dest\":\"n2\", \"body\" : 1 } ",
		`{"src":"a","dest":"b","body":1,"id":1.5}`,
		`{"src":"a","dest":"b","body":1,"id":"3"}`,
		`{"src":1,"dest":"b","body":1}`,
		`{"src":"a","dest":"b","body":1,"extra":true}`,
		`{"src":"a","body":{}}`,
		`{"src":"a","dest":"b","body":{"s":"}{][\\\",:"},"id":-0}`,
		`[1,2,3]`,
		`not json`,
		"{\"src\":\"\xff\",\"dest\":\"b\",\"body\":null}",
	} {
		f.Add([]byte(s))
	}
	allowed := map[string]bool{"src": true, "dest": true, "body": true, "id": true}
	f.Fuzz(func(t *testing.T, line []byte) {
		orig := bytes.Clone(line)
		env, err := ParseEnvelope(line)
		if !bytes.Equal(orig, line) {
			t.Fatalf("ParseEnvelope modified its input: %q -> %q", orig, line)
		}
		valid := json.Valid(line)
		if IsNotJSON(err) == valid {
			t.Fatalf("IsNotJSON(%v) but json.Valid = %v for %q", err, valid, line)
		}

		keys, vals, dup, isObj := topLevel(line)
		// What encoding/json thinks, with the last of repeated keys winning.
		var src, dest string
		var body json.RawMessage
		var haveSrc, haveDest, haveBody, srcStr, destStr, idInt, onlyAllowed = false, false, false, false, false, true, true
		for i, k := range keys {
			if !allowed[k] {
				onlyAllowed = false
			}
			switch k {
			case "src":
				haveSrc = true
				srcStr = json.Unmarshal(vals[i], &src) == nil && vals[i][0] == '"'
			case "dest":
				haveDest = true
				destStr = json.Unmarshal(vals[i], &dest) == nil && vals[i][0] == '"'
			case "body":
				haveBody, body = true, vals[i]
			case "id":
				var id int64
				idInt = idInt && json.Unmarshal(vals[i], &id) == nil
			}
		}
		isEnvelope := isObj && onlyAllowed && haveSrc && haveDest && haveBody && srcStr && destStr && idInt

		if err != nil {
			if isEnvelope && !dup {
				t.Fatalf("rejected a valid envelope %q: %v", line, err)
			}
			return
		}
		if !isEnvelope {
			t.Fatalf("accepted %q, which encoding/json does not see as an envelope (object %v, keys %q)", line, isObj, keys)
		}
		if !bytes.Equal(env.Body, body) {
			t.Fatalf("body %q, encoding/json says %q, in %q", env.Body, body, line)
		}
		// Invalid UTF-8 in a string is kept as is by ParseEnvelope's fast path
		// and replaced by U+FFFD by encoding/json; compare only valid text.
		if utf8.Valid(line) && (env.Src != src || env.Dest != dest) {
			t.Fatalf("src/dest %q/%q, encoding/json says %q/%q, in %q", env.Src, env.Dest, src, dest, line)
		}

		out := AppendDelivered(nil, 42, env.Src, env.Dest, env.Body)
		if !json.Valid(out) {
			t.Fatalf("AppendDelivered gave invalid JSON %q for %q", out, line)
		}
		back, err := ParseEnvelope(out)
		if err != nil {
			t.Fatalf("AppendDelivered output %q does not parse: %v", out, err)
		}
		if !bytes.Equal(back.Body, env.Body) {
			t.Fatalf("body changed: %q -> %q", env.Body, back.Body)
		}
		if utf8.ValidString(env.Src) && back.Src != env.Src || utf8.ValidString(env.Dest) && back.Dest != env.Dest {
			t.Fatalf("src/dest changed: %q/%q -> %q/%q", env.Src, env.Dest, back.Src, back.Dest)
		}
	})
}
