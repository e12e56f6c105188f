package runner

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/eddy-workbench/eddy/internal/history"
)

// progressEvery is how often a run reports its progress.
const progressEvery = 500 * time.Millisecond

// progress keeps the counts behind Config.Progress and reports them.
type progress struct {
	report    func(Progress)
	timeLimit time.Duration

	ok, fail, info atomic.Int64
	partitioned    atomic.Bool
	down, paused   atomic.Int64

	mu        sync.Mutex // serialises reports
	phase     string
	mainStart time.Time

	done chan struct{}
	wg   sync.WaitGroup
}

func newProgress(report func(Progress), timeLimit time.Duration) *progress {
	return &progress{report: report, timeLimit: timeLimit, done: make(chan struct{})}
}

// start reports periodically until stop.
func (p *progress) start() {
	if p.report == nil {
		return
	}
	p.wg.Go(func() {
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				p.emit("")
			case <-p.done:
				return
			}
		}
	})
}

func (p *progress) stop() {
	close(p.done)
	p.wg.Wait()
}

// setPhase records a change of phase and reports it.
func (p *progress) setPhase(phase string) { p.emit(phase) }

// setFaults records how many nodes are down and paused.
func (p *progress) setFaults(down, paused int) {
	p.down.Store(int64(down))
	p.paused.Store(int64(paused))
}

// completed counts a client operation's completion.
func (p *progress) completed(t history.Type) {
	switch t {
	case history.OK:
		p.ok.Add(1)
	case history.Fail:
		p.fail.Add(1)
	case history.Info:
		p.info.Add(1)
	}
}

func (p *progress) emit(phase string) {
	if p.report == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if phase != "" {
		p.phase = phase
		if phase == "main" {
			p.mainStart = time.Now()
		}
	}
	var elapsed time.Duration
	if !p.mainStart.IsZero() {
		elapsed = time.Since(p.mainStart)
	}
	p.report(Progress{
		Phase:       p.phase,
		Elapsed:     elapsed,
		TimeLimit:   p.timeLimit,
		OK:          p.ok.Load(),
		Fail:        p.fail.Load(),
		Info:        p.info.Load(),
		Partitioned: p.partitioned.Load(),
		Down:        int(p.down.Load()),
		Paused:      int(p.paused.Load()),
	})
}
