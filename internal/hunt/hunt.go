// Package hunt searches seeds for a failing run and shrinks a failing run
// to a smaller one that still fails. It knows nothing of how a run is made:
// the caller passes a Trial that runs one configuration and says whether it
// failed, so the same search drives node binaries and in-process nodes.
package hunt

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Knobs are the parts of a run that shrinking may make smaller.
type Knobs struct {
	Nodes       int           // number of nodes
	Concurrency int           // worker threads
	TimeLimit   time.Duration // main phase
	Rate        float64       // ops per second
	// NemesisInterval is the mean gap between nemesis operations; 0 means
	// no nemesis. Doubling it halves the number of faults.
	NemesisInterval time.Duration
}

// String shows the knobs as eddy test flags.
func (k Knobs) String() string {
	s := fmt.Sprintf("--node-count %d --concurrency %d --time-limit %s --rate %s",
		k.Nodes, k.Concurrency, seconds(k.TimeLimit), trim(k.Rate))
	if k.NemesisInterval > 0 {
		s += " --nemesis-interval " + seconds(k.NemesisInterval)
	}
	return s
}

func seconds(d time.Duration) string { return trim(d.Seconds()) }

func trim(f float64) string {
	s := fmt.Sprintf("%.3f", f)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}

// Limits are the smallest values shrinking may reach.
type Limits struct {
	Nodes       int           // default 1
	Concurrency int           // default 1
	TimeLimit   time.Duration // default 1 s
	Rate        float64       // default 1 op/s
	// NemesisInterval is the longest interval shrinking may reach (default
	// the final time limit: at most a fault or two).
	NemesisInterval time.Duration
}

func (l Limits) orDefaults() Limits {
	if l.Nodes < 1 {
		l.Nodes = 1
	}
	if l.Concurrency < 1 {
		l.Concurrency = 1
	}
	if l.TimeLimit <= 0 {
		l.TimeLimit = time.Second
	}
	if l.Rate <= 0 {
		l.Rate = 1
	}
	return l
}

// Candidates are the one-step smaller versions of k, smallest change of
// the run's size first: fewer nodes, fewer threads, a shorter run, a lower
// rate, fewer faults. Concurrency never drops below the node count, so every
// node keeps a client.
func Candidates(k Knobs, lim Limits) []Knobs {
	lim = lim.orDefaults()
	var out []Knobs
	add := func(c Knobs) {
		if c != k {
			out = append(out, c)
		}
	}
	if k.Nodes > lim.Nodes {
		c := k
		c.Nodes = max(lim.Nodes, k.Nodes/2)
		c.Concurrency = max(c.Concurrency*c.Nodes/k.Nodes, c.Nodes)
		add(c)
		if k.Nodes-1 != c.Nodes {
			c = k
			c.Nodes = k.Nodes - 1
			c.Concurrency = max(c.Concurrency*c.Nodes/k.Nodes, c.Nodes)
			add(c)
		}
	}
	if floor := max(lim.Concurrency, k.Nodes); k.Concurrency > floor {
		c := k
		c.Concurrency = max(floor, k.Concurrency/2)
		add(c)
	}
	if k.TimeLimit > lim.TimeLimit {
		c := k
		c.TimeLimit = max(lim.TimeLimit, (k.TimeLimit / 2).Round(100*time.Millisecond))
		add(c)
	}
	if k.Rate > lim.Rate {
		c := k
		c.Rate = max(lim.Rate, k.Rate/2)
		add(c)
	}
	if k.NemesisInterval > 0 {
		longest := lim.NemesisInterval
		if longest <= 0 {
			longest = k.TimeLimit
		}
		if k.NemesisInterval < longest {
			c := k
			c.NemesisInterval = min(longest, 2*k.NemesisInterval)
			add(c)
		}
	}
	return out
}

// Trial runs one configuration and reports whether it failed (an invalid
// verdict). An error means the run could not be judged at all.
type Trial func(ctx context.Context, k Knobs, seed uint64) (failed bool, err error)

// Step is one attempt of shrinking, for progress reports.
type Step struct {
	Knobs    Knobs
	Failed   bool // the candidate failed in one of its tries, and was kept
	Attempts int  // tries made
}

// Shrink makes k smaller while it keeps failing with seed: it tries each
// candidate up to tries times (real processes do not repeat exactly) and
// keeps the first that fails, starting over from it, until no candidate
// fails. It returns the smallest failing knobs found; onStep, if set, hears
// of every candidate tried.
func Shrink(ctx context.Context, k Knobs, seed uint64, lim Limits, tries int, trial Trial, onStep func(Step)) (Knobs, error) {
	tries = max(1, tries)
	for {
		shrunk := false
		for _, c := range Candidates(k, lim) {
			failed, n, err := failsWithin(ctx, c, seed, tries, trial)
			if err != nil {
				return k, err
			}
			if onStep != nil {
				onStep(Step{Knobs: c, Failed: failed, Attempts: n})
			}
			if failed {
				k, shrunk = c, true
				break
			}
		}
		if !shrunk {
			return k, nil
		}
	}
}

func failsWithin(ctx context.Context, k Knobs, seed uint64, tries int, trial Trial) (bool, int, error) {
	for i := 1; i <= tries; i++ {
		if err := ctx.Err(); err != nil {
			return false, i - 1, err
		}
		failed, err := trial(ctx, k, seed)
		if err != nil || failed {
			return failed, i, err
		}
	}
	return false, tries, nil
}

// FailRate runs k with seed n times and returns how many failed.
func FailRate(ctx context.Context, k Knobs, seed uint64, n int, trial Trial) (int, error) {
	failures := 0
	for range n {
		if err := ctx.Err(); err != nil {
			return failures, err
		}
		failed, err := trial(ctx, k, seed)
		if err != nil {
			return failures, err
		}
		if failed {
			failures++
		}
	}
	return failures, nil
}

// Found is the outcome of a search over seeds.
type Found struct {
	Seed   uint64
	Failed bool
	Err    error
}

// Search runs k with every seed, jobs at a time, and returns the outcome of
// each seed tried, in seed order. Unless all is set it stops starting new
// seeds at the first failure or error; seeds already running finish, and
// seeds never started are left out.
func Search(ctx context.Context, k Knobs, seeds []uint64, jobs int, all bool, trial Trial, onDone func(Found)) []Found {
	jobs = max(1, jobs)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make([]*Found, len(seeds))
	next := make(chan int)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range min(jobs, len(seeds)) {
		wg.Go(func() {
			for i := range next {
				if ctx.Err() != nil {
					continue // stopped: seeds still handed out are not run
				}
				failed, err := trial(ctx, k, seeds[i])
				f := Found{Seed: seeds[i], Failed: failed, Err: err}
				mu.Lock()
				results[i] = &f
				if onDone != nil {
					onDone(f)
				}
				mu.Unlock()
				if (failed || err != nil) && !all {
					cancel()
				}
			}
		})
	}
feed:
	for i := range seeds {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	var out []Found
	for _, f := range results {
		if f != nil {
			out = append(out, *f)
		}
	}
	return out
}

// ParseSeeds reads a list of seeds: "1-200", "5", "3,9,27" or a mix
// ("1-10,42").
func ParseSeeds(s string) ([]uint64, error) {
	var out []uint64
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		a, b, isRange := strings.Cut(part, "-")
		if !isRange {
			b = a
		}
		lo, err1 := strconv.ParseUint(strings.TrimSpace(a), 10, 63)
		hi, err2 := strconv.ParseUint(strings.TrimSpace(b), 10, 63)
		switch {
		case err1 != nil || err2 != nil:
			return nil, fmt.Errorf("bad seed or seed range %q (want N, N-M or a comma-separated list)", part)
		case hi < lo:
			return nil, fmt.Errorf("seed range %q ends before it starts", part)
		case hi-lo >= 1_000_000:
			return nil, fmt.Errorf("seed range %q has over a million seeds", part)
		}
		for s := lo; ; s++ {
			out = append(out, s)
			if s == hi {
				break
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no seeds in %q", s)
	}
	return out, nil
}
