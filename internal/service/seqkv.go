package service

import (
	"encoding/json"
	"sort"
)

// seqVersions is how many versions of the map seq-kv retains.
const seqVersions = 32

// SeqKV is the seq-kv service: sequentially consistent, with staleness.
//
// It retains the last 32 versions of the map (version 0 is the empty map)
// and remembers, per caller, the newest version that caller has been shown.
// A request from caller c is evaluated against a version picked uniformly
// from [seen(c), newest], the pick drawn from c's own stream. If that leaves the version unchanged (a read, a
// failed cas, or storing a value the key already holds there), its result
// is the answer and the picked version becomes seen(c). Otherwise the
// request is evaluated again against the newest version, whose result
// becomes a new version (even when that second evaluation changes
// nothing), seen(c) becomes the new version, and the newest result is the
// answer.
//
// Maelstrom indexes its ring of versions modulo its length, so a caller
// more than 32 versions behind can be shown an arbitrary retained version
// and later an older one. Here seen(c) is raised to the oldest retained
// version first, so each caller's view never goes backwards.
//
// Versions are not copies of the map: each key keeps the values it took in
// the retained versions, plus the value it had before the oldest of them.
type SeqKV struct {
	rng  streams
	last int64                 // newest version
	keys map[string][]seqEntry // per key, ascending by version
	seen map[string]int64      // per caller, the newest version shown
}

// seqEntry says a key took value val in version ver.
type seqEntry struct {
	ver int64
	val string
}

// NewSeqKV returns an empty seq-kv drawing its version picks from seed.
func NewSeqKV(seed uint64) *SeqKV {
	return &SeqKV{rng: newStreams(seed, "seq-kv"), keys: map[string][]seqEntry{}, seen: map[string]int64{}}
}

// Handle serves one read, write or cas request from caller src; see Service.
func (s *SeqKV) Handle(src string, body []byte) ([]byte, string) {
	return respond("seq-kv", body, func(typ string, fields map[string]json.RawMessage) result {
		op, bad := parseKV("seq-kv", typ, fields)
		if bad != nil {
			return *bad
		}
		from := max(s.seen[src], s.oldest())
		ver := from + s.rng.get(src).Int64N(s.last-from+1)
		r, changed := op.changes(s.at(ver))
		if !changed {
			s.seen[src] = ver
			return r
		}
		r, changed = op.changes(s.at(s.last))
		s.last++
		if changed {
			s.store(op.key, op.value)
		}
		s.seen[src] = s.last
		return r
	})
}

// oldest is the oldest retained version.
func (s *SeqKV) oldest() int64 { return max(0, s.last-seqVersions+1) }

// at returns a lookup of keys in version ver.
func (s *SeqKV) at(ver int64) func(key string) (string, bool) {
	return func(key string) (string, bool) {
		es := s.keys[key]
		i := sort.Search(len(es), func(i int) bool { return es[i].ver > ver })
		if i == 0 {
			return "", false
		}
		return es[i-1].val, true
	}
}

// store records that key took val in the newest version, and forgets the
// values no retained version can see.
func (s *SeqKV) store(key, val string) {
	es := append(s.keys[key], seqEntry{s.last, val})
	old, drop := s.oldest(), 0
	for drop+1 < len(es) && es[drop+1].ver <= old {
		drop++
	}
	if drop > 0 {
		es = append(es[:0], es[drop:]...)
	}
	s.keys[key] = es
}
