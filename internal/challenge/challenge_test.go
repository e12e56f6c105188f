package challenge

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// official splits an official Gossip Glomers command line into its workload
// and the flags after --bin, checking the words in between.
func official(t *testing.T, cmd string) (workload string, flags []string) {
	t.Helper()
	w := strings.Fields(cmd)
	require.GreaterOrEqual(t, len(w), 6, cmd)
	require.Equal(t, []string{"./maelstrom", "test", "-w"}, w[:3], cmd)
	require.Equal(t, "--bin", w[4], cmd)
	require.True(t, strings.HasPrefix(w[5], "~/go/bin/maelstrom-"), cmd)
	return w[3], w[6:]
}

func TestTableMatchesOfficialCommands(t *testing.T) {
	const (
		broadcast3d = "./maelstrom test -w broadcast --bin ~/go/bin/maelstrom-broadcast --node-count 25 --time-limit 20 --rate 100 --latency 100"
		kafka5b     = "./maelstrom test -w kafka --bin ~/go/bin/maelstrom-kafka --node-count 2 --concurrency 2n --time-limit 20 --rate 1000"
		txn6b       = "./maelstrom test -w txn-rw-register --bin ~/go/bin/maelstrom-txn --node-count 2 --concurrency 2n --time-limit 20 --rate 1000 --consistency-models read-uncommitted"
	)
	tests := []struct {
		id       string
		command  string
		node     string
		nodeArgs []string
		targets  Targets
	}{
		{
			id:      "1",
			command: "./maelstrom test -w echo --bin ~/go/bin/maelstrom-echo --node-count 1 --time-limit 10",
			node:    "nodes/echo",
		},
		{
			id:      "2",
			command: "./maelstrom test -w unique-ids --bin ~/go/bin/maelstrom-unique-ids --time-limit 30 --rate 1000 --node-count 3 --availability total --nemesis partition",
			node:    "nodes/uniqueids",
			targets: Targets{TotalAvailability: true},
		},
		{
			id:      "3a",
			command: "./maelstrom test -w broadcast --bin ~/go/bin/maelstrom-broadcast --node-count 1 --time-limit 20 --rate 10",
			node:    "nodes/broadcast",
		},
		{
			id:      "3b",
			command: "./maelstrom test -w broadcast --bin ~/go/bin/maelstrom-broadcast --node-count 5 --time-limit 20 --rate 10",
			node:    "nodes/broadcast",
		},
		{
			id:      "3c",
			command: "./maelstrom test -w broadcast --bin ~/go/bin/maelstrom-broadcast --node-count 5 --time-limit 20 --rate 10 --nemesis partition",
			node:    "nodes/broadcast",
		},
		{
			id:       "3d",
			command:  broadcast3d,
			node:     "nodes/broadcast",
			nodeArgs: []string{"-strategy", "latency"},
			targets:  Targets{MaxServerMsgsPerOp: 30, MaxMedianLatency: 400 * time.Millisecond, MaxMaxLatency: 600 * time.Millisecond},
		},
		{
			id:       "3e",
			command:  broadcast3d, // "same command" as 3d
			node:     "nodes/broadcast",
			nodeArgs: []string{"-strategy", "messages"},
			targets:  Targets{MaxServerMsgsPerOp: 20, MaxMedianLatency: time.Second, MaxMaxLatency: 2 * time.Second},
		},
		{
			id:      "4",
			command: "./maelstrom test -w g-counter --bin ~/go/bin/maelstrom-counter --node-count 3 --rate 100 --time-limit 20 --nemesis partition",
			node:    "nodes/gcounter",
		},
		{
			id:      "5a",
			command: "./maelstrom test -w kafka --bin ~/go/bin/maelstrom-kafka --node-count 1 --concurrency 2n --time-limit 20 --rate 1000",
			node:    "nodes/kafka",
		},
		{
			id:      "5b",
			command: kafka5b,
			node:    "nodes/kafka",
		},
		{
			id:      "5c",
			command: kafka5b, // "same as 5b"
			node:    "nodes/kafka",
		},
		{
			id:      "6a",
			command: "./maelstrom test -w txn-rw-register --bin ~/go/bin/maelstrom-txn --node-count 1 --time-limit 20 --rate 1000 --concurrency 2n --consistency-models read-uncommitted --availability total",
			node:    "nodes/txn",
			targets: Targets{TotalAvailability: true},
		},
		{
			id:      "6b",
			command: txn6b,
			node:    "nodes/txn",
		},
		{
			id:      "6b-partition",
			command: txn6b + " --availability total --nemesis partition",
			node:    "nodes/txn",
			targets: Targets{TotalAvailability: true},
		},
		{
			// The published page spells the last flag with an en-dash;
			// eddy uses the intended ASCII "--nemesis".
			id:      "6c",
			command: "./maelstrom test -w txn-rw-register --bin ~/go/bin/maelstrom-txn --node-count 2 --concurrency 2n --time-limit 20 --rate 1000 --consistency-models read-committed --availability total --nemesis partition",
			node:    "nodes/txn",
			targets: Targets{TotalAvailability: true},
		},
	}

	var all []Challenge
	for _, c := range All() {
		if !c.Extra {
			all = append(all, c)
		}
	}
	require.Len(t, all, len(tests))
	for i, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			c := all[i]
			require.Equal(t, tt.id, c.ID, "order of All")
			workload, flags := official(t, tt.command)
			assert.Equal(t, workload, c.Workload)
			assert.Equal(t, flags, c.Flags)
			assert.Equal(t, tt.node, c.Node)
			assert.Equal(t, tt.nodeArgs, c.NodeArgs)
			assert.Equal(t, tt.targets, c.Targets)
			assert.NotEmpty(t, c.Title)
		})
	}
}

// TestExtras: the extras come after the challenges, say so in their
// titles, and run the workloads no challenge covers.
func TestExtras(t *testing.T) {
	var extras []Challenge
	for i, c := range All() {
		if c.Extra {
			extras = append(extras, c)
		} else {
			require.Empty(t, extras, "challenge %s after an extra (index %d)", c.ID, i)
		}
	}
	want := []struct {
		id, node, flags, nodeArgs string
		targets                   Targets
	}{
		{"g-set", "nodes/gset", "--node-count 5 --rate 10 --time-limit 15 --nemesis partition", "-strategy delta", Targets{MaxServerMsgsPerOp: 0.72}},
		{"pn-counter", "nodes/pncounter", "--node-count 5 --rate 100 --time-limit 15 --nemesis partition", "-strategy delta", Targets{MaxServerMsgsPerOp: 0.15}},
		{"txn-list-append", "nodes/listappend", "--node-count 3 --concurrency 2n --rate 100 --time-limit 20 --consistency-models strict-serializable --nemesis partition", "", Targets{}},
	}
	require.Len(t, extras, len(want))
	for i, w := range want {
		c := extras[i]
		assert.Equal(t, w.id, c.ID)
		assert.Equal(t, w.id, c.Workload)
		assert.Equal(t, w.node, c.Node)
		assert.Equal(t, strings.Fields(w.flags), c.Flags)
		if w.nodeArgs == "" {
			assert.Empty(t, c.NodeArgs)
		} else {
			assert.Equal(t, strings.Fields(w.nodeArgs), c.NodeArgs)
		}
		assert.Equal(t, w.targets, c.Targets)
		assert.Contains(t, c.Title, "(extra)")
	}
	got, err := Select([]string{"PN-Counter", "g-set"})
	require.NoError(t, err)
	assert.Equal(t, []string{"g-set", "pn-counter"}, []string{got[0].ID, got[1].ID})
}

func TestAllReturnsFreshCopies(t *testing.T) {
	a := All()
	a[0].Flags[0] = "changed"
	a[5].NodeArgs[1] = "changed"
	b := All()
	assert.Equal(t, "--node-count", b[0].Flags[0])
	assert.Equal(t, "latency", b[5].NodeArgs[1])
}

func TestSelect(t *testing.T) {
	every := IDs()
	tests := []struct {
		name    string
		ids     []string
		want    []string
		wantErr string
	}{
		{name: "all", ids: []string{"all"}, want: every},
		{name: "all mixed case", ids: []string{"ALL"}, want: every},
		{name: "single", ids: []string{"3d"}, want: []string{"3d"}},
		{name: "mixed case", ids: []string{"3D", "6B-Partition"}, want: []string{"3d", "6b-partition"}},
		{name: "order of All kept", ids: []string{"6c", "1", "3e"}, want: []string{"1", "3e", "6c"}},
		{name: "duplicates removed", ids: []string{"3a", "3A", "3a"}, want: []string{"3a"}},
		{name: "all with others", ids: []string{"2", "all"}, want: every},
		{
			name:    "unknown",
			ids:     []string{"3a", "7"},
			wantErr: `unknown challenge "7" (valid ids: 1, 2, 3a, 3b, 3c, 3d, 3e, 4, 5a, 5b, 5c, 6a, 6b, 6b-partition, 6c, g-set, pn-counter, txn-list-append or all)`,
		},
		{
			name:    "several unknown",
			ids:     []string{"x", "3f"},
			wantErr: `unknown challenges "x", "3f" (valid ids: 1, 2, 3a, 3b, 3c, 3d, 3e, 4, 5a, 5b, 5c, 6a, 6b, 6b-partition, 6c, g-set, pn-counter, txn-list-append or all)`,
		},
		{
			name:    "none",
			ids:     nil,
			wantErr: `no challenge given (valid ids: 1, 2, 3a, 3b, 3c, 3d, 3e, 4, 5a, 5b, 5c, 6a, 6b, 6b-partition, 6c, g-set, pn-counter, txn-list-append or all)`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Select(tt.ids)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				assert.Nil(t, got)
				return
			}
			require.NoError(t, err)
			ids := make([]string, len(got))
			for i, c := range got {
				ids[i] = c.ID
			}
			assert.Equal(t, tt.want, ids)
		})
	}
}

func TestCommand(t *testing.T) {
	tests := []struct {
		id   string
		want string
	}{
		{"1", "eddy test -w echo --bin bin/echo --node-count 1 --time-limit 10"},
		{"3d", "eddy test -w broadcast --bin bin/broadcast --node-count 25 --time-limit 20 --rate 100 --latency 100 -- -strategy latency"},
		{"3e", "eddy test -w broadcast --bin bin/broadcast --node-count 25 --time-limit 20 --rate 100 --latency 100 -- -strategy messages"},
		{"6b-partition", "eddy test -w txn-rw-register --bin bin/txn --node-count 2 --concurrency 2n --time-limit 20 --rate 1000 --consistency-models read-uncommitted --availability total --nemesis partition"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			cs, err := Select([]string{tt.id})
			require.NoError(t, err)
			require.Len(t, cs, 1)
			assert.Equal(t, tt.want, cs[0].Command())
		})
	}
}
