package echo

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/history"
	"github.com/eddy-workbench/eddy/internal/trace/tracetest"
)

func echoCall(r *tracetest.Run, ms float64, client, sent, got string) {
	body := edn.NewMap(edn.Keyword("type"), "echo_ok", edn.Keyword("echo"), got)
	r.Call(ms, ms+1, 0, client, "echo", sent, map[string]any{"type": "echo", "echo": sent}, history.OK, map[string]any{"type": "echo_ok", "echo": got}, body)
}

// A node that answers with the previous request's text.
func TestExplainPreviousEcho(t *testing.T) {
	r := tracetest.New("n0")
	echoCall(r, 10, "c0", "Please echo 1", "Please echo 1")
	echoCall(r, 20, "c0", "Please echo 2", "Please echo 1")
	out := ExplainErrors(r.Index())
	require.Len(t, out, 1)
	e := out[0]
	assert.Equal(t, `n0 answered the echo of "Please echo 2" with "Please echo 1", the text of an earlier request to it (op 0 at 0.010 s), at 0.021 s.`, e.Summary)
	require.Len(t, e.Evidence, 4)
	assert.Equal(t, "the request", e.Evidence[2].Note)
	assert.Equal(t, `echo "Please echo 2"`, e.Evidence[2].Text)
	assert.Equal(t, "the reply", e.Evidence[3].Note)
	assert.Equal(t, `echo "Please echo 1"`, e.Evidence[3].Text)
}

func TestExplainAlteredEcho(t *testing.T) {
	r := tracetest.New("n0")
	echoCall(r, 10, "c0", "hi", "hi!")
	out := ExplainErrors(r.Index())
	require.Len(t, out, 1)
	assert.Equal(t, `n0 answered the echo of "hi" with "hi!", at 0.011 s.`, out[0].Summary)
}
