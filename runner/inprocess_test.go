package runner_test

import (
	"context"
	"encoding/json"
	"io"
	"testing"
	"testing/synctest"
	"time"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/runner"
)

// echoFunc is an in-process echo node on Maelstrom's Go library.
func echoFunc(ctx context.Context, stdin io.Reader, stdout, _ io.Writer) error {
	n := maelstrom.NewNode()
	n.Stdin, n.Stdout = stdin, stdout
	n.Handle("echo", func(msg maelstrom.Message) error {
		var body map[string]any
		if err := json.Unmarshal(msg.Body, &body); err != nil {
			return err
		}
		body["type"] = "echo_ok"
		return n.Reply(msg, body)
	})
	return n.Run()
}

// A 30-second echo run of in-process nodes inside a synctest bubble takes
// the bubble's clock, not the wall's.
func TestInProcessOnVirtualTime(t *testing.T) {
	t.Parallel()
	store := t.TempDir()
	began := time.Now()
	synctest.Test(t, func(t *testing.T) {
		res, err := runner.Run(t.Context(), runner.Config{
			Workload: "echo", Node: echoFunc, NodeCount: 3,
			TimeLimit: 30 * time.Second, Rate: 20, Latency: 50 * time.Millisecond,
			StoreDir: store, Seed: 7, SeedSet: true,
		})
		require.NoError(t, err)
		require.Equal(t, check.Valid, res.Valid, edn.String(res.Results))
		require.Empty(t, res.Problems)
	})
	require.Less(t, time.Since(began), 20*time.Second, "a 30 s run on virtual time")
}
