package main

import (
	"strings"
	"sync"
	"testing"
)

func TestUniqueMillion(t *testing.T) {
	const n = 1_000_000
	g := New("n0", "3kx9q2m1zl0ab")
	seen := make(map[string]struct{}, n)
	maxLen := 0
	for range n {
		id := g.Next()
		if _, dup := seen[id]; dup {
			t.Fatalf("duplicate ID %q", id)
		}
		seen[id] = struct{}{}
		maxLen = max(maxLen, len(id))
	}
	if maxLen > 24 {
		t.Errorf("longest ID is %d bytes, want short IDs", maxLen)
	}
}

func TestDistinctAcrossBootsAndNodes(t *testing.T) {
	gens := []*Generator{
		New("n0", "aaa"),
		New("n0", "aab"), // the same node restarted
		New("n1", "aaa"), // another node with the same boot token
		New("n0-a", "aa"),
		New("n", "0"),
	}
	seen := map[string]int{}
	for i, g := range gens {
		for range 100_000 {
			id := g.Next()
			if j, dup := seen[id]; dup {
				t.Fatalf("ID %q from generator %d already issued by generator %d", id, i, j)
			}
			seen[id] = i
		}
	}
}

func TestNewRejectsBadBoot(t *testing.T) {
	for _, boot := range []string{"", "a-b", "-"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("New(n0, %q) did not panic", boot)
				}
			}()
			New("n0", boot)
		}()
	}
}

// TestParse checks the injectivity argument: an ID splits back into its
// node, boot and sequence at its last two dashes.
func TestParse(t *testing.T) {
	for _, c := range []struct{ node, boot string }{{"n0", "zz"}, {"a-b-c", "q"}, {"", "x"}} {
		id := New(c.node, c.boot).Next()
		i := strings.LastIndexByte(id, '-')
		j := strings.LastIndexByte(id[:i], '-')
		if node, boot, seq := id[:j], id[j+1:i], id[i+1:]; node != c.node || boot != c.boot || seq != "1" {
			t.Errorf("%q splits into (%q, %q, %q), want (%q, %q, 1)", id, node, boot, seq, c.node, c.boot)
		}
	}
}

func TestConcurrent(t *testing.T) {
	const workers, each = 8, 20_000
	g := New("n3", "boot")
	out := make([][]string, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for range each {
				out[w] = append(out[w], g.Next())
			}
		})
	}
	wg.Wait()
	seen := make(map[string]struct{}, workers*each)
	for _, ids := range out {
		for _, id := range ids {
			if _, dup := seen[id]; dup {
				t.Fatalf("duplicate ID %q", id)
			}
			seen[id] = struct{}{}
		}
	}
	if len(seen) != workers*each {
		t.Fatalf("got %d IDs, want %d", len(seen), workers*each)
	}
}

func TestNewBoot(t *testing.T) {
	a, b := newBoot(), newBoot()
	if a == b || a == "" || strings.Contains(a, "-") || len(a) > 13 {
		t.Errorf("newBoot() = %q, %q; want distinct base-36 tokens", a, b)
	}
}
