package rsmnode

import (
	"errors"
	"flag"
	"fmt"
	"time"
)

// Options are the flags the consensus nodes share (after Maelstrom's "--").
type Options struct {
	// Tick is how often the core is ticked.
	Tick time.Duration
	// Batch is the least time between two replication messages from the
	// leader to one follower.
	Batch time.Duration
	// Election is the least election timeout.
	Election time.Duration
	// Seed, with the node's name, seeds the core's random timeouts.
	Seed uint64
	// Expire is how long a client request may wait for an answer; an
	// older one is forgotten unanswered.
	Expire time.Duration
	// Persist keeps the durable state in a file of the node's directory
	// (under eddy), so that it survives the node being killed; false
	// keeps it in memory, which a kill wipes.
	Persist bool
}

// Timing is Options in ticks, with the timeouts derived from them.
type Timing struct {
	Election, First, Heartbeat, Batch, Resend, Queue int
}

// Flags registers the options on fs and returns them, to be checked
// (Check) once fs has parsed the arguments.
func Flags(fs *flag.FlagSet) *Options {
	var o Options
	fs.DurationVar(&o.Tick, "tick", 10*time.Millisecond, "how often the protocol is ticked")
	fs.DurationVar(&o.Batch, "batch", 50*time.Millisecond, "least time between two replication messages to a follower; 0s sends at once (the latency mode)")
	fs.DurationVar(&o.Election, "election", 500*time.Millisecond, "least election timeout (each is drawn from [e, 2e))")
	fs.Uint64Var(&o.Seed, "seed", 0, "seed of the random timeouts (with the node's name)")
	fs.DurationVar(&o.Expire, "expire", 900*time.Millisecond, "forget a client request unanswered after this long (Maelstrom's lin-kv clients give up after 1 s, or 10 × --latency)")
	fs.BoolVar(&o.Persist, "persist", true, "keep the term, vote or promise and the log in the node's directory ($EDDY_NODE_DIR), so that a killed node restarts from them; -persist=false keeps them in memory only, which breaks the protocol under eddy's --nemesis kill")
	return &o
}

// Check says what is wrong with the options, if anything.
func (o Options) Check() error {
	switch {
	case o.Tick <= 0:
		return errors.New("-tick must be positive")
	case o.Expire <= 0:
		return errors.New("-expire must be positive")
	case o.Batch < 0:
		return errors.New("-batch must not be negative")
	case o.Election < 10*o.Tick:
		return fmt.Errorf("-election must be at least 10 ticks (%v)", 10*o.Tick)
	case o.Batch > o.Election/4:
		return errors.New("-batch must be at most a quarter of -election")
	}
	return nil
}

// Timing converts the options to ticks: heartbeats every fifth of the
// election timeout, resends after two fifths, a fresh cluster's first
// timeout a fifth, and client ops with no leader failing after one
// election timeout.
func (o Options) Timing() Timing {
	ticks := func(d time.Duration) int { return max(1, int(d/o.Tick)) }
	t := Timing{Election: ticks(o.Election), Batch: ticks(o.Batch)}
	t.First = max(1, t.Election/5)
	t.Heartbeat = max(t.Batch, t.Election/5)
	t.Resend = max(t.Batch, t.Election*2/5)
	t.Queue = t.Election
	return t
}
