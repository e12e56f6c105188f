package challenge

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/history"
)

// LeaderLine starts the line a node writes to its stderr when it becomes
// the leader, e.g. "eddy: leader n3 term 7" (Raft) or "eddy: leader n3
// ballot 7" (Multi-Paxos). AddLogs counts these lines.
const LeaderLine = "eddy: leader "

// servedErrors are the error names of failed operations that were still
// served: the node gave a definite answer of the workload's own (the key
// was missing, the precondition did not hold, the transaction conflicted),
// not a timeout or a refusal to serve.
var servedErrors = map[string]bool{
	"key-does-not-exist": true, "key-already-exists": true, "precondition-failed": true,
	"txn-conflict": true, "abort": true,
}

// writes are the functions AddHistory counts as writes after a heal.
var writes = map[string]bool{"write": true, "cas": true}

// AddHistory fills the figures that come from a run's history:
// OpLatencyP50/P95/Max, Served and, when the history has heals,
// HealToWrite. concurrency is the run's number of worker threads (thread t
// of process p is p mod concurrency).
func (f *Figures) AddHistory(ops []history.Op, concurrency int) {
	invoked := map[int]history.Op{}
	var lat []float64
	var invokes, served int
	for _, o := range ops {
		if !o.IsClient() {
			continue
		}
		if o.Type == history.Invoke {
			invoked[o.Process] = o
			invokes++
			continue
		}
		inv, ok := invoked[o.Process]
		if !ok {
			continue
		}
		delete(invoked, o.Process)
		switch {
		case o.Type == history.OK:
			served++
			lat = append(lat, float64(o.Time-inv.Time)/1e6)
		case o.Type == history.Fail && servedErrors[errorName(o.Error)]:
			served++
		}
	}
	if len(lat) > 0 {
		slices.Sort(lat)
		f.OpLatencyP50 = ptr(rank(lat, 0.5))
		f.OpLatencyP95 = ptr(rank(lat, 0.95))
		f.OpLatencyMax = ptr(lat[len(lat)-1])
	}
	if invokes > 0 {
		f.Served = ptr(float64(served) / float64(invokes))
	}
	if h, ok := healToWrite(ops, concurrency); ok {
		f.HealToWrite = &h
	}
}

func ptr(x float64) *float64 { return &x }

// rank is the value at quantile q of sorted values: the one at index
// ⌊n·q⌋, the last for q = 1 (Maelstrom's rule for stable latencies).
func rank(sorted []float64, q float64) float64 {
	return sorted[min(len(sorted)-1, int(float64(len(sorted))*q))]
}

// errorName is the name of an op's error: the keyword itself, or the first
// element of a vector such as [:precondition-failed "text"].
func errorName(e any) string {
	switch x := e.(type) {
	case edn.Keyword:
		return string(x)
	case []any:
		if len(x) > 0 {
			return errorName(x[0])
		}
	}
	return ""
}

// healToWrite measures how long the cluster takes to serve writes
// everywhere after a partition heals. For each heal (the nemesis's
// :stop-partition completing with :network-healed) and each worker thread
// that writes (a thread talks to one node), it takes the time from the heal
// to the completion of the thread's first write or cas invoked after the
// heal that succeeded; a thread with none before the next partition (or
// the end) counts the whole window. A heal's figure is the longest over
// the threads; the run's is the median over its heals, in milliseconds.
func healToWrite(ops []history.Op, concurrency int) (float64, bool) {
	if concurrency <= 0 {
		return 0, false
	}
	writers := map[int]bool{}
	var heals, starts []int64
	var end int64
	for _, o := range ops {
		end = max(end, o.Time)
		switch {
		case o.IsClient() && o.Type == history.Invoke && writes[o.F]:
			writers[o.Process%concurrency] = true
		case !o.IsClient() && o.F == "start-partition" && o.Type == history.Info:
			starts = append(starts, o.Time)
		case !o.IsClient() && o.F == "stop-partition" && o.Value == edn.Keyword("network-healed"):
			heals = append(heals, o.Time)
		}
	}
	if len(heals) == 0 || len(writers) == 0 {
		return 0, false
	}
	var perHeal []float64
	for _, h := range heals {
		until := end
		for _, s := range starts {
			if s > h {
				until = s
				break
			}
		}
		first := map[int]int64{} // thread → completion of its first ok write after h
		invoked := map[int]history.Op{}
		for _, o := range ops {
			if !o.IsClient() || !writes[o.F] {
				continue
			}
			if o.Type == history.Invoke {
				invoked[o.Process] = o
				continue
			}
			inv, ok := invoked[o.Process]
			delete(invoked, o.Process)
			th := o.Process % concurrency
			if !ok || o.Type != history.OK || inv.Time < h || inv.Time > until {
				continue
			}
			if _, seen := first[th]; !seen {
				first[th] = o.Time
			}
		}
		worst := 0.0
		for th := range writers {
			t, ok := first[th]
			if !ok {
				t = until
			}
			worst = max(worst, float64(t-h)/1e6)
		}
		perHeal = append(perHeal, worst)
	}
	slices.Sort(perHeal)
	return perHeal[(len(perHeal)-1)/2], true
}

// AddLogs counts the leader lines (LeaderLine) in the nodes' logs into
// LeaderChanges; it leaves the figure absent when no node wrote one.
func (f *Figures) AddLogs(logs [][]byte) {
	n := 0
	for _, l := range logs {
		for line := range bytes.SplitSeq(l, []byte("\n")) {
			if bytes.HasPrefix(line, []byte(LeaderLine)) {
				n++
			}
		}
	}
	if n > 0 {
		f.LeaderChanges = ptr(float64(n))
	}
}

// Concurrency resolves --concurrency ("10", "2n", or "" for 1n) for a
// cluster of nodes nodes; 0 if it cannot be read.
func Concurrency(flag string, nodes int) int {
	if flag == "" {
		flag = "1n"
	}
	if k, ok := strings.CutSuffix(flag, "n"); ok {
		n, err := strconv.Atoi(k)
		if err != nil {
			return 0
		}
		return n * nodes
	}
	n, err := strconv.Atoi(flag)
	if err != nil {
		return 0
	}
	return n
}

// AddRun reads a stored run's history.edn and node-logs/*.log and adds the
// figures they give (AddHistory, AddLogs).
func (f *Figures) AddRun(dir string, concurrency int) error {
	file, err := os.Open(filepath.Join(dir, "history.edn"))
	if err != nil {
		return err
	}
	defer file.Close()
	ops, err := history.ReadEDN(file)
	if err != nil {
		return fmt.Errorf("%s: %w", file.Name(), err)
	}
	f.AddHistory(ops, concurrency)
	names, err := filepath.Glob(filepath.Join(dir, "node-logs", "*.log"))
	if err != nil {
		return err
	}
	var logs [][]byte
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			return err
		}
		logs = append(logs, b)
	}
	f.AddLogs(logs)
	return nil
}
