package compare

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func envOf(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestParseShard(t *testing.T) {
	cases := []struct {
		name string
		in   string
		env  map[string]string
		want Shard
		err  string
	}{
		{"explicit first", "0/3", nil, Shard{0, 3}, ""},
		{"explicit last", "2/3", nil, Shard{2, 3}, ""},
		{"one shard", "0/1", nil, Shard{0, 1}, ""},
		{"blanks", " 1/2 ", nil, Shard{1, 2}, ""},
		{"index too high", "3/3", nil, Shard{}, "shard index 3 is not one of 0…2 (shards count from 0)"},
		{"negative index", "-1/3", nil, Shard{}, "shard index -1 is not one of 0…2"},
		{"no slash", "3", nil, Shard{}, "expected K/N"},
		{"zero shards", "0/0", nil, Shard{}, "must be a whole number of at least 1"},
		{"bad count", "1/x", nil, Shard{}, `must be a whole number of at least 1, got "x"`},
		{"bad index", "a/3", nil, Shard{}, `the shard index must be a whole number or auto, got "a"`},
		{"empty", "", nil, Shard{}, "expected K/N"},

		{"auto, nothing set", "auto/3", nil, Shard{}, "no shard index in the environment (EDDY_SHARD_INDEX, JOB_COMPLETION_INDEX"},
		{"auto, eddy's own", "auto/3", map[string]string{"EDDY_SHARD_INDEX": "2"}, Shard{2, 3}, ""},
		{"auto, eddy's own wins", "auto/3", map[string]string{"EDDY_SHARD_INDEX": "1", "JOB_COMPLETION_INDEX": "0", "SLURM_ARRAY_TASK_ID": "2"}, Shard{1, 3}, ""},
		{"auto, eddy's own out of range", "auto/3", map[string]string{"EDDY_SHARD_INDEX": "3"}, Shard{}, "shard index 3 is not one of 0…2"},
		{"auto, eddy's own not a number", "auto/3", map[string]string{"EDDY_SHARD_INDEX": "one"}, Shard{}, `EDDY_SHARD_INDEX="one" is not a whole number`},
		{"auto, kubernetes", "auto/4", map[string]string{"JOB_COMPLETION_INDEX": "3"}, Shard{3, 4}, ""},
		{"auto, kubernetes out of range", "auto/4", map[string]string{"JOB_COMPLETION_INDEX": "4"}, Shard{}, "shard index 4 is not one of 0…3"},
		{"auto, kubernetes and slurm", "auto/4", map[string]string{"JOB_COMPLETION_INDEX": "1", "SLURM_ARRAY_TASK_ID": "1"}, Shard{}, "both JOB_COMPLETION_INDEX (Kubernetes) and SLURM_ARRAY_TASK_ID (Slurm) are set"},
		{"auto, slurm from 0", "auto/4", map[string]string{"SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_COUNT": "4"}, Shard{2, 4}, ""},
		{"auto, slurm from 1", "auto/4", map[string]string{"SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_COUNT": "4"}, Shard{3, 4}, ""},
		{"auto, slurm with a step", "auto/4", map[string]string{"SLURM_ARRAY_TASK_ID": "7", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_STEP": "2", "SLURM_ARRAY_TASK_COUNT": "4"}, Shard{3, 4}, ""},
		{"auto, slurm off the step", "auto/4", map[string]string{"SLURM_ARRAY_TASK_ID": "6", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_STEP": "2"}, Shard{}, "SLURM_ARRAY_TASK_ID=6 is not on the array's range from 1 in steps of 2"},
		{"auto, slurm array of another size", "auto/4", map[string]string{"SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_COUNT": "8"}, Shard{}, "the Slurm job array has 8 tasks (SLURM_ARRAY_TASK_COUNT) but there are 4 shards; submit it with --array=0-3"},
		{"auto, slurm list beyond the shards", "auto/4", map[string]string{"SLURM_ARRAY_TASK_ID": "7", "SLURM_ARRAY_TASK_MIN": "1"}, Shard{}, "shard index 6 is not one of 0…3"},
		{"auto, slurm not a number", "auto/4", map[string]string{"SLURM_ARRAY_TASK_ID": "x"}, Shard{}, `SLURM_ARRAY_TASK_ID="x" is not a whole number`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseShard(tc.in, envOf(tc.env))
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				assert.NotContains(t, err.Error(), "\n")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
	assert.Equal(t, "1/3", Shard{1, 3}.String())
	assert.Equal(t, "shard-1-of-3", Shard{1, 3}.Name())
}

func shardSpec(impls, cells, seeds int) Spec {
	var s Spec
	for i := range impls {
		s.Impls = append(s.Impls, Impl{Name: fmt.Sprintf("i%d", i), Bin: "bin/x"})
	}
	var vs []string
	for c := range cells {
		vs = append(vs, fmt.Sprint(c+1))
	}
	s.Params = []Param{{"node-count", vs}}
	for k := range seeds {
		s.Seeds = append(s.Seeds, uint64(k+1))
	}
	return s
}

func TestSlicesCoverThePlanOnceKeepingGroupsWhole(t *testing.T) {
	s := shardSpec(3, 4, 5) // 20 groups of 3 runs
	flat := func(Planned) int64 { return 1 }
	for n := 1; n <= s.Groups(); n++ {
		sl, err := s.Slices(n, flat)
		require.NoError(t, err)
		require.Len(t, sl, n)
		var all []int
		owner := map[int]int{}
		for k, runs := range sl {
			assert.True(t, slices.IsSorted(runs), "shard %d/%d runs in plan order", k, n)
			// Equal costs: the shards differ by at most one group.
			assert.InDelta(t, float64(s.Groups())/float64(n), float64(len(runs)/3), 1, "shard %d/%d", k, n)
			for _, r := range runs {
				owner[r] = k
			}
			all = append(all, runs...)
		}
		slices.Sort(all)
		assert.Equal(t, len(s.Plan()), len(all))
		assert.Equal(t, len(all), len(slices.Compact(slices.Clone(all))), "no run twice")
		for _, p := range s.Plan() {
			assert.Equal(t, owner[p.Index-p.Index%3], owner[p.Index], "a cell and seed's runs share a shard")
		}
	}
}

func TestSlicesBalanceByCost(t *testing.T) {
	// Two cells: time limits 60 s and 10 s (plus 10 s of fixed costs),
	// four seeds, two impls: groups cost 140 and 40.
	s := shardSpec(2, 2, 4)
	s.Params = []Param{{"time-limit", []string{"60", "10"}}}
	cost := func(p Planned) int64 {
		if p.Cell.Settings[0].Value == "60" {
			return 70
		}
		return 20
	}
	sl, err := s.Slices(2, cost)
	require.NoError(t, err)
	var loads []int64
	for _, runs := range sl {
		var l int64
		for _, r := range runs {
			l += cost(s.Plan()[r])
		}
		loads = append(loads, l)
	}
	assert.Equal(t, []int64{360, 360}, loads, "the long and short groups are spread evenly")
	// Cutting the plan in two halves would give one shard all the long groups.
	again, err := s.Slices(2, cost)
	require.NoError(t, err)
	assert.Equal(t, sl, again, "deterministic")

	_, err = s.Slices(9, cost)
	require.ErrorContains(t, err, "9 shards for 8 cell × seed groups")
	_, err = s.Slices(0, cost)
	require.Error(t, err)
}

func TestHash(t *testing.T) {
	a := shardSpec(2, 2, 3)
	b := shardSpec(2, 2, 3)
	assert.Equal(t, a.Hash(), b.Hash())
	assert.Len(t, a.Hash(), 64)
	b.Seeds = []uint64{1, 2, 4}
	assert.NotEqual(t, a.Hash(), b.Hash(), "seeds")
	c := shardSpec(2, 2, 3)
	c.Impls[1].NodeArgs = []string{"-strategy", "messages"}
	assert.NotEqual(t, a.Hash(), c.Hash(), "node arguments")
	d := shardSpec(2, 2, 3)
	d.Fixed = []string{"--nodes=a,b"}
	assert.NotEqual(t, a.Hash(), d.Hash(), "fixed flags")
	assert.False(t, strings.ContainsAny(a.Hash(), "/ "))
}
