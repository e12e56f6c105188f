package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"github.com/eddy-workbench/eddy/runner"
)

func analyzeCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("eddy analyze", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	store := fs.String("store", "store", "the store, whose latest run is analysed when no PATH is given")
	if code, ok := parseFlags(fs, args, "Usage: eddy analyze [--store DIR] [PATH]\n\nRe-checks a stored run (default: the store's latest) and rewrites its results and visuals.\n", stdout, stderr); !ok {
		return code
	}
	if fs.NArg() > 1 {
		fmt.Fprintf(stderr, "eddy analyze: expected at most one run directory, got %d\n", fs.NArg())
		return exitBadArgs
	}
	dir := filepath.Join(*store, "latest")
	if fs.NArg() == 1 {
		dir = fs.Arg(0)
	}
	res, err := runner.Analyze(ctx, dir)
	if err != nil && res.Results == nil {
		fmt.Fprintf(stderr, "eddy analyze: %v\n", err)
		return exitBadArgs
	}
	if err != nil {
		fmt.Fprintf(stderr, "eddy analyze: %v\n", err)
	}
	return printVerdict(res, stdout)
}
