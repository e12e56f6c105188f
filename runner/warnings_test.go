package runner

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/eddy-workbench/eddy/check"
)

func TestConvergenceWarning(t *testing.T) {
	const s = "n1–n4 lack 45"
	assert.Equal(t, "Maelstrom would pass this run, but not every node converged: n1–n4 lack 45 (eddy's convergence check; --strict makes it invalid)",
		convergenceWarning(s, false, check.Valid))
	assert.Equal(t, "Not every node converged: n1–n4 lack 45 (eddy's convergence check; --strict makes it invalid)",
		convergenceWarning(s, false, check.Invalid))
	assert.Equal(t, "Not every node converged: n1–n4 lack 45 (eddy's convergence check; --strict makes it invalid)",
		convergenceWarning(s, false, check.Unknown))
	assert.Equal(t, "Not every node converged: n1–n4 lack 45 (eddy's convergence check; invalid under --strict)",
		convergenceWarning(s, true, check.Invalid))
}
