package nodekit_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/nodekit"
)

func TestDirStore(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "n0")
	s, err := nodekit.OpenDir(dir)
	require.NoError(t, err)
	var _ nodekit.Store = s

	_, err = s.Load("term")
	assert.ErrorIs(t, err, nodekit.ErrNotFound)
	for _, key := range []string{"term", "../escape", "a/b", "", "日本"} {
		require.NoError(t, s.Save(key, []byte("v1 "+key)))
		require.NoError(t, s.Save(key, []byte("v2 "+key)))
	}
	// A store reopened over the same directory (a restarted node) sees
	// the last values.
	s2, err := nodekit.OpenDir(dir)
	require.NoError(t, err)
	for _, key := range []string{"term", "../escape", "a/b", "", "日本"} {
		v, err := s2.Load(key)
		require.NoError(t, err)
		assert.Equal(t, "v2 "+key, string(v))
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 5, "one file per key, no temporary files left, nothing outside")
	_, err = os.Stat(filepath.Join(filepath.Dir(dir), "escape"))
	assert.True(t, os.IsNotExist(err))
}
