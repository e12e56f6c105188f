// Command initkv is a node for the runner's tests that does its setup inside
// its init handler, as some public solutions do: before it answers init, it
// writes its name to seq-kv under the key "init-<node>" and says hello to the
// next node of node_ids (which may itself still be in its init handler), and
// it answers init_ok only once seq-kv and the peer have both replied. It then
// serves the echo workload.
//
// On Maelstrom this works, because a node's messages are routed from the
// moment its process runs. A harness that held everything but init until
// init_ok would deadlock it: the node waits for replies that are never
// delivered, and never answers init.
//
// Messages are handled concurrently (replies unblock the init handler while
// it waits), as the Maelstrom Go library does. Standard library only.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sync"
)

type message struct {
	Src  string          `json:"src"`
	Dest string          `json:"dest"`
	Body json.RawMessage `json:"body"`
}

type body struct {
	Type      string          `json:"type"`
	MsgID     int             `json:"msg_id"`
	InReplyTo int             `json:"in_reply_to"`
	NodeID    string          `json:"node_id"`
	NodeIDs   []string        `json:"node_ids"`
	Echo      json.RawMessage `json:"echo"`
}

type node struct {
	outMu sync.Mutex

	mu      sync.Mutex
	nextID  int
	waiting map[int]chan body
}

func (n *node) send(src, dest string, b map[string]any) {
	line, err := json.Marshal(map[string]any{"src": src, "dest": dest, "body": b})
	if err != nil {
		panic(err)
	}
	n.outMu.Lock()
	defer n.outMu.Unlock()
	os.Stdout.Write(append(line, '\n'))
}

// rpc sends a request and returns a channel that receives its reply.
func (n *node) rpc(src, dest string, b map[string]any) chan body {
	ch := make(chan body, 1)
	n.mu.Lock()
	n.nextID++
	id := n.nextID
	n.waiting[id] = ch
	n.mu.Unlock()
	b["msg_id"] = id
	n.send(src, dest, b)
	return ch
}

// init does the setup, then answers the init request.
func (n *node) init(src string, req body) {
	me := req.NodeID
	kv := n.rpc(me, "seq-kv", map[string]any{"type": "write", "key": "init-" + me, "value": me})
	var hello chan body
	i := slices.Index(req.NodeIDs, req.NodeID)
	if peer := req.NodeIDs[(i+1)%len(req.NodeIDs)]; peer != req.NodeID {
		hello = n.rpc(me, peer, map[string]any{"type": "hello"})
		fmt.Fprintf(os.Stderr, "initkv: %s said hello to %s\n", me, peer)
	}
	if r := <-kv; r.Type != "write_ok" {
		fmt.Fprintf(os.Stderr, "initkv: seq-kv answered the write with %s\n", r.Type)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "initkv: %s wrote seq-kv\n", me)
	if hello != nil {
		<-hello
		fmt.Fprintf(os.Stderr, "initkv: %s heard back from its peer\n", me)
	}
	n.send(me, src, map[string]any{"type": "init_ok", "in_reply_to": req.MsgID})
}

func main() {
	n := &node{waiting: map[int]chan body{}}
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 64<<10), 1<<20)
	for in.Scan() {
		var m message
		var b body
		if json.Unmarshal(in.Bytes(), &m) != nil || json.Unmarshal(m.Body, &b) != nil {
			fmt.Fprintf(os.Stderr, "initkv: bad input line %q\n", in.Bytes())
			continue
		}
		if b.InReplyTo != 0 {
			n.mu.Lock()
			ch := n.waiting[b.InReplyTo]
			delete(n.waiting, b.InReplyTo)
			n.mu.Unlock()
			if ch != nil {
				ch <- b
			}
			continue
		}
		switch b.Type {
		case "init":
			go n.init(m.Src, b)
		case "hello":
			// Answered at once, even before this node's own init_ok.
			n.send(m.Dest, m.Src, map[string]any{"type": "hello_ok", "in_reply_to": b.MsgID})
		case "echo":
			n.send(m.Dest, m.Src, map[string]any{"type": "echo_ok", "in_reply_to": b.MsgID, "echo": b.Echo})
		}
	}
}
