package service

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// step is one request and the reply expected for it. In want, SERVICE
// stands for the service's name. lww, when set, is the reply expected from
// lww-kv instead.
type step struct {
	req     string
	want    string
	lww     string
	problem bool // a non-empty problem is expected
}

// kvCases exercise the KV API. Each case starts from an empty service and
// comes from a single caller, so lin-kv and seq-kv must answer exactly as
// a plain map does; lww-kv does too once its replicas are kept in sync.
var kvCases = []struct {
	name  string
	steps []step
}{
	{"read missing key", []step{
		{req: `{"type":"read","key":"a","msg_id":1}`, want: `{"type":"error","code":20,"text":"key does not exist","in_reply_to":1}`},
	}},
	{"write then read", []step{
		{req: `{"type":"write","key":"a","value":5,"msg_id":1}`, want: `{"type":"write_ok","in_reply_to":1}`},
		{req: `{"type":"read","key":"a","msg_id":2}`, want: `{"type":"read_ok","value":5,"in_reply_to":2}`},
		{req: `{"type":"write","key":"a","value":"six","msg_id":3}`, want: `{"type":"write_ok","in_reply_to":3}`},
		{req: `{"type":"read","key":"a","msg_id":4}`, want: `{"type":"read_ok","value":"six","in_reply_to":4}`},
		{req: `{"type":"read","key":"b","msg_id":5}`, want: `{"type":"error","code":20,"text":"key does not exist","in_reply_to":5}`},
	}},
	{"cas", []step{
		{req: `{"type":"write","key":"a","value":1,"msg_id":1}`, want: `{"type":"write_ok","in_reply_to":1}`},
		{req: `{"type":"cas","key":"a","from":1,"to":2,"msg_id":2}`, want: `{"type":"cas_ok","in_reply_to":2}`},
		{req: `{"type":"cas","key":"a","from":1,"to":3,"msg_id":3}`, want: `{"type":"error","code":22,"text":"current value 2 is not 1","in_reply_to":3}`},
		{req: `{"type":"read","key":"a","msg_id":4}`, want: `{"type":"read_ok","value":2,"in_reply_to":4}`},
		{req: `{"type":"cas","key":"a","from":2,"to":2,"msg_id":5}`, want: `{"type":"cas_ok","in_reply_to":5}`},
		{req: `{"type":"read","key":"a","msg_id":6}`, want: `{"type":"read_ok","value":2,"in_reply_to":6}`},
	}},
	{"cas error text writes a string from bare", []step{
		{req: `{"type":"write","key":"a","value":"x","msg_id":1}`, want: `{"type":"write_ok","in_reply_to":1}`},
		{req: `{"type":"cas","key":"a","from":"y","to":"z","msg_id":2}`, want: `{"type":"error","code":22,"text":"current value \"x\" is not y","in_reply_to":2}`},
		{req: `{"type":"cas","key":"a","from":[1,"y"],"to":"z","msg_id":3}`, want: `{"type":"error","code":22,"text":"current value \"x\" is not [1,\"y\"]","in_reply_to":3}`},
	}},
	{"cas on missing key", []step{
		{req: `{"type":"cas","key":"a","from":1,"to":2,"msg_id":1}`, want: `{"type":"error","code":20,"text":"key does not exist","in_reply_to":1}`},
		{req: `{"type":"cas","key":"a","from":1,"to":2,"create_if_not_exists":false,"msg_id":2}`, want: `{"type":"error","code":20,"text":"key does not exist","in_reply_to":2}`},
		{req: `{"type":"cas","key":"a","from":1,"to":2,"create_if_not_exists":null,"msg_id":3}`, want: `{"type":"error","code":20,"text":"key does not exist","in_reply_to":3}`},
		{req: `{"type":"read","key":"a","msg_id":4}`, want: `{"type":"error","code":20,"text":"key does not exist","in_reply_to":4}`},
	}},
	{"cas create_if_not_exists", []step{
		{
			req:  `{"type":"cas","key":"a","from":"anything","to":7,"create_if_not_exists":true,"msg_id":1}`,
			want: `{"type":"cas_ok","in_reply_to":1}`,
			lww:  `{"type":"error","code":20,"text":"key does not exist","in_reply_to":1}`,
		},
		{
			req:  `{"type":"read","key":"a","msg_id":2}`,
			want: `{"type":"read_ok","value":7,"in_reply_to":2}`,
			lww:  `{"type":"error","code":20,"text":"key does not exist","in_reply_to":2}`,
		},
		{req: `{"type":"write","key":"b","value":1,"msg_id":3}`, want: `{"type":"write_ok","in_reply_to":3}`},
		{req: `{"type":"cas","key":"b","from":9,"to":2,"create_if_not_exists":true,"msg_id":4}`, want: `{"type":"error","code":22,"text":"current value 1 is not 9","in_reply_to":4}`},
		{req: `{"type":"cas","key":"b","from":1,"to":2,"create_if_not_exists":true,"msg_id":5}`, want: `{"type":"cas_ok","in_reply_to":5}`},
		{req: `{"type":"read","key":"b","msg_id":6}`, want: `{"type":"read_ok","value":2,"in_reply_to":6}`},
	}},
	{"integer and float keys differ", []step{
		{req: `{"type":"write","key":1,"value":"int","msg_id":1}`, want: `{"type":"write_ok","in_reply_to":1}`},
		{req: `{"type":"read","key":1.0,"msg_id":2}`, want: `{"type":"error","code":20,"text":"key does not exist","in_reply_to":2}`},
		{req: `{"type":"read","key":"1","msg_id":3}`, want: `{"type":"error","code":20,"text":"key does not exist","in_reply_to":3}`},
		{req: `{"type":"write","key":1.0,"value":"float","msg_id":4}`, want: `{"type":"write_ok","in_reply_to":4}`},
		{req: `{"type":"read","key":1,"msg_id":5}`, want: `{"type":"read_ok","value":"int","in_reply_to":5}`},
		{req: `{"type":"read","key":1e0,"msg_id":6}`, want: `{"type":"read_ok","value":"float","in_reply_to":6}`},
		{req: `{"type":"read","key":1.00,"msg_id":7}`, want: `{"type":"read_ok","value":"float","in_reply_to":7}`},
		{req: `{"type":"read","key":-0,"msg_id":8}`, want: `{"type":"error","code":20,"text":"key does not exist","in_reply_to":8}`},
	}},
	{"integer and float values differ in cas", []step{
		{req: `{"type":"write","key":"a","value":1,"msg_id":1}`, want: `{"type":"write_ok","in_reply_to":1}`},
		{req: `{"type":"cas","key":"a","from":1.0,"to":2,"msg_id":2}`, want: `{"type":"error","code":22,"text":"current value 1 is not 1.0","in_reply_to":2}`},
		{req: `{"type":"cas","key":"a","from":"1","to":2,"msg_id":3}`, want: `{"type":"error","code":22,"text":"current value 1 is not 1","in_reply_to":3}`},
		{req: `{"type":"cas","key":"a","from":1,"to":2.50,"msg_id":4}`, want: `{"type":"cas_ok","in_reply_to":4}`},
		{req: `{"type":"cas","key":"a","from":25e-1,"to":3,"msg_id":5}`, want: `{"type":"cas_ok","in_reply_to":5}`},
		{req: `{"type":"read","key":"a","msg_id":6}`, want: `{"type":"read_ok","value":3,"in_reply_to":6}`},
	}},
	{"objects compare regardless of key order", []step{
		{req: `{"type":"write","key":{"k":[1,2]},"value":{"a":1,"b":2},"msg_id":1}`, want: `{"type":"write_ok","in_reply_to":1}`},
		{req: `{"type":"cas","key":{"k":[1,2]},"from":{"b":2,"a":1},"to":{"c":{"z":1,"y":2}},"msg_id":2}`, want: `{"type":"cas_ok","in_reply_to":2}`},
		{req: `{"type":"read","key":{ "k" : [1, 2] },"msg_id":3}`, want: `{"type":"read_ok","value":{"c":{"y":2,"z":1}},"in_reply_to":3}`},
		{req: `{"type":"read","key":{"k":[2,1]},"msg_id":4}`, want: `{"type":"error","code":20,"text":"key does not exist","in_reply_to":4}`},
		{req: `{"type":"cas","key":{"k":[1,2]},"from":{"c":{"z":1}},"to":1,"msg_id":5}`, want: `{"type":"error","code":22,"text":"current value {\"c\":{\"y\":2,\"z\":1}} is not {\"c\":{\"z\":1}}","in_reply_to":5}`},
	}},
	{"big integers", []step{
		{req: `{"type":"write","key":123456789012345678901234567890,"value":98765432109876543210,"msg_id":1}`, want: `{"type":"write_ok","in_reply_to":1}`},
		{req: `{"type":"read","key":123456789012345678901234567890,"msg_id":2}`, want: `{"type":"read_ok","value":98765432109876543210,"in_reply_to":2}`},
		{req: `{"type":"read","key":123456789012345678901234567891,"msg_id":3}`, want: `{"type":"error","code":20,"text":"key does not exist","in_reply_to":3}`},
		{req: `{"type":"cas","key":123456789012345678901234567890,"from":98765432109876543211,"to":0,"msg_id":4}`, want: `{"type":"error","code":22,"text":"current value 98765432109876543210 is not 98765432109876543211","in_reply_to":4}`},
		{req: `{"type":"cas","key":123456789012345678901234567890,"from":98765432109876543210,"to":0,"msg_id":5}`, want: `{"type":"cas_ok","in_reply_to":5}`},
	}},
	{"null keys and values are present", []step{
		{req: `{"type":"write","key":null,"value":null,"msg_id":1}`, want: `{"type":"write_ok","in_reply_to":1}`},
		{req: `{"type":"read","key":null,"msg_id":2}`, want: `{"type":"read_ok","value":null,"in_reply_to":2}`},
		{req: `{"type":"cas","key":null,"from":null,"to":false,"msg_id":3}`, want: `{"type":"cas_ok","in_reply_to":3}`},
		{req: `{"type":"read","key":null,"msg_id":4}`, want: `{"type":"read_ok","value":false,"in_reply_to":4}`},
	}},
	{"in_reply_to copies msg_id", []step{
		{req: `{"type":"read","key":"a"}`, want: `{"type":"error","code":20,"text":"key does not exist","in_reply_to":null}`},
		{req: `{"type":"write","key":"a","value":1,"msg_id":null}`, want: `{"type":"write_ok","in_reply_to":null}`},
		{req: `{"msg_id":0,"key":"a","type":"read"}`, want: `{"type":"read_ok","value":1,"in_reply_to":0}`},
		{req: `{"type":"read","key":"a","msg_id":123456789012345678901234567890}`, want: `{"type":"read_ok","value":1,"in_reply_to":123456789012345678901234567890}`},
		{req: `{"type":"read","key":"a","msg_id":1.50}`, want: `{"type":"read_ok","value":1,"in_reply_to":1.50}`},
		{req: `{"type":"read","key":"a","msg_id":"m-1"}`, want: `{"type":"read_ok","value":1,"in_reply_to":"m-1"}`},
		{req: "{\"type\":\"read\",\"key\":\"a\",\"msg_id\":[1,\n 2]}", want: `{"type":"read_ok","value":1,"in_reply_to":[1,2]}`},
		{req: `{"type":"read","key":"a","msg_id":7,"in_reply_to":3,"extra":true}`, want: `{"type":"read_ok","value":1,"in_reply_to":7}`},
	}},
	{"malformed requests", []step{
		{req: `[1,2]`, want: `{"type":"error","code":12,"text":"request body is not a JSON object","in_reply_to":null}`, problem: true},
		{req: `null`, want: `{"type":"error","code":12,"text":"request body is not a JSON object","in_reply_to":null}`, problem: true},
		{req: `{"type":"read"`, want: `{"type":"error","code":12,"text":"request body is not a JSON object","in_reply_to":null}`, problem: true},
		{req: ``, want: `{"type":"error","code":12,"text":"request body is not a JSON object","in_reply_to":null}`, problem: true},
		{req: `{"type":"read","key":1} {}`, want: `{"type":"error","code":12,"text":"request body is not a JSON object","in_reply_to":null}`, problem: true},
		{req: `{"key":1,"msg_id":1}`, want: `{"type":"error","code":10,"text":"missing request type for SERVICE","in_reply_to":1}`, problem: true},
		{req: `{"type":null,"msg_id":2}`, want: `{"type":"error","code":10,"text":"missing request type for SERVICE","in_reply_to":2}`, problem: true},
		{req: `{"type":5,"msg_id":3}`, want: `{"type":"error","code":12,"text":"request type is not a string for SERVICE","in_reply_to":3}`, problem: true},
		{req: `{"type":"foo","msg_id":4}`, want: `{"type":"error","code":10,"text":"unknown request type \"foo\" for SERVICE","in_reply_to":4}`, problem: true},
		{req: `{"type":"ts","msg_id":5}`, want: `{"type":"error","code":10,"text":"unknown request type \"ts\" for SERVICE","in_reply_to":5}`, problem: true},
		{req: `{"type":"read","msg_id":6}`, want: `{"type":"error","code":12,"text":"read request has no \"key\" field","in_reply_to":6}`, problem: true},
		{req: `{"type":"write","value":1,"msg_id":7}`, want: `{"type":"error","code":12,"text":"write request has no \"key\" field","in_reply_to":7}`, problem: true},
		{req: `{"type":"write","key":1,"msg_id":8}`, want: `{"type":"error","code":12,"text":"write request has no \"value\" field","in_reply_to":8}`, problem: true},
		{req: `{"type":"cas","key":1,"to":2,"msg_id":9}`, want: `{"type":"error","code":12,"text":"cas request has no \"from\" field","in_reply_to":9}`, problem: true},
		{req: `{"type":"cas","key":1,"from":2,"msg_id":10}`, want: `{"type":"error","code":12,"text":"cas request has no \"to\" field","in_reply_to":10}`, problem: true},
		{req: `{"type":"cas","from":1,"to":2,"msg_id":11}`, want: `{"type":"error","code":12,"text":"cas request has no \"key\" field","in_reply_to":11}`, problem: true},
		{req: `{"type":"cas","key":1,"from":1,"to":2,"create_if_not_exists":"yes","msg_id":12}`, want: `{"type":"error","code":12,"text":"cas request's \"create_if_not_exists\" is not a boolean","in_reply_to":12}`, problem: true},
		// Nothing above changed the state.
		{req: `{"type":"read","key":1,"msg_id":13}`, want: `{"type":"error","code":20,"text":"key does not exist","in_reply_to":13}`},
	}},
}

// kvServices builds each KV service for a test. sync, when not nil, must be
// called after every request to keep the service's replicas identical.
var kvServices = []struct {
	name string
	make func() (Service, func())
}{
	{"lin-kv", func() (Service, func()) { return NewLinKV(), nil }},
	{"seq-kv", func() (Service, func()) { return NewSeqKV(1), nil }},
	{"lww-kv", func() (Service, func()) {
		s := NewLWWKV(1)
		return s, func() { s.merge(0, 1); s.merge(1, 0) }
	}},
}

func TestKV(t *testing.T) {
	for _, svc := range kvServices {
		for _, tc := range kvCases {
			t.Run(svc.name+"/"+tc.name, func(t *testing.T) {
				s, sync := svc.make()
				for i, st := range tc.steps {
					want := st.want
					if svc.name == "lww-kv" && st.lww != "" {
						want = st.lww
					}
					want = strings.ReplaceAll(want, "SERVICE", svc.name)
					reply, problem := s.Handle("n0", []byte(st.req))
					assert.Equal(t, want, string(reply), "step %d: %s", i, st.req)
					if st.problem {
						assert.NotEmpty(t, problem, "step %d: %s", i, st.req)
						assert.NotContains(t, problem, "\n")
					} else {
						assert.Empty(t, problem, "step %d: %s", i, st.req)
					}
					if sync != nil {
						sync()
					}
				}
			})
		}
	}
}

func TestTSO(t *testing.T) {
	s := NewTSO()
	steps := []step{
		{req: `{"type":"ts","msg_id":1}`, want: `{"type":"ts_ok","ts":0,"in_reply_to":1}`},
		{req: `{"type":"ts"}`, want: `{"type":"ts_ok","ts":1,"in_reply_to":null}`},
		{req: `{"type":"read","key":"a","msg_id":3}`, want: `{"type":"error","code":10,"text":"unknown request type \"read\" for lin-tso","in_reply_to":3}`, problem: true},
		{req: `{"msg_id":4}`, want: `{"type":"error","code":10,"text":"missing request type for lin-tso","in_reply_to":4}`, problem: true},
		{req: `"ts"`, want: `{"type":"error","code":12,"text":"request body is not a JSON object","in_reply_to":null}`, problem: true},
		{req: `{"type":"ts","msg_id":6,"extra":[1]}`, want: `{"type":"ts_ok","ts":2,"in_reply_to":6}`},
	}
	for i, st := range steps {
		reply, problem := s.Handle("n1", []byte(st.req))
		assert.Equal(t, st.want, string(reply), "step %d", i)
		assert.Equal(t, st.problem, problem != "", "step %d: problem %q", i, problem)
	}
	for want := 3; want < 1000; want++ {
		reply, _ := s.Handle("n2", []byte(`{"type":"ts","msg_id":9}`))
		require.Equal(t, `{"type":"ts_ok","ts":`+strconv.Itoa(want)+`,"in_reply_to":9}`, string(reply))
	}
}

func TestNew(t *testing.T) {
	assert.Equal(t, []string{"lin-kv", "seq-kv", "lww-kv", "lin-tso"}, Names())
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			s, err := New(name, 3)
			require.NoError(t, err)
			require.NotNil(t, s)
			other, err := New(name, 0)
			require.NoError(t, err)
			// Two services share no state.
			if name == "lin-tso" {
				r1, _ := s.Handle("n0", []byte(`{"type":"ts"}`))
				r2, _ := other.Handle("n0", []byte(`{"type":"ts"}`))
				assert.Equal(t, string(r1), string(r2))
				return
			}
			_, problem := s.Handle("n0", []byte(`{"type":"write","key":"k","value":1}`))
			require.Empty(t, problem)
			r, _ := other.Handle("n0", []byte(`{"type":"read","key":"k"}`))
			assert.Contains(t, string(r), `"code":20`)
		})
	}
	names := Names()
	names[0] = "changed"
	assert.Equal(t, "lin-kv", Names()[0], "Names returns a fresh slice")
	_, err := New("kv", 0)
	assert.Error(t, err)
}
