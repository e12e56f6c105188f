// Command misbehave is a node for the runner's tests that misbehaves on
// demand. It is a correct echo node and a correct unique-ids node at once
// (it answers echo with echo_ok and generate with generate_ok, ids
// "<node>-<counter>"), except for the misbehaviour named by its first
// argument:
//
//	ok            behaves.
//	never-init    reads every line but never answers init (nor anything else).
//	exit-after N  after answering N client requests (echo or generate), writes
//	              a line to stderr and exits with status 3. N = 0 exits right
//	              after init_ok.
//	garbage       after init, every 5th reply is preceded by the stdout line
//	              "this is not json".
//	huge-line     right after init_ok, once writes a single stdout line of
//	              just over 2 MiB: a well-formed message addressed to itself,
//	              {"src":me,"dest":me,"body":{"type":"pad","pad":"xxx…"}}
//	              (if it is delivered back, the node ignores it); then behaves.
//	unknown-dest  right after init_ok, once sends
//	              {"src":me,"dest":"n99","body":{"type":"gossip"}}; then behaves.
//	bad-service   right after init_ok, once sends seq-kv a request of an
//	              unknown type, {"type":"frobnicate","msg_id":1}; then behaves.
//	late-reply    answers every 3rd client request only after sleeping 7 s
//	              (longer than the 5 s client timeout), so the reply goes to a
//	              client that may be gone. Other requests are answered at once.
//	              At stdin EOF it still writes the pending late replies before
//	              exiting.
//	wrong-reply   answers every 4th client request with in_reply_to set to
//	              msg_id+1000, which matches no outstanding request.
//	ignore-term   ignores SIGTERM (signal.Ignore) and answers correctly; it
//	              also keeps running after stdin EOF, so only SIGKILL ends it.
//
// Every mode writes a line to stderr on start naming the mode. Client
// requests are counted from 1 in the order they are read. Messages of other
// types, and replies, are ignored. Standard library only: one JSON message per
// stdin line (read with a 64 MiB line limit), one per stdout line.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

var modes = map[string]string{
	"ok":           "behaves",
	"never-init":   "never answers init",
	"exit-after":   "exits with status 3 after answering N client requests",
	"garbage":      "every 5th reply is preceded by a non-JSON line",
	"huge-line":    "writes one 2 MiB line after init",
	"unknown-dest": "sends one message to n99 after init",
	"bad-service":  "sends seq-kv one request of an unknown type after init",
	"late-reply":   "answers every 3rd request after 7 s",
	"wrong-reply":  "answers every 4th request with a wrong in_reply_to",
	"ignore-term":  "ignores SIGTERM and stdin EOF",
}

// out serialises whole lines to stdout; late replies write from goroutines.
var out sync.Mutex

// writeLine writes line and a newline to stdout in one call.
func writeLine(line []byte) {
	out.Lock()
	defer out.Unlock()
	os.Stdout.Write(append(line, '\n'))
}

// send writes the message {src: me, dest, body} to stdout.
func send(me, dest string, body map[string]any) {
	b, err := json.Marshal(map[string]any{"src": me, "dest": dest, "body": body})
	if err != nil {
		panic(err)
	}
	writeLine(b)
}

func main() {
	mode, n := parseArgs(os.Args[1:])
	fmt.Fprintf(os.Stderr, "misbehave: mode %s: %s\n", strings.Join(os.Args[1:], " "), modes[mode])
	if mode == "ignore-term" {
		signal.Ignore(syscall.SIGTERM)
	}

	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 64<<10), 64<<20)
	var (
		me       string
		requests int // client requests read so far
		ids      int // next id counter
		late     sync.WaitGroup
	)
	for in.Scan() {
		var m struct {
			Src  string `json:"src"`
			Body struct {
				Type      string          `json:"type"`
				MsgID     int             `json:"msg_id"`
				InReplyTo int             `json:"in_reply_to"`
				NodeID    string          `json:"node_id"`
				Echo      json.RawMessage `json:"echo"`
			} `json:"body"`
		}
		if err := json.Unmarshal(in.Bytes(), &m); err != nil {
			fmt.Fprintf(os.Stderr, "misbehave: bad input line (%d bytes): %v\n", len(in.Bytes()), err)
			continue
		}
		b := m.Body
		if mode == "never-init" || b.InReplyTo != 0 {
			continue
		}
		switch b.Type {
		case "init":
			me = b.NodeID
			send(me, m.Src, map[string]any{"type": "init_ok", "in_reply_to": b.MsgID})
			switch mode {
			case "exit-after":
				if n == 0 {
					exit(0)
				}
			case "huge-line":
				writeLine(fmt.Appendf(nil, `{"src":%q,"dest":%q,"body":{"type":"pad","pad":"%s"}}`,
					me, me, strings.Repeat("x", 2<<20)))
				fmt.Fprintln(os.Stderr, "misbehave: wrote a 2 MiB line")
				mode = "ok" // once
			case "bad-service":
				send(me, "seq-kv", map[string]any{"type": "frobnicate", "msg_id": 1})
				fmt.Fprintln(os.Stderr, "misbehave: sent seq-kv a frobnicate request")
				mode = "ok" // once
			case "unknown-dest":
				send(me, "n99", map[string]any{"type": "gossip"})
				fmt.Fprintln(os.Stderr, "misbehave: sent a message to n99")
				mode = "ok" // once
			}
		case "echo", "generate":
			requests++
			k := requests
			reply := map[string]any{"in_reply_to": b.MsgID}
			if b.Type == "echo" {
				reply["type"], reply["echo"] = "echo_ok", b.Echo
			} else {
				reply["type"], reply["id"] = "generate_ok", me+"-"+strconv.Itoa(ids)
				ids++
			}
			switch {
			case mode == "late-reply" && k%3 == 0:
				late.Add(1)
				go func(src, dest string) {
					defer late.Done()
					time.Sleep(7 * time.Second)
					send(src, dest, reply)
				}(me, m.Src)
				continue
			case mode == "wrong-reply" && k%4 == 0:
				reply["in_reply_to"] = b.MsgID + 1000
			case mode == "garbage" && k%5 == 0:
				writeLine([]byte("this is not json"))
			}
			send(me, m.Src, reply)
			if mode == "exit-after" && k >= n {
				exit(k)
			}
		default:
			fmt.Fprintf(os.Stderr, "misbehave: ignoring a %q message from %s\n", b.Type, m.Src)
		}
	}
	if err := in.Err(); err != nil {
		fmt.Fprintf(os.Stderr, "misbehave: reading stdin: %v\n", err)
	}
	late.Wait()
	if mode == "ignore-term" {
		fmt.Fprintln(os.Stderr, "misbehave: stdin closed; staying alive until SIGKILL")
		for {
			time.Sleep(time.Hour)
		}
	}
}

// exit ends the process with status 3 after answering k client requests.
func exit(k int) {
	fmt.Fprintf(os.Stderr, "misbehave: exiting with status 3 after answering %d client requests\n", k)
	os.Exit(3)
}

// parseArgs returns the mode and, for exit-after, N. It exits with status 2
// on a bad command line.
func parseArgs(args []string) (mode string, n int) {
	usage := func(why string) {
		fmt.Fprintf(os.Stderr, "misbehave: %s\nusage: misbehave MODE [N]; modes: ok never-init 'exit-after N' garbage huge-line unknown-dest bad-service late-reply wrong-reply ignore-term\n", why)
		os.Exit(2)
	}
	if len(args) == 0 {
		usage("no mode given")
	}
	mode = args[0]
	if _, ok := modes[mode]; !ok {
		usage("unknown mode " + strconv.Quote(mode))
	}
	if mode == "exit-after" {
		if len(args) != 2 {
			usage("exit-after needs N")
		}
		var err error
		if n, err = strconv.Atoi(args[1]); err != nil || n < 0 {
			usage("bad N " + strconv.Quote(args[1]))
		}
	} else if len(args) != 1 {
		usage("too many arguments")
	}
	return mode, n
}
