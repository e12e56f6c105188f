// Package nodekit is a small kit for Maelstrom nodes in Go: the part of
// every node that is not its protocol.
//
// A Node reads Maelstrom messages from stdin and writes them to stdout, as
// maelstrom.Node from github.com/jepsen-io/maelstrom/demo/go does, and uses
// that library's error type and codes; it adds what a robust node needs
// and the library leaves to each node:
//
//   - typed handlers (Handle, HandleOneWay): a request body decoded into a
//     Go struct, checked (types, required fields, Validate), and the reply
//     a Go struct; bad input gets the right Maelstrom error code, never a
//     crash of the node;
//   - requests to other nodes and services with a timeout, retries and
//     backoff (Node.Call, CallOptions), and a key-value service client
//     (KV), with exact numbers;
//   - the node's ids from init (ID, NodeIDs, Peers), its neighbours from a
//     topology message (HandleTopology), an init hook (OnInit);
//   - periodic tasks that stop with the node (Every);
//   - byte-bounded batching (Split, Budget), so that no message to another
//     node is a line the library's 64 KiB reader cannot take: Send refuses
//     bodies over the node's budget (DefaultMaxBody) to other nodes;
//   - an input reader that takes lines up to 1 MiB and reports, on stderr,
//     every line it cannot use;
//   - an injectable clock (Clock, ManualClock) for node cores that run on a
//     simulated clock;
//   - a structured log on stderr (Logger), and a durable Store;
//   - Main, which turns flags and a setup function into a node binary.
//
// A node built on the kit is a pure core (its state and decisions, with
// the time passed in and messages returned, unit-tested without I/O)
// plus short glue: the handlers and tasks that feed the core and send
// what it returns.
package nodekit
