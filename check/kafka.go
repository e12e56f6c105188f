package check

import (
	"time"

	"github.com/eddy-workbench/eddy/edn"
)

// Kafka is what the kafka checker found: lost, skipped, duplicated and
// reordered messages, and reads of what was never (or not yet) written.
type Kafka struct {
	Valid Verdict
	// ErrorTypes are the types of anomaly found, sorted; BadErrorTypes
	// those that make the verdict invalid (all but int-send-skip and the
	// write-write cycles, which are reported only).
	ErrorTypes, BadErrorTypes []string
	// InfoCauses are the distinct errors (EDN values) of the sends and
	// polls whose outcome is unknown.
	InfoCauses []any
	// WorstRealtimeLag is the largest realtime lag of an ok poll, or nil
	// if there was no ok poll.
	WorstRealtimeLag *KafkaLag
	// Errors hold, per type in ErrorTypes order, how many were found and
	// the worst or first few.
	Errors []KafkaErrors
}

// KafkaLag is how far behind a poll was: Lag is the time from the
// completion of the earliest ok send to Key at an offset above the highest
// the poll returned for it, to the poll's invocation at Time.
type KafkaLag struct {
	Time, Lag time.Duration
	Key       any
	Process   int
}

// KafkaErrors are the anomalies of one type: their count and examples (the
// worst 8 of the ordering types, the first 32 of the others).
type KafkaErrors struct {
	Type     string
	Count    int64
	Examples []KafkaAnomaly
}

// KafkaAnomaly is one anomaly. Which fields it sets depends on Type:
//
//	lost-write             Key Value Index MaxReadIndex Writer MaxRead: a
//	                       committed message no ok poll returned, below
//	                       what polls of its key did return
//	unseen                 Time Unseen: ok sends no ok poll ever returned
//	duplicate              Key Value Count Offsets: a message at several offsets
//	inconsistent-offsets   Key Offset Index Values: an offset with several messages
//	G1a                    Key Value Writer Reader: a poll read a message
//	                       whose every send failed
//	G1c-realtime           Key Value Writer Reader Explanation: a poll read a
//	                       message whose sends all began after it ended
//	unexpected-message     Key Offset Value Reader: a message nobody sent
//	poll-skip              Key Delta Skipped Ops: a process's poll skipped
//	                       messages after its previous poll
//	nonmonotonic-poll      Key Values Delta Ops: it went back instead
//	int-poll-skip          Key Values Delta Skipped Ops: one poll's list skipped
//	int-nonmonotonic-poll  Key Values Delta Ops: or went back
//	nonmonotonic-send      Key Values Delta Ops: a process's send landed at
//	                       or before its previous one
//
// Keys and messages are EDN values (integers, as the workload sends
// them). Delta is the step between indices (a message's rank among its
// key's offsets), Index the lowest index of the message.
type KafkaAnomaly struct {
	Type                string
	Key                 any
	Value               any
	Values              []any
	Delta               int64
	Skipped             []any
	Offset              int64
	Offsets             []int64
	Index, MaxReadIndex int64
	Count               int64
	// Ops are the ops involved: the two polls or sends compared, or the
	// one poll of an int- anomaly.
	Ops                     []Op
	Writer, Reader, MaxRead *Op
	Explanation             string
	Time                    time.Duration
	Unseen                  []KafkaUnseen
}

// KafkaUnseen are the messages of one key that ok sends wrote and no ok
// poll returned: how many, and up to 32 of them, sorted.
type KafkaUnseen struct {
	Key      any
	Count    int64
	Messages []any
}

// Verdict is the kafka checker's verdict: invalid if any type of anomaly
// found is outside the allowed set.
func (k *Kafka) Verdict() Verdict { return k.Valid }

// EDN is {:valid? :bad-error-types :error-types :info-txn-causes
// :worst-realtime-lag <type> {:count :errs [...]} ...}, as Jepsen's kafka
// checker writes it.
func (k *Kafka) EDN() *edn.Map {
	var lag any
	if l := k.WorstRealtimeLag; l != nil {
		lag = edn.NewMap(
			kw("time"), float64(l.Time)/1e9,
			kw("lag"), float64(l.Lag)/1e9,
			kw("key"), l.Key,
			kw("process"), l.Process,
		)
	}
	m := edn.NewMap(
		kw("valid?"), k.Valid.EDN(),
		kw("bad-error-types"), keywords(k.BadErrorTypes),
		kw("error-types"), keywords(k.ErrorTypes),
		kw("info-txn-causes"), append([]any{}, k.InfoCauses...),
		kw("worst-realtime-lag"), lag,
	)
	for _, e := range k.Errors {
		errs := []any{}
		for _, a := range e.Examples {
			errs = append(errs, a.EDN())
		}
		m.Set(kw(e.Type), edn.NewMap(kw("count"), e.Count, kw("errs"), errs))
	}
	return m
}

// EDN renders the anomaly as the kafka checker lists it under :errs.
func (a KafkaAnomaly) EDN() *edn.Map {
	firstOp := func() any {
		if len(a.Ops) == 0 {
			return nil
		}
		return a.Ops[0].EDN()
	}
	switch a.Type {
	case "nonmonotonic-send", "nonmonotonic-poll":
		return edn.NewMap(kw("key"), a.Key, kw("values"), vector(a.Values), kw("delta"), a.Delta, kw("ops"), opsEDN(a.Ops))
	case "poll-skip":
		return edn.NewMap(kw("key"), a.Key, kw("delta"), a.Delta, kw("skipped"), vector(a.Skipped), kw("ops"), opsEDN(a.Ops))
	case "int-poll-skip":
		return edn.NewMap(kw("key"), a.Key, kw("values"), vector(a.Values), kw("delta"), a.Delta, kw("skipped"), vector(a.Skipped), kw("op"), firstOp())
	case "int-nonmonotonic-poll":
		return edn.NewMap(kw("key"), a.Key, kw("values"), vector(a.Values), kw("delta"), a.Delta, kw("op"), firstOp())
	case "G1a":
		return edn.NewMap(kw("key"), a.Key, kw("value"), a.Value, kw("writer"), opEDN(a.Writer), kw("reader"), opEDN(a.Reader))
	case "G1c-realtime":
		return edn.NewMap(kw("key"), a.Key, kw("value"), a.Value, kw("writer"), opEDN(a.Writer), kw("reader"), opEDN(a.Reader), kw("explanation"), a.Explanation)
	case "unexpected-message":
		return edn.NewMap(kw("key"), a.Key, kw("offset"), a.Offset, kw("value"), a.Value, kw("reader"), opEDN(a.Reader))
	case "lost-write":
		return edn.NewMap(kw("key"), a.Key, kw("value"), a.Value, kw("index"), a.Index, kw("max-read-index"), a.MaxReadIndex,
			kw("writer"), opEDN(a.Writer), kw("max-read"), opEDN(a.MaxRead))
	case "inconsistent-offsets":
		return edn.NewMap(kw("key"), a.Key, kw("offset"), a.Offset, kw("index"), a.Index, kw("values"), edn.Set(vector(a.Values)))
	case "duplicate":
		offsets := make([]any, len(a.Offsets))
		for i, o := range a.Offsets {
			offsets[i] = o
		}
		return edn.NewMap(kw("key"), a.Key, kw("value"), a.Value, kw("count"), a.Count, kw("offsets"), offsets)
	case "unseen":
		counts, msgs := edn.NewMap(), edn.NewMap()
		for _, u := range a.Unseen {
			counts.Set(u.Key, u.Count)
			msgs.Set(u.Key, edn.Set(vector(u.Messages)))
		}
		return edn.NewMap(kw("time"), int64(a.Time), kw("unseen"), counts, kw("messages"), msgs)
	}
	return edn.NewMap(kw("type"), kw(a.Type))
}

// vector is xs as a non-nil EDN vector.
func vector(xs []any) []any { return append([]any{}, xs...) }

// keywords is names as a vector of keywords.
func keywords(names []string) []any {
	out := make([]any, len(names))
	for i, n := range names {
		out[i] = kw(n)
	}
	return out
}
