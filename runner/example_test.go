package runner_test

import (
	"errors"
	"fmt"

	"github.com/eddy-workbench/eddy/runner"
)

// A configuration no run could honour is a one-line *ConfigError, before
// anything starts.
func ExampleValidate() {
	err := runner.Validate(runner.Config{Workload: "echo", Bin: "/bin/sh", Rate: 1e-20})
	var bad *runner.ConfigError
	fmt.Println(errors.As(err, &bad), err)
	// Output: true --rate 1e-20 is too low to schedule anything (the least is 1e-09 per second, one op in 32 years); --rate 0 means no operations
}
