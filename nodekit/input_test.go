package nodekit

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestReadLine(t *testing.T) {
	long := strings.Repeat("x", 300)
	in := "a\r\n" + long + "\n" + "b\n\n" + strings.Repeat("y", 100) + "\nlast"
	r := bufio.NewReaderSize(strings.NewReader(in), 16)
	type got struct {
		line string
		err  error
	}
	var out []got
	for {
		line, err := readLine(r, 100)
		out = append(out, got{string(line), err})
		if err != nil && !errors.Is(err, errLineTooLong) {
			break
		}
	}
	assert.Equal(t, []got{
		{"a", nil},
		{"", errLineTooLong},
		{"b", nil},
		{"", nil},
		{strings.Repeat("y", 100), nil},
		{"last", io.EOF},
	}, out)
}
