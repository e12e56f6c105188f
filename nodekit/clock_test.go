package nodekit_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/eddy-workbench/eddy/nodekit"
)

func TestManualClock(t *testing.T) {
	start := time.Unix(1000, 0)
	c := nodekit.NewManualClock(start)
	var fired []string
	at := func(name string) func() {
		return func() { fired = append(fired, name+"@"+c.Now().Sub(start).String()) }
	}
	c.AfterFunc(3*time.Second, at("c"))
	c.AfterFunc(time.Second, at("a"))
	c.AfterFunc(time.Second, at("b")) // same deadline: in the order set
	stopped := c.AfterFunc(2*time.Second, at("never"))
	c.AfterFunc(2*time.Second, func() {
		fired = append(fired, "chain@2s")
		c.AfterFunc(500*time.Millisecond, at("chained")) // due within this Advance
	})
	assert.True(t, stopped.Stop())
	assert.False(t, stopped.Stop(), "already stopped")
	assert.Equal(t, 4, c.Pending())

	c.Advance(2500 * time.Millisecond)
	assert.Equal(t, []string{"a@1s", "b@1s", "chain@2s", "chained@2.5s"}, fired)
	assert.Equal(t, start.Add(2500*time.Millisecond), c.Now())
	c.Advance(time.Second)
	assert.Equal(t, "c@3s", fired[len(fired)-1])
	assert.Zero(t, c.Pending())
}

func TestRealClock(t *testing.T) {
	c := nodekit.RealClock()
	before := time.Now()
	assert.False(t, c.Now().Before(before))
	done := make(chan struct{})
	c.AfterFunc(time.Millisecond, func() { close(done) })
	<-done
	tm := c.AfterFunc(time.Hour, func() { t.Error("fired") })
	assert.True(t, tm.Stop())
}
