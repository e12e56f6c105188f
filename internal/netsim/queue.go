package netsim

import (
	"container/heap"
	"sync"
	"sync/atomic"
	"time"
)

// endpoint is one registered participant: its delivery queue and its
// stripe of the journal.
type endpoint struct {
	id      string
	handler Handler
	wake    chan struct{}
	stop    chan struct{}
	state   atomic.Int32 // stateUp, statePaused or stateCrashed

	mu    sync.Mutex
	queue queue

	jmu    sync.Mutex
	events []Event
}

type item struct {
	msg      Message
	deadline time.Time
}

// queue is a min-heap by deadline, then by message id.
type queue []item

func (q queue) Len() int { return len(q) }
func (q queue) Less(i, j int) bool {
	if !q[i].deadline.Equal(q[j].deadline) {
		return q[i].deadline.Before(q[j].deadline)
	}
	return q[i].msg.ID < q[j].msg.ID
}
func (q queue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *queue) Push(x any)   { *q = append(*q, x.(item)) }
func (q *queue) Pop() any {
	old := *q
	it := old[len(old)-1]
	old[len(old)-1] = item{}
	*q = old[:len(old)-1]
	return it
}

func (e *endpoint) push(it item) {
	e.mu.Lock()
	heap.Push(&e.queue, it)
	e.mu.Unlock()
	e.poke()
}

// poke wakes the delivery goroutine if it waits.
func (e *endpoint) poke() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

func (e *endpoint) pop() (item, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.queue) == 0 {
		return item{}, false
	}
	return heap.Pop(&e.queue).(item), true
}

func (e *endpoint) snapshot() []Event {
	e.jmu.Lock()
	defer e.jmu.Unlock()
	return append([]Event(nil), e.events...)
}
