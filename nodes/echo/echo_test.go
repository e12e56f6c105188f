package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log"
	"os"
	"strings"
	"testing"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"
)

func TestMain(m *testing.M) {
	log.SetOutput(io.Discard) // the library logs every message to stderr
	os.Exit(m.Run())
}

func TestAnswerKeepsEchoExactly(t *testing.T) {
	for _, v := range []string{
		`"Please echo 42"`,
		`""`,
		`12345678901234567890123`, // would lose digits through float64
		`{"a":[1,2.5,null],"b":"x"}`,
		`null`,
	} {
		body := `{"type":"echo","msg_id":7,"echo":` + v + `}`
		r, err := answer(json.RawMessage(body))
		if err != nil {
			t.Fatalf("answer(%s): %v", body, err)
		}
		got, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		want := `{"type":"echo_ok","in_reply_to":7,"echo":` + v + `}`
		if string(got) != want {
			t.Errorf("answer(%s) = %s, want %s", body, got, want)
		}
	}
}

func TestAnswerRejectsMalformed(t *testing.T) {
	for _, body := range []string{`{"type":"echo","msg_id":1}`, `[1]`, `"echo"`} {
		_, err := answer(json.RawMessage(body))
		var rpcErr *maelstrom.RPCError
		if !errors.As(err, &rpcErr) || rpcErr.Code != maelstrom.MalformedRequest {
			t.Errorf("answer(%s) error = %v, want a malformed-request RPCError", body, err)
		}
	}
}

// TestNode runs the wired node over the library's loop, with the top-level
// "id" field Maelstrom adds to delivered messages.
func TestNode(t *testing.T) {
	in := strings.Join([]string{
		`{"id":3,"src":"c1","dest":"n0","body":{"type":"echo","msg_id":1,"echo":"hi"}}`,
		`{"id":4,"src":"c2","dest":"n0","body":{"type":"echo","msg_id":9,"echo":98765432109876543210}}`,
		`{"id":5,"src":"c3","dest":"n0","body":{"type":"echo","msg_id":2}}`,
	}, "\n") + "\n"
	var out bytes.Buffer
	n := newNode()
	n.Init("n0", []string{"n0"}) // init is not under test; avoids the library's init race
	n.Stdin, n.Stdout = strings.NewReader(in), &out
	if err := n.Run(); err != nil {
		t.Fatal(err)
	}

	want := map[string]string{
		"c1": `{"echo":"hi","in_reply_to":1,"type":"echo_ok"}`,
		"c2": `{"echo":98765432109876543210,"in_reply_to":9,"type":"echo_ok"}`,
	}
	sc := bufio.NewScanner(&out)
	got := 0
	for sc.Scan() {
		var m struct {
			Src, Dest string
			Body      json.RawMessage
		}
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("bad output line %q: %v", sc.Text(), err)
		}
		if m.Src != "n0" {
			t.Errorf("src = %q, want n0", m.Src)
		}
		got++
		if m.Dest == "c3" {
			if !strings.Contains(string(m.Body), `"code":12`) || !strings.Contains(string(m.Body), `"in_reply_to":2`) {
				t.Errorf("reply to a request without echo = %s, want a code 12 error", m.Body)
			}
			continue
		}
		if canon := canonical(t, m.Body); canon != want[m.Dest] {
			t.Errorf("reply to %s = %s, want %s", m.Dest, canon, want[m.Dest])
		}
	}
	if got != 3 {
		t.Errorf("got %d replies, want 3:\n%s", got, out.String())
	}
}

// canonical re-encodes a JSON object with sorted keys, keeping numbers exact.
func canonical(t *testing.T, b []byte) string {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v map[string]any
	if err := d.Decode(&v); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}
