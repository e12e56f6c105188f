// Command linkv is a Maelstrom node for the lin-kv workload that keeps no
// state of its own: it forwards every read, write and cas to Maelstrom's
// linearizable lin-kv service and relays the service's answer (value or
// error) to the client (proxy.go). The service is linearizable, and the
// node adds no caching or reordering, so neither is the whole. It costs two
// server messages per operation, and is the baseline a replicated
// implementation (Raft, say) is compared with. It takes no flags.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"time"

	"github.com/eddy-workbench/eddy/nodekit"
)

func main() { nodekit.Main(flag.NewFlagSet("linkv", flag.ContinueOnError), setup) }

// The requests, checked by the kit; they are forwarded as received.
type (
	readReq struct {
		Key json.RawMessage `json:"key" nodekit:"required"`
	}
	writeReq struct {
		Key   json.RawMessage `json:"key" nodekit:"required"`
		Value json.RawMessage `json:"value" nodekit:"required"`
	}
	casReq struct {
		Key  json.RawMessage `json:"key" nodekit:"required"`
		From json.RawMessage `json:"from" nodekit:"required"`
		To   json.RawMessage `json:"to" nodekit:"required"`
	}
)

// callOpts: lin-kv answers every request; a reply later than the client's
// own timeout (5s) is of no use. No retry: a write or cas sent twice could
// take effect twice.
var callOpts = nodekit.CallOptions{Timeout: 5 * time.Second}

func setup(n *nodekit.Node) error {
	proxy := func(ctx context.Context, m nodekit.Message) (Fields, error) {
		var reply json.RawMessage
		if err := n.CallWith(ctx, Service, Forward(m.Body), &reply, callOpts); err != nil {
			return nil, err // an error reply keeps its code
		}
		return Relay(reply)
	}
	nodekit.Handle(n, "read", func(ctx context.Context, m nodekit.Message, _ readReq) (Fields, error) { return proxy(ctx, m) })
	nodekit.Handle(n, "write", func(ctx context.Context, m nodekit.Message, _ writeReq) (Fields, error) { return proxy(ctx, m) })
	nodekit.Handle(n, "cas", func(ctx context.Context, m nodekit.Message, _ casReq) (Fields, error) { return proxy(ctx, m) })
	return nil
}
