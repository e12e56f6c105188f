package nodekit

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/eddy-workbench/eddy/nodekit/durable"
)

// Main is the whole main function of a node binary: it parses the
// arguments with fs (nil: the node takes none), makes a Node on stdin,
// stdout and stderr, lets setup check the flags and register handlers,
// runs the node until its input ends, and exits: 0 then, 2 for bad
// arguments or a failed setup (with a one-line error on stderr), 1 if the
// node failed. -h and -help print the usage to stderr and exit 0.
func Main(fs *flag.FlagSet, setup func(n *Node) error) {
	os.Exit(Exec(context.Background(), fs, os.Args[1:], setup))
}

// Exec is Main without the exit: it returns the exit status. opts
// configure the Node (WithIO for a test's pipes); errors go to the log
// writer of WithIO.
func Exec(ctx context.Context, fs *flag.FlagSet, args []string, setup func(n *Node) error, opts ...Option) int {
	n := New(append([]Option{WithDir(durable.Dir(ctx))}, opts...)...)
	errw := n.cfg.errw
	name := "node"
	if fs != nil {
		name = fs.Name()
	} else {
		fs = flag.NewFlagSet(name, flag.ContinueOnError)
	}
	fs.Init(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		usage(errw, fs)
		return 0
	}
	if err == nil && fs.NArg() > 0 {
		err = fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if err == nil && setup != nil {
		err = setup(n)
	}
	if err != nil {
		fmt.Fprintf(errw, "%s: %v (-h for help)\n", name, err)
		return 2
	}
	if err := n.Run(ctx); err != nil {
		fmt.Fprintf(errw, "%s: %v\n", name, err)
		return 1
	}
	return 0
}

// Func returns a node as a function of its context and pipes, the shape
// of runner.NodeFunc, so that a node of the kit can run inside the
// runner's process, and on virtual time with package eddytest: each call
// makes a fresh Node on the pipes (and opts), lets setup register its
// handlers, and runs it until stdin ends or ctx is cancelled.
func Func(setup func(n *Node) error, opts ...Option) func(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) error {
	return func(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) error {
		n := New(append(append([]Option{WithDir(durable.Dir(ctx))}, opts...), WithIO(stdin, stdout, stderr))...)
		if err := setup(n); err != nil {
			return err
		}
		if err := n.Run(ctx); err != nil && ctx.Err() == nil {
			return err
		}
		return nil
	}
}

// usage prints fs's flags.
func usage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(w, "usage: %s [flags] (after Maelstrom's --)\n", fs.Name())
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}
