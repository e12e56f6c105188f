package runner

import (
	"slices"
	"strings"

	"github.com/eddy-workbench/eddy/internal/checker"
	"github.com/eddy-workbench/eddy/internal/topology"
	"github.com/eddy-workbench/eddy/internal/workload"
	"github.com/eddy-workbench/eddy/internal/workload/broadcast"
	"github.com/eddy-workbench/eddy/internal/workload/counter"
	"github.com/eddy-workbench/eddy/internal/workload/echo"
	"github.com/eddy-workbench/eddy/internal/workload/kafka"
	"github.com/eddy-workbench/eddy/internal/workload/linkv"
	"github.com/eddy-workbench/eddy/internal/workload/txn"
	"github.com/eddy-workbench/eddy/internal/workload/uniqueids"
)

// maelstromWorkloads are every workload Maelstrom 0.2.4 has, in its order.
var maelstromWorkloads = []string{"echo", "unique-ids", "broadcast", "g-set", "g-counter",
	"pn-counter", "lin-kv", "kafka", "txn-list-append", "txn-rw-register"}

// newWorkload returns the workload a run asks for.
func newWorkload(s settings) (workload.Workload, error) {
	switch s.Workload {
	case "echo":
		return echo.Workload{}, nil
	case "unique-ids":
		return uniqueids.Workload{}, nil
	case "broadcast":
		topo, err := topology.Build(s.Topology, s.nodes)
		if err != nil {
			return nil, badf("%v", err)
		}
		return broadcast.New(topo, s.cluster(), s.Strict), nil
	case "g-set":
		return broadcast.NewGSet(s.cluster(), s.Strict), nil
	case "kafka":
		return kafka.New(kafka.Options{
			KeyCount:        s.KeyCount,
			MaxWritesPerKey: s.MaxWritesPerKey,
			Concurrency:     s.concurrency,
			Rate:            s.Rate,
			Strict:          s.Strict,
		}), nil
	case "lin-kv":
		return linkv.New(linkv.Options{Nodes: len(s.nodes), Latency: s.Latency}), nil
	case "txn-rw-register", "txn-list-append":
		return txn.New(txn.Options{
			ListAppend:      s.Workload == "txn-list-append",
			KeyCount:        s.KeyCount,
			MaxTxnLength:    s.MaxTxnLength,
			MaxWritesPerKey: s.MaxWritesPerKey,
			Models:          s.ConsistencyModels,
			Strict:          s.Strict,
		}), nil
	case "g-counter":
		return counter.Workload{Grow: true, Cluster: s.cluster(), Strict: s.Strict}, nil
	case "pn-counter":
		return counter.Workload{Cluster: s.cluster(), Strict: s.Strict}, nil
	}
	return nil, badf("unknown workload %q (Maelstrom's workloads: %s)", s.Workload, strings.Join(maelstromWorkloads, ", "))
}

// cluster is the run's nodes and worker threads, for checks that follow
// each node.
func (s settings) cluster() checker.Cluster {
	return checker.Cluster{Nodes: s.nodes, Concurrency: s.concurrency}
}

// Workloads lists the workloads eddy can run: every one of Maelstrom's.
func Workloads() []string { return slices.Clone(maelstromWorkloads) }
