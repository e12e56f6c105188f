package linkv

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/internal/history"
	"github.com/eddy-workbench/eddy/internal/trace/tracetest"
)

// Nodes that never replicate: a read at one node misses a write acknowledged
// at another before the read began.
func TestExplainStaleRead(t *testing.T) {
	r := tracetest.New("n1", "n2")
	key := int64(0)
	r.Call(10, 11, 0, "c0", "write", []any{key, int64(1)}, map[string]any{"type": "write", "key": 0, "value": 1}, history.OK, map[string]any{"type": "write_ok"}, nil)
	r.Call(20, 21, 0, "c0", "write", []any{key, int64(3)}, map[string]any{"type": "write", "key": 0, "value": 3}, history.OK, map[string]any{"type": "write_ok"}, nil)
	r.Call(30, 31, 1, "c1", "read", []any{key, nil}, map[string]any{"type": "read", "key": 0}, history.OK, map[string]any{"type": "read_ok", "value": 1}, []any{key, int64(1)})
	r.Call(40, 41, 0, "c0", "read", []any{key, nil}, map[string]any{"type": "read", "key": 0}, history.OK, map[string]any{"type": "read_ok", "value": 3}, []any{key, int64(3)})
	x := r.Index()
	out := Explain(x, &check.LinKV{Valid: check.Invalid, Failures: []any{key}})
	require.Len(t, out, 1)
	e := out[0]
	assert.Equal(t, "key 0 not linearizable", e.Finding)
	// The stretch: the second write and the read after it that missed it.
	assert.Equal(t, "key 0: these 2 operations cannot be linearized whatever the register held before them, as the longest order a register allows covers 1 of them: n1 write 3 (ok, 0.020–0.021 s); n2 read 1 (ok, 0.030–0.031 s).", e.Summary)
	require.Len(t, e.Evidence, 2)
	assert.Equal(t, "n2", e.Evidence[1].To)
	require.Len(t, e.Files, 1)
	var b bytes.Buffer
	require.NoError(t, e.Files[0].Write(&b))
	assert.Contains(t, b.String(), "<html")
	assert.Empty(t, Explain(x, &check.LinKV{Valid: check.Valid}))
}

// A node that forgets its register when killed: a read after its restart
// misses the write it acknowledged before, and the summary names the kill.
func TestExplainReadAfterKill(t *testing.T) {
	r := tracetest.New("n1")
	key := int64(0)
	r.Call(10, 11, 0, "c0", "write", []any{key, int64(3)}, map[string]any{"type": "write", "key": 0, "value": 3}, history.OK, map[string]any{"type": "write_ok"}, nil)
	r.Kill(15, 18, "n1")
	r.Call(20, 21, 0, "c0", "read", []any{key, nil}, map[string]any{"type": "read", "key": 0}, history.OK, map[string]any{"type": "read_ok", "value": nil}, []any{key, nil})
	r.Call(22, 23, 0, "c0", "write", []any{key, int64(4)}, map[string]any{"type": "write", "key": 0, "value": 4}, history.OK, map[string]any{"type": "write_ok"}, nil)
	r.Call(24, 25, 0, "c0", "read", []any{key, nil}, map[string]any{"type": "read", "key": 0}, history.OK, map[string]any{"type": "read_ok", "value": 3}, []any{key, int64(3)})
	out := Explain(r.Index(), &check.LinKV{Valid: check.Invalid, Failures: []any{key}})
	require.Len(t, out, 1)
	assert.Contains(t, out[0].Summary, " Meanwhile, of the nodes that served them, n1 was killed at 0.015 s and restarted at 0.018 s.")
	kinds := map[string]int{}
	for _, it := range out[0].Evidence {
		kinds[string(it.Kind)+" "+it.Type]++
	}
	assert.Equal(t, 1, kinds["nemesis kill"])
	assert.Equal(t, 1, kinds["nemesis start"])
}
