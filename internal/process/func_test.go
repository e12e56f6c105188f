package process

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
)

// catFunc copies stdin to stdout line by line and logs each line's length
// to stderr, like a node binary would; it returns at the end of stdin.
func catFunc(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) error {
	sc := bufio.NewScanner(stdin)
	for sc.Scan() {
		fmt.Fprintf(stdout, "%s\n", sc.Bytes())
		fmt.Fprintf(stderr, "got %d bytes\n", len(sc.Bytes()))
	}
	return sc.Err()
}

func TestFuncEchoesInOrder(t *testing.T) {
	t.Parallel()
	p, rec := start(t, Config{Func: catFunc})
	require.Equal(t, 0, p.Pid())
	var want []string
	for i := range 200 {
		line := fmt.Sprintf(`{"i":%d}`, i)
		want = append(want, line)
		require.NoError(t, p.Write([]byte(line)))
	}
	require.Equal(t, want, rec.waitLines(t, len(want)))
	require.NoError(t, p.Stop(time.Second))
	require.Equal(t, "returned", p.ExitStatus())
	require.Contains(t, p.StderrTail(), "got 9 bytes")
	require.ErrorIs(t, p.Write([]byte("late")), ErrStdinClosed)
}

func TestFuncEndings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		fn     func(context.Context, io.Reader, io.Writer, io.Writer) error
		status string
		stderr string
	}{
		{"returns", func(context.Context, io.Reader, io.Writer, io.Writer) error { return nil }, "returned", ""},
		{"fails", func(context.Context, io.Reader, io.Writer, io.Writer) error { return errors.New("no peers") }, "returned an error: no peers", ""},
		{"panics", func(context.Context, io.Reader, io.Writer, io.Writer) error { panic("index out of range") }, "panic: index out of range", "panic: index out of range"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, _ := start(t, Config{Func: tc.fn})
			select {
			case <-p.Exited():
			case <-time.After(5 * time.Second):
				t.Fatal("the function's return was not noticed")
			}
			require.Equal(t, tc.status, p.ExitStatus())
			require.NoError(t, p.Stop(time.Second))
			if tc.stderr != "" {
				require.Contains(t, p.StderrTail(), tc.stderr)
			}
		})
	}
}

// A function that ignores both its context and the end of its stdin is
// reported and cut off, and Stop still returns.
func TestFuncIgnoringStop(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	defer close(release)
	p, rec := start(t, Config{Func: func(_ context.Context, _ io.Reader, stdout, _ io.Writer) error {
		<-release
		_, err := io.WriteString(stdout, "too late\n")
		return err
	}})
	require.Error(t, p.Stop(10*time.Millisecond))
	require.Len(t, rec.Problems(), 1)
	require.Equal(t, KindIgnoredTerm, rec.Problems()[0].Kind)
	require.Contains(t, rec.Problems()[0].Text, "did not return within 10ms of its context being cancelled")
}

// In a synctest bubble a Func node runs on the bubble's clock: an hour of
// ticks passes at once.
func TestFuncInBubble(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		p, err := Start(Config{ID: "n1", OnLine: rec.onLine, Func: func(ctx context.Context, stdin io.Reader, stdout, _ io.Writer) error {
			go func() { _, _ = io.Copy(io.Discard, stdin) }()
			tick := time.NewTicker(time.Minute)
			defer tick.Stop()
			for {
				select {
				case <-ctx.Done():
					return nil
				case now := <-tick.C:
					fmt.Fprintf(stdout, "%s\n", now.UTC().Format("15:04"))
				}
			}
		}})
		require.NoError(t, err)
		time.Sleep(time.Hour)
		synctest.Wait()
		require.Len(t, rec.Lines(), 60)
		require.NoError(t, p.Stop(time.Second))
		require.Equal(t, "returned", p.ExitStatus())
	})
}
