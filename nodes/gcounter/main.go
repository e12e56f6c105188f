// Command gcounter is a Maelstrom node for the g-counter and pn-counter
// workloads (Gossip Glomers challenge 4). Its state lives in Maelstrom's
// seq-kv service: each node keeps its share of the counter under its own key
// and only ever writes that key, so no compare-and-set is needed.
//
// Adds and reads are answered at once from memory; service round trips stay
// off that path. Once per sync interval (-sync, default 1s) a node writes
// its share to seq-kv and then reads every peer's share (counter.go explains
// why those reads are fresh). With n nodes a round costs 2n messages,
// whatever the rate of client operations. At start a node reads its own key
// back, so a restarted node continues from its earlier share.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"sync"
	"time"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"
)

func main() {
	fs := flag.NewFlagSet("gcounter", flag.ContinueOnError)
	interval := fs.Duration("sync", time.Second, "how often to write this node's share to seq-kv and read the others'")
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	if *interval <= 0 {
		fmt.Fprintln(os.Stderr, "gcounter: -sync must be positive")
		os.Exit(2)
	}
	s := newServer(maelstrom.NewNode(), *interval)
	if err := s.node.Run(); err != nil {
		log.Fatal(err)
	}
}

// service is the key-value service holding the counter.
const service = maelstrom.SeqKV

// rpcTimeout bounds every service call; a call that times out is retried by
// the next round.
const rpcTimeout = time.Second

// server wires a Counter to the node and to seq-kv.
type server struct {
	node     *maelstrom.Node
	interval time.Duration
	start    sync.Once

	mu      sync.Mutex
	counter *Counter
}

func newServer(n *maelstrom.Node, interval time.Duration) *server {
	s := &server{node: n, interval: interval, counter: NewCounter()}
	n.Handle("init", func(maelstrom.Message) error {
		s.start.Do(func() { go s.syncLoop() })
		return nil
	})
	n.Handle("add", func(msg maelstrom.Message) error {
		var req struct {
			Delta *int64 `json:"delta"`
		}
		if err := json.Unmarshal(msg.Body, &req); err != nil || req.Delta == nil {
			return maelstrom.NewRPCError(maelstrom.MalformedRequest, "add needs an integer delta")
		}
		s.mu.Lock()
		s.counter.Add(*req.Delta)
		s.mu.Unlock()
		return n.Reply(msg, map[string]any{"type": "add_ok"})
	})
	n.Handle("read", func(msg maelstrom.Message) error {
		s.mu.Lock()
		v := s.counter.Value()
		s.mu.Unlock()
		return n.Reply(msg, map[string]any{"type": "read_ok", "value": v})
	})
	return s
}

// key is where node id keeps its share.
func key(id string) string { return "counter/" + id }

// syncLoop runs a sync round every interval, for the life of the process.
func (s *server) syncLoop() {
	for range time.Tick(s.interval) {
		if err := s.round(); err != nil {
			log.Printf("sync round: %v", err)
		}
	}
}

// round restores the node's share if that has not happened yet, writes the
// share, then reads every peer's.
func (s *server) round() error {
	self := s.node.ID()
	s.mu.Lock()
	restored := s.counter.Restored()
	s.mu.Unlock()
	if !restored {
		r, found, err := s.read(self)
		if err != nil {
			return fmt.Errorf("restoring %s: %w", key(self), err)
		}
		s.mu.Lock()
		s.counter.Restore(r, found)
		s.mu.Unlock()
	}

	s.mu.Lock()
	rec, _ := s.counter.NextWrite()
	s.mu.Unlock()
	if _, err := s.call(map[string]any{"type": "write", "key": key(self), "value": rec}); err != nil {
		return fmt.Errorf("writing %s: %w", key(self), err)
	}

	var wg sync.WaitGroup
	errs := make(chan error, len(s.node.NodeIDs()))
	for _, peer := range s.node.NodeIDs() {
		if peer == self {
			continue
		}
		wg.Go(func() {
			r, found, err := s.read(peer)
			if err != nil {
				errs <- fmt.Errorf("reading %s: %w", key(peer), err)
				return
			}
			if found {
				s.mu.Lock()
				s.counter.Observe(peer, r)
				s.mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	return errors.Join(collect(errs)...)
}

// read reads node id's record; found is false if the key does not exist yet.
func (s *server) read(id string) (r Record, found bool, err error) {
	reply, err := s.call(map[string]any{"type": "read", "key": key(id)})
	if maelstrom.ErrorCode(err) == maelstrom.KeyDoesNotExist {
		return Record{}, false, nil
	}
	if err != nil {
		return Record{}, false, err
	}
	var body struct {
		Value Record `json:"value"`
	}
	if err := json.Unmarshal(reply.Body, &body); err != nil {
		return Record{}, false, fmt.Errorf("unexpected read_ok %s: %w", reply.Body, err)
	}
	return body.Value, true, nil
}

var errTimeout = errors.New("no reply in time")

// call sends one request to the service and waits up to rpcTimeout. The
// reply channel has room for the reply, so a reply arriving after the
// timeout never blocks the library's callback.
func (s *server) call(body map[string]any) (maelstrom.Message, error) {
	replies := make(chan maelstrom.Message, 1)
	err := s.node.RPC(service, body, func(m maelstrom.Message) error {
		replies <- m
		return nil
	})
	if err != nil {
		return maelstrom.Message{}, err
	}
	select {
	case m := <-replies:
		if rpcErr := m.RPCError(); rpcErr != nil {
			return m, rpcErr
		}
		return m, nil
	case <-time.After(rpcTimeout):
		return maelstrom.Message{}, errTimeout
	}
}

func collect(errs <-chan error) []error {
	var out []error
	for err := range errs {
		out = append(out, err)
	}
	return out
}
