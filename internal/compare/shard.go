package compare

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Shard is one of Count slices of a comparison's runs; Index counts from
// 0, as Kubernetes counts the completions of an Indexed Job.
type Shard struct {
	Index int `json:"index"`
	Count int `json:"count"`
}

// String is the shard as --shard takes it: "1/3".
func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// Name is the shard as a directory name: "shard-1-of-3".
func (s Shard) Name() string { return fmt.Sprintf("shard-%d-of-%d", s.Index, s.Count) }

// The environment variables ParseShard reads for --shard auto/N.
const (
	// EnvShardIndex is eddy's own: the shard index, from 0. It is read
	// first, so it can pin the index anywhere (a CI matrix sets it from
	// the matrix).
	EnvShardIndex = "EDDY_SHARD_INDEX"
	// EnvJobCompletionIndex is set by Kubernetes in every pod of an
	// Indexed Job: 0 … completions-1.
	EnvJobCompletionIndex = "JOB_COMPLETION_INDEX"
	// EnvSlurmTaskID and the others are set by Slurm in every task of a
	// job array (sbatch --array=A-B[:S]).
	EnvSlurmTaskID    = "SLURM_ARRAY_TASK_ID"
	EnvSlurmTaskMin   = "SLURM_ARRAY_TASK_MIN"
	EnvSlurmTaskStep  = "SLURM_ARRAY_TASK_STEP"
	EnvSlurmTaskCount = "SLURM_ARRAY_TASK_COUNT"
)

// ParseShard reads --shard: K/N runs the K-th of N shards (0 ≤ K < N);
// auto/N takes K from the environment, through getenv:
//
//   - EDDY_SHARD_INDEX, if set (a CI matrix sets it from its matrix);
//   - else JOB_COMPLETION_INDEX (a Kubernetes Indexed Job);
//   - else SLURM_ARRAY_TASK_ID (a Slurm job array): K is its distance from
//     SLURM_ARRAY_TASK_MIN in steps of SLURM_ARRAY_TASK_STEP (1 if unset),
//     and SLURM_ARRAY_TASK_COUNT, if set, must be N.
//
// Both of the engines' variables set at once, none at all, or a value that
// is not an index of N shards is an error.
func ParseShard(v string, getenv func(string) string) (Shard, error) {
	ks, ns, ok := strings.Cut(strings.TrimSpace(v), "/")
	if !ok {
		return Shard{}, fmt.Errorf("--shard %q: expected K/N (the K-th of N shards, from 0) or auto/N", v)
	}
	n, err := strconv.Atoi(ns)
	if err != nil || n < 1 {
		return Shard{}, fmt.Errorf("--shard %q: the number of shards must be a whole number of at least 1, got %q", v, ns)
	}
	var k int
	if ks == "auto" {
		if k, err = envShardIndex(n, getenv); err != nil {
			return Shard{}, fmt.Errorf("--shard %s: %v", v, err)
		}
	} else if k, err = strconv.Atoi(ks); err != nil {
		return Shard{}, fmt.Errorf("--shard %q: the shard index must be a whole number or auto, got %q", v, ks)
	}
	if k < 0 || k >= n {
		return Shard{}, fmt.Errorf("--shard %s: shard index %d is not one of 0…%d (shards count from 0)", v, k, n-1)
	}
	return Shard{Index: k, Count: n}, nil
}

// envShardIndex finds the shard index in the environment.
func envShardIndex(n int, getenv func(string) string) (int, error) {
	num := func(name string) (int, bool, error) {
		s := strings.TrimSpace(getenv(name))
		if s == "" {
			return 0, false, nil
		}
		v, err := strconv.Atoi(s)
		if err != nil {
			return 0, true, fmt.Errorf("%s=%q is not a whole number", name, s)
		}
		return v, true, nil
	}
	if k, ok, err := num(EnvShardIndex); ok || err != nil {
		return k, err
	}
	job, jobSet, err := num(EnvJobCompletionIndex)
	if err != nil {
		return 0, err
	}
	task, taskSet, err := num(EnvSlurmTaskID)
	if err != nil {
		return 0, err
	}
	switch {
	case jobSet && taskSet:
		return 0, fmt.Errorf("both %s (Kubernetes) and %s (Slurm) are set; set %s to say which shard this is",
			EnvJobCompletionIndex, EnvSlurmTaskID, EnvShardIndex)
	case jobSet:
		return job, nil
	case !taskSet:
		return 0, fmt.Errorf("no shard index in the environment (%s, %s of a Kubernetes Indexed Job, or %s of a Slurm job array)",
			EnvShardIndex, EnvJobCompletionIndex, EnvSlurmTaskID)
	}
	lo, _, err := num(EnvSlurmTaskMin)
	if err != nil {
		return 0, err
	}
	step, stepSet, err := num(EnvSlurmTaskStep)
	if err != nil {
		return 0, err
	}
	if !stepSet || step == 0 {
		step = 1
	}
	if count, ok, err := num(EnvSlurmTaskCount); err != nil {
		return 0, err
	} else if ok && count != n {
		return 0, fmt.Errorf("the Slurm job array has %d tasks (%s) but there are %d shards; submit it with --array=0-%d",
			count, EnvSlurmTaskCount, n, n-1)
	}
	if step < 0 || (task-lo)%step != 0 {
		return 0, fmt.Errorf("%s=%d is not on the array's range from %d in steps of %d; submit it with --array=0-%d",
			EnvSlurmTaskID, task, lo, step, n-1)
	}
	return (task - lo) / step, nil
}

// Hash identifies the spec: every implementation, parameter, fixed flag and
// seed, in order. Shards of one comparison have the same hash, whatever
// machine ran them.
func (s Spec) Hash() string {
	data, err := json.Marshal(s)
	if err != nil { // a Spec holds strings and numbers only
		panic(err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// Groups counts the groups the plan falls into: one per cell and seed,
// holding every implementation's run with that seed. A group is never split
// between shards or parallel workers, so the runs compared seed by seed go
// one after another on one machine.
func (s Spec) Groups() int { return len(s.Cells()) * len(s.Seeds) }

// GroupOf is the group of a planned run (Plan lists each group's runs
// together, the groups in order).
func (s Spec) GroupOf(p Planned) int { return p.Index / max(1, len(s.Impls)) }

// Slices deals the plan's runs out to n shards, balanced by cost (the
// expected duration of a run, in any unit): whole groups (see Groups), the
// costliest first, each to the shard with the least cost so far (the
// lowest-numbered on a tie). The result depends on nothing but the plan and
// the costs, so every machine computes the same slices. Each slice lists
// plan indices in plan order.
func (s Spec) Slices(n int, cost func(Planned) int64) ([][]int, error) {
	groups := s.Groups()
	if n < 1 {
		return nil, fmt.Errorf("%d shards: there must be at least one", n)
	}
	if n > groups {
		return nil, fmt.Errorf("%d shards for %d cell × seed groups: a group (every implementation on one cell and seed) is never split, so use at most %d shards",
			n, groups, groups)
	}
	plan := s.Plan()
	gcost := make([]int64, groups)
	for _, p := range plan {
		gcost[s.GroupOf(p)] += cost(p)
	}
	order := make([]int, groups)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(gcost[b], gcost[a]) })
	load := make([]int64, n)
	owner := make([]int, groups)
	for _, g := range order {
		best := 0
		for i := range load {
			if load[i] < load[best] {
				best = i
			}
		}
		owner[g] = best
		load[best] += gcost[g]
	}
	out := make([][]int, n)
	for _, p := range plan {
		sh := owner[s.GroupOf(p)]
		out[sh] = append(out[sh], p.Index)
	}
	return out, nil
}
