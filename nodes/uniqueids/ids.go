package main

import (
	"strconv"
	"strings"
	"sync/atomic"
)

// Generator issues IDs that are unique across nodes, across restarts of a
// node process, and across goroutines, with no coordination, no clock and no
// I/O, so a node can answer every generate request even when partitioned.
//
// An ID is the string
//
//	<nodeID>-<boot>-<seq>
//
// where nodeID is the node's Maelstrom id, boot is a token drawn once per
// process start (main.go uses 64 random bits from crypto/rand in base 36), and
// seq is a per-process counter (1, 2, 3, … in base 36). For example
// "n1-3kx9q2m1zl0ab-1f".
//
// Why the IDs are unique:
//   - The encoding is injective. boot and seq never contain '-' (New rejects
//     such a boot; base 36 has no '-'), so any ID splits back into its triple
//     by cutting at its last two dashes; nodeID itself may contain dashes.
//     strconv.FormatUint has one spelling per number. So two IDs are equal
//     only if their (nodeID, boot, seq) triples are equal.
//   - Within one process, seq comes from an atomic counter and never repeats
//     (Next panics rather than wrap after 2^64-1 IDs).
//   - Two live nodes differ in nodeID: Maelstrom gives every node a distinct
//     id, so IDs of different nodes differ with certainty.
//   - Two processes with the same nodeID (a restarted node) differ in boot
//     with overwhelming probability: with 64 random bits, k restarts of one
//     node collide with probability below k²/2^65. The counter restarting at
//     1 is therefore harmless. Wall clocks are not used, so a clock that goes
//     backwards cannot cause a repeat.
//
// A Generator is safe for concurrent use.
type Generator struct {
	prefix string // nodeID + "-" + boot + "-"
	seq    atomic.Uint64
}

// New returns a Generator for the node nodeID in the process started with
// boot. boot must be non-empty and must not contain '-'; New panics
// otherwise, since either would break the uniqueness argument above.
func New(nodeID, boot string) *Generator {
	if boot == "" || strings.Contains(boot, "-") {
		panic("uniqueids: boot must be non-empty and contain no '-': " + strconv.Quote(boot))
	}
	return &Generator{prefix: nodeID + "-" + boot + "-"}
}

// Next returns a fresh ID. It never returns the same ID twice.
func (g *Generator) Next() string {
	n := g.seq.Add(1)
	if n == 0 {
		panic("uniqueids: sequence exhausted")
	}
	return g.prefix + strconv.FormatUint(n, 36)
}
