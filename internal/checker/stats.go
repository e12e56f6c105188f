package checker

import (
	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/history"
)

type counts struct{ ok, fail, info int64 }

func (c *counts) add(t history.Type) {
	switch t {
	case history.OK:
		c.ok++
	case history.Fail:
		c.fail++
	case history.Info:
		c.info++
	}
}

func (c counts) edn() *edn.Map {
	return edn.NewMap(
		kw("valid?"), c.ok > 0,
		kw("count"), c.ok+c.fail+c.info,
		kw("ok-count"), c.ok,
		kw("fail-count"), c.fail,
		kw("info-count"), c.info,
	)
}

// Stats is Jepsen's stats checker: counts of the client processes'
// completions overall and by :f,
//
//	{:valid? :count :ok-count :fail-count :info-count
//	 :by-f {:f {:valid? :count :ok-count :fail-count :info-count}}}
//
// Each :f is valid when it has at least one :ok completion; the whole is the
// merge of those (so valid when there are no completions at all). :by-f is
// ordered by name.
func Stats(ops []history.Op) *edn.Map {
	var all counts
	byF := map[string]*counts{}
	for _, op := range ops {
		if !op.IsClient() || op.Type == history.Invoke {
			continue
		}
		all.add(op.Type)
		c := byF[op.F]
		if c == nil {
			c = &counts{}
			byF[op.F] = c
		}
		c.add(op.Type)
	}
	fs := edn.NewMap()
	var vs []check.Verdict
	for _, f := range sortedKeys(byF) {
		c := byF[f]
		fs.Set(kw(f), c.edn())
		vs = append(vs, check.VerdictOf(c.ok > 0))
	}
	m := all.edn()
	m.Set(kw("by-f"), fs)
	m.Set(kw("valid?"), check.Merge(vs...).EDN())
	return m
}

// AvailabilitySpec is the --availability flag: Set when it was given at all,
// Total for "total", otherwise Min is the least acceptable fraction of
// successful operations. Total implies Set.
type AvailabilitySpec struct {
	Total bool
	Min   float64
	Set   bool
}

// Availability is Maelstrom's availability checker, {:valid? :ok-fraction}:
// the fraction of :ok ops among :invoke ops over the whole history, held at
// single precision as Clojure's (float ...) does (so 2/3 shows as 0.6666667),
// and the integer 1 when nothing was invoked. With Total it is valid iff the
// fraction is 1, with a Min iff Min ≤ fraction, and without the flag always.
func Availability(ops []history.Op, spec AvailabilitySpec) *edn.Map {
	var oks, invokes int64
	for _, op := range ops {
		switch op.Type {
		case history.OK:
			oks++
		case history.Invoke:
			invokes++
		}
	}
	var fraction any = int64(1)
	f := float32(1)
	if invokes > 0 {
		f = float32(float64(oks) / float64(invokes))
		fraction = float32Value(f)
	}
	valid := true
	switch {
	case spec.Total:
		valid = f == 1
	case spec.Set:
		valid = spec.Min <= float64(f)
	}
	return edn.NewMap(kw("valid?"), valid, kw("ok-fraction"), fraction)
}

// NetCounts are the counters of one class of network events: send events,
// recv events and distinct message ids.
type NetCounts struct{ SendCount, RecvCount, MsgCount int64 }

// NetStats are the network's counters over all events, over events with a
// client at either end, and over the rest (node↔node, node↔service).
type NetStats struct{ All, Clients, Servers NetCounts }

// Net is Maelstrom's :net result,
//
//	{:all {:send-count :recv-count :msg-count :msgs-per-op}
//	 :clients {:send-count :recv-count :msg-count}
//	 :servers {:send-count :recv-count :msg-count :msgs-per-op}
//	 :valid? true}
//
// where msgs-per-op is msg-count ÷ invokes at single precision (Clojure's
// float), present only when invokes > 0.
func Net(stats NetStats, invokes int) *edn.Map {
	group := func(c NetCounts, perOp bool) *edn.Map {
		m := edn.NewMap(
			kw("send-count"), c.SendCount,
			kw("recv-count"), c.RecvCount,
			kw("msg-count"), c.MsgCount,
		)
		if perOp && invokes > 0 {
			m.Set(kw("msgs-per-op"), float32Value(float32(float64(c.MsgCount)/float64(invokes))))
		}
		return m
	}
	return edn.NewMap(
		kw("all"), group(stats.All, true),
		kw("clients"), group(stats.Clients, false),
		kw("servers"), group(stats.Servers, true),
		kw("valid?"), true,
	)
}

// ClientInvokes counts the :invoke ops of client (non-nemesis) processes:
// the denominator of msgs-per-op.
func ClientInvokes(ops []history.Op) int {
	n := 0
	for _, op := range ops {
		if op.IsClient() && op.Type == history.Invoke {
			n++
		}
	}
	return n
}
