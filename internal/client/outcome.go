package client

import (
	"errors"
	"fmt"

	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/history"
	"github.com/eddy-workbench/eddy/internal/proto"
)

// Rules say how a workload's client turns a failed RPC into a completion.
type Rules struct {
	// Wrapped selects Maelstrom's standard error wrapper: error codes are
	// looked up and definite ones fail. Without it (g-set, the counters) every
	// error and timeout is indeterminate.
	Wrapped bool
	// Idempotent lists the fs whose errors and timeouts are always :fail.
	Idempotent map[string]bool
}

// Complete turns the outcome of inv's RPC into its completion. ok is true when
// the reply is a well-formed success; the caller then sets the completion's
// value from the reply. Otherwise the completion keeps the invocation's value.
func (r Rules) Complete(inv history.Op, reply Reply, err error, schema proto.Schema, node string) (history.Op, bool) {
	comp := history.Op{Type: history.Info, Process: inv.Process, F: inv.F, Value: inv.Value, Final: inv.Final}
	idem := r.Idempotent[inv.F]
	switch {
	case errors.Is(err, ErrTimeout):
		if !r.Wrapped {
			comp.Error = "indeterminate: Client read timeout"
			comp.Exception = "Client read timeout"
			return comp, false
		}
		if idem {
			comp.Type = history.Fail
		}
		comp.Error = edn.Keyword("net-timeout")
		return comp, false
	case err != nil:
		comp.Error = "indeterminate: " + err.Error()
		comp.Exception = err.Error()
		return comp, false
	case reply.Header.Type == "error":
		e := proto.LookupError(reply.Header.Code, reply.Header.HasCode)
		if !r.Wrapped {
			msg := fmt.Sprintf("RPC error %s: %s", e.Name, reply.Header.Text)
			comp.Error = "indeterminate: " + msg
			comp.Exception = msg
			return comp, false
		}
		if e.Definite || idem {
			comp.Type = history.Fail
		}
		comp.Error = []any{edn.Keyword(e.Name), reply.Header.Text}
		return comp, false
	}
	if verr := schema.Validate(reply.Body); verr != nil {
		msg := fmt.Sprintf("Malformed RPC response. Node %s answered a %s request with %s: %v", node, inv.F, reply.Body, verr)
		comp.Error = "indeterminate: " + msg
		comp.Exception = msg
		return comp, false
	}
	comp.Type = history.OK
	return comp, true
}
