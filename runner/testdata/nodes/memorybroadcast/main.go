// Command memorybroadcast is a broadcast node for the runner's tests of the
// process faults. It is correct under partitions and pauses: each value it
// learns (from a client or a peer) is gossiped to every peer and resent
// every 100 ms until that peer acknowledges it with gossip_ok; then it is
// never sent to that peer again. Its mode (the first argument) says where
// it keeps what it knows:
//
//   - memory: only in memory. Killed and restarted, the node comes back
//     empty, and no peer sends it again what it had acknowledged, so a kill
//     loses values: a positive control, proving that a kill wipes memory.
//   - durable: it also appends each value to a log in its directory
//     ($EDDY_NODE_DIR, package nodekit/durable) before acknowledging it,
//     to a client or a peer. Restarted, it reads the log back and gossips
//     everything again (it does not know what its peers hold), so nothing
//     is lost.
//
// Each start is logged to stderr with the number of values it recovered.
// It uses the standard library and nodekit/durable only.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/eddy-workbench/eddy/nodekit/durable"
)

type body struct {
	Type    string   `json:"type"`
	MsgID   int      `json:"msg_id"`
	NodeID  string   `json:"node_id"`
	NodeIDs []string `json:"node_ids"`
	Message int64    `json:"message"`
}

type node struct {
	mu      sync.Mutex
	out     *json.Encoder
	me      string
	peers   []string
	vals    map[int64]bool
	unacked map[string]map[int64]bool // peer → values it has not acknowledged
	log     *durable.Log              // nil in memory mode
}

func main() {
	if len(os.Args) != 2 || (os.Args[1] != "memory" && os.Args[1] != "durable") {
		fmt.Fprintln(os.Stderr, "usage: memorybroadcast memory|durable")
		os.Exit(2)
	}
	n := &node{out: json.NewEncoder(os.Stdout), vals: map[int64]bool{}, unacked: map[string]map[int64]bool{}}
	var recovered [][]byte
	if os.Args[1] == "durable" {
		dir := os.Getenv(durable.EnvDir)
		if dir == "" {
			fmt.Fprintln(os.Stderr, "memorybroadcast: durable mode needs $"+durable.EnvDir)
			os.Exit(2)
		}
		var err error
		if n.log, recovered, err = durable.OpenLog(filepath.Join(dir, "values")); err != nil {
			fmt.Fprintln(os.Stderr, "memorybroadcast:", err)
			os.Exit(1)
		}
		for _, r := range recovered {
			v, err := strconv.ParseInt(string(r), 10, 64)
			if err != nil {
				fmt.Fprintln(os.Stderr, "memorybroadcast: bad record:", err)
				os.Exit(1)
			}
			n.vals[v] = true
		}
	}
	fmt.Fprintf(os.Stderr, "memorybroadcast %s starting with %d values\n", os.Args[1], len(n.vals))

	go func() {
		for range time.Tick(100 * time.Millisecond) {
			n.resend()
		}
	}()
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 64<<10), 16<<20)
	for in.Scan() {
		var m struct {
			Src  string `json:"src"`
			Body body   `json:"body"`
		}
		if err := json.Unmarshal(in.Bytes(), &m); err != nil {
			fmt.Fprintf(os.Stderr, "memorybroadcast: bad input %q: %v\n", in.Bytes(), err)
			continue
		}
		n.handle(m.Src, m.Body)
	}
}

func (n *node) send(dest string, b map[string]any) {
	n.out.Encode(map[string]any{"src": n.me, "dest": dest, "body": b})
}

func (n *node) handle(src string, b body) {
	n.mu.Lock()
	defer n.mu.Unlock()
	switch b.Type {
	case "init":
		n.me = b.NodeID
		for _, p := range b.NodeIDs {
			if p != n.me {
				n.peers = append(n.peers, p)
				n.unacked[p] = map[int64]bool{}
				for v := range n.vals { // recovered: every peer may lack it
					n.unacked[p][v] = true
				}
			}
		}
		n.send(src, map[string]any{"type": "init_ok", "in_reply_to": b.MsgID})
	case "topology":
		n.send(src, map[string]any{"type": "topology_ok", "in_reply_to": b.MsgID})
	case "broadcast":
		n.learn(b.Message)
		n.send(src, map[string]any{"type": "broadcast_ok", "in_reply_to": b.MsgID})
	case "gossip":
		n.learn(b.Message)
		n.send(src, map[string]any{"type": "gossip_ok", "in_reply_to": b.MsgID, "message": b.Message})
	case "gossip_ok":
		delete(n.unacked[src], b.Message)
	case "read":
		read := make([]int64, 0, len(n.vals))
		for v := range n.vals {
			read = append(read, v)
		}
		slices.Sort(read)
		n.send(src, map[string]any{"type": "read_ok", "messages": read, "in_reply_to": b.MsgID})
	}
}

// learn keeps v (durably first, in durable mode) and gossips it if new.
func (n *node) learn(v int64) {
	if n.vals[v] {
		return
	}
	if n.log != nil {
		if err := n.log.Append([]byte(strconv.FormatInt(v, 10))); err != nil {
			fmt.Fprintln(os.Stderr, "memorybroadcast:", err)
			os.Exit(1)
		}
	}
	n.vals[v] = true
	for _, p := range n.peers {
		n.unacked[p][v] = true
		n.send(p, map[string]any{"type": "gossip", "message": v})
	}
}

// resend gossips again every value a peer has not acknowledged.
func (n *node) resend() {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, p := range n.peers {
		for v := range n.unacked[p] {
			n.send(p, map[string]any{"type": "gossip", "message": v})
		}
	}
}
