// Command echo is a Maelstrom node for the echo workload (Gossip Glomers
// challenge 1). It answers {"type":"echo","msg_id":m,"echo":v} with
// {"type":"echo_ok","in_reply_to":m,"echo":v}, v byte for byte (echo.go).
// It takes no flags.
package main

import (
	"context"
	"flag"

	"github.com/eddy-workbench/eddy/nodekit"
)

func main() { nodekit.Main(flag.NewFlagSet("echo", flag.ContinueOnError), setup) }

// setup registers the echo handler.
func setup(n *nodekit.Node) error {
	nodekit.Handle(n, "echo", func(_ context.Context, _ nodekit.Message, req Echo) (Echo, error) {
		return Answer(req), nil
	})
	return nil
}
