package check

import "time"

// Figures are the numbers every run has, whatever its workload. Most are
// in results.edn too (under :stats, :availability and :net); Latency and
// the clients' msgs-per-op are not.
type Figures struct {
	// Ops counts the completions of the client operations, as :stats
	// does (operations a workload invents that reach no node, such as
	// kafka's crashes, are left out).
	Ops OpCounts
	// OpsByF counts them per operation (:stats :by-f), e.g. "read".
	OpsByF map[string]OpCounts
	// Invocations counts every client operation invoked: the denominator
	// of msgs-per-op and of availability.
	Invocations int64
	// Availability is the fraction of invocations that completed ok
	// (:availability :ok-fraction), rounded to single precision as
	// Maelstrom does; 1 when nothing was invoked.
	Availability float64
	// Net counts the network's messages (:net).
	Net Net
	// Latency are quantiles of how long the client operations that
	// completed ok took, from invocation to completion.
	Latency Latencies
}

// OpCounts count operations by outcome.
type OpCounts struct {
	OK, Fail, Info int64
}

// Total is OK + Fail + Info (:count in :stats).
func (c OpCounts) Total() int64 { return c.OK + c.Fail + c.Info }

// Net counts the network's messages: all of them, those with a client at
// either end, and the rest (between nodes, and between nodes and
// Maelstrom's services), which is what a node's efficiency is judged by.
type Net struct {
	All, Clients, Servers NetCounts
}

// NetCounts count one class of network traffic.
type NetCounts struct {
	Sends int64 // send events (:send-count)
	Recvs int64 // delivery events (:recv-count)
	Msgs  int64 // distinct messages (:msg-count)
	// MsgsPerOp is Msgs per client invocation (:msgs-per-op), rounded to
	// single precision as Maelstrom does; 0 when nothing was invoked.
	// results.edn shows it for all and servers only.
	MsgsPerOp float64
}

// Latencies are quantiles of a set of durations: for each quantile q, the
// duration at position ⌊n·q⌋ of the n sorted durations (the last for the
// maximum). All are zero when Count is.
type Latencies struct {
	Count                   int // how many durations
	Min, P50, P95, P99, Max time.Duration
}
