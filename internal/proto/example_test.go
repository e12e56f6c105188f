package proto_test

import (
	"fmt"

	"github.com/eddy-workbench/eddy/internal/proto"
)

func ExampleOddities() {
	body := []byte(`{"type":"read_ok","in_reply_to":1,"value":1e400,"value":123456789012345678901234567890}`)
	for _, o := range proto.Oddities(body) {
		fmt.Printf("%s: %s\n", o.Kind, o.Text)
	}
	// Output:
	// huge-float: has the number 1e400, beyond a 64-bit float's range (read as infinity)
	// repeated-key: repeats the key "value" in an object (the last value counts)
	// huge-integer: has the integer 123456789012345678901234567890, beyond 64 bits (kept exactly, but many JSON libraries round it)
}
