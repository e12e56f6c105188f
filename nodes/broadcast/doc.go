// Command broadcast is a Maelstrom node for the broadcast workload (Gossip
// Glomers challenges 3a–3e). Clients send {"type":"broadcast","message":<int>}
// and {"type":"read"}; every value acknowledged by any node must eventually
// be in every node's read_ok, also across network partitions.
//
// A node answers broadcast_ok as soon as the value is stored locally and
// read_ok from memory. Nodes exchange one kind of fire-and-forget message,
// {"type":"sync","have":[[lo,hi],…]}, listing intervals of values the sender
// has; the workload's values are 0, 1, 2, …, so a set of thousands of values
// is a few intervals. A node also records, per peer, every interval list it
// received from it (what that peer is known to have), and sends it only what
// it may lack, in windows of under 48 KiB. The suggested topology is
// acknowledged and ignored: each strategy uses its own overlay. State is a
// handful of interval sets per node, so memory stays bounded.
//
// Time is cut into rounds of length T (-round), aligned to the wall clock so
// that nodes on one host agree on them. Two strategies (-strategy):
//
// latency (default; challenge 3d): a new value goes at once to every other
// node, so it is everywhere after one network latency, at a cost of n−1
// messages per broadcast (24 on 25 nodes, i.e. 12 per operation when half
// the operations are reads). Losses are repaired by anti-entropy: at each
// round boundary a node sends what one peer may lack to the peer 2^(r mod k)
// places further along the sorted node list (r the round number,
// k = ceil(log2 n)), so within k rounds without partition every node has
// every value. That adds up to n messages per round (T = 1s by default);
// in practice n, because a node seldom hears from the peers it sends to and
// so seldom knows that they have everything.
//
// messages (challenge 3e): a star. The first node of the sorted list is the
// hub. At each round boundary every other node (leaf) sends the hub what it
// may lack, or acknowledges the hub's last syncs; the hub waits -flush (30ms
// by default) after the first sync to arrive, then sends each leaf what it
// may lack, in one message. That is about 2(n−1) messages per round whatever
// the rate (T = 1.2s by default), and a value reaches every node within
// about T + 2 latencies + flush. The hub resends what a leaf has not
// acknowledged after 2T, and leaves resend every round until the hub has
// confirmed, which carries values across partitions once they heal.
//
// The node also serves Maelstrom's g-set workload ({"type":"add","element":<int>}
// and read_ok with "value"): reads answer with "messages" once a topology
// message has come, which the broadcast workload sends before any read and
// g-set never sends.
//
// Killed and restarted (eddy's --nemesis kill), a node keeps what it must:
// a value from one of its clients is appended to a log in the node's
// directory (nodekit.Node.Dir) before it is acknowledged, and read back at
// the restart. Everything else it gets back from its peers: each start is
// counted (durable.NextBoot) and every sync carries the sender's boot and
// the receiver's as last heard ("boot", "seen"; left out by a node with no
// directory). A peer that sees a node's boot change forgets what that node
// was known to have, so it sends it everything again, and confirms the new
// boot; the restarted node repeats a sync to each peer every round until
// it does. Without kills this costs a few bytes a sync and no message.
//
// main.go wires the Core (core.go) to a nodekit.Node. Flags come after
// Maelstrom's "--": -strategy latency|messages, -round DURATION, -flush
// DURATION (options.go).
package main
