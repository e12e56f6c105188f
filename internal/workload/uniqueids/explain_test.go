package uniqueids

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/internal/history"
	"github.com/eddy-workbench/eddy/internal/trace/tracetest"
)

func generate(r *tracetest.Run, ms float64, p int, client string, id any) {
	r.Call(ms, ms+1, p, client, "generate", nil, map[string]any{"type": "generate"}, history.OK, map[string]any{"type": "generate_ok", "id": id}, id)
}

// Two nodes counting from 0 without their names: the ids collide.
func TestExplainCollidingIDs(t *testing.T) {
	r := tracetest.New("n1", "n2")
	generate(r, 10, 0, "c0", int64(0))
	generate(r, 12, 1, "c1", int64(0))
	generate(r, 20, 0, "c0", int64(1))
	out := ExplainDuplicates(r.Index(), []any{int64(0)})
	require.Len(t, out, 1)
	e := out[0]
	assert.Equal(t, "duplicated id 0", e.Finding)
	assert.Equal(t, "id 0 was acknowledged 2 times: by n1 to c0 (process 0) at 0.011 s, by n2 to c1 (process 1) at 0.013 s; 2 different nodes generated it.", e.Summary)
	require.Len(t, e.Evidence, 4)
	assert.Equal(t, "n1", e.Evidence[0].To)
	assert.Equal(t, "n1", e.Evidence[1].From)
	assert.Equal(t, "c0", e.Evidence[1].To)
	assert.Equal(t, "id 0", e.Evidence[1].Text)
}

// One node that wraps around.
func TestExplainWrappingIDs(t *testing.T) {
	r := tracetest.New("n1")
	generate(r, 10, 0, "c0", "n1-0")
	generate(r, 20, 0, "c0", "n1-0")
	out := ExplainDuplicates(r.Index(), []any{"n1-0", "never-seen"})
	require.Len(t, out, 1)
	assert.Contains(t, out[0].Summary, "one node generated it more than once")
}

// One node that restarts its counter when killed: the kill between its two
// answers with the same id is named; without a kill between, none is.
func TestExplainIDsAfterRestart(t *testing.T) {
	for _, between := range []bool{true, false} {
		r := tracetest.New("n1")
		generate(r, 10, 0, "c0", "n1-0")
		if between {
			r.Kill(12, 15, "n1")
		} else {
			r.Kill(30, 35, "n1")
		}
		generate(r, 20, 0, "c0", "n1-0")
		out := ExplainDuplicates(r.Index(), []any{"n1-0"})
		require.Len(t, out, 1)
		if between {
			assert.Contains(t, out[0].Summary, "; one node generated it more than once; n1 generated it at 0.010 s, was killed at 0.012 s and restarted at 0.015 s, and generated it again at 0.020 s, after the restart.")
			assert.Len(t, out[0].Evidence, 6, "two ops, two replies, the kill and the restart")
		} else {
			assert.NotContains(t, out[0].Summary, "killed")
			assert.Len(t, out[0].Evidence, 4)
		}
	}
}
