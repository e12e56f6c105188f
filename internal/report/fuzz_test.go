package report

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/history"
)

// The opcodes of the input FuzzWriteResults and FuzzWriteHistory decode into
// values: one byte, modulo numOps, picks the kind of a value, and what
// follows depends on it. Input that runs out reads as zero bytes. Keywords
// are named from a safe alphabet, so every value reads back from EDN (the
// edn package's FuzzWriters covers keywords that do not).
const (
	opNil          = iota
	opBool         // one byte: its low bit
	opInt          // one byte: an int from -128 to 127
	opInt64        // eight bytes, little-endian
	opFloat        // eight bytes: the bits of a float64, little-endian
	opFloatSpecial // one byte: an index into specialFloats
	opBigInt       // a sign byte, a length byte and that many bytes of magnitude
	opString       // text (see builder.text)
	opKeyword      // a name (see builder.name)
	opVector       // a length byte, then that many values
	opSet          // a length byte, then that many values
	opMap          // a length byte, then that many keys and values
	opRaw          // a value, kept as edn.Raw holding its EDN text
	numOps
)

const (
	fuzzMaxDepth = 5
	fuzzMaxNodes = 128
	fuzzMaxLen   = 10
	fuzzMaxText  = 24
)

var specialFloats = []float64{
	math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), 0, 0.5, 0.95, 0.99, 1,
	2.0002, 1e-4, 1e7, 1e21, math.MaxFloat64, math.SmallestNonzeroFloat64,
}

// textPieces are what a text byte of 0xf0 or more stands for.
var textPieces = [16]string{
	`"`, `\`, "\n", "\r\n", "\t", "\x00", "\xff", "\uFEFF",
	"é", "𝄞", "\u2028", " ", ":", ",", "}", "\xed\xa0\x80",
}

// nameAlphabet makes keyword names that read back.
const nameAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789-_?!*+.<>=/'#"

// resultKeys are the top-level keys of Maelstrom's results.
var resultKeys = []string{"valid?", "workload", "net", "perf", "stats", "availability", "exceptions", "eddy"}

var opTypes = []history.Type{history.Invoke, history.OK, history.Fail, history.Info}

type builder struct {
	data  []byte
	nodes int
}

func (b *builder) next() byte {
	if len(b.data) == 0 {
		return 0
	}
	c := b.data[0]
	b.data = b.data[1:]
	return c
}

func (b *builder) uint64() uint64 {
	var buf [8]byte
	n := copy(buf[:], b.data)
	b.data = b.data[n:]
	return binary.LittleEndian.Uint64(buf[:])
}

// text reads a length byte and that many text bytes; a byte of 0xf0 or more
// is one of textPieces, any other byte stands for itself (so bytes from 0x80
// up are invalid UTF-8 on their own).
func (b *builder) text() string {
	var s strings.Builder
	for range int(b.next()) % (fuzzMaxText + 1) {
		if c := b.next(); c >= 0xf0 {
			s.WriteString(textPieces[c-0xf0])
		} else {
			s.WriteByte(c)
		}
	}
	return s.String()
}

// name reads a byte for a first letter, a length byte and that many bytes
// picking characters of nameAlphabet; a name that would end in / gets an x.
func (b *builder) name() string {
	var s strings.Builder
	s.WriteByte(nameAlphabet[b.next()%26])
	for range int(b.next()) % 32 {
		s.WriteByte(nameAlphabet[int(b.next())%len(nameAlphabet)])
	}
	if strings.HasSuffix(s.String(), "/") {
		s.WriteByte('x')
	}
	return s.String()
}

func (b *builder) value(depth int) any {
	b.nodes++
	if b.nodes > fuzzMaxNodes {
		return nil
	}
	switch b.next() % numOps {
	case opBool:
		return b.next()&1 == 1
	case opInt:
		return int(int8(b.next()))
	case opInt64:
		return int64(b.uint64())
	case opFloat:
		return math.Float64frombits(b.uint64())
	case opFloatSpecial:
		return specialFloats[int(b.next())%len(specialFloats)]
	case opBigInt:
		neg := b.next()&1 == 1
		mag := make([]byte, int(b.next())%20)
		n := copy(mag, b.data)
		b.data = b.data[n:]
		x := new(big.Int).SetBytes(mag)
		if neg {
			x.Neg(x)
		}
		return x
	case opString:
		return b.text()
	case opKeyword:
		return edn.Keyword(b.name())
	case opVector:
		return b.items(depth)
	case opSet:
		return edn.Set(b.items(depth))
	case opMap:
		m := edn.NewMap()
		for range b.length(depth) {
			k := b.value(depth + 1)
			m.Set(k, b.value(depth+1))
		}
		return m
	case opRaw:
		return edn.Raw(edn.Marshal(b.value(depth + 1)))
	}
	return nil
}

// length reads a collection's length, which is zero at the depth limit.
func (b *builder) length(depth int) int {
	n := int(b.next()) % (fuzzMaxLen + 1)
	if depth >= fuzzMaxDepth {
		return 0
	}
	return n
}

func (b *builder) items(depth int) []any {
	xs := []any{}
	for range b.length(depth) {
		xs = append(xs, b.value(depth+1))
	}
	return xs
}

// results reads a count byte and that many entries: a byte picking one of
// resultKeys (or, past them, a key that is any value) and a value.
func (b *builder) results() *edn.Map {
	m := edn.NewMap()
	for range int(b.next()) % 9 {
		var k any
		if i := int(b.next()) % (len(resultKeys) + 1); i < len(resultKeys) {
			k = edn.Keyword(resultKeys[i])
		} else {
			k = b.value(1)
		}
		m.Set(k, b.value(1))
	}
	return m
}

// ops reads a count byte and that many ops, each as: eight bytes of time, a
// type byte, a process (a byte whose low bit clear means the nemesis, else a
// byte for an int from -128 to 127), a name for f, a value, a byte whose low
// bit set means an error value follows, a byte for :final?, and a byte whose
// low bit set means an exception text follows.
func (b *builder) ops() []history.Op {
	var ops []history.Op
	for i := range int(b.next()) % 9 {
		op := history.Op{Index: i, Time: int64(b.uint64()), Type: opTypes[b.next()%4]}
		op.Process = history.Nemesis
		if b.next()&1 == 1 {
			op.Process = int(int8(b.next()))
		}
		op.F = b.name()
		op.Value = b.value(0)
		if b.next()&1 == 1 {
			op.Error = b.value(0)
		}
		op.Final = b.next()&1 == 1
		if b.next()&1 == 1 {
			op.Exception = b.text()
		}
		ops = append(ops, op)
	}
	return ops
}

// program assembles fuzz input: an int is one byte, a string its bytes, an
// int64 or a float64 eight bytes, little-endian.
func program(parts ...any) []byte {
	var out []byte
	for _, p := range parts {
		switch x := p.(type) {
		case int:
			out = append(out, byte(x))
		case string:
			out = append(out, x...)
		case int64:
			out = binary.LittleEndian.AppendUint64(out, uint64(x))
		case float64:
			out = binary.LittleEndian.AppendUint64(out, math.Float64bits(x))
		default:
			panic("program: unexpected part")
		}
	}
	return out
}

// name is the input that builder.name reads as s, which must start with a
// lower-case letter.
func name(s string) string {
	out := []byte{byte(strings.IndexByte(nameAlphabet, s[0])), byte(len(s) - 1)}
	for i := 1; i < len(s); i++ {
		out = append(out, byte(strings.IndexByte(nameAlphabet, s[i])))
	}
	return string(out)
}

// resultSeeds are FuzzWriteResults inputs.
func resultSeeds() [][]byte {
	const valid, workload, net, perf = 0, 1, 2, 3
	return [][]byte{
		program(1, valid, opBool, 1),
		program(4,
			valid, opKeyword, name("unknown"),
			workload, opMap, 3,
			opKeyword, name("lost"), opVector, 2, opInt, 3, opBigInt, 1, 10, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
			opKeyword, name("stable-latencies"), opMap, 2, opFloatSpecial, 5, opInt64, int64(1909),
			opFloatSpecial, 8, opInt64, int64(11740),
			opKeyword, name("note"), opString, 6, "a", 0xf0, 0xf2, 0xf1, 0xf4, 0xf6,
			net, opMap, 1, opKeyword, name("msgs-per-op"), opFloat, 0.43171585,
			perf, opSet, 3, opFloatSpecial, 0, opFloatSpecial, 1, opFloatSpecial, 2),
		program(2, len(resultKeys), opString, 3, 0xf2, 0xfd, 0xfe, opRaw, opVector, 1, opString, 1, 0xf5,
			len(resultKeys), opFloatSpecial, 0, opNil),
	}
}

// historySeeds are FuzzWriteHistory inputs.
func historySeeds() [][]byte {
	return [][]byte{
		program(0),
		program(3,
			int64(10), 0, 1, 0, name("echo"), opString, 13, "Please echo 1", 0, 0, 0,
			int64(20), 3, 0, name("start-partition"), opNil, 0, 0, 0,
			int64(30), 3, 1, 0, name("echo"), opString, 13, "Please echo 1",
			1, opVector, 2, opKeyword, name("timeout"), opString, 19, "Client read timeout", 0, 0),
		program(2,
			int64(-1), 1, 1, 0xff, name("read"), opString, 4, "a", 0xf2, 0xf4, "b",
			1, opString, 3, 0xf3, 0xf0, 0xf1, 1,
			1, 13, "line one", 0xf2, "two", 0xf6,
			int64(math.MaxInt64), 2, 1, 0x7f, name("txn"), opMap, 1, opKeyword, name("k"), opSet, 1, opFloatSpecial, 0,
			1, opRaw, opString, 2, 0xf2, 0xf4, 0, 1, 2, 0xf3, 0xf2),
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
		results := (&builder{data: data}).results()
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
		ops := (&builder{data: data}).ops()
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
