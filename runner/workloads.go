package runner

import (
	"strings"

	"github.com/eddy-workbench/eddy/internal/workload"
	"github.com/eddy-workbench/eddy/internal/workload/registry"
)

// newWorkload returns the workload a run asks for, made from its settings.
func newWorkload(s settings) (workload.Workload, error) {
	spec, ok := registry.Lookup(s.Workload)
	if !ok {
		return nil, badf("unknown workload %q (Maelstrom's workloads: %s)", s.Workload, strings.Join(registry.Names(), ", "))
	}
	wl, err := spec.New(workload.Params{
		Nodes:             s.nodes,
		Concurrency:       s.concurrency,
		Rate:              s.Rate,
		Latency:           s.Latency,
		Topology:          s.Topology,
		KeyCount:          s.KeyCount,
		MaxTxnLength:      s.MaxTxnLength,
		MaxWritesPerKey:   s.MaxWritesPerKey,
		ConsistencyModels: s.ConsistencyModels,
		Strict:            s.Strict,
	})
	if err != nil {
		return nil, badf("%v", err)
	}
	return wl, nil
}

// Workloads lists the workloads eddy can run: every one of Maelstrom's,
// in Maelstrom's order.
func Workloads() []string { return registry.Names() }
