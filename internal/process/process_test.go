package process

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// script writes an executable /bin/sh script with the given body to a fresh
// temporary directory and returns its path.
func script(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "node.sh")
	require.NoError(t, os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755))
	return path
}

// recorder collects everything a Process reports through its callbacks.
type recorder struct {
	mu       sync.Mutex
	lines    []string
	stderr   []string
	problems []Problem
}

func (r *recorder) onLine(b []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, string(b))
}

func (r *recorder) onStderr(b []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stderr = append(r.stderr, string(b))
}

func (r *recorder) onProblem(p Problem) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.problems = append(r.problems, p)
}

func (r *recorder) Lines() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.lines...)
}

func (r *recorder) Problems() []Problem {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Problem(nil), r.problems...)
}

// waitLines waits until at least n stdout lines arrived and returns them.
func (r *recorder) waitLines(t *testing.T, n int) []string {
	t.Helper()
	require.Eventually(t, func() bool { return len(r.Lines()) >= n }, 5*time.Second, 5*time.Millisecond,
		"wanted %d stdout lines, got %q", n, r.Lines())
	return r.Lines()
}

// start starts a node with the recorder's callbacks wired in, and stops it
// at the end of the test.
func start(t *testing.T, cfg Config) (*Process, *recorder) {
	t.Helper()
	rec := &recorder{}
	cfg.OnLine = rec.onLine
	cfg.OnStderr = rec.onStderr
	cfg.OnProblem = rec.onProblem
	return startRaw(t, cfg), rec
}

// startRaw starts a node as configured (ID defaults to "n1") and stops it at
// the end of the test.
func startRaw(t *testing.T, cfg Config) *Process {
	t.Helper()
	if cfg.ID == "" {
		cfg.ID = "n1"
	}
	p, err := Start(cfg)
	// A script just written by one parallel test can be briefly held open
	// for writing by a child another test is forking (golang/go#22315).
	for try := 0; errors.Is(err, syscall.ETXTBSY) && try < 50; try++ {
		time.Sleep(10 * time.Millisecond)
		p, err = Start(cfg)
	}
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Stop(0) })
	return p
}

// alive reports whether pid is a live (non-zombie) process.
func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 || i+2 >= len(stat) {
		return false
	}
	state := stat[i+2]
	return state != 'Z' && state != 'X'
}

func TestStartBinErrors(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	require.NoError(t, os.Mkdir("adir", 0o755))
	require.NoError(t, os.WriteFile("noexec", []byte("#!/bin/sh\n"), 0o644))
	require.NoError(t, os.WriteFile("noshebang", []byte("echo hi\n"), 0o755))

	tests := []struct {
		bin  string
		want string
	}{
		{"./x", "--bin ./x: no such file"},
		{"./adir", "--bin ./adir is a directory, not an executable"},
		{"./noexec", "--bin ./noexec is not executable (chmod +x?)"},
		{"", "--bin: no binary given"},
	}
	for _, tc := range tests {
		t.Run(tc.bin, func(t *testing.T) {
			p, err := Start(Config{ID: "n1", Bin: tc.bin})
			require.Nil(t, p)
			require.EqualError(t, err, tc.want)
			require.NotContains(t, err.Error(), "\n")
		})
	}

	t.Run("exec format error", func(t *testing.T) {
		p, err := Start(Config{ID: "n1", Bin: "./noshebang"})
		require.Nil(t, p)
		require.ErrorContains(t, err, "node n1: cannot start --bin ./noshebang")
	})
}

func TestRelativeBinRunsInTempDir(t *testing.T) {
	bin := script(t, `pwd; echo "$#:$1:$2"`)
	t.Chdir(filepath.Dir(bin))
	p, rec := start(t, Config{Bin: "./node.sh", Args: []string{"a b", "c"}})
	<-p.Exited()
	require.NoError(t, p.Stop(time.Second))
	lines := rec.Lines()
	require.Len(t, lines, 2)
	want, err := filepath.EvalSymlinks(os.TempDir())
	require.NoError(t, err)
	got, err := filepath.EvalSymlinks(lines[0])
	require.NoError(t, err)
	require.Equal(t, want, got)
	require.Equal(t, "2:a b:c", lines[1])
	require.Equal(t, "exit status 0", p.ExitStatus())
}

func TestDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p, rec := start(t, Config{Bin: script(t, "pwd"), Dir: dir})
	<-p.Exited()
	require.NoError(t, p.Stop(time.Second))
	want, err := filepath.EvalSymlinks(dir)
	require.NoError(t, err)
	require.Equal(t, []string{want}, rec.Lines())
}

func TestCatEchoesInOrder(t *testing.T) {
	t.Parallel()
	p, rec := start(t, Config{Bin: script(t, "exec cat")})
	require.Equal(t, "n1", p.ID())
	require.Equal(t, "", p.ExitStatus())

	const n = 1000
	var want []string
	for i := range n {
		line := fmt.Sprintf(`{"i":%d}`, i)
		want = append(want, line)
		require.NoError(t, p.Write([]byte(line)))
	}
	require.Equal(t, want, rec.waitLines(t, n))
	require.Equal(t, want[n-TailLines:], p.StdoutTail())
	require.Empty(t, rec.Problems())

	start := time.Now()
	require.NoError(t, p.Stop(5*time.Second))
	require.Less(t, time.Since(start), 2*time.Second, "cat dies on SIGTERM")
	require.Equal(t, "signal: terminated", p.ExitStatus())
}

func TestConcurrentWritesDoNotInterleave(t *testing.T) {
	t.Parallel()
	p, rec := start(t, Config{Bin: script(t, "exec cat")})
	const writers, each = 8, 200
	// Lines longer than PIPE_BUF, so the kernel could split them.
	pad := strings.Repeat("x", 10000)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if err := p.Write(fmt.Appendf(nil, "%d %d %s", w, i, pad)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	lines := rec.waitLines(t, writers*each)
	next := make([]int, writers)
	for _, l := range lines {
		f := strings.SplitN(l, " ", 3)
		require.Len(t, f, 3)
		w, err := strconv.Atoi(f[0])
		require.NoError(t, err)
		i, err := strconv.Atoi(f[1])
		require.NoError(t, err)
		require.True(t, f[2] == pad, "line %d of writer %d mangled", i, w)
		require.Equal(t, next[w], i, "writer %d out of order", w)
		next[w]++
	}
	require.NoError(t, p.Stop(time.Second))
}

func TestStdoutLines(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		body    string
		maxLine int
		want    []string
		tooLong []string
	}{
		{"no trailing newline at EOF", `printf 'a\nb'`, 0, []string{"a", "b"}, nil},
		{"empty lines kept", `printf '\n\nx\n'`, 0, []string{"", "", "x"}, nil},
		{"limit is inclusive", `printf '12345\n123456\nok\n'`, 5, []string{"12345", "ok"},
			[]string{"node n1 printed a 6-byte line on stdout (limit 5); skipped"}},
		{"too long at EOF", `printf 'ok\n123456'`, 5, []string{"ok"},
			[]string{"node n1 printed a 6-byte line on stdout (limit 5); skipped"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, rec := start(t, Config{Bin: script(t, tc.body), MaxLine: tc.maxLine})
			<-p.Exited()
			require.NoError(t, p.Stop(time.Second))
			require.Equal(t, tc.want, rec.Lines())
			var texts []string
			for _, pr := range rec.Problems() {
				require.Equal(t, KindLineTooLong, pr.Kind)
				require.Equal(t, "n1", pr.Node)
				texts = append(texts, pr.Text)
			}
			require.Equal(t, tc.tooLong, texts)
		})
	}
}

func TestHugeLineSkipped(t *testing.T) {
	t.Parallel()
	p, rec := start(t, Config{Bin: script(t, "exec cat")})
	require.NoError(t, p.Write([]byte("before")))
	require.NoError(t, p.Write(bytes.Repeat([]byte("x"), 10<<20)))
	require.NoError(t, p.Write([]byte("after")))
	require.Equal(t, []string{"before", "after"}, rec.waitLines(t, 2))
	require.Equal(t, []Problem{{
		Node: "n1",
		Kind: KindLineTooLong,
		Text: "node n1 printed a 10485760-byte line on stdout (limit 1048576); skipped",
	}}, rec.Problems())
	require.Equal(t, []string{"before", "<10485760-byte line skipped>", "after"}, p.StdoutTail())
	require.NoError(t, p.Stop(time.Second))
}

func TestTailsAreBounded(t *testing.T) {
	t.Parallel()
	p, _ := start(t, Config{Bin: script(t, `
i=0
while [ $i -lt 40 ]; do echo "out $i"; echo "err $i" >&2; i=$((i+1)); done
head -c 5000 /dev/zero | tr '\0' y; echo`)})
	<-p.Exited()
	require.NoError(t, p.Stop(time.Second))
	require.Len(t, p.StdoutTail(), TailLines)
	require.Len(t, p.StderrTail(), TailLines)
	require.Equal(t, "out 39", p.StdoutTail()[TailLines-2])
	require.Equal(t, "out 9", p.StdoutTail()[0])
	require.Equal(t, "err 8", p.StderrTail()[0])
	require.Equal(t, strings.Repeat("y", TailLineBytes), p.StdoutTail()[TailLines-1])
	require.Equal(t, "err 39", p.StderrTail()[TailLines-1])
}

func TestStderrToLogAndTail(t *testing.T) {
	t.Parallel()
	logPath := filepath.Join(t.TempDir(), "store", "node-logs", "n1.log")
	p, rec := start(t, Config{Bin: script(t, `echo one >&2; echo out; printf 'two\nthree' >&2; exit 3`), LogPath: logPath})
	require.Equal(t, logPath, p.LogPath())
	<-p.Exited()
	require.Equal(t, "exit status 3", p.ExitStatus())
	require.NoError(t, p.Stop(time.Second))
	got, err := os.ReadFile(logPath)
	require.NoError(t, err)
	require.Equal(t, "one\ntwo\nthree", string(got))
	require.Equal(t, []string{"one", "two", "three"}, p.StderrTail())
	require.Equal(t, []string{"one", "two", "three"}, rec.stderr)
	require.Equal(t, []string{"out"}, p.StdoutTail())
	require.Equal(t, "exit status 3", p.ExitStatus())
}

func TestStderrDrainedWithoutLog(t *testing.T) {
	t.Parallel()
	// 1 MB of stderr would block the node forever if nobody drained the pipe.
	p, _ := start(t, Config{Bin: script(t, `head -c 1000000 /dev/zero >&2; echo done`)})
	select {
	case <-p.Exited():
	case <-time.After(5 * time.Second):
		t.Fatal("node blocked on stderr")
	}
	require.NoError(t, p.Stop(time.Second))
	require.Equal(t, []string{"done"}, p.StdoutTail())
}

func TestLogFlushedWhileRunning(t *testing.T) {
	t.Parallel()
	logPath := filepath.Join(t.TempDir(), "n1.log")
	p, _ := start(t, Config{Bin: script(t, `echo hello >&2; exec cat`), LogPath: logPath})
	require.Eventually(t, func() bool {
		b, _ := os.ReadFile(logPath)
		return string(b) == "hello\n"
	}, 5*time.Second, 5*time.Millisecond)
	require.NoError(t, p.Stop(time.Second))
}

func TestMaxLog(t *testing.T) {
	t.Parallel()
	logPath := filepath.Join(t.TempDir(), "n1.log")
	p, rec := start(t, Config{Bin: script(t, `
i=0
while [ $i -lt 50 ]; do echo "line $i" >&2; i=$((i+1)); done`), LogPath: logPath, MaxLog: 100})
	<-p.Exited()
	require.NoError(t, p.Stop(time.Second))
	got, err := os.ReadFile(logPath)
	require.NoError(t, err)
	const notice = "[eddy] node n1 stderr log reached its 100-byte cap; further output is dropped\n"
	require.True(t, strings.HasSuffix(string(got), notice), "log: %q", got)
	require.Equal(t, 1, strings.Count(string(got), "[eddy]"))
	kept := strings.TrimSuffix(string(got), notice)
	require.LessOrEqual(t, len(kept), 100)
	require.True(t, strings.HasPrefix(kept, "line 0\nline 1\n"))
	var total int64
	for i := range 50 {
		total += int64(len(fmt.Sprintf("line %d\n", i)))
	}
	require.Equal(t, total, int64(len(kept))+p.LogDropped())
	require.Equal(t, []Problem{{Node: "n1", Kind: KindLogTruncated,
		Text: "node n1 wrote more than 100 bytes to stderr; log " + logPath + " truncated"}}, rec.Problems())
	// The tail keeps going past the cap.
	require.Equal(t, "line 49", p.StderrTail()[TailLines-1])
}

func TestExitStatus(t *testing.T) {
	t.Parallel()
	p, _ := start(t, Config{Bin: script(t, `read x; exit 3`)})
	require.Equal(t, "", p.ExitStatus())
	select {
	case <-p.Exited():
		t.Fatal("exited before reading its line")
	case <-time.After(50 * time.Millisecond):
	}
	require.NoError(t, p.Write([]byte("go")))
	select {
	case <-p.Exited():
	case <-time.After(5 * time.Second):
		t.Fatal("did not exit")
	}
	require.Equal(t, "exit status 3", p.ExitStatus())
	require.NoError(t, p.Stop(time.Second))
	require.Equal(t, "exit status 3", p.ExitStatus(), "Stop keeps the real status")
}

func TestWriteAfterExit(t *testing.T) {
	t.Parallel()
	p, _ := start(t, Config{Bin: script(t, `exit 0`)})
	<-p.Exited()
	err := p.Write([]byte("hello"))
	require.EqualError(t, err, "node n1: stdin closed")
	require.ErrorIs(t, err, ErrStdinClosed)
	require.NoError(t, p.Stop(time.Second))
	require.ErrorIs(t, p.Write([]byte("hello")), ErrStdinClosed)
}

func TestWriteToClosedStdinIsEPIPE(t *testing.T) {
	t.Parallel()
	// The node closes stdin but keeps running: the write hits EPIPE, which
	// must come back as an error rather than a SIGPIPE.
	p, rec := start(t, Config{Bin: script(t, `exec 0<&-; echo ready; exec sleep 1000`)})
	rec.waitLines(t, 1)
	err := p.Write([]byte("hello"))
	require.EqualError(t, err, "node n1: stdin closed")
	require.Equal(t, "", p.ExitStatus())
	require.NoError(t, p.Stop(time.Second))
}

func TestStopUnblocksWriter(t *testing.T) {
	t.Parallel()
	// sleep never reads stdin, so a 1 MiB write fills the pipe and blocks.
	p, _ := start(t, Config{Bin: script(t, `exec sleep 1000`)})
	errc := make(chan error, 1)
	go func() { errc <- p.Write(bytes.Repeat([]byte("z"), 1<<20)) }()
	select {
	case err := <-errc:
		t.Fatalf("write did not block: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	require.NoError(t, p.Stop(0))
	select {
	case err := <-errc:
		require.ErrorIs(t, err, ErrStdinClosed)
	case <-time.After(2 * time.Second):
		t.Fatal("write still blocked after Stop")
	}
}

func TestStopIgnoringTERM(t *testing.T) {
	t.Parallel()
	p, rec := start(t, Config{Bin: script(t, `trap '' TERM; echo ready; while :; do sleep 1; done`)})
	rec.waitLines(t, 1)
	const grace = 300 * time.Millisecond
	begin := time.Now()
	require.NoError(t, p.Stop(grace))
	took := time.Since(begin)
	require.GreaterOrEqual(t, took, grace, "grace period honoured")
	require.Less(t, took, grace+2*time.Second)
	require.Equal(t, "signal: killed", p.ExitStatus())
	require.False(t, alive(p.Pid()))
}

func TestStopKillsGrandchild(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
	}{
		{"plain", `sleep 1000 & echo $!; wait`},
		// The leader dies on TERM at once; the grandchild ignores TERM (set
		// up before it prints its pid) and needs the group SIGKILL.
		{"ignores TERM", `sh -c 'trap "" TERM; echo $$; exec sleep 1000' & wait`},
		// The leader already exited; the grandchild keeps the pipes open.
		{"orphaned", `sleep 1000 & echo $!`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, rec := start(t, Config{Bin: script(t, tc.body)})
			pid, err := strconv.Atoi(rec.waitLines(t, 1)[0])
			require.NoError(t, err)
			require.True(t, alive(pid), "grandchild %d should run", pid)
			begin := time.Now()
			require.NoError(t, p.Stop(2*time.Second))
			require.Less(t, time.Since(begin), time.Second)
			require.Eventually(t, func() bool { return !alive(pid) }, 2*time.Second, 10*time.Millisecond,
				"grandchild %d survived Stop", pid)
		})
	}
}

func TestStopWithEscapedGrandchild(t *testing.T) {
	t.Parallel()
	// setsid moves the grandchild out of the process group, out of Stop's
	// reach; it keeps stdout and stderr open, so Stop must give up reading.
	// It prints its pid only once it has left the group.
	p, rec := start(t, Config{Bin: script(t, `setsid sh -c 'echo $$; exec sleep 1000' & exec cat`)})
	pid, err := strconv.Atoi(rec.waitLines(t, 1)[0])
	require.NoError(t, err)
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
	require.True(t, alive(pid))
	begin := time.Now()
	require.NoError(t, p.Stop(time.Second))
	require.Less(t, time.Since(begin), 3*time.Second)
	require.True(t, alive(pid), "escaped grandchild is not ours to kill")
	require.Equal(t, "signal: terminated", p.ExitStatus())
}

func TestStopIdempotent(t *testing.T) {
	t.Parallel()
	p, _ := start(t, Config{Bin: script(t, `exec cat`)})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() { require.NoError(t, p.Stop(time.Second)) })
	}
	wg.Wait()
	require.NoError(t, p.Stop(time.Second))
	select {
	case <-p.Exited():
	default:
		t.Fatal("Exited not closed after Stop")
	}
}

func TestReadLines(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("L", 100)
	tests := []struct {
		name    string
		in      string
		maxLine int
		want    []string
		tooLong []int64
	}{
		{"empty", "", 10, nil, nil},
		{"simple", "a\nbb\n", 10, []string{"a", "bb"}, nil},
		{"no final newline", "a\nbb", 10, []string{"a", "bb"}, nil},
		{"blank lines", "\n\n", 10, []string{"", ""}, nil},
		{"exactly max", "0123456789\n", 10, []string{"0123456789"}, nil},
		{"one over max", "0123456789X\nok\n", 10, []string{"ok"}, []int64{11}},
		{"spans buffer", long + "\n" + long + "\n", 200, []string{long, long}, nil},
		{"long skipped", "a\n" + long + "\nb\n" + long + "\n", 50, []string{"a", "b"}, []int64{100, 100}},
		{"long at EOF", "a\n" + long, 50, []string{"a"}, []int64{100}},
		{"long then short at EOF", long + "\nz", 50, []string{"z"}, []int64{100}},
	}
	readers := []struct {
		name string
		wrap func(string) *bufio.Reader
	}{
		{"whole", func(s string) *bufio.Reader { return bufio.NewReaderSize(strings.NewReader(s), 16) }},
		{"bytewise", func(s string) *bufio.Reader {
			return bufio.NewReaderSize(iotest.OneByteReader(strings.NewReader(s)), 16)
		}},
		{"halves", func(s string) *bufio.Reader {
			return bufio.NewReaderSize(iotest.HalfReader(strings.NewReader(s)), 16)
		}},
	}
	for _, tc := range tests {
		for _, rd := range readers {
			t.Run(tc.name+"/"+rd.name, func(t *testing.T) {
				var got []string
				var tooLong []int64
				err := readLines(rd.wrap(tc.in), tc.maxLine,
					func(b []byte) {
						require.LessOrEqual(t, len(b), tc.maxLine)
						got = append(got, string(b))
					},
					func(n int64) { tooLong = append(tooLong, n) })
				require.NoError(t, err)
				require.Equal(t, tc.want, got)
				require.Equal(t, tc.tooLong, tooLong)
			})
		}
	}

	t.Run("read error", func(t *testing.T) {
		boom := errors.New("boom")
		var got []string
		err := readLines(bufio.NewReaderSize(iotest.ErrReader(boom), 16), 10,
			func(b []byte) { got = append(got, string(b)) }, func(int64) {})
		require.ErrorIs(t, err, boom)
		require.Empty(t, got)
	})
}

func TestCutUTF8(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in    string
		limit int
		want  string
	}{
		{"abc", 5, "abc"},
		{"abcdef", 3, "abc"},
		{"aé", 2, "a"},   // é is 2 bytes
		{"a€b", 3, "a"},  // € is 3 bytes
		{"a€b", 4, "a€"}, // exact boundary
		{"€€", 5, "€"},   // backs off two continuation bytes
		{"x\xff\xfe", 2, "x\xff"},
	}
	for _, tc := range tests {
		require.Equal(t, tc.want, string(cutUTF8([]byte(tc.in), tc.limit)), "%q/%d", tc.in, tc.limit)
	}
}

func TestStopBoundedWhenOnLineBlocks(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	p := startRaw(t, Config{
		Bin: script(t, `echo one; echo two; exec cat`),
		OnLine: func([]byte) {
			select {
			case entered <- struct{}{}:
			default:
			}
			<-release
		},
	})
	<-entered
	const grace = 200 * time.Millisecond
	begin := time.Now()
	err := p.Stop(grace)
	require.Less(t, time.Since(begin), grace+5*time.Second, "Stop is bounded (2 s past the grace period, with slack for a loaded machine)")
	require.EqualError(t, err, "node n1: stdout reader did not finish (OnLine blocked?)")
	close(release)
	require.Eventually(t, func() bool { return closed(p.stdoutDone) }, 2*time.Second, 5*time.Millisecond)
	require.Equal(t, err, p.Stop(grace), "later calls return the same result")
}
