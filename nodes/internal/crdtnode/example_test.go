package crdtnode_test

import (
	"fmt"

	"github.com/eddy-workbench/eddy/nodes/internal/crdtnode"
)

func ExampleParseFlags() {
	opt, err := crdtnode.ParseFlags("gset", []string{"-strategy", "state", "-round", "500ms"})
	fmt.Println(opt.Strategy, opt.Round, opt.Flush, err)
	_, err = crdtnode.ParseFlags("gset", []string{"-strategy", "rumour"})
	fmt.Println(err)
	// Output:
	// state 500ms 30ms <nil>
	// -strategy must be state or delta, not "rumour"
}
