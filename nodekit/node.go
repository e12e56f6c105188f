package nodekit

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"sync"
	"time"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"
)

// Message is one message a node received: its envelope and the header of
// its body, which the Node has already checked.
type Message struct {
	// Src and Dest are the envelope's source and destination.
	Src, Dest string
	// Type is the body's "type".
	Type string
	// MsgID is the body's "msg_id", or 0 for a message that expects no
	// reply.
	MsgID int64
	// InReplyTo is the body's "in_reply_to", or 0 if it is not a reply.
	InReplyTo int64
	// Body is the whole body, as received.
	Body json.RawMessage
}

// Decode decodes the body into v with encoding/json.
func (m Message) Decode(v any) error { return json.Unmarshal(m.Body, v) }

// Option configures a Node.
type Option func(*config)

type config struct {
	in            io.Reader
	out, errw     io.Writer
	clock         Clock
	log           *slog.Logger
	maxBody       int
	maxLine       int
	store         Store
	dir           string
	call          CallOptions
	shutdownGrace time.Duration
}

// WithIO sets the node's input (messages in), output (messages out) and
// log (stderr). The defaults are os.Stdin, os.Stdout and os.Stderr; a nil
// argument keeps the default.
func WithIO(in io.Reader, out, errw io.Writer) Option {
	return func(c *config) {
		if in != nil {
			c.in = in
		}
		if out != nil {
			c.out = out
		}
		if errw != nil {
			c.errw = errw
		}
	}
}

// WithClock sets the node's time source (default RealClock()).
func WithClock(clock Clock) Option { return func(c *config) { c.clock = clock } }

// WithLogger sets the node's logger (default: text to the log writer of
// WithIO, level Info).
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// WithMaxBody sets the largest body, in bytes of JSON, the node sends to
// another node (default DefaultMaxBody). Send refuses a larger one.
func WithMaxBody(n int) Option { return func(c *config) { c.maxBody = n } }

// WithMaxLine sets the longest input line the node reads (default
// DefaultMaxLine), and the longest line it sends to a client or service.
func WithMaxLine(n int) Option { return func(c *config) { c.maxLine = n } }

// WithStore gives the node durable storage, which Node.Store returns.
func WithStore(s Store) Option { return func(c *config) { c.store = s } }

// WithDir sets the node's private directory, which outlives its process
// (see Node.Dir). Main and Func set it from eddy's EDDY_NODE_DIR or the
// context (durable.Dir); a node run otherwise has none unless given one.
func WithDir(dir string) Option { return func(c *config) { c.dir = dir } }

// WithCallOptions sets the options of Node.Call (default: the zero
// CallOptions, one attempt with a timeout of 1s).
func WithCallOptions(o CallOptions) Option { return func(c *config) { c.call = o } }

// Node is a Maelstrom node: it reads messages from its input, one JSON
// object a line, hands requests to the handlers registered for their
// type, and writes what it sends to its output. It speaks the protocol of
// maelstrom.Node (github.com/jepsen-io/maelstrom/demo/go) and uses its
// error type, *maelstrom.RPCError, and codes, but replaces its reader and
// dispatch, whose traps it avoids:
//
//   - Any input line up to DefaultMaxLine bytes is read (the library stops
//     at 64 KiB); a longer one is skipped and reported.
//   - Input that is not a message, a body of the wrong shape, a field of
//     the wrong type, a missing required field or an unknown type never
//     stops the node: a request gets an error reply with the code
//     Maelstrom defines (12 malformed-request, 10 not-supported, 11
//     temporarily-unavailable before init, 13 crash for a handler's
//     failure or panic), and anything that cannot be answered is reported
//     on the log and dropped.
//   - init is handled before any later message: the node's ids are set,
//     the OnInit hooks have returned and init_ok is sent before any
//     handler or task runs (the library handles init concurrently with
//     what follows it).
//   - Call waits for a reply with a timeout; a late reply is dropped, not
//     left blocking (the library's SyncRPC trap), and numbers in bodies
//     are never converted to float64.
//   - No error reply has code 0, which the library's clients take for
//     success.
//   - Nothing is logged per message.
//
// Handlers run concurrently, each in its own goroutine, as with the
// library; a node serialises access to its state itself.
type Node struct {
	cfg config
	log *slog.Logger

	outMu sync.Mutex // serialises writes to cfg.out

	storeOnce sync.Once // Store's default DirStore

	mu         sync.Mutex
	handlers   map[string]func(context.Context, Message)
	onInit     []func(context.Context) error
	tasks      []*task
	id         string
	srcJSON    []byte
	ids        []string
	neighbours []string
	state      initState
	initErr    error
	ready      chan struct{} // closed once init is answered
	stopped    chan struct{} // closed when the input has ended
	nextMsgID  int64
	pending    map[int64]chan Message
	running    bool
	stopping   bool
	ctx        context.Context
	wg         sync.WaitGroup // handlers, hooks and tasks in progress
}

type initState int

const (
	uninitialised initState = iota
	initialising
	initialised
	initFailed
)

// New returns a Node configured by opts. Register handlers, hooks and
// tasks, then call Run.
func New(opts ...Option) *Node {
	c := config{
		in: os.Stdin, out: os.Stdout, errw: os.Stderr, clock: RealClock(),
		maxBody: DefaultMaxBody, maxLine: DefaultMaxLine,
		shutdownGrace: 5 * time.Second,
	}
	for _, o := range opts {
		o(&c)
	}
	if c.log == nil {
		c.log = slog.New(slog.NewTextHandler(c.errw, nil))
	}
	c.maxBody = cmpOr(c.maxBody, DefaultMaxBody)
	c.maxLine = cmpOr(c.maxLine, DefaultMaxLine)
	return &Node{
		cfg: c, log: c.log,
		handlers: map[string]func(context.Context, Message){},
		ready:    make(chan struct{}),
		stopped:  make(chan struct{}),
		pending:  map[int64]chan Message{},
		ctx:      context.Background(),
	}
}

func cmpOr(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

// ID returns the node's id, "" before init.
func (n *Node) ID() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.id
}

// NodeIDs returns the ids of every node, this one included, in the order
// of the init message; nil before init.
func (n *Node) NodeIDs() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.ids)
}

// Peers returns the ids of the other nodes, in the order of NodeIDs.
func (n *Node) Peers() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []string
	for _, id := range n.ids {
		if id != n.id {
			out = append(out, id)
		}
	}
	return out
}

// Neighbours returns this node's neighbours from the latest topology
// message (see HandleTopology), or nil if none has come.
func (n *Node) Neighbours() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.neighbours)
}

// Now returns the time of the node's clock.
func (n *Node) Now() time.Time { return n.cfg.clock.Now() }

// Clock returns the node's clock.
func (n *Node) Clock() Clock { return n.cfg.clock }

// Logger returns the node's logger, which writes to its stderr.
func (n *Node) Logger() *slog.Logger { return n.log }

// Store returns the durable storage given with WithStore; else, if the
// node has a directory (Dir), a DirStore over it, made on first use; else
// nil. What is saved there survives the node being killed and restarted.
func (n *Node) Store() Store {
	n.storeOnce.Do(func() {
		if n.cfg.store != nil || n.cfg.dir == "" {
			return
		}
		s, err := OpenDir(n.cfg.dir)
		if err != nil {
			n.log.Error("cannot open the node's directory as a store", "dir", n.cfg.dir, "err", err)
			return
		}
		n.cfg.store = s
	})
	return n.cfg.store
}

// Dir returns the node's private directory: under eddy, one per node that
// lives as long as the run, through the node's restarts (so a node killed
// by --nemesis kill finds there what it kept); "" if it has none. Package
// nodekit/durable keeps logs and files in it.
func (n *Node) Dir() string { return n.cfg.dir }

// MaxBody returns the largest body the node sends to another node.
func (n *Node) MaxBody() int { return n.cfg.maxBody }

// OnInit registers a hook that runs when the init message comes, after
// ID and NodeIDs are set and before the node answers init_ok; hooks run
// in the order registered, in one goroutine, so a hook may call services
// (Call) and wait for their replies. If a hook fails, the node answers
// init with the error and every later request with error 11. No handler
// and no task runs before every hook has returned and init is answered.
func (n *Node) OnInit(hook func(ctx context.Context) error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.onInit = append(n.onInit, hook)
}

// handle registers the internal handler of a message type.
func (n *Node) handle(typ string, h func(context.Context, Message)) {
	if typ == "" || typ == "init" || typ == "error" {
		panic(fmt.Sprintf("nodekit: cannot register a handler for %q", typ))
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, dup := n.handlers[typ]; dup {
		panic(fmt.Sprintf("nodekit: duplicate handler for %q", typ))
	}
	n.handlers[typ] = h
}

// HandleTopology makes the node accept Maelstrom's topology message
// ({"topology": {node: [neighbour, …], …}}, sent by the broadcast
// workload): it records this node's neighbours, which Neighbours then
// returns, calls fn with them if fn is not nil, and replies topology_ok.
func (n *Node) HandleTopology(fn func(neighbours []string)) {
	type topology struct {
		Topology map[string][]string `json:"topology" nodekit:"required"`
	}
	Handle(n, "topology", func(_ context.Context, _ Message, req topology) (struct{}, error) {
		n.mu.Lock()
		nb := slices.Clone(req.Topology[n.id])
		if nb == nil {
			nb = []string{}
		}
		n.neighbours = nb
		n.mu.Unlock()
		if fn != nil {
			fn(slices.Clone(nb))
		}
		return struct{}{}, nil
	})
}

// Run serves the node's input until it ends. Then it stops the node's
// tasks, fails the Calls still waiting (no reply can come any more) with
// ErrStopped, lets the handlers in progress finish (a few seconds at
// most) and cancels their contexts. It returns nil at the end of the
// input, or the read error.
//
// Cancelling ctx stops the node the same way, except that the handlers'
// contexts are cancelled at once; Run then returns ctx.Err(), though a
// read already blocked on the input stays blocked until the input
// delivers something or ends.
func (n *Node) Run(ctx context.Context) error {
	n.mu.Lock()
	if n.running {
		n.mu.Unlock()
		return errors.New("nodekit: Run called twice")
	}
	n.running = true
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	n.ctx = ctx
	n.mu.Unlock()

	readDone := make(chan error, 1)
	go func() { readDone <- n.read(ctx) }()
	var err error
	select {
	case err = <-readDone:
	case <-ctx.Done():
		err = ctx.Err()
	}
	n.shutdown()
	return err
}

// context returns the context of the node's work: Background before Run,
// then Run's, cancelled when the node stops.
func (n *Node) context() context.Context {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.ctx
}

// ErrStopped is wrapped by the error of a Call made or waiting when the
// node's input has ended.
var ErrStopped = errors.New("node stopped")

// shutdown stops new work and the tasks, fails waiting Calls and waits for
// the handlers.
func (n *Node) shutdown() {
	n.mu.Lock()
	n.stopping = true
	for _, t := range n.tasks {
		t.stop()
	}
	close(n.stopped)
	n.mu.Unlock()
	done := make(chan struct{})
	go func() { n.wg.Wait(); close(done) }()
	// A safety net on real time, whatever the node's clock: a handler that
	// ignores its context must not keep the process from exiting.
	grace := time.NewTimer(n.cfg.shutdownGrace)
	defer grace.Stop()
	select {
	case <-done:
	case <-grace.C:
		n.log.Warn("nodekit: handlers still running after shutdown grace; leaving them", "grace", n.cfg.shutdownGrace)
	}
}

// Go runs f in its own goroutine, which Run waits for when the node stops,
// as it does for handlers; ctx is cancelled when the node stops. Use it for
// work that outlives a handler, such as calls whose replies a handler
// does not wait for. It reports false, and does not run f, once the node
// is stopping.
func (n *Node) Go(f func(ctx context.Context)) bool {
	return n.goTracked(func() { f(n.context()) })
}

// goTracked starts f in a goroutine counted by n.wg, unless the node is
// stopping; it reports whether it did.
func (n *Node) goTracked(f func()) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.stopping {
		return false
	}
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		f()
	}()
	return true
}

// read reads and handles input lines until the input ends or ctx is done.
func (n *Node) read(ctx context.Context) error {
	r := bufio.NewReaderSize(n.cfg.in, 64<<10)
	for {
		line, err := readLine(r, n.cfg.maxLine)
		if ctx.Err() != nil {
			return nil
		}
		switch {
		case errors.Is(err, errLineTooLong):
			n.log.Warn("nodekit: skipped an input line over the limit", "limit", n.cfg.maxLine)
		case len(line) > 0:
			n.handleLine(line)
		}
		if err != nil && !errors.Is(err, errLineTooLong) {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

var errLineTooLong = errors.New("line too long")

// readLine returns the next line without its end of line. At the end of
// the input it returns what is left and an error; for a line longer than
// limit it returns errLineTooLong, having read past it.
func readLine(r *bufio.Reader, limit int) ([]byte, error) {
	var line []byte
	for {
		chunk, err := r.ReadSlice('\n')
		if len(line)+len(chunk) > limit+1 { // +1: the newline
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = r.ReadSlice('\n')
			}
			if err == nil {
				err = errLineTooLong
			}
			return nil, err
		}
		line = append(line, chunk...)
		if !errors.Is(err, bufio.ErrBufferFull) {
			if k := len(line); k > 0 && line[k-1] == '\n' {
				line = line[:k-1]
			}
			if k := len(line); k > 0 && line[k-1] == '\r' {
				line = line[:k-1]
			}
			return line, err
		}
	}
}

// excerpt shortens a line for the log.
func excerpt(b []byte) string {
	const max = 200
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}

// envelope and header are what the Node reads of every line.
type envelope struct {
	Src  string          `json:"src"`
	Dest string          `json:"dest"`
	Body json.RawMessage `json:"body"`
}

type header struct {
	Type      json.RawMessage `json:"type"`
	MsgID     json.RawMessage `json:"msg_id"`
	InReplyTo json.RawMessage `json:"in_reply_to"`
}

// handleLine screens one input line and dispatches it.
func (n *Node) handleLine(line []byte) {
	var env envelope
	if err := json.Unmarshal(line, &env); err != nil {
		n.log.Warn("nodekit: dropped an input line that is not a JSON message", "error", err, "line", excerpt(line))
		return
	}
	var h header
	if err := json.Unmarshal(env.Body, &h); err != nil || len(env.Body) == 0 || env.Body[0] != '{' {
		n.log.Warn("nodekit: dropped a message whose body is not a JSON object", "src", env.Src, "line", excerpt(line))
		return
	}
	m := Message{Src: env.Src, Dest: env.Dest, Body: env.Body}
	if isSet(h.InReplyTo) {
		if json.Unmarshal(h.InReplyTo, &m.InReplyTo) != nil || m.InReplyTo == 0 {
			n.log.Warn("nodekit: dropped a reply with a bad in_reply_to", "src", env.Src, "line", excerpt(line))
			return
		}
		_ = json.Unmarshal(h.Type, &m.Type)
		n.deliverReply(m)
		return
	}
	if isSet(h.MsgID) && (json.Unmarshal(h.MsgID, &m.MsgID) != nil || m.MsgID == 0) {
		n.log.Warn("nodekit: dropped a request whose msg_id is not a non-zero integer, which cannot be answered", "src", env.Src, "line", excerpt(line))
		return
	}
	if !isSet(h.Type) {
		n.refuse(m, maelstrom.MalformedRequest, `the body has no "type"`)
		return
	}
	if json.Unmarshal(h.Type, &m.Type) != nil {
		n.refuse(m, maelstrom.MalformedRequest, `the body's "type" must be a string`)
		return
	}
	if m.Type == "init" {
		n.handleInit(m)
		return
	}
	n.mu.Lock()
	h2, known := n.handlers[m.Type]
	state := n.state
	n.mu.Unlock()
	switch {
	case !known:
		n.refuse(m, maelstrom.NotSupported, fmt.Sprintf("unsupported message type %q", m.Type))
		return
	case state == uninitialised:
		n.refuse(m, maelstrom.TemporarilyUnavailable, "not initialised yet")
		return
	}
	n.goTracked(func() { n.serve(h2, m) })
}

func isSet(raw json.RawMessage) bool { return len(raw) > 0 && string(raw) != "null" }

// serve runs handler h on m once init is done, turning a panic into a
// crash reply.
func (n *Node) serve(h func(context.Context, Message), m Message) {
	select {
	case <-n.ready:
	case <-n.context().Done():
		return
	}
	n.mu.Lock()
	state, initErr := n.state, n.initErr
	n.mu.Unlock()
	if state != initialised {
		n.refuse(m, maelstrom.TemporarilyUnavailable, fmt.Sprintf("init failed: %v", initErr))
		return
	}
	defer func() {
		if p := recover(); p != nil {
			n.log.Error("nodekit: handler panicked", "type", m.Type, "src", m.Src, "panic", p, "stack", string(debug.Stack()))
			if m.MsgID != 0 {
				_ = n.ReplyError(m, fmt.Errorf("handler panicked: %v", p))
			}
		}
	}()
	h(n.context(), m)
}

// refuse answers request m with an error, or reports it when it cannot be
// answered.
func (n *Node) refuse(m Message, code int, text string) {
	if m.MsgID == 0 || m.Src == "" {
		n.log.Warn("nodekit: dropped a message that cannot be answered", "src", m.Src, "type", m.Type, "reason", text)
		return
	}
	if err := n.ReplyError(m, maelstrom.NewRPCError(code, text)); err != nil {
		n.log.Warn("nodekit: replying with an error", "dest", m.Src, "error", err)
	}
}

type initBody struct {
	NodeID  *string  `json:"node_id"`
	NodeIDs []string `json:"node_ids"`
}

// handleInit sets the node's ids and runs the init hooks in a goroutine,
// which answers init_ok when they return. A repeated init is answered
// with the first one's outcome.
func (n *Node) handleInit(m Message) {
	var b initBody
	if err := json.Unmarshal(m.Body, &b); err != nil || b.NodeID == nil || *b.NodeID == "" || b.NodeIDs == nil {
		n.refuse(m, maelstrom.MalformedRequest, `init needs "node_id", a non-empty string, and "node_ids", a list of strings`)
		return
	}
	n.mu.Lock()
	first := n.state == uninitialised
	if first {
		n.id = *b.NodeID
		n.srcJSON, _ = json.Marshal(n.id)
		n.ids = slices.Clone(b.NodeIDs)
		if !slices.Contains(n.ids, n.id) {
			n.ids = append(n.ids, n.id)
		}
		n.state = initialising
	} else if *b.NodeID != n.id {
		n.log.Warn("nodekit: ignored a second init naming another node", "node_id", *b.NodeID, "id", n.id)
	}
	hooks := slices.Clone(n.onInit)
	n.mu.Unlock()
	n.goTracked(func() {
		if !first {
			<-n.ready
			n.answerInit(m)
			return
		}
		var err error
		for _, h := range hooks {
			if err = n.runHook(h); err != nil {
				break
			}
		}
		n.mu.Lock()
		if err != nil {
			n.state, n.initErr = initFailed, err
			n.log.Error("nodekit: init failed", "error", err)
		} else {
			n.state = initialised
			for _, t := range n.tasks {
				n.startTask(t)
			}
		}
		n.mu.Unlock()
		// Answer before any handler or task runs (they wait for ready), so
		// that nothing the node sends precedes its init_ok.
		n.answerInit(m)
		close(n.ready)
	})
}

// answerInit answers an init message with init_ok, or with the error that
// made init fail.
func (n *Node) answerInit(m Message) {
	n.mu.Lock()
	err := n.initErr
	n.mu.Unlock()
	if err == nil {
		err = n.replyTyped(m, "init_ok", struct{}{})
	} else {
		err = n.ReplyError(m, err)
	}
	if err != nil {
		n.log.Warn("nodekit: answering init", "error", err)
	}
}

func (n *Node) runHook(h func(context.Context) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			n.log.Error("nodekit: init hook panicked", "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("init hook panicked: %v", p)
		}
	}()
	return h(n.context())
}

// Send sends body, which must encode as a JSON object with a "type", to
// dest, expecting no reply. A body over MaxBody bytes for another node,
// or a line over the line limit for anyone else, is refused with an error
// wrapping ErrTooLarge.
func (n *Node) Send(dest string, body any) error {
	b, err := encodeObject(body)
	if err != nil {
		return err
	}
	return n.write(dest, b)
}

// Reply sends body, which must encode as a JSON object with a "type", to
// the sender of req as the reply to it: the Node adds "in_reply_to". body
// must not have an "in_reply_to" of its own.
func (n *Node) Reply(req Message, body any) error {
	if req.MsgID == 0 {
		return fmt.Errorf("nodekit: cannot reply to a %q message without msg_id", req.Type)
	}
	b, err := encodeObject(body)
	if err != nil {
		return err
	}
	return n.write(req.Src, spliceFront(b, `"in_reply_to":`, req.MsgID))
}

// ReplyError answers req with an error body. The code is that of a
// *maelstrom.RPCError in err's chain, except that code 0 becomes 13
// (crash): the library's clients take a code-0 error for success. A
// *DecodeError is 12 (malformed-request); anything else is 13 (crash),
// which Maelstrom treats as indefinite.
func (n *Node) ReplyError(req Message, err error) error {
	code, text := ErrorCode(err), err.Error()
	var rpc *maelstrom.RPCError
	if errors.As(err, &rpc) {
		text = rpc.Text
	}
	return n.replyTyped(req, "error", errorBody{Code: code, Text: text})
}

type errorBody struct {
	Code int    `json:"code"`
	Text string `json:"text"`
}

// replyTyped answers req with body, "type" typ and "in_reply_to" first.
func (n *Node) replyTyped(req Message, typ string, body any) error {
	if req.MsgID == 0 {
		return fmt.Errorf("nodekit: cannot reply to a %q message without msg_id", req.Type)
	}
	b, err := encodeReply(typ, req.MsgID, body)
	if err != nil {
		return err
	}
	return n.write(req.Src, b)
}

// ErrorCode returns the Maelstrom error code a Node replies with for err:
// that of a *maelstrom.RPCError in its chain (13 for code 0), 12 for a
// *DecodeError, 13 for anything else.
func ErrorCode(err error) int {
	var rpc *maelstrom.RPCError
	var dec *DecodeError
	switch {
	case errors.As(err, &rpc):
		if rpc.Code == maelstrom.Timeout {
			return maelstrom.Crash
		}
		return rpc.Code
	case errors.As(err, &dec):
		return maelstrom.MalformedRequest
	}
	return maelstrom.Crash
}

// Errorf returns a *maelstrom.RPCError with the code and a formatted text,
// for a handler to return.
func Errorf(code int, format string, args ...any) error {
	return maelstrom.NewRPCError(code, fmt.Sprintf(format, args...))
}

// ErrTooLarge is wrapped by the error of a send whose message is over its
// limit.
var ErrTooLarge = errors.New("message too large")

// encodeObject encodes v, which must be a JSON object.
func encodeObject(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("nodekit: encoding a body: %w", err)
	}
	if len(b) < 2 || b[0] != '{' {
		return nil, fmt.Errorf("nodekit: a body must be a JSON object, not %s", excerpt(b))
	}
	return b, nil
}

// spliceFront inserts "key":v as the first member of the object b.
func spliceFront(b []byte, key string, v int64) []byte {
	out := make([]byte, 0, len(b)+len(key)+21)
	out = append(out, '{')
	out = append(out, key...)
	out = strconv.AppendInt(out, v, 10)
	if len(b) > 2 {
		out = append(out, ',')
	}
	return append(out, b[1:]...)
}

// write sends one message line to dest.
func (n *Node) write(dest string, body []byte) error {
	n.mu.Lock()
	src := n.srcJSON
	toNode := dest != n.id && slices.Contains(n.ids, dest)
	n.mu.Unlock()
	if toNode && len(body) > n.cfg.maxBody {
		return fmt.Errorf("nodekit: a %d-byte body to node %s is over the %d-byte budget: %w", len(body), dest, n.cfg.maxBody, ErrTooLarge)
	}
	destJSON, err := json.Marshal(dest)
	if err != nil {
		return err
	}
	if src == nil {
		src = []byte(`""`)
	}
	line := make([]byte, 0, len(body)+len(src)+len(destJSON)+len(`{"src":,"dest":,"body":}`)+1)
	line = append(line, `{"src":`...)
	line = append(line, src...)
	line = append(line, `,"dest":`...)
	line = append(line, destJSON...)
	line = append(line, `,"body":`...)
	line = append(line, body...)
	line = append(line, "}\n"...)
	if !toNode && len(line)-1 > n.cfg.maxLine {
		return fmt.Errorf("nodekit: a %d-byte line to %s is over the %d-byte limit: %w", len(line)-1, dest, n.cfg.maxLine, ErrTooLarge)
	}
	n.outMu.Lock()
	defer n.outMu.Unlock()
	_, err = n.cfg.out.Write(line)
	return err
}
