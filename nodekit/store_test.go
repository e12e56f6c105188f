package nodekit_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/nodekit"
	"github.com/eddy-workbench/eddy/nodekit/durable"
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

// A node run by Func finds its directory in the context (as eddy gives it
// to an in-process node), and its default Store is a DirStore there; a
// node with no directory has no default store.
func TestNodeDirAndDefaultStore(t *testing.T) {
	dir := t.TempDir()
	var got string
	var store nodekit.Store
	f := nodekit.Func(func(n *nodekit.Node) error {
		got, store = n.Dir(), n.Store()
		return nil
	})
	require.NoError(t, f(durable.WithDir(context.Background(), dir), strings.NewReader(""), io.Discard, io.Discard))
	require.Equal(t, dir, got)
	require.NotNil(t, store)
	require.NoError(t, store.Save("k", []byte("v")))
	again, err := nodekit.OpenDir(dir)
	require.NoError(t, err)
	v, err := again.Load("k")
	require.NoError(t, err)
	require.Equal(t, "v", string(v))

	t.Setenv(durable.EnvDir, "")
	require.NoError(t, nodekit.Func(func(n *nodekit.Node) error {
		got, store = n.Dir(), n.Store()
		return nil
	})(context.Background(), strings.NewReader(""), io.Discard, io.Discard))
	require.Empty(t, got)
	require.Nil(t, store)
}
