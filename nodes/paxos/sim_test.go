package main

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/eddy-workbench/eddy/nodes/internal/durable"
	"github.com/eddy-workbench/eddy/nodes/internal/rsm"
	"github.com/eddy-workbench/eddy/nodes/internal/rsmsim"
)

type simCfg = rsmsim.Config[Message, HardState, Accepted]

// simConfig is a simulated cluster of Multi-Paxos cores with the node's
// timing and a small byte bound, so that long catch-ups and phase 1 take
// several messages.
func simConfig(seed uint64) simCfg {
	return simCfg{
		Nodes: 5, Seed: seed, Ticks: 1500, Settle: 500,
		New: func(id string, nodes []string, seed uint64, st durable.State[HardState, Accepted]) rsm.Core[Message, HardState, Accepted] {
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

// eager makes a core in the latency mode, with the timing of -batch 0s.
func eager(id string, nodes []string, seed uint64, st durable.State[HardState, Accepted]) rsm.Core[Message, HardState, Accepted] {
	cfg := DefaultConfig(id, nodes, seed)
	cfg.MaxBytes, cfg.Batch, cfg.Eager = 2<<10, 1, true
	return New(cfg, st)
}

func decode(from, to string, body []byte) (Message, error) {
	var m Message
	if err := json.Unmarshal(body, &m); err != nil {
		return m, err
	}
	m.From, m.To = from, to
	return m, nil
}

// invariants checks Paxos's safety properties over a whole run, from what
// the acceptors accepted and the learners learned.
type invariants struct {
	nodes    int
	votes    map[uint64]map[Ballot]*vote // slot → ballot → who accepted what
	chosenAt map[uint64]Ballot           // slot → the least ballot a majority accepted in
	learned  map[uint64]string           // slot → the value learners learned
	promised map[string]Ballot
	// what was checked already, per node: slot → ballot accepted, and
	// the slots known chosen
	seenAcc    map[string]map[uint64]Ballot
	seenChosen map[string]map[uint64]bool
}

type vote struct {
	value string
	by    map[string]bool
}

func newInvariants() *invariants {
	return &invariants{votes: map[uint64]map[Ballot]*vote{}, chosenAt: map[uint64]Ballot{},
		learned: map[uint64]string{}, promised: map[string]Ballot{},
		seenAcc: map[string]map[uint64]Ballot{}, seenChosen: map[string]map[uint64]bool{}}
}

func describeOps(ops []rsm.Op) string {
	out := "["
	for _, op := range ops {
		out += fmt.Sprintf(" %s/%d", op.Origin, op.Seq)
	}
	return out + " ]"
}

func (v *invariants) check(cores []rsm.Core[Message, HardState, Accepted]) error {
	v.nodes = len(cores)
	for _, c := range cores {
		if c == nil {
			continue
		}
		p := c.(*Paxos)
		// A promise never goes back, across restarts too.
		if p.Promised().Less(v.promised[p.ID()]) {
			return fmt.Errorf("%s's promise went back from %v to %v", p.ID(), v.promised[p.ID()], p.Promised())
		}
		v.promised[p.ID()] = p.Promised()
		if v.seenAcc[p.ID()] == nil {
			v.seenAcc[p.ID()], v.seenChosen[p.ID()] = map[uint64]Ballot{}, map[uint64]bool{}
		}
		seenAcc, seenChosen := v.seenAcc[p.ID()], v.seenChosen[p.ID()]
		for s := uint64(1); s <= p.Slots(); s++ {
			a := p.AcceptedAt(s)
			if !a.Ballot.IsZero() && seenAcc[s] != a.Ballot {
				seenAcc[s] = a.Ballot
				if p.Promised().Less(a.Ballot) {
					return fmt.Errorf("%s accepted slot %d in %v above its promise %v", p.ID(), s, a.Ballot, p.Promised())
				}
				if err := v.accepted(p.ID(), s, a); err != nil {
					return err
				}
			}
			// One value learned per slot.
			if ops, ok := p.Chosen(s); ok && !seenChosen[s] {
				seenChosen[s] = true
				d := describeOps(ops)
				if l, ok := v.learned[s]; ok && l != d {
					return fmt.Errorf("slot %d: %s learned %s, another node %s", s, p.ID(), d, l)
				}
				v.learned[s] = d
				if b, ok := v.chosenAt[s]; ok && v.votes[s][b].value != d {
					return fmt.Errorf("slot %d: learned %s, but a majority accepted %s in %v", s, d, v.votes[s][b].value, b)
				}
			}
		}
	}
	return nil
}

// accepted records that id accepted a in slot s and checks that one
// ballot proposes one value per slot, and that once a value is chosen
// every higher ballot proposes it (P2b).
func (v *invariants) accepted(id string, s uint64, a Accepted) error {
	d := describeOps(a.Ops)
	byBallot := v.votes[s]
	if byBallot == nil {
		byBallot = map[Ballot]*vote{}
		v.votes[s] = byBallot
	}
	vt := byBallot[a.Ballot]
	if vt == nil {
		vt = &vote{value: d, by: map[string]bool{}}
		byBallot[a.Ballot] = vt
	}
	if vt.value != d {
		return fmt.Errorf("slot %d, ballot %v: %s accepted %s, another acceptor %s", s, a.Ballot, id, d, vt.value)
	}
	vt.by[id] = true
	if len(vt.by) > v.nodes/2 {
		if b, ok := v.chosenAt[s]; !ok || a.Ballot.Less(b) {
			v.chosenAt[s] = a.Ballot
		}
	}
	if b, ok := v.chosenAt[s]; ok {
		for b2, vt2 := range byBallot {
			if b.Less(b2) && vt2.value != byBallot[b].value {
				return fmt.Errorf("slot %d: %s chosen in %v, yet %v proposed %s", s, byBallot[b].value, b, b2, vt2.value)
			}
		}
	}
	return nil
}

// TestSimulation runs the Multi-Paxos cores in the randomized simulation
// under several kinds of faults, each with many seeds.
func TestSimulation(t *testing.T) {
	seeds := 20
	if testing.Short() || raceEnabled {
		seeds = 3
	}
	cases := []struct {
		name string
		set  func(c *simCfg)
	}{
		{"no faults", func(c *simCfg) {}},
		{"delays and drops", func(c *simCfg) { c.MaxDelay, c.Drop = 40, 0.1 }},
		{"partitions", func(c *simCfg) { c.MaxDelay, c.Partition = 20, 0.02 }},
		{"crashes", func(c *simCfg) { c.MaxDelay, c.Crash, c.Down = 20, 0.01, 100 }},
		{"everything", func(c *simCfg) {
			c.MaxDelay, c.Drop, c.Partition, c.Crash, c.Down = 60, 0.05, 0.02, 0.005, 100
		}},
		// The latency mode (-batch 0s): an accept per op, pipelined, and
		// learners that learn from the acceptors directly.
		{"latency mode", func(c *simCfg) { c.New, c.Ticks = eager, 500 }},
		{"latency mode, everything", func(c *simCfg) {
			c.New = eager
			c.MaxDelay, c.Drop, c.Partition, c.Crash, c.Down = 60, 0.05, 0.02, 0.005, 100
		}},
		// Leaders come and go every few ticks and messages carry one slot
		// each: phase 1 often finds slots accepted in several ballots.
		{"churn", func(c *simCfg) {
			c.New = func(id string, nodes []string, seed uint64, st durable.State[HardState, Accepted]) rsm.Core[Message, HardState, Accepted] {
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
				if res.OK == 0 && tc.name != "churn" {
					t.Fatalf("seed %d: no op succeeded (%s)", seed+1, res)
				}
				t.Logf("seed %d: %s", seed+1, res)
			}
		})
	}
}

// TestSimulationWithoutPersistence runs the simulation's crashes with a
// store that a crash wipes, as an acceptor that kept its promise and what
// it accepted in memory only: the checks must catch it breaking Paxos's
// guarantees in every seed tried, which is why the node persists them
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
		t.Fatalf("a Multi-Paxos that forgets its state at a crash was caught in %d of 5 seeds", caught)
	}
}
