package durable

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMemory(t *testing.T) {
	var m Memory[string, string]
	h := "term 1"
	steps := []struct {
		u    Update[string, string]
		hard string
		recs []string
	}{
		{Update[string, string]{Hard: &h}, "term 1", nil},
		{Update[string, string]{First: 1, Records: []string{"a", "b", "c"}}, "term 1", []string{"a", "b", "c"}},
		// Raft: a conflict at 2 replaces everything from there.
		{Update[string, string]{First: 2, Records: []string{"x"}, Truncate: true}, "term 1", []string{"a", "x"}},
		// Paxos: slot 5 accepted with 3 and 4 never written.
		{Update[string, string]{First: 5, Records: []string{"e"}}, "term 1", []string{"a", "x", "", "", "e"}},
		{Update[string, string]{First: 3, Records: []string{"c"}}, "term 1", []string{"a", "x", "c", "", "e"}},
	}
	for i, s := range steps {
		require.NoError(t, m.Save(s.u))
		st, err := m.Load()
		require.NoError(t, err)
		assert.Equal(t, s.hard, st.Hard, "step %d", i)
		assert.Equal(t, s.recs, st.Records, "step %d", i)
	}
	st, _ := m.Load()
	st.Records[0] = "changed"
	again, _ := m.Load()
	assert.Equal(t, "a", again.Records[0], "Load returns a copy")
	assert.True(t, Update[string, string]{}.Empty())
}

func ExampleMemory() {
	var m Memory[uint64, string]
	term := uint64(3)
	_ = m.Save(Update[uint64, string]{Hard: &term, First: 1, Records: []string{"put x 1", "put y 2"}})
	st, _ := m.Load()
	fmt.Println(st.Hard, st.Records)
	// Output: 3 [put x 1 put y 2]
}

// A File holds what a Memory holds after the same updates, and holds it
// again when opened anew, as a restarted node opens it.
func TestFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "store")
	f, err := OpenFile[string, string](path)
	require.NoError(t, err)
	var m Memory[string, string]
	h1, h2 := "term 1", "term 2"
	for _, u := range []Update[string, string]{
		{Hard: &h1},
		{First: 1, Records: []string{"a", "b", "c"}},
		{First: 2, Records: []string{"x"}, Truncate: true},
		{},
		{Hard: &h2, First: 5, Records: []string{"e"}},
	} {
		require.NoError(t, f.Save(u))
		require.NoError(t, m.Save(u))
	}
	want, _ := m.Load()
	got, err := f.Load()
	require.NoError(t, err)
	assert.Equal(t, want, got)
	require.NoError(t, f.Close())

	again, err := OpenFile[string, string](path)
	require.NoError(t, err)
	got, err = again.Load()
	require.NoError(t, err)
	assert.Equal(t, State[string, string]{Hard: "term 2", Records: []string{"a", "x", "", "", "e"}}, got)
	require.NoError(t, again.Close())

	require.NoError(t, os.WriteFile(path, []byte("not a log"), 0o644))
	f, err = OpenFile[string, string](path)
	require.NoError(t, err, "damage at the head reads as an empty log")
	got, _ = f.Load()
	assert.Empty(t, got.Records)
	f.Close()
}
