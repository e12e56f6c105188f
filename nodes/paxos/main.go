// Command paxos is a Maelstrom node for the lin-kv workload: a key-value
// store replicated with Multi-Paxos. Every read, write and cas is a
// command chosen in a slot of the replicated log (a slot holds a batch);
// it is answered by the node that took it once the node has applied it,
// so every answer is linearizable.
//
// The protocol is in paxos.go, a pure state machine driven by ticks and
// messages (see Paxos); this file only parses flags and hands the core to
// the shared lin-kv glue (nodes/internal/rsmnode).
//
// Flags come after Maelstrom's "--": -tick, -batch, -election, -seed.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"time"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"

	"github.com/eddy-workbench/eddy/nodes/internal/durable"
	"github.com/eddy-workbench/eddy/nodes/internal/rsm"
	"github.com/eddy-workbench/eddy/nodes/internal/rsmnode"
)

func main() {
	opt, err := rsmnode.ParseFlags("paxos", os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "usage: paxos "+rsmnode.Usage)
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "paxos: %v\n", err)
		os.Exit(2)
	}
	// The library logs every message it sends or receives, and nothing
	// reads it.
	log.SetOutput(io.Discard)
	if err := rsmnode.Serve(maelstrom.NewNode(), os.Stdin, glue(opt)); err != nil {
		fmt.Fprintf(os.Stderr, "paxos: %v\n", err)
		os.Exit(1)
	}
}

// config is a core's configuration from the flags.
func config(o rsmnode.Options, id string, nodes []string) Config {
	t := o.Timing()
	cfg := DefaultConfig(id, nodes, o.Seed)
	cfg.Election, cfg.First, cfg.Heartbeat = t.Election, t.First, t.Heartbeat
	cfg.Batch, cfg.Resend, cfg.Queue = t.Batch, t.Resend, t.Queue
	return cfg
}

// glue is the lin-kv node around a Multi-Paxos core.
func glue(o rsmnode.Options) rsmnode.Config[Message, HardState, Accepted] {
	return rsmnode.Config[Message, HardState, Accepted]{
		Name:  "paxos",
		Kinds: Kinds,
		Decode: func(src, dest string, body []byte) (Message, error) {
			var m Message
			err := json.Unmarshal(body, &m)
			m.From, m.To = src, dest
			return m, err
		},
		NewCore: func(id string, nodes []string, st durable.State[HardState, Accepted]) rsm.Core[Message, HardState, Accepted] {
			return New(config(o, id, nodes), st)
		},
		Tick:   o.Tick,
		Expire: 5 * time.Second,
		Log:    os.Stderr,
	}
}
