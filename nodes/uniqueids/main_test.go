package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	log.SetOutput(io.Discard) // the library logs every message to stderr
	os.Exit(m.Run())
}

// TestNode drives the wired node the way Maelstrom does: init first, and
// nothing else until init_ok has come back.
func TestNode(t *testing.T) {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	n := newNode("b0")
	n.Stdin, n.Stdout = inR, outW
	done := make(chan error, 1)
	go func() { done <- n.Run() }()
	out := bufio.NewScanner(outR)

	type body struct {
		Type      string `json:"type"`
		InReplyTo int    `json:"in_reply_to"`
		ID        string `json:"id"`
		Code      int    `json:"code"`
	}
	next := func() (string, body) {
		t.Helper()
		if !out.Scan() {
			t.Fatalf("no output: %v", out.Err())
		}
		var m struct {
			Dest string
			Body body
		}
		if err := json.Unmarshal(out.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		return m.Dest, m.Body
	}

	fmt.Fprintln(inW, `{"id":0,"src":"c0","dest":"n2","body":{"type":"init","msg_id":1,"node_id":"n2","node_ids":["n1","n2"]}}`)
	if dest, b := next(); dest != "c0" || b.Type != "init_ok" || b.InReplyTo != 1 {
		t.Fatalf("init answered with %s %+v", dest, b)
	}
	// A second init must not restart the counter.
	fmt.Fprintln(inW, `{"id":1,"src":"c0","dest":"n2","body":{"type":"init","msg_id":2,"node_id":"n2","node_ids":["n1","n2"]}}`)
	next()

	seen := map[string]bool{}
	for i := 1; i <= 5; i++ {
		fmt.Fprintf(inW, `{"id":%d,"src":"c4","dest":"n2","body":{"type":"generate","msg_id":%d}}`+"\n", i+1, i)
		dest, b := next()
		if dest != "c4" || b.Type != "generate_ok" || b.InReplyTo != i || b.ID == "" || seen[b.ID] {
			t.Fatalf("generate %d answered with %s %+v", i, dest, b)
		}
		seen[b.ID] = true
	}
	if !seen["n2-b0-1"] || !seen["n2-b0-5"] {
		t.Errorf("IDs = %v, want n2-b0-1 … n2-b0-5", seen)
	}

	inW.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
