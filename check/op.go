package check

import "github.com/eddy-workbench/eddy/edn"

// OpType is the type of an operation in a history, as Jepsen names them.
type OpType string

// The operation types: a client invokes an operation, which completes ok
// (it happened), fail (it did not) or info (it may or may not have).
const (
	Invoke OpType = "invoke"
	OK     OpType = "ok"
	Fail   OpType = "fail"
	Info   OpType = "info"
)

// Nemesis is the process of the nemesis's operations (:nemesis in
// history.edn).
const Nemesis = -1

// Op is one event of a run's history: an invocation or a completion of a
// client's operation, or an operation of the nemesis. Values are EDN values
// (see package edn): what the workload sent and what the node answered.
type Op struct {
	Index   int    // position in the history, from 0
	Time    int64  // nanoseconds since the run began
	Type    OpType // invoke, ok, fail or info
	Process int    // the client process, or Nemesis
	F       string // the operation, e.g. "read", "broadcast", "txn"
	Value   any    // an EDN value
	Error   any    // nil, or an EDN value such as [:timeout "text"]
	Final   bool   // performed in the final phase (:final?)
	// Exception, if set, describes an unexpected client error (Maelstrom's
	// :exception), such as a malformed response.
	Exception string
}

// IsClient reports whether the op belongs to a client process rather than
// to the nemesis.
func (o Op) IsClient() bool { return o.Process != Nemesis }

// EDN renders the op as history.edn and results.edn write it, e.g.
// {:index 3, :time 1234, :type :ok, :process 0, :f :read, :value [1 2]}.
func (o Op) EDN() *edn.Map {
	m := edn.NewMap(
		edn.Keyword("index"), o.Index,
		edn.Keyword("time"), o.Time,
		edn.Keyword("type"), edn.Keyword(o.Type),
		edn.Keyword("process"), o.ProcessEDN(),
		edn.Keyword("f"), edn.Keyword(o.F),
		edn.Keyword("value"), o.Value,
	)
	if o.Final {
		m.Set(edn.Keyword("final?"), true)
	}
	if o.Error != nil {
		m.Set(edn.Keyword("error"), o.Error)
	}
	if o.Exception != "" {
		m.Set(edn.Keyword("exception"), edn.NewMap(edn.Keyword("message"), o.Exception))
	}
	return m
}

// ProcessEDN is the op's process as history.edn writes it: the number, or
// the keyword :nemesis.
func (o Op) ProcessEDN() any {
	if o.Process == Nemesis {
		return edn.Keyword("nemesis")
	}
	return o.Process
}

// String is the op's EDN text.
func (o Op) String() string { return edn.String(o.EDN()) }
