package conf

import (
	"math"
	"os"
	"strconv"
	"strings"
	"time"
)

// bare parses an unquoted value: everything up to a blank, line end, ',',
// ';', ']' or '}'. Backslash escapes are decoded as in double-quoted
// strings, and a value containing one is always a string. Otherwise the text
// is classified: a $variable reference, a boolean, a number (with an
// optional size suffix), a Zulu datetime, or else a string.
func (p *parser) bare() (*Value, error) {
	pos := p.pos()
	start, seg := p.off, p.off
	var sb strings.Builder
	escaped := false
	for c := p.ch(); !isBareTerm(c); c = p.ch() {
		if c == '\\' {
			escaped = true
			sb.WriteString(p.src[seg:p.off])
			if err := p.escape(&sb); err != nil {
				return nil, err
			}
			seg = p.off
			continue
		}
		p.adv()
	}
	if escaped {
		sb.WriteString(p.src[seg:p.off])
		return scalar(KindString, pos, sb.String()), nil
	}
	tok := p.src[start:p.off]
	if tok == "" {
		return nil, p.errf(pos, "unexpected %s: expected a value", p.describe())
	}
	return p.classify(tok, pos)
}

// classify turns the text of an unquoted, unescaped value into a value.
func (p *parser) classify(tok string, pos Pos) (*Value, error) {
	if tok[0] == '$' {
		return p.variable(tok[1:], pos)
	}
	for _, w := range [...]string{"true", "yes", "on"} {
		if strings.EqualFold(tok, w) {
			return &Value{Kind: KindBool, Pos: pos, Bool: true, size: 1}, nil
		}
	}
	for _, w := range [...]string{"false", "no", "off"} {
		if strings.EqualFold(tok, w) {
			return &Value{Kind: KindBool, Pos: pos, size: 1}, nil
		}
	}
	switch c := tok[0]; {
	case isDigit(c), c == '-':
		return p.number(tok, pos)
	case c == '.' && len(tok) > 1 && isDigit(tok[1]):
		return nil, p.errf(pos, "invalid number %q: floats must start with a digit", tok)
	}
	return scalar(KindString, pos, tok), nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// digits returns the length of the run of ASCII digits at the start of s.
func digits(s string) int {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return i
}

// sizeSuffixes maps lower-cased size suffixes to multipliers: a bare letter
// is a power of 1000, the letter followed by "b", "i" or "ib" a power of
// 1024 (so 1k = 1000 and 1kb = 1KiB = 1024).
var sizeSuffixes = func() map[string]int64 {
	m := make(map[string]int64)
	dec, bin := int64(1), int64(1)
	for _, l := range "kmgtpe" {
		dec *= 1000
		bin *= 1024
		s := string(l)
		m[s] = dec
		m[s+"b"], m[s+"i"], m[s+"ib"] = bin, bin, bin
	}
	return m
}()

// isSizeLetter reports the letters that start a size suffix.
func isSizeLetter(c byte) bool {
	return strings.IndexByte("kKmMgGtTpPeE", c) >= 0
}

// number classifies a token starting with a digit or '-': an integer, a
// sized integer (10k, 64MB, 1GiB), a float (1.5), a datetime
// (1979-05-27T07:32:00Z), or, if it is none of these, a string (so
// 127.0.0.1:4222, 10s and 1h30m stay strings, but 2m is 2000000).
func (p *parser) number(tok string, pos Pos) (*Value, error) {
	body := tok
	if tok[0] == '-' {
		body = tok[1:]
		if body == "" || !isDigit(body[0]) {
			return nil, p.errf(pos, "invalid value %q: expected a digit after '-' (quote strings starting with '-')", tok)
		}
	}
	n := digits(body)
	rest := body[n:]
	intPart := tok[:len(tok)-len(rest)]
	switch {
	case rest == "":
		i, err := p.parseInt(intPart, tok, pos)
		if err != nil {
			return nil, err
		}
		return &Value{Kind: KindInt, Pos: pos, Int: i, size: 1}, nil
	case isZulu(tok):
		t, err := time.Parse("2006-01-02T15:04:05Z", tok)
		if err != nil {
			return nil, p.errf(pos, "invalid datetime %q: %v", tok, err)
		}
		return &Value{Kind: KindTime, Pos: pos, Time: t, size: 1}, nil
	case rest[0] == '.' && len(rest) > 1 && digits(rest[1:]) == len(rest)-1:
		f, err := strconv.ParseFloat(tok, 64)
		if err != nil || math.IsInf(f, 0) {
			return nil, p.errf(pos, "float %q is out of range", tok)
		}
		return &Value{Kind: KindFloat, Pos: pos, Float: f, size: 1}, nil
	case isSizeLetter(rest[0]) && strings.Trim(rest[1:], "bBiI") == "":
		mult, ok := sizeSuffixes[strings.ToLower(rest)]
		if !ok {
			return nil, p.errf(pos, "invalid size suffix %q in %q", rest, tok)
		}
		i, err := p.parseInt(intPart, tok, pos)
		if err != nil {
			return nil, err
		}
		if (i > 0 && i > math.MaxInt64/mult) || (i < 0 && i < math.MinInt64/mult) {
			return nil, p.errf(pos, "integer %q is out of range", tok)
		}
		return &Value{Kind: KindInt, Pos: pos, Int: i * mult, size: 1}, nil
	}
	return scalar(KindString, pos, tok), nil
}

func (p *parser) parseInt(s, tok string, pos Pos) (int64, error) {
	i, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, p.errf(pos, "integer %q is out of range", tok)
	}
	return i, nil
}

// isZulu reports whether s has the form YYYY-MM-DDTHH:MM:SSZ.
func isZulu(s string) bool {
	const layout = "0000-00-00T00:00:00Z"
	if len(s) != len(layout) {
		return false
	}
	for i := range len(layout) {
		if layout[i] == '0' {
			if !isDigit(s[i]) {
				return false
			}
		} else if s[i] != layout[i] {
			return false
		}
	}
	return true
}

// bcryptPrefix marks a bcrypt hash written unquoted ($2a$11$...): it is a
// string, not a variable reference.
const bcryptPrefix = "2a$"

// variable resolves a $name reference: the innermost enclosing map (at the
// same or an outer level) that already defines name, else the environment
// variable name, whose text is parsed as a value. Anything else is an error.
func (p *parser) variable(name string, pos Pos) (*Value, error) {
	if strings.HasPrefix(name, bcryptPrefix) {
		return scalar(KindString, pos, "$"+name), nil
	}
	if strings.HasPrefix(name, "{") {
		return nil, p.errf(pos, "variable reference \"${...}\" is not supported: write $NAME")
	}
	if name == "" {
		return nil, p.errf(pos, "variable reference '$' has no name")
	}
	for i := len(p.scopes) - 1; i >= 0; i-- {
		if v, ok := p.scopes[i].Get(name); ok {
			p.scopes[i].markVariable(name)
			cp := *v
			cp.Pos = pos
			return &cp, nil
		}
	}
	env, ok := os.LookupEnv(name)
	if !ok {
		return nil, p.errf(pos, "variable reference $%s can not be found", name)
	}
	return p.envValue(name, env, pos)
}

// envValue parses the text of environment variable name the way a value
// in the configuration would be parsed.
func (p *parser) envValue(name, text string, pos Pos) (*Value, error) {
	if strings.TrimSpace(text) == "" {
		return scalar(KindString, pos, ""), nil
	}
	st := p.st
	if st.nest >= maxIncludeDepth {
		return nil, p.errf(pos, "variable $%s: environment variables nested more than %d deep", name, maxIncludeDepth)
	}
	st.nest++
	defer func() { st.nest-- }()
	sub := st.newParser(text, "$"+name, ".")
	sub.scopes = []*Map{newMap()}
	wrap := func(err error) error {
		msg := err.Error()
		if e, ok := err.(*Error); ok {
			msg = e.Pos.String() + ": " + e.Msg
		}
		return &Error{Pos: pos, Msg: "variable $" + name + ": cannot parse environment value: " + msg, Err: err}
	}
	sub.skipBlank()
	v, err := sub.value()
	if err != nil {
		return nil, wrap(err)
	}
	sub.skipBlank()
	if sub.ch() != eof {
		return nil, wrap(sub.errf(sub.pos(), "unexpected %s after value", sub.describe()))
	}
	cp := *v
	cp.Pos = pos
	return &cp, nil
}
