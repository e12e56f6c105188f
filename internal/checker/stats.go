package checker

import (
	"math"
	"slices"
	"time"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/history"
)

// Figures computes the figures every run has from its history and the
// network's counters. Ops for which synthetic(f) holds (a workload's own
// markers that reach no node, such as kafka's crashes; synthetic may be
// nil) are left out of the operation counts, as Maelstrom's :stats leaves
// them out; every other figure counts them.
func Figures(ops []history.Op, synthetic func(f string) bool, net NetStats) check.Figures {
	f := check.Figures{OpsByF: map[string]check.OpCounts{}}
	var oks int64
	open := map[int]int64{} // process → invocation time
	var latencies []time.Duration
	for _, op := range ops {
		if !op.IsClient() {
			continue
		}
		if op.Type == history.Invoke {
			f.Invocations++
			open[op.Process] = op.Time
			continue
		}
		began, paired := open[op.Process]
		delete(open, op.Process)
		if op.Type == history.OK {
			oks++
			if paired {
				latencies = append(latencies, time.Duration(op.Time-began))
			}
		}
		if synthetic != nil && synthetic(op.F) {
			continue
		}
		f.Ops = countOp(f.Ops, op.Type)
		f.OpsByF[op.F] = countOp(f.OpsByF[op.F], op.Type)
	}
	f.Availability = 1
	if f.Invocations > 0 {
		f.Availability = float32Value(float32(float64(oks) / float64(f.Invocations)))
	}
	perOp := func(c NetCounts) check.NetCounts {
		n := check.NetCounts{Sends: c.SendCount, Recvs: c.RecvCount, Msgs: c.MsgCount}
		if f.Invocations > 0 {
			n.MsgsPerOp = float32Value(float32(float64(c.MsgCount) / float64(f.Invocations)))
		}
		return n
	}
	f.Net = check.Net{All: perOp(net.All), Clients: perOp(net.Clients), Servers: perOp(net.Servers)}
	f.Latency = Quantiles(latencies)
	return f
}

func countOp(c check.OpCounts, t history.Type) check.OpCounts {
	switch t {
	case history.OK:
		c.OK++
	case history.Fail:
		c.Fail++
	case history.Info:
		c.Info++
	}
	return c
}

// Quantiles are the 0, 0.5, 0.95, 0.99 and 1 quantiles of ds: each the
// element at ⌊n·q⌋ (at most the last) of the sorted values.
func Quantiles(ds []time.Duration) check.Latencies {
	if len(ds) == 0 {
		return check.Latencies{}
	}
	sorted := slices.Sorted(slices.Values(ds))
	at := func(q float64) time.Duration {
		return sorted[min(len(sorted)-1, int(math.Floor(float64(len(sorted))*q)))]
	}
	return check.Latencies{Count: len(ds), Min: at(0), P50: at(0.5), P95: at(0.95), P99: at(0.99), Max: at(1)}
}

func countsEDN(c check.OpCounts) *edn.Map {
	return edn.NewMap(
		kw("valid?"), c.OK > 0,
		kw("count"), c.Total(),
		kw("ok-count"), c.OK,
		kw("fail-count"), c.Fail,
		kw("info-count"), c.Info,
	)
}

// StatsEDN is Jepsen's stats checker's result for the figures: counts of
// the client processes' completions overall and by :f,
//
//	{:valid? :count :ok-count :fail-count :info-count
//	 :by-f {:f {:valid? :count :ok-count :fail-count :info-count}}}
//
// Each :f is valid when it has at least one :ok completion; the whole is the
// merge of those (so valid when there are no completions at all). :by-f is
// ordered by name.
func StatsEDN(f check.Figures) *edn.Map {
	fs := edn.NewMap()
	for _, name := range sortedKeys(f.OpsByF) {
		fs.Set(kw(name), countsEDN(f.OpsByF[name]))
	}
	m := countsEDN(f.Ops)
	m.Set(kw("by-f"), fs)
	m.Set(kw("valid?"), StatsVerdict(f).EDN())
	return m
}

// StatsVerdict is the stats checker's verdict: valid when every :f has an
// :ok completion.
func StatsVerdict(f check.Figures) check.Verdict {
	for _, c := range f.OpsByF {
		if c.OK == 0 {
			return check.Invalid
		}
	}
	return check.Valid
}

// AvailabilitySpec is the --availability flag: Set when it was given at all,
// Total for "total", otherwise Min is the least acceptable fraction of
// successful operations. Total implies Set.
type AvailabilitySpec struct {
	Total bool
	Min   float64
	Set   bool
}

// AvailabilityEDN is Maelstrom's availability checker's result for the
// figures, {:valid? :ok-fraction}: the fraction of :ok ops among the
// invocations, held at single precision as Clojure's (float ...) does (so
// 2/3 shows as 0.6666667), and the integer 1 when nothing was invoked.
// With Total it is valid iff the fraction is 1, with a Min iff Min ≤
// fraction, and without the flag always.
func AvailabilityEDN(f check.Figures, spec AvailabilitySpec) *edn.Map {
	var fraction any = f.Availability
	if f.Invocations == 0 {
		fraction = int64(1)
	}
	return edn.NewMap(kw("valid?"), AvailabilityVerdict(f, spec).EDN(), kw("ok-fraction"), fraction)
}

// AvailabilityVerdict is the availability checker's verdict.
func AvailabilityVerdict(f check.Figures, spec AvailabilitySpec) check.Verdict {
	switch {
	case spec.Total:
		return check.VerdictOf(f.Availability == 1)
	case spec.Set:
		return check.VerdictOf(spec.Min <= float64(float32(f.Availability)))
	}
	return check.Valid
}

// NetCounts are the counters of one class of network events: send events,
// recv events and distinct message ids.
type NetCounts struct{ SendCount, RecvCount, MsgCount int64 }

// NetStats are the network's counters over all events, over events with a
// client at either end, and over the rest (node↔node, node↔service).
type NetStats struct{ All, Clients, Servers NetCounts }

// NetEDN is Maelstrom's :net result for the figures,
//
//	{:all {:send-count :recv-count :msg-count :msgs-per-op}
//	 :clients {:send-count :recv-count :msg-count}
//	 :servers {:send-count :recv-count :msg-count :msgs-per-op}
//	 :valid? true}
//
// where msgs-per-op is msg-count ÷ invocations at single precision
// (Clojure's float), present only when something was invoked.
func NetEDN(f check.Figures) *edn.Map {
	group := func(c check.NetCounts, perOp bool) *edn.Map {
		m := edn.NewMap(
			kw("send-count"), c.Sends,
			kw("recv-count"), c.Recvs,
			kw("msg-count"), c.Msgs,
		)
		if perOp && f.Invocations > 0 {
			m.Set(kw("msgs-per-op"), c.MsgsPerOp)
		}
		return m
	}
	return edn.NewMap(
		kw("all"), group(f.Net.All, true),
		kw("clients"), group(f.Net.Clients, false),
		kw("servers"), group(f.Net.Servers, true),
		kw("valid?"), true,
	)
}
