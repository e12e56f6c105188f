// Package netsim is Maelstrom's simulated network: endpoints (nodes, clients,
// services) with one delivery queue each, ordered by delivery deadline;
// latency on node↔node and node↔service messages; partitions decided when a
// message reaches the head of its queue; endpoints that are crashed (their
// messages dropped) or paused (their messages held) while the nemesis has
// their process killed or stopped; a journal of every send, delivery and
// drop to a crashed endpoint; and the counts behind results' :net
// statistics.
//
// Messages are routed as bytes: the network never decodes a body.
package netsim

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eddy-workbench/eddy/internal/seeded"
)

// Dist is a latency distribution.
type Dist string

// The latency distributions of --latency-dist.
const (
	Constant    Dist = "constant"
	Uniform     Dist = "uniform"
	Exponential Dist = "exponential"
)

// ParseDist checks a --latency-dist value.
func ParseDist(s string) (Dist, error) {
	switch d := Dist(s); d {
	case Constant, Uniform, Exponential:
		return d, nil
	}
	return "", fmt.Errorf("unknown latency distribution %q (expected constant, uniform or exponential)", s)
}

// Config sets up a network.
type Config struct {
	// Latency is the mean latency of messages between non-clients, in whole
	// milliseconds as Maelstrom draws them.
	Latency time.Duration
	Dist    Dist
	// Seed is the seed of the latency draws: the i-th message a source
	// sends a destination (with neither a client) takes the i-th draw of
	// the stream named for the link (seeded.Stream, "latency" and the two
	// ids), whatever happens on other links meanwhile.
	Seed uint64
	// Start is time zero of the journal.
	Start time.Time
	// OnEvent, if set, is called for every journal event (for --log-net-send
	// and --log-net-recv); it must be cheap and safe for concurrent use.
	OnEvent func(Event)
	// MaxJournal caps the events the journal keeps in memory (0 means
	// DefaultMaxJournal); later events are counted but not kept. The message
	// counts behind Stats are exact whatever the cap.
	MaxJournal int64
}

// DefaultMaxJournal is the default cap on journal events: a few hundred MB
// at most, reached only by a node that floods the network.
const DefaultMaxJournal = 4_000_000

// Message is one message in flight.
type Message struct {
	ID   int64
	Src  string
	Dest string
	Body []byte // never modified by the network
}

// Handler receives the messages delivered to an endpoint, one at a time,
// from that endpoint's delivery goroutine.
type Handler func(Message)

// Partition says which links are cut: Cut(src, dest) is true when dest drops
// messages from src.
type Partition interface {
	Cut(src, dest string) bool
}

// EventKind is send, recv or drop.
type EventKind uint8

// The journal's event kinds.
const (
	Send EventKind = iota
	Recv
	// Drop is a message the network threw away instead of delivering it,
	// for the reason in Event.Fate. Messages cut by a partition are not
	// journaled as drops (as in Maelstrom, they are sent and never
	// received).
	Drop
)

func (k EventKind) String() string {
	switch k {
	case Send:
		return "send"
	case Recv:
		return "recv"
	}
	return "drop"
}

// FateCrashed is the Fate of a message that was due while its destination
// was crashed (its process killed by the nemesis and not yet restarted).
const FateCrashed = "to crashed node"

// Event is one entry of the journal.
type Event struct {
	Seq  int64 // position in the journal (linear time)
	Time int64 // nanoseconds since Config.Start
	Kind EventKind
	Msg  Message
	// Fate says why a Drop event's message was dropped (FateCrashed).
	Fate string
}

// Counts are the statistics of one class of messages.
type Counts struct {
	SendCount, RecvCount, MsgCount int64
}

// Stats are the network statistics of a run: all messages, those with a
// client at either end, and the rest (node↔node and node↔service).
type Stats struct {
	All, Clients, Servers Counts
}

// Errors of Send. The text is completed by the caller with the message.
var (
	ErrUnknownSrc  = errors.New("unknown source")
	ErrUnknownDest = errors.New("unknown destination")
	ErrClosedDest  = errors.New("destination is closed")
	ErrClosedSrc   = errors.New("source is closed")
	// ErrCrashedSrc: the source is crashed (see Network.Crash); what it
	// sends is lost.
	ErrCrashedSrc = errors.New("source is crashed")
)

// IsClient reports whether an id names a client: like Maelstrom, any id that
// starts with "c".
func IsClient(id string) bool { return len(id) > 0 && id[0] == 'c' }

// Network routes messages between registered endpoints.
type Network struct {
	cfg Config

	mu        sync.RWMutex
	endpoints map[string]*endpoint
	retired   map[string]bool // ids that were registered once and are closed now
	all       []*endpoint     // every endpoint ever registered, for the journal

	nextID  atomic.Int64
	nextSeq atomic.Int64
	part    atomic.Pointer[partitionBox]

	linkMu sync.Mutex
	links  map[link]*rand.Rand // each link's latency stream

	// counters, indexed by class (0 clients, 1 servers)
	sends, recvs [2]atomic.Int64
	// unjournaled counts the events past MaxJournal.
	unjournaled atomic.Int64

	wg     sync.WaitGroup
	closed chan struct{}
	once   sync.Once
}

type partitionBox struct{ p Partition }

// New creates a network.
func New(cfg Config) *Network {
	if cfg.Dist == "" {
		cfg.Dist = Constant
	}
	if cfg.Start.IsZero() {
		cfg.Start = time.Now()
	}
	if cfg.MaxJournal <= 0 {
		cfg.MaxJournal = DefaultMaxJournal
	}
	return &Network{
		cfg:       cfg,
		endpoints: map[string]*endpoint{},
		retired:   map[string]bool{},
		links:     map[link]*rand.Rand{},
		closed:    make(chan struct{}),
	}
}

// Register adds an endpoint and starts its delivery goroutine. Registering
// an id that is already registered is an error.
func (n *Network) Register(id string, h Handler) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	select {
	case <-n.closed:
		return errors.New("network is closed")
	default:
	}
	if _, ok := n.endpoints[id]; ok {
		return fmt.Errorf("endpoint %q is already registered", id)
	}
	e := &endpoint{id: id, handler: h, wake: make(chan struct{}, 1), stop: make(chan struct{})}
	n.endpoints[id] = e
	n.all = append(n.all, e)
	delete(n.retired, id)
	n.wg.Add(1)
	go n.deliver(e)
	return nil
}

// Deregister removes an endpoint: its queued messages are dropped, and later
// messages to or from it are refused. A message already being handled
// completes.
func (n *Network) Deregister(id string) {
	n.mu.Lock()
	e, ok := n.endpoints[id]
	if ok {
		delete(n.endpoints, id)
		n.retired[id] = true
	}
	n.mu.Unlock()
	if ok {
		close(e.stop)
	}
}

// The states of an endpoint (endpoint.state).
const (
	stateUp int32 = iota
	statePaused
	stateCrashed
)

// Crash marks an endpoint as crashed, its process killed: every message due
// for delivery to it from now on, including those already queued, is
// dropped and journaled as a Drop with FateCrashed, and Send refuses its
// messages with ErrCrashedSrc. Its queue and registration stay; Restart
// undoes it. Crashing a paused endpoint ends the pause.
func (n *Network) Crash(id string) error {
	return n.setState(id, stateCrashed)
}

// Restart ends a crash: messages due for delivery from now on are
// delivered again, and the endpoint may send.
func (n *Network) Restart(id string) error {
	return n.setState(id, stateUp)
}

// Pause holds every delivery to an endpoint, its process stopped: messages
// keep queueing and are delivered, in their order, once Resume is called,
// their partition having been decided when they reached the head of the
// queue, as usual. The network does not hold what a paused endpoint sends:
// a stopped process sends nothing, and the caller holds what it may still
// read from one.
func (n *Network) Pause(id string) error {
	return n.setState(id, statePaused)
}

// Resume ends a pause (or a crash): held messages are delivered.
func (n *Network) Resume(id string) error {
	return n.setState(id, stateUp)
}

func (n *Network) setState(id string, st int32) error {
	n.mu.RLock()
	e := n.endpoints[id]
	n.mu.RUnlock()
	if e == nil {
		return fmt.Errorf("%w %q", ErrUnknownDest, id)
	}
	e.state.Store(st)
	e.poke()
	return nil
}

// SetPartition installs the links to cut; nil heals the network.
func (n *Network) SetPartition(p Partition) {
	if p == nil {
		n.part.Store(nil)
		return
	}
	n.part.Store(&partitionBox{p})
}

// Send puts a message on the network and returns its id. The source and the
// destination must be registered; the error wraps ErrUnknownSrc,
// ErrClosedSrc, ErrUnknownDest or ErrClosedDest.
func (n *Network) Send(src, dest string, body []byte) (int64, error) {
	n.mu.RLock()
	s, dst := n.endpoints[src], n.endpoints[dest]
	var srcRetired, destRetired bool
	if s == nil || dst == nil {
		srcRetired, destRetired = n.retired[src], n.retired[dest]
	}
	n.mu.RUnlock()
	switch {
	case s == nil && srcRetired:
		return 0, fmt.Errorf("%w %q", ErrClosedSrc, src)
	case s == nil:
		return 0, fmt.Errorf("%w %q", ErrUnknownSrc, src)
	case dst == nil && destRetired:
		return 0, fmt.Errorf("%w %q", ErrClosedDest, dest)
	case dst == nil:
		return 0, fmt.Errorf("%w %q", ErrUnknownDest, dest)
	case s.state.Load() == stateCrashed:
		return 0, fmt.Errorf("%w %q", ErrCrashedSrc, src)
	}
	m := Message{ID: n.nextID.Add(1) - 1, Src: src, Dest: dest, Body: body}
	now := time.Now()
	n.sends[class(src, dest)].Add(1)
	n.journal(s, Send, m, now)
	deadline := now
	if !IsClient(src) && !IsClient(dest) {
		deadline = now.Add(n.latency(src, dest))
	}
	dst.push(item{msg: m, deadline: deadline})
	return m.ID, nil
}

func class(src, dest string) int {
	if IsClient(src) || IsClient(dest) {
		return 0
	}
	return 1
}

// link is a directed pair of endpoints.
type link struct{ src, dest string }

// latency draws the next latency of the link src→dest from the link's own
// stream, truncated to whole milliseconds as Maelstrom does.
func (n *Network) latency(src, dest string) time.Duration {
	mean := n.cfg.Latency.Milliseconds()
	if mean <= 0 {
		return 0
	}
	var ms int64
	switch n.cfg.Dist {
	case Uniform:
		n.linkMu.Lock()
		ms = n.stream(src, dest).Int64N(2 * mean)
		n.linkMu.Unlock()
	case Exponential:
		n.linkMu.Lock()
		ms = int64(n.stream(src, dest).ExpFloat64() * float64(mean))
		n.linkMu.Unlock()
	default:
		ms = mean
	}
	return time.Duration(ms) * time.Millisecond
}

// stream is the latency stream of src→dest; linkMu must be held.
func (n *Network) stream(src, dest string) *rand.Rand {
	l := link{src, dest}
	r, ok := n.links[l]
	if !ok {
		r = seeded.Stream(n.cfg.Seed, "latency "+strconv.Quote(src)+" "+strconv.Quote(dest))
		n.links[l] = r
	}
	return r
}

func (n *Network) cut(src, dest string) bool {
	b := n.part.Load()
	return b != nil && b.p.Cut(src, dest)
}

func (n *Network) journal(e *endpoint, kind EventKind, m Message, at time.Time) {
	n.journalEvent(e, Event{Kind: kind, Msg: m}, at)
}

func (n *Network) journalEvent(e *endpoint, ev Event, at time.Time) {
	ev.Seq, ev.Time = n.nextSeq.Add(1)-1, at.Sub(n.cfg.Start).Nanoseconds()
	if ev.Seq < n.cfg.MaxJournal {
		e.jmu.Lock()
		e.events = append(e.events, ev)
		e.jmu.Unlock()
	} else {
		n.unjournaled.Add(1)
	}
	if n.cfg.OnEvent != nil {
		n.cfg.OnEvent(ev)
	}
}

// deliver is an endpoint's delivery goroutine: it takes the earliest-deadline
// message, drops it if its link is cut at that moment, otherwise waits out its
// latency, and, once the endpoint is not paused, hands it to the handler — or
// drops it if the endpoint is crashed.
func (n *Network) deliver(e *endpoint) {
	defer n.wg.Done()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		it, ok := e.pop()
		if !ok {
			select {
			case <-e.wake:
				continue
			case <-e.stop:
				return
			case <-n.closed:
				return
			}
		}
		if n.cut(it.msg.Src, e.id) {
			continue
		}
		if wait := time.Until(it.deadline); wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-e.stop:
				return
			case <-n.closed:
				return
			}
		}
		// A paused endpoint takes nothing until it resumes; the message
		// waits, and the queue behind it.
		for e.state.Load() == statePaused {
			select {
			case <-e.wake:
			case <-e.stop:
				return
			case <-n.closed:
				return
			}
		}
		// A message that is already due never reaches the selects above:
		// check here so that Deregister and Close drop it instead of
		// delivering the rest of the queue.
		select {
		case <-e.stop:
			return
		case <-n.closed:
			return
		default:
		}
		if e.state.Load() == stateCrashed {
			n.journalEvent(e, Event{Kind: Drop, Msg: it.msg, Fate: FateCrashed}, time.Now())
			continue
		}
		n.recvs[class(it.msg.Src, e.id)].Add(1)
		n.journal(e, Recv, it.msg, time.Now())
		e.handler(it.msg)
	}
}

// Stats returns the message counts so far.
func (n *Network) Stats() Stats {
	var s Stats
	c := Counts{SendCount: n.sends[0].Load(), RecvCount: n.recvs[0].Load()}
	c.MsgCount = c.SendCount
	v := Counts{SendCount: n.sends[1].Load(), RecvCount: n.recvs[1].Load()}
	v.MsgCount = v.SendCount
	s.Clients, s.Servers = c, v
	s.All = Counts{SendCount: c.SendCount + v.SendCount, RecvCount: c.RecvCount + v.RecvCount, MsgCount: c.MsgCount + v.MsgCount}
	return s
}

// Unjournaled is the number of events past the journal's cap, which the
// journal does not hold.
func (n *Network) Unjournaled() int64 { return n.unjournaled.Load() }

// Journal returns every event so far in journal order (up to the cap).
func (n *Network) Journal() []Event {
	n.mu.RLock()
	eps := n.all
	n.mu.RUnlock()
	var all []Event
	for _, e := range eps {
		all = append(all, e.snapshot()...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Seq < all[j].Seq })
	return all
}

// Close stops every delivery goroutine and waits for them. Messages still
// queued are dropped.
func (n *Network) Close() {
	n.once.Do(func() { close(n.closed) })
	n.wg.Wait()
}
