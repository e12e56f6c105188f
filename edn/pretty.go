package edn

import (
	"bytes"
	"strings"
)

// PrettyWidth is the line width Pretty aims for. It is the default width of
// fipp, the printer Jepsen uses for results.edn.
const PrettyWidth = 70

// Pretty writes v as EDN laid out like Jepsen's results.edn (fipp.edn's
// pprint). A map, vector or set is written on one line when all of it fits
// within PrettyWidth columns from where it starts; otherwise each entry goes
// on its own line, aligned one column after the opening bracket, and map
// entries keep their ", " separator as a trailing ",". Each key and its value
// share a line. Closing brackets are not counted, so a line can run past the
// width. The result has no trailing newline; with all whitespace outside
// strings collapsed it reads back as exactly what Marshal writes.
func Pretty(v any) []byte {
	var p prettyPrinter
	p.layout(v, 0)
	return p.buf.Bytes()
}

type prettyPrinter struct{ buf bytes.Buffer }

// layout writes v starting at column col and returns the column after it.
func (p *prettyPrinter) layout(v any, col int) int {
	var open string
	var n int
	switch x := v.(type) {
	case *Map:
		open, n = "{", x.Len()
	case []any:
		open, n = "[", len(x)
	case Set:
		open, n = "#{", len(x)
	default:
		s := Marshal(v)
		p.buf.Write(s)
		return advance(col, s)
	}
	flat := Marshal(v)
	if n == 0 || col+textWidth(flat) <= PrettyWidth {
		p.buf.Write(flat)
		return advance(col, flat)
	}
	p.buf.WriteString(open)
	col += len(open)
	align := col
	newline := func(sep string) {
		p.buf.WriteString(sep)
		p.buf.WriteByte('\n')
		p.buf.WriteString(strings.Repeat(" ", align))
		col = align
	}
	switch x := v.(type) {
	case *Map:
		i := 0
		x.Each(func(k, val any) {
			if i > 0 {
				newline(",")
			}
			i++
			col = p.layout(k, col)
			p.buf.WriteByte(' ')
			col = p.layout(val, col+1)
		})
		p.buf.WriteByte('}')
	case []any:
		for i, e := range x {
			if i > 0 {
				newline("")
			}
			col = p.layout(e, col)
		}
		p.buf.WriteByte(']')
	case Set:
		for i, e := range x {
			if i > 0 {
				newline("")
			}
			col = p.layout(e, col)
		}
		p.buf.WriteByte('}')
	}
	return col + 1
}

// advance is the column after writing s at column col. Text with line
// breaks (only possible in Raw) ends at the width of its last line.
func advance(col int, s []byte) int {
	if i := bytes.LastIndexByte(s, '\n'); i >= 0 {
		return textWidth(s[i+1:])
	}
	return col + textWidth(s)
}

// textWidth counts columns as the JVM does: UTF-16 code units.
func textWidth(s []byte) int {
	w := 0
	for _, r := range string(s) {
		w++
		if r >= 0x10000 {
			w++
		}
	}
	return w
}
