package nodekit_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/eddy-workbench/eddy/nodekit"
)

// A whole echo node: a typed handler, on scripted input. The echoed value
// comes back byte for byte (no float64 round trip); a request without it
// gets error 12, one of an unknown type error 10, and a line that is not
// JSON is reported on the log and skipped.
func Example() {
	in := strings.NewReader(`{"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1"]}}
{"src":"c1","dest":"n1","body":{"type":"echo","msg_id":1,"echo":12345678901234567890}}
{"src":"c2","dest":"n1","body":{"type":"echo","msg_id":1}}
{"src":"c3","dest":"n1","body":{"type":"shout","msg_id":1}}
not json
`)
	n := nodekit.New(nodekit.WithIO(in, os.Stdout, io.Discard))

	type echo struct {
		Echo json.RawMessage `json:"echo" nodekit:"required"`
	}
	nodekit.Handle(n, "echo", func(_ context.Context, _ nodekit.Message, req echo) (echo, error) {
		return req, nil // sent as {"type":"echo_ok","in_reply_to":…,"echo":…}
	})
	if err := n.Run(context.Background()); err != nil {
		fmt.Println(err)
	}
	// Unordered output:
	// {"src":"n1","dest":"c0","body":{"type":"init_ok","in_reply_to":1}}
	// {"src":"n1","dest":"c1","body":{"type":"echo_ok","in_reply_to":1,"echo":12345678901234567890}}
	// {"src":"n1","dest":"c2","body":{"type":"error","in_reply_to":1,"code":12,"text":"malformed echo: \"echo\" is missing"}}
	// {"src":"n1","dest":"c3","body":{"type":"error","in_reply_to":1,"code":10,"text":"unsupported message type \"shout\""}}
}

// Splitting a replication backlog into messages that each fit 100 bytes.
func ExampleSplit() {
	type entry struct {
		Seq int    `json:"s"`
		Val string `json:"v"`
	}
	type syncBody struct {
		Type    string  `json:"type"`
		Entries []entry `json:"entries"`
	}
	var backlog []entry
	for i := 1; i <= 8; i++ {
		backlog = append(backlog, entry{i, strings.Repeat("x", i)})
	}
	batches, err := nodekit.Split(backlog, 100, func(b []entry) any {
		return syncBody{Type: "sync", Entries: b}
	})
	if err != nil {
		fmt.Println(err)
	}
	for _, b := range batches {
		msg, _ := json.Marshal(syncBody{Type: "sync", Entries: b})
		fmt.Println(len(msg), string(msg))
	}
	// Output:
	// 97 {"type":"sync","entries":[{"s":1,"v":"x"},{"s":2,"v":"xx"},{"s":3,"v":"xxx"},{"s":4,"v":"xxxx"}]}
	// 90 {"type":"sync","entries":[{"s":5,"v":"xxxxx"},{"s":6,"v":"xxxxxx"},{"s":7,"v":"xxxxxxx"}]}
	// 50 {"type":"sync","entries":[{"s":8,"v":"xxxxxxxx"}]}
}

// A Budget fills a message from a queue whose elements' encoded sizes are
// already known.
func ExampleBudget() {
	sizes := []int{30, 30, 30, 30} // encoded sizes of queued elements
	empty := len(`{"type":"sync","items":[]}`)
	b := nodekit.NewBudget(100, empty)
	for _, s := range sizes {
		if !b.Add(s) {
			break
		}
	}
	fmt.Println(b.Len(), "elements,", b.Used(), "bytes")
	// Output: 2 elements, 87 bytes
}

// A ManualClock moves only when told to, firing the timers that fall due.
func ExampleManualClock() {
	c := nodekit.NewManualClock(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	c.AfterFunc(time.Second, func() { fmt.Println("tick at", c.Now().Format(time.TimeOnly)) })
	c.Advance(500 * time.Millisecond)
	fmt.Println("nothing yet at", c.Now().Format("15:04:05.000"))
	c.Advance(time.Second)
	// Output:
	// nothing yet at 00:00:00.500
	// tick at 00:00:01
}

// A node binary's main is nodekit.Main(fs, setup); Exec is the same
// without the exit, here showing -h.
func ExampleExec() {
	fs := flag.NewFlagSet("counter", flag.ContinueOnError)
	every := fs.Duration("sync", time.Second, "how often to sync with peers")
	setup := func(n *nodekit.Node) error {
		if *every <= 0 {
			return fmt.Errorf("-sync must be positive")
		}
		n.Every(*every, func(context.Context, time.Time) { /* sync */ })
		return nil
	}
	status := nodekit.Exec(context.Background(), fs, []string{"-h"}, setup, nodekit.WithIO(nil, nil, os.Stdout))
	fmt.Println("exit status", status)
	status = nodekit.Exec(context.Background(), fs, []string{"-sync", "0s"}, setup, nodekit.WithIO(nil, nil, os.Stdout))
	fmt.Println("exit status", status)
	// Output:
	// usage: counter [flags] (after Maelstrom's --)
	//   -sync duration
	//     	how often to sync with peers (default 1s)
	// exit status 0
	// counter: -sync must be positive (-h for help)
	// exit status 2
}
