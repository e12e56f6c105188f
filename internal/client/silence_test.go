package client

import (
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/internal/netsim"
	"github.com/eddy-workbench/eddy/internal/proto"
)

// TestSilenceCountsTimeoutsAndLateReplies: a node that answers its first
// request only after the client's timeout, its second never, and the rest
// at once.
func TestSilenceCountsTimeoutsAndLateReplies(t *testing.T) {
	net := netsim.New(netsim.Config{})
	defer net.Close()
	var ids Allocator
	var n atomic.Int64
	held := make(chan netsim.Message, 1)
	require.NoError(t, net.Register("n1", func(m netsim.Message) {
		h, _, _ := proto.ParseHeader(m.Body)
		switch n.Add(1) {
		case 1:
			held <- m // answered after the second request
		case 2:
			first := <-held
			fh, _, _ := proto.ParseHeader(first.Body)
			net.Send("n1", first.Src, proto.Body("type", "read_ok", "in_reply_to", fh.MsgID))
		default:
			net.Send("n1", m.Src, proto.Body("type", "read_ok", "in_reply_to", h.MsgID))
		}
	}))
	var s Silence
	c, err := Open(net, &ids, "n1")
	require.NoError(t, err)
	defer c.Close()
	c.Watch(&s)
	for i := range 4 {
		_, err := c.RPC(context.Background(), 50*time.Millisecond, "type", "read")
		if i < 2 {
			assert.ErrorIs(t, err, ErrTimeout, "request %d", i)
		} else {
			assert.NoError(t, err, "request %d", i)
		}
	}
	got := s.Silences([]string{"n1"})
	require.Len(t, got, 1)
	assert.Equal(t, Silent{Node: "n1", Type: "read", Sent: 4, TimedOut: 2, Late: 1, Timeout: 50 * time.Millisecond}, got[0])
	assert.Equal(t, "node n1 never replied to 1 of 4 read requests (timed out after 0.05 s), and replied to 1 more only after the client had timed out", got[0].String())
}

func TestSilentString(t *testing.T) {
	for _, tc := range []struct {
		s    Silent
		want string
	}{
		{Silent{Node: "n0", Type: "echo", Sent: 1, TimedOut: 1, Timeout: 5 * time.Second},
			"node n0 never replied to 1 of 1 echo requests (timed out after 5 s)"},
		{Silent{Node: "n2", Type: "cas", Sent: 40, TimedOut: 3, Late: 3, Timeout: time.Second},
			"node n2 replied to 3 of 40 cas requests only after the client had timed out (1 s)"},
	} {
		assert.Equal(t, tc.want, tc.s.String())
	}
}

func TestSilencesOrder(t *testing.T) {
	var s Silence
	for _, k := range []struct{ node, typ string }{{"x", "read"}, {"n10", "read"}, {"n2", "write"}, {"n2", "cas"}, {"n3", "read"}} {
		s.Sent(k.node, k.typ)
		if k.node != "n3" {
			s.TimedOut("c1", 1, k.node, k.typ, time.Second)
		}
	}
	s.Late("c9", 1) // no such timed-out request: ignored
	var got []string
	for _, x := range s.Silences([]string{"n2", "n3", "n10"}) {
		got = append(got, x.Node+"/"+x.Type)
	}
	assert.Equal(t, []string{"n2/cas", "n2/write", "n10/read", "x/read"}, got)
}

// A request that timed out while its node was out (killed or paused by the
// nemesis), or that was sent before the node came back, is excused: the
// node is not named for it. One sent after the node was back counts.
func TestSilenceExcusesFaults(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var s Silence
		const timeout = time.Second
		s.Sent("n1", "read")
		s.Out("n1")
		time.Sleep(timeout)
		s.TimedOut("c1", 1, "n1", "read", timeout) // out at the time
		s.Sent("n1", "read")
		time.Sleep(timeout / 2)
		s.Back("n1")
		time.Sleep(timeout / 2)
		s.TimedOut("c1", 2, "n1", "read", timeout) // sent before it came back
		s.Late("c1", 2)                            // an excused request's late reply is not counted
		s.Sent("n1", "read")
		time.Sleep(timeout)
		s.TimedOut("c1", 3, "n1", "read", timeout) // sent and lost while it ran
		s.Sent("n2", "read")
		s.TimedOut("c2", 1, "n2", "read", timeout) // another node: unaffected
		got := s.Silences([]string{"n1", "n2"})
		require.Len(t, got, 2)
		assert.Equal(t, "node n1 never replied to 1 of 3 read requests (timed out after 1 s)", got[0].String())
		assert.Equal(t, "node n2 never replied to 1 of 1 read requests (timed out after 1 s)", got[1].String())
	})
}
