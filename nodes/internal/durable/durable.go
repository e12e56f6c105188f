// Package durable is the one interface through which a consensus node keeps
// what it must not forget across a restart (Raft: the current term, the
// vote and the log; Multi-Paxos: the promised ballot and the accepted
// values), and two implementations of it: in memory (Memory), and in a
// file of the node's directory, which outlives its process (File). A node
// makes each change durable before it sends a message or answers a client
// that depends on it.
package durable

import "sync"

// Update is one change to durable state: a new hard state (if Hard is not
// nil), records written at consecutive indexes from First (indexes start
// at 1), and, if Truncate, every record after the last one written
// dropped.
type Update[H, R any] struct {
	Hard     *H
	First    uint64
	Records  []R
	Truncate bool
}

// Empty reports whether the update changes nothing.
func (u Update[H, R]) Empty() bool { return u.Hard == nil && len(u.Records) == 0 && !u.Truncate }

// State is everything a store holds: the hard state and the records,
// Records[i] being the record at index i+1. An index never written holds
// the zero R.
type State[H, R any] struct {
	Hard    H
	Records []R
}

// Store keeps a node's durable state.
type Store[H, R any] interface {
	// Save makes an update durable; it returns once it is.
	Save(u Update[H, R]) error
	// Load returns what the store holds.
	Load() (State[H, R], error)
}

// Memory is a Store in memory: it survives a restart of the protocol core
// within one process (which is how the tests crash and restart nodes), not
// of the process.
type Memory[H, R any] struct {
	mu sync.Mutex
	st State[H, R]
}

// Save applies u.
func (m *Memory[H, R]) Save(u Update[H, R]) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if u.Hard != nil {
		m.st.Hard = *u.Hard
	}
	if len(u.Records) > 0 || u.Truncate {
		if u.First == 0 {
			u.First = 1
		}
		end := int(u.First) - 1 + len(u.Records)
		for len(m.st.Records) < end {
			var zero R
			m.st.Records = append(m.st.Records, zero)
		}
		copy(m.st.Records[u.First-1:], u.Records)
		if u.Truncate {
			clear(m.st.Records[end:])
			m.st.Records = m.st.Records[:end]
		}
	}
	return nil
}

// Load returns a copy of the state.
func (m *Memory[H, R]) Load() (State[H, R], error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return State[H, R]{Hard: m.st.Hard, Records: append([]R(nil), m.st.Records...)}, nil
}
