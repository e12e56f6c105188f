package runner

import (
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/history"
	"github.com/eddy-workbench/eddy/internal/netsim"
	"github.com/eddy-workbench/eddy/internal/report"
)

// synth builds a run's history and journal by hand, one op at a time.
type synth struct {
	ops     []history.Op
	journal []netsim.Event
	id      int64
	msgID   map[string]int64
}

func (s *synth) event(t int64, kind netsim.EventKind, id int64, src, dest string, body []byte) {
	s.journal = append(s.journal, netsim.Event{Seq: int64(len(s.journal)), Time: t, Kind: kind, Msg: netsim.Message{ID: id, Src: src, Dest: dest, Body: body}})
}

// msg journals a message sent at t and, if delivered, received at t+lat.
func (s *synth) msg(t, lat int64, src, dest string, body []byte, delivered bool) {
	id := s.id
	s.id++
	s.event(t, netsim.Send, id, src, dest, body)
	if delivered {
		s.event(t+lat, netsim.Recv, id, src, dest, body)
	}
}

// call records an op of process p through client at node: invocation at
// t, request, reply body, completion at t+1 ms with value res.
func (s *synth) call(t int64, p int, client, node, f string, value, res any, req, reply string) {
	s.ops = append(s.ops, history.Op{Index: len(s.ops), Time: t, Type: history.Invoke, Process: p, F: f, Value: value})
	s.msgID[client]++
	id := s.msgID[client]
	s.msg(t+10_000, 20_000, client, node, fmt.Appendf(nil, `{"type":%q,%s"msg_id":%d}`, f, req, id), true)
	s.msg(t+900_000, 20_000, node, client, fmt.Appendf(nil, `{"type":"%s_ok",%s"in_reply_to":%d}`, f, reply, id), true)
	s.ops = append(s.ops, history.Op{Index: len(s.ops), Time: t + 1_000_000, Type: history.OK, Process: p, F: f, Value: res})
}

// broadcast3d is a run the size of challenge 3d's (25 nodes, 100 ops/s
// for 20 s, a flood of every value to every node, about 58,000 journal
// events) in which node n24 never got 10 of the values: the gossip to it
// was dropped, and its final read, the last op, lacks them.
func broadcast3d(b *testing.B) *evidence {
	const nodes, ops, missing = 25, 2000, 10
	s := &synth{msgID: map[string]int64{}}
	names := make([]string, nodes)
	for i := range names {
		names[i] = "n" + strconv.Itoa(i)
	}
	var values []any
	lost := map[int64]bool{}
	have := func(node int) []any {
		if node != nodes-1 {
			return append([]any{}, values...)
		}
		var out []any
		for _, v := range values {
			if !lost[v.(int64)] {
				out = append(out, v)
			}
		}
		return out
	}
	list := func(vs []any) string { return edn.String(vs) }
	for k := range ops {
		t := int64(k) * 10_000_000
		p := k % nodes
		node, client := names[p], "c"+strconv.Itoa(p)
		if k%2 == 0 {
			v := int64(len(values))
			if v%97 == 13 && len(lost) < missing {
				lost[v] = true
			}
			s.call(t, p, client, node, "broadcast", v, v, fmt.Sprintf(`"message":%d,`, v), "")
			values = append(values, v)
			for q := range nodes {
				if q != p {
					s.msg(t+100_000, 100_000_000, node, names[q], fmt.Appendf(nil, `{"type":"gossip","message":%d}`, v), !(lost[v] && q == nodes-1))
				}
			}
			continue
		}
		vs := have(p)
		s.call(t, p, client, node, "read", nil, vs, "", `"messages":`+list(vs)+",")
	}
	for p := range nodes {
		t := int64(ops)*10_000_000 + int64(p)*1_000_000 + 5_000_000_000
		vs := have(p)
		client := "c" + strconv.Itoa(nodes+p)
		s.call(t, p, client, names[p], "read", nil, vs, "", `"messages":`+list(vs)+",")
		s.ops[len(s.ops)-2].Final, s.ops[len(s.ops)-1].Final = true, true
	}
	return synthEvidence(b, s, Config{Workload: "broadcast", NodeCount: nodes, Rate: 100, TimeLimit: 20 * time.Second, Latency: 100 * time.Millisecond})
}

// kafka5c is a run the size of challenge 5c's (2 nodes, 1000 ops/s for 20
// s, 4 workers, a batch between the nodes every 20 ms) in which every
// 500th send is acknowledged and lost: polls skip its offset.
func kafka5c(b *testing.B) *evidence {
	const ops, workers, keys = 20000, 4, 10
	s := &synth{msgID: map[string]int64{}}
	names := []string{"n0", "n1"}
	logs := make([][][2]int64, keys) // per key, [offset msg] entries polls may return
	next := make([]int64, keys)      // per key, the next message
	pos := map[[2]int]int{}          // process, key → next log position to poll
	kw := edn.Keyword("send")
	for k := range ops {
		t := int64(k) * 1_000_000
		p := k % workers
		node, client := names[p%2], "c"+strconv.Itoa(p)
		key := (k / 7) % keys
		if k%2 == 0 {
			next[key]++
			m, off := next[key], next[key]-1
			inv := []any{[]any{kw, int64(key), m}}
			res := []any{[]any{kw, int64(key), []any{off, m}}}
			s.call(t, p, client, node, "send", inv, res, fmt.Sprintf(`"key":"%d","msg":%d,`, key, m), fmt.Sprintf(`"offset":%d,`, off))
			if k%500 != 0 {
				logs[key] = append(logs[key], [2]int64{off, m})
			}
		} else {
			from := pos[[2]int{p, key}]
			got := logs[key][from:min(len(logs[key]), from+3)]
			pos[[2]int{p, key}] = from + len(got)
			var pairs []any
			wire := "["
			for i, e := range got {
				pairs = append(pairs, []any{e[0], e[1]})
				if i > 0 {
					wire += ","
				}
				wire += fmt.Sprintf("[%d,%d]", e[0], e[1])
			}
			res := []any{[]any{edn.Keyword("poll"), edn.NewMap(int64(key), pairs)}}
			s.call(t, p, client, node, "poll", []any{[]any{edn.Keyword("poll")}}, res, fmt.Sprintf(`"offsets":{"%d":0},`, key), fmt.Sprintf(`"msgs":{"%d":%s]},`, key, wire))
		}
		if k%20 == 0 { // the nodes' batches
			s.msg(t+500_000, 100_000, "n0", "n1", fmt.Appendf(nil, `{"type":"sync","seq":%d,"entries":[]}`, k), true)
			s.msg(t+600_000, 100_000, "n1", "n0", fmt.Appendf(nil, `{"type":"sync","seq":%d,"entries":[]}`, k), true)
		}
	}
	return synthEvidence(b, s, Config{Workload: "kafka", NodeCount: 2, Concurrency: "2n", Rate: 1000, TimeLimit: 20 * time.Second})
}

func synthEvidence(b *testing.B, s *synth, cfg Config) *evidence {
	st, err := resolveSettings(cfg)
	if err != nil {
		b.Fatal(err)
	}
	wl, err := newWorkload(st)
	if err != nil {
		b.Fatal(err)
	}
	return &evidence{s: st, wl: wl, ops: s.ops, journal: s.journal, net: netsim.StatsOf(s.journal)}
}

// BenchmarkAnalysis measures what a run does once its nodes are stopped
// ("Analysed and stored in …"): the checkers, then history.edn,
// net-journal.jsonl, results.edn and .json, the plots, messages.svg and
// index.html; with the explanations (and their diagrams) and without, on
// invalid runs the size of challenges 3d and 5c.
func BenchmarkAnalysis(b *testing.B) {
	for _, sc := range []struct {
		name string
		gen  func(*testing.B) *evidence
	}{{"3d", broadcast3d}, {"5c", kafka5c}} {
		ev := sc.gen(b)
		for _, explained := range []bool{false, true} {
			name := sc.name + "/plain"
			if explained {
				name = sc.name + "/explained"
			}
			b.Run(name, func(b *testing.B) {
				e := *ev
				e.unexplained = !explained
				dir := b.TempDir()
				var v verdict
				for b.Loop() {
					v = e.check()
					if err := report.WriteHistory(dir, e.ops); err != nil {
						b.Fatal(err)
					}
					if err := report.WriteFile(filepath.Join(dir, "net-journal.jsonl"), func(w io.Writer) error {
						return netsim.WriteJournal(w, e.journal)
					}); err != nil {
						b.Fatal(err)
					}
					if err := writeReport(dir, &e, &v); err != nil {
						b.Fatal(err)
					}
				}
				if v.valid == 0 || explained != (len(v.explanations) > 0) {
					b.Fatalf("valid %v, %d explanations", v.valid, len(v.explanations))
				}
				b.ReportMetric(float64(len(e.journal)), "events")
				b.ReportMetric(float64(len(v.explanations)), "explanations")
			})
		}
		// What explaining adds: indexing the journal, the explainers, and
		// the explanations' diagrams.
		b.Run(sc.name+"/explaining", func(b *testing.B) {
			e := *ev
			v := e.check()
			dir := b.TempDir()
			for b.Loop() {
				expls := e.explainFindings(v.findings, v.warnings)
				if _, errs := writeExplanationDiagrams(dir, &e, expls); len(errs) > 0 {
					b.Fatal(errs)
				}
			}
		})
	}
}
