package service

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// regInput is a KV request on one integer-valued key.
type regInput struct {
	op       string // "read", "write" or "cas"
	key      int
	from, to int // write stores to
}

// regOutput is a KV reply: ok, or an error code; value is what a read saw.
type regOutput struct {
	ok    bool
	code  int
	value int
}

// regState is one key's state.
type regState struct {
	present bool
	value   int
}

// kvModel is the sequential specification of a KV store, partitioned by key.
var kvModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[int][]porcupine.Operation{}
		var keys []int
		for _, op := range history {
			k := op.Input.(regInput).key
			if _, seen := byKey[k]; !seen {
				keys = append(keys, k)
			}
			byKey[k] = append(byKey[k], op)
		}
		parts := make([][]porcupine.Operation, 0, len(keys))
		for _, k := range keys {
			parts = append(parts, byKey[k])
		}
		return parts
	},
	Init: func() any { return regState{} },
	Step: func(state, input, output any) (bool, any) {
		st, in, out := state.(regState), input.(regInput), output.(regOutput)
		switch in.op {
		case "read":
			if out.ok {
				return st.present && st.value == out.value, st
			}
			return out.code == 20 && !st.present, st
		case "write":
			return out.ok, regState{present: true, value: in.to}
		default: // cas
			switch {
			case out.ok:
				return st.present && st.value == in.from, regState{present: true, value: in.to}
			case out.code == 20:
				return !st.present, st
			case out.code == 22:
				return st.present && st.value != in.from, st
			}
			return false, st
		}
	},
	DescribeOperation: func(input, output any) string {
		in, out := input.(regInput), output.(regOutput)
		res := "ok"
		if !out.ok {
			res = fmt.Sprintf("error %d", out.code)
		} else if in.op == "read" {
			res = fmt.Sprint(out.value)
		}
		switch in.op {
		case "read":
			return fmt.Sprintf("read(%d) -> %s", in.key, res)
		case "write":
			return fmt.Sprintf("write(%d, %d) -> %s", in.key, in.to, res)
		}
		return fmt.Sprintf("cas(%d, %d, %d) -> %s", in.key, in.from, in.to, res)
	},
}

// randomInput draws a request on one of three keys with values 0..4.
func randomInput(rng *rand.Rand) regInput {
	in := regInput{key: rng.IntN(3), from: rng.IntN(5), to: rng.IntN(5)}
	switch rng.IntN(3) {
	case 0:
		in.op = "read"
	case 1:
		in.op = "write"
	default:
		in.op = "cas"
	}
	return in
}

// body encodes in as a request body.
func (in regInput) body(msgID int) []byte {
	switch in.op {
	case "read":
		return fmt.Appendf(nil, `{"type":"read","key":%d,"msg_id":%d}`, in.key, msgID)
	case "write":
		return fmt.Appendf(nil, `{"type":"write","key":%d,"value":%d,"msg_id":%d}`, in.key, in.to, msgID)
	}
	return fmt.Appendf(nil, `{"type":"cas","key":%d,"from":%d,"to":%d,"msg_id":%d}`, in.key, in.from, in.to, msgID)
}

// decodeOutput reads a reply into a regOutput.
func decodeOutput(reply []byte) (regOutput, error) {
	var r struct {
		Type  string `json:"type"`
		Code  int    `json:"code"`
		Value int    `json:"value"`
	}
	if err := json.Unmarshal(reply, &r); err != nil {
		return regOutput{}, fmt.Errorf("reply %s: %v", reply, err)
	}
	return regOutput{ok: r.Type != "error", code: r.Code, value: r.Value}, nil
}

// runConcurrently drives s from several goroutines, serialising Handle with
// a mutex as the runner does, and returns the history.
func runConcurrently(t *testing.T, s Service, clients, opsPerClient int) []porcupine.Operation {
	var (
		mu    sync.Mutex
		clock atomic.Int64
		wg    sync.WaitGroup
	)
	histories := make([][]porcupine.Operation, clients)
	for c := range clients {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(c), 99))
			for i := range opsPerClient {
				in := randomInput(rng)
				call := clock.Add(1)
				mu.Lock()
				reply, problem := s.Handle(fmt.Sprintf("n%d", c), in.body(i))
				mu.Unlock()
				ret := clock.Add(1)
				out, err := decodeOutput(reply)
				if problem != "" || err != nil {
					t.Errorf("request %s: problem %q, error %v", in.body(i), problem, err)
					return
				}
				histories[c] = append(histories[c], porcupine.Operation{
					ClientId: c, Input: in, Call: call, Output: out, Return: ret,
				})
			}
		})
	}
	wg.Wait()
	var all []porcupine.Operation
	for _, h := range histories {
		all = append(all, h...)
	}
	return all
}

func TestLinKVLinearizable(t *testing.T) {
	for round := range 3 {
		ops := runConcurrently(t, NewLinKV(), 6, 150)
		res := porcupine.CheckOperationsTimeout(kvModel, ops, 10*time.Second)
		assert.Equal(t, porcupine.Ok, res, "round %d", round)
	}
}

func TestKVModelRejectsNonLinearizableHistories(t *testing.T) {
	op := func(client int, in regInput, call, ret int64, out regOutput) porcupine.Operation {
		return porcupine.Operation{ClientId: client, Input: in, Call: call, Output: out, Return: ret}
	}
	w := func(k, v int) regInput { return regInput{op: "write", key: k, to: v} }
	r := regInput{op: "read"}
	tests := []struct {
		name string
		ops  []porcupine.Operation
		want porcupine.CheckResult
	}{
		{"read of a value never written", []porcupine.Operation{
			op(0, w(0, 1), 0, 1, regOutput{ok: true}),
			op(1, r, 2, 3, regOutput{ok: true, value: 2}),
		}, porcupine.Illegal},
		{"stale read after a completed write", []porcupine.Operation{
			op(0, w(0, 1), 0, 1, regOutput{ok: true}),
			op(0, w(0, 2), 2, 3, regOutput{ok: true}),
			op(1, r, 4, 5, regOutput{ok: true, value: 1}),
		}, porcupine.Illegal},
		{"missing key after a completed write", []porcupine.Operation{
			op(0, w(0, 1), 0, 1, regOutput{ok: true}),
			op(1, r, 2, 3, regOutput{code: 20}),
		}, porcupine.Illegal},
		{"cas succeeding against the wrong value", []porcupine.Operation{
			op(0, w(0, 1), 0, 1, regOutput{ok: true}),
			op(1, regInput{op: "cas", from: 2, to: 3}, 2, 3, regOutput{ok: true}),
		}, porcupine.Illegal},
		{"concurrent read may see either value", []porcupine.Operation{
			op(0, w(0, 1), 0, 1, regOutput{ok: true}),
			op(0, w(0, 2), 2, 5, regOutput{ok: true}),
			op(1, r, 3, 4, regOutput{ok: true, value: 1}),
			op(2, r, 3, 6, regOutput{ok: true, value: 2}),
		}, porcupine.Ok},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, porcupine.CheckOperationsTimeout(kvModel, tt.ops, 5*time.Second))
		})
	}
}

// TestSeqKVNotLinearizable feeds the same checker a sequential history from
// seq-kv with several callers: its stale reads are caught.
func TestSeqKVNotLinearizable(t *testing.T) {
	s := NewSeqKV(7)
	rng := rand.New(rand.NewPCG(8, 8))
	var ops []porcupine.Operation
	for i := range 300 {
		c := rng.IntN(4)
		in := randomInput(rng)
		reply, _ := s.Handle(fmt.Sprintf("n%d", c), in.body(i))
		out, err := decodeOutput(reply)
		require.NoError(t, err)
		ops = append(ops, porcupine.Operation{
			ClientId: c, Input: in, Call: int64(2 * i), Output: out, Return: int64(2*i + 1),
		})
	}
	assert.Equal(t, porcupine.Illegal, porcupine.CheckOperationsTimeout(kvModel, ops, 10*time.Second))
}
