package history

import (
	"bufio"
	"fmt"
	"io"

	"github.com/eddy-workbench/eddy/edn"
)

// ReadEDN reads a history as WriteEDN writes it, one op per line. A line
// that is not an op is an error naming its line number.
func ReadEDN(r io.Reader) ([]Op, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<30)
	var ops []Op
	for n := 1; sc.Scan(); n++ {
		line := sc.Bytes()
		if len(line) == 0 {
			continue
		}
		v, err := edn.Parse(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", n, err)
		}
		op, err := FromEDN(v)
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", n, err)
		}
		ops = append(ops, op)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return ops, nil
}

// FromEDN turns a parsed op map, as Op.EDN renders it, back into an Op.
func FromEDN(v any) (Op, error) {
	m, ok := v.(*edn.Map)
	if !ok {
		return Op{}, fmt.Errorf("an op must be a map, got %s", clip(edn.String(v)))
	}
	var op Op
	// One pass over the entries: Map.Get compares keys by their text.
	fields := make(map[edn.Keyword]any, m.Len())
	m.Each(func(k, v any) {
		if kw, ok := k.(edn.Keyword); ok {
			fields[kw] = v
		}
	})
	get := func(k string) (any, bool) {
		v, ok := fields[edn.Keyword(k)]
		return v, ok
	}
	idx, ok := get("index")
	if op.Index, ok = asInt(idx); !ok {
		return Op{}, fmt.Errorf("op has no integer :index")
	}
	t, _ := get("time")
	if op.Time, ok = asInt64(t); !ok {
		return Op{}, fmt.Errorf("op %d has no integer :time", op.Index)
	}
	typ, _ := get("type")
	switch k, _ := typ.(edn.Keyword); Type(k) {
	case Invoke, OK, Fail, Info:
		op.Type = Type(k)
	default:
		return Op{}, fmt.Errorf("op %d has :type %s, not :invoke, :ok, :fail or :info", op.Index, clip(edn.String(typ)))
	}
	proc, _ := get("process")
	if proc == edn.Keyword("nemesis") {
		op.Process = Nemesis
	} else if op.Process, ok = asInt(proc); !ok {
		return Op{}, fmt.Errorf("op %d has :process %s, not an integer or :nemesis", op.Index, clip(edn.String(proc)))
	}
	f, _ := get("f")
	switch x := f.(type) {
	case edn.Keyword:
		op.F = string(x)
	case string:
		op.F = x
	default:
		return Op{}, fmt.Errorf("op %d has :f %s, not a keyword", op.Index, clip(edn.String(f)))
	}
	op.Value, _ = get("value")
	op.Error, _ = get("error")
	final, _ := get("final?")
	op.Final = final == true
	if exc, ok := get("exception"); ok {
		if em, ok := exc.(*edn.Map); ok {
			msg, _ := em.Get(edn.Keyword("message"))
			op.Exception, _ = msg.(string)
		}
		if op.Exception == "" {
			op.Exception = edn.String(exc)
		}
	}
	return op, nil
}

func asInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int:
		return int64(x), true
	}
	return 0, false
}

func asInt(v any) (int, bool) {
	n, ok := asInt64(v)
	return int(n), ok
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
