package challenge

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/history"
)

const ms = int64(1e6)

// hist builds a history from (time ms, type, process, f, error) rows.
func hist(rows ...history.Op) []history.Op {
	for i := range rows {
		rows[i].Index = i
	}
	return rows
}

func inv(t int64, p int, f string) history.Op {
	return history.Op{Time: t * ms, Type: history.Invoke, Process: p, F: f}
}

func done(t int64, p int, f string, typ history.Type, err any) history.Op {
	return history.Op{Time: t * ms, Type: typ, Process: p, F: f, Error: err}
}

func nemesis(t int64, f string, v any) history.Op {
	return history.Op{Time: t * ms, Type: history.Info, Process: history.Nemesis, F: f, Value: v}
}

func TestAddHistoryLatencyAndServed(t *testing.T) {
	ops := hist(
		inv(0, 0, "read"), done(10, 0, "read", history.OK, nil),
		inv(0, 1, "cas"), done(20, 1, "cas", history.Fail, []any{kw("precondition-failed"), "no"}),
		inv(20, 1, "write"), done(50, 1, "write", history.OK, nil),
		inv(30, 0, "read"), done(1030, 0, "read", history.Fail, kw("net-timeout")),
		inv(60, 1, "write"), done(1060, 1, "write", history.Info, kw("net-timeout")),
		inv(70, 2, "cas"), done(80, 2, "cas", history.Fail, []any{kw("temporarily-unavailable"), "no leader"}),
		inv(90, 2, "read"), done(120, 2, "read", history.OK, nil),
	)
	var f Figures
	f.AddHistory(ops, 3)
	require.NotNil(t, f.OpLatencyP50)
	assert.Equal(t, 30.0, *f.OpLatencyP50, "ok latencies 10, 30, 30: the one at ⌊3·0.5⌋")
	assert.Equal(t, 30.0, *f.OpLatencyMax)
	require.NotNil(t, f.Served)
	assert.InDelta(t, 4.0/7, *f.Served, 1e-9, "3 ok and a failed precondition of 7")
	assert.Nil(t, f.HealToWrite, "no partition, no heal")
}

func TestHealToWrite(t *testing.T) {
	// Threads 0 and 1 write (concurrency 2; process 3 is thread 1).
	ops := hist(
		nemesis(0, "start-partition", kw("majority")),
		inv(100, 0, "write"), done(110, 0, "write", history.OK, nil),
		nemesis(1000, "stop-partition", nil),
		nemesis(1000, "stop-partition", kw("network-healed")),
		inv(990, 1, "write"), done(1990, 1, "write", history.Info, kw("net-timeout")), // invoked before the heal
		inv(1010, 0, "cas"), done(1030, 0, "cas", history.Fail, []any{kw("precondition-failed"), "x"}),
		inv(1040, 0, "write"), done(1050, 0, "write", history.OK, nil), // thread 0: 50 ms
		inv(2000, 3, "write"), done(2300, 3, "write", history.OK, nil), // thread 1: 1300 ms
		nemesis(3000, "start-partition", kw("majority")),
		nemesis(4000, "stop-partition", kw("network-healed")),
		inv(4010, 0, "write"), done(4020, 0, "write", history.OK, nil), // thread 0: 20 ms
		inv(4500, 3, "read"), done(4600, 3, "read", history.OK, nil), // thread 1 never writes: 5000-4000
		nemesis(5000, "start-partition", kw("majority")),
		nemesis(6000, "stop-partition", kw("network-healed")),
		inv(6000, 0, "write"), done(6100, 0, "write", history.OK, nil),
		inv(6000, 3, "write"), done(6200, 3, "write", history.OK, nil), // 200 ms
	)
	var f Figures
	f.AddHistory(ops, 2)
	require.NotNil(t, f.HealToWrite)
	assert.Equal(t, 1000.0, *f.HealToWrite, "median of 1300, 1000 and 200 ms")
}

func TestAddLogs(t *testing.T) {
	var f Figures
	f.AddLogs([][]byte{[]byte("raft: x\neddy: leader n1 term 1\n"), []byte("eddy: leader n2 term 2\neddy: leaderless\n")})
	require.NotNil(t, f.LeaderChanges)
	assert.Equal(t, 2.0, *f.LeaderChanges)
	var none Figures
	none.AddLogs([][]byte{[]byte("nothing\n")})
	assert.Nil(t, none.LeaderChanges)
}

func TestConcurrency(t *testing.T) {
	tests := []struct {
		flag  string
		nodes int
		want  int
	}{{"", 5, 5}, {"2n", 5, 10}, {"7", 5, 7}, {"xn", 5, 0}, {"many", 5, 0}}
	for _, tt := range tests {
		assert.Equal(t, tt.want, Concurrency(tt.flag, tt.nodes), tt.flag)
	}
}

func TestErrorName(t *testing.T) {
	assert.Equal(t, "net-timeout", errorName(edn.Keyword("net-timeout")))
	assert.Equal(t, "precondition-failed", errorName([]any{edn.Keyword("precondition-failed"), "x"}))
	assert.Equal(t, "", errorName(nil))
}
