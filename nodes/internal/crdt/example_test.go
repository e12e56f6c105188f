package crdt_test

import (
	"fmt"
	"time"

	"github.com/eddy-workbench/eddy/nodes/internal/crdt"
)

// Two replicas of a PN-counter merge in either order to the same value.
func ExampleMaxMap() {
	var a, b crdt.MaxMap
	_, _, _ = crdt.CounterAdd(&a, "n1", 5)
	_, _, _ = crdt.CounterAdd(&a, "n1", -2)
	_, _, _ = crdt.CounterAdd(&b, "n2", 4)
	ab, ba := crdt.Join(&a, &b), crdt.Join(&b, &a)
	fmt.Println(crdt.CounterValue(ab), crdt.CounterValue(ba), ab.Equal(ba))
	// Output: 7 7 true
}

// A leaf hands an element to the hub at the round boundary; the hub
// forwards it to the other leaf after Flush.
func ExampleGossip() {
	opt := crdt.Options{Strategy: crdt.Delta, Round: time.Second}
	nodes := []string{"n0", "n1", "n2"}
	hub, leaf := crdt.NewGossip("n0", nodes, opt), crdt.NewGossip("n1", nodes, opt)
	start := time.Unix(1000, 0)
	hub.Tick(start)
	leaf.Tick(start)

	leaf.Raise("x", 1) // a g-set element: key "x" at 1
	next := start.Add(time.Second)
	for _, m := range leaf.Tick(next) {
		fmt.Println("leaf →", m.Dest, m.Entries)
		hub.Receive("n1", m, next)
	}
	for _, m := range hub.Tick(next.Add(opt.Round / 2)) {
		fmt.Println("hub →", m.Dest, m.Entries)
	}
	// Output:
	// leaf → n0 [{x 1}]
	// hub → n2 [{x 1}]
}
