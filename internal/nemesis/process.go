package nemesis

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// Fault is one kind of fault the nemesis injects (--nemesis).
type Fault string

// The faults of --nemesis.
const (
	// Partition cuts the network (Maelstrom's only fault).
	Partition Fault = "partition"
	// Kill kills node processes (SIGKILL to the process group) and later
	// restarts them with the same node id and a fresh init.
	Kill Fault = "kill"
	// Pause stops node processes (SIGSTOP) and later resumes them
	// (SIGCONT); messages to a paused node wait until it resumes.
	Pause Fault = "pause"
)

var faults = [...]Fault{Partition, Kill, Pause}

// Faults returns every fault --nemesis accepts, in a fixed order.
func Faults() []Fault { return slices.Clone(faults[:]) }

// ParseFaults reads the values of --nemesis: fault names, each possibly
// holding several separated by commas or plus signs ("partition,kill",
// "partition+kill": eddy compare takes a comma for an axis of its matrix,
// so one cell with several faults is written with +); "none" and empty
// names are ignored, repeats are merged. An unknown name is an error
// naming it and the faults eddy knows.
func ParseFaults(values []string) ([]Fault, error) {
	var out []Fault
	for _, v := range values {
		for name := range strings.SplitSeq(strings.ReplaceAll(v, "+", ","), ",") {
			name = strings.TrimSpace(name)
			if name == "" || name == "none" {
				continue
			}
			f := Fault(name)
			if !slices.Contains(faults[:], f) {
				return nil, fmt.Errorf("unknown --nemesis fault %q (eddy supports: partition, kill, pause)", name)
			}
			if !slices.Contains(out, f) {
				out = append(out, f)
			}
		}
	}
	return out, nil
}

// Target says which nodes a kill or a pause hits, as Jepsen's node specs
// (jepsen.nemesis.combined/db-nodes) do.
type Target string

// The targets of --nemesis-targets. Every choice among the nodes is random.
const (
	// TargetSubset is a random non-empty subset of the nodes, of uniformly
	// random size (Jepsen's nil spec).
	TargetSubset Target = "subset"
	// TargetOne is a single node.
	TargetOne Target = "one"
	// TargetMinorityThird is ⌊(n−1)/3⌋ nodes: fewer than a third.
	TargetMinorityThird Target = "minority-third"
	// TargetMinority is ⌊n/2⌋ nodes: the smallest majority less one, as in
	// Jepsen (so half of an even cluster).
	TargetMinority Target = "minority"
	// TargetMajority is the smallest majority: ⌊n/2⌋+1 nodes.
	TargetMajority Target = "majority"
	// TargetAll is every node.
	TargetAll Target = "all"
)

// targets is Jepsen's node-specs, in its order.
var targets = [...]Target{TargetSubset, TargetOne, TargetMinorityThird, TargetMinority, TargetMajority, TargetAll}

// Targets returns every target, in Jepsen's order: subset, one,
// minority-third, minority, majority, all. It is the default of
// --nemesis-targets.
func Targets() []Target { return slices.Clone(targets[:]) }

// ParseTargets reads --nemesis-targets: target names separated by commas.
// Repeats are merged; an empty list or an unknown name is an error.
func ParseTargets(list string) ([]Target, error) {
	var out []Target
	for name := range strings.SplitSeq(list, ",") {
		name = strings.TrimPrefix(strings.TrimSpace(name), ":")
		if name == "" {
			continue
		}
		t := Target(name)
		if !slices.Contains(targets[:], t) {
			return nil, fmt.Errorf("unknown --nemesis-targets target %q (expected subset, one, minority-third, minority, majority or all)", name)
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--nemesis-targets names no target (expected subset, one, minority-third, minority, majority or all)")
	}
	return out, nil
}

// Pick returns the nodes target t designates among nodes, sorted, drawing
// every choice from rng. nodes is not modified. With no nodes, or a target
// that rounds down to none (minority of one node, minority-third of three),
// the result is empty.
func (t Target) Pick(nodes []string, rng *rand.Rand) []string {
	n := len(nodes)
	if n == 0 {
		return nil
	}
	var k int
	switch t {
	case TargetSubset:
		k = 1 + rng.IntN(n)
	case TargetOne:
		k = 1
	case TargetMinorityThird:
		k = minorityThird(n)
	case TargetMinority:
		k = majority(n) - 1
	case TargetMajority:
		k = majority(n)
	default: // All
		k = n
	}
	out := shuffled(nodes, rng)[:k]
	slices.Sort(out)
	return out
}

// ProcessOp is one operation of the kill and pause faults.
type ProcessOp struct {
	// F is "kill", "start", "pause" or "resume".
	F string
	// Target says whom a kill or a pause hits; start and resume always act
	// on every node that is down or paused (Jepsen's :all).
	Target Target
}

// The fs of process operations, as Jepsen names them.
const (
	FKill   = "kill"
	FStart  = "start"
	FPause  = "pause"
	FResume = "resume"
)

// Processes schedules the kill and pause faults as Jepsen's db-package does
// (jepsen.nemesis.combined/db-generators): kill and pause each flip-flop
// between a fault (kill or pause a target drawn uniformly from the allowed
// targets) and its repair (start or resume every affected node), and each
// operation is taken from one of the two, chosen uniformly. So a kill may
// follow a pause before the pause is undone, and a node stays down or
// paused for a random number of operations. Partitions run on their own
// timeline, as Jepsen's partition-package does beside it.
//
// It holds no clock and does no I/O: the caller spaces the operations (with
// NextGap) and carries them out.
type Processes struct {
	modes   []Fault
	targets []Target
	on      map[Fault]bool // the fault is in effect: its next op repairs it
}

// NewProcesses returns the schedule of the process faults among fs (kill,
// pause; other faults are ignored), with kills and pauses hitting one of
// targets (all of Targets if empty). It returns nil if fs has neither kill
// nor pause.
func NewProcesses(fs []Fault, targets []Target) *Processes {
	p := &Processes{on: map[Fault]bool{}}
	// Jepsen's order: pause-resume, then kill-start.
	for _, f := range []Fault{Pause, Kill} {
		if slices.Contains(fs, f) {
			p.modes = append(p.modes, f)
		}
	}
	if len(p.modes) == 0 {
		return nil
	}
	p.targets = slices.Clone(targets)
	if len(p.targets) == 0 {
		p.targets = Targets()
	}
	return p
}

// Next returns the next operation, drawing the choice of fault and of
// target from rng.
func (p *Processes) Next(rng *rand.Rand) ProcessOp {
	f := p.modes[rng.IntN(len(p.modes))]
	if p.on[f] {
		p.on[f] = false
		if f == Kill {
			return ProcessOp{F: FStart, Target: TargetAll}
		}
		return ProcessOp{F: FResume, Target: TargetAll}
	}
	p.on[f] = true
	t := p.targets[rng.IntN(len(p.targets))]
	if f == Kill {
		return ProcessOp{F: FKill, Target: t}
	}
	return ProcessOp{F: FPause, Target: t}
}

// Final returns the operations that undo every process fault at the end of
// the main phase, in Jepsen's order: resume, then start (only those of the
// scheduled faults).
func (p *Processes) Final() []ProcessOp {
	var out []ProcessOp
	for _, f := range p.modes {
		if f == Kill {
			out = append(out, ProcessOp{F: FStart, Target: TargetAll})
		} else {
			out = append(out, ProcessOp{F: FResume, Target: TargetAll})
		}
	}
	return out
}
