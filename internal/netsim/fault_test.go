package netsim

import (
	"bytes"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A crashed endpoint's messages are dropped when due, each journaled with
// its fate, whether queued before the crash or sent during it; what it
// sends is refused; after Restart, delivery resumes, including a message
// sent during the crash but due after the restart.
func TestCrashDropsAndRestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := New(Config{Latency: 100 * ms})
		defer n.Close()
		recs := register(t, n, "n0", "n1", "c0")
		start := time.Now()
		mustSend(t, n, "n0", "n1", `"queued"`) // due at 100
		time.Sleep(50 * ms)
		require.NoError(t, n.Crash("n1"))
		mustSend(t, n, "c0", "n1", `"client"`) // due at once, behind "queued": dropped
		time.Sleep(100 * ms)                   // t = 150
		mustSend(t, n, "n0", "n1", `"late"`)   // due at 250, after the restart
		_, err := n.Send("n1", "n0", []byte(`"from the dead"`))
		require.ErrorIs(t, err, ErrCrashedSrc)
		time.Sleep(50 * ms) // t = 200
		require.NoError(t, n.Restart("n1"))
		mustSend(t, n, "n1", "n0", `"alive"`)
		time.Sleep(time.Second)
		synctest.Wait()

		assert.Equal(t, []string{`"late"`}, recs["n1"].bodies())
		_, at := recs["n1"].get()
		assert.Equal(t, 250*ms, at[0].Sub(start))
		assert.Equal(t, []string{`"alive"`}, recs["n0"].bodies())

		var drops []Event
		for _, ev := range n.Journal() {
			if ev.Kind == Drop {
				drops = append(drops, ev)
			}
		}
		require.Len(t, drops, 2)
		// The client's message waits behind the one being delivered (one
		// delivery goroutine per destination), so both go at 100 ms.
		assert.Equal(t, `"queued"`, string(drops[0].Msg.Body))
		assert.Equal(t, `"client"`, string(drops[1].Msg.Body))
		for _, d := range drops {
			assert.Equal(t, int64(100*ms), d.Time, "dropped when due")
			assert.Equal(t, FateCrashed, d.Fate)
			assert.Equal(t, "n1", d.Msg.Dest)
		}
		// Dropped messages count as sent, never as received.
		st := n.Stats()
		assert.Equal(t, Counts{SendCount: 3, RecvCount: 2, MsgCount: 3}, st.Servers)
		assert.Equal(t, st, StatsOf(n.Journal()))

		require.ErrorIs(t, n.Crash("n9"), ErrUnknownDest)
	})
}

// A paused endpoint's messages wait, in order, and arrive when it resumes;
// the partition is decided at the head of the queue as usual; a crash ends
// a pause, dropping what waited.
func TestPauseHoldsDeliveries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := New(Config{Latency: 10 * ms})
		defer n.Close()
		recs := register(t, n, "n0", "n1", "c0")
		start := time.Now()
		require.NoError(t, n.Pause("n1"))
		mustSend(t, n, "n0", "n1", `1`)
		mustSend(t, n, "c0", "n1", `2`)
		time.Sleep(ms)
		mustSend(t, n, "n0", "n1", `3`)
		// n1 may still send while paused (the caller holds what a stopped
		// process cannot send).
		mustSend(t, n, "n1", "n0", `"out"`)
		time.Sleep(time.Second)
		assert.Empty(t, recs["n1"].bodies())
		assert.Equal(t, []string{`"out"`}, recs["n0"].bodies())
		require.NoError(t, n.Resume("n1"))
		synctest.Wait()
		msgs, at := recs["n1"].get()
		require.Len(t, msgs, 3)
		assert.ElementsMatch(t, []string{`1`, `2`, `3`}, recs["n1"].bodies())
		assert.Equal(t, `3`, string(msgs[2].Body), "the latest stays last")
		for _, a := range at {
			assert.Equal(t, time.Second+ms, a.Sub(start), "delivered on resume")
		}

		require.NoError(t, n.Pause("n1"))
		mustSend(t, n, "n0", "n1", `4`)
		time.Sleep(100 * ms)
		require.NoError(t, n.Crash("n1"))
		synctest.Wait()
		require.NoError(t, n.Restart("n1"))
		mustSend(t, n, "n0", "n1", `5`)
		time.Sleep(100 * ms)
		assert.Equal(t, []string{`1`, `2`, `3`, `5`}[3], recs["n1"].bodies()[3])
		assert.Len(t, recs["n1"].bodies(), 4, "4 was dropped by the crash")
		var fates []string
		for _, ev := range n.Journal() {
			if ev.Kind == Drop {
				fates = append(fates, string(ev.Msg.Body)+" "+ev.Fate)
			}
		}
		assert.Equal(t, []string{"4 " + FateCrashed}, fates)
	})
}

// A paused endpoint still loses messages cut by a partition at the head of
// its queue: the pause holds only what would be delivered.
func TestPauseAndPartition(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := New(Config{})
		defer n.Close()
		recs := register(t, n, "n0", "n1", "n2")
		require.NoError(t, n.Pause("n1"))
		p := &cutSet{}
		p.set("n0", "n1", true)
		n.SetPartition(p)
		mustSend(t, n, "n0", "n1", `"cut"`)
		mustSend(t, n, "n2", "n1", `"kept"`)
		synctest.Wait()
		n.SetPartition(nil)
		require.NoError(t, n.Resume("n1"))
		synctest.Wait()
		assert.Equal(t, []string{`"kept"`}, recs["n1"].bodies())
	})
}

// Drop events go through the journal file and back.
func TestJournalDropRoundTrip(t *testing.T) {
	evs := []Event{
		{Seq: 0, Time: 5, Kind: Send, Msg: Message{ID: 0, Src: "n0", Dest: "n1", Body: []byte(`{"type":"gossip"}`)}},
		{Seq: 1, Time: 9, Kind: Drop, Fate: FateCrashed, Msg: Message{ID: 0, Src: "n0", Dest: "n1", Body: []byte(`{"type":"gossip"}`)}},
	}
	var buf bytes.Buffer
	require.NoError(t, WriteJournal(&buf, evs))
	assert.Contains(t, buf.String(), `{"seq":1,"time":9,"type":"drop","id":0,"src":"n0","dest":"n1","fate":"to crashed node","body":{"type":"gossip"}}`)
	got, err := ReadJournal(&buf)
	require.NoError(t, err)
	assert.Equal(t, evs, got)
	assert.Equal(t, "drop", Drop.String())
	_, err = ReadJournal(bytes.NewReader([]byte(`{"seq":1,"time":9,"type":"lost","id":0,"src":"n0","dest":"n1","body":1}`)))
	assert.EqualError(t, err, `line 1: event type "lost" is not send, recv or drop`)
}
