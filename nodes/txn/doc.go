// Command txn is a Maelstrom node for the txn-rw-register workload (Gossip
// Glomers challenges 6a–6c): a key-value store of registers that runs every
// transaction at once on the node that receives it and answers txn_ok,
// without waiting for any other node, so it is totally available under
// partitions; and that is read committed, as core.go explains: writes are
// staged and installed together at commit, only a transaction's last write
// of a key is ever visible, and committed writes replicate asynchronously,
// the last writer (by Lamport version) winning.
//
// Replication costs at most two messages per pair of nodes per -sync
// interval (100ms by default), whatever the request rate, and nothing when
// there is nothing new.
//
// Every message to a peer stays within the kit's byte budget (48 KiB): a
// batch takes as many transactions as fit, and a transaction whose writes
// would not fit one alone is refused (error 12) before it commits.
//
// Killed and restarted (eddy's --nemesis kill), a node comes back as it
// was: what changes it is appended to a log in its directory first
// (main.go), and replayed at the restart.
//
// Flags come after Maelstrom's "--": -sync DURATION.
package main
