// Command nodetest is a tiny node for Maelstrom's g-counter workload, and an
// example of testing a node with eddy from go test (see node_test.go).
//
// Each node counts the adds it receives, sends its peers every count it
// knows every 100 ms, and keeps the largest count it has heard of each
// node; a read answers the sum. The counts only grow, so a node that hears
// an old message loses nothing, and once the network heals every node
// reads the same total.
//
// With -ignore-gossip the node drops what its peers send, a bug the test
// expects eddy to catch.
package main

import (
	"encoding/json"
	"flag"
	"log"
	"maps"
	"sync"
	"time"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"
)

func main() {
	interval := flag.Duration("gossip", 100*time.Millisecond, "how often a node sends its counts to its peers")
	ignore := flag.Bool("ignore-gossip", false, "drop what peers send (a bug, for the test)")
	flag.Parse()

	n := maelstrom.NewNode()
	c := &counter{counts: map[string]int64{}}
	n.Handle("add", func(msg maelstrom.Message) error {
		var body struct{ Delta int64 }
		if err := json.Unmarshal(msg.Body, &body); err != nil {
			return maelstrom.NewRPCError(maelstrom.MalformedRequest, err.Error())
		}
		c.add(n.ID(), body.Delta)
		return n.Reply(msg, map[string]any{"type": "add_ok"})
	})
	n.Handle("read", func(msg maelstrom.Message) error {
		return n.Reply(msg, map[string]any{"type": "read_ok", "value": c.sum()})
	})
	n.Handle("gossip", func(msg maelstrom.Message) error {
		var body struct{ Counts map[string]int64 }
		if err := json.Unmarshal(msg.Body, &body); err != nil {
			return err
		}
		if !*ignore {
			c.merge(body.Counts)
		}
		return nil
	})
	go func() {
		for range time.Tick(*interval) {
			counts := c.snapshot()
			for _, peer := range n.NodeIDs() {
				if peer != n.ID() {
					n.Send(peer, map[string]any{"type": "gossip", "counts": counts})
				}
			}
		}
	}()
	if err := n.Run(); err != nil {
		log.Fatal(err)
	}
}

// counter is the largest count known of each node.
type counter struct {
	mu     sync.Mutex
	counts map[string]int64
}

// add counts delta more for node.
func (c *counter) add(node string, delta int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts[node] += delta
}

// merge keeps, for each node, the larger of the two counts.
func (c *counter) merge(counts map[string]int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for node, v := range counts {
		c.counts[node] = max(c.counts[node], v)
	}
}

func (c *counter) snapshot() map[string]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.counts)
}

func (c *counter) sum() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var s int64
	for _, v := range c.counts {
		s += v
	}
	return s
}
