package checker

import (
	"cmp"
	"slices"
	"time"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/history"
)

// maxWorstStale is how many stale elements :worst-stale describes.
const maxWorstStale = 8

// SetFull is Jepsen's set-full checker as Maelstrom's broadcast and g-set
// workloads use it. add is the f of element additions ("broadcast" or
// "add"); reads have f "read" and an :ok read's Value is the []any of
// elements read. strict makes duplicate elements in a read invalid.
//
// Client ops are taken in history order. An add invocation starts tracking
// its element afresh; its :ok completion makes the element known, unless
// something already did. Every :ok read completion then updates every
// element tracked so far: an element it contains becomes known (if it was
// not yet) and its last-present read is the read's invocation if that has
// the largest index so far; an element it lacks gets its last-absent read
// likewise. Other reads, and elements that were never added, are ignored.
//
// An element is stable if some read saw it and its last-present invocation
// comes after its last-absent one (if any); it is lost if it is known and
// its last-absent invocation comes after both its last-present one (if any)
// and the op that made it known; otherwise it was never read. Latencies are in
// whole milliseconds: for a stable element from the time it became known to
// just after its last-absent invocation (or to 0), for a lost one likewise
// to just after its last-present invocation, never negative.
//
// The findings, rendered, are
//
//	{:valid?            false if any element is lost, else :unknown if none
//	                    is stable, else true
//	 :attempt-count     elements added
//	 :stable-count :lost-count :lost :never-read-count :never-read
//	 :stale-count :stale  stable elements with a positive latency
//	 :worst-stale       up to 8 of those, the slowest first
//	 :stable-latencies  {0 p50 0.95 0.99 1} quantiles, if any are stable
//	 :lost-latencies    likewise, if any are lost
//	 :duplicated-count  elements seen more than once within a single read
//	 :duplicated        {element most-copies-in-one-read}, up to 48}
//
// Element lists are sorted, numbers numerically and anything else by its
// EDN text. Maelstrom's checker never reports duplicates; here they are
// reported, and make the result invalid only when strict is set.
//
// Rather than update every tracked element on every read, the checker
// records which reads saw each element and works out each element's last
// absent read at the end, so its cost grows with the total size of the
// reads rather than with reads × elements.
func SetFull(ops []history.Op, add string, strict bool) *check.SetFull {
	s := newSetFullState(ops, add)
	elems := s.tracked()
	return s.results(elems, strict)
}

// SetFullLatencies are the per-element latencies behind SetFull's
// :stable-latencies and :lost-latencies, in milliseconds, in element order:
// what a plot of their distribution needs.
func SetFullLatencies(ops []history.Op, add string) (stable, lost []int64) {
	s := newSetFullState(ops, add)
	for _, e := range s.tracked() {
		switch o := s.outcome(e); o.outcome {
		case "stable":
			stable = append(stable, o.stable)
		case "lost":
			lost = append(lost, o.lostLat)
		}
	}
	return stable, lost
}

// setElement is what the checker knows of one element. Op references are
// positions in setFullState.ops, or -1 for none.
type setElement struct {
	value any
	text  string // EDN text, for ordering
	start int    // :index of the add invocation that began tracking; -1 if never added

	known       int     // the op that made the element known
	lastPresent int     // the latest-invoked read that saw it
	absentEarly int     // the latest read invoked before start, completed after it, that missed it
	present     []int32 // the reads, completed since start, that saw it
	lastAbsent  int     // filled in at the end

	maxCopies int64 // the most times it appeared in one read
}

// setRead is an :ok read: the positions of its invocation and completion.
type setRead struct{ inv, comp int }

// openRead is a read invocation still waiting for its completion: the
// elements whose adds were invoked since it was.
type openRead struct{ added []int32 }

type setFullState struct {
	ops   []history.Op // client ops only
	elems []*setElement
	reads []setRead

	ints  map[int64]int32
	texts map[string]int32
	seen  []int32 // per element, 1 + the number of the last read that saw it
}

// at is the history index of the op at position p, or -1 for none.
func (s *setFullState) at(p int) int {
	if p < 0 {
		return -1
	}
	return s.ops[p].Index
}

// id returns the number of element v, creating it (untracked) if it is new.
// Integers are looked up without formatting them, as reads are mostly
// integers and there are many of them.
func (s *setFullState) id(v any) int32 {
	var n int64
	isInt := true
	switch x := v.(type) {
	case int:
		n = int64(x)
	case int64:
		n = x
	default:
		v = normalize(v)
		n, isInt = v.(int64)
	}
	if isInt {
		if id, ok := s.ints[n]; ok {
			return id
		}
		v = n
	}
	text := edn.String(v)
	if !isInt {
		if id, ok := s.texts[text]; ok {
			return id
		}
	}
	id := int32(len(s.elems))
	s.elems = append(s.elems, &setElement{value: v, text: text, start: -1, known: -1, lastPresent: -1, absentEarly: -1, lastAbsent: -1})
	s.seen = append(s.seen, 0)
	if isInt {
		s.ints[n] = id
	} else {
		s.texts[text] = id
	}
	return id
}

// newSetFullState makes the pass over the history: it tracks adds, and for
// every :ok read records which elements it saw, updating their known,
// last-present and (for reads that began before the add) last-absent ops.
func newSetFullState(all []history.Op, add string) *setFullState {
	s := &setFullState{ints: map[int64]int32{}, texts: map[string]int32{}}
	for _, op := range all {
		if op.IsClient() {
			s.ops = append(s.ops, op)
		}
	}
	invs := map[int]int{}            // process → position of its open invocation
	openReads := map[int]*openRead{} // process → its open read
	for p, op := range s.ops {
		if op.Type == history.Invoke {
			invs[op.Process] = p
			switch op.F {
			case add:
				id := s.id(op.Value)
				e := s.elems[id]
				e.start, e.known, e.lastPresent, e.absentEarly, e.present = op.Index, -1, -1, -1, nil
				for _, r := range openReads {
					r.added = append(r.added, id)
				}
			case "read":
				openReads[op.Process] = &openRead{}
			}
			continue
		}
		inv, paired := invs[op.Process]
		delete(invs, op.Process)
		open := openReads[op.Process]
		delete(openReads, op.Process)
		if op.Type != history.OK || !paired {
			continue
		}
		switch op.F {
		case add:
			e := s.elems[s.id(s.ops[inv].Value)]
			if e.start >= 0 && e.known < 0 {
				e.known = p
			}
		case "read":
			if open != nil {
				s.read(inv, p, open.added)
			}
		}
	}
	return s
}

// read takes in the :ok read completed at position comp and invoked at inv;
// added are the elements whose adds were invoked in between.
func (s *setFullState) read(inv, comp int, added []int32) {
	n := int32(len(s.reads))
	s.reads = append(s.reads, setRead{inv: inv, comp: comp})
	mark := n + 1
	var copies map[int32]int64
	for _, v := range readElements(s.ops[comp].Value) {
		id := s.id(v)
		if s.seen[id] == mark {
			if copies == nil {
				copies = map[int32]int64{}
			}
			copies[id]++
			continue
		}
		s.seen[id] = mark
		e := s.elems[id]
		if e.start < 0 {
			continue
		}
		e.present = append(e.present, n)
		if s.at(e.lastPresent) < s.at(inv) {
			e.lastPresent = inv
		}
		if e.known < 0 {
			e.known = comp
		}
	}
	for id, extra := range copies {
		e := s.elems[id]
		e.maxCopies = max(e.maxCopies, extra+1)
	}
	for _, id := range added {
		e := s.elems[id]
		if s.seen[id] != mark && s.at(e.absentEarly) < s.at(inv) {
			e.absentEarly = inv
		}
	}
}

// readElements is the elements of a read's value.
func readElements(v any) []any {
	switch x := v.(type) {
	case []any:
		return x
	case edn.Set:
		return x
	}
	return nil
}

// tracked fills in the last-absent read of every added element and returns
// those elements in order.
//
// Every read invoked after an element's add invocation completed after it
// too, so the element's last-absent read is the latest-invoked such read
// that did not see it, if there is one; otherwise it is the latest-invoked
// read that missed it while running across the add, found during the pass.
// Walking the reads from the latest invocation down, the reads skipped
// before finding one that missed the element all saw it, so the walk costs
// no more than the element's own list of reads.
func (s *setFullState) tracked() []*setElement {
	byInv := make([]int32, len(s.reads)) // read numbers, latest invocation first
	for i := range byInv {
		byInv[i] = int32(i)
	}
	slices.SortFunc(byInv, func(a, b int32) int {
		return cmp.Compare(s.at(s.reads[b].inv), s.at(s.reads[a].inv))
	})
	rank := make([]int32, len(s.reads))
	for k, r := range byInv {
		rank[r] = int32(k)
	}

	var out []*setElement
	for _, e := range s.elems {
		if e.start < 0 {
			continue
		}
		ranks := make([]int32, len(e.present))
		for i, r := range e.present {
			ranks[i] = rank[r]
		}
		slices.Sort(ranks)
		e.lastAbsent = e.absentEarly
		j := 0
		for k, r := range byInv {
			inv := s.reads[r].inv
			if s.at(inv) < e.start {
				break
			}
			if j < len(ranks) && ranks[j] == int32(k) {
				j++
				continue
			}
			e.lastAbsent = inv
			break
		}
		out = append(out, e)
	}
	slices.SortFunc(out, compareSetElements)
	return out
}

// compareSetElements orders elements as compareElements does.
func compareSetElements(a, b *setElement) int {
	return compareElements(a.value, a.text, b.value, b.text)
}

// compareElements orders elements a and b, whose EDN texts are at and bt:
// numbers numerically (equal ones by text) before everything else, which
// is ordered by EDN text.
func compareElements(a any, at string, b any, bt string) int {
	an, bn := isNumber(a), isNumber(b)
	switch {
	case an && bn:
		if c := compareNumbers(a, b); c != 0 {
			return c
		}
	case an:
		return -1
	case bn:
		return 1
	}
	return compareStrings(at, bt)
}

// setOutcome is an element's fate and latencies (in ms, -1 for none).
type setOutcome struct {
	e               *setElement
	outcome         string
	stable, lostLat int64
}

func (s *setFullState) outcome(e *setElement) setOutcome {
	o := setOutcome{e: e, outcome: "never-read", stable: -1, lostLat: -1}
	lp, la, kn := s.at(e.lastPresent), s.at(e.lastAbsent), s.at(e.known)
	switch {
	case e.lastPresent >= 0 && la < lp:
		o.outcome = "stable"
		var t int64
		if e.lastAbsent >= 0 {
			t = s.ops[e.lastAbsent].Time + 1
		}
		o.stable = max(0, t-s.ops[e.known].Time) / 1e6
	case e.known >= 0 && e.lastAbsent >= 0 && lp < la && kn < la:
		o.outcome = "lost"
		var t int64
		if e.lastPresent >= 0 {
			t = s.ops[e.lastPresent].Time + 1
		}
		o.lostLat = max(0, t-s.ops[e.known].Time) / 1e6
	}
	return o
}

func (s *setFullState) results(elems []*setElement, strict bool) *check.SetFull {
	out := &check.SetFull{Attempts: int64(len(elems)), Lost: []any{}, NeverRead: []any{}, Stale: []any{}}
	var staleOutcomes []setOutcome
	var stableLat, lostLat []time.Duration
	for _, e := range elems {
		o := s.outcome(e)
		switch o.outcome {
		case "stable":
			out.Stable++
			stableLat = append(stableLat, time.Duration(o.stable)*time.Millisecond)
			if o.stable > 0 {
				out.Stale = append(out.Stale, e.value)
				staleOutcomes = append(staleOutcomes, o)
			}
		case "lost":
			out.Lost = append(out.Lost, e.value)
			lostLat = append(lostLat, time.Duration(o.lostLat)*time.Millisecond)
		default:
			out.NeverRead = append(out.NeverRead, e.value)
		}
	}
	out.StableLatencies, out.LostLatencies = Quantiles(stableLat), Quantiles(lostLat)

	// The slowest first; elements are already in order, so a stable sort
	// keeps the lower element first among equal latencies. A stale
	// element was known and then missed by a read.
	slices.SortStableFunc(staleOutcomes, func(a, b setOutcome) int { return cmp.Compare(b.stable, a.stable) })
	for _, o := range staleOutcomes[:min(len(staleOutcomes), maxWorstStale)] {
		out.WorstStale = append(out.WorstStale, check.StaleElement{
			Element:    o.e.value,
			Latency:    time.Duration(o.stable) * time.Millisecond,
			Known:      s.ops[o.e.known],
			LastAbsent: s.ops[o.e.lastAbsent],
		})
	}

	var dups []*setElement
	for _, e := range s.elems {
		if e.maxCopies > 1 {
			dups = append(dups, e)
		}
	}
	out.DuplicatedCount = int64(len(dups))
	slices.SortFunc(dups, compareSetElements)
	shown := slices.Clone(dups)
	slices.SortStableFunc(shown, func(a, b *setElement) int { return cmp.Compare(b.maxCopies, a.maxCopies) })
	shown = shown[:min(len(shown), maxDuplicatesShown)]
	slices.SortFunc(shown, compareSetElements)
	for _, e := range shown {
		out.Duplicated = append(out.Duplicated, check.ElementCount{Element: e.value, Count: e.maxCopies})
	}

	out.Valid = check.Valid
	switch {
	case len(out.Lost) > 0:
		out.Valid = check.Invalid
	case out.Stable == 0:
		out.Valid = check.Unknown
	}
	if strict && len(dups) > 0 {
		out.Valid = check.Invalid
	}
	return out
}
