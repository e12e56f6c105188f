package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/eddy-workbench/eddy/runner"
)

// plainEvery is how often progress is printed when not on a terminal.
const plainEvery = 5 * time.Second

// progressPrinter shows a run's progress: one line rewritten in place on a
// terminal, plain lines (at each phase and every few seconds) otherwise.
type progressPrinter struct {
	w        io.Writer
	label    string
	terminal bool
	phase    string
	last     time.Time
	drawn    bool
}

// newProgressPrinter shows the progress of challenge id.
func newProgressPrinter(w io.Writer, id string) *progressPrinter {
	return newLabelledProgress(w, "challenge "+id)
}

// newLabelledProgress shows a run's progress on lines that start with label.
func newLabelledProgress(w io.Writer, label string) *progressPrinter {
	return &progressPrinter{w: w, label: label, terminal: isTerminal(w)}
}

// print is the runner's Progress callback (never called concurrently).
func (p *progressPrinter) print(pr runner.Progress) {
	line := fmt.Sprintf("%s: %-8s %5.1f/%.0fs  ok %d  fail %d  info %d", p.label, pr.Phase,
		min(pr.Elapsed, pr.TimeLimit).Seconds(), pr.TimeLimit.Seconds(), pr.OK, pr.Fail, pr.Info)
	if pr.Partitioned {
		line += "  [partitioned]"
	}
	if pr.Down > 0 {
		line += fmt.Sprintf("  [%d down]", pr.Down)
	}
	if pr.Paused > 0 {
		line += fmt.Sprintf("  [%d paused]", pr.Paused)
	}
	if p.terminal {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
		p.drawn = true
		return
	}
	if pr.Phase != p.phase || time.Since(p.last) >= plainEvery {
		fmt.Fprintln(p.w, line)
		p.phase, p.last = pr.Phase, time.Now()
	}
}

// done ends the in-place line.
func (p *progressPrinter) done() {
	if p.drawn {
		fmt.Fprintln(p.w)
	}
}

// isTerminal reports whether w is a character device.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
