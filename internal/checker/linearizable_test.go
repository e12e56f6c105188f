package checker

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/history"
)

// kvHist builds a lin-kv history: each entry is an invocation or a
// completion, in order, at times 0, 1, 2, …
type kvEvent struct {
	typ     history.Type
	process int
	f       string
	value   any
}

func kvHistory(evs ...kvEvent) []history.Op {
	ops := make([]history.Op, len(evs))
	for i, e := range evs {
		ops[i] = history.Op{Index: i, Time: int64(i), Type: e.typ, Process: e.process, F: e.f, Value: e.value}
	}
	return ops
}

func kv(k, v any) []any { return []any{k, v} }

func TestLinearizableKV(t *testing.T) {
	const inv, ok, fail, info = history.Invoke, history.OK, history.Fail, history.Info
	i64 := func(n int) int64 { return int64(n) }
	cases := []struct {
		name  string
		ops   []history.Op
		valid check.Verdict
	}{
		{"write then read", kvHistory(
			kvEvent{inv, 0, "write", kv(i64(1), i64(3))}, kvEvent{ok, 0, "write", kv(i64(1), i64(3))},
			kvEvent{inv, 1, "read", kv(i64(1), nil)}, kvEvent{ok, 1, "read", kv(i64(1), i64(3))},
		), check.Valid},
		{"stale read after a write completed", kvHistory(
			kvEvent{inv, 0, "write", kv(i64(1), i64(3))}, kvEvent{ok, 0, "write", kv(i64(1), i64(3))},
			kvEvent{inv, 0, "write", kv(i64(1), i64(4))}, kvEvent{ok, 0, "write", kv(i64(1), i64(4))},
			kvEvent{inv, 1, "read", kv(i64(1), nil)}, kvEvent{ok, 1, "read", kv(i64(1), i64(3))},
		), check.Invalid},
		{"concurrent read may see either", kvHistory(
			kvEvent{inv, 0, "write", kv(i64(1), i64(3))}, kvEvent{inv, 1, "read", kv(i64(1), nil)},
			kvEvent{ok, 1, "read", kv(i64(1), nil)}, kvEvent{ok, 0, "write", kv(i64(1), i64(3))},
		), check.Valid},
		{"cas that succeeded on the wrong value", kvHistory(
			kvEvent{inv, 0, "write", kv(i64(1), i64(3))}, kvEvent{ok, 0, "write", kv(i64(1), i64(3))},
			kvEvent{inv, 0, "cas", kv(i64(1), []any{i64(2), i64(4)})}, kvEvent{ok, 0, "cas", kv(i64(1), []any{i64(2), i64(4)})},
		), check.Invalid},
		{"failed write never happened", kvHistory(
			kvEvent{inv, 0, "write", kv(i64(1), i64(3))}, kvEvent{fail, 0, "write", kv(i64(1), i64(3))},
			kvEvent{inv, 1, "read", kv(i64(1), nil)}, kvEvent{ok, 1, "read", kv(i64(1), i64(3))},
		), check.Invalid},
		{"indeterminate write may show up later", kvHistory(
			kvEvent{inv, 0, "write", kv(i64(1), i64(3))}, kvEvent{info, 0, "write", kv(i64(1), i64(3))},
			kvEvent{inv, 1, "read", kv(i64(1), nil)}, kvEvent{ok, 1, "read", kv(i64(1), nil)},
			kvEvent{inv, 1, "read", kv(i64(1), nil)}, kvEvent{ok, 1, "read", kv(i64(1), i64(3))},
		), check.Valid},
		{"keys are independent", kvHistory(
			kvEvent{inv, 0, "write", kv(i64(1), i64(3))}, kvEvent{ok, 0, "write", kv(i64(1), i64(3))},
			kvEvent{inv, 1, "read", kv(i64(2), nil)}, kvEvent{ok, 1, "read", kv(i64(2), nil)},
		), check.Valid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := LinearizableKV(tc.ops, 0).EDN()
			assert.Equal(t, tc.valid, ValidityOf(r), edn.String(r))
			failures, _ := r.Get(kw("failures"))
			if tc.valid == check.Invalid {
				assert.Equal(t, []any{int64(1)}, failures)
			} else {
				assert.Empty(t, failures)
			}
		})
	}
}

// LinKVWindow finds the short stretch behind a failure, and nothing where
// there is none.
func TestLinKVWindow(t *testing.T) {
	kv := func(k, v any) []any { return []any{k, v} }
	h := indexed(
		at(0, inv(0, "write", kv(int64(5), int64(1)))), at(1, ok(0, "write", kv(int64(5), int64(1)))),
		at(2, inv(0, "read", kv(int64(5), nil))), at(3, ok(0, "read", kv(int64(5), int64(1)))),
		at(4, inv(0, "write", kv(int64(5), int64(2)))), at(5, ok(0, "write", kv(int64(5), int64(2)))),
		at(6, inv(1, "read", kv(int64(5), nil))), at(7, ok(1, "read", kv(int64(5), int64(1)))),
		at(8, inv(0, "read", kv(int64(5), nil))), at(9, ok(0, "read", kv(int64(5), int64(2)))),
	)
	win, found := LinKVWindow(h, int64(5), 0)
	require.True(t, found)
	assert.True(t, win.AnyStart)
	assert.Equal(t, []int{4, 6}, win.Ops) // write 2, then a read of 1
	assert.Equal(t, 1, win.Longest)
	_, found = LinKVWindow(h[:6], int64(5), 0)
	assert.False(t, found, "a linearizable history has no such stretch")
	_, found = LinKVWindow(h, int64(6), 0)
	assert.False(t, found, "a key with no operations")
}
