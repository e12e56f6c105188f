package report

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/ednfuzz"
	"github.com/eddy-workbench/eddy/internal/history"
)

// resultKeys are the top-level keys of Maelstrom's results.
var resultKeys = []string{"valid?", "workload", "net", "perf", "stats", "availability", "exceptions", "eddy"}

var opTypes = []history.Type{history.Invoke, history.OK, history.Fail, history.Info}

// builder reads results and histories from fuzz input (see package
// ednfuzz), with values that always read back from EDN: the edn package's
// FuzzWriters covers keywords that do not.
type builder struct{ *ednfuzz.Decoder }

func newBuilder(data []byte) builder {
	d := ednfuzz.New(data)
	d.Readable = true
	return builder{d}
}

// results reads a count byte and that many entries: a byte picking one of
// resultKeys (or, past them, a key that is any value) and a value.
func (b builder) results() *edn.Map {
	m := edn.NewMap()
	for range int(b.Byte()) % 9 {
		var k any
		if i := int(b.Byte()) % (len(resultKeys) + 1); i < len(resultKeys) {
			k = edn.Keyword(resultKeys[i])
		} else {
			k = b.Value(1)
		}
		m.Set(k, b.Value(1))
	}
	return m
}

// ops reads a count byte and that many ops, each as: eight bytes of time, a
// type byte, a process (a byte whose low bit clear means the nemesis, else a
// byte for an int from -128 to 127), a name for f, a value, a byte whose low
// bit set means an error value follows, a byte for :final?, and a byte whose
// low bit set means an exception text follows.
func (b builder) ops() []history.Op {
	var ops []history.Op
	for i := range int(b.Byte()) % 9 {
		op := history.Op{Index: i, Time: int64(b.Uint64()), Type: opTypes[b.Byte()%4]}
		op.Process = history.Nemesis
		if b.Byte()&1 == 1 {
			op.Process = int(int8(b.Byte()))
		}
		op.F = b.Name()
		op.Value = b.Value(0)
		if b.Byte()&1 == 1 {
			op.Error = b.Value(0)
		}
		op.Final = b.Byte()&1 == 1
		if b.Byte()&1 == 1 {
			op.Exception = b.Text()
		}
		ops = append(ops, op)
	}
	return ops
}

var (
	program = ednfuzz.Program
	name    = ednfuzz.NameInput
)

// resultSeeds are FuzzWriteResults inputs.
func resultSeeds() [][]byte {
	const valid, workload, net, perf = 0, 1, 2, 3
	return [][]byte{
		program(1, valid, ednfuzz.Bool, 1),
		program(4,
			valid, ednfuzz.TameKeyword, name("unknown"),
			workload, ednfuzz.Map, 3,
			ednfuzz.TameKeyword, name("lost"), ednfuzz.Vector, 2, ednfuzz.Int, 3, ednfuzz.BigInt, 1, 10, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
			ednfuzz.TameKeyword, name("stable-latencies"), ednfuzz.Map, 2, ednfuzz.Float, 0.5, ednfuzz.Int64, int64(1909),
			ednfuzz.Float, 1.0, ednfuzz.Int64, int64(11740),
			ednfuzz.TameKeyword, name("note"), ednfuzz.String, 6, "a", 0xf0, 0xf2, 0xf1, 0xf4, 0xf6,
			net, ednfuzz.Map, 1, ednfuzz.TameKeyword, name("msgs-per-op"), ednfuzz.Float, 0.43171585,
			perf, ednfuzz.Set, 3, ednfuzz.FloatSpecial, 0, ednfuzz.FloatSpecial, 1, ednfuzz.FloatSpecial, 2),
		program(2, len(resultKeys), ednfuzz.String, 3, 0xf2, ",", "}", ednfuzz.Raw, ednfuzz.Vector, 1, ednfuzz.String, 1, 0xf5,
			len(resultKeys), ednfuzz.FloatSpecial, 0, ednfuzz.Nil),
	}
}

// historySeeds are FuzzWriteHistory inputs.
func historySeeds() [][]byte {
	return [][]byte{
		program(0),
		program(3,
			int64(10), 0, 1, 0, name("echo"), ednfuzz.String, 13, "Please echo 1", 0, 0, 0,
			int64(20), 3, 0, name("start-partition"), ednfuzz.Nil, 0, 0, 0,
			int64(30), 3, 1, 0, name("echo"), ednfuzz.String, 13, "Please echo 1",
			1, ednfuzz.Vector, 2, ednfuzz.TameKeyword, name("timeout"), ednfuzz.String, 19, "Client read timeout", 0, 0),
		program(2,
			int64(-1), 1, 1, 0xff, name("read"), ednfuzz.String, 4, "a", 0xf2, 0xf4, "b",
			1, ednfuzz.String, 3, 0xf3, 0xf0, 0xf1, 1,
			1, 13, "line one", 0xf2, "two", 0xf6,
			int64(math.MaxInt64), 2, 1, 0x7f, name("txn"), ednfuzz.Map, 1, ednfuzz.TameKeyword, name("k"), ednfuzz.Set, 1, ednfuzz.FloatSpecial, 0,
			1, ednfuzz.Raw, ednfuzz.String, 2, 0xf2, 0xf4, 0, 1, 2, 0xf3, 0xf2),
	}
}

// FuzzWriteResults writes results built from the input and checks that
// results.edn reads back as them and results.json is valid JSON holding
// what edn.MarshalJSON writes for them.
func FuzzWriteResults(f *testing.F) {
	for _, seed := range resultSeeds() {
		f.Add(seed)
	}
	dir := f.TempDir() // each run overwrites the files
	f.Fuzz(func(t *testing.T, data []byte) {
		results := newBuilder(data).results()
		require.NoError(t, WriteResults(dir, results))

		text, err := os.ReadFile(filepath.Join(dir, "results.edn"))
		require.NoError(t, err)
		back, err := edn.Parse(text)
		require.NoError(t, err, "%s", text)
		require.Equal(t, edn.String(results), edn.String(back), "read back from\n%s", text)

		raw, err := os.ReadFile(filepath.Join(dir, "results.json"))
		require.NoError(t, err)
		require.True(t, json.Valid(raw), "%s", raw)
		var decoded any
		require.NoError(t, json.Unmarshal(raw, &decoded))
		want, err := edn.MarshalJSON(results)
		require.NoError(t, err)
		var compact bytes.Buffer
		require.NoError(t, json.Compact(&compact, raw))
		require.Equal(t, string(want), compact.String())
	})
}

// FuzzWriteHistory writes ops built from the input and checks that
// history.edn has one line per op, each reading back as the op, and
// history.txt one line per op whose tab-separated columns read back as the
// op's process, type, f, value and error; no newline in a string, an error
// or an exception may split an op across lines.
func FuzzWriteHistory(f *testing.F) {
	for _, seed := range historySeeds() {
		f.Add(seed)
	}
	dir := f.TempDir() // each run overwrites the files
	f.Fuzz(func(t *testing.T, data []byte) {
		ops := newBuilder(data).ops()
		require.NoError(t, WriteHistory(dir, ops))

		text, err := os.ReadFile(filepath.Join(dir, "history.edn"))
		require.NoError(t, err)
		lines := splitLines(t, text, len(ops))
		for i, line := range lines {
			v, err := edn.Parse([]byte(line))
			require.NoError(t, err, "line %d: %s", i+1, line)
			require.Equal(t, edn.String(ops[i].EDN()), edn.String(v))
			if ops[i].Exception != "" {
				m := v.(*edn.Map)
				exc, _ := m.Get(edn.Keyword("exception"))
				msg, _ := exc.(*edn.Map).Get(edn.Keyword("message"))
				require.Equal(t, string([]rune(ops[i].Exception)), msg)
			}
		}

		text, err = os.ReadFile(filepath.Join(dir, "history.txt"))
		require.NoError(t, err)
		lines = splitLines(t, text, len(ops))
		for i, line := range lines {
			op := ops[i]
			var process any = op.Process
			if op.Process == history.Nemesis {
				process = edn.Keyword("nemesis")
			}
			want := []any{process, edn.Keyword(op.Type), edn.Keyword(op.F), op.Value}
			if op.Error != nil {
				want = append(want, op.Error)
			}
			cols := strings.Split(line, "\t")
			require.Len(t, cols, len(want), "line %d: %q", i+1, line)
			for j, col := range cols {
				v, err := edn.Parse([]byte(col))
				require.NoError(t, err, "line %d, column %d: %s", i+1, j+1, col)
				require.Equal(t, edn.String(want[j]), edn.String(v), "line %d, column %d", i+1, j+1)
			}
		}
	})
}

// splitLines splits text into n lines, each ended by a newline.
func splitLines(t *testing.T, text []byte, n int) []string {
	t.Helper()
	require.Equal(t, n, bytes.Count(text, []byte("\n")), "%s", text)
	if n == 0 {
		return nil
	}
	require.True(t, bytes.HasSuffix(text, []byte("\n")))
	return strings.Split(strings.TrimSuffix(string(text), "\n"), "\n")
}
