package challenge

import (
	"math"
	"math/big"
	"strconv"
	"time"

	"github.com/eddy-workbench/eddy/edn"
)

// Valid? values as Figures reports them.
const (
	ValidTrue    = "true"
	ValidFalse   = "false"
	ValidUnknown = "unknown"
	ValidMissing = "missing"
)

// missing is what a check shows as Got when its figure is absent.
const missing = "missing"

// Figures are the numbers a challenge is judged by, taken from a results map.
type Figures struct {
	// Valid is the top-level :valid?: "true", "false", "unknown", or
	// "missing" when the results have none.
	Valid string `json:"valid"`
	// ServerMsgsPerOp is :net :servers :msgs-per-op; nil when absent.
	ServerMsgsPerOp *float64 `json:"servers-msgs-per-op"`
	// AllMsgsPerOp is :net :all :msgs-per-op; nil when absent.
	AllMsgsPerOp *float64 `json:"all-msgs-per-op"`
	// LatencyP50, LatencyP95 and LatencyMax are the 0.5, 0.95 and 1
	// quantiles of :workload :stable-latencies, in milliseconds; nil when
	// absent (only broadcast and g-set report them).
	LatencyP50 *float64 `json:"stable-latency-p50"`
	LatencyP95 *float64 `json:"stable-latency-p95"`
	LatencyMax *float64 `json:"stable-latency-max"`
	// Availability is :availability :ok-fraction; nil when absent.
	Availability *float64 `json:"availability"`
	// OK and Count are :stats :ok-count and :count; zero when absent.
	OK    int64 `json:"ok-count"`
	Count int64 `json:"count"`
}

// Extract reads the figures out of a results map. It accepts every numeric
// kind a results map may hold, and tolerates missing sections, which leave
// their figures nil (or zero, for OK and Count).
func Extract(results *edn.Map) Figures {
	f := Figures{Valid: ValidMissing}
	if v, ok := lookup(results, "valid?"); ok {
		f.Valid = validString(v)
	}
	f.ServerMsgsPerOp = number(results, "net", "servers", "msgs-per-op")
	f.AllMsgsPerOp = number(results, "net", "all", "msgs-per-op")
	if v, ok := lookup(results, "workload", "stable-latencies"); ok {
		if m, ok := v.(*edn.Map); ok {
			f.LatencyP50 = quantile(m, 0.5)
			f.LatencyP95 = quantile(m, 0.95)
			f.LatencyMax = quantile(m, 1)
		}
	}
	f.Availability = number(results, "availability", "ok-fraction")
	f.OK = integer(results, "stats", "ok-count")
	f.Count = integer(results, "stats", "count")
	return f
}

// lookup follows a path of keys through nested maps. Each key is tried as
// a keyword first and then as a plain string, the form keywords take in
// results.json.
func lookup(m *edn.Map, path ...string) (any, bool) {
	var cur any = m
	for _, k := range path {
		mm, ok := cur.(*edn.Map)
		if !ok || mm == nil {
			return nil, false
		}
		v, ok := mm.Get(edn.Keyword(k))
		if !ok {
			v, ok = mm.Get(k)
		}
		if !ok {
			return nil, false
		}
		cur = v
	}
	return cur, true
}

// number returns the number at path, or nil when it is absent or not a
// number.
func number(m *edn.Map, path ...string) *float64 {
	v, ok := lookup(m, path...)
	if !ok {
		return nil
	}
	x, ok := toFloat(v)
	if !ok {
		return nil
	}
	return &x
}

// integer returns the whole number at path, or 0 when it is absent or not a
// number. Integer kinds are read exactly; other numbers are truncated.
func integer(m *edn.Map, path ...string) int64 {
	v, ok := lookup(m, path...)
	if !ok {
		return 0
	}
	switch x := v.(type) {
	case int:
		return int64(x)
	case int64:
		return x
	case *big.Int:
		if x != nil && x.IsInt64() {
			return x.Int64()
		}
	}
	if f, ok := toFloat(v); ok && !math.IsNaN(f) && math.Abs(f) < math.MaxInt64 {
		return int64(f)
	}
	return 0
}

// quantile returns the latency recorded under quantile q, matching keys by
// numeric value so that 1, int64(1) and 1.0 are all the maximum.
func quantile(m *edn.Map, q float64) *float64 {
	var out *float64
	m.Each(func(k, v any) {
		if out != nil {
			return
		}
		kq, ok := toFloat(k)
		if !ok || kq != q {
			return
		}
		if x, ok := toFloat(v); ok {
			out = &x
		}
	})
	return out
}

// toFloat converts any numeric value to a float64.
func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case int8:
		return float64(x), true
	case int16:
		return float64(x), true
	case int32:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint:
		return float64(x), true
	case uint8:
		return float64(x), true
	case uint16:
		return float64(x), true
	case uint32:
		return float64(x), true
	case uint64:
		return float64(x), true
	case float32:
		// Go through the shortest decimal form so 0.999 stays 0.999
		// rather than 0.9990000128746033.
		f, err := strconv.ParseFloat(strconv.FormatFloat(float64(x), 'g', -1, 32), 64)
		return f, err == nil
	case float64:
		return x, true
	case *big.Int:
		if x == nil {
			return 0, false
		}
		f, _ := new(big.Float).SetInt(x).Float64()
		return f, true
	case *big.Rat:
		if x == nil {
			return 0, false
		}
		f, _ := x.Float64()
		return f, true
	case *big.Float:
		if x == nil {
			return 0, false
		}
		f, _ := x.Float64()
		return f, true
	}
	return 0, false
}

// validString renders a :valid? value.
func validString(v any) string {
	switch x := v.(type) {
	case bool:
		return strconv.FormatBool(x)
	case edn.Keyword:
		return string(x)
	case string:
		return x
	case nil:
		return ValidMissing
	}
	return edn.String(v)
}

// Check is one target and whether it was met.
type Check struct {
	// Name says what is checked, e.g. "servers msgs-per-op".
	Name string `json:"name"`
	// Want is the target, e.g. "< 30".
	Want string `json:"want"`
	// Got is the figure found, or "missing".
	Got string `json:"got"`
	// Met reports whether Got satisfies Want.
	Met bool `json:"met"`
}

// Evaluate checks every target of c against f. Validity is always checked
// (want "true"); the other targets only when c sets them. A figure that is
// missing fails its target, with Got "missing".
func (c Challenge) Evaluate(f Figures) []Check {
	valid := f.Valid
	if valid == "" {
		valid = ValidMissing
	}
	checks := []Check{{Name: "valid", Want: ValidTrue, Got: valid, Met: valid == ValidTrue}}
	t := c.Targets
	if t.MaxServerMsgsPerOp > 0 {
		checks = append(checks, below("servers msgs-per-op", f.ServerMsgsPerOp, t.MaxServerMsgsPerOp))
	}
	if t.MaxMedianLatency > 0 {
		checks = append(checks, latencyBelow("median stable latency", f.LatencyP50, t.MaxMedianLatency))
	}
	if t.MaxMaxLatency > 0 {
		checks = append(checks, latencyBelow("max stable latency", f.LatencyMax, t.MaxMaxLatency))
	}
	if t.TotalAvailability {
		ch := Check{Name: "availability", Want: "1", Got: missing}
		if f.Availability != nil {
			ch.Got = strconv.FormatFloat(*f.Availability, 'f', -1, 64)
			ch.Met = *f.Availability == 1
		}
		checks = append(checks, ch)
	}
	return checks
}

// below checks got < limit.
func below(name string, got *float64, limit float64) Check {
	ch := Check{Name: name, Want: "< " + strconv.FormatFloat(limit, 'f', -1, 64), Got: missing}
	if got != nil {
		ch.Met = *got < limit
		ch.Got = strconv.FormatFloat(*got, 'f', 2, 64)
		// Rounding must not make a met figure look like a miss or the
		// reverse (29.999 shown as 30.00); show it in full then.
		if shown, _ := strconv.ParseFloat(ch.Got, 64); (shown < limit) != ch.Met {
			ch.Got = strconv.FormatFloat(*got, 'f', -1, 64)
		}
	}
	return ch
}

// latencyBelow checks a latency in milliseconds against a strict bound.
func latencyBelow(name string, gotMS *float64, limit time.Duration) Check {
	ch := Check{Name: name, Want: "< " + limit.String(), Got: missing}
	if gotMS != nil {
		ch.Met = *gotMS < float64(limit)/float64(time.Millisecond)
		ch.Got = msDuration(*gotMS).String()
	}
	return ch
}

// msDuration turns milliseconds into a Duration, saturating at the ends.
func msDuration(ms float64) time.Duration {
	ns := ms * float64(time.Millisecond)
	switch {
	case math.IsNaN(ns):
		return 0
	case ns >= math.MaxInt64:
		return time.Duration(math.MaxInt64)
	case ns <= math.MinInt64:
		return time.Duration(math.MinInt64)
	}
	return time.Duration(math.Round(ns))
}

// Met reports whether every check was met.
func Met(checks []Check) bool {
	for _, c := range checks {
		if !c.Met {
			return false
		}
	}
	return true
}
