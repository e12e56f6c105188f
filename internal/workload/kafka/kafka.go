// Package kafka is Maelstrom's kafka workload: clients send messages to
// keyed logs and poll them back through assigned keys, committing what they
// polled; the checker looks for lost, skipped, duplicated and reordered
// messages.
//
// Keys are integers in the history and decimal strings on the wire.
package kafka

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/checker"
	"github.com/eddy-workbench/eddy/internal/client"
	"github.com/eddy-workbench/eddy/internal/history"
	"github.com/eddy-workbench/eddy/internal/proto"
	"github.com/eddy-workbench/eddy/internal/workload"
	"github.com/eddy-workbench/eddy/internal/workload/keypool"
)

// Options configure the workload.
type Options struct {
	KeyCount        int     // --key-count; 0 means 10
	MaxWritesPerKey int     // --max-writes-per-key
	Concurrency     int     // worker threads, for the crash rate
	Rate            float64 // --rate, for the crash rate
	// Strict makes assign use the committed offsets a node reports.
	// Maelstrom's client looks them up in the wrong map, so it never does;
	// eddy matches that by default.
	Strict bool
}

// Workload is the kafka workload of one run.
type Workload struct {
	opt Options

	mu       sync.Mutex
	highest  map[int64]int64 // per key, the highest offset seen in the main phase
	sentKeys map[int64]bool  // every key a send was invoked for
}

// FromParams returns the workload for a run's settings.
func FromParams(p workload.Params) (workload.Workload, error) {
	return New(Options{
		KeyCount:        p.KeyCount,
		MaxWritesPerKey: p.MaxWritesPerKey,
		Concurrency:     p.Concurrency,
		Rate:            p.Rate,
		Strict:          p.Strict,
	}), nil
}

// New returns the workload.
func New(opt Options) *Workload {
	if opt.KeyCount <= 0 {
		opt.KeyCount = 10
	}
	if opt.MaxWritesPerKey <= 0 {
		opt.MaxWritesPerKey = 16
	}
	return &Workload{
		opt:      opt,
		highest:  map[int64]int64{},
		sentKeys: map[int64]bool{},
	}
}

var (
	// Assign's errors are definite failures (it changes nothing a checker
	// sees); the others follow Maelstrom's error codes.
	rules        = client.Rules{Wrapped: true, Idempotent: map[string]bool{"assign": true}}
	sendSchema   = proto.Schema{Type: "send_ok", Required: []string{"offset"}, Check: intField("offset")}
	pollSchema   = proto.Schema{Type: "poll_ok", Required: []string{"msgs"}, Check: pollCheck}
	commitSchema = proto.Schema{Type: "commit_offsets_ok"}
	listSchema   = proto.Schema{Type: "list_committed_offsets_ok", Required: []string{"offsets"}, Check: offsetsCheck}
)

// Reusable is false: a new client (with no positions) after every
// indeterminate op, crashes included.
func (*Workload) Reusable() bool { return false }

// Generator returns a process's ops, as Jepsen's kafka generator makes
// them: a send or a poll with equal odds, each touching one key of Elle's
// key pool (package keypool), a key's messages being unique; one op in 64
// is preceded by an assign of its key, and a third of those assigns also
// take other keys; and a client crash comes about every 30 s per worker
// thread.
//
// Where Jepsen's choices depend on the run so far, these depend on the
// process: Jepsen widens an assign with every key whose acknowledged sends
// no poll has returned yet, here with every key of the process's pool; and
// Jepsen crashes a random free client every 30/concurrency s, here each
// thread's k-th process crashes at its L-th op, L drawn from the stream
// "kafka crash" of (thread, k), geometric with mean 30·rate/concurrency
// ops. A process that crashed is replaced by a process whose pool goes on
// from where the crashed one's would be, so threads stay in step.
func (w *Workload) Generator(p workload.Process, rng *rand.Rand) workload.Generator {
	crashAt := w.crashLength(p, p.Incarnation()) - 1
	offset := 0
	for m := range p.Incarnation() {
		offset = min(offset+w.crashLength(p, m), maxCrashLength)
	}
	return &gen{
		rng:     rng,
		crashAt: crashAt,
		pool: keypool.New(keypool.Options{
			Count:       w.opt.KeyCount,
			MaxWrites:   w.opt.MaxWritesPerKey,
			WritesPerOp: 0.5,
		}, p, offset),
	}
}

// maxCrashLength bounds a process's ops before its crash (never reached).
const maxCrashLength = 1 << 40

// crashLength is how many ops the m-th process of p's thread performs, its
// crash included: geometric with success probability concurrency/(30·rate).
func (w *Workload) crashLength(p workload.Process, m int) int {
	if w.opt.Rate <= 0 {
		return maxCrashLength
	}
	q := float64(w.opt.Concurrency) / (30 * w.opt.Rate)
	if q >= 1 {
		return 1
	}
	u := 1 - p.Stream("kafka crash", p.Thread(), m).Float64() // (0, 1]
	return int(min(1+math.Floor(math.Log(u)/math.Log1p(-q)), maxCrashLength))
}

// gen is one process's generator.
type gen struct {
	rng     *rand.Rand
	pool    *keypool.Pool
	k       int          // ops handed out
	crashAt int          // the op that is a crash
	pending *workload.Op // an op held back behind the assign emitted for it
}

func (g *gen) Next() workload.Op {
	k := g.k
	g.k++
	g.pool.Begin()
	if k == g.crashAt {
		return workload.Op{F: "crash"}
	}
	if g.pending != nil {
		op := *g.pending
		g.pending = nil
		return op
	}
	op := workload.Op{F: "poll", Value: []any{[]any{edn.Keyword("poll")}}}
	send := g.rng.IntN(2) == 0
	key := g.pool.Pick(g.rng.Float64())
	if send {
		op = workload.Op{F: "send", Value: []any{[]any{edn.Keyword("send"), key, g.pool.Write(key)}}}
	}
	if g.rng.IntN(64) != 0 {
		return op
	}
	g.pending = &op
	keys := []int64{key}
	if g.rng.IntN(3) == 0 {
		for _, k := range g.pool.Keys() {
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
	}
	return workload.Op{F: "assign", Value: keyValues(keys)}
}

// Final is not used: Finish runs kafka's final phase.
func (*Workload) Final() (workload.Op, bool) { return workload.Op{}, true }

// positions is a client connection's state: the next offset to poll, per
// assigned key.
type positions map[int64]int64

func state(c *client.Client) positions {
	p, ok := c.State.(positions)
	if !ok {
		p = positions{}
		c.State = p
	}
	return p
}

// Invoke performs one op through c.
func (w *Workload) Invoke(ctx context.Context, c *client.Client, inv history.Op) history.Op {
	switch inv.F {
	case "crash":
		return history.Op{Type: history.Info, Value: inv.Value, Error: edn.Keyword("crash")}
	case "assign":
		return w.assign(ctx, c, inv)
	case "send":
		return w.send(ctx, c, inv)
	default:
		return w.poll(ctx, c, inv)
	}
}

func (w *Workload) send(ctx context.Context, c *client.Client, inv history.Op) history.Op {
	mop := inv.Value.([]any)[0].([]any)
	key, msg := mop[1].(int64), mop[2]
	w.mu.Lock()
	w.sentKeys[key] = true
	w.mu.Unlock()
	reply, err := c.RPC(ctx, workload.DefaultTimeout, "type", "send", "key", strconv.FormatInt(key, 10), "msg", msg)
	comp, ok := rules.Complete(inv, reply, err, sendSchema, c.Node())
	if !ok {
		return comp
	}
	f, _ := proto.Fields(reply.Body)
	offset, _ := strconv.ParseInt(string(f["offset"]), 10, 64)
	comp.Value = []any{[]any{edn.Keyword("send"), key, []any{offset, msg}}}
	w.mu.Lock()
	w.highest[key] = max(w.highest[key], offset)
	w.mu.Unlock()
	return comp
}

func (w *Workload) poll(ctx context.Context, c *client.Client, inv history.Op) history.Op {
	pos := state(c)
	req := map[string]int64{}
	for k, o := range pos {
		req[strconv.FormatInt(k, 10)] = o
	}
	reply, err := c.RPC(ctx, workload.DefaultTimeout, "type", "poll", "offsets", req)
	comp, ok := rules.Complete(inv, reply, err, pollSchema, c.Node())
	if !ok {
		return comp
	}
	f, _ := proto.Fields(reply.Body)
	msgs, _ := parsePoll(f["msgs"])
	polled := edn.NewMap()
	commit := map[string]int64{}
	for _, km := range msgs {
		pairs := make([]any, len(km.pairs))
		for i, p := range km.pairs {
			pairs[i] = []any{p.offset, p.msg}
		}
		polled.Set(km.key, pairs)
		if len(km.pairs) == 0 {
			continue
		}
		last := km.pairs[len(km.pairs)-1].offset
		for _, p := range km.pairs {
			last = max(last, p.offset)
		}
		pos[km.key] = max(pos[km.key], last+1)
		commit[strconv.FormatInt(km.key, 10)] = last
	}
	if len(commit) > 0 {
		reply, err := c.RPC(ctx, workload.DefaultTimeout, "type", "commit_offsets", "offsets", commit)
		if comp, ok := rules.Complete(inv, reply, err, commitSchema, c.Node()); !ok {
			return comp
		}
	}
	w.mu.Lock()
	for k, o := range commit {
		key, _ := strconv.ParseInt(k, 10, 64)
		w.highest[key] = max(w.highest[key], o)
	}
	w.mu.Unlock()
	comp.Value = []any{[]any{edn.Keyword("poll"), polled}}
	return comp
}

// assign sets the connection's keys. A seek (the final phase) starts every
// key at 0; otherwise a key keeps its position, or starts at 0 — or, under
// Strict, at the committed offset the node reports.
func (w *Workload) assign(ctx context.Context, c *client.Client, inv history.Op) history.Op {
	keys := keysOf(inv.Value)
	pos := state(c)
	seek := inv.Final
	committed := map[int64]int64{}
	if !seek {
		strs := make([]string, len(keys))
		for i, k := range keys {
			strs[i] = strconv.FormatInt(k, 10)
		}
		reply, err := c.RPC(ctx, workload.DefaultTimeout, "type", "list_committed_offsets", "keys", strs)
		comp, ok := rules.Complete(inv, reply, err, listSchema, c.Node())
		if !ok {
			return comp
		}
		if w.opt.Strict {
			f, _ := proto.Fields(reply.Body)
			committed, _ = parseOffsets(f["offsets"])
		}
	}
	next := positions{}
	for _, k := range keys {
		switch o, ok := pos[k]; {
		case seek:
			next[k] = 0
		case ok:
			next[k] = o
		default:
			next[k] = committed[k]
		}
	}
	c.State = next
	return history.Op{Type: history.OK, Value: inv.Value}
}

// Check runs the kafka checker.
func (*Workload) Check(ops []history.Op) (check.Findings, []string) { return checker.Kafka(ops), nil }

// Synthetic is true of crashes: they are the workload's own marks for a
// client that starts afresh, and reach no node.
func (*Workload) Synthetic(f string) bool { return f == "crash" }

// finalPhaseLimit caps each worker's final phase, as Maelstrom does.
const finalPhaseLimit = 10 * time.Second

// Finish runs one worker's final phase: a crash (for a fresh client), an
// assign of every key sent to with a seek to the beginning, then polls every
// 0–400 ms until this worker has polled every key up to the highest offset
// seen in the main phase, for at most 10 s.
func (w *Workload) Finish(ctx context.Context, rng func(n int64) int64, do func(workload.Op) history.Op) {
	w.mu.Lock()
	var keys []int64
	for k := range w.sentKeys {
		keys = append(keys, k)
	}
	target := map[int64]int64{}
	for k, o := range w.highest {
		target[k] = o
	}
	w.mu.Unlock()
	slices.Sort(keys)

	deadline := time.Now().Add(finalPhaseLimit)
	do(workload.Op{F: "crash", Final: true})
	if comp := do(workload.Op{F: "assign", Value: keyValues(keys), Final: true}); comp.Type != history.OK {
		return
	}
	seen := map[int64]int64{}
	for time.Now().Before(deadline) && ctx.Err() == nil {
		comp := do(workload.Op{F: "poll", Value: []any{[]any{edn.Keyword("poll")}}, Final: true})
		if comp.Type == history.OK {
			recordPolled(comp.Value, seen)
		} else if comp.Type == history.Info {
			// A new client starts with no positions: assign again.
			if c := do(workload.Op{F: "assign", Value: keyValues(keys), Final: true}); c.Type != history.OK {
				return
			}
		}
		if caughtUp(target, seen) {
			return
		}
		select {
		case <-time.After(time.Duration(rng(int64(400 * time.Millisecond)))):
		case <-ctx.Done():
			return
		}
	}
}

func caughtUp(target, seen map[int64]int64) bool {
	for k, o := range target {
		if s, ok := seen[k]; !ok || s < o {
			return false
		}
	}
	return true
}

// recordPolled notes, per key, the highest offset in a poll's value.
func recordPolled(value any, seen map[int64]int64) {
	mops, _ := value.([]any)
	for _, mop := range mops {
		m, _ := mop.([]any)
		if len(m) != 2 {
			continue
		}
		polled, ok := m[1].(*edn.Map)
		if !ok {
			continue
		}
		polled.Each(func(k, v any) {
			key, _ := k.(int64)
			pairs, _ := v.([]any)
			for _, p := range pairs {
				pair, _ := p.([]any)
				if len(pair) == 2 {
					if o, ok := pair[0].(int64); ok {
						if s, had := seen[key]; !had || o > s {
							seen[key] = o
						}
					}
				}
			}
		})
	}
}

func keyValues(keys []int64) []any {
	out := make([]any, len(keys))
	for i, k := range keys {
		out[i] = k
	}
	return out
}

func keysOf(v any) []int64 {
	xs, _ := v.([]any)
	var keys []int64
	for _, x := range xs {
		if k, ok := x.(int64); ok {
			keys = append(keys, k)
		}
	}
	return keys
}

// pollKey is one key's messages in a poll_ok.
type pollKey struct {
	key   int64
	pairs []pair
}

type pair struct {
	offset int64
	msg    any
}

// parsePoll reads poll_ok's msgs: {key: [[offset, msg], ...]}, in key order.
func parsePoll(raw json.RawMessage) ([]pollKey, error) {
	var m map[string][]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("msgs %s is not an object of arrays", raw)
	}
	var out []pollKey
	for k, list := range m {
		key, err := strconv.ParseInt(k, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("msgs has key %q, which is not one the client sent", k)
		}
		pk := pollKey{key: key}
		for _, raw := range list {
			var p []json.RawMessage
			if err := json.Unmarshal(raw, &p); err != nil || len(p) != 2 {
				return nil, fmt.Errorf("msgs entry %s is not an [offset, msg] pair", raw)
			}
			o, err := strconv.ParseInt(string(p[0]), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("msgs entry %s has an offset that is not an integer", raw)
			}
			msg, err := edn.FromJSON(p[1])
			if err != nil {
				return nil, err
			}
			pk.pairs = append(pk.pairs, pair{o, msg})
		}
		out = append(out, pk)
	}
	slices.SortFunc(out, func(a, b pollKey) int { return cmp.Compare(a.key, b.key) })
	return out, nil
}

func pollCheck(f map[string]json.RawMessage) error {
	_, err := parsePoll(f["msgs"])
	return err
}

// parseOffsets reads {key: offset}.
func parseOffsets(raw json.RawMessage) (map[int64]int64, error) {
	var m map[string]int64
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("offsets %s is not an object of integers", raw)
	}
	out := map[int64]int64{}
	for k, o := range m {
		key, err := strconv.ParseInt(k, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("offsets has key %q, which is not one the client asked for", k)
		}
		out[key] = o
	}
	return out, nil
}

func offsetsCheck(f map[string]json.RawMessage) error {
	_, err := parseOffsets(f["offsets"])
	return err
}

func intField(name string) func(map[string]json.RawMessage) error {
	return func(f map[string]json.RawMessage) error {
		if _, err := strconv.ParseInt(string(f[name]), 10, 64); err != nil {
			return fmt.Errorf("%s %s is not an integer", name, f[name])
		}
		return nil
	}
}
