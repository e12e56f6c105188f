package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/eddy-workbench/eddy/nodes/internal/durable"
	"github.com/eddy-workbench/eddy/nodes/internal/rsm"
	"github.com/eddy-workbench/eddy/nodes/internal/rsmsim"
)

// simConfig is a simulated cluster of Raft cores with the node's timing
// and a small byte bound, so that long catch-ups take several messages.
func simConfig(seed uint64) rsmsim.Config[Message, HardState, Entry] {
	return rsmsim.Config[Message, HardState, Entry]{
		Nodes: 5, Seed: seed, Ticks: 1500, Settle: 500,
		New: func(id string, nodes []string, seed uint64, st durable.State[HardState, Entry]) rsm.Core[Message, HardState, Entry] {
			cfg := DefaultConfig(id, nodes, seed)
			cfg.MaxBytes = 2 << 10
			return New(cfg, st)
		},
		Decode:  decode,
		Steps:   10,
		Clients: 10, Think: 5, Timeout: 100, Keys: 2,
		Check: newInvariants().check,
	}
}

func decode(from, to string, body []byte) (Message, error) {
	var m Message
	if err := json.Unmarshal(body, &m); err != nil {
		return m, err
	}
	m.From, m.To = from, to
	return m, nil
}

// invariants checks Raft's safety properties over a whole run.
type invariants struct {
	leaders   map[uint64]string // term → its leader
	committed []Entry           // the longest committed prefix seen
	by        []string          // who committed each first
	termOf    []uint64          // the term of the node that saw each committed first
	ticks     int
}

func newInvariants() *invariants { return &invariants{leaders: map[uint64]string{}} }

func (v *invariants) check(cores []rsm.Core[Message, HardState, Entry]) error {
	v.ticks++
	var rs []*Raft
	for _, c := range cores {
		if c != nil {
			rs = append(rs, c.(*Raft))
		}
	}
	for _, r := range rs {
		// Election safety: at most one leader per term.
		if r.IsLeader() {
			if l, ok := v.leaders[r.Term()]; ok && l != r.ID() {
				return fmt.Errorf("election safety: %s and %s both lead term %d", l, r.ID(), r.Term())
			}
			v.leaders[r.Term()] = r.ID()
		}
		// State machine safety: committed prefixes agree.
		log := r.Log()
		for i := uint64(0); i < r.Commit(); i++ {
			if int(i) < len(v.committed) {
				if !sameEntry(v.committed[i], log[i]) {
					return fmt.Errorf("state machine safety: %s committed %v at index %d, another node %v", r.ID(), log[i], i+1, v.committed[i])
				}
			} else {
				v.committed = append(v.committed, log[i])
				v.by = append(v.by, fmt.Sprintf("%s in term %d", r.ID(), r.Term()))
				v.termOf = append(v.termOf, r.Term())
			}
		}
	}
	if v.ticks%10 != 0 {
		return nil
	}
	for _, r := range rs {
		// Leader completeness: a leader holds every entry committed in an
		// earlier term (an entry seen committed by a node in term t was
		// committed in term t or before).
		if r.IsLeader() {
			log := r.Log()
			for i, e := range v.committed {
				if v.termOf[i] >= r.Term() {
					continue
				}
				if i >= len(log) || !sameEntry(e, log[i]) {
					var got any = "nothing"
					if i < len(log) {
						got = log[i]
					}
					return fmt.Errorf("leader completeness: leader %s of term %d (commit %d, log %d) lacks committed index %d %v (%s): has %v", r.ID(), r.Term(), r.Commit(), len(log), i+1, e, v.by[i], got)
				}
			}
		}
	}
	// Log matching: logs that agree on an index's term agree up to it.
	for i, a := range rs {
		for _, b := range rs[i+1:] {
			la, lb := a.Log(), b.Log()
			top := -1
			for k := min(len(la), len(lb)) - 1; k >= 0; k-- {
				if la[k].Term == lb[k].Term {
					top = k
					break
				}
			}
			for k := 0; k <= top; k++ {
				if !sameEntry(la[k], lb[k]) {
					return fmt.Errorf("log matching: %s and %s agree on the term of index %d but differ at %d", a.ID(), b.ID(), top+1, k+1)
				}
			}
		}
	}
	return nil
}

func sameEntry(a, b Entry) bool {
	if a.Term != b.Term || (a.Op == nil) != (b.Op == nil) {
		return false
	}
	return a.Op == nil || a.Op.Origin == b.Op.Origin && a.Op.Seq == b.Op.Seq
}

// TestSimulation runs the Raft cores in the randomized simulation under
// several kinds of faults, each with many seeds.
func TestSimulation(t *testing.T) {
	seeds := 20
	if testing.Short() || raceEnabled {
		seeds = 3
	}
	cases := []struct {
		name string
		set  func(c *rsmsim.Config[Message, HardState, Entry])
	}{
		{"no faults", func(c *rsmsim.Config[Message, HardState, Entry]) {}},
		{"delays and drops", func(c *rsmsim.Config[Message, HardState, Entry]) { c.MaxDelay, c.Drop = 40, 0.1 }},
		{"partitions", func(c *rsmsim.Config[Message, HardState, Entry]) { c.MaxDelay, c.Partition = 20, 0.02 }},
		{"crashes", func(c *rsmsim.Config[Message, HardState, Entry]) { c.MaxDelay, c.Crash, c.Down = 20, 0.01, 100 }},
		{"everything", func(c *rsmsim.Config[Message, HardState, Entry]) {
			c.MaxDelay, c.Drop, c.Partition, c.Crash, c.Down = 60, 0.05, 0.02, 0.005, 100
		}},
		// The latency mode (Batch 0): forwards, pipelined appends and
		// acks to the ops' origins, which commit by counting them.
		{"latency mode, delays and partitions", func(c *rsmsim.Config[Message, HardState, Entry]) {
			c.New = latencyCore(c.New)
			c.MaxDelay, c.Drop, c.Partition = 20, 0.02, 0.02
		}},
		{"latency mode, everything", func(c *rsmsim.Config[Message, HardState, Entry]) {
			c.New = latencyCore(c.New)
			c.MaxDelay, c.Drop, c.Partition, c.Crash, c.Down = 60, 0.05, 0.02, 0.005, 100
		}},
		{"latency mode, churn", func(c *rsmsim.Config[Message, HardState, Entry]) {
			c.New = func(id string, nodes []string, seed uint64, st durable.State[HardState, Entry]) rsm.Core[Message, HardState, Entry] {
				cfg := DefaultConfig(id, nodes, seed)
				cfg.Election, cfg.Heartbeat, cfg.Batch, cfg.Resend, cfg.MaxBytes = 8, 2, 0, 4, 1
				return New(cfg, st)
			}
			c.Ticks, c.Settle = 600, 1000
			c.MaxDelay, c.Drop, c.Partition, c.Crash, c.Down = 30, 0.2, 0.05, 0.03, 30
		}},
		// Leaders come and go every few ticks and each append carries one
		// entry, so that a new leader often has an old term's entry on a
		// majority before its own, as in Figure 8 of the Raft paper (the
		// exact case is TestFigure8).
		{"churn", func(c *rsmsim.Config[Message, HardState, Entry]) {
			c.New = func(id string, nodes []string, seed uint64, st durable.State[HardState, Entry]) rsm.Core[Message, HardState, Entry] {
				cfg := DefaultConfig(id, nodes, seed)
				cfg.Election, cfg.Heartbeat, cfg.Batch, cfg.Resend, cfg.MaxBytes = 8, 2, 1, 4, 1
				return New(cfg, st)
			}
			c.Ticks, c.Settle = 600, 1000
			c.MaxDelay, c.Drop, c.Partition, c.Crash, c.Down = 30, 0.2, 0.05, 0.03, 30
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for seed := range uint64(seeds) {
				cfg := simConfig(seed + 1)
				tc.set(&cfg)
				res, err := rsmsim.Run(cfg)
				if err != nil {
					t.Fatalf("seed %d: %v (%s)", seed+1, err, res)
				}
				if res.OK == 0 && !strings.HasSuffix(tc.name, "churn") {
					t.Fatalf("seed %d: no op succeeded (%s)", seed+1, res)
				}
				t.Logf("seed %d: %s", seed+1, res)
			}
		})
	}
}

// TestSimulationWithoutPersistence runs the simulation's crashes with a
// store that a crash wipes, as a node that kept its term, vote and log in
// memory only: the checks must catch it breaking Raft's guarantees (here
// in every one of the seeds tried), which is why the node persists them
// (-persist, a durable.File in its directory under eddy).
func TestSimulationWithoutPersistence(t *testing.T) {
	caught := 0
	for seed := uint64(1); seed <= 5; seed++ {
		cfg := simConfig(seed)
		cfg.MaxDelay, cfg.Crash, cfg.Down, cfg.Forget = 20, 0.02, 50, true
		res, err := rsmsim.Run(cfg)
		if err != nil {
			caught++
			t.Logf("seed %d: caught: %v", seed, err)
		} else {
			t.Logf("seed %d: not caught (%s)", seed, res)
		}
		// The same faults with the store kept are fine.
		kept := simConfig(seed)
		kept.MaxDelay, kept.Crash, kept.Down = 20, 0.02, 50
		if res, err := rsmsim.Run(kept); err != nil {
			t.Fatalf("seed %d with the store kept: %v (%s)", seed, err, res)
		}
	}
	if caught != 5 {
		t.Fatalf("a Raft that forgets its state at a crash was caught in %d of 5 seeds", caught)
	}
}

// latencyCore wraps a simulation's core maker to run the cores in the
// latency mode.
func latencyCore(mk func(string, []string, uint64, durable.State[HardState, Entry]) rsm.Core[Message, HardState, Entry]) func(string, []string, uint64, durable.State[HardState, Entry]) rsm.Core[Message, HardState, Entry] {
	return func(id string, nodes []string, seed uint64, st durable.State[HardState, Entry]) rsm.Core[Message, HardState, Entry] {
		r := mk(id, nodes, seed, st).(*Raft)
		r.cfg.Batch = 0
		return r
	}
}
