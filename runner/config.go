package runner

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/eddy-workbench/eddy/internal/checker"
	"github.com/eddy-workbench/eddy/internal/elle"
	"github.com/eddy-workbench/eddy/internal/nemesis"
	"github.com/eddy-workbench/eddy/internal/netsim"
	"github.com/eddy-workbench/eddy/internal/service"
)

// Config is one test run: the flags of `maelstrom test`, plus eddy's own.
//
// The zero value of every field means Maelstrom's default. That is never
// ambiguous: where Maelstrom rejects an explicit zero (--node-count,
// --time-limit, --nemesis-interval, --key-count, --max-txn-length,
// --max-writes-per-key), zero here can only mean "not given", and the eddy
// command rejects a zero typed on its command line as Maelstrom does; where
// zero is a value of its own and the default is not zero (--rate), a Set
// field says it was given. Out-of-range values (negative, NaN, beyond the
// limits below) are a *ConfigError.
type Config struct {
	Workload string   // -w; default lin-kv
	Bin      string   // --bin; required unless Node is set
	Args     []string // arguments for the binary (after --)
	// Node, if set, runs every node in this process instead of Bin (see
	// NodeFunc); Bin and Args must then be empty.
	Node NodeFunc

	NodeCount   int      // --node-count; nodes n0…n(N-1); overrides Nodes; at most MaxNodes
	Nodes       []string // --nodes / --node; default n1…n5
	Concurrency string   // --concurrency: an integer or "<k>n"; default 1n

	TimeLimit       time.Duration // --time-limit; default 60 s; at most MaxDuration
	Rate            float64       // --rate, total requests per second; default 5 (set RateSet for 0); 0 or at least MinRate
	RateSet         bool          // Rate was given explicitly (so 0 means no ops)
	Latency         time.Duration // --latency; default 0; at most MaxLatency
	LatencyDist     string        // --latency-dist; default constant
	Nemesis         []string      // --nemesis: partition, kill, pause (each may be "a,b")
	NemesisInterval time.Duration // --nemesis-interval; default 10 s; at least MinNemesisInterval, at most MaxDuration
	// NemesisTargets are the targets a kill or a pause picks from, each
	// time at random (--nemesis-targets): subset, one, minority-third,
	// minority, majority, all (default all six, as Jepsen).
	NemesisTargets []string
	Topology       string // --topology; default grid

	Availability      string   // --availability: "", "total" or a fraction in [0, 1]
	ConsistencyModels []string // --consistency-models; default strict-serializable
	KeyCount          int      // --key-count; default 10; at most MaxKeyCount
	MaxTxnLength      int      // --max-txn-length; default 4; at most MaxTxnLen
	MaxWritesPerKey   int      // --max-writes-per-key; default 16

	LogStderr  bool // --log-stderr: echo node stderr on the console
	LogNetSend bool // --log-net-send
	LogNetRecv bool // --log-net-recv

	LeaveDBRunning bool // --leave-db-running: do not stop node processes at the end

	Seed    uint64 // --seed
	SeedSet bool   // Seed was given; otherwise one is drawn and reported
	Strict  bool   // --strict: eddy's extra checks count toward validity

	StoreDir string    // where runs are written; default "store"
	Log      io.Writer // console log; nil discards

	// RecoveryWait is the pause between healing and the final phase
	// (Maelstrom: 10 s). Zero means the default; tests may shorten it.
	RecoveryWait time.Duration
	// StopGrace is how long a node has to exit after SIGTERM before SIGKILL.
	StopGrace time.Duration
	// MaxLog caps each node's stderr log in node-logs/ (0 means 256 MiB).
	MaxLog int64
	// FloodLimit is the number of stdout lines within one second from which
	// a node is reported as flooding the network (0 means 25,000; a busy
	// node of a 25-node broadcast prints a few thousand).
	FloodLimit int

	// Progress, if set, is called about twice a second while the run goes
	// on, and at each change of phase, from one goroutine at a time.
	Progress func(Progress)

	// hook, if set, is called with the name of each guarded part of the run
	// and the analysis as it starts; the package's tests make it panic.
	hook func(string)
}

// Progress is a snapshot of a run in progress.
type Progress struct {
	Phase     string        // "setup", "main", "recovery", "final" or "analysis"
	Elapsed   time.Duration // since the main phase began (0 during setup)
	TimeLimit time.Duration
	// OK, Fail and Info count the client operations completed so far.
	OK, Fail, Info int64
	// Partitioned is true while the nemesis has cut the network.
	Partitioned bool
	// Down and Paused are how many nodes the nemesis has killed (and not
	// yet restarted) and paused.
	Down, Paused int
}

// Limits on a run's settings, beyond which a value is an error rather than
// a run that could never complete (a billion processes, an op every 30
// years, a duration that overflows).
const (
	MaxNodes           = 1000                 // nodes, each a process (or goroutine)
	MaxConcurrency     = 10_000               // worker threads
	MaxDuration        = 365 * 24 * time.Hour // --time-limit, --nemesis-interval
	MinNemesisInterval = time.Millisecond     // a partition at most every millisecond or so
	MaxLatency         = time.Hour            // --latency
	MinRate            = 1e-9                 // ops/s: one op per 32 years; 0 means none
	MaxKeyCount        = 10_000               // --key-count
	MaxTxnLen          = 10_000               // --max-txn-length
)

// Maelstrom's defaults for the fields of Config that leave them zero.
const (
	DefaultTimeLimit       = 60 * time.Second // --time-limit
	DefaultRate            = 5.0              // --rate, ops per second
	DefaultNemesisInterval = 10 * time.Second // --nemesis-interval
)

// NodeFunc is a node run in the same process as the runner, instead of a
// binary: the runner calls it once per node, each on its own goroutine, with
// the node's stdin, stdout and stderr as in-memory pipes. It reads one JSON
// message a line from stdin and writes its messages to stdout, one a line,
// exactly as a node binary does, and must return once ctx is cancelled or
// stdin ends (at teardown) — stopping every goroutine it started. Returning
// earlier, or panicking, counts as the node crashing.
//
// Such nodes use no file descriptors, so a whole run can take place inside a
// testing/synctest bubble, on its fake clock (see package eddytest).
type NodeFunc func(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) error

// ConfigError is a bad argument: the run did not start (exit code 254).
type ConfigError struct{ Msg string }

func (e *ConfigError) Error() string { return e.Msg }

func badf(format string, args ...any) error {
	return &ConfigError{Msg: fmt.Sprintf(format, args...)}
}

// settings is a validated Config with every value resolved.
type settings struct {
	Config
	nodes        []string
	concurrency  int
	dist         netsim.Dist
	partition    bool
	faults       []nemesis.Fault
	targets      []nemesis.Target
	availability checker.AvailabilitySpec
}

// Validate reports whether Run would accept cfg, without starting anything
// or writing any file: the error, if any, is the *ConfigError Run would
// return. A caller that plans many runs can check them all first.
func Validate(cfg Config) error {
	s, err := resolve(cfg)
	if err != nil {
		return err
	}
	_, err = newWorkload(s)
	return err
}

// resolve applies defaults and validates; errors are *ConfigError.
func resolve(cfg Config) (settings, error) {
	if cfg.Node != nil {
		if cfg.Bin != "" || len(cfg.Args) > 0 {
			return settings{Config: cfg}, badf("Config.Node and --bin are exclusive: give one way to run the nodes")
		}
		return resolveSettings(cfg)
	}
	if cfg.Bin == "" {
		return settings{Config: cfg}, badf("Expected a --bin PATH_TO_BINARY to test")
	}
	if err := checkBin(cfg.Bin); err != nil {
		return settings{Config: cfg}, err
	}
	return resolveSettings(cfg)
}

// resolveSettings is resolve without looking at the binary, which a stored
// run being re-analysed no longer needs.
func resolveSettings(cfg Config) (settings, error) {
	s := settings{Config: cfg}
	if s.Workload == "" {
		s.Workload = "lin-kv"
	}
	switch {
	case s.NodeCount < 0:
		return s, badf("--node-count must be positive, got %d", s.NodeCount)
	case s.NodeCount > MaxNodes:
		return s, badf("--node-count %d is more nodes than eddy runs (at most %d, each a process)", s.NodeCount, MaxNodes)
	case s.NodeCount > 0:
		for i := range s.NodeCount {
			s.nodes = append(s.nodes, fmt.Sprintf("n%d", i))
		}
	case len(s.Nodes) > MaxNodes:
		return s, badf("--nodes names %d nodes, more than eddy runs (at most %d, each a process)", len(s.Nodes), MaxNodes)
	case len(s.Nodes) > 0:
		seen := map[string]bool{}
		for _, n := range s.Nodes {
			if n == "" || seen[n] {
				return s, badf("--nodes has an empty or repeated node name %q", n)
			}
			if strings.HasPrefix(n, "c") {
				return s, badf("node name %q starts with c, which Maelstrom reserves for clients", n)
			}
			if slices.Contains(service.Names(), n) {
				return s, badf("node name %q is the name of one of Maelstrom's services", n)
			}
			seen[n] = true
		}
		s.nodes = append([]string(nil), s.Nodes...)
	default:
		s.nodes = []string{"n1", "n2", "n3", "n4", "n5"}
	}
	c, err := parseConcurrency(s.Concurrency, len(s.nodes))
	if err != nil {
		return s, err
	}
	s.concurrency = c
	switch {
	case s.TimeLimit < 0:
		return s, badf("--time-limit must be positive, got %v", s.TimeLimit)
	case s.TimeLimit == 0:
		s.TimeLimit = DefaultTimeLimit
	case s.TimeLimit > MaxDuration:
		return s, badf("--time-limit %v is longer than eddy runs (at most a year)", s.TimeLimit)
	}
	if !s.RateSet && s.Rate == 0 {
		s.Rate = DefaultRate
	}
	switch r := s.Rate; {
	case math.IsNaN(r) || math.IsInf(r, 0):
		return s, badf("--rate must be a finite number of requests per second, got %v", r)
	case r < 0:
		return s, badf("--rate must not be negative, got %v", r)
	case r > 0 && r < MinRate:
		return s, badf("--rate %v is too low to schedule anything (the least is %v per second, one op in 32 years); --rate 0 means no operations", r, MinRate)
	}
	switch {
	case s.Latency < 0:
		return s, badf("--latency must not be negative, got %v", s.Latency)
	case s.Latency > MaxLatency:
		return s, badf("--latency %v is longer than eddy simulates (at most an hour, 3600000 ms)", s.Latency)
	}
	if s.LatencyDist == "" {
		s.LatencyDist = string(netsim.Constant)
	}
	if s.dist, err = netsim.ParseDist(s.LatencyDist); err != nil {
		return s, &ConfigError{Msg: "--latency-dist: " + err.Error()}
	}
	if s.faults, err = nemesis.ParseFaults(s.Nemesis); err != nil {
		return s, badf("%v", err)
	}
	s.partition = slices.Contains(s.faults, nemesis.Partition)
	if len(s.NemesisTargets) > 0 {
		if s.targets, err = nemesis.ParseTargets(strings.Join(s.NemesisTargets, ",")); err != nil {
			return s, badf("%v", err)
		}
	}
	switch {
	case s.NemesisInterval < 0:
		return s, badf("--nemesis-interval must be positive, got %v", s.NemesisInterval)
	case s.NemesisInterval == 0:
		s.NemesisInterval = DefaultNemesisInterval
	case s.NemesisInterval < MinNemesisInterval:
		return s, badf("--nemesis-interval %v is shorter than eddy schedules (at least %v)", s.NemesisInterval, MinNemesisInterval)
	case s.NemesisInterval > MaxDuration:
		return s, badf("--nemesis-interval %v is longer than eddy runs (at most a year)", s.NemesisInterval)
	}
	if s.Topology == "" {
		s.Topology = "grid"
	}
	switch s.Topology {
	case "grid", "line", "total", "tree", "tree2", "tree3", "tree4":
	default:
		return s, badf("unknown --topology %q (expected grid, line, total, tree, tree2, tree3 or tree4)", s.Topology)
	}
	switch a := s.Availability; a {
	case "":
	case "total":
		s.availability = checker.AvailabilitySpec{Set: true, Total: true}
	default:
		f, err := strconv.ParseFloat(a, 64)
		if err != nil || !(f >= 0 && f <= 1) { // NaN fails both
			return s, badf("--availability must be total or a number between 0 and 1, got %q", a)
		}
		s.availability = checker.AvailabilitySpec{Set: true, Min: f}
	}
	if len(s.ConsistencyModels) == 0 {
		s.ConsistencyModels = []string{"strict-serializable"}
	}
	if err := elle.ValidateModels(s.ConsistencyModels); err != nil {
		return s, badf("--consistency-models: %v", err)
	}
	for _, f := range []struct {
		name   string
		v, max int
	}{{"--key-count", s.KeyCount, MaxKeyCount}, {"--max-txn-length", s.MaxTxnLength, MaxTxnLen}, {"--max-writes-per-key", s.MaxWritesPerKey, math.MaxInt}} {
		switch {
		case f.v < 0:
			return s, badf("%s must be positive, got %d", f.name, f.v)
		case f.v > f.max:
			return s, badf("%s %d is more than eddy generates (at most %d)", f.name, f.v, f.max)
		}
	}
	if s.MaxTxnLength == 0 {
		s.MaxTxnLength = 4
	}
	if s.MaxWritesPerKey == 0 {
		s.MaxWritesPerKey = 16
	}
	if s.StoreDir == "" {
		s.StoreDir = "store"
	}
	if s.Log == nil {
		s.Log = io.Discard
	}
	if s.RecoveryWait == 0 {
		s.RecoveryWait = 10 * time.Second
	}
	if s.StopGrace == 0 {
		s.StopGrace = time.Second
	}
	return s, nil
}

// parseConcurrency reads "3" or "2n" (2 × node count).
func parseConcurrency(v string, nodes int) (int, error) {
	if v == "" {
		v = "1n"
	}
	k, perNode := strings.CutSuffix(v, "n")
	n, err := strconv.Atoi(k)
	if err != nil || n <= 0 || strings.HasPrefix(k, "+") {
		return 0, badf("--concurrency must be a positive integer or <k>n, got %q", v)
	}
	if perNode && n > MaxConcurrency/max(nodes, 1) || n > MaxConcurrency {
		return 0, badf("--concurrency %s is more worker threads than eddy runs (at most %d)", v, MaxConcurrency)
	}
	if perNode {
		n *= nodes
	}
	return n, nil
}

// checkBin reports a missing or non-executable binary before anything starts.
func checkBin(bin string) error {
	abs, err := filepath.Abs(bin)
	if err != nil {
		return badf("--bin %s: %v", bin, err)
	}
	fi, err := os.Stat(abs)
	switch {
	case os.IsNotExist(err):
		return badf("--bin %s: no such file", bin)
	case err != nil:
		return badf("--bin %s: %v", bin, err)
	case fi.IsDir():
		return badf("--bin %s is a directory, not an executable", bin)
	case fi.Mode().Perm()&0o111 == 0:
		return badf("--bin %s is not executable (chmod +x?)", bin)
	}
	return nil
}

// nodeName says what runs the nodes, for the console.
func (s settings) nodeName() string {
	if s.Node != nil {
		return "an in-process node"
	}
	return s.Bin
}

// Sizes reports the node ids and the number of client threads cfg amounts
// to, as Run resolves them (an error is a *ConfigError).
func Sizes(cfg Config) (nodes []string, concurrency int, err error) {
	s, err := resolveSettings(cfg)
	if err != nil {
		return nil, 0, err
	}
	return s.nodes, s.concurrency, nil
}
