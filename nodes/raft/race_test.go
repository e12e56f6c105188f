//go:build race

package main

// raceEnabled is set under the race detector, which makes the randomized
// simulation about ten times slower: it then runs fewer seeds.
const raceEnabled = true
