package process

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
)

// stateOf returns the state letter of /proc/pid/stat (R, S, T, Z, …).
func stateOf(pid int) byte {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	i := strings.LastIndexByte(string(stat), ')')
	if i < 0 || i+2 >= len(stat) {
		return 0
	}
	return stat[i+2]
}

// Kill ends the whole group with SIGKILL at once (a node that traps SIGTERM
// gets no chance), keeps what the node wrote, and marks the exit as a kill;
// Restart starts the same binary with the same arguments and environment,
// appending to the same log.
func TestKillAndRestart(t *testing.T) {
	t.Parallel()
	bin := script(t, `trap 'echo TERM >&2' TERM
sleep 1000 &
echo "child $!"
echo "up $1 $EDDY_TEST_VAR" >&2
while read line; do echo "$line"; done`)
	log := filepath.Join(t.TempDir(), "n1.log")
	p, rec := start(t, Config{Bin: bin, Args: []string{"arg"}, Env: []string{"EDDY_TEST_VAR=v1"}, LogPath: log})
	lines := rec.waitLines(t, 1)
	var child int
	_, err := fmt.Sscanf(lines[0], "child %d", &child)
	require.NoError(t, err)
	require.NoError(t, p.Write([]byte("before")))
	rec.waitLines(t, 2)

	began := time.Now()
	require.NoError(t, p.Kill())
	require.Less(t, time.Since(began), 2*time.Second)
	require.True(t, p.Killed())
	require.Equal(t, "signal: killed", p.ExitStatus())
	require.False(t, alive(child), "the grandchild dies with the group")
	require.ErrorIs(t, p.Write([]byte("after")), ErrStdinClosed)
	require.NoError(t, p.Stop(time.Second), "Stop after Kill returns at once")

	q, err := p.Restart()
	require.NoError(t, err)
	t.Cleanup(func() { _ = q.Stop(0) })
	require.False(t, q.Killed())
	require.NoError(t, q.Write([]byte("again")))
	require.Eventually(t, func() bool { return strings.Contains(strings.Join(rec.Lines(), ","), "again") }, 5*time.Second, 5*time.Millisecond)
	require.NoError(t, q.Stop(0))

	raw, err := os.ReadFile(log)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(raw), "up arg v1\n\n[eddy] node n1 was killed; restarted here\nup arg v1\n"),
		"no SIGTERM before the kill, and the restart's log appended: %q", raw)
}

// Restart refuses a process that still runs.
func TestRestartRunning(t *testing.T) {
	t.Parallel()
	p, _ := start(t, Config{Bin: script(t, "cat")})
	_, err := p.Restart()
	require.EqualError(t, err, "node n1: restarted before it was killed or stopped")
}

// Pause stops the whole group (SIGSTOP): the node answers nothing until
// Resume, then answers what it was sent meanwhile, in order. Stop works on
// a paused node without waiting out the grace period.
func TestPauseAndResume(t *testing.T) {
	t.Parallel()
	p, rec := start(t, Config{Bin: script(t, "cat")})
	require.NoError(t, p.Write([]byte("1")))
	rec.waitLines(t, 1)
	require.NoError(t, p.Pause())
	require.Eventually(t, func() bool { return stateOf(p.Pid()) == 'T' }, 5*time.Second, time.Millisecond)
	require.NoError(t, p.Write([]byte("2")))
	require.NoError(t, p.Write([]byte("3")))
	time.Sleep(100 * time.Millisecond)
	require.Equal(t, []string{"1"}, rec.Lines(), "a paused node answers nothing")
	require.NoError(t, p.Resume())
	require.Equal(t, []string{"1", "2", "3"}, rec.waitLines(t, 3))

	require.NoError(t, p.Pause())
	began := time.Now()
	require.NoError(t, p.Stop(5*time.Second))
	require.Less(t, time.Since(began), 2*time.Second, "SIGTERM reaches a paused node")
	require.Empty(t, rec.Problems())
	require.NoError(t, p.Pause(), "pausing an exited node is not an error")
	require.NoError(t, p.Resume())
}

// A killed Func is cut off and abandoned at once; a restart runs the
// function again with a fresh context and fresh pipes.
func TestFuncKillAndRestart(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		incarnation := 0
		ended := make(chan string, 2)
		fn := func(ctx context.Context, stdin io.Reader, stdout, _ io.Writer) error {
			incarnation++
			me := incarnation
			sc := bufio.NewScanner(stdin)
			for sc.Scan() {
				fmt.Fprintf(stdout, "%d:%s\n", me, sc.Bytes())
			}
			// The first lingers after stdin ends, as a node with
			// background work might; a kill does not wait for it.
			<-ctx.Done()
			if me == 1 {
				time.Sleep(time.Hour)
			}
			ended <- fmt.Sprint(me)
			return nil
		}
		p, rec := start(t, Config{Func: fn})
		require.NoError(t, p.Write([]byte("a")))
		synctest.Wait()
		require.Equal(t, []string{"1:a"}, rec.Lines())
		began := time.Now()
		require.NoError(t, p.Kill())
		require.Zero(t, time.Since(began), "a killed Func is not waited for")
		require.True(t, p.Killed())
		require.ErrorIs(t, p.Write([]byte("b")), ErrStdinClosed)

		q, err := p.Restart()
		require.NoError(t, err)
		require.NoError(t, q.Write([]byte("c")))
		synctest.Wait()
		require.Equal(t, []string{"1:a", "2:c"}, rec.Lines())
		require.NoError(t, q.Pause(), "a Func cannot be stopped: Pause does nothing")
		require.NoError(t, q.Resume())
		require.NoError(t, q.Stop(0))
		require.Equal(t, "2", <-ended)
		require.Equal(t, "1", <-ended)
	})
}
