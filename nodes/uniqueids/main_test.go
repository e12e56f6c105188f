package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/nodekit"
	"github.com/eddy-workbench/eddy/nodekit/kittest"
)

// TestNode drives the wired node the way Maelstrom does.
func TestNode(t *testing.T) {
	w := kittest.Start(t, func(n *nodekit.Node) { require.NoError(t, setup("b0")(n)) })
	w.Init("n2", "n1", "n2")
	w.Init("n2", "n1", "n2") // a second init must not restart the counter

	seen := map[string]bool{}
	for range 5 {
		r := w.Call("c4", `{"type":"generate"}`)
		require.Equal(t, "generate_ok", r.Type)
		var b generateOK
		require.NoError(t, r.Decode(&b))
		assert.False(t, seen[b.ID], "duplicate %s", b.ID)
		seen[b.ID] = true
	}
	assert.True(t, seen["n2-b0-1"] && seen["n2-b0-5"], "IDs = %v, want n2-b0-1 … n2-b0-5", seen)
}
