// Command uniqueids is a Maelstrom node for the unique-ids workload (Gossip
// Glomers challenge 2). It answers {"type":"generate"} with
// {"type":"generate_ok","id":<string>} using a Generator (ids.go), without
// talking to any other node, so it stays available under partitions. It
// takes no flags.
package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"flag"
	"strconv"

	"github.com/eddy-workbench/eddy/nodekit"
)

func main() { nodekit.Main(flag.NewFlagSet("uniqueids", flag.ContinueOnError), setup(newBoot())) }

// newBoot draws this process's boot token: 64 random bits in base 36.
func newBoot() string {
	var b [8]byte
	rand.Read(b[:]) // never fails (crypto/rand crashes the program instead)
	return strconv.FormatUint(binary.LittleEndian.Uint64(b[:]), 36)
}

// generateOK is the generate_ok body, less what the kit adds.
type generateOK struct {
	ID string `json:"id"`
}

// setup registers the generate handler over a Generator made at init with
// the node's id and boot (the kit runs no handler before init).
func setup(boot string) func(n *nodekit.Node) error {
	return func(n *nodekit.Node) error {
		var gen *Generator
		n.OnInit(func(context.Context) error {
			gen = New(n.ID(), boot)
			return nil
		})
		nodekit.Handle(n, "generate", func(context.Context, nodekit.Message, struct{}) (generateOK, error) {
			return generateOK{ID: gen.Next()}, nil
		})
		return nil
	}
}
