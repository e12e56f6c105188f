// Package keypool is Elle's pool of active keys, as the transactional and
// kafka generators draw from it, derived per process so that what a process
// does depends on the seed and the process alone.
//
// Elle keeps one pool of --key-count keys for the whole run, 0 … count-1 at
// first; the key at position i is picked with weight 2^i, each key is
// written 1, 2, … up to --max-writes-per-key, and a full key is replaced in
// its position by a fresh one. Which key is in a position at a given moment
// then depends on how many writes every process has made, that is on
// timing. Here the keys come from the process's own progress instead:
//
//   - position s holds the keys s, count + s, 2·count + s, …, one per
//     generation; a process's key in position s changes every span(s) of its
//     operations, so all processes that have done about as many operations
//     use the same keys, as the processes of a run with all threads turning
//     alike do;
//   - span(s) is the number of operations in which a process is expected to
//     write position s share times, share = ⌈max-writes / concurrency⌉, so a
//     generation's key gets about max-writes writes in all, and hot
//     positions turn over faster, as in Elle;
//   - a process's writes to a key take values of its own
//     (workload.UniqueValue over blocks of share values, plus 1: 1 …
//     concurrency·share for the first share writes of each thread's first
//     process), so values stay unique per key whatever the interleaving.
//
// So a key gets about max-writes writes, not exactly max-writes (a process
// that happens to write a key more than share times goes on with higher
// values), and every process makes Elle's choices with Elle's odds.
package keypool

import (
	"math"

	"github.com/eddy-workbench/eddy/internal/workload"
)

// Options configure a pool.
type Options struct {
	Count     int // active keys (--key-count), > 0
	MaxWrites int // writes per key (--max-writes-per-key), > 0
	// WritesPerOp is the mean number of writes an operation makes, over all
	// positions (for a transaction of up to L micro-ops, half of them
	// writes: (1+L)/4).
	WritesPerOp float64
}

// Pool is one process's view of the key pool.
type Pool struct {
	opt    Options
	p      workload.Process
	share  int       // writes per key for this process
	span   []float64 // per position, operations per generation
	op     int       // operations begun
	writes map[int64]int
}

// New returns process p's pool, before its first operation. offset is how
// many operations the process's thread is taken to have done before it: 0
// for a thread's first process; for a later one, an estimate that depends
// on the seed and the process alone (kafka knows where each process's crash
// comes), or 0, when the process starts over at the first generation.
func New(opt Options, p workload.Process, offset int) *Pool {
	share := (opt.MaxWrites + p.Concurrency - 1) / p.Concurrency
	pl := &Pool{opt: opt, p: p, share: share, op: offset - 1, writes: map[int64]int{}}
	n := float64(opt.Count)
	for s := range opt.Count {
		// Position s is picked with probability 2^s / (2^n - 1).
		q := math.Pow(2, float64(s)-n) / (1 - math.Pow(2, -n))
		pl.span = append(pl.span, max(1, float64(share)/(opt.WritesPerOp*q)))
	}
	return pl
}

// Begin starts the process's next operation: keys are those of its
// generation. Call it once per operation, before Pick and Write.
func (pl *Pool) Begin() { pl.op++ }

// Key is the key in position s for the current operation.
func (pl *Pool) Key(s int) int64 {
	gen := int64(float64(max(pl.op, 0)) / pl.span[s])
	return gen*int64(pl.opt.Count) + int64(s)
}

// Keys are the keys of every position, in position order.
func (pl *Pool) Keys() []int64 {
	out := make([]int64, pl.opt.Count)
	for s := range out {
		out[s] = pl.Key(s)
	}
	return out
}

// Pick draws a position with Elle's exponential bias (position i with
// weight 2^i) from u, uniform in [0, 1), and returns its key.
func (pl *Pool) Pick(u float64) int64 {
	return pl.Key(Position(pl.opt.Count, u))
}

// Position is Elle's exponential pick among n positions from u, uniform in
// [0, 1): position i with weight 2^i.
func Position(n int, u float64) int {
	var x float64
	if n <= 1000 {
		scale := 2 * (math.Pow(2, float64(n)) - 1)
		x = math.Floor(math.Log2(u*scale+2) - 1)
	} else {
		// 2^n overflows: log2(u·2^(n+1)) - 1 is n + log2(u).
		x = float64(n) + math.Floor(math.Log2(u))
	}
	if math.IsNaN(x) || x < 0 {
		return 0
	}
	return int(min(x, float64(n-1)))
}

// Write returns the value of the process's next write to key.
func (pl *Pool) Write(key int64) int64 {
	j := pl.writes[key]
	pl.writes[key] = j + 1
	return workload.UniqueValue(pl.p, j, pl.share) + 1
}
