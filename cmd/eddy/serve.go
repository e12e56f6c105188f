package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"strconv"

	"github.com/eddy-workbench/eddy/internal/serve"
)

func serveCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("eddy serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	host := fs.String("host", "127.0.0.1", "address to listen on (loopback by default)")
	fs.StringVar(host, "b", "127.0.0.1", "short for --host")
	port := fs.Int("port", 8080, "port to listen on (0: any free port)")
	fs.IntVar(port, "p", 8080, "short for --port")
	store := fs.String("store", "store", "the store to browse")
	if code, ok := parseFlags(fs, args, "Usage: eddy serve [--host 127.0.0.1] [--port 8080] [--store DIR]\n\nServes the store's runs, and nothing outside it, until interrupted.\n", stdout, stderr); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "eddy serve: unexpected argument %q\n", fs.Arg(0))
		return exitBadArgs
	}
	if *port < 0 || *port > 65535 {
		fmt.Fprintf(stderr, "eddy serve: --port must be between 0 and 65535, got %d\n", *port)
		return exitBadArgs
	}
	addr := net.JoinHostPort(*host, strconv.Itoa(*port))
	err := serve.Serve(ctx, addr, *store, func(a net.Addr) {
		fmt.Fprintf(stdout, "Serving %s at http://%s/ (Ctrl-C to stop)\n", *store, a)
	})
	if err != nil {
		fmt.Fprintf(stderr, "eddy serve: %v\n", err)
		return exitBadArgs
	}
	return 0
}
