// Package txn holds Maelstrom's transactional workloads, txn-rw-register
// and txn-list-append: clients send transactions of reads and writes (or
// appends) over a pool of integer keys, and the history is checked for
// isolation anomalies against the consistency models asked for.
package txn

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/client"
	"github.com/eddy-workbench/eddy/internal/elle"
	"github.com/eddy-workbench/eddy/internal/history"
	"github.com/eddy-workbench/eddy/internal/proto"
	"github.com/eddy-workbench/eddy/internal/workload"
	"github.com/eddy-workbench/eddy/internal/workload/keypool"
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
	opt   Options
	write string // "w" or "append"
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
	w := &Workload{opt: opt, write: "w"}
	if opt.ListAppend {
		w.write = "append"
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

// Generator returns a process's transactions, as Elle's generator makes
// them: 1 to --max-txn-length micro-ops, each a read or a write (append)
// with equal odds, on a key from the pool, key i of the pool picked with
// weight 2^i; a key's writes are unique, and a key takes about
// --max-writes-per-key of them (Elle: exactly) before a fresh key takes its
// place. The pool
// is derived per process (package keypool); a process that replaces one
// after an indeterminate transaction starts over at the pool's first keys.
func (w *Workload) Generator(p workload.Process, rng *rand.Rand) workload.Generator {
	pool := keypool.New(keypool.Options{
		Count:       w.opt.KeyCount,
		MaxWrites:   w.opt.MaxWritesPerKey,
		WritesPerOp: float64(1+w.opt.MaxTxnLength) / 4,
	}, p, 0)
	return workload.GeneratorFunc(func() workload.Op {
		pool.Begin()
		n := 1 + rng.IntN(w.opt.MaxTxnLength)
		txn := make([]any, 0, n)
		for len(txn) < n {
			read := rng.IntN(2) == 0
			k := pool.Pick(rng.Float64())
			if read {
				txn = append(txn, []any{edn.Keyword("r"), k, nil})
				continue
			}
			txn = append(txn, []any{edn.Keyword(w.write), k, pool.Write(k)})
		}
		return workload.Op{F: "txn", Value: txn}
	})
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
	pairs, pos := history.Pairs(ops), history.Positions(ops)
	for _, inv := range ops {
		ci, done := pairs[inv.Index]
		ci = pos[ci]
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
		a, aok := rq[i].([]any)
		b, bok := rs[i].([]any)
		if !aok || !bok || len(a) != 3 || len(b) != 3 {
			// Only a damaged history holds such micro-ops.
			return fmt.Sprintf("micro-op %d asked %s, answered %s", i, edn.String(rq[i]), edn.String(rs[i]))
		}
		if !edn.Equal(a[0], b[0]) || !edn.Equal(a[1], b[1]) {
			return fmt.Sprintf("micro-op %d asked %s, answered %s", i, edn.String(a), edn.String(b))
		}
		if a[0] != edn.Keyword("r") && !edn.Equal(a[2], b[2]) {
			return fmt.Sprintf("micro-op %d wrote %s, answered %s", i, edn.String(a[2]), edn.String(b[2]))
		}
	}
	return ""
}
