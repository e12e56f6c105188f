package history

import (
	"bytes"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/edn"
)

func TestRecorderIndexesConcurrentOps(t *testing.T) {
	r := NewRecorder(time.Now())
	var wg sync.WaitGroup
	for p := range 8 {
		wg.Go(func() {
			for range 100 {
				r.Add(Op{Type: Invoke, Process: p, F: "generate"})
			}
		})
	}
	wg.Wait()
	ops := r.Ops()
	require.Len(t, ops, 800)
	for i, o := range ops {
		assert.Equal(t, i, o.Index)
		if i > 0 {
			assert.GreaterOrEqual(t, o.Time, ops[i-1].Time)
		}
	}
}

func TestPairsMatchByProcess(t *testing.T) {
	ops := []Op{
		{Index: 0, Type: Invoke, Process: 0},
		{Index: 1, Type: Invoke, Process: 1},
		{Index: 2, Type: Info, Process: Nemesis, F: "start-partition"},
		{Index: 3, Type: OK, Process: 1},
		{Index: 4, Type: Info, Process: 0},
		{Index: 5, Type: Invoke, Process: 2},
	}
	assert.Equal(t, map[int]int{0: 4, 1: 3}, Pairs(ops))
}

func TestWriters(t *testing.T) {
	ops := []Op{
		{Index: 0, Time: 10, Type: Invoke, Process: 0, F: "echo", Value: "Please echo 5"},
		{Index: 1, Time: 20, Type: Fail, Process: 0, F: "echo", Value: "Please echo 5", Error: []any{edn.Keyword("abort"), "no"}},
		{Index: 2, Time: 30, Type: Info, Process: Nemesis, F: "stop-partition", Value: edn.Keyword("network-healed")},
		{Index: 3, Time: 40, Type: OK, Process: 3, F: "read", Value: int64(4), Final: true},
	}
	var e, txt bytes.Buffer
	require.NoError(t, WriteEDN(&e, ops))
	require.NoError(t, WriteText(&txt, ops))
	assert.Equal(t, `{:index 0, :time 10, :type :invoke, :process 0, :f :echo, :value "Please echo 5"}
{:index 1, :time 20, :type :fail, :process 0, :f :echo, :value "Please echo 5", :error [:abort "no"]}
{:index 2, :time 30, :type :info, :process :nemesis, :f :stop-partition, :value :network-healed}
{:index 3, :time 40, :type :ok, :process 3, :f :read, :value 4, :final? true}
`, e.String())
	assert.Equal(t, "0\t:invoke\t:echo\t\"Please echo 5\"\n0\t:fail\t:echo\t\"Please echo 5\"\t[:abort \"no\"]\n:nemesis\t:info\t:stop-partition\t:network-healed\n3\t:ok\t:read\t4\n", txt.String())
}
