// Command gset is a Maelstrom node for the g-set workload: a grow-only set,
// totally available under partitions. {"type":"add","element":E} is
// answered add_ok as soon as the element is in the local set, and
// {"type":"read"} with the local set, so no client request ever waits for
// another node.
//
// The set is a state-based CRDT (crdt.MaxMap: the elements are its keys;
// union is its join), spread over a star by crdt.Gossip: once a round
// (-round, 2s by default) every node other than the hub sends the hub what
// it has to send, and the hub, 30 ms after the first such message, sends
// each of them what it has for it. With -strategy state what is sent is
// the whole set, every round, unacknowledged; with -strategy delta
// (default) it is only the elements the peer may lack, each message
// acknowledged, an element resent until acknowledged, so a cluster where
// every node has every element is silent. Messages are bounded to 48 KiB
// of elements; a larger set goes in several.
//
// Elements may be any JSON value of at most 1 KiB; the set keeps each in
// its compact form, so 1 and 1.0 are different elements, as in Maelstrom.
//
// Flags come after Maelstrom's "--": -strategy state|delta, -round
// DURATION, -flush DURATION.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"

	"github.com/eddy-workbench/eddy/nodes/internal/crdtnode"
)

const usage = "usage: gset [-strategy state|delta] [-round DURATION] [-flush DURATION]"

func main() {
	opt, err := crdtnode.ParseFlags("gset", os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "gset: %v\n%s\n", err, usage)
		os.Exit(2)
	}
	// The library logs every message it sends or receives; nothing reads it.
	log.SetOutput(io.Discard)
	if err := newServer(maelstrom.NewNode(), opt).Run(); err != nil {
		fmt.Fprintf(os.Stderr, "gset: %v\n", err)
		os.Exit(1)
	}
}
