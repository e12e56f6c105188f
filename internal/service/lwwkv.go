package service

import (
	"encoding/json"
)

// lwwReplicas is how many replicas lww-kv keeps.
const lwwReplicas = 2

// LWWKV is the lww-kv service: last-write-wins registers on two replicas.
//
// Each replica maps keys to a value and the stamp of the write that put it
// there; one service-wide counter stamps every write and successful cas,
// so stamps are unique and later writes carry higher stamps. Each request
// first merges a uniformly chosen replica into another (possibly the same
// one), the higher stamp winning per key, and is then applied to a
// uniformly chosen replica; the choices come from the requester's own
// stream. Reads can therefore be stale, replicas
// converge as merges happen, and a later write beats an earlier one once
// they meet. cas ignores create_if_not_exists: a missing key is always
// error 20.
//
// Maelstrom computes the same merge but discards it, so its replicas never
// converge; here the merge is kept.
type LWWKV struct {
	rng      streams
	clock    int64
	replicas [lwwReplicas]map[string]lwwEntry
	// pending[i] holds the keys replica i may hold newer than the other
	// replica, so a merge need not scan the whole map.
	pending [lwwReplicas]map[string]struct{}
}

// lwwEntry is a stamped value.
type lwwEntry struct {
	ts  int64
	val string
}

// NewLWWKV returns an empty lww-kv drawing its replica picks from seed.
func NewLWWKV(seed uint64) *LWWKV {
	s := &LWWKV{rng: newStreams(seed, "lww-kv")}
	for i := range s.replicas {
		s.replicas[i] = map[string]lwwEntry{}
		s.pending[i] = map[string]struct{}{}
	}
	return s
}

// Handle serves one read, write or cas request; see Service.
func (s *LWWKV) Handle(src string, body []byte) ([]byte, string) {
	return respond("lww-kv", body, func(typ string, fields map[string]json.RawMessage) result {
		op, bad := parseKV("lww-kv", typ, fields)
		if bad != nil {
			return *bad
		}
		op.create = false
		rng := s.rng.get(src)
		s.merge(rng.IntN(lwwReplicas), rng.IntN(lwwReplicas))
		i := rng.IntN(lwwReplicas)
		rep := s.replicas[i]
		r, store := op.eval(func(k string) (string, bool) { e, ok := rep[k]; return e.val, ok })
		if store {
			rep[op.key] = lwwEntry{ts: s.clock, val: op.value}
			s.clock++
			s.pending[i][op.key] = struct{}{}
		}
		return r
	})
}

// merge brings replica dst up to date with replica src, key by key.
func (s *LWWKV) merge(src, dst int) {
	if src == dst {
		return
	}
	from, to := s.replicas[src], s.replicas[dst]
	for k := range s.pending[src] {
		if e, ok := to[k]; !ok || from[k].ts > e.ts {
			to[k] = from[k]
		}
	}
	clear(s.pending[src])
}
