package compare_test

import (
	"fmt"

	"github.com/eddy-workbench/eddy/internal/compare"
)

func ExampleParseShard() {
	// A pod of a Kubernetes Indexed Job, and a task of a Slurm job array
	// submitted with --array=1-4.
	k8s := map[string]string{"JOB_COMPLETION_INDEX": "2"}
	slurm := map[string]string{"SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_COUNT": "4"}
	for _, env := range []map[string]string{k8s, slurm} {
		sh, err := compare.ParseShard("auto/4", func(k string) string { return env[k] })
		fmt.Println(sh, err)
	}
	_, err := compare.ParseShard("4/4", nil)
	fmt.Println(err)
	// Output:
	// 2/4 <nil>
	// 3/4 <nil>
	// --shard 4/4: shard index 4 is not one of 0…3 (shards count from 0)
}

func ExampleSpec_Slices() {
	s := compare.Spec{
		Impls:  []compare.Impl{{Name: "a"}, {Name: "b"}},
		Params: []compare.Param{{Flag: "time-limit", Values: []string{"60", "10"}}},
		Seeds:  []uint64{1, 2},
	}
	// Each run is expected to take its time limit plus 10 s.
	cost := func(p compare.Planned) int64 {
		if p.Cell.Settings[0].Value == "60" {
			return 70
		}
		return 20
	}
	slices, _ := s.Slices(2, cost)
	for k, runs := range slices {
		fmt.Println("shard", k, "runs", runs)
	}
	// Output:
	// shard 0 runs [0 1 4 5]
	// shard 1 runs [2 3 6 7]
}

func ExampleMerge() {
	s := compare.Spec{Impls: []compare.Impl{{Name: "a"}}, Params: []compare.Param{{Flag: "node-count", Values: []string{"1", "3"}}}, Seeds: []uint64{1}}
	plan := s.Plan()
	var parts []compare.Part
	for k, runs := range [][]int{{0}, {1}} {
		rep := compare.Report{Spec: s, SpecHash: s.Hash(), Shard: &compare.ShardRuns{Shard: compare.Shard{Index: k, Count: 2}, Runs: runs}}
		for _, i := range runs {
			rep.Runs = append(rep.Runs, compare.Outcome{Index: i, Impl: "a", Cell: plan[i].Cell.Index, Seed: 1, Verdict: compare.Valid})
		}
		parts = append(parts, compare.Part{Dir: fmt.Sprintf("shard-%d", k), Report: rep})
	}
	merged, err := compare.Merge(parts)
	fmt.Println(len(merged.Runs), len(merged.Aggregates), err)
	_, err = compare.Merge(parts[:1])
	fmt.Println(err)
	// Output:
	// 2 2 <nil>
	// 1 of 2 runs missing: run 2/2 (a, node-count=3, seed 1) (no part of shard 1/2 was given)
}
