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
