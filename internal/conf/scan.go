package conf

import (
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// eof is returned by ch and chAt past the end of the input.
const eof = -1

// ch returns the byte at the cursor, or eof.
func (p *parser) ch() int {
	if p.off >= len(p.src) {
		return eof
	}
	return int(p.src[p.off])
}

// chAt returns the byte n positions after the cursor, or eof.
func (p *parser) chAt(n int) int {
	if p.off+n >= len(p.src) {
		return eof
	}
	return int(p.src[p.off+n])
}

// adv moves the cursor one byte forward, keeping line accounting.
func (p *parser) adv() {
	if p.off >= len(p.src) {
		return
	}
	if p.src[p.off] == '\n' {
		p.line++
		p.lineStart = p.off + 1
	}
	p.off++
}

// pos returns the position of the cursor.
func (p *parser) pos() Pos {
	return Pos{File: p.file, Line: p.line, Col: p.off - p.lineStart + 1}
}

// errf builds an *Error at pos.
func (p *parser) errf(pos Pos, format string, args ...any) error {
	return &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

// isInlineSpace reports blanks that do not end a line.
func isInlineSpace(c int) bool {
	return c == ' ' || c == '\t' || c == '\v' || c == '\f'
}

// isNL reports line terminators ('\r' counts, so CRLF files work).
func isNL(c int) bool { return c == '\n' || c == '\r' }

// isBareTerm reports bytes that end an unquoted value.
func isBareTerm(c int) bool {
	switch c {
	case eof, ' ', '\t', '\n', '\r', ',', ';', ']', '}':
		return true
	}
	return false
}

// isKeyTerm reports bytes that end an unquoted key.
func isKeyTerm(c int) bool {
	switch c {
	case eof, '=', ':', '{', '}', '[', ']', ',', ';', '\n', '\r':
		return true
	}
	return isInlineSpace(c)
}

// describe renders the byte at the cursor for an error message.
func (p *parser) describe() string {
	c := p.ch()
	switch c {
	case eof:
		return "end of input"
	case '\n', '\r':
		return "newline"
	}
	r, _ := utf8.DecodeRuneInString(p.src[p.off:])
	if r == utf8.RuneError {
		return fmt.Sprintf("byte %#02x", c)
	}
	return fmt.Sprintf("%q", r)
}

// skipInline skips spaces and tabs.
func (p *parser) skipInline() {
	for isInlineSpace(p.ch()) {
		p.adv()
	}
}

// skipSpace skips blanks including line ends, but not comments.
func (p *parser) skipSpace() {
	for c := p.ch(); isInlineSpace(c) || isNL(c); c = p.ch() {
		p.adv()
	}
}

// atComment reports whether a comment starts at the cursor.
func (p *parser) atComment() bool {
	c := p.ch()
	return c == '#' || (c == '/' && p.chAt(1) == '/')
}

// skipComment skips a comment up to, not including, the end of its line.
func (p *parser) skipComment() {
	if !p.atComment() {
		return
	}
	for c := p.ch(); c != eof && !isNL(c); c = p.ch() {
		p.adv()
	}
}

// skipBlank skips blanks, line ends and comments.
func (p *parser) skipBlank() {
	for {
		p.skipSpace()
		if !p.atComment() {
			return
		}
		p.skipComment()
	}
}

// quotedRaw reads a string delimited by q with no escape processing; the
// cursor is on the opening quote. what names the construct for errors.
func (p *parser) quotedRaw(q byte, what string) (string, error) {
	start := p.pos()
	p.adv()
	i := strings.IndexByte(p.src[p.off:], q)
	if i < 0 {
		for p.ch() != eof {
			p.adv()
		}
		return "", p.errf(start, "unterminated %s: missing closing %c", what, q)
	}
	s := p.src[p.off : p.off+i]
	for range i + 1 {
		p.adv()
	}
	return s, nil
}

// dqString reads a double-quoted string with escapes; the cursor is on the
// opening quote. Strings may span lines.
func (p *parser) dqString() (string, error) {
	start := p.pos()
	p.adv()
	seg := p.off
	var sb strings.Builder
	escaped := false
	for {
		switch p.ch() {
		case eof:
			return "", p.errf(start, "unterminated string: missing closing '\"'")
		case '"':
			s := p.src[seg:p.off]
			p.adv()
			if escaped {
				sb.WriteString(s)
				return sb.String(), nil
			}
			return s, nil
		case '\\':
			escaped = true
			sb.WriteString(p.src[seg:p.off])
			if err := p.escape(&sb); err != nil {
				return "", err
			}
			seg = p.off
		default:
			p.adv()
		}
	}
}

// escape decodes one backslash escape into sb; the cursor is on the
// backslash. Accepted: \t \n \r \b \f \" \\ \/ \xHH \uHHHH \UHHHHHHHH
// (\u pairs encoding a UTF-16 surrogate pair are combined).
func (p *parser) escape(sb *strings.Builder) error {
	at := p.pos()
	p.adv()
	c := p.ch()
	if c == eof {
		return p.errf(at, "invalid escape at end of input")
	}
	desc := p.describe()
	p.adv()
	switch c {
	case 't':
		sb.WriteByte('\t')
	case 'n':
		sb.WriteByte('\n')
	case 'r':
		sb.WriteByte('\r')
	case 'b':
		sb.WriteByte('\b')
	case 'f':
		sb.WriteByte('\f')
	case '"', '\\', '/':
		sb.WriteByte(byte(c))
	case 'x':
		v, ok := p.hex(2)
		if !ok {
			return p.errf(at, `invalid escape: \x must be followed by two hexadecimal digits`)
		}
		sb.WriteByte(byte(v))
	case 'u', 'U':
		n := 4
		if c == 'U' {
			n = 8
		}
		v, ok := p.hex(n)
		if !ok {
			return p.errf(at, `invalid escape: \%c must be followed by %d hexadecimal digits`, c, n)
		}
		r := rune(v)
		if utf16.IsSurrogate(r) {
			// A high surrogate must be followed by \u and a low one.
			if c != 'u' || r >= 0xDC00 || p.ch() != '\\' || p.chAt(1) != 'u' {
				return p.errf(at, `invalid escape: unpaired surrogate \%c%0*X`, c, n, v)
			}
			p.adv()
			p.adv()
			lo, ok := p.hex(4)
			r = utf16.DecodeRune(r, rune(lo))
			if !ok || r == utf8.RuneError {
				return p.errf(at, `invalid escape: unpaired surrogate \u%04X`, v)
			}
		}
		if !utf8.ValidRune(r) {
			return p.errf(at, `invalid escape: \%c%0*X is not a valid code point`, c, n, v)
		}
		sb.WriteRune(r)
	default:
		return p.errf(at, `invalid escape character %s after '\'; allowed: \t \n \r \b \f \" \\ \/ \xHH \uHHHH \UHHHHHHHH`, desc)
	}
	return nil
}

// hex reads n hexadecimal digits.
func (p *parser) hex(n int) (uint32, bool) {
	var v uint32
	for range n {
		c := p.ch()
		var d int
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		v = v<<4 | uint32(d)
		p.adv()
	}
	return v, true
}

// blockString reads a "( ... )" block: raw text up to a line holding only
// ")". The text starts right after "(" and keeps the line end before ")".
func (p *parser) blockString() (string, error) {
	start := p.pos()
	p.adv()
	from := p.off
	for c := p.ch(); c != eof; c = p.ch() {
		if c == '\n' && p.chAt(1) == ')' {
			after := p.chAt(2)
			if after == eof || after == '\n' || (after == '\r' && p.chAt(3) == '\n') {
				s := p.src[from : p.off+1]
				p.adv()
				p.adv()
				return s, nil
			}
		}
		p.adv()
	}
	return "", p.errf(start, "unterminated block string: missing ')' on a line of its own")
}
