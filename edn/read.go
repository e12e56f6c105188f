package edn

import (
	"bytes"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Symbol is an EDN symbol such as foo or java.lang.Object, written bare; in
// JSON it is a string.
type Symbol string

// MaxDepth is how deeply Parse lets forms nest (collections, tagged values,
// metadata, discards and the innermost atom all count) before it gives up
// with an error. It is above the 10,000 levels encoding/json accepts, so that
// any value a node can send, once wrapped in a history op (a few levels),
// reads back.
const MaxDepth = 11000

// SyntaxError is the error Parse returns for text that is not EDN. Line and
// Column are 1-based; Column counts characters, not bytes.
type SyntaxError struct {
	Line, Column int
	Msg          string
}

// Error gives the position and the problem on one line, as in
// "line 3, column 14: unterminated string".
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Msg)
}

// Parse reads exactly one EDN value from data (surrounding whitespace and
// comments allowed).
//
// Maps become *Map with their keys in file order, vectors and lists []any,
// sets Set, keywords Keyword (without the colon), symbols Symbol, strings
// and characters string, integers int64 (*big.Int when they overflow or
// carry the N suffix), and floats, M-suffixed decimals and ratios float64.
// #inst and #uuid become their string; any other tagged value, including a
// Clojure record such as #jepsen.history.Op{...} and #object[...], becomes
// the value with its tag dropped. Metadata (^{...} or ^:kw before a form) and
// #_ discarded forms are skipped. A key repeated in a map keeps its first
// position and its last value (text written by an older eddy may hold such
// maps; Clojure's reader would refuse them); sets keep what the text holds.
func Parse(data []byte) (any, error) {
	p := &parser{src: data}
	if !utf8.Valid(data) {
		i := 0
		for i < len(data) {
			r, n := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			i += n
		}
		return nil, p.errAt(i, "invalid UTF-8")
	}
	if bytes.HasPrefix(data, []byte(bom)) {
		p.pos = len(bom)
	}
	v, err := p.read()
	if err != nil {
		return nil, err
	}
	if err := p.skip(); err != nil {
		return nil, err
	}
	if p.pos < len(p.src) {
		return nil, p.errAt(p.pos, "unexpected "+p.describe(p.pos)+" after the value")
	}
	return v, nil
}

// bom is the byte order mark, skipped at the start of the text only.
const bom = "\uFEFF"

type parser struct {
	src   []byte
	pos   int
	depth int
}

// errAt builds a SyntaxError for byte offset off.
func (p *parser) errAt(off int, msg string) error {
	line, col := 1, 1
	for _, r := range string(p.src[:off]) {
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return &SyntaxError{Line: line, Column: col, Msg: msg}
}

// clip shortens s for an error message and escapes anything unprintable.
func clip(s string) string {
	const most = 40
	var b strings.Builder
	for i, r := range []rune(s) {
		if i == most {
			b.WriteString("...")
			break
		}
		if unicode.IsPrint(r) {
			b.WriteRune(r)
		} else {
			b.WriteString(strings.Trim(strconv.QuoteRune(r), "'"))
		}
	}
	return b.String()
}

// describe names the character at offset off for an error message, quoted.
func (p *parser) describe(off int) string {
	r, _ := utf8.DecodeRune(p.src[off:])
	return strconv.QuoteRune(r)
}

// bare is the character at offset off as text for an error message: itself
// when printable, otherwise escaped.
func (p *parser) bare(off int) string {
	r, _ := utf8.DecodeRune(p.src[off:])
	if unicode.IsPrint(r) && r != ' ' {
		return string(r)
	}
	return strings.Trim(strconv.QuoteRune(r), "'")
}

func isSpace(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '\f', '\v', ',':
		return true
	}
	return false
}

// isDelim reports whether c ends a token (symbol, keyword, number or
// character name).
func isDelim(c byte) bool {
	if c < ' ' || c == 0x7f || isSpace(c) {
		return true
	}
	switch c {
	case '"', ';', '(', ')', '[', ']', '{', '}', '\\', '^', '@', '~', '`':
		return true
	}
	return false
}

// token returns the run of token characters starting at p.pos and moves
// past it.
func (p *parser) token() string {
	start := p.pos
	for p.pos < len(p.src) && !isDelim(p.src[p.pos]) {
		p.pos++
	}
	return string(p.src[start:p.pos])
}

// skip moves past whitespace, commas, comments and #_ discarded forms.
func (p *parser) skip() error {
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case isSpace(c):
			p.pos++
		case c == ';' || (c == '#' && p.peek(1) == '!'):
			for p.pos < len(p.src) && p.src[p.pos] != '\n' {
				p.pos++
			}
		case c == '#' && p.peek(1) == '_':
			p.pos += 2
			if _, err := p.read(); err != nil {
				return err
			}
		default:
			return nil
		}
	}
	return nil
}

// peek returns the byte i places after p.pos, or 0 past the end.
func (p *parser) peek(i int) byte {
	if p.pos+i < len(p.src) {
		return p.src[p.pos+i]
	}
	return 0
}

// read reads one form, skipping anything ignorable before it.
func (p *parser) read() (any, error) {
	if p.depth >= MaxDepth {
		return nil, p.errAt(p.pos, fmt.Sprintf("nesting deeper than %d", MaxDepth))
	}
	p.depth++
	defer func() { p.depth-- }()
	if err := p.skip(); err != nil {
		return nil, err
	}
	if p.pos >= len(p.src) {
		return nil, p.errAt(p.pos, "unexpected end of input")
	}

	start := p.pos
	switch c := p.src[p.pos]; c {
	case '[':
		p.pos++
		return p.seq(start, ']', "vector")
	case '(':
		p.pos++
		return p.seq(start, ')', "list")
	case '{':
		p.pos++
		return p.mapBody(start, "")
	case ')', ']', '}':
		return nil, p.errAt(start, "unexpected "+p.describe(start))
	case '"':
		p.pos++
		return p.str(start)
	case ':':
		p.pos++
		name := p.token()
		if !keywordName(name) {
			return nil, p.errAt(start, "invalid keyword :"+clip(name))
		}
		return Keyword(name), nil
	case '\\':
		p.pos++
		return p.char(start)
	case '^':
		p.pos++
		return p.meta()
	case '#':
		p.pos++
		return p.dispatch(start)
	case '\'', '@', '~', '`':
		return nil, p.errAt(start, "unsupported reader macro "+p.bare(start))
	}
	if isDelim(p.src[start]) || bytes.HasPrefix(p.src[start:], []byte(bom)) {
		return nil, p.errAt(start, "unexpected character "+p.describe(start))
	}
	tok := p.token()
	v, err := atom(tok)
	if err != nil {
		return nil, p.errAt(start, err.Error())
	}
	return v, nil
}

// seq reads forms up to the closing byte end of the collection opened at
// offset open.
func (p *parser) seq(open int, end byte, kind string) ([]any, error) {
	out := []any{}
	for {
		if err := p.skip(); err != nil {
			return nil, err
		}
		if p.pos >= len(p.src) {
			return nil, p.errAt(open, "unterminated "+kind)
		}
		switch c := p.src[p.pos]; c {
		case end:
			p.pos++
			return out, nil
		case ')', ']', '}':
			return nil, p.errAt(p.pos, fmt.Sprintf("unexpected %c, expected %c to close the %s", c, end, kind))
		}
		v, err := p.read()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
}

// mapBody reads the entries of a map whose { is at offset open. Unless ns
// is empty, keys are qualified with it as in #:ns{...}.
func (p *parser) mapBody(open int, ns string) (*Map, error) {
	var xs []any
	for {
		if err := p.skip(); err != nil {
			return nil, err
		}
		if p.pos >= len(p.src) {
			return nil, p.errAt(open, "unterminated map")
		}
		if c := p.src[p.pos]; c == '}' {
			p.pos++
			break
		} else if c == ')' || c == ']' {
			return nil, p.errAt(p.pos, fmt.Sprintf("unexpected %c, expected } to close the map", c))
		}
		isKey := len(xs)%2 == 0
		v, err := p.read()
		if err != nil {
			return nil, err
		}
		if isKey && ns != "" {
			v = qualify(ns, v)
		}
		xs = append(xs, v)
	}
	if len(xs)%2 != 0 {
		return nil, p.errAt(open, "map has a key with no value")
	}
	return buildMap(xs), nil
}

// buildMap makes a map of alternating keys and values; a repeated key keeps
// its first position and its last value.
func buildMap(xs []any) *Map {
	m := &Map{keys: make([]any, 0, len(xs)/2), vals: make([]any, 0, len(xs)/2)}
	var seen map[string]int
	if len(xs) > 2 {
		seen = make(map[string]int, len(xs)/2)
	}
	for i := 0; i < len(xs); i += 2 {
		if seen != nil {
			s := String(xs[i])
			if at, ok := seen[s]; ok {
				m.vals[at] = xs[i+1]
				continue
			}
			seen[s] = len(m.keys)
		}
		m.keys = append(m.keys, xs[i])
		m.vals = append(m.vals, xs[i+1])
	}
	return m
}

// str reads a string whose opening quote is at offset open.
func (p *parser) str(open int) (string, error) {
	start := p.pos
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case '"':
			s := string(p.src[start:p.pos])
			p.pos++
			return s, nil
		case '\\':
			return p.strEscaped(open, start)
		}
		p.pos++
	}
	return "", p.errAt(open, "unterminated string")
}

// strEscaped finishes a string that has escapes; its text starts at start.
func (p *parser) strEscaped(open, start int) (string, error) {
	var b strings.Builder
	b.Write(p.src[start:p.pos])
	var high rune // a pending \u escape for the first half of a surrogate pair
	flush := func() {
		if high != 0 {
			b.WriteRune(utf8.RuneError)
			high = 0
		}
	}
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if c == '"' {
			flush()
			p.pos++
			return b.String(), nil
		}
		if c != '\\' {
			flush()
			b.WriteByte(c)
			p.pos++
			continue
		}
		esc := p.pos
		p.pos++
		if p.pos >= len(p.src) {
			break
		}
		e := p.src[p.pos]
		p.pos++
		if e == 'u' {
			r, ok := p.hex4()
			if !ok {
				return "", p.errAt(esc, "invalid \\u escape in string")
			}
			switch {
			case r >= 0xD800 && r < 0xDC00:
				flush()
				high = r
			case r >= 0xDC00 && r < 0xE000 && high != 0:
				b.WriteRune(0x10000 + (high-0xD800)<<10 + (r - 0xDC00))
				high = 0
			default:
				flush()
				b.WriteRune(r) // a lone low surrogate is written as U+FFFD
			}
			continue
		}
		flush()
		switch e {
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'n':
			b.WriteByte('\n')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case '\\', '"':
			b.WriteByte(e)
		case '0', '1', '2', '3', '4', '5', '6', '7':
			r := rune(e - '0')
			for k := 0; k < 2 && p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '7'; k++ {
				r = r*8 + rune(p.src[p.pos]-'0')
				p.pos++
			}
			if r > 0377 {
				return "", p.errAt(esc, "octal escape out of range in string")
			}
			b.WriteRune(r)
		default:
			p.pos = esc + 1
			return "", p.errAt(esc, "unsupported escape \\"+p.bare(esc+1)+" in string")
		}
	}
	return "", p.errAt(open, "unterminated string")
}

// hex4 reads four hex digits at p.pos.
func (p *parser) hex4() (rune, bool) {
	if p.pos+4 > len(p.src) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(p.src[p.pos:p.pos+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	p.pos += 4
	return rune(n), true
}

// charNames are the named character literals.
var charNames = map[string]string{
	"newline":   "\n",
	"space":     " ",
	"tab":       "\t",
	"return":    "\r",
	"backspace": "\b",
	"formfeed":  "\f",
}

// char reads a character literal whose backslash is at offset open.
func (p *parser) char(open int) (string, error) {
	if p.pos >= len(p.src) {
		return "", p.errAt(open, "unexpected end of input after \\")
	}
	_, n := utf8.DecodeRune(p.src[p.pos:])
	p.pos += n
	tok := string(p.src[p.pos-n:p.pos]) + p.token()
	if utf8.RuneCountInString(tok) == 1 {
		return tok, nil
	}
	if s, ok := charNames[tok]; ok {
		return s, nil
	}
	if len(tok) == 5 && tok[0] == 'u' {
		if n, err := strconv.ParseUint(tok[1:], 16, 32); err == nil {
			return string(rune(n)), nil // surrogates become U+FFFD
		}
	}
	if len(tok) >= 2 && len(tok) <= 4 && tok[0] == 'o' {
		if n, err := strconv.ParseUint(tok[1:], 8, 32); err == nil && n <= 0377 {
			return string(rune(n)), nil
		}
	}
	return "", p.errAt(open, "unsupported character "+clip(strconv.Quote("\\"+tok)))
}

// meta reads metadata and the form it is attached to, returning the form.
func (p *parser) meta() (any, error) {
	if _, err := p.read(); err != nil {
		return nil, err
	}
	return p.read()
}

// dispatch reads a form that starts with #, whose offset is hash.
func (p *parser) dispatch(hash int) (any, error) {
	if p.pos >= len(p.src) {
		return nil, p.errAt(hash, "unexpected end of input after #")
	}
	switch c := p.src[p.pos]; c {
	case '{':
		p.pos++
		xs, err := p.seq(hash, '}', "set")
		return Set(xs), err
	case '#':
		p.pos++
		tok := p.token()
		switch tok {
		case "Inf":
			return math.Inf(1), nil
		case "-Inf":
			return math.Inf(-1), nil
		case "NaN":
			return math.NaN(), nil
		}
		return nil, p.errAt(hash, "unknown symbolic value ##"+clip(tok))
	case '^':
		p.pos++
		return p.meta()
	case '"':
		return p.regex(hash)
	case '\'':
		p.pos++
		v, err := p.read()
		if err != nil {
			return nil, err
		}
		if _, ok := v.(Symbol); !ok {
			return nil, p.errAt(hash, "#' needs a symbol")
		}
		return v, nil
	case ':':
		return p.namespacedMap(hash)
	}
	if isDelim(p.src[p.pos]) {
		return nil, p.errAt(hash, "unsupported reader macro #"+p.bare(p.pos))
	}
	tag := p.token()
	if c := tag[0]; c == '_' || c == '!' || c == '?' || c == '=' || c == '<' || c == '\'' || (c >= '0' && c <= '9') {
		return nil, p.errAt(hash, "unsupported reader macro #"+tag[:1])
	}
	v, err := p.read()
	if err != nil {
		return nil, err
	}
	if tag == "inst" || tag == "uuid" {
		if _, ok := v.(string); !ok {
			return nil, p.errAt(hash, "#"+tag+" needs a string")
		}
	}
	return v, nil
}

// regex reads a Clojure regular expression literal #"..." as the string of
// its pattern; backslashes are kept as written.
func (p *parser) regex(hash int) (string, error) {
	p.pos++
	start := p.pos
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case '"':
			s := string(p.src[start:p.pos])
			p.pos++
			return s, nil
		case '\\':
			p.pos++
		}
		p.pos++
	}
	return "", p.errAt(hash, "unterminated regular expression")
}

// namespacedMap reads #:ns{...}, giving each keyword or symbol key without
// a namespace the namespace ns (and taking it away from keys in _).
func (p *parser) namespacedMap(hash int) (*Map, error) {
	p.pos++
	ns := p.token()
	if !symbolText(ns) || strings.Contains(ns, "/") {
		return nil, p.errAt(hash, "invalid namespaced map prefix #:"+clip(ns))
	}
	if err := p.skip(); err != nil {
		return nil, err
	}
	if p.pos >= len(p.src) || p.src[p.pos] != '{' {
		return nil, p.errAt(hash, "namespaced map #:"+ns+" needs a map")
	}
	p.pos++
	return p.mapBody(p.pos-1, ns)
}

func qualify(ns string, k any) any {
	switch x := k.(type) {
	case Keyword:
		if s, ok := strings.CutPrefix(string(x), "_/"); ok {
			if keywordName(s) {
				return Keyword(s)
			}
		} else if !strings.Contains(string(x), "/") {
			return Keyword(ns + "/" + string(x))
		}
	case Symbol:
		if s, ok := strings.CutPrefix(string(x), "_/"); ok {
			if symbolText(s) {
				return Symbol(s)
			}
		} else if !strings.Contains(string(x), "/") {
			return Symbol(ns + "/" + string(x))
		}
	}
	return k
}

// keywordName reports whether name, written after a colon, reads back as
// the same keyword.
func keywordName(name string) bool {
	return name != "" && name[0] != ':' && !strings.HasSuffix(name, "/")
}

// symbolText reports whether s, written bare, reads back as the same
// symbol.
func symbolText(s string) bool {
	if s == "" || strings.IndexByte("#:'", s[0]) >= 0 || strings.HasPrefix(s, bom) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if isDelim(s[i]) {
			return false
		}
	}
	v, err := atom(s)
	_, ok := v.(Symbol)
	return err == nil && ok
}

// atom turns a bare token into nil, a boolean, a number or a symbol.
func atom(tok string) (any, error) {
	switch tok {
	case "nil":
		return nil, nil
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	digits := tok
	if tok[0] == '+' || tok[0] == '-' {
		digits = tok[1:]
	}
	if digits == "" || digits[0] < '0' || digits[0] > '9' {
		return Symbol(tok), nil
	}
	v, ok := readNumber(tok[:len(tok)-len(digits)] == "-", digits)
	if !ok {
		return nil, fmt.Errorf("invalid number %s", clip(tok))
	}
	return v, nil
}

// readNumber parses the unsigned text s of a number (which starts with a digit)
// in any of Clojure's forms: decimal, hex, octal or radix integers with an
// optional N, floats with an optional M, and ratios.
func readNumber(neg bool, s string) (any, bool) {
	sign := ""
	if neg {
		sign = "-"
	}
	if num, den, ok := strings.Cut(s, "/"); ok {
		if !allIn(num, 10) || !allIn(den, 10) {
			return nil, false
		}
		r, ok := new(big.Rat).SetString(sign + num + "/" + den)
		if !ok { // a zero denominator
			return nil, false
		}
		f, _ := r.Float64()
		return f, true
	}
	if strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X") {
		return readInteger(sign, s[2:], 16)
	}
	if i := strings.IndexAny(s, "rR"); i == 1 || i == 2 {
		base, err := strconv.Atoi(s[:i])
		if err != nil || s[0] == '0' || base < 2 || base > 36 || !allIn(s[i+1:], base) {
			return nil, false
		}
		b, _ := new(big.Int).SetString(sign+s[i+1:], base)
		return small(b), true
	}
	if strings.ContainsAny(s, ".eEM") {
		return readFloat(sign, s)
	}
	if len(strings.TrimSuffix(s, "N")) > 1 && s[0] == '0' {
		return readInteger(sign, s[1:], 8)
	}
	return readInteger(sign, s, 10)
}

// readInteger parses digits in base with an optional N suffix, which makes the
// result a *big.Int.
func readInteger(sign, digits string, base int) (any, bool) {
	digits, isBig := strings.CutSuffix(digits, "N")
	if !allIn(digits, base) {
		return nil, false
	}
	if !isBig {
		if n, err := strconv.ParseInt(sign+digits, base, 64); err == nil {
			return n, true
		}
	}
	b, _ := new(big.Int).SetString(sign+digits, base)
	if isBig {
		return b, true
	}
	return small(b), true
}

// small returns b as an int64 when it fits.
func small(b *big.Int) any {
	if b.IsInt64() {
		return b.Int64()
	}
	return b
}

// allIn reports whether s is a non-empty run of digits in base.
func allIn(s string, base int) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		var d int
		switch {
		case c >= '0' && c <= '9':
			d = int(c - '0')
		case c >= 'a' && c <= 'z':
			d = int(c-'a') + 10
		case c >= 'A' && c <= 'Z':
			d = int(c-'A') + 10
		default:
			return false
		}
		if d >= base {
			return false
		}
	}
	return true
}

// readFloat parses digits[.digits][e[+-]digits][M]; numbers too large for a
// float64 become infinite, as the JVM reads them.
func readFloat(sign, s string) (any, bool) {
	s = strings.TrimSuffix(s, "M")
	i := 0
	digits := func() int {
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i - j
	}
	if digits() == 0 {
		return nil, false
	}
	if i < len(s) && s[i] == '.' {
		i++
		digits()
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return nil, false
		}
	}
	if i != len(s) {
		return nil, false
	}
	f, _ := strconv.ParseFloat(sign+s, 64) // only a range error is possible
	return f, true
}
