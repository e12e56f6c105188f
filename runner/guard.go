package runner

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"time"
)

// PanicLog is the file in a run directory that receives the stack of every
// panic eddy recovered from while running or analysing the run (a bug in a
// checker, a plot or a report writer): the run goes on without that part,
// and its diagnosis names this file.
const PanicLog = "panics.log"

// crash is a recovered panic: where it happened, its message on one line,
// and the stack.
type crash struct {
	what  string // e.g. "the workload checker", "latency-raw.svg"
	msg   string
	stack []byte
}

// guard runs f and recovers a panic in it as a crash. If hook is set it is
// called with what first, inside the guard: tests inject panics through it.
func guard(what string, hook func(string), f func()) (c *crash) {
	defer func() {
		if p := recover(); p != nil {
			c = &crash{what: what, msg: oneLine(fmt.Sprint(p)), stack: debug.Stack()}
		}
	}()
	if hook != nil {
		hook(what)
	}
	f()
	return nil
}

// problem is the crash's one-line diagnosis; effect says what became of
// the part that failed.
func (c crash) problem(effect string) string {
	return fmt.Sprintf("eddy bug: %s panicked (%s); %s; the stack is in %s", c.what, clipText(c.msg, 200), effect, PanicLog)
}

// oneLine folds a message onto one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// crashes collects recovered panics from concurrent goroutines.
type crashes struct {
	mu   sync.Mutex
	list []crash
}

func (cs *crashes) add(c crash) {
	cs.mu.Lock()
	cs.list = append(cs.list, c)
	cs.mu.Unlock()
}

func (cs *crashes) take() []crash {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	out := cs.list
	cs.list = nil
	return out
}

// writePanics appends the crashes' stacks to dir's PanicLog.
func writePanics(dir string, list []crash) error {
	if len(list) == 0 {
		return nil
	}
	f, err := os.OpenFile(filepath.Join(dir, PanicLog), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	for _, c := range list {
		fmt.Fprintf(f, "%s %s panicked: %s\n%s\n", time.Now().UTC().Format(time.RFC3339), c.what, c.msg, c.stack)
	}
	return f.Close()
}
