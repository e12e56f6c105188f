package runner_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/history"
	"github.com/eddy-workbench/eddy/internal/nemesis"
	"github.com/eddy-workbench/eddy/internal/netsim"
	"github.com/eddy-workbench/eddy/nodekit/durable"
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

// bootFunc is an in-process echo node that counts its starts in its
// durable directory, which it finds through its context.
func bootFunc(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) error {
	dir := durable.Dir(ctx)
	if dir == "" {
		return errors.New("no node directory in the context")
	}
	log, boots, err := durable.OpenLog(filepath.Join(dir, "boots"))
	if err != nil {
		return err
	}
	defer log.Close()
	if err := log.Append([]byte("boot")); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "boot %d\n", len(boots)+1)
	return echoFunc(ctx, stdin, stdout, stderr)
}

// In-process nodes under kill and pause, on virtual time: a kill abandons
// the instance and starts a fresh one with the same directory; a pause
// stops delivering to and from the node (it keeps running: a goroutine
// cannot be stopped), and what it was sent arrives when it resumes.
func TestInProcessKillAndPause(t *testing.T) {
	t.Parallel()
	store := t.TempDir()
	var res runner.Result
	synctest.Test(t, func(t *testing.T) {
		var err error
		res, err = runner.Run(t.Context(), runner.Config{
			Workload: "echo", Node: bootFunc, NodeCount: 3, Concurrency: "4n",
			TimeLimit: 20 * time.Second, Rate: 20, Latency: 10 * time.Millisecond,
			Nemesis: []string{"kill", "pause"}, NemesisInterval: 2 * time.Second,
			NemesisTargets: []string{"one", "minority"},
			StoreDir:       store, Seed: 1, SeedSet: true,
		})
		require.NoError(t, err)
	})
	require.Equal(t, check.Valid, res.Valid, edn.String(res.Results))
	require.Empty(t, res.Aborted)
	require.Empty(t, res.Problems)

	ops, events := stored(t, res.Dir)
	var kills, pauses int
	for _, s := range nemesis.Spans(ops, 1<<62) {
		switch s.Fault {
		case nemesis.Kill:
			kills++
		case nemesis.Pause:
			pauses++
		}
	}
	require.NotZero(t, kills)
	require.NotZero(t, pauses)

	// Every node booted once more than it was started by the nemesis.
	restarts := map[string]int{}
	for _, o := range ops {
		if m, ok := o.Value.(*edn.Map); ok && o.F == "start" {
			m.Each(func(k, _ any) { restarts[k.(string)]++ })
		}
	}
	require.NotEmpty(t, restarts)
	t.Logf("restarts %v, kill spans %d, pause spans %d, %d ops, %d events", restarts, kills, pauses, len(ops), len(events))
	for _, n := range []string{"n0", "n1", "n2"} {
		_, boots, err := durable.OpenLog(filepath.Join(res.Dir, "node-data", n, "boots"))
		require.NoError(t, err)
		require.Len(t, boots, restarts[n]+1, "boots of %s", n)
	}

	// Nothing to or from a node between its pause and its resume; drops
	// only to killed nodes.
	spans := nemesis.Spans(ops, 1<<62)
	for _, ev := range events {
		switch ev.Kind {
		case netsim.Drop:
			require.True(t, within(spans, nemesis.Kill, ev.Msg.Dest, ev.Time))
		case netsim.Recv:
			require.False(t, pausedStrictly(ops, ev.Msg.Dest, ev.Time), "recv by a paused node: %+v", ev)
		case netsim.Send:
			require.False(t, pausedStrictly(ops, ev.Msg.Src, ev.Time), "send by a paused node: %+v", ev)
		}
	}
}

// pausedStrictly reports whether node was paused at t: after a pause op's
// completion named it and before the next resume's first record.
func pausedStrictly(ops []history.Op, node string, t int64) bool {
	from := int64(-1)
	for _, o := range ops {
		if o.Process != history.Nemesis || o.Time > t {
			continue
		}
		m, done := o.Value.(*edn.Map)
		switch {
		case o.F == "pause" && done:
			if _, ok := m.Get(node); ok {
				from = o.Time
			}
		case o.F == "resume" && !done, o.F == "kill" && done:
			if o.F == "resume" {
				from = -1
			} else if _, ok := m.Get(node); ok {
				from = -1
			}
		}
	}
	return from >= 0 && from < t
}
