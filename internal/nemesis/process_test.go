package nemesis

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/history"
)

func TestParseFaults(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want []Fault
		err  string
	}{
		{in: nil, want: nil},
		{in: []string{"none"}, want: nil},
		{in: []string{"partition"}, want: []Fault{Partition}},
		{in: []string{"partition,kill,pause"}, want: []Fault{Partition, Kill, Pause}},
		{in: []string{"kill", "pause", "kill"}, want: []Fault{Kill, Pause}},
		{in: []string{" kill , ,pause"}, want: []Fault{Kill, Pause}},
		{in: []string{"partition+kill", "none"}, want: []Fault{Partition, Kill}},
		{in: []string{"partition,clock"}, err: `unknown --nemesis fault "clock" (eddy supports: partition, kill, pause)`},
	} {
		got, err := ParseFaults(tc.in)
		if tc.err != "" {
			require.EqualError(t, err, tc.err)
			continue
		}
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, got, tc.in)
	}
}

func TestParseTargets(t *testing.T) {
	got, err := ParseTargets("one, :majority,one")
	require.NoError(t, err)
	require.Equal(t, []Target{TargetOne, TargetMajority}, got)
	_, err = ParseTargets("one,half")
	require.EqualError(t, err, `unknown --nemesis-targets target "half" (expected subset, one, minority-third, minority, majority or all)`)
	_, err = ParseTargets(" , ")
	require.Error(t, err)
	require.Equal(t, []Target{"subset", "one", "minority-third", "minority", "majority", "all"}, Targets())
}

// Pick's sizes follow Jepsen's db-nodes for every cluster size, and the
// nodes are distinct members of the cluster, sorted.
func TestPickSizes(t *testing.T) {
	want := map[Target]func(n int) int{
		TargetOne:           func(int) int { return 1 },
		TargetMinorityThird: func(n int) int { return (n - 1) / 3 },
		TargetMinority:      func(n int) int { return n / 2 },
		TargetMajority:      func(n int) int { return n/2 + 1 },
		TargetAll:           func(n int) int { return n },
	}
	r := rng(1)
	for n := 1; n <= 9; n++ {
		nodes := names(n)
		for tgt, size := range want {
			got := tgt.Pick(nodes, r)
			require.Len(t, got, size(n), "%s of %d", tgt, n)
			requireSubset(t, got, nodes)
		}
		sizes := map[int]bool{}
		for range 200 {
			got := TargetSubset.Pick(nodes, r)
			require.NotEmpty(t, got)
			requireSubset(t, got, nodes)
			sizes[len(got)] = true
		}
		require.Len(t, sizes, n, "subset of %d nodes takes every size", n)
	}
	require.Empty(t, TargetAll.Pick(nil, r))
	require.Empty(t, TargetSubset.Pick(nil, r))
}

func requireSubset(t *testing.T, got, nodes []string) {
	t.Helper()
	require.True(t, slices.IsSorted(got), "sorted: %v", got)
	require.Len(t, slices.Compact(slices.Clone(got)), len(got), "distinct: %v", got)
	for _, x := range got {
		require.Contains(t, nodes, x)
	}
}

// Pick is a function of the generator's state: the same seed, the same
// nodes; and every node gets picked by one over many draws.
func TestPickDeterministic(t *testing.T) {
	nodes := names(5)
	a, b := rng(7), rng(7)
	seen := map[string]bool{}
	for range 50 {
		x, y := TargetOne.Pick(nodes, a), TargetOne.Pick(nodes, b)
		require.Equal(t, x, y)
		seen[x[0]] = true
	}
	require.Len(t, seen, 5)
}

func TestNewProcesses(t *testing.T) {
	require.Nil(t, NewProcesses([]Fault{Partition}, nil))
	require.Nil(t, NewProcesses(nil, nil))
	p := NewProcesses([]Fault{Kill}, nil)
	require.Equal(t, Targets(), p.targets)
	require.Equal(t, []ProcessOp{{FStart, TargetAll}}, p.Final())
	p = NewProcesses([]Fault{Kill, Partition, Pause}, []Target{TargetOne})
	require.Equal(t, []ProcessOp{{FResume, TargetAll}, {FStart, TargetAll}}, p.Final())
}

// Each fault flip-flops: a kill is always followed, among the kill
// operations, by a start, and a pause by a resume; both faults come up,
// interleaved; targets come from the allowed list only.
func TestProcessesFlipFlop(t *testing.T) {
	p := NewProcesses([]Fault{Kill, Pause}, []Target{TargetOne, TargetMajority})
	r := rng(3)
	var kills, pauses []string
	interleaved := false
	for range 400 {
		op := p.Next(r)
		switch op.F {
		case FKill, FStart:
			kills = append(kills, op.F)
			if op.F == FKill && len(pauses) > 0 && pauses[len(pauses)-1] == FPause {
				interleaved = true // a kill while a pause is in effect
			}
		case FPause, FResume:
			pauses = append(pauses, op.F)
		default:
			t.Fatalf("unexpected op %v", op)
		}
		switch op.F {
		case FKill, FPause:
			require.Contains(t, []Target{TargetOne, TargetMajority}, op.Target)
		default:
			require.Equal(t, TargetAll, op.Target)
		}
	}
	require.NotEmpty(t, kills)
	require.NotEmpty(t, pauses)
	require.True(t, interleaved)
	for i, f := range kills {
		require.Equal(t, []string{FKill, FStart}[i%2], f, "kill op %d", i)
	}
	for i, f := range pauses {
		require.Equal(t, []string{FPause, FResume}[i%2], f, "pause op %d", i)
	}
}

// The same seed gives the same schedule.
func TestProcessesDeterministic(t *testing.T) {
	run := func(seed uint64) []ProcessOp {
		p := NewProcesses([]Fault{Pause, Kill}, nil)
		r := rng(seed)
		out := make([]ProcessOp, 50)
		for i := range out {
			out[i] = p.Next(r)
		}
		return out
	}
	require.Equal(t, run(5), run(5))
	require.NotEqual(t, run(5), run(6))
}

func nem(t int64, f string, v any) history.Op {
	return history.Op{Type: history.Info, Process: history.Nemesis, Time: t, F: f, Value: v}
}

// Spans pairs each fault with what undid it, across interleaved timelines,
// and leaves open what the run ended with.
func TestSpans(t *testing.T) {
	kw := func(s string) edn.Keyword { return edn.Keyword(s) }
	ops := []history.Op{
		nem(0, "start-partition", kw("majority")),
		nem(1, FKill, kw("minority")),
		nem(2, "start-partition", edn.Raw(`[:isolated {"n1" #{"n2"}, "n2" #{"n1"}}]`)),
		{Type: history.Invoke, Process: 0, Time: 3, F: "read"},
		nem(4, FKill, edn.NewMap("n1", kw("killed"), "n3", kw("killed"))),
		nem(5, FPause, kw("one")),
		nem(6, FPause, edn.NewMap("n2", kw("paused"))),
		nem(7, "stop-partition", nil),
		nem(8, "stop-partition", kw("network-healed")),
		nem(9, FStart, kw("all")),
		nem(10, FStart, edn.NewMap("n1", kw("started"), "n3", kw("started"))),
		nem(11, FKill, kw("one")),
		nem(12, FKill, edn.NewMap()), // hit nobody: no span
		nem(13, FResume, kw("all")),
		nem(14, FResume, edn.NewMap("n2", kw("resumed"))),
		nem(15, FPause, kw("all")),
		nem(16, FPause, edn.NewMap("n1", kw("paused"), "n2", kw("paused"), "n3", kw("paused"))),
		nem(17, FKill, kw("one")),
		nem(18, FKill, edn.NewMap("n3", kw("killed"))), // ends n3's pause
		nem(19, FResume, kw("all")),
		nem(19, FResume, edn.NewMap("n2", kw("resumed"))), // n1's goes on (a resume lost?)
	}
	got := Spans(ops, 25)
	require.Equal(t, []Span{
		{Fault: Partition, Start: 0, End: 7, Detail: `[:isolated {"n1" #{"n2"}, "n2" #{"n1"}}]`},
		{Fault: Kill, Nodes: []string{"n1", "n3"}, Start: 1, End: 10},
		{Fault: Pause, Nodes: []string{"n2"}, Start: 5, End: 14},
		{Fault: Pause, Nodes: []string{"n3"}, Start: 15, End: 18},
		{Fault: Pause, Nodes: []string{"n2"}, Start: 15, End: 19},
		{Fault: Pause, Nodes: []string{"n1"}, Start: 15, End: 25, Open: true},
		{Fault: Kill, Nodes: []string{"n3"}, Start: 17, End: 25, Open: true},
	}, got)
	sec := func(s Span) Span { s.Start, s.End = s.Start*1e8, s.End*1e8; return s }
	require.Equal(t, "kill n1, n3 from 0.10 s to 1.00 s", sec(got[1]).String())
	require.Equal(t, "pause n1 from 1.50 s to the end (2.50 s)", sec(got[5]).String())
	require.Equal(t, `{:fault :pause, :nodes ["n1"], :start 1.5, :end 2.5, :open? true}`, edn.String(sec(got[5]).EDN()))
	require.Equal(t, `{:fault :partition, :start 0.0, :end 0.7, :grudge [:isolated {"n1" #{"n2"}, "n2" #{"n1"}}]}`, edn.String(sec(got[0]).EDN()))
}
