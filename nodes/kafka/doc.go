// Command kafka is a Maelstrom node for the kafka workload (Gossip Glomers
// challenges 5a–5c): an append-only log per key, with send, poll,
// commit_offsets and list_committed_offsets. It uses no service and every
// client request is answered from local memory, without waiting for any
// other node, so it stays available under partitions.
//
// Offsets: among n nodes in sorted order, node i allocates for every key
// from its own progression, the offsets congruent to i modulo n, each above
// every offset it has seen for that key. Offsets therefore never collide,
// increase per node, and stay below about n times the number of messages
// in the key. log.go explains the promise (frontier) this lets each node
// make, and why a poll that stops at the least frontier over all nodes
// never skips a message that turns up later.
//
// Replication: every -sync interval (20ms by default) a node sends each
// peer one fire-and-forget {"type":"sync",…} carrying, in order, what it
// originated since the last one — entries, raised frontiers, commits —
// numbered in one stream per node, plus the highest number of the peer's
// stream it has applied without gaps (core.go). Unacknowledged items go
// again after 5 intervals (backing off while the peer stays silent), which
// repairs losses and partitions. A node with nothing new for a peer sends
// it nothing, so an idle cluster is silent and a busy one costs about two
// syncs per interval per pair of nodes, whatever the request rate. Each
// sync stays under 48 KiB.
//
// Polls return at most 100 entries per key, and a poll_ok stays within
// 48 KiB. Keys are limited to 1 KiB and messages to 8 KiB of JSON, so that
// every item fits a sync many times over. main.go wires the Core to a
// nodekit.Node, which screens the input (a malformed request gets an
// error reply, never a crash).
//
// Killed and restarted (eddy's --nemesis kill), a node comes back as it
// was: every input that changes it is appended to a log in its directory
// first, and replayed at the restart (main.go).
//
// Flags come after Maelstrom's "--": -sync DURATION.
package main
