package history

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"slices"

	"github.com/eddy-workbench/eddy/edn"
)

// Fault is one structural fault of a stored history: the line it is on
// (counting from 1) and what is wrong there.
type Fault struct {
	Line int
	Text string
}

func (f Fault) String() string { return fmt.Sprintf("line %d: %s", f.Line, f.Text) }

// Audit is a stored history read leniently: the ops that are sound, and
// what was wrong with the rest.
type Audit struct {
	// Ops are the sound ops, in :index order.
	Ops []Op
	// Faults are the structural faults found, in line order.
	Faults []Fault
	// Lossy reports whether a fault lost information the checkers would
	// have used: a line unreadable or missing, an op left unpaired, times
	// out of order. A checker's verdict on Ops may then be wrong either
	// way. Faults that lose nothing (a line repeated word for word, lines
	// out of order whose indexes put them back) leave it false.
	Lossy bool
}

// lined is an op and the line it was read from.
type lined struct {
	op   Op
	line int
	text string // the op's EDN text, to tell repeats from conflicts
}

// ReadAudited reads a history as WriteEDN writes it, one op per line, and
// checks its structure before anything analyses it: every line an op with
// sane fields (:type one of :invoke :ok :fail :info, a non-negative
// :process or :nemesis with only :info ops, a non-empty :f), :index values
// 0, 1, 2, … with none missing or repeated, :time never decreasing in
// :index order, every completion paired with an earlier invocation of the
// same process and the same :f, at most one op pending per process, and
// none pending at the end. Each violation is a Fault naming its line; what
// is sound is kept, in :index order, and the rest dropped. Only a read
// error is an error.
func ReadAudited(r io.Reader) (Audit, error) {
	var a Audit
	fault := func(line int, lossy bool, format string, args ...any) {
		a.Faults = append(a.Faults, Fault{Line: line, Text: fmt.Sprintf(format, args...)})
		a.Lossy = a.Lossy || lossy
	}

	// 1. Every line an op with sane fields.
	var ops []lined
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<30)
	for n := 1; sc.Scan(); n++ {
		line := sc.Bytes()
		if len(line) == 0 {
			continue
		}
		v, err := edn.Parse(line)
		if err != nil {
			fault(n, true, "not EDN (%v); skipped", err)
			continue
		}
		op, err := FromEDN(v)
		if err != nil {
			fault(n, true, "not an op (%v); skipped", err)
			continue
		}
		switch {
		case op.Index < 0:
			fault(n, true, ":index %d is negative; skipped", op.Index)
		case op.Process < 0 && op.Process != Nemesis:
			fault(n, true, ":process %d is negative; skipped", op.Process)
		case op.F == "":
			fault(n, true, "op %d has an empty :f; skipped", op.Index)
		case op.Process == Nemesis && op.Type != Info:
			fault(n, false, "op %d is a nemesis op of :type :%s (the nemesis records only :info ops); skipped", op.Index, op.Type)
		default:
			ops = append(ops, lined{op: op, line: n, text: edn.String(op.EDN())})
		}
	}
	if err := sc.Err(); err != nil {
		return Audit{}, err
	}

	// 2. Indexes: repeats dropped, order restored, gaps found.
	seen := map[int]lined{}
	maxIndex, maxLine := -1, 0
	kept := ops[:0:0]
	for _, l := range ops {
		if first, ok := seen[l.op.Index]; ok {
			if first.text == l.text {
				fault(l.line, false, "repeats line %d (:index %d) word for word; dropped", first.line, l.op.Index)
			} else {
				fault(l.line, true, ":index %d again, but unlike line %d; dropped", l.op.Index, first.line)
			}
			continue
		}
		seen[l.op.Index] = l
		if l.op.Index < maxIndex {
			fault(l.line, false, ":index %d comes after :index %d (line %d): lines out of order; put back in :index order", l.op.Index, maxIndex, maxLine)
		} else {
			maxIndex, maxLine = l.op.Index, l.line
		}
		kept = append(kept, l)
	}
	ops = kept
	slices.SortStableFunc(ops, func(x, y lined) int { return cmp.Compare(x.op.Index, y.op.Index) })
	next := 0
	for i, l := range ops {
		if l.op.Index > next {
			missing := fmt.Sprintf(":index %d", next)
			if l.op.Index > next+1 {
				missing = fmt.Sprintf(":index %d to %d", next, l.op.Index-1)
			}
			fault(l.line, true, "%s missing before :index %d (deleted lines?)", missing, l.op.Index)
		}
		next = l.op.Index + 1
		// 3. Times never decrease.
		if i > 0 && l.op.Time < ops[i-1].op.Time {
			fault(l.line, true, ":time %d of :index %d is earlier than :time %d of :index %d (line %d)", l.op.Time, l.op.Index, ops[i-1].op.Time, ops[i-1].op.Index, ops[i-1].line)
		}
	}

	// 4. Pairing: each completion follows its invocation, one pending op
	// per process.
	drop := make([]bool, len(ops))
	pending := map[int]int{} // process → position of its pending invocation
	for i, l := range ops {
		op := l.op
		if op.Process == Nemesis {
			continue
		}
		inv, open := pending[op.Process]
		if op.Type == Invoke {
			if open {
				fault(ops[inv].line, true, "process %d's :%s invocation (:index %d) has no completion before its next invocation (:index %d); dropped", op.Process, ops[inv].op.F, ops[inv].op.Index, op.Index)
				drop[inv] = true
			}
			pending[op.Process] = i
			continue
		}
		delete(pending, op.Process)
		switch {
		case !open:
			fault(l.line, true, "a :%s completion of process %d (:index %d) with no invocation before it; dropped", op.Type, op.Process, op.Index)
			drop[i] = true
		case ops[inv].op.F != op.F:
			fault(l.line, true, "the completion (:index %d) has :f :%s, but its invocation (:index %d, line %d) has :f :%s; both dropped", op.Index, op.F, ops[inv].op.Index, ops[inv].line, ops[inv].op.F)
			drop[i], drop[inv] = true, true
		}
	}
	var dangling []int
	for _, i := range pending {
		dangling = append(dangling, i)
	}
	slices.Sort(dangling)
	for _, i := range dangling {
		fault(ops[i].line, true, "process %d's :%s invocation (:index %d) never completes; dropped", ops[i].op.Process, ops[i].op.F, ops[i].op.Index)
		drop[i] = true
	}
	for i, l := range ops {
		if !drop[i] {
			a.Ops = append(a.Ops, l.op)
		}
	}
	slices.SortStableFunc(a.Faults, func(x, y Fault) int { return cmp.Compare(x.Line, y.Line) })
	return a, nil
}
