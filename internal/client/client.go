// Package client is Maelstrom's client: a network endpoint named c<k> that
// sends RPCs to one node, waits for the reply with the matching in_reply_to,
// and turns what happened into a history completion.
package client

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/netsim"
	"github.com/eddy-workbench/eddy/internal/proto"
)

// Allocator hands out client ids c0, c1, … from one counter, as Maelstrom does.
type Allocator struct{ next atomic.Int64 }

// Next returns the next client id.
func (a *Allocator) Next() string { return fmt.Sprintf("c%d", a.next.Add(1)-1) }

// Client is one open client connection.
type Client struct {
	id      string
	node    string
	net     *netsim.Network
	replies chan netsim.Message
	msgID   int64
	bogus   func(body []byte)
	silence *Silence

	// State is the workload's own state of this connection (kafka keeps its
	// poll positions here); a new connection starts with none.
	State any
}

// OnBogusReply sets f to be called with the body of every reply whose
// in_reply_to names a msg_id this client never sent. (Replies to earlier
// requests that timed out are late, not bogus, and are dropped quietly.)
func (c *Client) OnBogusReply(f func(body []byte)) { c.bogus = f }

// Watch makes the client count its requests, their timeouts and late
// replies in s.
func (c *Client) Watch(s *Silence) { c.silence = s }

// Open registers a new client endpoint that talks to node.
func Open(net *netsim.Network, ids *Allocator, node string) (*Client, error) {
	c := &Client{id: ids.Next(), node: node, net: net, replies: make(chan netsim.Message, 256)}
	err := net.Register(c.id, func(m netsim.Message) {
		select {
		case c.replies <- m:
		default: // nobody is waiting for this many replies: a node is flooding us
		}
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// ID is the client's id, e.g. "c4".
func (c *Client) ID() string { return c.id }

// Node is the node this client talks to.
func (c *Client) Node() string { return c.node }

// Close deregisters the client; later messages to it are refused by the network.
func (c *Client) Close() { c.net.Deregister(c.id) }

// ErrTimeout is returned by RPC when no matching reply came in time.
var ErrTimeout = errors.New("timed out")

// Reply is a response to an RPC.
type Reply struct {
	Body   []byte
	Header proto.Header
}

// RPC sends a request with the given body fields (alternating keys and
// values, as proto.Body takes; the client adds msg_id) and waits up to
// timeout for the reply whose in_reply_to matches. Replies that do not match
// are discarded, as late replies to earlier requests are.
func (c *Client) RPC(ctx context.Context, timeout time.Duration, kv ...any) (Reply, error) {
	c.msgID++
	id := c.msgID
	body := proto.Body(append(kv, "msg_id", id)...)
	if _, err := c.net.Send(c.id, c.node, body); err != nil {
		return Reply{}, err
	}
	typ := requestType(kv)
	if c.silence != nil {
		c.silence.Sent(c.node, typ)
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		select {
		case m := <-c.replies:
			h, _, err := proto.ParseHeader(m.Body)
			if err != nil || !h.HasReply || h.InReplyTo != id {
				if err == nil && h.HasReply && (h.InReplyTo > id || h.InReplyTo < 1) && c.bogus != nil {
					c.bogus(m.Body)
				}
				if err == nil && h.HasReply && h.InReplyTo < id && c.silence != nil {
					c.silence.Late(c.id, h.InReplyTo)
				}
				continue
			}
			return Reply{Body: m.Body, Header: h}, nil
		case <-timer.C:
			if c.silence != nil {
				c.silence.TimedOut(c.id, id, c.node, typ, timeout)
			}
			return Reply{}, ErrTimeout
		case <-ctx.Done():
			return Reply{}, ctx.Err()
		}
	}
}

// requestType is the value of the "type" key among an RPC's body fields.
func requestType(kv []any) string {
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i] == "type" {
			if t, ok := kv[i+1].(string); ok {
				return t
			}
		}
	}
	return "?"
}

// Value converts a reply body to an edn map with keyword keys, as Maelstrom
// records response bodies in the history.
func (r Reply) Value() any {
	v, err := edn.FromJSON(r.Body)
	if err != nil {
		return string(r.Body)
	}
	return edn.Keywordize(v)
}

// FieldValue returns one field of the reply body as an edn value.
func (r Reply) FieldValue(key string) (any, error) {
	m, err := proto.Fields(r.Body)
	if err != nil {
		return nil, err
	}
	raw, ok := m[key]
	if !ok {
		return nil, fmt.Errorf("missing key %q", key)
	}
	return edn.FromJSON(raw)
}
