// Command raft is a Maelstrom node for the lin-kv workload: a key-value
// store replicated with Raft. Every read, write and cas is a command in the
// replicated log; it is answered by the node that took it once the node
// has applied it, so every answer is linearizable.
//
// The protocol is in raft.go, a pure state machine driven by ticks and
// messages (see Raft); this file only parses flags and hands the core to
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

const usage = "usage: raft [-tick DURATION] [-batch DURATION] [-election DURATION] [-seed N]"

func main() {
	opt, err := parseFlags(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "raft: %v\n", err)
		os.Exit(2)
	}
	// The library logs every message it sends or receives, and nothing
	// reads it.
	log.SetOutput(io.Discard)
	if err := rsmnode.Serve(maelstrom.NewNode(), os.Stdin, glue(opt)); err != nil {
		fmt.Fprintf(os.Stderr, "raft: %v\n", err)
		os.Exit(1)
	}
}

// Options are the node's flags.
type Options struct {
	Tick, Batch, Election time.Duration
	Seed                  uint64
}

// parseFlags reads the node's flags.
func parseFlags(args []string) (Options, error) {
	fs := flag.NewFlagSet("raft", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var o Options
	fs.DurationVar(&o.Tick, "tick", 10*time.Millisecond, "how often the protocol is ticked")
	fs.DurationVar(&o.Batch, "batch", 50*time.Millisecond, "least time between two replication messages to a follower")
	fs.DurationVar(&o.Election, "election", 500*time.Millisecond, "least election timeout (each is drawn from [e, 2e))")
	fs.Uint64Var(&o.Seed, "seed", 0, "seed of the election timeouts (with the node's name)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	switch {
	case o.Tick <= 0:
		return o, errors.New("-tick must be positive")
	case o.Batch < 0:
		return o, errors.New("-batch must not be negative")
	case o.Election < 5*o.Tick:
		return o, fmt.Errorf("-election must be at least 5 ticks (%v)", 5*o.Tick)
	case o.Batch > o.Election/2:
		return o, errors.New("-batch must be at most half of -election")
	}
	return o, nil
}

// config turns the flags into a core's configuration, in ticks.
func (o Options) config(id string, nodes []string) Config {
	ticks := func(d time.Duration) int { return max(1, int(d/o.Tick)) }
	cfg := DefaultConfig(id, nodes, o.Seed)
	cfg.Election = ticks(o.Election)
	cfg.First = max(1, cfg.Election/5)
	cfg.Batch = ticks(o.Batch)
	cfg.Heartbeat = max(cfg.Batch, cfg.Election/5)
	cfg.Resend = max(cfg.Batch, cfg.Election*2/5)
	cfg.Queue = cfg.Election
	return cfg
}

// glue is the lin-kv node around a Raft core.
func glue(o Options) rsmnode.Config[Message, HardState, Entry] {
	return rsmnode.Config[Message, HardState, Entry]{
		Name:  "raft",
		Kinds: Kinds,
		Decode: func(src, dest string, body []byte) (Message, error) {
			var m Message
			err := json.Unmarshal(body, &m)
			m.From, m.To = src, dest
			return m, err
		},
		NewCore: func(id string, nodes []string, st durable.State[HardState, Entry]) rsm.Core[Message, HardState, Entry] {
			return New(o.config(id, nodes), st)
		},
		Tick:   o.Tick,
		Expire: 5 * time.Second,
		Log:    os.Stderr,
	}
}
