// Command echo is a Maelstrom node for the echo workload (Gossip Glomers
// challenge 1). It answers {"type":"echo","msg_id":m,"echo":v} with
// {"type":"echo_ok","in_reply_to":m,"echo":v}.
//
// The reply is sent with Node.Send and an explicit in_reply_to rather than
// Node.Reply, because Reply round-trips the body through map[string]any, which
// turns JSON numbers into float64 and would alter an echoed large integer.
// The wire result is the same body Reply would produce.
package main

import (
	"log"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"
)

func main() {
	if err := newNode().Run(); err != nil {
		log.Fatal(err)
	}
}

// newNode returns a node on stdin/stdout with the echo handler registered.
func newNode() *maelstrom.Node {
	n := maelstrom.NewNode()
	n.Handle("echo", func(msg maelstrom.Message) error {
		r, err := answer(msg.Body)
		if err != nil {
			return err // an *RPCError: the library replies with it
		}
		return n.Send(msg.Src, r)
	})
	return n
}
