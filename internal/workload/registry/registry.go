// Package registry lists the workloads eddy can run: adding a workload is
// its package under internal/workload (generator, client ops, checker,
// explainer) and one line here.
package registry

import (
	"github.com/eddy-workbench/eddy/internal/workload"
	"github.com/eddy-workbench/eddy/internal/workload/broadcast"
	"github.com/eddy-workbench/eddy/internal/workload/counter"
	"github.com/eddy-workbench/eddy/internal/workload/echo"
	"github.com/eddy-workbench/eddy/internal/workload/kafka"
	"github.com/eddy-workbench/eddy/internal/workload/linkv"
	"github.com/eddy-workbench/eddy/internal/workload/txn"
	"github.com/eddy-workbench/eddy/internal/workload/uniqueids"
)

// all are the workloads, in the order Maelstrom 0.2.4 lists its own.
func all() []workload.Spec {
	return []workload.Spec{
		{Name: "echo", New: echo.FromParams, Explain: echo.Explain},
		{Name: "unique-ids", New: uniqueids.FromParams, Explain: uniqueids.Explain},
		{Name: "broadcast", New: broadcast.FromParams, Explain: broadcast.Explain},
		{Name: "g-set", New: broadcast.GSetFromParams, Explain: broadcast.ExplainGSet},
		{Name: "g-counter", New: counter.GCounterFromParams, Explain: counter.Explain},
		{Name: "pn-counter", New: counter.PNCounterFromParams, Explain: counter.Explain},
		{Name: "lin-kv", New: linkv.FromParams, Explain: linkv.Explain},
		{Name: "kafka", New: kafka.FromParams, Explain: kafka.Explain},
		{Name: "txn-list-append", New: txn.ListAppendFromParams, Explain: txn.Explain},
		{Name: "txn-rw-register", New: txn.RWRegisterFromParams, Explain: txn.Explain},
	}
}

// Names lists the workloads' names, in Maelstrom's order.
func Names() []string {
	var out []string
	for _, s := range all() {
		out = append(out, s.Name)
	}
	return out
}

// Lookup returns the workload called name.
func Lookup(name string) (workload.Spec, bool) {
	for _, s := range all() {
		if s.Name == name {
			return s, true
		}
	}
	return workload.Spec{}, false
}
