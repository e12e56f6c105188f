// Package wire is what the runner's test nodes share, on the standard
// library alone so that they can misbehave at will: their mode argument,
// and Maelstrom's line protocol, one JSON message a stdin line and one a
// stdout line.
package wire

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
)

// Mode is the node's mode: its one argument, which must be one of modes.
// With no argument it is def, unless def is "" (the argument is required).
// Anything else prints the usage and exits with status 2.
func Mode(name, def string, modes ...string) string {
	mode := def
	if len(os.Args) == 2 {
		mode = os.Args[1]
	}
	if len(os.Args) > 2 || !slices.Contains(modes, mode) {
		usage := strings.Join(modes, "|")
		if def != "" {
			usage = "[" + usage + "]"
		}
		fmt.Fprintf(os.Stderr, "usage: %s %s\n", name, usage)
		os.Exit(2)
	}
	return mode
}

// Message is a message with a body of type B.
type Message[B any] struct {
	Src  string `json:"src"`
	Dest string `json:"dest"`
	Body B      `json:"body"`
}

// Lines reads messages from stdin and writes them to stdout.
type Lines struct {
	name string
	in   *bufio.Scanner
	out  *json.Encoder // Encode writes one line per call
}

// New returns the lines of the node called name (for its diagnoses).
func New(name string) *Lines {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 64<<10), 64<<20)
	return &Lines{name: name, in: in, out: json.NewEncoder(os.Stdout)}
}

// Next decodes the next message into msg, a pointer to a Message; a line that does not decode is reported on stderr
// and skipped. It returns false at the end of the input.
func (l *Lines) Next(msg any) bool {
	for l.in.Scan() {
		if err := json.Unmarshal(l.in.Bytes(), msg); err != nil {
			fmt.Fprintf(os.Stderr, "%s: bad input %q: %v\n", l.name, l.in.Bytes(), err)
			continue
		}
		return true
	}
	return false
}

// Send writes a message from src to dest.
func (l *Lines) Send(src, dest string, body any) {
	l.out.Encode(map[string]any{"src": src, "dest": dest, "body": body})
}
