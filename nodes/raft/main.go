// Command raft is a Maelstrom node for the lin-kv workload: a key-value
// store replicated with Raft. Every read, write and cas is a command in the
// replicated log; it is answered by the node that took it once the node
// has applied it, so every answer is linearizable.
//
// The protocol is in raft.go, a pure state machine driven by ticks and
// messages (see Raft); this file only reads the flags and hands the core
// to the shared lin-kv glue (nodes/internal/rsmnode) over the node kit.
//
// Flags come after Maelstrom's "--": -tick, -batch, -election, -seed,
// -expire, -persist. -batch 0s is the latency mode (see Raft): every op
// goes to the leader and on to the followers at once, and a follower's op
// is answered after three network hops, at the cost of more messages.
package main

import (
	"encoding/json"
	"flag"

	"github.com/eddy-workbench/eddy/nodekit"
	"github.com/eddy-workbench/eddy/nodes/internal/durable"
	"github.com/eddy-workbench/eddy/nodes/internal/rsm"
	"github.com/eddy-workbench/eddy/nodes/internal/rsmnode"
)

func main() { nodekit.Main(program()) }

// program returns the node's flags and its setup.
func program() (*flag.FlagSet, func(*nodekit.Node) error) {
	fs := flag.NewFlagSet("raft", flag.ContinueOnError)
	opt := rsmnode.Flags(fs)
	return fs, func(n *nodekit.Node) error {
		if err := opt.Check(); err != nil {
			return err
		}
		rsmnode.Setup(n, glue(*opt))
		return nil
	}
}

// config is a core's configuration from the flags.
func config(o rsmnode.Options, id string, nodes []string) Config {
	t := o.Timing()
	cfg := DefaultConfig(id, nodes, o.Seed)
	cfg.Election, cfg.First, cfg.Heartbeat = t.Election, t.First, t.Heartbeat
	cfg.Batch, cfg.Resend, cfg.Queue = t.Batch, t.Resend, t.Queue
	if o.Batch == 0 {
		cfg.Batch = 0 // the latency mode: every message goes at once
	}
	return cfg
}

// glue is the lin-kv node around a Raft core.
func glue(o rsmnode.Options) rsmnode.Config[Message, HardState, Entry] {
	return rsmnode.Config[Message, HardState, Entry]{
		Kinds: Kinds,
		Decode: func(src, dest string, body []byte) (Message, error) {
			var m Message
			err := json.Unmarshal(body, &m)
			m.From, m.To = src, dest
			return m, err
		},
		NewCore: func(id string, nodes []string, st durable.State[HardState, Entry]) rsm.Core[Message, HardState, Entry] {
			return New(config(o, id, nodes), st)
		},
		Tick:    o.Tick,
		Persist: o.Persist,
		Expire:  o.Expire,
	}
}
