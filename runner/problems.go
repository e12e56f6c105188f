package runner

import (
	"fmt"
	"sync"
)

// problems collects one-line diagnoses of what nodes did wrong. The first
// diagnosis of each kind per node is logged at once; repeats are counted.
type problems struct {
	log func(format string, args ...any)

	mu    sync.Mutex
	first map[string]int // node+kind → index in list
	list  []problem
}

type problem struct {
	text  string
	count int
}

func newProblems(log func(string, ...any)) *problems {
	return &problems{log: log, first: map[string]int{}}
}

// add records a diagnosis. kind groups repeats of the same misbehaviour.
func (p *problems) add(node, kind, text string) {
	key := node + "\x00" + kind
	p.mu.Lock()
	i, seen := p.first[key]
	if seen {
		p.list[i].count++
	} else {
		p.first[key] = len(p.list)
		p.list = append(p.list, problem{text: text, count: 1})
	}
	p.mu.Unlock()
	if !seen {
		p.log("%s", text)
	}
}

// lines returns each diagnosis, with how many more times it happened.
func (p *problems) lines() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]string, len(p.list))
	for i, pr := range p.list {
		out[i] = pr.text
		if pr.count > 1 {
			out[i] = fmt.Sprintf("%s (%d times)", pr.text, pr.count)
		}
	}
	return out
}

// truncate shortens a line for a diagnosis.
func truncate(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return fmt.Sprintf("%s… (%d bytes)", b[:n], len(b))
}
