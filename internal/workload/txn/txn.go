// Package txn holds Maelstrom's transactional workloads, txn-rw-register
// and txn-list-append: clients send transactions of reads and writes (or
// appends) over a pool of integer keys, and the history is checked for
// isolation anomalies against the consistency models asked for.
package txn

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/client"
	"github.com/eddy-workbench/eddy/internal/elle"
	"github.com/eddy-workbench/eddy/internal/history"
	"github.com/eddy-workbench/eddy/internal/proto"
	"github.com/eddy-workbench/eddy/internal/workload"
)

// Options configure the workload.
type Options struct {
	// ListAppend selects txn-list-append (appends to lists); otherwise
	// txn-rw-register (writes to registers).
	ListAppend      bool
	KeyCount        int      // --key-count; 0 means 10
	MaxTxnLength    int      // --max-txn-length; 0 means 4
	MaxWritesPerKey int      // --max-writes-per-key; 0 means 16
	Models          []string // --consistency-models
	// Strict makes replies that do not answer the transaction asked
	// (other micro-ops, keys or written values) invalid; otherwise they
	// are only reported, as Maelstrom does not compare them.
	Strict bool
}

// Workload is one run's transactional workload.
type Workload struct {
	opt     Options
	write   string        // "w" or "append"
	active  []int64       // the key pool, in place: a retired key's slot gets a new key
	writes  map[int64]int // per key, the last value written
	nextKey int64
}

// ListAppendFromParams returns the txn-list-append workload for a run's
// settings.
func ListAppendFromParams(p workload.Params) (workload.Workload, error) {
	return fromParams(p, true), nil
}

// RWRegisterFromParams returns the txn-rw-register workload for a run's
// settings.
func RWRegisterFromParams(p workload.Params) (workload.Workload, error) {
	return fromParams(p, false), nil
}

func fromParams(p workload.Params, listAppend bool) *Workload {
	return New(Options{
		ListAppend:      listAppend,
		KeyCount:        p.KeyCount,
		MaxTxnLength:    p.MaxTxnLength,
		MaxWritesPerKey: p.MaxWritesPerKey,
		Models:          p.ConsistencyModels,
		Strict:          p.Strict,
	})
}

// New returns the workload.
func New(opt Options) *Workload {
	if opt.KeyCount <= 0 {
		opt.KeyCount = 10
	}
	if opt.MaxTxnLength <= 0 {
		opt.MaxTxnLength = 4
	}
	if opt.MaxWritesPerKey <= 0 {
		opt.MaxWritesPerKey = 16
	}
	w := &Workload{opt: opt, write: "w", writes: map[int64]int{}}
	if opt.ListAppend {
		w.write = "append"
	}
	for range opt.KeyCount {
		w.active = append(w.active, w.nextKey)
		w.nextKey++
	}
	return w
}

var (
	rules  = client.Rules{Wrapped: true}
	schema = proto.Schema{Type: "txn_ok", Required: []string{"txn"}, Check: txnCheck}
)

func txnCheck(f map[string]json.RawMessage) error {
	_, err := parseTxn(f["txn"])
	return err
}

// Reusable is true: a worker keeps its client after an indeterminate op.
func (*Workload) Reusable() bool { return true }

// Next is a transaction of 1 to --max-txn-length micro-ops, each a read or
// a write (append) with equal odds, on a key from the pool; key i of the
// pool is picked with weight 2^i. A key's writes are 1, 2, … up to
// --max-writes-per-key, after which a fresh key takes its place.
func (w *Workload) Next(rng *rand.Rand) workload.Op {
	n := 1 + rng.IntN(w.opt.MaxTxnLength)
	txn := make([]any, 0, n)
	for len(txn) < n {
		k := w.pick(rng)
		if rng.IntN(2) == 0 {
			txn = append(txn, []any{edn.Keyword("r"), k, nil})
			continue
		}
		v := w.writes[k] + 1
		if v > w.opt.MaxWritesPerKey {
			w.retire(k)
			continue
		}
		w.writes[k] = v
		txn = append(txn, []any{edn.Keyword(w.write), k, int64(v)})
	}
	return workload.Op{F: "txn", Value: txn}
}

// pick draws a key: position i with weight 2^i.
func (w *Workload) pick(rng *rand.Rand) int64 {
	n := len(w.active)
	scale := 2 * (math.Pow(2, float64(n)) - 1)
	i := int(math.Floor(math.Log2(rng.Float64()*scale+2) - 1))
	return w.active[min(max(i, 0), n-1)]
}

// retire replaces k in the pool with a key never used.
func (w *Workload) retire(k int64) {
	for i, a := range w.active {
		if a == k {
			w.active[i] = w.nextKey
			w.nextKey++
			return
		}
	}
}

// Invoke sends the transaction and records the reply's micro-ops.
func (w *Workload) Invoke(ctx context.Context, c *client.Client, inv history.Op) history.Op {
	req := inv.Value.([]any)
	wire := make([][]any, len(req))
	for i, m := range req {
		mop := m.([]any)
		wire[i] = []any{string(mop[0].(edn.Keyword)), mop[1], mop[2]}
	}
	reply, err := c.RPC(ctx, workload.DefaultTimeout, "type", "txn", "txn", wire)
	comp, ok := rules.Complete(inv, reply, err, schema, c.Node())
	if !ok {
		return comp
	}
	f, _ := proto.Fields(reply.Body)
	mops, _ := parseTxn(f["txn"])
	comp.Value = mops
	return comp
}

// parseTxn reads a reply's txn: a list of [f, k, v] with f a string.
func parseTxn(raw json.RawMessage) ([]any, error) {
	v, err := edn.FromJSON(raw)
	if err != nil {
		return nil, err
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("txn is not a list")
	}
	out := make([]any, len(list))
	for i, x := range list {
		m, ok := x.([]any)
		if !ok || len(m) != 3 {
			return nil, fmt.Errorf("micro-op %s is not [f, k, v]", edn.String(x))
		}
		f, ok := m[0].(string)
		if !ok || (f != "r" && f != "w" && f != "append") {
			return nil, fmt.Errorf("micro-op %s: f must be \"r\", \"w\" or \"append\"", edn.String(x))
		}
		out[i] = []any{edn.Keyword(f), m[1], m[2]}
	}
	return out, nil
}

// Final: the transactional workloads have no final phase.
func (*Workload) Final() (workload.Op, bool) { return workload.Op{}, false }

// Check runs the transaction checker. For txn-rw-register it then does
// what Maelstrom's wrapper does: a cycle-search timeout is dropped, and the
// result is valid only if no reportable anomaly is left (so an empty
// transaction graph is invalid, not unknown).
func (w *Workload) Check(ops []history.Op) (check.Findings, []string) {
	res, err := elle.Check(ops, elle.Options{Models: w.opt.Models, ListAppend: w.opt.ListAppend})
	if err != nil {
		return &check.Txn{Valid: check.Unknown, Error: err.Error()}, nil
	}
	if !w.opt.ListAppend {
		delete(res.Anomalies, "cycle-search-timeout")
	}
	out := res.Findings(0)
	if !w.opt.ListAppend && len(out.AnomalyTypes) > 0 {
		out.Valid = check.Invalid
	}
	w.mismatches(ops, out)
	var warnings []string
	if out.MismatchedCount > 0 {
		warnings = append(warnings, fmt.Sprintf("%d txn_ok replies do not answer the transaction asked (micro-ops dropped or changed; see :workload :mismatched); %s", out.MismatchedCount, workload.StrictNote(w.opt.Strict)))
	}
	return out, warnings
}

// maxMismatchesShown is how many mismatched replies the findings list.
const maxMismatchesShown = 8

// mismatches adds the replies that do not answer their request, which
// Maelstrom's schema lets through: a micro-op dropped or added, another
// key, another function, or another written value. Under Strict they make
// the result invalid.
func (w *Workload) mismatches(ops []history.Op, out *check.Txn) {
	pairs := history.Pairs(ops)
	for _, inv := range ops {
		ci, done := pairs[inv.Index]
		if inv.Type != history.Invoke || !done || ops[ci].Type != history.OK {
			continue
		}
		if why := mismatch(inv.Value, ops[ci].Value); why != "" {
			out.MismatchedCount++
			if len(out.Mismatched) < maxMismatchesShown {
				out.Mismatched = append(out.Mismatched, check.TxnMismatch{Op: ops[ci], Request: inv.Value, Why: why})
			}
		}
	}
	if out.MismatchedCount > 0 && w.opt.Strict {
		out.Valid = check.Invalid
	}
}

// mismatch says how a reply's micro-ops differ from the request's, or "".
func mismatch(req, resp any) string {
	rq, _ := req.([]any)
	rs, _ := resp.([]any)
	if len(rq) != len(rs) {
		return fmt.Sprintf("%d micro-ops asked, %d answered", len(rq), len(rs))
	}
	for i := range rq {
		a, b := rq[i].([]any), rs[i].([]any)
		if !edn.Equal(a[0], b[0]) || !edn.Equal(a[1], b[1]) {
			return fmt.Sprintf("micro-op %d asked %s, answered %s", i, edn.String(a), edn.String(b))
		}
		if a[0] != edn.Keyword("r") && !edn.Equal(a[2], b[2]) {
			return fmt.Sprintf("micro-op %d wrote %s, answered %s", i, edn.String(a[2]), edn.String(b[2]))
		}
	}
	return ""
}
