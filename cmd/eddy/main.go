// Command eddy tests distributed-systems nodes that speak Maelstrom's
// protocol, with Maelstrom's command line:
//
//	eddy test -w echo --bin ./echo --node-count 1 --time-limit 10
//	eddy challenge all
//	eddy analyze store/latest
//	eddy serve --port 8080
//	eddy hunt -w broadcast --bin ./broadcast --node-count 5 --nemesis partition --seeds 1-200 -j 2
//	eddy compare --impl a='bin/broadcast -- -strategy latency' --impl b='bin/broadcast -- -strategy messages' -w broadcast --node-count 5,25
//
// Exit status: 0 valid, 1 invalid, 2 unknown, 254 bad arguments, 255 the run
// could not complete (a node never answered init, crashed, …).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes shared with Maelstrom.
const (
	exitBadArgs = 254
	exitAborted = 255
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `eddy: a Go-native, Maelstrom-compatible workbench for distributed-systems nodes.

Usage:
  eddy test [flags] [-- args for the node binary]   run a test (the flags of maelstrom test)
  eddy challenge [flags] <id>... | all              run Gossip Glomers challenges, check their targets
  eddy analyze [--store DIR] [PATH]                 re-check a stored run (default: the latest)
  eddy serve [--host H] [--port P] [--store DIR]    browse the store's runs
  eddy compare --impl NAME=COMMAND... [flags]       compare implementations over parameters and seeds
  eddy hunt [test flags] --seeds 1-200 [-j N]       search seeds for a failing run and shrink it
  eddy help                                         this text

Run "eddy <command> --help" for a command's flags.
`

// parseFlags parses a command's flags. On -h or --help it prints usage and
// the flags' defaults to stdout; on a bad flag, a one-line error naming the
// command to stderr. ok is false when the command should stop, with code
// its exit status.
func parseFlags(fs *flag.FlagSet, args []string, usage string, stdout, stderr io.Writer) (code int, ok bool) {
	err := fs.Parse(args)
	switch {
	case err == nil:
		return 0, true
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stdout, usage)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		return 0, false
	default:
		fmt.Fprintf(stderr, "%s: %v (see %s --help)\n", fs.Name(), err, fs.Name())
		return exitBadArgs, false
	}
}

// run is the whole command; it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitBadArgs
	}
	switch args[0] {
	case "test":
		return testCommand(ctx, args[1:], stdout, stderr)
	case "challenge":
		return challengeCommand(ctx, args[1:], stdout, stderr)
	case "analyze", "analyse":
		return analyzeCommand(ctx, args[1:], stdout, stderr)
	case "serve":
		return serveCommand(ctx, args[1:], stdout, stderr)
	case "compare":
		return compareCommand(ctx, args[1:], stdout, stderr)
	case "hunt":
		return huntCommand(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "eddy: unknown command %q (try eddy help)\n", args[0])
		return exitBadArgs
	}
}
