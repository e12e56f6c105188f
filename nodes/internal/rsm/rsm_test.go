package rsm

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func raw(s string) json.RawMessage { return json.RawMessage(s) }

func TestMachineApply(t *testing.T) {
	var m Machine
	steps := []struct {
		op   Op
		want Result
	}{
		{Op{F: Read, Key: raw(`1`)}, Result{Code: CodeKeyDoesNotExist, Text: "key does not exist"}},
		{Op{F: CAS, Key: raw(`1`), From: raw(`0`), To: raw(`1`)}, Result{Code: CodeKeyDoesNotExist, Text: "key does not exist"}},
		{Op{F: CAS, Key: raw(`1`), From: raw(`0`), To: raw(`1`), Create: true}, Result{}},
		{Op{F: Read, Key: raw(`1`)}, Result{Value: raw(`1`)}},
		{Op{F: Read, Key: raw(`"1"`)}, Result{Code: CodeKeyDoesNotExist, Text: "key does not exist"}},
		{Op{F: CAS, Key: raw(`1`), From: raw(`1.0`), To: raw(`2`)}, Result{Code: CodePreconditionFailed, Text: "current value 1 is not 1.0"}},
		{Op{F: CAS, Key: raw(`1`), From: raw(`1`), To: raw(`2`)}, Result{}},
		{Op{F: Write, Key: raw(`1`), Value: raw(`null`)}, Result{}},
		{Op{F: Read, Key: raw(`1`)}, Result{Value: raw(`null`)}},
		{Op{F: "frob", Key: raw(`1`)}, Result{Code: CodeMalformedRequest, Text: `unknown operation "frob"`}},
	}
	for i, s := range steps {
		assert.Equal(t, s.want, m.Apply(s.op), "step %d: %+v", i, s.op)
	}
}

func TestCanonical(t *testing.T) {
	for in, want := range map[string]string{
		` {"b": [1, 2.50], "a": "x<y"} `: `{"a":"x\u003cy","b":[1,2.50]}`,
		`1.0`:                            `1.0`,
		`null`:                           `null`,
	} {
		got, err := Canonical(raw(in))
		require.NoError(t, err, in)
		assert.Equal(t, want, string(got), in)
	}
	for _, bad := range []string{``, `[1,`, `1 2`} {
		_, err := Canonical(raw(bad))
		assert.Error(t, err, bad)
	}
}

func TestOpSizeBoundsItsEncoding(t *testing.T) {
	for _, op := range []Op{
		{Origin: "n1", Seq: 1, F: Read, Key: raw(`0`)},
		{Origin: "n12", Seq: 1 << 60, F: CAS, Key: raw(`"key"`), From: raw(`{"a":1}`), To: raw(`[1,2,3]`), Create: true},
		{Origin: "n1", Seq: 7, F: Write, Key: raw(`0`), Value: raw(`"` + fmt.Sprint(make([]int, 50)) + `"`)},
	} {
		b, err := json.Marshal(op)
		require.NoError(t, err)
		assert.GreaterOrEqual(t, op.Size(), len(b), "%s", b)
	}
}

func ExampleMachine_Apply() {
	var m Machine
	m.Apply(Op{F: Write, Key: json.RawMessage(`"x"`), Value: json.RawMessage(`1`)})
	r := m.Apply(Op{F: CAS, Key: json.RawMessage(`"x"`), From: json.RawMessage(`2`), To: json.RawMessage(`3`)})
	fmt.Println(r.Code, r.Text)
	// Output: 22 current value 1 is not 2
}
