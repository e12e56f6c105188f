package proto

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseEnvelopeValid(t *testing.T) {
	for _, tc := range []struct {
		name, line      string
		src, dest, body string
	}{
		{"plain", `{"src":"c1","dest":"n1","body":{"type":"echo","echo":"hi","msg_id":1}}`,
			"c1", "n1", `{"type":"echo","echo":"hi","msg_id":1}`},
		{"with id", `{"id":12,"src":"c3","dest":"n1","body":{"type":"echo","echo":"Please echo 42","msg_id":1}}`,
			"c3", "n1", `{"type":"echo","echo":"Please echo 42","msg_id":1}`},
		{"keys in any order", `{"body":[1,2],"dest":"n2","id":0,"src":"n1"}`, "n1", "n2", `[1,2]`},
		{"id last", `{"dest":"n2","body":{},"src":"n1","id":7}`, "n1", "n2", `{}`},
		{"negative id", `{"src":"a","dest":"b","body":1,"id":-5}`, "a", "b", `1`},
		{"minus zero id", `{"src":"a","dest":"b","body":1,"id":-0}`, "a", "b", `1`},
		{"max id", `{"src":"a","dest":"b","body":1,"id":9223372036854775807}`, "a", "b", `1`},
		{"string body", `{"src":"a","dest":"b","body":"hello \"world\""}`, "a", "b", `"hello \"world\""`},
		{"number body", `{"src":"a","dest":"b","body":-1.5e3}`, "a", "b", `-1.5e3`},
		{"null body", `{"src":"a","dest":"b","body":null}`, "a", "b", `null`},
		{"true body", `{"src":"a","dest":"b","body":true}`, "a", "b", `true`},
		{"empty array body", `{"src":"a","dest":"b","body":[]}`, "a", "b", `[]`},
		{"nested body keeps its bytes",
			`{"src":"a","dest":"b","body":{"src":1,"id":"x","extra":{"dest":[{"}":"{]["}]},"s":"}\\\"{,:"}}`,
			"a", "b", `{"src":1,"id":"x","extra":{"dest":[{"}":"{]["}]},"s":"}\\\"{,:"}`},
		{"whitespace everywhere", " \t{ \"src\" : \"n1\" ,\r\n \"dest\":\"n2\",\t\"body\" : { \"a\" : 1 } , \"id\" : 3 } \r",
			"n1", "n2", `{ "a" : 1 }`},
		{"number body before whitespace", `{"src":"a","body":42 ,"dest":"b"}`, "a", "b", `42`},
		{"escaped quotes and backslashes in src", `{"src":"n\"1\\","dest":"x\\\\","body":0}`, `n"1\`, `x\\`, `0`},
		{"unicode escapes", `{"src":"\u006e\u0031","dest":"\u00e9\ud83d\ude00","body":0}`, "n1", "é😀", `0`},
		{"escaped key", `{"\u0073rc":"n1","de\u0073t":"n2","body":0}`, "n1", "n2", `0`},
		{"control escapes", `{"src":"a\n\t\u0000b","dest":"c","body":0}`, "a\n\t\x00b", "c", `0`},
		{"raw unicode", `{"src":"nœud","dest":"节点","body":"ü"}`, "nœud", "节点", `"ü"`},
		{"empty ids", `{"src":"","dest":"","body":{}}`, "", "", `{}`},
		{"duplicate body: last wins", `{"src":"a","dest":"b","body":1,"body":2}`, "a", "b", `2`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			line := []byte(tc.line)
			orig := bytes.Clone(line)
			env, err := ParseEnvelope(line)
			require.NoError(t, err)
			assert.Equal(t, tc.src, env.Src)
			assert.Equal(t, tc.dest, env.Dest)
			assert.Equal(t, tc.body, string(env.Body))
			assert.Equal(t, orig, line, "the line must not be modified")
			// Body is a slice of the line, not a copy.
			if len(env.Body) > 0 {
				assert.Same(t, &line[strings.LastIndex(tc.line, tc.body)], &env.Body[0], "body aliases the line")
			}
			// encoding/json agrees.
			var m map[string]json.RawMessage
			require.NoError(t, json.Unmarshal(line, &m))
			var src, dest string
			require.NoError(t, json.Unmarshal(m["src"], &src))
			require.NoError(t, json.Unmarshal(m["dest"], &dest))
			assert.Equal(t, src, env.Src)
			assert.Equal(t, dest, env.Dest)
			assert.Equal(t, string(m["body"]), string(env.Body))
		})
	}
}

func TestParseEnvelopeInvalid(t *testing.T) {
	for _, tc := range []struct {
		name, line, want string
		notJSON          bool
	}{
		{"empty", ``, "not well-formed JSON", true},
		{"garbage", `hello world`, "not well-formed JSON", true},
		{"log line", `INFO starting node n1`, "not well-formed JSON", true},
		{"truncated", `{"src":"a","dest":"b","body":{`, "not well-formed JSON", true},
		{"trailing comma", `{"src":"a","dest":"b","body":1,}`, "not well-formed JSON", true},
		{"single quotes", `{'src':'a','dest':'b','body':1}`, "not well-formed JSON", true},
		{"two objects on a line", `{"src":"a","dest":"b","body":1}{"src":"a","dest":"b","body":2}`, "not well-formed JSON", true},
		{"trailing garbage", `{"src":"a","dest":"b","body":1} x`, "not well-formed JSON", true},
		{"raw newline in string", "{\"src\":\"a\nb\",\"dest\":\"b\",\"body\":1}", "not well-formed JSON", true},
		{"array", `[{"src":"a","dest":"b","body":1}]`, "not a JSON object", false},
		{"string", `"src"`, "not a JSON object", false},
		{"number", `42`, "not a JSON object", false},
		{"null", `null`, "not a JSON object", false},
		{"empty object", `{}`, "missing src", false},
		{"missing src", `{"dest":"b","body":1}`, "missing src", false},
		{"missing dest", `{"src":"a","body":1}`, "missing dest", false},
		{"missing body", `{"src":"a","dest":"b","id":1}`, "missing body", false},
		{"extra key", `{"src":"a","dest":"b","body":1,"type":"echo"}`, `unexpected key "type"`, false},
		{"extra key first", `{"foo":null,"src":"a","dest":"b","body":1}`, `unexpected key "foo"`, false},
		{"keys are case-sensitive", `{"Src":"a","dest":"b","body":1}`, `unexpected key "Src"`, false},
		{"extra msg_id at top level", `{"src":"a","dest":"b","body":1,"msg_id":1}`, `unexpected key "msg_id"`, false},
		{"number src", `{"src":1,"dest":"b","body":1}`, "src is not a string", false},
		{"null src", `{"src":null,"dest":"b","body":1}`, "src is not a string", false},
		{"array src", `{"src":["n1"],"dest":"b","body":1}`, "src is not a string", false},
		{"object dest", `{"src":"a","dest":{"id":"n1"},"body":1}`, "dest is not a string", false},
		{"bool dest", `{"src":"a","dest":true,"body":1}`, "dest is not a string", false},
		{"fractional id", `{"src":"a","dest":"b","body":1,"id":1.5}`, "id 1.5 is not an integer", false},
		{"string id", `{"src":"a","dest":"b","body":1,"id":"3"}`, `id "3" is not an integer`, false},
		{"exponent id", `{"src":"a","dest":"b","body":1,"id":1e2}`, "id 1e2 is not an integer", false},
		{"float-looking integer id", `{"src":"a","dest":"b","body":1,"id":3.0}`, "id 3.0 is not an integer", false},
		{"null id", `{"src":"a","dest":"b","body":1,"id":null}`, "id null is not an integer", false},
		{"overflowing id", `{"src":"a","dest":"b","body":1,"id":9223372036854775808}`, "is not an integer", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseEnvelope([]byte(tc.line))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Equal(t, tc.notJSON, IsNotJSON(err), "IsNotJSON(%v)", err)
		})
	}
	assert.False(t, IsNotJSON(nil))
}

// strs are awkward strings for the encoder: quotes, backslashes, every
// control character, DEL, multi-byte and astral runes, the JavaScript line
// separators, and HTML-sensitive characters.
var strs = func() []string {
	s := []string{"", "n1", "c0", "seq-kv", `"`, `\`, `\"`, `"\\"`, "\x7f", "é", "节点", "😀", "\u2028\u2029", "<a&b>", "\ufffd", "a\u0000b"}
	var ctl strings.Builder
	for c := range 0x20 {
		s = append(s, string(rune(c)))
		ctl.WriteByte(byte(c))
	}
	return append(s, ctl.String(), strings.Repeat(`\"`, 100)+"é\n")
}()

func TestAppendDelivered(t *testing.T) {
	bodies := []string{`{}`, `{"type":"echo","echo":"hi","msg_id":1}`, `[1, 2 ,{"a" : null}]`, `"x"`, `-0.5e-3`, `null`,
		"{ \"s\" : \"\\u00e9\\\\\" ,\t\"n\":{\"z\":[]} }"}
	ids := []int64{0, 1, 12, -1, 1 << 62}
	for i, src := range strs {
		dest := strs[(i*7+3)%len(strs)]
		body := bodies[i%len(bodies)]
		id := ids[i%len(ids)]

		prefix := []byte("prefix:")
		out := AppendDelivered(bytes.Clone(prefix), id, src, dest, []byte(body))
		require.True(t, bytes.HasPrefix(out, prefix), "the destination's contents are kept")
		line := out[len(prefix):]
		require.True(t, json.Valid(line), "not JSON: %q", line)
		require.True(t, bytes.HasPrefix(line, []byte(`{"id":`)), "id comes first: %s", line)
		require.False(t, bytes.ContainsAny(line, "\n"), "a delivered message is one line: %q", line)

		var got struct {
			ID   *int64          `json:"id"`
			Src  *string         `json:"src"`
			Dest *string         `json:"dest"`
			Body json.RawMessage `json:"body"`
		}
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		require.NoError(t, dec.Decode(&got))
		require.NotNil(t, got.ID)
		require.NotNil(t, got.Src)
		require.NotNil(t, got.Dest)
		assert.Equal(t, id, *got.ID)
		assert.Equal(t, src, *got.Src, "src %q", src)
		assert.Equal(t, dest, *got.Dest, "dest %q", dest)
		assert.Equal(t, body, string(got.Body), "body is copied verbatim")

		// And it parses back.
		env, err := ParseEnvelope(line)
		require.NoError(t, err)
		assert.Equal(t, Envelope{Src: src, Dest: dest, Body: []byte(body)}, env)
	}
}

func TestAppendString(t *testing.T) {
	check := func(s string) {
		t.Helper()
		out := AppendString(nil, s)
		var back string
		if !assert.NoError(t, json.Unmarshal(out, &back), "%q -> %s", s, out) {
			return
		}
		// Invalid UTF-8 becomes U+FFFD, as encoding/json does it.
		want := s
		if !utf8.ValidString(s) {
			var viaJSON string
			raw, _ := json.Marshal(s)
			_ = json.Unmarshal(raw, &viaJSON)
			want = viaJSON
		}
		assert.Equal(t, want, back, "%q -> %s", s, out)
	}
	for _, s := range strs {
		check(s)
	}
	for b := range 256 {
		check(string([]byte{byte(b)}))
		check("a" + string([]byte{byte(b)}) + "z")
	}
	for _, s := range []string{"\xff", "a\xffb", "\xc3", "\xc3(", "\xed\xa0\x80", "\xf4\x90\x80\x80", "é\xe9"} {
		check(s)
	}
	// Short escapes for the common control characters, \u00XX for the rest.
	assert.Equal(t, `"\n\t\r\"\\\u0000\u001f\u0008"`, string(AppendString(nil, "\n\t\r\"\\\x00\x1f\b")))
	assert.Equal(t, `"é😀"`, string(AppendString(nil, "é😀")), "valid UTF-8 is copied as is")
	assert.Equal(t, `"a\ufffdb"`, string(AppendString(nil, "a\xffb")))
}

func BenchmarkParseEnvelope(b *testing.B) {
	line := []byte(`{"src":"n12","dest":"n3","body":{"type":"broadcast","message":1234567,"msg_id":42,"pad":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}}`)
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	var out []byte
	for b.Loop() {
		env, err := ParseEnvelope(line)
		if err != nil {
			b.Fatal(err)
		}
		out = AppendDelivered(out[:0], 99, env.Src, env.Dest, env.Body)
	}
}
