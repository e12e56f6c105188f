package main

import (
	"context"
	"errors"
	"fmt"
	"sync"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"

	"github.com/eddy-workbench/eddy/nodekit"
)

// syncer runs a Counter's sync rounds against seq-kv.
type syncer struct {
	mu sync.Mutex
	c  *Counter
	kv *nodekit.KV
}

func (s *syncer) locked(f func(c *Counter)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s.c)
}

// key is where node id keeps its share.
func key(id string) string { return "counter/" + id }

// round restores the node's share if that has not happened yet, writes the
// share, then reads every peer's, in parallel. A call that fails or times
// out is retried by the next round.
func (s *syncer) round(ctx context.Context, self string, peers []string) error {
	var restored bool
	s.locked(func(c *Counter) { restored = c.Restored() })
	if !restored {
		r, found, err := s.read(ctx, self)
		if err != nil {
			return fmt.Errorf("restoring %s: %w", key(self), err)
		}
		s.locked(func(c *Counter) { c.Restore(r, found) })
	}
	var rec Record
	s.locked(func(c *Counter) { rec, _ = c.NextWrite() })
	if err := s.kv.Write(ctx, key(self), rec); err != nil {
		return fmt.Errorf("writing %s: %w", key(self), err)
	}
	errs := make([]error, len(peers))
	var wg sync.WaitGroup
	for i, peer := range peers {
		wg.Go(func() {
			r, found, err := s.read(ctx, peer)
			if err != nil {
				errs[i] = fmt.Errorf("reading %s: %w", key(peer), err)
			} else if found {
				s.locked(func(c *Counter) { c.Observe(peer, r) })
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// read reads node id's record; found is false if the key does not exist yet.
func (s *syncer) read(ctx context.Context, id string) (r Record, found bool, err error) {
	err = s.kv.Read(ctx, key(id), &r)
	if nodekit.IsCode(err, maelstrom.KeyDoesNotExist) {
		return Record{}, false, nil
	}
	return r, err == nil, err
}
