// Command uniqueids is a Maelstrom node for the unique-ids workload (Gossip
// Glomers challenge 2). It answers {"type":"generate"} with
// {"type":"generate_ok","id":<string>} using a Generator (ids.go), without
// talking to any other node, so it stays available under partitions.
package main

import (
	"crypto/rand"
	"encoding/binary"
	"log"
	"strconv"
	"sync/atomic"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"
)

func main() {
	if err := newNode(newBoot()).Run(); err != nil {
		log.Fatal(err)
	}
}

// newBoot draws this process's boot token: 64 random bits in base 36.
func newBoot() string {
	var b [8]byte
	rand.Read(b[:]) // never fails (crypto/rand crashes the program instead)
	return strconv.FormatUint(binary.LittleEndian.Uint64(b[:]), 36)
}

// generateOK is the generate_ok body; the library adds in_reply_to.
type generateOK struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// newNode returns a node on stdin/stdout that issues IDs from a Generator
// created at init with the node's id and boot.
func newNode(boot string) *maelstrom.Node {
	n := maelstrom.NewNode()
	var gen atomic.Pointer[Generator]
	n.Handle("init", func(maelstrom.Message) error {
		// n.ID() was set by the library in this goroutine just before this hook.
		// A repeated init keeps the first Generator: a fresh one with the same
		// boot would restart the counter and reissue IDs.
		gen.CompareAndSwap(nil, New(n.ID(), boot))
		return nil
	})
	n.Handle("generate", func(msg maelstrom.Message) error {
		g := gen.Load()
		if g == nil {
			return maelstrom.NewRPCError(maelstrom.TemporarilyUnavailable, "not initialised yet")
		}
		return n.Reply(msg, generateOK{Type: "generate_ok", ID: g.Next()})
	})
	return n
}
