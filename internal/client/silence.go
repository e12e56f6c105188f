package client

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Silence counts, per node and request type, the requests clients sent, those
// that timed out with no reply, and those among them the node answered
// later, so that a node that never replies can be named. A request that
// timed out while the nemesis had its node down or paused at some point is
// not the node's doing: it is excused, counted apart and never named. It is
// safe for concurrent use; the zero value is ready.
type Silence struct {
	mu       sync.Mutex
	counts   map[silenceKey]*silenceCount
	timedOut map[request]silenceKey // requests that timed out, until a late reply
	faults   map[string]*nodeFault
}

// nodeFault is when the nemesis last took a node out (killed or paused it)
// and brought it back.
type nodeFault struct {
	out      bool
	lastBack time.Time
}

type silenceKey struct{ node, typ string }

type silenceCount struct {
	sent, timedOut, late int
	excused              int           // timed out while the node was out
	timeout              time.Duration // the longest timeout among them
}

// request names one request: the client that sent it and its msg_id.
type request struct {
	client string
	msgID  int64
}

func (s *Silence) count(k silenceKey) *silenceCount {
	if s.counts == nil {
		s.counts = map[silenceKey]*silenceCount{}
		s.timedOut = map[request]silenceKey{}
	}
	c, ok := s.counts[k]
	if !ok {
		c = &silenceCount{}
		s.counts[k] = c
	}
	return c
}

// Sent records a request of type typ to node.
func (s *Silence) Sent(node, typ string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.count(silenceKey{node, typ}).sent++
}

// Out records that the nemesis has taken node out (killed or paused it);
// Back that it has brought it back.
func (s *Silence) Out(node string) { s.setOut(node, true) }

// Back records that node runs again after Out.
func (s *Silence) Back(node string) { s.setOut(node, false) }

func (s *Silence) setOut(node string, out bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.faults == nil {
		s.faults = map[string]*nodeFault{}
	}
	f := s.faults[node]
	if f == nil {
		f = &nodeFault{}
		s.faults[node] = f
	}
	if f.out && !out {
		f.lastBack = time.Now()
	}
	f.out = out
}

// TimedOut records that client's request msgID of type typ to node got no
// reply within timeout (it was sent timeout ago).
func (s *Silence) TimedOut(client string, msgID int64, node, typ string, timeout time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := silenceKey{node, typ}
	c := s.count(k)
	if f := s.faults[node]; f != nil && (f.out || !f.lastBack.Before(time.Now().Add(-timeout))) {
		c.excused++ // the node was out at some point of the wait
		return
	}
	c.timedOut++
	c.timeout = max(c.timeout, timeout)
	s.timedOut[request{client, msgID}] = k
}

// Late records a reply to client's request msgID; it counts only if that
// request had timed out, and only once.
func (s *Silence) Late(client string, msgID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := request{client, msgID}
	if k, ok := s.timedOut[r]; ok {
		s.counts[k].late++
		delete(s.timedOut, r)
	}
}

// Silent is one node's silence on one request type.
type Silent struct {
	Node, Type string
	// Sent requests, of which TimedOut got no reply in time, of which Late
	// were answered after the client had given up.
	Sent, TimedOut, Late int
	Timeout              time.Duration
}

// String is the diagnosis, e.g. "node n0 never replied to 1 of 1 echo
// requests (timed out after 5 s)".
func (s Silent) String() string {
	never := s.TimedOut - s.Late
	after := seconds(s.Timeout)
	switch {
	case s.Late == 0:
		return fmt.Sprintf("node %s never replied to %d of %d %s requests (timed out after %s)", s.Node, never, s.Sent, s.Type, after)
	case never == 0:
		return fmt.Sprintf("node %s replied to %d of %d %s requests only after the client had timed out (%s)", s.Node, s.Late, s.Sent, s.Type, after)
	}
	return fmt.Sprintf("node %s never replied to %d of %d %s requests (timed out after %s), and replied to %d more only after the client had timed out", s.Node, never, s.Sent, s.Type, after, s.Late)
}

// Silences lists every node and request type with a request that timed
// out: nodes in the order of nodes (others after, by name), then types by
// name.
func (s *Silence) Silences(nodes []string) []Silent {
	s.mu.Lock()
	defer s.mu.Unlock()
	rank := map[string]int{}
	for i, n := range nodes {
		rank[n] = i
	}
	var out []Silent
	for k, c := range s.counts {
		if c.timedOut > 0 {
			out = append(out, Silent{Node: k.node, Type: k.typ, Sent: c.sent, TimedOut: c.timedOut, Late: c.late, Timeout: c.timeout})
		}
	}
	slices.SortFunc(out, func(a, b Silent) int {
		ra, aok := rank[a.Node]
		rb, bok := rank[b.Node]
		switch {
		case aok && bok && ra != rb:
			return cmp.Compare(ra, rb)
		case aok != bok:
			if aok {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(a.Node, b.Node), cmp.Compare(a.Type, b.Type))
	})
	return out
}

// seconds formats d as "5 s" or "0.5 s".
func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'g', -1, 64) + " s"
}
