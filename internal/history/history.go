// Package history records the operations of a run as Jepsen does: an
// invocation and a completion per client operation, plus the nemesis's
// operations, each with an index and a time since the start of the run.
package history

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/edn"
)

// Op is one event of the history; it is check.Op, the public type.
type Op = check.Op

// Type is the type of an op.
type Type = check.OpType

// The op types.
const (
	Invoke = check.Invoke
	OK     = check.OK
	Fail   = check.Fail
	Info   = check.Info
)

// Nemesis is the process number of the nemesis's operations (:nemesis).
const Nemesis = check.Nemesis

// Recorder appends ops concurrently, giving each its index and time.
type Recorder struct {
	start time.Time
	mu    sync.Mutex
	ops   []Op
}

// NewRecorder starts a history whose times count from start.
func NewRecorder(start time.Time) *Recorder { return &Recorder{start: start} }

// Add records op with the next index and the current time, and returns it.
func (r *Recorder) Add(op Op) Op {
	r.mu.Lock()
	defer r.mu.Unlock()
	op.Index = len(r.ops)
	op.Time = time.Since(r.start).Nanoseconds()
	r.ops = append(r.ops, op)
	return op
}

// Ops returns a copy of the history so far.
func (r *Recorder) Ops() []Op {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Op(nil), r.ops...)
}

// Pairs maps the index of every invocation to the index of its completion
// (absent when the op never completed), by process.
func Pairs(ops []Op) map[int]int {
	open := map[int]int{}
	pairs := map[int]int{}
	for _, o := range ops {
		if o.Type == Invoke {
			open[o.Process] = o.Index
			continue
		}
		if inv, ok := open[o.Process]; ok {
			pairs[inv] = o.Index
			delete(open, o.Process)
		}
	}
	return pairs
}

// Positions maps each op's :index to its position in ops, for looking up
// the completions Pairs names. In a history as recorded the two are equal;
// one read back from a damaged file may differ (a repeated index maps to
// its last position).
func Positions(ops []Op) map[int]int {
	pos := make(map[int]int, len(ops))
	for i, o := range ops {
		pos[o.Index] = i
	}
	return pos
}

// WriteEDN writes one op per line, as history.edn.
func WriteEDN(w io.Writer, ops []Op) error {
	bw := bufio.NewWriter(w)
	for _, o := range ops {
		bw.Write(edn.Marshal(o.EDN()))
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// WriteText writes the tab-separated human form, as history.txt:
// process, type, f, value, and error when there is one.
func WriteText(w io.Writer, ops []Op) error {
	bw := bufio.NewWriter(w)
	for _, o := range ops {
		cols := []string{
			edn.String(o.ProcessEDN()), edn.String(edn.Keyword(o.Type)),
			edn.String(edn.Keyword(o.F)), edn.String(o.Value),
		}
		if o.Error != nil {
			cols = append(cols, edn.String(o.Error))
		}
		fmt.Fprintln(bw, strings.Join(cols, "\t"))
	}
	return bw.Flush()
}
