package durable

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDir(t *testing.T) {
	t.Setenv(EnvDir, "/from/env")
	require.Equal(t, "/from/env", Dir(context.Background()))
	require.Equal(t, "/from/ctx", Dir(WithDir(context.Background(), "/from/ctx")))
	t.Setenv(EnvDir, "")
	require.Equal(t, "", Dir(context.Background()))
}

// Records appended come back on reopening, in order, byte for byte.
func TestLogRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "log")
	l, recs, err := OpenLog(path)
	require.NoError(t, err)
	require.Empty(t, recs)
	require.NoError(t, l.Append([]byte("one")))
	require.NoError(t, l.Append([]byte(""), []byte{0, 1, 2, '\n'}))
	require.NoError(t, l.Close())
	require.NoError(t, l.Close())
	require.Error(t, l.Append([]byte("closed")))

	l, recs, err = OpenLog(path)
	require.NoError(t, err)
	require.Equal(t, [][]byte{[]byte("one"), {}, {0, 1, 2, '\n'}}, recs)
	require.NoError(t, l.Append([]byte("four")))
	require.NoError(t, l.Close())
	_, recs, err = OpenLog(path)
	require.NoError(t, err)
	require.Len(t, recs, 4)
	require.Equal(t, "four", string(recs[3]))
}

// A record cut short (a kill in the middle of an append) or damaged ends
// the log; it is cut off, and the next append follows the last good one.
func TestLogTornTail(t *testing.T) {
	for _, tc := range []struct {
		name   string
		damage func(b []byte) []byte
	}{
		{"cut in the header", func(b []byte) []byte { return b[:len(b)-len("second")-3] }},
		{"cut in the record", func(b []byte) []byte { return b[:len(b)-2] }},
		{"flipped bit", func(b []byte) []byte { b[len(b)-1] ^= 1; return b }},
		{"huge length", func(b []byte) []byte {
			i := len(b) - len("second") - frameHeader
			b[i+3] = 0xff
			return b
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "log")
			l, _, err := OpenLog(path)
			require.NoError(t, err)
			require.NoError(t, l.Append([]byte("first")))
			require.NoError(t, l.Append([]byte("second")))
			require.NoError(t, l.Close())
			b, err := os.ReadFile(path)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(path, tc.damage(b), 0o644))

			l, recs, err := OpenLog(path)
			require.NoError(t, err)
			require.Equal(t, [][]byte{[]byte("first")}, recs)
			require.Equal(t, int64(frameHeader+len("first")), l.Size())
			require.NoError(t, l.Append([]byte("third")))
			require.NoError(t, l.Close())
			_, recs, err = OpenLog(path)
			require.NoError(t, err)
			require.Equal(t, [][]byte{[]byte("first"), []byte("third")}, recs)
		})
	}
}

func TestLogRecordLimit(t *testing.T) {
	l, _, err := OpenLog(filepath.Join(t.TempDir(), "log"))
	require.NoError(t, err)
	defer l.Close()
	require.EqualError(t, l.Append(make([]byte, MaxRecord+1)), "durable: a 16777217-byte record is over the 16777216-byte limit")
	require.Zero(t, l.Size())
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state")
	got, err := ReadFile(path)
	require.NoError(t, err)
	require.Nil(t, got)
	require.NoError(t, WriteFile(path, []byte("v1")))
	require.NoError(t, WriteFile(path, []byte("v2")))
	got, err = ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, "v2", string(got))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "no temporary file left behind")
	require.Error(t, WriteFile(filepath.Join(path, "under-a-file"), nil))
}

func TestNextBoot(t *testing.T) {
	dir := t.TempDir()
	for want := int64(1); want <= 3; want++ {
		boot, restarted, err := NextBoot(dir)
		require.NoError(t, err)
		require.Equal(t, want, boot)
		require.Equal(t, want > 1, restarted)
	}
	boot, restarted, err := NextBoot("")
	require.NoError(t, err)
	require.Zero(t, boot)
	require.False(t, restarted)
	require.NoError(t, os.WriteFile(filepath.Join(dir, BootFile), []byte("x"), 0o644))
	_, _, err = NextBoot(dir)
	require.ErrorContains(t, err, "not a count of starts")
}
