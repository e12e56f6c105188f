package nodekit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"
)

// CallOptions says how Call waits for a reply and when it tries again.
// The zero value means one attempt with a timeout of 1s.
type CallOptions struct {
	// Timeout bounds the wait for each attempt's reply; zero means 1s.
	Timeout time.Duration
	// Attempts is how many times a request is sent at most; zero means
	// once. Each attempt has its own msg_id, so a late reply to an earlier
	// one is dropped: only retry requests that are safe to repeat.
	Attempts int
	// Backoff is the wait before the second attempt, doubling for each
	// further one up to MaxBackoff; zero means 100ms.
	Backoff time.Duration
	// MaxBackoff caps the wait between attempts; zero means 2s.
	MaxBackoff time.Duration
	// RetryIf tells which errors are worth another attempt; nil means
	// Retryable.
	RetryIf func(error) bool
}

func (o CallOptions) withDefaults() CallOptions {
	if o.Timeout <= 0 {
		o.Timeout = time.Second
	}
	if o.Attempts <= 0 {
		o.Attempts = 1
	}
	if o.Backoff <= 0 {
		o.Backoff = 100 * time.Millisecond
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 2 * time.Second
	}
	if o.RetryIf == nil {
		o.RetryIf = Retryable
	}
	return o
}

// ErrTimeout is wrapped by the error of a Call whose reply did not come in
// time. The request may or may not have taken effect.
var ErrTimeout = errors.New("no reply in time")

// Retryable reports whether err means the request certainly or possibly
// did not reach its destination or was refused for now: a timeout, or
// error 11 (temporarily-unavailable).
func Retryable(err error) bool {
	var rpc *maelstrom.RPCError
	return errors.Is(err, ErrTimeout) || errors.As(err, &rpc) && rpc.Code == maelstrom.TemporarilyUnavailable
}

// Call sends body, a JSON object with a "type", to dest as a request (the
// Node adds "msg_id"), waits for the reply under the node's CallOptions,
// and decodes the reply body into reply unless reply is nil. An error
// reply is returned as a *maelstrom.RPCError (an error reply without a
// code as code 13, crash, so that it cannot pass for success); no reply
// in time as an error wrapping ErrTimeout; a cancelled ctx as ctx.Err();
// the end of the node's input as an error wrapping ErrStopped.
func (n *Node) Call(ctx context.Context, dest string, body, reply any) error {
	return n.CallWith(ctx, dest, body, reply, n.cfg.call)
}

// CallWith is Call with explicit options.
func (n *Node) CallWith(ctx context.Context, dest string, body, reply any, o CallOptions) error {
	o = o.withDefaults()
	b, err := encodeObject(body)
	if err != nil {
		return err
	}
	wait := o.Backoff
	for attempt := 1; ; attempt++ {
		m, err := n.callOnce(ctx, dest, b, o.Timeout)
		if err == nil {
			if reply != nil {
				if err := json.Unmarshal(m.Body, reply); err != nil {
					return fmt.Errorf("nodekit: decoding the reply from %s: %w", dest, err)
				}
			}
			return nil
		}
		if attempt >= o.Attempts || !o.RetryIf(err) || ctx.Err() != nil {
			return err
		}
		if err := n.sleep(ctx, wait); err != nil {
			return err
		}
		wait = min(2*wait, o.MaxBackoff)
	}
}

// sleep waits d on the node's clock, or until ctx is done.
func (n *Node) sleep(ctx context.Context, d time.Duration) error {
	done := make(chan struct{})
	t := n.cfg.clock.AfterFunc(d, func() { close(done) })
	defer t.Stop()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-n.stopped:
		return fmt.Errorf("nodekit: waiting to retry: %w", ErrStopped)
	}
}

// callOnce sends one request and waits for its reply.
func (n *Node) callOnce(ctx context.Context, dest string, body []byte, timeout time.Duration) (Message, error) {
	select {
	case <-n.stopped:
		return Message{}, fmt.Errorf("nodekit: calling %s: %w", dest, ErrStopped)
	default:
	}
	ch := make(chan Message, 1)
	n.mu.Lock()
	n.nextMsgID++
	id := n.nextMsgID
	n.pending[id] = ch
	n.mu.Unlock()
	defer func() {
		n.mu.Lock()
		delete(n.pending, id)
		n.mu.Unlock()
	}()
	if err := n.write(dest, spliceFront(body, `"msg_id":`, id)); err != nil {
		return Message{}, err
	}
	expired := make(chan struct{})
	t := n.cfg.clock.AfterFunc(timeout, func() { close(expired) })
	defer t.Stop()
	select {
	case m := <-ch:
		return m, replyError(m)
	case <-expired:
		return Message{}, fmt.Errorf("nodekit: %s did not answer msg_id %d within %v: %w", dest, id, timeout, ErrTimeout)
	case <-ctx.Done():
		return Message{}, ctx.Err()
	case <-n.stopped:
		return Message{}, fmt.Errorf("nodekit: waiting for %s to answer msg_id %d: %w", dest, id, ErrStopped)
	}
}

// deliverReply hands a reply to the Call waiting for it, if any.
func (n *Node) deliverReply(m Message) {
	n.mu.Lock()
	ch := n.pending[m.InReplyTo]
	delete(n.pending, m.InReplyTo)
	n.mu.Unlock()
	if ch == nil {
		n.log.Debug("nodekit: dropped a reply nobody waits for (late, or to a request never made)", "src", m.Src, "in_reply_to", m.InReplyTo)
		return
	}
	ch <- m // buffered, and only one reply is taken per request
}

// replyError returns the error an error reply carries, or nil.
func replyError(m Message) error {
	if m.Type != "error" {
		return nil
	}
	var b struct {
		Code *int   `json:"code"`
		Text string `json:"text"`
	}
	_ = json.Unmarshal(m.Body, &b)
	if b.Code == nil {
		return maelstrom.NewRPCError(maelstrom.Crash, "an error reply without a code: "+b.Text)
	}
	return maelstrom.NewRPCError(*b.Code, b.Text)
}

// KV is a client of one of Maelstrom's key-value services (lin-kv,
// seq-kv, lww-kv) over a Node's Call. Keys and values are any Go values
// that encode to JSON; values are decoded into the caller's type, so
// numbers stay exact (no float64 round trip).
type KV struct {
	n       *Node
	service string
	opts    CallOptions
}

// NewKV returns a client of the service named service (maelstrom.LinKV,
// maelstrom.SeqKV, maelstrom.LWWKV) whose calls use opts.
func NewKV(n *Node, service string, opts CallOptions) *KV {
	return &KV{n: n, service: service, opts: opts}
}

// Read reads key into value. A key that does not exist is a
// *maelstrom.RPCError with code 20 (key-does-not-exist).
func (kv *KV) Read(ctx context.Context, key, value any) error {
	var reply struct {
		Value json.RawMessage `json:"value"`
	}
	err := kv.n.CallWith(ctx, kv.service, struct {
		Type string `json:"type"`
		Key  any    `json:"key"`
	}{"read", key}, &reply, kv.opts)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(reply.Value, value); err != nil {
		return fmt.Errorf("nodekit: decoding %s's value of %v: %w", kv.service, key, err)
	}
	return nil
}

// Write sets key to value.
func (kv *KV) Write(ctx context.Context, key, value any) error {
	return kv.n.CallWith(ctx, kv.service, struct {
		Type  string `json:"type"`
		Key   any    `json:"key"`
		Value any    `json:"value"`
	}{"write", key, value}, nil, kv.opts)
}

// CAS sets key to to if it holds from; with create, a missing key is
// created with to. A mismatch is a *maelstrom.RPCError with code 22
// (precondition-failed), a missing key without create code 20.
func (kv *KV) CAS(ctx context.Context, key, from, to any, create bool) error {
	return kv.n.CallWith(ctx, kv.service, struct {
		Type   string `json:"type"`
		Key    any    `json:"key"`
		From   any    `json:"from"`
		To     any    `json:"to"`
		Create bool   `json:"create_if_not_exists,omitempty"`
	}{"cas", key, from, to, create}, nil, kv.opts)
}

// IsCode reports whether err carries the Maelstrom error code.
func IsCode(err error, code int) bool {
	var rpc *maelstrom.RPCError
	return errors.As(err, &rpc) && rpc.Code == code
}
