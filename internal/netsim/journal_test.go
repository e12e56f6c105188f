package netsim

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadJournalRoundTrip(t *testing.T) {
	t.Parallel()
	events := []Event{
		{Seq: 0, Time: 10, Kind: Send, Msg: Message{ID: 0, Src: "c1", Dest: "n0", Body: []byte(`{"type":"read","msg_id":1}`)}},
		{Seq: 1, Time: 11, Kind: Recv, Msg: Message{ID: 0, Src: "c1", Dest: "n0", Body: []byte(`{"type":"read","msg_id":1}`)}},
		{Seq: 2, Time: 12, Kind: Send, Msg: Message{ID: 1, Src: "n0", Dest: "n1", Body: []byte(`{"type":"gossip","v":"\u003c"}`)}},
		{Seq: 3, Time: 13, Kind: Send, Msg: Message{ID: 2, Src: "n0", Dest: "seq-kv", Body: []byte(`{"type":"read","key":"k"}`)}},
		{Seq: 4, Time: 14, Kind: Recv, Msg: Message{ID: 2, Src: "n0", Dest: "seq-kv", Body: []byte(`{"type":"read","key":"k"}`)}},
	}
	var b bytes.Buffer
	require.NoError(t, WriteJournal(&b, events))
	got, err := ReadJournal(&b)
	require.NoError(t, err)
	require.Equal(t, len(events), len(got))
	for i := range events {
		assert.Equal(t, events[i].Seq, got[i].Seq)
		assert.Equal(t, events[i].Time, got[i].Time)
		assert.Equal(t, events[i].Kind, got[i].Kind)
		assert.Equal(t, events[i].Msg.ID, got[i].Msg.ID)
		assert.Equal(t, events[i].Msg.Src, got[i].Msg.Src)
		assert.Equal(t, string(events[i].Msg.Body), string(got[i].Msg.Body))
	}
	assert.Equal(t, Stats{
		All:     Counts{SendCount: 3, RecvCount: 2, MsgCount: 3},
		Clients: Counts{SendCount: 1, RecvCount: 1, MsgCount: 1},
		Servers: Counts{SendCount: 2, RecvCount: 1, MsgCount: 2},
	}, StatsOf(got))
}

func TestReadJournalErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ text, want string }{
		{`{"seq":0,"time":1,"type":"send","id":0,"src":"a","dest":"b","body":{}}` + "\nnope\n", "line 2: "},
		{`{"seq":0,"type":"lost"}`, `line 1: event type "lost"`},
		{`{"time":1,"type":"send"}`, "line 1: no seq"},
	}
	for _, tt := range tests {
		_, err := ReadJournal(strings.NewReader(tt.text))
		require.Error(t, err)
		assert.Contains(t, err.Error(), tt.want)
	}
}

// TestParseLineAgreesWithJSON: the fast reader of journal lines and the JSON
// decoder it falls back on read the same events, and the fast one declines
// every line that is not exactly as WriteJournal writes it.
func TestParseLineAgreesWithJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ev   Event
		fast bool
	}{
		{"plain", Event{Seq: 7, Time: 123, Kind: Send, Msg: Message{ID: 3, Src: "n0", Dest: "n1", Body: []byte(`{"type":"x"}`)}}, true},
		{"a delivery", Event{Seq: 8, Time: 124, Kind: Recv, Msg: Message{ID: 3, Src: "c10", Dest: "lin-kv", Body: []byte(`{"type":"x", "v": [1, 2]}`)}}, true},
		{"a name that needs escapes", Event{Seq: 9, Kind: Send, Msg: Message{ID: 4, Src: "n\"0\\", Dest: "n\t1", Body: []byte(`{}`)}}, false},
		{"a name with a separator inside", Event{Seq: 10, Kind: Send, Msg: Message{ID: 5, Src: `a","dest":"b`, Dest: "c", Body: []byte(`{}`)}}, false},
		{"a body with the separator inside", Event{Seq: 11, Kind: Send, Msg: Message{ID: 6, Src: "n0", Dest: "n1", Body: []byte(`{"k":"\",\"body\":}"}`)}}, true},
		{"a null body", Event{Seq: 12, Kind: Send, Msg: Message{ID: 7, Src: "n0", Dest: "n1", Body: []byte(`null`)}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			require.NoError(t, WriteJournal(&b, []Event{tt.ev}))
			line := bytes.TrimSuffix(b.Bytes(), []byte("\n"))
			fast, ok := parseLine(line)
			assert.Equal(t, tt.fast, ok)
			got, err := ReadJournal(bytes.NewReader(b.Bytes()))
			require.NoError(t, err)
			require.Len(t, got, 1)
			want := tt.ev
			if ok {
				assert.Equal(t, want, fast)
			}
			assert.Equal(t, want.Msg.Src, got[0].Msg.Src)
			assert.Equal(t, want.Msg.Dest, got[0].Msg.Dest)
			assert.JSONEq(t, string(want.Msg.Body), string(got[0].Msg.Body))
		})
	}
	for _, line := range []string{
		`{"seq":1,"time":2,"type":"send","id":3,"src":"a","dest":"b","body":{"x":}`, // not JSON
		`{"seq":1,"time":2,"type":"send","id":3,"src":"a","dest":"b","body":{}`,     // cut short
		`{"seq": 1,"time":2,"type":"send","id":3,"src":"a","dest":"b","body":{}}`,   // spaced
		`{"seq":x,"time":2,"type":"send","id":3,"src":"a","dest":"b","body":{}}`,
	} {
		_, ok := parseLine([]byte(line))
		assert.False(t, ok, line)
	}
	_, err := ReadJournal(strings.NewReader(`{"seq":1,"time":2,"type":"send","id":3,"src":"a","dest":"b","body":{"x":}` + "\n"))
	assert.ErrorContains(t, err, "line 1")
}
