package runner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/eddy-workbench/eddy/internal/client"
	"github.com/eddy-workbench/eddy/internal/netsim"
	"github.com/eddy-workbench/eddy/internal/process"
	"github.com/eddy-workbench/eddy/internal/proto"
	"github.com/eddy-workbench/eddy/nodekit/durable"
)

// initTimeout is how long a node has to answer init, as in Maelstrom.
const initTimeout = 10 * time.Second

// maxLine is the longest stdout line eddy accepts from a node.
const maxLine = 1 << 20

// node is one server node: its network endpoint and its process. Every
// endpoint is registered before any process starts, so a node may message a
// peer or a service from its first line on; as in Maelstrom, nothing waits
// for init_ok. Messages that arrive before the node's own process has
// started are queued and written to its stdin, in order, once it runs. The
// nemesis may kill its process and start it again (a new incarnation,
// initialised afresh), or pause it.
type node struct {
	id string

	mu      sync.Mutex
	proc    *process.Process // the current incarnation; set by startNode
	live    bool             // the process runs and pending has been written
	pending [][]byte         // delivered before that
	dead    bool             // stdin writes fail; reported once per incarnation
	// stopping is set at teardown: messages still arriving then (replies
	// to requests in flight) are dropped without a diagnosis.
	stopping bool
	down     bool // killed by the nemesis, not yet restarted

	// out serialises the routing of the node's stdout lines with their
	// holding while the node is paused.
	out struct {
		sync.Mutex
		paused bool
		held   [][]byte
	}
}

// process is the node's current incarnation.
func (n *node) process() *process.Process {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.proc
}

// nodeDir is a node's private directory: it lives as long as the run,
// through the node's restarts (an eddy extension; see package
// nodekit/durable).
func (r *run) nodeDir(id string) string {
	return filepath.Join(r.dir, "node-data", id)
}

// registerNode adds a node's endpoint to the network; its process is
// started later by startNode.
func (r *run) registerNode(id string) (*node, error) {
	n := &node{id: id}
	if err := r.net.Register(id, n.deliver(r)); err != nil {
		return nil, err
	}
	return n, nil
}

// startNode spawns a node's process and writes it what was delivered to
// it before. The node's private directory is made first.
func (r *run) startNode(n *node) error {
	id := n.id
	dir, err := filepath.Abs(r.nodeDir(id))
	if err == nil {
		err = os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		return fmt.Errorf("node %s: creating its directory: %w", id, err)
	}
	cfg := process.Config{
		ID:      id,
		Bin:     r.s.Bin,
		Args:    r.s.Args,
		Env:     []string{durable.EnvDir + "=" + dir},
		LogPath: filepath.Join(r.dir, "node-logs", id+".log"),
		MaxLine: maxLine,
		MaxLog:  r.s.MaxLog,
		OnLine:  r.lineHandler(n),
		OnProblem: func(p process.Problem) {
			r.problems.add(p.Node, p.Kind, p.Text)
		},
		OnStderr: r.stderrHook(id),
	}
	if f := r.s.Node; f != nil {
		cfg.Func = func(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) error {
			return f(durable.WithDir(ctx, dir), stdin, stdout, stderr)
		}
	}
	proc, err := process.Start(cfg)
	if err != nil {
		return &ConfigError{Msg: err.Error()}
	}
	n.mu.Lock()
	n.proc = proc
	n.mu.Unlock()
	// Write what came before, in order; deliveries meanwhile queue behind.
	for {
		n.mu.Lock()
		batch := n.pending
		n.pending = nil
		if len(batch) == 0 {
			n.live = true
			n.mu.Unlock()
			return nil
		}
		n.mu.Unlock()
		for _, line := range batch {
			n.write(r, proc, line)
		}
	}
}

func (r *run) stderrHook(id string) func([]byte) {
	if !r.s.LogStderr {
		return nil
	}
	return func(line []byte) { r.logf("%s stderr: %s", id, line) }
}

// deliver is the node endpoint's handler: it writes each delivered message
// to the node's stdin.
func (n *node) deliver(r *run) netsim.Handler {
	return func(m netsim.Message) {
		line := proto.AppendDelivered(make([]byte, 0, len(m.Body)+64), m.ID, m.Src, m.Dest, m.Body)
		n.mu.Lock()
		if !n.live {
			n.pending = append(n.pending, line)
			n.mu.Unlock()
			return
		}
		proc := n.proc
		n.mu.Unlock()
		n.write(r, proc, line)
	}
}

// write writes a line to an incarnation's stdin. A failure is reported once
// per incarnation, unless the nemesis killed it (the message was on its way
// to a process that died).
func (n *node) write(r *run, proc *process.Process, line []byte) {
	if err := proc.Write(line); err != nil {
		n.mu.Lock()
		first := !n.dead && !n.stopping && !proc.Killed() && proc == n.proc
		n.dead = true
		n.mu.Unlock()
		if first {
			r.problems.add(n.id, "stdin", fmt.Sprintf("node %s no longer reads its stdin (%v); messages to it are lost", n.id, err))
		}
	}
}

// defaultFloodLimit is Config.FloodLimit's default.
const defaultFloodLimit = 25_000

// lineHandler returns the handler of one node's stdout lines: it routes
// each (or holds it while the nemesis has the node paused), and reports the
// node once per second in which it prints more than the flood limit. It is
// called from the node's stdout reader only (of one incarnation at a time).
func (r *run) lineHandler(n *node) func([]byte) {
	id := n.id
	floodLimit := r.s.FloodLimit
	if floodLimit <= 0 {
		floodLimit = defaultFloodLimit
	}
	var windowStart time.Time
	var count int
	return func(line []byte) {
		now := time.Now()
		if now.Sub(windowStart) >= time.Second {
			windowStart, count = now, 0
		}
		count++
		if count == floodLimit {
			r.problems.add(id, "flood", fmt.Sprintf("node %s is flooding the network: %d messages within one second (a busy node sends a few thousand); still routed", id, floodLimit))
		}
		n.out.Lock()
		defer n.out.Unlock()
		if n.out.paused {
			n.out.held = append(n.out.held, bytes.Clone(line))
			return
		}
		r.routeGuarded(id, line)
	}
}

// routeGuarded routes a line, recovering a panic in the router as an eddy
// bug: the line is dropped and the run goes on.
func (r *run) routeGuarded(id string, line []byte) {
	if c := guard("the router", r.s.hook, func() { r.route(id, line) }); c != nil {
		r.crashes.add(*c)
		r.problems.add(id, "panic:route", c.problem(fmt.Sprintf("a line of node %s was dropped: %s", id, truncate(line, 120))))
	}
}

// route injects one stdout line of a node into the network.
func (r *run) route(id string, line []byte) {
	env, err := proto.ParseEnvelope(line)
	if err != nil {
		switch {
		case proto.IsTooDeep(line):
			r.problems.add(id, "too-deep", fmt.Sprintf("node %s printed a line nested more than %d levels deep, which no JSON reader here accepts: %s; skipped", id, proto.MaxDepth, truncate(line, 120)))
		case proto.IsNotJSON(err):
			r.problems.add(id, "not-json", fmt.Sprintf("node %s printed a line to stdout that is not JSON (logs belong on stderr): %s; skipped", id, truncate(line, 120)))
		default:
			r.problems.add(id, "malformed", fmt.Sprintf("node %s printed a malformed message (%v): %s; skipped", id, err, truncate(line, 120)))
		}
		return
	}
	if netsim.IsClient(env.Dest) || r.services[env.Dest] {
		// What eddy decodes (client replies, service requests) is checked
		// for what cannot be read at face value.
		for _, o := range proto.Oddities(env.Body) {
			r.problems.add(id, "odd:"+o.Kind, fmt.Sprintf("node %s sent %s a body that %s: %s", id, env.Dest, o.Text, truncate(line, 120)))
		}
	}
	body := bytes.Clone(env.Body)
	if _, err := r.net.Send(env.Src, env.Dest, body); err != nil {
		var what string
		switch {
		case errors.Is(err, netsim.ErrCrashedSrc):
			return // read from a process the nemesis killed: it died with it
		case errors.Is(err, netsim.ErrClosedDest) && netsim.IsClient(env.Dest):
			what = fmt.Sprintf("replied to client %s, which had given up and closed", env.Dest)
			if h, _, err := proto.ParseHeader(body); err == nil && h.HasReply {
				r.silence.Late(env.Dest, h.InReplyTo)
			}
		case errors.Is(err, netsim.ErrUnknownDest), errors.Is(err, netsim.ErrClosedDest):
			what = fmt.Sprintf("sent a message to %q, which is not in the network", env.Dest)
		default:
			what = fmt.Sprintf("sent a message from %q, which is not in the network", env.Src)
		}
		r.problems.add(id, "dest:"+what, fmt.Sprintf("node %s %s: %s; dropped", id, what, truncate(line, 120)))
	}
}

// initNode sends init through a fresh client and waits for init_ok.
func (r *run) initNode(ctx context.Context, n *node) error {
	c, err := client.Open(r.net, &r.clientIDs, n.id)
	if err != nil {
		return err
	}
	defer c.Close()
	type result struct {
		reply client.Reply
		err   error
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan result, 1)
	var rpc sync.WaitGroup
	defer func() {
		cancel() // ends the RPC if the node exited first
		rpc.Wait()
	}()
	rpc.Go(func() {
		reply, err := c.RPC(ctx, initTimeout, "type", "init", "node_id", n.id, "node_ids", r.s.nodes)
		done <- result{reply, err}
	})
	var res result
	proc := n.process()
	select {
	case res = <-done:
	case <-proc.Exited():
		// Give a reply that raced the exit a moment to arrive.
		select {
		case res = <-done:
		case <-time.After(50 * time.Millisecond):
			return fmt.Errorf("node %s exited (%s) before answering init%s", n.id, proc.ExitStatus(), lastWords(proc))
		}
	}
	switch {
	case errors.Is(res.err, client.ErrTimeout):
		return fmt.Errorf("node %s did not answer init within %v%s", n.id, initTimeout, lastWords(proc))
	case res.err != nil:
		return fmt.Errorf("node %s: init failed: %v", n.id, res.err)
	case res.reply.Header.Type == "error":
		return fmt.Errorf("node %s answered init with an error: %s", n.id, res.reply.Body)
	case res.reply.Header.Type != "init_ok":
		return fmt.Errorf("node %s answered init with %s, expected an init_ok", n.id, res.reply.Body)
	}
	return nil
}

// lastWords is the last stderr line of a node, for a diagnosis.
func lastWords(p *process.Process) string {
	tail := p.StderrTail()
	if len(tail) == 0 {
		return ""
	}
	return fmt.Sprintf("; its last stderr line: %q", strings.TrimSpace(tail[len(tail)-1]))
}

// stopNodes stops every node process in parallel.
func (r *run) stopNodes() {
	var wg sync.WaitGroup
	for _, n := range r.nodes {
		wg.Go(func() {
			n.mu.Lock()
			n.stopping = true
			proc := n.proc
			n.mu.Unlock()
			if err := proc.Stop(r.s.StopGrace); err != nil {
				r.logf("stopping node %s: %v", n.id, err)
			}
		})
	}
	wg.Wait()
}
