// Package compare holds the logic of eddy compare, with no I/O: the matrix
// of implementations × parameter values × seeds, the order its runs go in,
// the aggregation of their figures per cell (median, minimum and maximum
// over seeds, verdict counts), and the renderings of the outcome (a
// Markdown table, a self-contained HTML page with an SVG plot).
package compare

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Impl is one implementation under comparison: a node binary, eddy test
// flags of its own, and arguments for the binary.
type Impl struct {
	// Name names the implementation in tables, plots and store paths.
	Name string `json:"name"`
	// Command is the command as given: BIN [FLAGS...] [-- NODE-ARGS...].
	Command string `json:"command"`
	// Bin is the node binary.
	Bin string `json:"bin"`
	// Flags are eddy test flags that apply to this implementation only,
	// such as --topology tree4.
	Flags []string `json:"flags,omitempty"`
	// NodeArgs are the arguments the binary is started with.
	NodeArgs []string `json:"node-args,omitempty"`
}

// namePattern is what an implementation's name may look like: it becomes
// part of a directory name.
var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]*$`)

// ParseImpl reads an implementation given as NAME=COMMAND, where COMMAND is
// BIN [EDDY-TEST-FLAGS...] [-- NODE-ARGS...], split into words as a shell
// would (quotes and backslashes, no expansion).
func ParseImpl(s string) (Impl, error) {
	name, command, ok := strings.Cut(s, "=")
	name = strings.TrimSpace(name)
	if !ok || name == "" {
		return Impl{}, fmt.Errorf("--impl %q: expected NAME=BIN [FLAGS...] [-- NODE-ARGS...]", s)
	}
	if !namePattern.MatchString(name) {
		return Impl{}, fmt.Errorf("--impl %q: the name %q may hold only letters, digits and . _ + - (and must not start with one of those signs)", s, name)
	}
	words, err := SplitWords(command)
	if err != nil {
		return Impl{}, fmt.Errorf("--impl %s: %v", name, err)
	}
	if len(words) == 0 || words[0] == "--" {
		return Impl{}, fmt.Errorf("--impl %s: no binary given (expected NAME=BIN [FLAGS...] [-- NODE-ARGS...])", name)
	}
	im := Impl{Name: name, Command: strings.TrimSpace(command), Bin: words[0]}
	rest := words[1:]
	for i, w := range rest {
		if w == "--" {
			im.Flags = rest[:i]
			im.NodeArgs = rest[i+1:]
			return im, nil
		}
	}
	im.Flags = rest
	return im, nil
}

// SplitWords splits a command line into words as a POSIX shell does, without
// expanding anything: blanks separate words, '…' quotes literally, "…"
// quotes with \ escaping " \ $ and `, and \ outside quotes escapes the next
// character.
func SplitWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '\'':
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return nil, errors.New("unterminated ' quote")
			}
			cur.WriteString(s[i+1 : i+1+end])
			i += end + 1
			inWord = true
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`", s[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, errors.New(`unterminated " quote`)
			}
			inWord = true
		case c == '\\':
			if i+1 >= len(s) {
				return nil, errors.New("a trailing backslash escapes nothing")
			}
			i++
			cur.WriteByte(s[i])
			inWord = true
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// QuoteWords joins words into a command line that SplitWords (and a shell)
// reads back as the same words.
func QuoteWords(words []string) string {
	out := make([]string, len(words))
	for i, w := range words {
		if w != "" && strings.Trim(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=./,:+@%") == "" {
			out[i] = w
			continue
		}
		out[i] = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
	}
	return strings.Join(out, " ")
}

// Param is one axis of the matrix: an eddy test flag (without dashes) and
// the values it takes. A parameter with one value is a setting shared by
// every run.
type Param struct {
	Flag   string   `json:"flag"`
	Values []string `json:"values"`
}

// Spec is a whole comparison.
type Spec struct {
	Impls []Impl `json:"impls"`
	// Params are the parameters in the order given; the first varies
	// slowest.
	Params []Param `json:"params"`
	// Fixed are eddy test flags passed to every run as given, for flags
	// whose values are lists themselves (--nodes a,b).
	Fixed []string `json:"fixed,omitempty"`
	// Seeds are the seeds every implementation runs every cell with.
	Seeds []uint64 `json:"seeds"`
}

// MaxSeeds is the most seeds --seeds N may ask for.
const MaxSeeds = 10_000

// ParseSeeds reads --seeds: a count N (seeds 1…N, at most MaxSeeds) or a
// comma-separated list of seeds (3,9,27), which must not repeat.
func ParseSeeds(v string) ([]uint64, error) {
	v = strings.TrimSpace(v)
	if !strings.Contains(v, ",") {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("--seeds must be a count of at least 1 or a comma-separated list of seeds, got %q", v)
		}
		if n > MaxSeeds {
			return nil, fmt.Errorf("--seeds %d is more runs per cell than eddy compare makes (at most %d)", n, MaxSeeds)
		}
		seeds := make([]uint64, n)
		for i := range seeds {
			seeds[i] = uint64(i + 1)
		}
		return seeds, nil
	}
	var seeds []uint64
	seen := map[uint64]bool{}
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		s, err := strconv.ParseUint(part, 10, 63)
		if err != nil {
			return nil, fmt.Errorf("--seeds: %q is not a non-negative integer", part)
		}
		if seen[s] {
			return nil, fmt.Errorf("--seeds: seed %d is given twice", s)
		}
		seen[s] = true
		seeds = append(seeds, s)
	}
	if len(seeds) == 0 {
		return nil, fmt.Errorf("--seeds %q holds no seed", v)
	}
	return seeds, nil
}

// Check reports what is wrong with a spec as a whole: no implementation,
// two with one name, no seed, a parameter without values or given twice.
func (s Spec) Check() error {
	if len(s.Impls) == 0 {
		return errors.New("no implementation given (--impl NAME=BIN [FLAGS...] [-- NODE-ARGS...], at least one)")
	}
	names := map[string]bool{}
	for _, im := range s.Impls {
		if names[im.Name] {
			return fmt.Errorf("two implementations are named %q", im.Name)
		}
		names[im.Name] = true
	}
	if len(s.Seeds) == 0 {
		return errors.New("no seed given (--seeds)")
	}
	flags := map[string]bool{}
	for _, p := range s.Params {
		if len(p.Values) == 0 {
			return fmt.Errorf("--%s has no value", p.Flag)
		}
		if flags[p.Flag] {
			return fmt.Errorf("--%s is given as two parameters", p.Flag)
		}
		flags[p.Flag] = true
		seen := map[string]bool{}
		for _, v := range p.Values {
			if seen[v] {
				return fmt.Errorf("--%s lists the value %q twice", p.Flag, v)
			}
			seen[v] = true
		}
	}
	return nil
}

// Setting is one flag's value in a cell.
type Setting struct {
	Flag  string `json:"flag"`
	Value string `json:"value"`
}

// Arg is the setting as one command-line argument, --flag=value.
func (s Setting) Arg() string { return "--" + s.Flag + "=" + s.Value }

// Cell is one combination of parameter values.
type Cell struct {
	// Index is the cell's position in Cells, from 0.
	Index int `json:"index"`
	// Settings hold one value of every parameter, in the spec's order.
	Settings []Setting `json:"settings"`
	// Label names the cell by the parameters that vary between cells,
	// e.g. "node-count=25 latency=100"; "all" when none varies.
	Label string `json:"label"`
}

// Args are the cell's settings as command-line arguments.
func (c Cell) Args() []string {
	args := make([]string, len(c.Settings))
	for i, s := range c.Settings {
		args[i] = s.Arg()
	}
	return args
}

// Cells expands the parameters into every combination of their values: the
// first parameter varies slowest, each parameter's values in their order.
func (s Spec) Cells() []Cell {
	cells := []Cell{{}}
	for _, p := range s.Params {
		var next []Cell
		for _, c := range cells {
			for _, v := range p.Values {
				settings := append(append([]Setting(nil), c.Settings...), Setting{p.Flag, v})
				next = append(next, Cell{Settings: settings})
			}
		}
		cells = next
	}
	for i := range cells {
		cells[i].Index = i
		var parts []string
		for j, st := range cells[i].Settings {
			if len(s.Params[j].Values) > 1 {
				parts = append(parts, st.Flag+"="+st.Value)
			}
		}
		cells[i].Label = strings.Join(parts, " ")
		if cells[i].Label == "" {
			cells[i].Label = "all"
		}
	}
	return cells
}

// Shared are the settings common to every cell: the parameters with one
// value.
func (s Spec) Shared() []Setting {
	var out []Setting
	for _, p := range s.Params {
		if len(p.Values) == 1 {
			out = append(out, Setting{p.Flag, p.Values[0]})
		}
	}
	return out
}

// Planned is one run of the matrix.
type Planned struct {
	// Index is the run's position in Plan, from 0.
	Index int
	Impl  Impl
	Cell  Cell
	Seed  uint64
}

// Plan lists every run in the order they go: cell by cell, within a cell
// seed by seed, and for each seed every implementation in turn. The runs an
// implementation is compared by therefore share their seed, and follow one
// another closely, so a machine that slows down over time weighs on every
// implementation alike.
func (s Spec) Plan() []Planned {
	var out []Planned
	for _, c := range s.Cells() {
		for _, seed := range s.Seeds {
			for _, im := range s.Impls {
				out = append(out, Planned{Index: len(out), Impl: im, Cell: c, Seed: seed})
			}
		}
	}
	return out
}
