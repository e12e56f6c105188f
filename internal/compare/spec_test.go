package compare

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSplitWords(t *testing.T) {
	cases := []struct {
		in   string
		want []string
		err  string
	}{
		{"bin/broadcast -- -strategy latency", []string{"bin/broadcast", "--", "-strategy", "latency"}, ""},
		{"  a \t b\n", []string{"a", "b"}, ""},
		{`'my dir/node' -x`, []string{"my dir/node", "-x"}, ""},
		{`"my \"dir\"/node" a\ b`, []string{`my "dir"/node`, "a b"}, ""},
		{`"keep \n"`, []string{`keep \n`}, ""},
		{`x''y ''`, []string{"xy", ""}, ""},
		{"", nil, ""},
		{"'open", nil, "unterminated ' quote"},
		{`"open`, nil, `unterminated " quote`},
		{`end\`, nil, "trailing backslash"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := SplitWords(tc.in)
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestQuoteWordsRoundTrips(t *testing.T) {
	for _, words := range [][]string{
		{"eddy", "compare", "--impl", "latency=bin/broadcast -- -strategy latency"},
		{"it's", "", "a b", `"q"`, `back\slash`, "--node-count=5,25"},
	} {
		got, err := SplitWords(QuoteWords(words))
		require.NoError(t, err)
		assert.Equal(t, words, got)
	}
	assert.Equal(t, "-w broadcast --node-count=5,25", QuoteWords([]string{"-w", "broadcast", "--node-count=5,25"}), "plain words stay bare")
}

func TestParseImpl(t *testing.T) {
	cases := []struct {
		in   string
		want Impl
		err  string
	}{
		{"latency=bin/broadcast -- -strategy latency",
			Impl{Name: "latency", Command: "bin/broadcast -- -strategy latency", Bin: "bin/broadcast", Flags: []string{}, NodeArgs: []string{"-strategy", "latency"}}, ""},
		{"tree4=bin/demo --topology tree4",
			Impl{Name: "tree4", Command: "bin/demo --topology tree4", Bin: "bin/demo", Flags: []string{"--topology", "tree4"}}, ""},
		{"plain='/a dir/node'", Impl{Name: "plain", Command: "'/a dir/node'", Bin: "/a dir/node", Flags: []string{}}, ""},
		{"v1.2_x+y=n", Impl{Name: "v1.2_x+y", Command: "n", Bin: "n", Flags: []string{}}, ""},
		{"bin/broadcast", Impl{}, "expected NAME=BIN"},
		{"=bin/broadcast", Impl{}, "expected NAME=BIN"},
		{"a b=bin/x", Impl{}, `the name "a b"`},
		{"../x=bin/x", Impl{}, `the name "../x"`},
		{"x=", Impl{}, "no binary given"},
		{"x=-- -strategy latency", Impl{}, "no binary given"},
		{"x='bin", Impl{}, "unterminated"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseImpl(tc.in)
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			if len(got.Flags) == 0 {
				got.Flags = []string{}
			}
			if len(tc.want.NodeArgs) == 0 {
				tc.want.NodeArgs = got.NodeArgs
				assert.Empty(t, got.NodeArgs)
			}
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestParseSeeds(t *testing.T) {
	cases := []struct {
		in   string
		want []uint64
		err  string
	}{
		{"3", []uint64{1, 2, 3}, ""},
		{"1", []uint64{1}, ""},
		{"7,3, 9", []uint64{7, 3, 9}, ""},
		{"5,", []uint64{5}, ""},
		{"0", nil, "at least 1"},
		{"x", nil, "at least 1"},
		{"1,x", nil, `"x" is not a non-negative integer`},
		{"1,-2", nil, `"-2"`},
		{"4,4", nil, "seed 4 is given twice"},
		{",", nil, "holds no seed"},
		{"1000000000", nil, "more runs per cell than eddy compare makes (at most 10000)"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseSeeds(tc.in)
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestSpecCheck(t *testing.T) {
	good := func() Spec {
		return Spec{
			Impls:  []Impl{{Name: "a", Bin: "x"}, {Name: "b", Bin: "x"}},
			Params: []Param{{"node-count", []string{"5", "25"}}},
			Seeds:  []uint64{1},
		}
	}
	require.NoError(t, good().Check())
	cases := []struct {
		name   string
		change func(*Spec)
		err    string
	}{
		{"no impl", func(s *Spec) { s.Impls = nil }, "no implementation given"},
		{"same name", func(s *Spec) { s.Impls[1].Name = "a" }, `two implementations are named "a"`},
		{"no seed", func(s *Spec) { s.Seeds = nil }, "no seed given"},
		{"empty param", func(s *Spec) { s.Params[0].Values = nil }, "--node-count has no value"},
		{"param twice", func(s *Spec) { s.Params = append(s.Params, Param{"node-count", []string{"3"}}) }, "--node-count is given as two parameters"},
		{"value twice", func(s *Spec) { s.Params[0].Values = []string{"5", "5"} }, `--node-count lists the value "5" twice`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := good()
			tc.change(&s)
			require.ErrorContains(t, s.Check(), tc.err)
		})
	}
}

func TestCellsExpandEveryCombinationFirstParamSlowest(t *testing.T) {
	s := Spec{Params: []Param{
		{"node-count", []string{"5", "25"}},
		{"time-limit", []string{"20"}},
		{"nemesis", []string{"none", "partition", "x"}},
	}}
	cells := s.Cells()
	require.Len(t, cells, 6)
	var got []string
	for i, c := range cells {
		assert.Equal(t, i, c.Index)
		require.Len(t, c.Settings, 3, "every cell sets every parameter")
		assert.Equal(t, Setting{"time-limit", "20"}, c.Settings[1])
		got = append(got, c.Label)
	}
	assert.Equal(t, []string{
		"node-count=5 nemesis=none", "node-count=5 nemesis=partition", "node-count=5 nemesis=x",
		"node-count=25 nemesis=none", "node-count=25 nemesis=partition", "node-count=25 nemesis=x",
	}, got, "labels name only the parameters that vary")
	assert.Equal(t, []string{"--node-count=25", "--time-limit=20", "--nemesis=partition"}, cells[4].Args())
	assert.Equal(t, []Setting{{"time-limit", "20"}}, s.Shared())

	one := Spec{Params: []Param{{"rate", []string{"100"}}}}.Cells()
	require.Len(t, one, 1)
	assert.Equal(t, "all", one[0].Label)
	none := Spec{}.Cells()
	require.Len(t, none, 1, "no parameter is one cell of defaults")
	assert.Empty(t, none[0].Args())
}

func TestPlanRunsEveryImplOnTheSameSeedsInTurn(t *testing.T) {
	s := Spec{
		Impls:  []Impl{{Name: "latency"}, {Name: "messages"}, {Name: "third"}},
		Params: []Param{{"node-count", []string{"5", "25"}}, {"latency", []string{"0", "100"}}},
		Seeds:  []uint64{11, 3},
	}
	plan := s.Plan()
	require.Len(t, plan, 3*4*2, "impls × cells × seeds")
	var order []string
	for i, p := range plan {
		assert.Equal(t, i, p.Index)
		order = append(order, fmt.Sprintf("%d/%d/%s", p.Cell.Index, p.Seed, p.Impl.Name))
	}
	assert.Equal(t, []string{
		"0/11/latency", "0/11/messages", "0/11/third", "0/3/latency", "0/3/messages", "0/3/third",
		"1/11/latency", "1/11/messages", "1/11/third", "1/3/latency", "1/3/messages", "1/3/third",
	}, order[:12], "cell by cell, seed by seed, every impl in turn")

	// Seed pairing: in every cell, every implementation runs exactly the
	// spec's seeds, each once.
	seeds := map[string]map[int][]uint64{}
	for _, p := range plan {
		if seeds[p.Impl.Name] == nil {
			seeds[p.Impl.Name] = map[int][]uint64{}
		}
		seeds[p.Impl.Name][p.Cell.Index] = append(seeds[p.Impl.Name][p.Cell.Index], p.Seed)
	}
	require.Len(t, seeds, 3)
	for name, byCell := range seeds {
		require.Len(t, byCell, 4, name)
		for cell, got := range byCell {
			assert.Equal(t, s.Seeds, got, "%s cell %d", name, cell)
		}
	}
	assert.Equal(t, "node-count=25 latency=100", plan[len(plan)-1].Cell.Label)
}
