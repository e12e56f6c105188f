package history

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/edn"
)

func TestReadEDNRoundTrip(t *testing.T) {
	t.Parallel()
	ops := []Op{
		{Index: 0, Time: 12, Type: Invoke, Process: 3, F: "broadcast", Value: int64(7)},
		{Index: 1, Time: 99, Type: OK, Process: 3, F: "broadcast", Value: int64(7)},
		{Index: 2, Time: 100, Type: Info, Process: Nemesis, F: "start-partition", Value: edn.Keyword("majority")},
		{Index: 3, Time: 101, Type: Invoke, Process: 1, F: "read", Final: true},
		{Index: 4, Time: 5e9, Type: Info, Process: 1, F: "read", Error: []any{edn.Keyword("timeout"), "no reply"}, Exception: "Client read timeout"},
		{Index: 5, Time: 5e9 + 1, Type: OK, Process: 2, F: "send", Value: []any{[]any{edn.Keyword("send"), int64(1), []any{int64(0), int64(5)}}}},
		{Index: 6, Time: 5e9 + 2, Type: Fail, Process: 2, F: "echo", Value: "a \"quoted\"\nline", Error: edn.Keyword("net-timeout")},
	}
	var b bytes.Buffer
	require.NoError(t, WriteEDN(&b, ops))
	got, err := ReadEDN(&b)
	require.NoError(t, err)
	require.Len(t, got, len(ops))
	for i := range ops {
		assert.Equal(t, edn.String(ops[i].EDN()), edn.String(got[i].EDN()), "op %d", i)
		assert.Equal(t, ops[i].Process, got[i].Process)
		assert.Equal(t, ops[i].Final, got[i].Final)
		assert.Equal(t, ops[i].Exception, got[i].Exception)
	}
}

func TestReadEDNErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ text, want string }{
		{"{:index 0 :time 1 :type :ok :process 0 :f :read}\n[1 2]\n", "line 2: an op must be a map"},
		{"{:index 0 :time 1 :type :ok :process 0 :f :read\n", "line 1: "},
		{"{:time 1 :type :ok :process 0 :f :read}\n", "line 1: op has no integer :index"},
		{"{:index 4 :type :ok :process 0 :f :read}\n", "line 1: op 4 has no integer :time"},
		{"{:index 4 :time 1 :type :ok :process \"p\" :f :read}\n", "op 4 has :process \"p\""},
		{"{:index 4 :time 1 :type :ok :process 0 :f 3}\n", "op 4 has :f 3"},
	}
	for _, tt := range tests {
		_, err := ReadEDN(strings.NewReader(tt.text))
		require.Error(t, err, tt.text)
		assert.Contains(t, err.Error(), tt.want)
	}
}
