package netsim

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// benchBody is a typical ~128-byte message body.
var benchBody = []byte(`{"type":"broadcast","message":1234567,"msg_id":42,"pad":"` + strings.Repeat("x", 128-len(`{"type":"broadcast","message":1234567,"msg_id":42,"pad":""}`)) + `"}`)

// benchRoute sends b.N messages between 25 node endpoints from several
// sender goroutines and stops the clock only when every message has been
// handed to its handler.
func benchRoute(b *testing.B, latency time.Duration) {
	if len(benchBody) != 128 {
		b.Fatalf("body is %d bytes", len(benchBody))
	}
	const endpoints = 25
	senders := max(4, runtime.GOMAXPROCS(0))
	n := New(Config{Latency: latency, Dist: Constant})
	defer n.Close()

	ids := make([]string, endpoints)
	for i := range ids {
		ids[i] = fmt.Sprintf("n%d", i)
	}
	// Message i goes from ids[i%25] to ids[(i*7+3)%25]; each endpoint knows
	// how many it will receive and signals when it has them all.
	dest := func(i int) int { return (i*7 + 3) % endpoints }
	quota := make([]int64, endpoints)
	for i := range b.N {
		quota[dest(i)]++
	}
	var all sync.WaitGroup
	type counter struct {
		n atomic.Int64
		_ [56]byte // one cache line each
	}
	counts := make([]counter, endpoints)
	for k, id := range ids {
		if quota[k] > 0 {
			all.Add(1)
		}
		q := quota[k]
		c := &counts[k]
		if err := n.Register(id, func(Message) {
			if c.n.Add(1) == q {
				all.Done()
			}
		}); err != nil {
			b.Fatal(err)
		}
	}

	b.SetBytes(int64(len(benchBody)))
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	for s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := s; i < b.N; i += senders {
				if _, err := n.Send(ids[i%endpoints], ids[dest(i)], benchBody); err != nil {
					panic(err)
				}
			}
		}()
	}
	wg.Wait()
	all.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	if got := n.Stats().All; got.SendCount != int64(b.N) || got.RecvCount != int64(b.N) {
		b.Fatalf("stats %+v, want %d sent and received", got, b.N)
	}
}

// BenchmarkRoute measures routing throughput with zero latency.
func BenchmarkRoute(b *testing.B) { benchRoute(b, 0) }

// BenchmarkRouteLatency measures routing throughput with a constant 1 ms
// latency, so delivery goroutines wait on timers.
func BenchmarkRouteLatency(b *testing.B) { benchRoute(b, time.Millisecond) }
