package checker

import (
	"io"
	"math"
	"slices"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/history"
)

// anyState is the state of a register whose value is not known: the
// first operation decides it.
const anyState = "\x00any"

// anyRegisterModel is registerModel starting from any value.
var anyRegisterModel = porcupine.Model{
	Init: func() any { return anyState },
	Step: func(state, input, output any) (bool, any) {
		st, op := state.(string), input.(regOp)
		if st != anyState {
			return registerModel.Step(state, input, output)
		}
		switch op.f {
		case "read":
			return true, op.v
		case "write":
			return true, op.v
		default:
			return true, op.to // it may have held op.from
		}
	},
	DescribeOperation: registerModel.DescribeOperation,
	DescribeState: func(state any) string {
		if state == anyState {
			return "?"
		}
		return state.(string)
	},
}

// LinWindow is a short stretch of one key's lin-kv history that cannot be
// linearized.
type LinWindow struct {
	// Ops are the positions in the history of the stretch's invocations,
	// by invocation time.
	Ops []int
	// AnyStart is set when the stretch cannot be linearized whatever the
	// register held before it; otherwise it cannot be from the empty
	// register (it starts at the key's first operation).
	AnyStart bool
	// Longest is how many of them the longest order a register allows
	// covers.
	Longest int
	// Visualize writes porcupine's visualization of the stretch (an HTML
	// page with a script).
	Visualize func(io.Writer) error
}

// LinKVWindow finds a short stretch of key's operations in a lin-kv
// history that cannot be linearized on its own: the shortest prefix of
// the key's operations (by invocation) that cannot be, then the latest
// start from which its end still cannot be whatever the register held
// (keeping the operations still running at that start). ok is false when
// the key's operations can be linearized, or the searches together took
// longer than timeout (0: 1 s).
// Operations are taken as LinearizableKV takes them.
func LinKVWindow(ops []history.Op, key any, timeout time.Duration) (win LinWindow, ok bool) {
	if timeout <= 0 {
		timeout = time.Second
	}
	want := edn.String(key)
	pairs := history.Pairs(ops)
	pos := make(map[int]int, len(ops))
	for i, op := range ops {
		pos[op.Index] = i
	}
	var kops []porcupine.Operation
	var at []int
	for i, inv := range ops {
		if inv.Type != history.Invoke || !inv.IsClient() {
			continue
		}
		kv, ok := inv.Value.([]any)
		if !ok || len(kv) != 2 || edn.String(kv[0]) != want {
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
		var comp *history.Op
		if done {
			comp = &ops[pos[ci]]
		}
		switch {
		case done && comp.Type == history.Fail:
			continue
		case done && comp.Type == history.OK:
			ret = comp.Time
			if op.f == "read" {
				if v, ok := comp.Value.([]any); ok && len(v) == 2 {
					op.v = edn.String(v[1])
				}
			}
		case op.f == "read":
			continue
		default:
			op.unknown = true
		}
		kops = append(kops, porcupine.Operation{ClientId: inv.Process, Input: op, Call: inv.Time, Return: ret})
		at = append(at, i)
	}
	order := make([]int, len(kops))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case kops[a].Call < kops[b].Call:
			return -1
		case kops[a].Call > kops[b].Call:
			return 1
		}
		return 0
	})
	sorted := make([]porcupine.Operation, len(kops))
	sortedAt := make([]int, len(kops))
	for k, i := range order {
		sorted[k], sortedAt[k] = kops[i], at[i]
	}
	// pick is the operations at idx, their clients (processes) numbered
	// from 0 as porcupine's visualization wants them.
	pick := func(idx []int) []porcupine.Operation {
		sub := make([]porcupine.Operation, len(idx))
		clients := map[int]int{}
		for k, i := range idx {
			sub[k] = sorted[i]
			c, ok := clients[sub[k].ClientId]
			if !ok {
				c = len(clients)
				clients[sub[k].ClientId] = c
			}
			sub[k].ClientId = c
		}
		return sub
	}
	// Every check shares one budget; a search that runs out of it gives
	// up rather than guess.
	deadline := time.Now().Add(timeout)
	gaveUp := false
	illegal := func(m porcupine.Model, idx []int) bool {
		left := time.Until(deadline)
		if gaveUp || left <= 0 {
			gaveUp = true
			return false
		}
		switch porcupine.CheckOperationsTimeout(m, pick(idx), left) {
		case porcupine.Illegal:
			return true
		case porcupine.Unknown:
			gaveUp = true
		}
		return false
	}
	span := func(i, j int) []int { // i..j-1, plus those running at i's start
		var idx []int
		for k := range i {
			if sorted[k].Return > sorted[i].Call {
				idx = append(idx, k)
			}
		}
		for k := i; k < j; k++ {
			idx = append(idx, k)
		}
		return idx
	}
	n := len(sorted)
	if n == 0 || !illegal(registerModel, span(0, n)) {
		return LinWindow{}, false
	}
	defer func() {
		if gaveUp {
			win, ok = LinWindow{}, false
		}
	}()
	lo, hi := 0, n // prefix lo is legal, prefix hi is not
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if illegal(registerModel, span(0, mid)) {
			hi = mid
		} else {
			lo = mid
		}
	}
	end := hi
	idx := span(0, end)
	model := registerModel
	if illegal(anyRegisterModel, span(0, end)) {
		lo, hi := 0, end // from lo it is illegal whatever the start; from hi (empty) not
		for hi-lo > 1 {
			mid := (lo + hi) / 2
			if illegal(anyRegisterModel, span(mid, end)) {
				lo = mid
			} else {
				hi = mid
			}
		}
		idx, model, win.AnyStart = span(lo, end), anyRegisterModel, true
	}
	sub := pick(idx)
	for _, i := range idx {
		win.Ops = append(win.Ops, sortedAt[i])
	}
	res, info := porcupine.CheckOperationsVerbose(model, sub, max(time.Until(deadline), time.Millisecond))
	if res != porcupine.Illegal || gaveUp {
		return LinWindow{}, false
	}
	for _, p := range info.PartialLinearizations() {
		for _, l := range p {
			win.Longest = max(win.Longest, len(l))
		}
	}
	win.Visualize = func(w io.Writer) error { return porcupine.Visualize(model, info, w) }
	return win, true
}
