package history

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/edn"
)

// soundLines is a sound history, one op per line: two processes and the
// nemesis.
func soundLines(t *testing.T) []string {
	t.Helper()
	ops := []Op{
		{Type: Invoke, Process: 0, F: "add", Value: int64(1)},
		{Type: Invoke, Process: 1, F: "add", Value: int64(2)},
		{Type: OK, Process: 0, F: "add", Value: int64(1)},
		{Type: Info, Process: Nemesis, F: "start-partition", Value: edn.Keyword("majority")},
		{Type: Info, Process: 1, F: "add", Value: int64(2), Error: edn.Keyword("net-timeout")},
		{Type: Invoke, Process: 0, F: "read"},
		{Type: OK, Process: 0, F: "read", Value: []any{int64(1)}},
		{Type: Invoke, Process: 3, F: "read"},
		{Type: OK, Process: 3, F: "read", Value: []any{int64(1), int64(2)}},
	}
	for i := range ops {
		ops[i].Index, ops[i].Time = i, int64(i)*1000
	}
	var b bytes.Buffer
	require.NoError(t, WriteEDN(&b, ops))
	return strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
}

func audit(t *testing.T, lines []string) Audit {
	t.Helper()
	a, err := ReadAudited(strings.NewReader(strings.Join(lines, "\n") + "\n"))
	require.NoError(t, err)
	return a
}

func indexes(ops []Op) []int {
	var out []int
	for _, o := range ops {
		out = append(out, o.Index)
	}
	return out
}

func TestReadAuditedSound(t *testing.T) {
	t.Parallel()
	lines := soundLines(t)
	a := audit(t, lines)
	assert.Empty(t, a.Faults)
	assert.False(t, a.Lossy)
	assert.Equal(t, []int{0, 1, 2, 3, 4, 5, 6, 7, 8}, indexes(a.Ops))
	want, err := ReadEDN(strings.NewReader(strings.Join(lines, "\n")))
	require.NoError(t, err)
	assert.Equal(t, edn.String(opsEDN(want)), edn.String(opsEDN(a.Ops)))
}

func opsEDN(ops []Op) []any {
	var out []any
	for _, o := range ops {
		out = append(out, o.EDN())
	}
	return out
}

// TestReadAuditedDeletedLine: the case, an invoke line deleted. Its
// completion is left without an invocation, and its index is missing.
func TestReadAuditedDeletedLine(t *testing.T) {
	t.Parallel()
	lines := slices.Delete(soundLines(t), 5, 6) // the invocation of process 0's read
	a := audit(t, lines)
	assert.True(t, a.Lossy, "a deleted line can hide an anomaly")
	require.Len(t, a.Faults, 2, "%v", a.Faults)
	assert.Equal(t, "line 6: :index 5 missing before :index 6 (deleted lines?)", a.Faults[0].String())
	assert.Equal(t, "line 6: a :ok completion of process 0 (:index 6) with no invocation before it; dropped", a.Faults[1].String())
	assert.Equal(t, []int{0, 1, 2, 3, 4, 7, 8}, indexes(a.Ops), "only what is sound is kept")
}

// TestReadAuditedDuplicatedLine: a line repeated word for word loses
// nothing.
func TestReadAuditedDuplicatedLine(t *testing.T) {
	t.Parallel()
	lines := soundLines(t)
	lines = slices.Insert(lines, 3, lines[2])
	a := audit(t, lines)
	assert.False(t, a.Lossy)
	require.Len(t, a.Faults, 1)
	assert.Equal(t, "line 4: repeats line 3 (:index 2) word for word; dropped", a.Faults[0].String())
	assert.Equal(t, []int{0, 1, 2, 3, 4, 5, 6, 7, 8}, indexes(a.Ops))
}

// TestReadAuditedReorderedLines: two lines swapped are put back by their
// indexes.
func TestReadAuditedReorderedLines(t *testing.T) {
	t.Parallel()
	lines := soundLines(t)
	lines[4], lines[5] = lines[5], lines[4]
	a := audit(t, lines)
	assert.False(t, a.Lossy)
	require.Len(t, a.Faults, 1)
	assert.Equal(t, "line 6: :index 4 comes after :index 5 (line 5): lines out of order; put back in :index order", a.Faults[0].String())
	assert.Equal(t, []int{0, 1, 2, 3, 4, 5, 6, 7, 8}, indexes(a.Ops))
}

func TestReadAuditedFaults(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		edit   func([]string) []string
		faults []string
		lossy  bool
		kept   []int
	}{
		{
			name:   "a line that is not EDN",
			edit:   func(l []string) []string { l[6] = "{:index 6 :time"; return l },
			faults: []string{"line 6: process 0's :read invocation (:index 5) never completes", "line 7: not EDN", "line 8: :index 6 missing before :index 7"},
			lossy:  true,
			kept:   []int{0, 1, 2, 3, 4, 7, 8},
		},
		{
			name: "a line that is not an op",
			edit: func(l []string) []string { l[8] = "[1 2 3]"; return l },
			// The last line's loss shows only as a read never completed.
			faults: []string{"line 8: process 3's :read invocation (:index 7) never completes", "line 9: not an op"},
			lossy:  true,
			kept:   []int{0, 1, 2, 3, 4, 5, 6},
		},
		{
			name: "the same index on two different ops",
			edit: func(l []string) []string {
				l[6] = strings.Replace(l[6], ":index 6", ":index 5", 1)
				return l
			},
			faults: []string{"line 6: process 0's :read invocation (:index 5) never completes", "line 7: :index 5 again, but unlike line 6; dropped", "line 8: :index 6 missing"},
			lossy:  true,
			kept:   []int{0, 1, 2, 3, 4, 7, 8},
		},
		{
			name: "time going backwards",
			edit: func(l []string) []string {
				l[7] = strings.Replace(l[7], ":time 7000", ":time 10", 1)
				return l
			},
			faults: []string{"line 8: :time 10 of :index 7 is earlier than :time 6000 of :index 6 (line 7)"},
			lossy:  true,
			kept:   []int{0, 1, 2, 3, 4, 5, 6, 7, 8},
		},
		{
			name: "a completion of another f",
			edit: func(l []string) []string {
				l[6] = strings.Replace(l[6], ":f :read", ":f :add", 1)
				return l
			},
			faults: []string{"line 7: the completion (:index 6) has :f :add, but its invocation (:index 5, line 6) has :f :read; both dropped"},
			lossy:  true,
			kept:   []int{0, 1, 2, 3, 4, 7, 8},
		},
		{
			name: "a nemesis op that is not :info",
			edit: func(l []string) []string {
				l[3] = strings.Replace(l[3], ":type :info", ":type :invoke", 1)
				return l
			},
			faults: []string{"line 4: op 3 is a nemesis op of :type :invoke", "line 5: :index 3 missing before :index 4"},
			lossy:  true,
			kept:   []int{0, 1, 2, 4, 5, 6, 7, 8},
		},
		{
			name:   "a negative process",
			edit:   func(l []string) []string { l[1] = strings.Replace(l[1], ":process 1", ":process -4", 1); return l },
			faults: []string{"line 2: :process -4 is negative", "line 3: :index 1 missing", "line 5: a :info completion of process 1 (:index 4) with no invocation"},
			lossy:  true,
			kept:   []int{0, 2, 3, 5, 6, 7, 8},
		},
		{
			name:   "a completion deleted",
			edit:   func(l []string) []string { return slices.Delete(l, 2, 3) },
			faults: []string{"line 1: process 0's :add invocation (:index 0) has no completion before its next invocation (:index 5); dropped", "line 3: :index 2 missing before :index 3"},
			lossy:  true,
			kept:   []int{1, 3, 4, 5, 6, 7, 8},
		},
		{
			name:  "blank lines",
			edit:  func(l []string) []string { return slices.Insert(l, 2, "") },
			kept:  []int{0, 1, 2, 3, 4, 5, 6, 7, 8},
			lossy: false,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := audit(t, tc.edit(soundLines(t)))
			var got []string
			for _, f := range a.Faults {
				got = append(got, f.String())
			}
			require.Len(t, got, len(tc.faults), "%q", got)
			for i, want := range tc.faults {
				assert.Contains(t, got[i], want)
			}
			assert.Equal(t, tc.lossy, a.Lossy)
			assert.Equal(t, tc.kept, indexes(a.Ops))
		})
	}
}

// FuzzReadAudited: whatever the input, ReadAudited does not fail on it
// and keeps only ops that form a sound history: increasing indexes, and
// every client op an invocation followed by its completion.
func FuzzReadAudited(f *testing.F) {
	f.Add(`{:index 0, :time 0, :type :invoke, :process 0, :f :add, :value 1}
{:index 1, :time 1000, :type :ok, :process 0, :f :add, :value 1}
{:index 2, :time 2000, :type :info, :process :nemesis, :f :start-partition, :value :majority}
`)
	f.Add("{:index 1, :time 0, :type :ok, :process 0, :f :add}\n{:index 0, :time 5, :type :invoke, :process 0, :f :add}\n")
	f.Add("\n\n[]\n{:index -1}\n")
	f.Fuzz(func(t *testing.T, text string) {
		a, err := ReadAudited(strings.NewReader(text))
		if err != nil {
			return // only a read error, e.g. a line over the limit
		}
		pending := map[int]Op{}
		for i, op := range a.Ops {
			if i > 0 && op.Index <= a.Ops[i-1].Index {
				t.Fatalf("indexes not increasing: %d after %d", op.Index, a.Ops[i-1].Index)
			}
			if op.Process == Nemesis {
				continue
			}
			inv, open := pending[op.Process]
			if op.Type == Invoke {
				if open {
					t.Fatalf("process %d invokes at %d with %d pending", op.Process, op.Index, inv.Index)
				}
				pending[op.Process] = op
				continue
			}
			if !open || inv.F != op.F {
				t.Fatalf("completion %d is not paired", op.Index)
			}
			delete(pending, op.Process)
		}
		if len(pending) > 0 {
			t.Fatalf("pending at the end: %v", pending)
		}
		if len(a.Faults) == 0 && a.Lossy {
			t.Fatal("lossy with no fault")
		}
	})
}
