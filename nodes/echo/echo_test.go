package main

import (
	"fmt"
	"testing"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"
	"github.com/stretchr/testify/assert"

	"github.com/eddy-workbench/eddy/nodekit"
	"github.com/eddy-workbench/eddy/nodekit/kittest"
)

func TestNode(t *testing.T) {
	w := kittest.Start(t, func(n *nodekit.Node) { _ = setup(n) })
	w.Init("n0")
	for _, v := range []string{
		`"Please echo 42"`,
		`""`,
		`12345678901234567890123`, // would lose digits through float64
		`{"a":[1,2.5,null],"b":"x"}`,
		`null`,
	} {
		r := w.Call("c1", `{"type":"echo","echo":`+v+`}`)
		assert.Equal(t, "n0", r.Src)
		assert.JSONEq(t, `{"type":"echo_ok","in_reply_to":`+itoa(r.InReplyTo)+`,"echo":`+v+`}`, string(r.Body))
		assert.Contains(t, string(r.Body), v, "byte for byte")
	}
	for _, body := range []string{`{"type":"echo"}`, `{"type":"echo","ehco":1}`} {
		r := w.Call("c1", body)
		assert.Equal(t, maelstrom.MalformedRequest, r.Code, body)
	}
}

func itoa(v int64) string { return fmt.Sprint(v) }
