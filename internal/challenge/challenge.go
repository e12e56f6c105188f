// Package challenge describes the Fly.io Gossip Glomers challenges as eddy
// runs them: which workload, which node and which official flags each one
// uses, and the targets it must meet. A few extras, which are not Gossip
// Glomers challenges, run the workloads no challenge covers (g-set,
// pn-counter, txn-list-append) the same way. The package also reads the
// figures a challenge is judged by out of a results map and checks them
// against the targets.
//
// The package is pure: it runs nothing and touches no files.
package challenge

import (
	"fmt"
	"path"
	"strings"
	"time"
)

// Challenge is one Gossip Glomers challenge as eddy runs it.
type Challenge struct {
	// ID is the challenge's short name: "1", "2", "3a" … "3e", "4",
	// "5a", "5b", "5c", "6a", "6b", "6b-partition" or "6c"; for an extra,
	// its workload's name.
	ID string
	// Title is the challenge's human-readable name.
	Title string
	// Workload is the Maelstrom workload the challenge runs.
	Workload string
	// Node is the node's package directory, e.g. "nodes/broadcast".
	Node string
	// NodeArgs are the arguments given to the node after "--".
	NodeArgs []string
	// Flags are the official flags that follow --bin, one word each.
	Flags []string
	// Targets are what the run must achieve besides being valid.
	Targets Targets
	// Extra marks a run that is not a Gossip Glomers challenge; its flags
	// and targets are eddy's own (see the README).
	Extra bool
}

// Targets are the goals of a challenge beyond validity, which is always
// required. A zero field sets no target.
type Targets struct {
	// MaxServerMsgsPerOp bounds :net :servers :msgs-per-op (strictly less).
	MaxServerMsgsPerOp float64
	// MaxMedianLatency bounds the median stable latency (strictly less).
	MaxMedianLatency time.Duration
	// MaxMaxLatency bounds the maximum stable latency (strictly less).
	MaxMaxLatency time.Duration
	// TotalAvailability requires every client operation to succeed, as
	// --availability total does.
	TotalAvailability bool
}

// words splits a flag string into its words.
func words(s string) []string { return strings.Fields(s) }

// table builds the challenge list afresh, so that callers may change what
// they get without affecting anyone else.
func table() []Challenge {
	const txn6b = "--node-count 2 --concurrency 2n --time-limit 20 --rate 1000 --consistency-models read-uncommitted"
	return []Challenge{
		{
			ID: "1", Title: "Echo",
			Workload: "echo", Node: "nodes/echo",
			Flags: words("--node-count 1 --time-limit 10"),
		},
		{
			ID: "2", Title: "Unique ID generation",
			Workload: "unique-ids", Node: "nodes/uniqueids",
			Flags:   words("--time-limit 30 --rate 1000 --node-count 3 --availability total --nemesis partition"),
			Targets: Targets{TotalAvailability: true},
		},
		{
			ID: "3a", Title: "Single-node broadcast",
			Workload: "broadcast", Node: "nodes/broadcast",
			Flags: words("--node-count 1 --time-limit 20 --rate 10"),
		},
		{
			ID: "3b", Title: "Multi-node broadcast",
			Workload: "broadcast", Node: "nodes/broadcast",
			Flags: words("--node-count 5 --time-limit 20 --rate 10"),
		},
		{
			ID: "3c", Title: "Fault-tolerant broadcast",
			Workload: "broadcast", Node: "nodes/broadcast",
			Flags: words("--node-count 5 --time-limit 20 --rate 10 --nemesis partition"),
		},
		{
			ID: "3d", Title: "Efficient broadcast, part I",
			Workload: "broadcast", Node: "nodes/broadcast",
			NodeArgs: words("-strategy latency"),
			Flags:    words("--node-count 25 --time-limit 20 --rate 100 --latency 100"),
			Targets: Targets{
				MaxServerMsgsPerOp: 30,
				MaxMedianLatency:   400 * time.Millisecond,
				MaxMaxLatency:      600 * time.Millisecond,
			},
		},
		{
			ID: "3e", Title: "Efficient broadcast, part II",
			Workload: "broadcast", Node: "nodes/broadcast",
			NodeArgs: words("-strategy messages"),
			Flags:    words("--node-count 25 --time-limit 20 --rate 100 --latency 100"),
			Targets: Targets{
				MaxServerMsgsPerOp: 20,
				MaxMedianLatency:   time.Second,
				MaxMaxLatency:      2 * time.Second,
			},
		},
		{
			ID: "4", Title: "Grow-only counter",
			Workload: "g-counter", Node: "nodes/gcounter",
			Flags: words("--node-count 3 --rate 100 --time-limit 20 --nemesis partition"),
		},
		{
			ID: "5a", Title: "Single-node Kafka-style log",
			Workload: "kafka", Node: "nodes/kafka",
			Flags: words("--node-count 1 --concurrency 2n --time-limit 20 --rate 1000"),
		},
		{
			ID: "5b", Title: "Multi-node Kafka-style log",
			Workload: "kafka", Node: "nodes/kafka",
			Flags: words("--node-count 2 --concurrency 2n --time-limit 20 --rate 1000"),
		},
		{
			ID: "5c", Title: "Efficient Kafka-style log",
			Workload: "kafka", Node: "nodes/kafka",
			Flags: words("--node-count 2 --concurrency 2n --time-limit 20 --rate 1000"),
		},
		{
			ID: "6a", Title: "Single-node, totally-available transactions",
			Workload: "txn-rw-register", Node: "nodes/txn",
			Flags:   words("--node-count 1 --time-limit 20 --rate 1000 --concurrency 2n --consistency-models read-uncommitted --availability total"),
			Targets: Targets{TotalAvailability: true},
		},
		{
			ID: "6b", Title: "Totally-available, read uncommitted transactions",
			Workload: "txn-rw-register", Node: "nodes/txn",
			Flags: words(txn6b),
		},
		{
			ID: "6b-partition", Title: "Totally-available, read uncommitted transactions, with partitions",
			Workload: "txn-rw-register", Node: "nodes/txn",
			Flags:   words(txn6b + " --availability total --nemesis partition"),
			Targets: Targets{TotalAvailability: true},
		},
		{
			ID: "6c", Title: "Totally-available, read committed transactions",
			Workload: "txn-rw-register", Node: "nodes/txn",
			Flags:   words("--node-count 2 --concurrency 2n --time-limit 20 --rate 1000 --consistency-models read-committed --availability total --nemesis partition"),
			Targets: Targets{TotalAvailability: true},
		},
		// Extras. The message targets are Maelstrom's own Ruby demos
		// (g_set.rb, pn_counter.rb: whole state to every node every 5 s)
		// measured under eddy with the same flags.
		{
			ID: "g-set", Title: "Grow-only set, delta gossip (extra)", Extra: true,
			Workload: "g-set", Node: "nodes/gset",
			NodeArgs: words("-strategy delta"),
			Flags:    words("--node-count 5 --rate 10 --time-limit 15 --nemesis partition"),
			Targets:  Targets{MaxServerMsgsPerOp: 0.72},
		},
		{
			ID: "pn-counter", Title: "PN-counter, delta gossip (extra)", Extra: true,
			Workload: "pn-counter", Node: "nodes/pncounter",
			NodeArgs: words("-strategy delta"),
			Flags:    words("--node-count 5 --rate 100 --time-limit 15 --nemesis partition"),
			Targets:  Targets{MaxServerMsgsPerOp: 0.15},
		},
		{
			ID: "txn-list-append", Title: "Strict-serializable list append, Datomic-style transactor (extra)", Extra: true,
			Workload: "txn-list-append", Node: "nodes/listappend",
			Flags: words("--node-count 3 --concurrency 2n --rate 100 --time-limit 20 --consistency-models strict-serializable --nemesis partition"),
		},
	}
}

// All returns every challenge in order: 1, 2, 3a, 3b, 3c, 3d, 3e, 4, 5a,
// 5b, 5c, 6a, 6b, 6b-partition, 6c, then the extras g-set, pn-counter and
// txn-list-append. The result is a fresh copy.
func All() []Challenge { return table() }

// IDs returns the id of every challenge, in the order of All.
func IDs() []string {
	all := table()
	ids := make([]string, len(all))
	for i, c := range all {
		ids[i] = c.ID
	}
	return ids
}

// Select resolves challenge ids to challenges. The id "all" stands for every
// challenge; ids are case-insensitive and surrounding blanks are ignored;
// duplicates are dropped; the result keeps the order of All. An unknown id,
// or no id at all, is an error that lists the valid ids.
func Select(ids []string) ([]Challenge, error) {
	all := table()
	index := make(map[string]int, len(all))
	for i, c := range all {
		index[c.ID] = i
	}
	chosen := make([]bool, len(all))
	var unknown []string
	for _, raw := range ids {
		id := strings.ToLower(strings.TrimSpace(raw))
		if id == "all" {
			for i := range chosen {
				chosen[i] = true
			}
			continue
		}
		i, ok := index[id]
		if !ok {
			unknown = append(unknown, fmt.Sprintf("%q", raw))
			continue
		}
		chosen[i] = true
	}
	valid := strings.Join(IDs(), ", ") + " or all"
	switch {
	case len(unknown) == 1:
		return nil, fmt.Errorf("unknown challenge %s (valid ids: %s)", unknown[0], valid)
	case len(unknown) > 1:
		return nil, fmt.Errorf("unknown challenges %s (valid ids: %s)", strings.Join(unknown, ", "), valid)
	case len(ids) == 0:
		return nil, fmt.Errorf("no challenge given (valid ids: %s)", valid)
	}
	var out []Challenge
	for i, c := range all {
		if chosen[i] {
			out = append(out, c)
		}
	}
	return out, nil
}

// Bin is the path of the challenge's node binary relative to the repository
// root: bin/ followed by the base name of Node.
func (c Challenge) Bin() string { return "bin/" + path.Base(c.Node) }

// Command renders the challenge as an eddy test command line:
//
//	eddy test -w <workload> --bin bin/<node base name> <flags> [-- <node args>]
func (c Challenge) Command() string {
	parts := []string{"eddy", "test", "-w", c.Workload, "--bin", c.Bin()}
	parts = append(parts, c.Flags...)
	if len(c.NodeArgs) > 0 {
		parts = append(parts, "--")
		parts = append(parts, c.NodeArgs...)
	}
	return strings.Join(parts, " ")
}
