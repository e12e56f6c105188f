// Package process runs one node for the harness: it spawns the binary in
// its own process group (or runs a Go function in this process, wired to
// pipes), writes lines to its stdin, reads lines from its stdout and stderr,
// and tears it down without ever hanging. It also carries out the nemesis's
// process faults: Kill (SIGKILL to the group), Pause and Resume (SIGSTOP and
// SIGCONT), and Restart (the same node started again).
//
// The package knows nothing about JSON or the simulated network; it deals in
// lines only.
package process

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Default limits used when the corresponding Config field is zero.
const (
	// DefaultMaxLine is the default longest accepted stdout line (1 MiB).
	DefaultMaxLine = 1 << 20
	// DefaultMaxLog is the default cap on bytes written to the log file (256 MiB).
	DefaultMaxLog int64 = 256 << 20
	// TailLines is how many stdout/stderr lines are kept for crash reports.
	TailLines = 32
	// TailLineBytes is the longest line stored in a tail; longer lines are cut.
	TailLineBytes = 1 << 10
	// StderrLineBytes is the longest stderr line passed to Config.OnStderr;
	// longer lines are cut (the log file always receives them whole).
	StderrLineBytes = 16 << 10
)

// Problem kinds reported through Config.OnProblem.
const (
	// KindLineTooLong: a stdout line exceeded Config.MaxLine and was skipped.
	KindLineTooLong = "line-too-long"
	// KindIgnoredTerm: the node outlived SIGTERM's grace period at teardown.
	KindIgnoredTerm = "ignored-term"
	// KindLogTruncated: the stderr log reached Config.MaxLog; the rest is dropped.
	KindLogTruncated = "log-truncated"
	// KindLogError: writing the stderr log file failed; the rest is not logged.
	KindLogError = "log-error"
)

// Timing of the teardown phases that follow the grace period in Stop. Their
// sum stays well under the 2 s promised by Stop.
const (
	reapWait       = 400 * time.Millisecond // after SIGKILL, for the leader to be reaped
	drainWait      = time.Second            // for the readers to hit EOF by themselves
	forceCloseWait = 300 * time.Millisecond // for the readers after closing their pipes
)

const readBufSize = 64 << 10

// ErrStdinClosed is wrapped by the error Write returns when the node's stdin
// can no longer be written (the process exited, closed its stdin, or was
// stopped).
var ErrStdinClosed = errors.New("stdin closed")

// Config describes one node process.
type Config struct {
	// ID is the node id, e.g. "n1"; used in every diagnosis.
	ID string
	// Bin is the path to the executable (run directly, no shell).
	Bin string
	// Func, if set, is run in this process instead of Bin: it reads stdin
	// and writes stdout and stderr as the binary would, and must return
	// once ctx is cancelled or stdin ends. Its return is the node's exit; a
	// panic in it is recovered and counts as a crash. It uses no file
	// descriptors and no real I/O, so it can run inside a testing/synctest
	// bubble.
	Func func(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) error
	// Args is the argv after the binary.
	Args []string
	// Env holds extra environment variables ("KEY=value") for the binary,
	// on top of eddy's own environment. A Func gets what it needs through
	// its context instead.
	Env []string
	// Dir is the working directory ("" = os.TempDir()).
	Dir string
	// LogPath is the file that receives the node's stderr (created and
	// truncated, parent dirs made); "" = discard.
	LogPath string
	// MaxLine is the longest stdout line accepted, in bytes excluding '\n'
	// (0 = DefaultMaxLine).
	MaxLine int
	// MaxLog caps the bytes written to LogPath (0 = DefaultMaxLog). Past it
	// one notice line is written and the rest is counted and dropped.
	MaxLog int64
	// OnLine is called, from the stdout goroutine only, for every complete
	// stdout line within MaxLine (without '\n'). The slice is only valid
	// during the call. It should not block for long: Stop waits for it only
	// for a bounded time. May be nil.
	OnLine func(line []byte)
	// OnProblem is called (from any goroutine) for a too-long stdout line,
	// the log cap being reached, etc. May be nil.
	OnProblem func(p Problem)
	// OnStderr, if non-nil, is called from the stderr goroutine for every
	// stderr line (without '\n', cut to StderrLineBytes), e.g. to echo node
	// logs into the harness log. The slice is only valid during the call.
	OnStderr func(line []byte)
}

// Problem is something the node did wrong that the harness should report:
// one line of text naming the node.
type Problem struct {
	// Node is the node id.
	Node string
	// Kind classifies the problem, e.g. KindLineTooLong or KindLogTruncated.
	Kind string
	// Text is a complete one-line diagnosis naming the node.
	Text string
}

// Process is one running (or finished) node process. Create it with Start
// and always release it with Stop.
type Process struct {
	cfg     Config
	maxLine int
	maxLog  int64
	cmd     *exec.Cmd // nil for a Func
	pgid    int
	cancel  context.CancelFunc // a Func's context; nil for a binary

	stdinW  io.WriteCloser
	stdoutR io.ReadCloser
	stderrR io.ReadCloser
	logFile *os.File // nil when LogPath is ""

	stdinOnce sync.Once

	exited     chan struct{}
	stdoutDone chan struct{}
	stderrDone chan struct{}

	mu         sync.Mutex
	exitStatus string
	logDropped int64

	stdoutTail tail
	stderrTail tail

	stopOnce sync.Once
	stopDone chan struct{}
	stopErr  error

	killed atomic.Bool // Kill was called
}

// Start validates cfg.Bin, spawns the node in its own process group and
// starts the goroutines that reap it and read its stdout and stderr.
func Start(cfg Config) (*Process, error) {
	return spawn(cfg, false)
}

// Restart starts the node of a process that has ended (call Kill or Stop
// first) again: the same binary or function, id, arguments and environment,
// its stderr appended to the same log after a line saying so. A Func gets a
// fresh context and fresh pipes; the old incarnation, if it still runs, is
// left to finish on its own.
func (p *Process) Restart() (*Process, error) {
	select {
	case <-p.stopDone:
	default:
		return nil, fmt.Errorf("node %s: restarted before it was killed or stopped", p.cfg.ID)
	}
	return spawn(p.cfg, true)
}

func spawn(cfg Config, restart bool) (*Process, error) {
	abs := ""
	if cfg.Func == nil {
		var err error
		if abs, err = resolveBin(cfg.Bin); err != nil {
			return nil, err
		}
	}
	dir := cfg.Dir
	if dir == "" {
		dir = os.TempDir()
	}
	p := &Process{
		cfg:        cfg,
		maxLine:    cfg.MaxLine,
		maxLog:     cfg.MaxLog,
		exited:     make(chan struct{}),
		stdoutDone: make(chan struct{}),
		stderrDone: make(chan struct{}),
		stopDone:   make(chan struct{}),
	}
	if p.maxLine <= 0 {
		p.maxLine = DefaultMaxLine
	}
	if p.maxLog <= 0 {
		p.maxLog = DefaultMaxLog
	}

	var toClose []*os.File // closed on failure
	fail := func(err error) (*Process, error) {
		for _, f := range toClose {
			_ = f.Close()
		}
		return nil, err
	}
	if cfg.LogPath != "" {
		if err := os.MkdirAll(filepath.Dir(cfg.LogPath), 0o755); err != nil {
			return fail(fmt.Errorf("node %s: cannot create log directory: %w", cfg.ID, err))
		}
		flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
		if restart {
			flags = os.O_WRONLY | os.O_CREATE | os.O_APPEND
		}
		f, err := os.OpenFile(cfg.LogPath, flags, 0o644)
		if err != nil {
			return fail(fmt.Errorf("node %s: cannot create log file: %w", cfg.ID, err))
		}
		p.logFile = f
		toClose = append(toClose, f)
		if restart {
			// The old incarnation's log may end mid-line.
			fmt.Fprintf(f, "\n[eddy] node %s was killed; restarted here\n", cfg.ID)
		}
	}
	if cfg.Func != nil {
		p.startFunc()
		return p, nil
	}

	stdinR, stdinW, err := os.Pipe()
	if err != nil {
		return fail(fmt.Errorf("node %s: stdin pipe: %w", cfg.ID, err))
	}
	toClose = append(toClose, stdinR, stdinW)
	stdoutR, stdoutW, err := os.Pipe()
	if err != nil {
		return fail(fmt.Errorf("node %s: stdout pipe: %w", cfg.ID, err))
	}
	toClose = append(toClose, stdoutR, stdoutW)
	stderrR, stderrW, err := os.Pipe()
	if err != nil {
		return fail(fmt.Errorf("node %s: stderr pipe: %w", cfg.ID, err))
	}
	toClose = append(toClose, stderrR, stderrW)

	cmd := exec.Command(abs, cfg.Args...)
	cmd.Dir = dir
	if len(cfg.Env) > 0 {
		cmd.Env = append(os.Environ(), cfg.Env...)
	}
	cmd.Stdin = stdinR
	cmd.Stdout = stdoutW
	cmd.Stderr = stderrW
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fail(fmt.Errorf("node %s: cannot start --bin %s: %w", cfg.ID, cfg.Bin, err))
	}
	// The child has its own copies now; keeping ours would stop the readers
	// from ever seeing EOF.
	_ = stdinR.Close()
	_ = stdoutW.Close()
	_ = stderrW.Close()

	p.cmd = cmd
	p.pgid = cmd.Process.Pid // Setpgid with Pgid 0: the group id is the pid
	p.stdinW = stdinW
	p.stdoutR = stdoutR
	p.stderrR = stderrR

	go p.waitLoop()
	go p.stdoutLoop()
	go p.stderrLoop()
	return p, nil
}

// startFunc runs cfg.Func on in-memory pipes.
func (p *Process) startFunc() {
	stdinR, stdinW := io.Pipe()
	stdoutR, stdoutW := io.Pipe()
	stderrR, stderrW := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	p.stdinW, p.stdoutR, p.stderrR = stdinW, stdoutR, stderrR
	go func() {
		status := p.runFunc(ctx, stdinR, stdoutW, stderrW)
		_ = stdoutW.Close()
		_ = stderrW.Close()
		_ = stdinR.Close()
		p.exit(status)
	}()
	go p.stdoutLoop()
	go p.stderrLoop()
}

// runFunc calls cfg.Func and describes how it ended.
func (p *Process) runFunc(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) (status string) {
	defer func() {
		if v := recover(); v != nil {
			status = fmt.Sprintf("panic: %v", v)
			fmt.Fprintf(stderr, "panic: %v\n\n%s", v, debug.Stack())
		}
	}()
	if err := p.cfg.Func(ctx, stdin, stdout, stderr); err != nil {
		return "returned an error: " + err.Error()
	}
	return "returned"
}

// resolveBin turns bin into an absolute path and checks that it is an
// executable regular file, returning a one-line error otherwise.
func resolveBin(bin string) (string, error) {
	if bin == "" {
		return "", errors.New("--bin: no binary given")
	}
	abs, err := filepath.Abs(bin)
	if err != nil {
		return "", fmt.Errorf("--bin %s: %v", bin, err)
	}
	fi, err := os.Stat(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("--bin %s: no such file", bin)
	case err != nil:
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return "", fmt.Errorf("--bin %s: %v", bin, err)
	case fi.IsDir():
		return "", fmt.Errorf("--bin %s is a directory, not an executable", bin)
	case !fi.Mode().IsRegular():
		return "", fmt.Errorf("--bin %s is not a regular file", bin)
	case fi.Mode().Perm()&0o111 == 0:
		return "", fmt.Errorf("--bin %s is not executable (chmod +x?)", bin)
	}
	return abs, nil
}

// ID returns the node id from Config.ID.
func (p *Process) ID() string { return p.cfg.ID }

// Pid returns the operating-system process id of the node (which is also its
// process group id); 0 for a Func.
func (p *Process) Pid() int { return p.pgid }

// Write writes line followed by '\n' to the node's stdin in a single write
// call. It is safe for concurrent use; lines from concurrent calls never
// interleave. It may block while the node does not read its stdin, but not
// after Stop. Once the process has exited or closed its stdin it returns an
// error wrapping ErrStdinClosed, such as "node n1: stdin closed".
func (p *Process) Write(line []byte) error {
	select {
	case <-p.exited:
		return p.stdinClosedErr()
	default:
	}
	buf := make([]byte, len(line)+1)
	copy(buf, line)
	buf[len(line)] = '\n'
	// *os.File serialises concurrent writers and retries short writes under
	// one lock, so a line is never interleaved with another one.
	if _, err := p.stdinW.Write(buf); err != nil {
		if errors.Is(err, syscall.EPIPE) || errors.Is(err, os.ErrClosed) || errors.Is(err, io.ErrClosedPipe) {
			return p.stdinClosedErr()
		}
		return fmt.Errorf("node %s: writing stdin: %w", p.cfg.ID, err)
	}
	return nil
}

func (p *Process) stdinClosedErr() error {
	return fmt.Errorf("node %s: %w", p.cfg.ID, ErrStdinClosed)
}

func (p *Process) closeStdin() {
	p.stdinOnce.Do(func() { _ = p.stdinW.Close() })
}

// Exited returns a channel that is closed once the process has exited and
// been reaped.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// ExitStatus returns "" while the process runs, and afterwards a description
// such as "exit status 3" or "signal: killed".
func (p *Process) ExitStatus() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.exitStatus
}

// StdoutTail returns copies of the last TailLines stdout lines, oldest
// first, each cut to TailLineBytes. Skipped over-long lines appear as a
// placeholder.
func (p *Process) StdoutTail() []string { return p.stdoutTail.lines() }

// StderrTail returns copies of the last TailLines stderr lines, oldest
// first, each cut to TailLineBytes.
func (p *Process) StderrTail() []string { return p.stderrTail.lines() }

// LogPath returns Config.LogPath, the file receiving the node's stderr.
func (p *Process) LogPath() string { return p.cfg.LogPath }

// LogDropped returns how many stderr bytes were dropped because the log
// reached Config.MaxLog.
func (p *Process) LogDropped() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logDropped
}

// Stop tears the node down: SIGTERM to its process group, up to grace for
// the leader to exit, then SIGKILL to the group (always, to catch
// grandchildren), reaping, closing stdin, and waiting for the stdout and
// stderr readers (closing the pipes if an escaped grandchild still holds
// them). When Stop returns the log file is complete and closed. Stop returns
// within grace + 2 s; it is idempotent and safe for concurrent use, every
// call returning the first call's result. A non-nil error means something
// could not be cleaned up (e.g. the process did not die after SIGKILL).
func (p *Process) Stop(grace time.Duration) error {
	p.stopOnce.Do(func() {
		p.stopErr = p.stop(grace)
		close(p.stopDone)
	})
	<-p.stopDone
	return p.stopErr
}

// Kill is the nemesis's kill: SIGKILL to the node's process group at once,
// with no SIGTERM first, then, as in Stop, reaping, closing stdin and
// waiting for the stdout and stderr readers, so that nothing the dead
// process wrote is read after Kill returns. A Func's context is cancelled,
// its stdin closed and its stdout and stderr cut off, and it is abandoned:
// Kill does not wait for it to return. Kill returns within 2 s; after it,
// Stop returns at once, and Restart may start the node again. Killed then
// reports true, telling the process's exit from a crash.
func (p *Process) Kill() error {
	p.killed.Store(true)
	p.stopOnce.Do(func() {
		p.stopErr = p.teardown(0, false)
		close(p.stopDone)
	})
	<-p.stopDone
	return p.stopErr
}

// Killed reports whether Kill was called.
func (p *Process) Killed() bool { return p.killed.Load() }

// Pause stops the node's process group with SIGSTOP: it runs no more until
// Resume. Messages written to its stdin meanwhile wait in the pipe. For a
// Func, which cannot be stopped, Pause does nothing: the caller stops
// talking to it instead. A process that has exited is not an error.
func (p *Process) Pause() error {
	if p.cmd == nil {
		return nil
	}
	return p.signalGroup(syscall.SIGSTOP)
}

// Resume continues a paused process group with SIGCONT; for a Func it does
// nothing.
func (p *Process) Resume() error {
	if p.cmd == nil {
		return nil
	}
	return p.signalGroup(syscall.SIGCONT)
}

func (p *Process) stop(grace time.Duration) error {
	return p.teardown(grace, true)
}

// teardown ends the process: SIGTERM first and up to grace to exit if term,
// then SIGKILL, reaping and draining the readers.
func (p *Process) teardown(grace time.Duration, term bool) error {
	var errs []error
	if term && !closed(p.exited) {
		_ = p.signalGroup(syscall.SIGTERM)
		if p.cmd != nil {
			// A paused group would hold SIGTERM until continued.
			_ = p.signalGroup(syscall.SIGCONT)
		}
		if grace > 0 && !waitFor(p.exited, grace) {
			if p.cmd == nil {
				p.problem(KindIgnoredTerm, fmt.Sprintf("node %s did not return within %v of its context being cancelled and its stdin closed; its output is cut off", p.cfg.ID, grace))
			} else {
				p.problem(KindIgnoredTerm, fmt.Sprintf("node %s did not exit within %v of SIGTERM; killed with SIGKILL", p.cfg.ID, grace))
			}
		}
	}
	// Always: the leader may be gone while group members that ignored (or
	// never saw) SIGTERM live on.
	if err := p.signalGroup(syscall.SIGKILL); err != nil {
		errs = append(errs, err)
	}
	// A killed Func is abandoned, not waited for.
	if (p.cmd != nil || term) && !waitFor(p.exited, reapWait) {
		if p.cmd == nil {
			errs = append(errs, fmt.Errorf("node %s: its function had not returned %v after its context was cancelled and its stdin closed; abandoned", p.cfg.ID, grace+reapWait))
		} else {
			errs = append(errs, fmt.Errorf("node %s: process %d still not reaped %v after SIGKILL", p.cfg.ID, p.pgid, reapWait))
		}
	}
	p.closeStdin()

	readersDone := func(d time.Duration) bool {
		deadline := time.Now().Add(d)
		return waitFor(p.stdoutDone, time.Until(deadline)) && waitFor(p.stderrDone, time.Until(deadline))
	}
	if !readersDone(drainWait) {
		// Something outside the group (e.g. a grandchild that called
		// setsid) still holds the write ends; stop reading.
		_ = p.stdoutR.Close()
		_ = p.stderrR.Close()
		if !readersDone(forceCloseWait) {
			if !closed(p.stdoutDone) {
				errs = append(errs, fmt.Errorf("node %s: stdout reader did not finish (OnLine blocked?)", p.cfg.ID))
			}
			if !closed(p.stderrDone) {
				errs = append(errs, fmt.Errorf("node %s: stderr reader did not finish (OnStderr blocked?)", p.cfg.ID))
			}
		}
	}
	return errors.Join(errs...)
}

// signalGroup sends sig to the node's whole process group, ignoring ESRCH
// (nobody left).
func (p *Process) signalGroup(sig syscall.Signal) error {
	if p.cmd == nil {
		// A Func has no process: SIGTERM cancels its context and ends its
		// stdin; SIGKILL cannot stop a goroutine, so it closes its stdout
		// and stderr, failing its writes.
		p.cancel()
		p.closeStdin()
		if sig == syscall.SIGKILL && !closed(p.exited) {
			_ = p.stdoutR.Close()
			_ = p.stderrR.Close()
		}
		return nil
	}
	err := syscall.Kill(-p.pgid, sig)
	if err == nil || errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return fmt.Errorf("node %s: sending %v to process group %d: %w", p.cfg.ID, sig, p.pgid, err)
}

// waitLoop reaps the process and records its exit status.
func (p *Process) waitLoop() {
	err := p.cmd.Wait()
	status := ""
	if p.cmd.ProcessState != nil {
		status = p.cmd.ProcessState.String()
	} else if err != nil {
		status = err.Error()
	}
	p.exit(status)
}

// exit records the exit status and wakes everyone waiting for the exit.
func (p *Process) exit(status string) {
	if status == "" {
		status = "exited"
	}
	p.mu.Lock()
	p.exitStatus = status
	p.mu.Unlock()
	close(p.exited)
	// Nobody is meant to read stdin any more; unblock pending writers even
	// if a grandchild still holds the read end.
	p.closeStdin()
}

// stdoutLoop reads stdout lines and hands them to OnLine.
func (p *Process) stdoutLoop() {
	defer close(p.stdoutDone)
	defer func() { _ = p.stdoutR.Close() }()
	onLine := func(line []byte) {
		p.stdoutTail.add(line)
		if p.cfg.OnLine != nil {
			p.cfg.OnLine(line)
		}
	}
	onTooLong := func(n int64) {
		p.stdoutTail.add(fmt.Appendf(nil, "<%d-byte line skipped>", n))
		p.problem(KindLineTooLong, fmt.Sprintf("node %s printed a %d-byte line on stdout (limit %d); skipped", p.cfg.ID, n, p.maxLine))
	}
	_ = readLines(bufio.NewReaderSize(p.stdoutR, readBufSize), p.maxLine, onLine, onTooLong)
}

// readLines splits r into lines, calling onLine for every line of at most
// maxLine bytes (without '\n'; a final line without '\n' counts) and
// onTooLong with the length of every longer line, which is discarded
// without ever being held whole in memory. It returns the read error that
// ended the stream (nil for EOF).
func readLines(r *bufio.Reader, maxLine int, onLine func([]byte), onTooLong func(n int64)) error {
	var acc []byte    // current line, when it spans several reads
	var skipped int64 // length so far of the over-long line being skipped
	skipping := false
	for {
		frag, err := r.ReadSlice('\n')
		complete := err == nil
		if complete {
			frag = frag[:len(frag)-1]
		}
		switch {
		case skipping:
			skipped += int64(len(frag))
		case len(acc)+len(frag) > maxLine:
			skipping = true
			skipped = int64(len(acc) + len(frag))
			acc = acc[:0]
		case complete && len(acc) == 0:
			onLine(frag) // straight from the reader's buffer
		default:
			acc = append(acc, frag...)
			if complete {
				onLine(acc)
				acc = acc[:0]
			}
		}
		if complete {
			if skipping {
				onTooLong(skipped)
				skipping = false
			}
			continue
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		// End of stream: a final line without '\n' still counts.
		if skipping {
			onTooLong(skipped)
		} else if len(acc) > 0 {
			onLine(acc)
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		return err
	}
}

// stderrLoop copies stderr to the log file, the tail and OnStderr.
func (p *Process) stderrLoop() {
	defer close(p.stderrDone)
	defer func() { _ = p.stderrR.Close() }()

	lw := &logWriter{p: p}
	if p.logFile != nil {
		lw.w = bufio.NewWriterSize(p.logFile, readBufSize)
	}
	defer lw.close()

	r := bufio.NewReaderSize(p.stderrR, readBufSize)
	line := make([]byte, 0, 1024) // current line, cut to StderrLineBytes
	for {
		frag, err := r.ReadSlice('\n')
		lw.write(frag)
		complete := err == nil
		body := frag
		if complete {
			body = frag[:len(frag)-1]
		}
		if room := StderrLineBytes - len(line); room > 0 {
			line = append(line, body[:min(room, len(body))]...)
		}
		if complete {
			p.endStderrLine(line)
			line = line[:0]
			if r.Buffered() == 0 {
				lw.flush() // about to block: make the log current
			}
			continue
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if len(line) > 0 {
			p.endStderrLine(line)
		}
		return
	}
}

func (p *Process) endStderrLine(line []byte) {
	p.stderrTail.add(line)
	if p.cfg.OnStderr != nil {
		p.cfg.OnStderr(line)
	}
}

// logWriter writes stderr to the log file, honouring MaxLog.
type logWriter struct {
	p         *Process
	w         *bufio.Writer // nil: discard
	written   int64
	lastNL    bool // last byte written ended a line
	truncated bool
	failed    bool
}

func (l *logWriter) write(b []byte) {
	if l.w == nil || l.failed || len(b) == 0 {
		return
	}
	if l.truncated || l.written+int64(len(b)) > l.p.maxLog {
		l.drop(b)
		return
	}
	if _, err := l.w.Write(b); err != nil {
		l.fail(err)
		return
	}
	l.written += int64(len(b))
	l.lastNL = b[len(b)-1] == '\n'
}

func (l *logWriter) drop(b []byte) {
	l.p.mu.Lock()
	l.p.logDropped += int64(len(b))
	l.p.mu.Unlock()
	if l.truncated {
		return
	}
	l.truncated = true
	var notice []byte
	if l.written > 0 && !l.lastNL {
		notice = append(notice, '\n')
	}
	notice = fmt.Appendf(notice, "[eddy] node %s stderr log reached its %d-byte cap; further output is dropped\n", l.p.cfg.ID, l.p.maxLog)
	if _, err := l.w.Write(notice); err != nil {
		l.fail(err)
	}
	l.p.problem(KindLogTruncated, fmt.Sprintf("node %s wrote more than %d bytes to stderr; log %s truncated", l.p.cfg.ID, l.p.maxLog, l.p.cfg.LogPath))
}

func (l *logWriter) flush() {
	if l.w == nil || l.failed {
		return
	}
	if err := l.w.Flush(); err != nil {
		l.fail(err)
	}
}

func (l *logWriter) fail(err error) {
	l.failed = true
	l.p.problem(KindLogError, fmt.Sprintf("node %s: writing log %s failed: %v; further stderr is not logged", l.p.cfg.ID, l.p.cfg.LogPath, err))
}

func (l *logWriter) close() {
	l.flush()
	if l.p.logFile != nil {
		if err := l.p.logFile.Close(); err != nil && !l.failed {
			l.fail(err)
		}
	}
}

func (p *Process) problem(kind, text string) {
	if p.cfg.OnProblem != nil {
		p.cfg.OnProblem(Problem{Node: p.cfg.ID, Kind: kind, Text: text})
	}
}

// tail is a ring of the last TailLines lines, each cut to TailLineBytes.
type tail struct {
	mu   sync.Mutex
	buf  [TailLines][]byte
	next int
	n    int
}

func (t *tail) add(line []byte) {
	line = cutUTF8(line, TailLineBytes)
	t.mu.Lock()
	t.buf[t.next] = append(t.buf[t.next][:0], line...)
	t.next = (t.next + 1) % TailLines
	if t.n < TailLines {
		t.n++
	}
	t.mu.Unlock()
}

func (t *tail) lines() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]string, 0, t.n)
	for i := range t.n {
		out = append(out, string(t.buf[(t.next-t.n+i+TailLines)%TailLines]))
	}
	return out
}

// cutUTF8 returns b cut to at most max bytes, backing off so as not to split
// a UTF-8 sequence.
func cutUTF8(b []byte, limit int) []byte {
	if len(b) <= limit {
		return b
	}
	i := limit
	// Back off over continuation bytes (10xxxxxx), at most 3 of them.
	for j := 0; j < 3 && i > 0 && b[i]&0xC0 == 0x80; j++ {
		i--
	}
	return b[:i]
}

// closed reports whether ch is closed.
func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// waitFor waits up to d for ch to be closed and reports whether it was.
func waitFor(ch <-chan struct{}, d time.Duration) bool {
	if closed(ch) {
		return true
	}
	if d <= 0 {
		return false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ch:
		return true
	case <-t.C:
		return false
	}
}
