// Package rsmsim tests consensus cores (rsm.Core) in a deterministic
// simulation: a cluster of cores in one goroutine on simulated time, a
// network that delays, drops and partitions messages, nodes that crash and
// restart from their durable state, and clients that read, write and
// compare-and-set a few keys. Every random choice comes from the seed.
// After the run it checks what any correct replicated key-value store must
// satisfy: every node applies the same op at each index, no op is applied
// twice, no op answered as failed is applied, the client-visible history
// is linearizable (porcupine, with definite failures taken into account),
// and once the faults stop every node catches up.
package rsmsim

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/eddy-workbench/eddy/nodes/internal/durable"
	"github.com/eddy-workbench/eddy/nodes/internal/rsm"
)

// MaxLine is the longest message body the simulated network accepts: the
// Maelstrom Go library cannot read lines of 64 KiB or more, envelope
// included.
const MaxLine = 60 << 10

// Config describes one simulation. Times are in ticks; within a tick the
// network works in Steps sub-steps.
type Config[M rsm.Message, H, R any] struct {
	Nodes int
	Seed  uint64
	// Ticks is how long clients run and faults happen; Settle how long
	// the cluster then runs fault-free with no new ops.
	Ticks, Settle int
	// New makes a core from its durable state (the zero State at first,
	// what its store holds after a crash).
	New func(id string, nodes []string, seed uint64, st durable.State[H, R]) rsm.Core[M, H, R]
	// Decode rebuilds a message from its JSON body: every message goes
	// through JSON, as it does between real nodes.
	Decode func(from, to string, body []byte) (M, error)

	// Network: each message is delayed by up to MaxDelay sub-steps
	// (Steps to a tick) and dropped with probability Drop.
	Steps, MaxDelay int
	Drop            float64
	// Partitions: each tick, with probability Partition, the network is
	// split at random into two sides (or healed, one time in three).
	Partition float64
	// Crashes: each tick, with probability Crash, a random node stops
	// (volatile state lost); it restarts from its store Down ticks later.
	Crash float64
	Down  int
	// Forget makes a crash wipe the node's store too, as if it kept its
	// durable state in memory: a broken variant, which the checks must
	// catch.
	Forget bool

	// Clients: Clients sequential clients, client i on node i mod Nodes,
	// each invoking an op after a random pause of up to Think ticks and
	// giving up after Timeout ticks; ops on Keys keys, values 0–4.
	Clients, Think, Timeout, Keys int

	// Check, if set, is called after every tick with the live cores (nil
	// for a node that is down) and says what invariant is broken.
	Check func(cores []rsm.Core[M, H, R]) error
}

// Result sums up a simulation.
type Result struct {
	Ops, OK, Fail, Unavailable, Timeout int
	Messages                            int
	// Applied is the number of entries every node had applied at the end.
	Applied uint64
}

func (r Result) String() string {
	return fmt.Sprintf("%d ops: %d ok, %d failed, %d unavailable, %d timed out; %d messages; %d entries applied",
		r.Ops, r.OK, r.Fail, r.Unavailable, r.Timeout, r.Messages, r.Applied)
}

type node[M rsm.Message, H, R any] struct {
	id      string
	core    rsm.Core[M, H, R] // nil while down
	store   *durable.Memory[H, R]
	machine rsm.Machine
	applied uint64
	downFor int
	seq     uint64 // survives restarts, as a real node's boot nonce would
}

type inflight struct {
	at, seq  int
	from, to string
	body     []byte
}

type clientOp struct {
	client     int
	node       string
	op         rsm.Op
	call, ret  int
	done       bool
	result     rsm.Result
	unknown    bool
	nextInvoke int
}

type sim[M rsm.Message, H, R any] struct {
	cfg     Config[M, H, R]
	rng     *rand.Rand
	ids     []string
	nodes   []*node[M, H, R]
	side    map[string]int // partition side of each node; nil when whole
	net     []inflight
	netSeq  int
	now     int // in sub-steps
	global  map[uint64][]rsm.Op
	seen    map[string]uint64 // op name → index it was applied at
	failed  map[string]bool
	pending map[string]*clientOp // op name → the client op awaiting it
	clients []*clientOp          // each client's current or last op
	history []*clientOp
	res     Result
	faults  bool
}

func name(origin string, seq uint64) string { return origin + "/" + strconv.FormatUint(seq, 10) }

// Run runs a simulation and returns what happened, or the first broken
// property.
func Run[M rsm.Message, H, R any](cfg Config[M, H, R]) (Result, error) {
	s := &sim[M, H, R]{
		cfg:     cfg,
		rng:     rand.New(rand.NewPCG(cfg.Seed, 0x5eed)),
		global:  map[uint64][]rsm.Op{},
		seen:    map[string]uint64{},
		failed:  map[string]bool{},
		pending: map[string]*clientOp{},
		faults:  true,
	}
	for i := range cfg.Nodes {
		s.ids = append(s.ids, fmt.Sprintf("n%d", i+1))
	}
	for i, id := range s.ids {
		n := &node[M, H, R]{id: id, store: &durable.Memory[H, R]{}}
		n.core = cfg.New(id, s.ids, cfg.Seed+uint64(i), durable.State[H, R]{})
		s.nodes = append(s.nodes, n)
	}
	for c := range cfg.Clients {
		s.clients = append(s.clients, &clientOp{client: c, done: true, nextInvoke: s.rng.IntN(cfg.Think+1) * cfg.Steps})
	}
	for t := range cfg.Ticks + cfg.Settle {
		if t == cfg.Ticks {
			s.faults = false
			s.side = nil
			for _, n := range s.nodes {
				if n.core == nil {
					s.restart(n)
				}
			}
		}
		if err := s.tick(t); err != nil {
			return s.res, fmt.Errorf("tick %d: %w", t, err)
		}
	}
	for _, c := range s.history {
		if !c.done {
			c.done, c.unknown = true, true
			s.res.Timeout++
		}
	}
	if err := s.converged(); err != nil {
		return s.res, err
	}
	return s.res, s.linearizable()
}

func (s *sim[M, H, R]) tick(t int) error {
	if s.faults {
		s.faultsFor(t)
	}
	for step := range s.cfg.Steps {
		s.now = t*s.cfg.Steps + step
		if err := s.deliver(); err != nil {
			return err
		}
		// Nodes tick at staggered sub-steps.
		for i, n := range s.nodes {
			if n.core != nil && step == i%s.cfg.Steps {
				n.core.Tick()
				if err := s.drain(n); err != nil {
					return err
				}
			}
		}
		if t < s.cfg.Ticks {
			if err := s.invoke(); err != nil {
				return err
			}
		}
		s.expire()
	}
	if s.cfg.Check != nil {
		cores := make([]rsm.Core[M, H, R], len(s.nodes))
		for i, n := range s.nodes {
			cores[i] = n.core
		}
		if err := s.cfg.Check(cores); err != nil {
			return err
		}
	}
	return nil
}

// faultsFor changes partitions and crashes nodes at random.
func (s *sim[M, H, R]) faultsFor(int) {
	if s.rng.Float64() < s.cfg.Partition {
		if s.side != nil && s.rng.IntN(3) == 0 {
			s.side = nil
		} else {
			s.side = map[string]int{}
			for _, id := range s.ids {
				s.side[id] = s.rng.IntN(2)
			}
		}
	}
	for _, n := range s.nodes {
		if n.core == nil {
			if n.downFor--; n.downFor <= 0 {
				s.restart(n)
			}
		}
	}
	if s.rng.Float64() < s.cfg.Crash {
		n := s.nodes[s.rng.IntN(len(s.nodes))]
		if n.core != nil {
			n.core = nil
			n.downFor = 1 + s.rng.IntN(max(s.cfg.Down, 1))
			// Its clients' ops now wait in vain: their outcome is unknown.
			for k, c := range s.pending {
				if c.node == n.id {
					delete(s.pending, k)
				}
			}
		}
	}
}

func (s *sim[M, H, R]) restart(n *node[M, H, R]) {
	if s.cfg.Forget {
		n.store = &durable.Memory[H, R]{}
	}
	st, err := n.store.Load()
	if err != nil {
		panic(err)
	}
	n.core = s.cfg.New(n.id, s.ids, s.rng.Uint64(), st)
	n.machine = rsm.Machine{}
	n.applied = 0
	n.downFor = 0
}

// deliver hands over the messages due now.
func (s *sim[M, H, R]) deliver() error {
	var due []inflight
	rest := s.net[:0]
	for _, m := range s.net {
		if m.at <= s.now {
			due = append(due, m)
		} else {
			rest = append(rest, m)
		}
	}
	s.net = rest
	slices.SortFunc(due, func(a, b inflight) int {
		if a.at != b.at {
			return a.at - b.at
		}
		return a.seq - b.seq
	})
	for _, m := range due {
		to := s.node(m.to)
		if to.core == nil || s.side != nil && s.side[m.from] != s.side[m.to] {
			continue
		}
		msg, err := s.cfg.Decode(m.from, m.to, m.body)
		if err != nil {
			return fmt.Errorf("%s cannot decode a message from %s: %v: %s", m.to, m.from, err, m.body)
		}
		to.core.Step(msg)
		if err := s.drain(to); err != nil {
			return err
		}
	}
	return nil
}

func (s *sim[M, H, R]) node(id string) *node[M, H, R] {
	for _, n := range s.nodes {
		if n.id == id {
			return n
		}
	}
	panic("no node " + id)
}

// drain carries out what a core asks for.
func (s *sim[M, H, R]) drain(n *node[M, H, R]) error {
	rd := n.core.Ready()
	for _, u := range rd.Persist {
		if err := n.store.Save(u); err != nil {
			return err
		}
	}
	for _, m := range rd.Messages {
		if m.Source() != n.id {
			return fmt.Errorf("%s sent a message as %q", n.id, m.Source())
		}
		body, err := json.Marshal(m)
		if err != nil {
			return fmt.Errorf("%s: encoding a message: %v", n.id, err)
		}
		if len(body) > MaxLine {
			return fmt.Errorf("%s sent %s a %d-byte message (limit %d)", n.id, m.Dest(), len(body), MaxLine)
		}
		s.res.Messages++
		if s.faults && s.rng.Float64() < s.cfg.Drop {
			continue
		}
		s.netSeq++
		s.net = append(s.net, inflight{at: s.now + 1 + s.rng.IntN(s.cfg.MaxDelay+1), seq: s.netSeq, from: n.id, to: m.Dest(), body: body})
	}
	for _, e := range rd.Committed {
		if e.Index != n.applied+1 {
			return fmt.Errorf("%s applied index %d after %d", n.id, e.Index, n.applied)
		}
		n.applied = e.Index
		if g, ok := s.global[e.Index]; ok {
			if !sameOps(g, e.Ops) {
				return fmt.Errorf("state machine safety: %s applied %s at index %d, another node %s", n.id, describe(e.Ops), e.Index, describe(g))
			}
		} else {
			s.global[e.Index] = e.Ops
			for _, op := range e.Ops {
				k := name(op.Origin, op.Seq)
				if at, dup := s.seen[k]; dup {
					return fmt.Errorf("op %s applied twice, at %d and %d", k, at, e.Index)
				}
				if s.failed[k] {
					return fmt.Errorf("op %s was answered as failed (unavailable) yet applied at %d", k, e.Index)
				}
				s.seen[k] = e.Index
			}
		}
		for _, op := range e.Ops {
			res := n.machine.Apply(op)
			if op.Origin != n.id {
				continue
			}
			if c := s.pending[name(op.Origin, op.Seq)]; c != nil {
				delete(s.pending, name(op.Origin, op.Seq))
				s.complete(c, res)
			}
		}
	}
	for _, op := range rd.Failed {
		if op.Origin != n.id {
			return fmt.Errorf("%s failed op %s, which it did not take", n.id, name(op.Origin, op.Seq))
		}
		k := name(op.Origin, op.Seq)
		if _, ok := s.seen[k]; ok {
			return fmt.Errorf("op %s was applied yet answered as failed", k)
		}
		s.failed[k] = true
		if c := s.pending[k]; c != nil {
			delete(s.pending, k)
			s.complete(c, rsm.Result{Code: rsm.CodeTemporarilyUnavailable})
		}
	}
	return nil
}

func (s *sim[M, H, R]) complete(c *clientOp, res rsm.Result) {
	c.done, c.ret, c.result = true, s.now, res
	switch res.Code {
	case 0:
		s.res.OK++
	case rsm.CodeTemporarilyUnavailable:
		s.res.Unavailable++
	default:
		s.res.Fail++
	}
	c.nextInvoke = s.now + s.rng.IntN(s.cfg.Think*s.cfg.Steps+1)
}

// invoke starts an op for each idle client whose pause is over.
func (s *sim[M, H, R]) invoke() error {
	for i, last := range s.clients {
		if !last.done || s.now < last.nextInvoke {
			continue
		}
		n := s.nodes[i%len(s.nodes)]
		if n.core == nil {
			last.nextInvoke = s.now + s.cfg.Steps
			continue
		}
		n.seq++
		key := json.RawMessage(strconv.Itoa(s.rng.IntN(s.cfg.Keys)))
		op := rsm.Op{Origin: n.id, Seq: n.seq, Key: key}
		switch s.rng.IntN(3) {
		case 0:
			op.F = rsm.Read
		case 1:
			op.F, op.Value = rsm.Write, value(s.rng)
		default:
			op.F, op.From, op.To = rsm.CAS, value(s.rng), value(s.rng)
		}
		c := &clientOp{client: i, node: n.id, op: op, call: s.now}
		s.clients[i] = c
		s.history = append(s.history, c)
		s.pending[name(op.Origin, op.Seq)] = c
		s.res.Ops++
		n.core.Submit(op)
		if err := s.drain(n); err != nil {
			return err
		}
	}
	return nil
}

func value(rng *rand.Rand) json.RawMessage { return json.RawMessage(strconv.Itoa(rng.IntN(5))) }

// expire gives up on ops that have waited too long: their outcome is
// unknown, and a late answer is ignored.
func (s *sim[M, H, R]) expire() {
	for i, c := range s.clients {
		if !c.done && s.now-c.call > s.cfg.Timeout*s.cfg.Steps {
			delete(s.pending, name(c.op.Origin, c.op.Seq))
			c.done, c.unknown = true, true
			s.res.Timeout++
			s.clients[i].nextInvoke = s.now
		}
	}
}

// converged checks that, after the fault-free end, every node applied the
// same number of entries.
func (s *sim[M, H, R]) converged() error {
	var top uint64
	for _, n := range s.nodes {
		top = max(top, n.applied)
	}
	for _, n := range s.nodes {
		if n.applied != top {
			return fmt.Errorf("liveness: after %d fault-free ticks %s has applied %d entries, another node %d", s.cfg.Settle, n.id, n.applied, top)
		}
	}
	s.res.Applied = top
	return nil
}

func sameOps(a, b []rsm.Op) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if name(a[i].Origin, a[i].Seq) != name(b[i].Origin, b[i].Seq) {
			return false
		}
	}
	return true
}

func describe(ops []rsm.Op) string {
	if len(ops) == 0 {
		return "a no-op"
	}
	var out []string
	for _, op := range ops {
		out = append(out, name(op.Origin, op.Seq))
	}
	return fmt.Sprint(out)
}

// Linearizability, per key, against a register that may be missing.

type input struct {
	key       string
	f         string
	v, from   int
	to        int
	unknown   bool
	code      int
	readValue int
}

const missing = -1

func intOf(raw json.RawMessage) int {
	if raw == nil {
		return missing
	}
	n, err := strconv.Atoi(string(raw))
	if err != nil {
		panic(err)
	}
	return n
}

func (s *sim[M, H, R]) linearizable() error {
	end := int64(s.now + 1)
	var ops []porcupine.Operation
	for _, c := range s.history {
		if !c.unknown && c.result.Code == rsm.CodeTemporarilyUnavailable {
			continue // definitely never happened (checked above)
		}
		in := input{key: string(c.op.Key), f: c.op.F, unknown: c.unknown, code: c.result.Code}
		switch c.op.F {
		case rsm.Write:
			in.v = intOf(c.op.Value)
		case rsm.CAS:
			in.from, in.to = intOf(c.op.From), intOf(c.op.To)
		case rsm.Read:
			if c.unknown {
				continue // a read with no answer tells nothing
			}
			if c.result.Code == 0 {
				in.readValue = intOf(c.result.Value)
			}
		}
		ret := int64(c.ret)
		if c.unknown {
			ret = end
		}
		ops = append(ops, porcupine.Operation{ClientId: c.client, Input: in, Call: int64(c.call), Return: ret})
	}
	model := porcupine.Model{
		Partition: func(h []porcupine.Operation) [][]porcupine.Operation {
			byKey := map[string][]porcupine.Operation{}
			var keys []string
			for _, o := range h {
				k := o.Input.(input).key
				if _, ok := byKey[k]; !ok {
					keys = append(keys, k)
				}
				byKey[k] = append(byKey[k], o)
			}
			var out [][]porcupine.Operation
			for _, k := range keys {
				out = append(out, byKey[k])
			}
			return out
		},
		Init: func() any { return missing },
		Step: func(state, inp, _ any) (bool, any) {
			st, in := state.(int), inp.(input)
			switch in.f {
			case rsm.Read:
				if in.code == rsm.CodeKeyDoesNotExist {
					return st == missing, st
				}
				return st == in.readValue, st
			case rsm.Write:
				return true, in.v
			default:
				switch {
				case in.unknown:
					if st == in.from {
						return true, in.to
					}
					return true, st
				case in.code == 0:
					return st == in.from, in.to
				case in.code == rsm.CodeKeyDoesNotExist:
					return st == missing, st
				default:
					return st != missing && st != in.from, st
				}
			}
		},
		DescribeOperation: func(inp, _ any) string { return fmt.Sprintf("%+v", inp) },
	}
	switch porcupine.CheckOperationsTimeout(model, ops, 30*time.Second) {
	case porcupine.Ok:
		return nil
	case porcupine.Illegal:
		return fmt.Errorf("linearizability: the client history of %d ops is not linearizable", len(ops))
	default:
		return fmt.Errorf("linearizability: the check of %d ops timed out", len(ops))
	}
}
