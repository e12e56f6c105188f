// Command pncounter is a Maelstrom node for the pn-counter workload (and
// g-counter): a counter that takes positive and negative deltas, totally
// available under partitions and needing no service. {"type":"add",
// "delta":D} is answered add_ok as soon as it is counted locally, and
// {"type":"read"} with the local value.
//
// The counter is a PN-counter CRDT: for every node, the total it has added
// and the total it has subtracted, each only growing, joined key by key
// with max (crdt.MaxMap); its value is the sum of the first less the sum of
// the second. It is spread over a star by crdt.Gossip: once a round
// (-round, 2s by default) every node other than the hub sends the hub what
// it has to send, and the hub, 30 ms after the first such message, sends
// each of them what it has for it. With -strategy state that is all 2n
// totals every round, unacknowledged; with -strategy delta (default) only
// the totals that rose since the peer last acknowledged them, so a settled
// cluster is silent. Every node holds every total once the network has
// healed for a round or two, so final reads agree exactly.
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
	fs := flag.NewFlagSet("pncounter", flag.ContinueOnError)
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
