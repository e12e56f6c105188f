package main

import (
	"errors"
	"flag"
	"fmt"

	"github.com/eddy-workbench/eddy/nodekit"
)

// program returns the node's flags and its setup.
func program() (*flag.FlagSet, func(*nodekit.Node) error) {
	fs := flag.NewFlagSet("broadcast", flag.ContinueOnError)
	options := flags(fs)
	return fs, func(n *nodekit.Node) error {
		opt, err := options()
		if err == nil {
			setup(n, opt)
		}
		return err
	}
}

// flags defines the node's flags on fs and returns a function that reads
// them into Options once fs is parsed. -round defaults to the strategy's
// round length.
func flags(fs *flag.FlagSet) func() (Options, error) {
	strategy := fs.String("strategy", string(Latency), "latency or messages")
	round := fs.Duration("round", 0, "round length T (default 1s for latency, 1.2s for messages)")
	flush := fs.Duration("flush", DefaultFlush, "how long the hub waits after the first sync before forwarding")
	return func() (Options, error) {
		opt := Options{Strategy: Strategy(*strategy), Round: *round, Flush: *flush}
		switch {
		case opt.Strategy != Latency && opt.Strategy != Messages:
			return Options{}, fmt.Errorf("-strategy must be latency or messages, not %q", *strategy)
		case *round < 0 || (*round == 0 && isSet(fs, "round")):
			return Options{}, errors.New("-round must be positive")
		case *flush <= 0:
			return Options{}, errors.New("-flush must be positive")
		}
		return opt.withDefaults(), nil
	}
}

func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
