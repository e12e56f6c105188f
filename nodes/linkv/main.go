// Command linkv is a Maelstrom node for the lin-kv workload that keeps no
// state of its own: it forwards every read, write and cas to Maelstrom's
// linearizable lin-kv service and relays the service's answer (value or
// error) to the client. The service is linearizable, and the node adds no
// caching or reordering, so neither is the whole. It costs two server
// messages per operation, and is the baseline a replicated implementation
// (Raft, say) is compared with.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"os"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"
)

func main() {
	if len(os.Args) > 1 {
		fmt.Fprintf(os.Stderr, "linkv: unexpected argument %q (it takes none)\n", os.Args[1])
		os.Exit(2)
	}
	// The library logs every message it sends or receives, and nothing
	// reads it.
	log.SetOutput(io.Discard)
	n := maelstrom.NewNode()
	for _, typ := range []string{"read", "write", "cas"} {
		n.Handle(typ, func(msg maelstrom.Message) error { return forward(n, msg) })
	}
	if err := n.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "linkv: %v\n", err)
		os.Exit(1)
	}
}

// forward sends a client's request to lin-kv and relays the answer.
func forward(n *maelstrom.Node, msg maelstrom.Message) error {
	var req map[string]any
	if err := json.Unmarshal(msg.Body, &req); err != nil {
		return maelstrom.NewRPCError(maelstrom.MalformedRequest, "the body is not a JSON object")
	}
	clientMsgID := req["msg_id"]
	delete(req, "msg_id")
	return n.RPC("lin-kv", req, func(reply maelstrom.Message) error {
		var body map[string]any
		if err := json.Unmarshal(reply.Body, &body); err != nil {
			return nil
		}
		delete(body, "msg_id")
		body["in_reply_to"] = clientMsgID
		return n.Send(msg.Src, body)
	})
}
