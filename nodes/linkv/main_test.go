package main

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/nodekit"
	"github.com/eddy-workbench/eddy/nodekit/kittest"
)

var bigNumber = regexp.MustCompile(`-?[0-9]{10,}`)

// TestNode plays lin-kv for the proxy: each client request is forwarded
// with the values it carries, and the service's answer comes back to the
// client, errors with their codes.
func TestNode(t *testing.T) {
	w := kittest.Start(t, func(n *nodekit.Node) { require.NoError(t, setup(n)) })
	w.Init("n0", "n0", "n1")
	tests := []struct {
		name, request, forwarded, answer, reply string
	}{
		{"read", `{"type":"read","key":9007199254740993}`, `{"type":"read","key":9007199254740993}`,
			`{"type":"read_ok","value":123456789012345678901}`, `{"type":"read_ok","value":123456789012345678901}`},
		{"write", `{"type":"write","key":1,"value":-9007199254740995}`, `{"type":"write","key":1,"value":-9007199254740995}`,
			`{"type":"write_ok"}`, `{"type":"write_ok"}`},
		{"cas", `{"type":"cas","key":1,"from":2,"to":3}`, `{"type":"cas","key":1,"from":2,"to":3}`,
			`{"type":"cas_ok"}`, `{"type":"cas_ok"}`},
		{"missing key", `{"type":"read","key":4}`, `{"type":"read","key":4}`,
			`{"type":"error","code":20,"text":"not found"}`, `{"type":"error","code":20,"text":"not found"}`},
		{"cas mismatch", `{"type":"cas","key":1,"from":5,"to":6}`, `{"type":"cas","key":1,"from":5,"to":6}`,
			`{"type":"error","code":22,"text":"expected 5"}`, `{"type":"error","code":22,"text":"expected 5"}`},
		{"a code-0 error stays a failure", `{"type":"write","key":1,"value":2}`, `{"type":"write","key":1,"value":2}`,
			`{"type":"error","code":0,"text":"timed out"}`, `{"type":"error","code":13,"text":"timed out"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w.Send("c1", `{"msg_id":77,`+strings.TrimPrefix(tt.request, "{"))
			fwd := w.WaitFor(func(m kittest.Msg) bool { return m.Dest == Service })
			assert.JSONEq(t, fmt.Sprintf(`{"msg_id":%d,%s`, fwd.MsgID, strings.TrimPrefix(tt.forwarded, "{")), string(fwd.Body))
			w.Send(Service, fmt.Sprintf(`{"in_reply_to":%d,"msg_id":5,%s`, fwd.MsgID, strings.TrimPrefix(tt.answer, "{")))
			r := w.WaitFor(func(m kittest.Msg) bool { return m.Dest == "c1" })
			assert.JSONEq(t, `{"in_reply_to":77,`+strings.TrimPrefix(tt.reply, "{"), string(r.Body))
			for _, num := range bigNumber.FindAllString(tt.forwarded+tt.reply, -1) {
				assert.Contains(t, string(fwd.Body)+string(r.Body), num, "big numbers byte for byte (JSONEq compares float64s)")
			}
		})
	}
	for _, body := range []string{`{"type":"read"}`, `{"type":"write","key":1}`, `{"type":"cas","key":1,"from":1}`} {
		r := w.Call("c1", body)
		assert.Equal(t, maelstrom.MalformedRequest, r.Code, body)
	}
	assert.Empty(t, w.Aside(), "nothing malformed reaches lin-kv")
}
