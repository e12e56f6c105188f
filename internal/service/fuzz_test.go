package service

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// FuzzHandle sends arbitrary bodies to every service: none may panic, and
// each reply must be a JSON object with a type and an in_reply_to.
func FuzzHandle(f *testing.F) {
	for _, seed := range []string{
		`{"type":"read","key":"a","msg_id":1}`,
		`{"type":"write","key":[1,{"b":2.0}],"value":123456789012345678901234567890,"msg_id":2}`,
		`{"type":"cas","key":1,"from":1,"to":2,"create_if_not_exists":true,"msg_id":3}`,
		`{"type":"ts","msg_id":4}`,
		`{"type":"cas","key":1,"from":1e400,"to":-0.0,"create_if_not_exists":"x"}`,
		`{"type":7,"msg_id":"id"}`,
		`{"msg_id":[1, 2]}`,
		`[1,2,3]`,
		`null`,
		"{\"type\":\"read\",\"key\":\"\xff\"}",
		``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, name := range Names() {
			s, err := New(name, 1)
			if err != nil {
				t.Fatal(err)
			}
			// Twice, so the second request meets whatever the first stored.
			for range 2 {
				reply, problem := s.Handle("n0", body)
				var m map[string]json.RawMessage
				if err := json.Unmarshal(reply, &m); err != nil || m == nil {
					t.Fatalf("%s: reply %q is not a JSON object: %v", name, reply, err)
				}
				if _, ok := m["in_reply_to"]; !ok {
					t.Fatalf("%s: reply %s has no in_reply_to", name, reply)
				}
				var typ string
				if err := json.Unmarshal(m["type"], &typ); err != nil || typ == "" {
					t.Fatalf("%s: reply %s has no type", name, reply)
				}
				if _, ok := m["msg_id"]; ok {
					t.Fatalf("%s: reply %s carries a msg_id", name, reply)
				}
				if bytes.ContainsAny(reply, "\n\r") {
					t.Fatalf("%s: reply %q spans lines", name, reply)
				}
				if problem != "" {
					code := string(m["code"])
					if typ != "error" || (code != "10" && code != "12") {
						t.Fatalf("%s: problem %q with reply %s", name, problem, reply)
					}
					if strings.ContainsAny(problem, "\n\r") {
						t.Fatalf("%s: problem %q spans lines", name, problem)
					}
				}
			}
		}
	})
}
