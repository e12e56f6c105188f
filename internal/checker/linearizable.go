package checker

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/history"
)

// regOp is one lin-kv operation as the register model sees it. Values are
// compared by their EDN text, so a node may store anything.
type regOp struct {
	f        string // read, write or cas
	v        string // read: the value returned; write: the value written
	from, to string // cas
	unknown  bool   // indeterminate: it may or may not have taken effect
}

// registerModel is a compare-and-set register that starts empty (nil).
var registerModel = porcupine.Model{
	Init: func() any { return edn.String(nil) },
	Step: func(state, input, _ any) (bool, any) {
		st, op := state.(string), input.(regOp)
		switch op.f {
		case "read":
			return op.v == st, st
		case "write":
			return true, op.v
		default:
			if st == op.from {
				return true, op.to
			}
			// An indeterminate cas that found another value failed.
			return op.unknown, st
		}
	},
	DescribeOperation: func(input, _ any) string {
		op := input.(regOp)
		switch op.f {
		case "cas":
			return fmt.Sprintf("cas %s→%s", op.from, op.to)
		default:
			return op.f + " " + op.v
		}
	},
}

// LinearizableKV checks a lin-kv history as Maelstrom's independent
// linearizability checker does: each key's operations on their own,
// against a compare-and-set register starting at nil. Failed operations
// did not happen; indeterminate writes and cas may have happened at any
// time after they began; indeterminate reads say nothing. A key whose
// search exceeds timeout (0: 10 s) is unknown.
func LinearizableKV(ops []history.Op, timeout time.Duration) *check.LinKV {
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	pairs, pos := history.Pairs(ops), history.Positions(ops)
	byKey := map[string][]porcupine.Operation{}
	keys := map[string]any{}
	var order []string
	for _, inv := range ops {
		if inv.Type != history.Invoke || !inv.IsClient() {
			continue
		}
		kv, ok := inv.Value.([]any)
		if !ok || len(kv) != 2 {
			continue
		}
		op := regOp{f: inv.F}
		switch inv.F {
		case "write":
			op.v = edn.String(kv[1])
		case "cas":
			ft, ok := kv[1].([]any)
			if !ok || len(ft) != 2 {
				continue
			}
			op.from, op.to = edn.String(ft[0]), edn.String(ft[1])
		case "read":
		default:
			continue
		}
		ret := int64(math.MaxInt64)
		ci, done := pairs[inv.Index]
		ci = pos[ci]
		switch {
		case done && ops[ci].Type == history.Fail:
			continue
		case done && ops[ci].Type == history.OK:
			ret = ops[ci].Time
			if op.f == "read" {
				if v, ok := ops[ci].Value.([]any); ok && len(v) == 2 {
					op.v = edn.String(v[1])
				}
			}
		case op.f == "read":
			continue // an indeterminate read constrains nothing
		default:
			op.unknown = true
		}
		k := edn.String(kv[0])
		if _, seen := byKey[k]; !seen {
			order = append(order, k)
			keys[k] = kv[0]
		}
		byKey[k] = append(byKey[k], porcupine.Operation{ClientId: inv.Process, Input: op, Call: inv.Time, Output: nil, Return: ret})
	}
	slices.Sort(order)
	out := &check.LinKV{Failures: []any{}}
	var verdicts []check.Verdict
	for _, k := range order {
		res, info := porcupine.CheckOperationsVerbose(registerModel, byKey[k], timeout)
		r := check.LinKVKey{Key: keys[k], OpCount: len(byKey[k])}
		switch res {
		case porcupine.Ok:
			r.Valid = check.Valid
		case porcupine.Illegal:
			r.Valid = check.Invalid
			out.Failures = append(out.Failures, keys[k])
			for _, p := range info.PartialLinearizations() {
				for _, l := range p {
					r.LongestLinearizable = max(r.LongestLinearizable, len(l))
				}
			}
			r.Explanation = fmt.Sprintf("no order of key %s's %d operations is consistent with a register and with real time; the longest that is covers %d of them", edn.String(keys[k]), len(byKey[k]), r.LongestLinearizable)
		default:
			r.Valid = check.Unknown
			r.Error = fmt.Sprintf("the linearizability search gave up after %v", timeout)
		}
		verdicts = append(verdicts, r.Valid)
		out.Keys = append(out.Keys, r)
	}
	out.Valid = check.Merge(verdicts...)
	return out
}
