// Command paxos is a Maelstrom node for the lin-kv workload: a key-value
// store replicated with Multi-Paxos. Every read, write and cas is a
// command chosen in a slot of the replicated log (a slot holds a batch);
// it is answered by the node that took it once the node has applied it,
// so every answer is linearizable.
//
// The protocol is in paxos.go, a pure state machine driven by ticks and
// messages (see Paxos); this file only reads the flags and hands the core
// to the shared lin-kv glue (nodes/internal/rsmnode) over the node kit.
//
// Flags come after Maelstrom's "--": -tick, -batch, -election, -seed,
// -expire, -persist. -batch 0s is the latency mode (Config.Eager): every
// op goes out at once in messages of its own, and the node that took it
// learns its slot chosen from the acceptors directly.
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
	fs := flag.NewFlagSet("paxos", flag.ContinueOnError)
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
	cfg.Eager = o.Batch == 0
	return cfg
}

// glue is the lin-kv node around a Multi-Paxos core.
func glue(o rsmnode.Options) rsmnode.Config[Message, HardState, Accepted] {
	return rsmnode.Config[Message, HardState, Accepted]{
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
		Tick:    o.Tick,
		Persist: o.Persist,
		Expire:  o.Expire,
	}
}
