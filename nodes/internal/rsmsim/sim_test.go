package rsmsim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/nodes/internal/durable"
	"github.com/eddy-workbench/eddy/nodes/internal/rsm"
)

type noMsg struct{}

func (noMsg) Source() string { return "" }
func (noMsg) Dest() string   { return "" }

// local is a broken core: each node applies the ops it takes at once, in
// its own log, and tells nobody.
type local struct {
	n   uint64
	out rsm.Ready[noMsg, int, int]
}

func (c *local) Tick()      {}
func (c *local) Step(noMsg) {}
func (c *local) Submit(op rsm.Op) {
	c.n++
	c.out.Committed = append(c.out.Committed, rsm.Entry{Index: c.n, Ops: []rsm.Op{op}})
}
func (c *local) Ready() rsm.Ready[noMsg, int, int] {
	out := c.out
	c.out = rsm.Ready[noMsg, int, int]{}
	return out
}

func config(newCore func() rsm.Core[noMsg, int, int]) Config[noMsg, int, int] {
	return Config[noMsg, int, int]{
		Nodes: 3, Seed: 1, Ticks: 200, Settle: 10,
		New: func(string, []string, uint64, durable.State[int, int]) rsm.Core[noMsg, int, int] {
			return newCore()
		},
		Decode:  func(string, string, []byte) (noMsg, error) { return noMsg{}, nil },
		Steps:   10,
		Clients: 6, Think: 2, Timeout: 50, Keys: 1,
	}
}

func TestSimulationCatchesDivergentLogs(t *testing.T) {
	_, err := Run(config(func() rsm.Core[noMsg, int, int] { return &local{} }))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "state machine safety")
}

// A correct store on one node: every op applied at once.
func TestSimulationPassesOneCorrectNode(t *testing.T) {
	cfg := config(func() rsm.Core[noMsg, int, int] { return &local{} })
	cfg.Nodes = 1
	res, err := Run(cfg)
	require.NoError(t, err)
	assert.Positive(t, res.OK)
	assert.Equal(t, uint64(res.Ops), res.Applied)
}

// stale is a broken core on one node: reads see the state before the
// last write.
type stale struct {
	local
	lastWrite *rsm.Op
}

func (c *stale) Submit(op rsm.Op) {
	if op.F == rsm.Write {
		// The previous write takes effect now, under another name; this
		// one is acknowledged by a read in its name, and waits.
		if c.lastWrite != nil {
			w := *c.lastWrite
			w.Origin = "ghost"
			c.local.Submit(w)
		}
		c.lastWrite = &op
		c.local.Submit(rsm.Op{Origin: op.Origin, Seq: op.Seq, F: rsm.Read, Key: op.Key})
		return
	}
	c.local.Submit(op)
}

func TestSimulationCatchesANonLinearizableHistory(t *testing.T) {
	cfg := config(func() rsm.Core[noMsg, int, int] { return &stale{} })
	cfg.Nodes = 1
	_, err := Run(cfg)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "linearizab")
}
