package client_test

import (
	"fmt"
	"time"

	"github.com/eddy-workbench/eddy/internal/client"
)

// A node that left the only echo request of a run unanswered.
func ExampleSilence() {
	var s client.Silence
	s.Sent("n0", "echo")
	s.TimedOut("c0", 1, "n0", "echo", 5*time.Second)
	for _, silent := range s.Silences([]string{"n0"}) {
		fmt.Println(silent)
	}
	// Output:
	// node n0 never replied to 1 of 1 echo requests (timed out after 5 s)
}
