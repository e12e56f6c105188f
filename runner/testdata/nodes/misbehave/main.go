// Command misbehave is a node for the runner's tests that misbehaves on
// demand. It is a correct echo node and a correct unique-ids node at once
// (it answers echo with echo_ok and generate with generate_ok, ids
// "<node>-<counter>"), except for the misbehaviour named by its first
// argument:
//
//	ok            behaves.
//	exit-at-start writes a line to stderr and exits with status 1 before
//	              reading anything.
//	never-init    reads every line but never answers init (nor anything else).
//	mute          answers init, then never replies to anything.
//	exit-after N  after answering N client requests (echo or generate), writes
//	              a line to stderr and exits with status 3. N = 0 exits right
//	              after init_ok.
//	garbage       after init, every 5th reply is preceded by the stdout line
//	              "this is not json".
//	huge-line [N] right after init_ok, once writes a single stdout line of
//	              just over N bytes (default 2 MiB): a well-formed message addressed to itself,
//	              {"src":me,"dest":me,"body":{"type":"pad","pad":"xxx…"}}
//	              (if it is delivered back, the node ignores it); then behaves.
//	unknown-dest  right after init_ok, once sends
//	              {"src":me,"dest":"n99","body":{"type":"gossip"}}; then behaves.
//	flood         after init_ok, sends itself {"type":"flood"} messages at
//	              about 100,000 a second until stdin ends (and ignores them).
//	stderr-flood  after init_ok, writes 1 KiB lines to stderr as fast as it
//	              can until stdin ends.
//	grandchild F  after init_ok, starts "sleep 300" as a child process (in its
//	              own process group, which it shares), writes the child's pid
//	              to file F, and never waits for it.
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
//	dup-keys      repeats the main field of every reply, a wrong value first
//	              and the right one last: {"echo":"not this","echo":…} and
//	              {"id":"not this","id":{"node":me,"seq":-1,"seq":k}} for
//	              the k-th request. Read last-wins, the replies are correct
//	              and the ids distinct.
//	huge-numbers  answers generate with numbers for ids: 1e400 (beyond a
//	              64-bit float) for the first request, then distinct integers
//	              beyond 64 bits (1234567890123456789012345678900, …01, …).
//	deep          right after init_ok, once sends itself a message nested
//	              10,001 levels deep (more than JSON readers accept); answers
//	              the first generate with an id nested 9,998 levels deep (the
//	              deepest line a JSON reader accepts), then behaves.
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
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

var modes = map[string]string{
	"ok":            "behaves",
	"exit-at-start": "exits with status 1 before reading anything",
	"flood":         "sends itself about 100,000 messages a second",
	"stderr-flood":  "writes to stderr as fast as it can",
	"grandchild":    "starts a child process that outlives it",
	"never-init":    "never answers init",
	"mute":          "answers init, then never replies",
	"exit-after":    "exits with status 3 after answering N client requests",
	"garbage":       "every 5th reply is preceded by a non-JSON line",
	"huge-line":     "writes one 2 MiB line after init",
	"unknown-dest":  "sends one message to n99 after init",
	"bad-service":   "sends seq-kv one request of an unknown type after init",
	"late-reply":    "answers every 3rd request after 7 s",
	"wrong-reply":   "answers every 4th request with a wrong in_reply_to",
	"ignore-term":   "ignores SIGTERM and stdin EOF",
	"dup-keys":      "repeats the main field of every reply, the right value last",
	"huge-numbers":  "answers generate with huge numbers",
	"deep":          "sends one line nested too deep, and one id nested 9,998 levels",
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
	mode, n, arg := parseArgs(os.Args[1:])
	fmt.Fprintf(os.Stderr, "misbehave: mode %s: %s\n", strings.Join(os.Args[1:], " "), modes[mode])
	if mode == "exit-at-start" {
		os.Exit(1)
	}
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
				size := 2 << 20
				if n > 0 {
					size = n
				}
				writeLine(fmt.Appendf(nil, `{"src":%q,"dest":%q,"body":{"type":"pad","pad":"%s"}}`,
					me, me, strings.Repeat("x", size)))
				fmt.Fprintf(os.Stderr, "misbehave: wrote a %d-byte line\n", size)
				mode = "ok" // once
			case "flood":
				go flood(me)
			case "stderr-flood":
				go floodStderr()
			case "grandchild":
				startGrandchild(arg)
			case "bad-service":
				send(me, "seq-kv", map[string]any{"type": "frobnicate", "msg_id": 1})
				fmt.Fprintln(os.Stderr, "misbehave: sent seq-kv a frobnicate request")
				mode = "ok" // once
			case "deep":
				const depth = 10001
				writeLine(fmt.Appendf(nil, `{"src":%q,"dest":%q,"body":{"type":"deep","x":%s1%s}}`,
					me, me, strings.Repeat("[", depth-2), strings.Repeat("]", depth-2)))
				fmt.Fprintln(os.Stderr, "misbehave: wrote a line nested 10,001 levels deep")
			case "unknown-dest":
				send(me, "n99", map[string]any{"type": "gossip"})
				fmt.Fprintln(os.Stderr, "misbehave: sent a message to n99")
				mode = "ok" // once
			}
		case "echo", "generate":
			if mode == "mute" {
				continue
			}
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
			case mode == "dup-keys":
				field := "echo"
				if b.Type == "generate" {
					field = "id"
				}
				right, _ := json.Marshal(reply[field])
				if field == "id" {
					// A repeated key nested in the value too.
					right = fmt.Appendf(nil, `{"node":%q,"seq":-1,"seq":%d}`, me, k)
				}
				writeLine(fmt.Appendf(nil, `{"src":%q,"dest":%q,"body":{"type":%q,"in_reply_to":%d,%q:"not this",%q:%s}}`,
					me, m.Src, reply["type"], b.MsgID, field, field, right))
				continue
			case mode == "huge-numbers" && b.Type == "generate":
				id := "1e400"
				if k > 1 {
					id = fmt.Sprintf("12345678901234567890123456789%02d", k)
				}
				reply["id"] = json.Number(id)
			case mode == "deep" && b.Type == "generate" && k == 1:
				const depth = 9998
				writeLine(fmt.Appendf(nil, `{"src":%q,"dest":%q,"body":{"type":"generate_ok","in_reply_to":%d,"id":%s"%s-deep"%s}}`,
					me, m.Src, b.MsgID, strings.Repeat("[", depth), me, strings.Repeat("]", depth)))
				continue
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

// parseArgs returns the mode, N (exit-after, huge-line) and the file
// argument (grandchild). It exits with status 2 on a bad command line.
func parseArgs(args []string) (mode string, n int, arg string) {
	usage := func(why string) {
		fmt.Fprintf(os.Stderr, "misbehave: %s\nusage: misbehave MODE [ARG]; modes: ok exit-at-start never-init mute 'exit-after N' garbage 'huge-line [N]' unknown-dest flood stderr-flood 'grandchild FILE' bad-service late-reply wrong-reply ignore-term dup-keys huge-numbers deep\n", why)
		os.Exit(2)
	}
	if len(args) == 0 {
		usage("no mode given")
	}
	mode = args[0]
	if _, ok := modes[mode]; !ok {
		usage("unknown mode " + strconv.Quote(mode))
	}
	switch {
	case len(args) > 2:
		usage("too many arguments")
	case mode == "exit-after" || mode == "huge-line":
		if len(args) == 1 {
			if mode == "exit-after" {
				usage("exit-after needs N")
			}
			return mode, 0, ""
		}
		var err error
		if n, err = strconv.Atoi(args[1]); err != nil || n < 0 {
			usage("bad N " + strconv.Quote(args[1]))
		}
	case mode == "grandchild":
		if len(args) != 2 {
			usage("grandchild needs FILE")
		}
		arg = args[1]
	case len(args) != 1:
		usage("too many arguments")
	}
	return mode, n, arg
}

// flood sends itself about 100,000 messages a second, in bursts of 1,000
// every 10 ms, until the process ends.
func flood(me string) {
	line := fmt.Appendf(nil, `{"src":%q,"dest":%q,"body":{"type":"flood"}}`, me, me)
	for range time.Tick(10 * time.Millisecond) {
		for range 1000 {
			writeLine(line)
		}
	}
}

// floodStderr writes 1 KiB lines to stderr as fast as it can.
func floodStderr() {
	line := []byte(strings.Repeat("e", 1023) + "\n")
	for {
		if _, err := os.Stderr.Write(line); err != nil {
			return
		}
	}
}

// startGrandchild starts a long sleep and records its pid in file.
func startGrandchild(file string) {
	cmd := exec.Command("sleep", "300")
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "misbehave: starting the grandchild: %v\n", err)
		return
	}
	if err := os.WriteFile(file, []byte(strconv.Itoa(cmd.Process.Pid)), 0o644); err != nil {
		fmt.Fprintf(os.Stderr, "misbehave: %v\n", err)
	}
	fmt.Fprintf(os.Stderr, "misbehave: started grandchild %d\n", cmd.Process.Pid)
}
