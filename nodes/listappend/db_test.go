package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/nodekit"
)

func TestParseTxn(t *testing.T) {
	long := `"` + strings.Repeat("x", MaxKeyBytes) + `"`
	tests := []struct {
		raw     string
		want    string // the ops re-rendered, or the error
		wantErr bool
	}{
		{`[["r",1,null],["append",1,2]]`, `[["r",1,null],["append",1,2]]`, false},
		{`[["r", {"b": 1,  "a":[1, 2]}, 7]]`, `[["r",{"b":1,"a":[1,2]},null]]`, false},
		{`[]`, `[]`, false},
		{`null`, `"txn" must be an array of micro-ops`, true},
		{`{"a":1}`, `"txn" must be an array of micro-ops`, true},
		{`[["r",1]]`, `micro-op 0 is not [f, key, value]`, true},
		{`[["w",1,2]]`, `micro-op 0: f must be "r" or "append"`, true},
		{`[["r",` + long + `,null]]`, `micro-op 0: the key must be JSON of at most 256 bytes`, true},
		{`[["append",1,` + long + `]]`, `micro-op 0: the element must be JSON of at most 256 bytes`, true},
	}
	for _, tt := range tests {
		txn, err := ParseTxn(json.RawMessage(tt.raw))
		if tt.wantErr {
			require.Error(t, err, tt.raw)
			assert.Equal(t, tt.want, err.Error())
			continue
		}
		require.NoError(t, err, tt.raw)
		b, err := json.Marshal(txn)
		require.NoError(t, err)
		assert.Equal(t, tt.want, string(b))
	}
}

// TestExecuteMissing: a DB that lacks a pack says which, and does nothing
// until it has it.
func TestExecuteMissing(t *testing.T) {
	db := NewDB(NewCache(1<<20), "a", DefaultLimits)
	res, missing, err := db.Execute("", []Txn{{{F: "append", Key: "1", Val: "5"}}})
	require.NoError(t, err)
	require.Empty(t, missing)
	require.Len(t, res.Packs, 1)
	assert.Equal(t, "a.1/0", res.Root, "one leaf, the root")

	other := NewDB(NewCache(1<<20), "b", DefaultLimits)
	_, missing, err = other.Execute(res.Root, []Txn{{{F: "r", Key: "1"}}})
	require.NoError(t, err)
	assert.Equal(t, []string{"a.1"}, missing)
	require.NoError(t, other.Cache().Add(res.Packs[0].ID, res.Packs[0].Value))
	got, missing, err := other.Execute(res.Root, []Txn{{{F: "r", Key: "1"}}})
	require.NoError(t, err)
	require.Empty(t, missing)
	assert.Equal(t, []string{"5"}, got.Txns[0][0].Read)
	assert.Equal(t, res.Root, got.Root, "a read changes nothing")
	assert.Empty(t, got.Packs)
}

// TestPacksBounded: a batch that creates more than a pack's worth of nodes
// spreads them over several packs, each under the bound, children first.
func TestPacksBounded(t *testing.T) {
	lim := Limits{MaxPack: 1000, MaxLeaf: 200, MaxTail: 60}
	db := NewDB(NewCache(1<<20), "a", lim)
	var txn Txn
	for k := range 200 {
		for v := range 3 {
			txn = append(txn, Op{F: "append", Key: fmt.Sprint(k), Val: fmt.Sprintf(`"value-%d"`, v)})
		}
	}
	res, _, err := db.Execute("", []Txn{txn})
	require.NoError(t, err)
	require.Greater(t, len(res.Packs), 5)
	for _, p := range res.Packs {
		assert.LessOrEqual(t, len(p.Value), lim.MaxPack, p.ID)
		nodes, err := decodePack(p.Value)
		require.NoError(t, err)
		for _, n := range nodes {
			if n.kind == 'l' {
				assert.LessOrEqual(t, leafSize(n.ents), lim.MaxLeaf+refSize, "a leaf over the bound would have split")
			}
		}
	}
	fresh := NewDB(NewCache(1<<20), "b", lim)
	for _, p := range res.Packs {
		require.NoError(t, fresh.Cache().Add(p.ID, p.Value))
	}
	got, missing, err := fresh.Execute(res.Root, []Txn{{{F: "r", Key: "7"}, {F: "r", Key: "199"}}})
	require.NoError(t, err)
	require.Empty(t, missing)
	assert.Equal(t, []string{`"value-0"`, `"value-1"`, `"value-2"`}, got.Txns[0][0].Read)
	assert.Equal(t, []string{`"value-0"`, `"value-1"`, `"value-2"`}, got.Txns[0][1].Read)
}

func TestCacheEvicts(t *testing.T) {
	c := NewCache(100)
	pack := func(v int) []byte {
		return []byte(fmt.Sprintf(`[{"c":["",[%d,%s]]}]`, v, strings.Repeat("1,", 10)+"1"))
	} // 45 bytes
	require.NoError(t, c.Add("p1", pack(1)))
	require.NoError(t, c.Add("p2", pack(2)))
	n, err := c.node("p1/0") // p1 becomes the most recent
	require.NoError(t, err)
	assert.Equal(t, "1", n.elems[0])
	require.NoError(t, c.Add("p3", pack(3)))
	assert.True(t, c.Has("p1"))
	assert.False(t, c.Has("p2"), "the least recently used went")
	assert.True(t, c.Has("p3"))
	n, err = c.node("p2/0")
	assert.NoError(t, err)
	assert.Nil(t, n, "not cached")
	_, err = c.node("p1/4")
	assert.Error(t, err, "no such node")
	assert.Error(t, c.Add("bad", []byte(`[{"x":1}]`)))
	assert.Error(t, c.Add("bad", []byte(`[{"b":["a"]}]`)))
	assert.Equal(t, 2, c.Len())
}

func TestProgram(t *testing.T) {
	tests := []struct {
		args   []string
		status int
		stderr string
	}{
		{nil, 0, ""},
		{[]string{"-max-attempts", "3", "-announce=false", "-timeout", "200ms"}, 0, ""},
		{[]string{"-max-attempts", "0"}, 2, "-max-attempts must be at least 1"},
		{[]string{"-max-batch", "0"}, 2, "-max-batch must be at least 1"},
		{[]string{"-cache", "10"}, 2, "-cache must be at least 1 MiB"},
		{[]string{"-timeout", "0s"}, 2, "-timeout must be positive"},
		{[]string{"x"}, 2, `unexpected argument "x"`},
		{[]string{"-y"}, 2, "flag provided but not defined: -y"},
	}
	for _, tt := range tests {
		fs, setup, _ := program()
		var stderr strings.Builder
		status := nodekit.Exec(context.Background(), fs, tt.args, setup, nodekit.WithIO(strings.NewReader(""), &strings.Builder{}, &stderr))
		assert.Equal(t, tt.status, status, "%v", tt.args)
		assert.Contains(t, stderr.String(), tt.stderr, "%v", tt.args)
	}
}
