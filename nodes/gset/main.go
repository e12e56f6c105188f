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
// every node has every element is silent. Messages are bounded to 47 KiB
// of elements; a larger set goes in several.
//
// Elements may be any JSON value of at most 1 KiB; the set keeps each in
// its compact form, so 1 and 1.0 are different elements, as in Maelstrom.
//
// Flags come after Maelstrom's "--": -strategy state|delta, -round
// DURATION, -flush DURATION.
package main

import (
	"flag"

	"github.com/eddy-workbench/eddy/nodekit"
	"github.com/eddy-workbench/eddy/nodes/internal/crdtnode"
)

func main() { nodekit.Main(program()) }

// program returns the node's flags and its setup.
func program() (*flag.FlagSet, func(*nodekit.Node) error) {
	fs := flag.NewFlagSet("gset", flag.ContinueOnError)
	options := crdtnode.Flags(fs)
	return fs, func(n *nodekit.Node) error {
		opt, err := options()
		if err != nil {
			return err
		}
		setup(n, opt)
		return nil
	}
}
