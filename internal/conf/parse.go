package conf

import (
	"path/filepath"
	"strings"
)

// Limits that keep any input, however hostile, cheap to parse and to walk.
const (
	// maxNesting bounds how deeply maps and arrays nest, counting nesting
	// brought in through variables.
	maxNesting = 100
	// maxIncludeDepth bounds nested includes and nested environment
	// variable expansions (which are parsed like small documents).
	maxIncludeDepth = 10
	// maxIncludes bounds the number of include directives processed in one
	// parse, over all files.
	maxIncludes = 10000
	// maxValues bounds the number of values in the fully expanded tree,
	// which variables could otherwise make exponential in the input size.
	maxValues = 1 << 20
	// maxFileSize bounds the size of a configuration file.
	maxFileSize = 64 << 20
)

// Parse parses configuration text. It has no file name: positions carry an
// empty File, and include paths are resolved relative to the current
// working directory.
func Parse(data string) (*Map, error) {
	st := newState()
	return st.parseDoc(data, "", ".")
}

// ParseFile reads and parses the configuration file at path. Include paths
// in it are resolved relative to the directory holding it.
func ParseFile(path string) (*Map, error) {
	st := newState()
	data, err := readConfigFile(path)
	if err != nil {
		return nil, &Error{Pos: Pos{File: path}, Msg: err.Error(), Err: err}
	}
	if abs, err := filepath.Abs(path); err == nil {
		st.stack = append(st.stack, abs)
	}
	return st.parseDoc(data, path, filepath.Dir(path))
}

// state is shared by one top-level parse and everything it pulls in.
type state struct {
	nest     int             // current include / env expansion depth
	stack    []string        // absolute paths of files being parsed
	cache    map[string]incl // parsed include files, by absolute path
	includes int             // include directives processed
	merged   int             // keys merged from included files
}

func newState() *state {
	return &state{cache: make(map[string]incl)}
}

// parser reads one document (a file, the Parse input, or an environment
// variable's value).
type parser struct {
	st   *state
	src  string
	file string // for positions
	dir  string // for relative includes

	off, line, lineStart int

	scopes []*Map // enclosing maps, innermost last, for variable lookup
	depth  int    // current map/array nesting
	blocks int    // open top-level "{" wrappers
}

func (st *state) newParser(src, file, dir string) *parser {
	p := &parser{st: st, src: src, file: file, dir: dir, line: 1}
	// A UTF-8 byte order mark is not part of the document.
	if strings.HasPrefix(src, "\uFEFF") {
		p.off, p.lineStart = 3, 3
	}
	return p
}

// parseDoc parses a whole document into its top-level map.
func (st *state) parseDoc(src, file, dir string) (*Map, error) {
	p := st.newParser(src, file, dir)
	root := newMap()
	p.scopes = append(p.scopes, root)
	if err := p.body(root, Pos{}); err != nil {
		return nil, err
	}
	v := &Value{Kind: KindMap, Map: root}
	if err := p.finish(v, Pos{File: file, Line: 1, Col: 1}); err != nil {
		return nil, err
	}
	return root, nil
}

// body parses key/value entries into m until the closing "}" of a map
// (open is the position of its "{"), or until the end of input for the
// top level (open is the zero Pos). At the top level the whole document may
// be wrapped in braces, JSON style, and a stray "}" is tolerated.
func (p *parser) body(m *Map, open Pos) error {
	top := open.Line == 0
	for {
		p.skipBlank()
		switch c := p.ch(); c {
		case eof:
			if !top {
				return p.errf(p.pos(), "unexpected end of input: '{' at %s is not closed", open)
			}
			if p.blocks > 0 {
				return p.errf(p.pos(), "unexpected end of input: %d '{' not closed", p.blocks)
			}
			return nil
		case ',', ';':
			p.adv() // empty entry
			continue
		case '}':
			p.adv()
			if !top {
				return nil
			}
			if p.blocks > 0 {
				p.blocks--
			}
			continue
		case '{':
			if !top {
				return p.errf(p.pos(), "unexpected '{': expected a key")
			}
			p.blocks++
			p.adv()
			continue
		}
		what, err := p.entry(m)
		if err != nil {
			return err
		}
		if err := p.valueEnd(what); err != nil {
			return err
		}
	}
}

// valueEnd checks what follows a value or directive (named by what):
// blanks and a comment, then a line end, ',' ';' '}' or the end of input
// (none consumed but the blanks and comment).
func (p *parser) valueEnd(what string) error {
	p.skipInline()
	p.skipComment()
	switch c := p.ch(); {
	case c == eof, isNL(c), c == ',', c == ';', c == '}':
		return nil
	}
	return p.errf(p.pos(), "unexpected %s after %s: expected a newline, ',', ';' or '}'", p.describe(), what)
}

// entry parses one "key [=|:] value" or include directive into m, and
// says which it was.
func (p *parser) entry(m *Map) (string, error) {
	keyPos := p.pos()
	var key string
	quoted := false
	switch c := p.ch(); c {
	case '"', '\'':
		k, err := p.quotedRaw(byte(c), "quoted key")
		if err != nil {
			return "", err
		}
		key, quoted = k, true
	case '=', ':':
		return "", p.errf(keyPos, "unexpected key separator %q: expected a key", rune(c))
	case '[', ']':
		return "", p.errf(keyPos, "unexpected %q: expected a key", rune(c))
	default:
		start := p.off
		for !isKeyTerm(p.ch()) {
			p.adv()
		}
		key = p.src[start:p.off]
		if key == "" {
			return "", p.errf(keyPos, "unexpected %s: expected a key", p.describe())
		}
	}
	if !quoted && strings.EqualFold(key, "include") {
		if c := p.ch(); isInlineSpace(c) || isNL(c) {
			// "include" followed by a separator is an ordinary key.
			off, line, lineStart := p.off, p.line, p.lineStart
			p.skipSpace()
			sep := p.ch() == '=' || p.ch() == ':'
			p.off, p.line, p.lineStart = off, line, lineStart
			if !sep {
				return "include", p.include(m, keyPos)
			}
		}
	}
	p.skipSpace()
	if c := p.ch(); c == '=' || c == ':' {
		p.adv()
		p.skipSpace()
	}
	if c := p.ch(); c == eof || c == ',' || c == ';' || c == '}' || c == ']' {
		return "", p.errf(p.pos(), "missing value for key %q (found %s)", key, p.describe())
	}
	v, err := p.value()
	if err != nil {
		return "", err
	}
	m.set(key, v, keyPos)
	return "value", nil
}

// value parses any value at the cursor.
func (p *parser) value() (*Value, error) {
	pos := p.pos()
	switch c := p.ch(); c {
	case eof, ',', ';', ']', '}', '\n', '\r':
		return nil, p.errf(pos, "unexpected %s: expected a value", p.describe())
	case '[':
		return p.array()
	case '{':
		return p.mapValue()
	case '"':
		s, err := p.dqString()
		if err != nil {
			return nil, err
		}
		return scalar(KindString, pos, s), nil
	case '\'':
		s, err := p.quotedRaw('\'', "string")
		if err != nil {
			return nil, err
		}
		return scalar(KindString, pos, s), nil
	case '(':
		s, err := p.blockString()
		if err != nil {
			return nil, err
		}
		return scalar(KindString, pos, s), nil
	}
	return p.bare()
}

// scalar builds a string value.
func scalar(k Kind, pos Pos, s string) *Value {
	return &Value{Kind: k, Pos: pos, Str: s, size: 1}
}

// enter accounts for one more level of nesting.
func (p *parser) enter(pos Pos) error {
	if p.depth >= maxNesting {
		return p.errf(pos, "maps and arrays nested more than %d deep", maxNesting)
	}
	p.depth++
	return nil
}

// mapValue parses "{ ... }".
func (p *parser) mapValue() (*Value, error) {
	pos := p.pos()
	if err := p.enter(pos); err != nil {
		return nil, err
	}
	p.adv()
	m := newMap()
	p.scopes = append(p.scopes, m)
	err := p.body(m, pos)
	p.scopes = p.scopes[:len(p.scopes)-1]
	p.depth--
	if err != nil {
		return nil, err
	}
	v := &Value{Kind: KindMap, Pos: pos, Map: m}
	return v, p.finish(v, pos)
}

// array parses "[ ... ]". Elements are separated by ',' or line ends; a
// trailing ',' is allowed, an empty element is not.
func (p *parser) array() (*Value, error) {
	pos := p.pos()
	if err := p.enter(pos); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	p.adv()
	elems := []*Value{}
	for {
		p.skipBlank()
		switch c := p.ch(); c {
		case ']':
			p.adv()
			v := &Value{Kind: KindArray, Pos: pos, Array: elems}
			return v, p.finish(v, pos)
		case eof:
			return nil, p.errf(p.pos(), "unexpected end of input: '[' at %s is not closed", pos)
		case ',', ';', '}':
			return nil, p.errf(p.pos(), "unexpected %s in array: expected a value or ']'", p.describe())
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		elems = append(elems, v)
		p.skipInline()
		p.skipComment()
		switch c := p.ch(); {
		case c == ']':
			continue
		case c == ',' || isNL(c):
			p.adv()
		case c == eof:
			return nil, p.errf(p.pos(), "unexpected end of input: '[' at %s is not closed", pos)
		default:
			return nil, p.errf(p.pos(), "unexpected %s in array: expected ',', a newline or ']'", p.describe())
		}
	}
}

// finish computes the expanded size and height of a container and enforces
// the limits on them.
func (p *parser) finish(v *Value, pos Pos) error {
	size, height := int64(1), 0
	add := func(c *Value) {
		size += c.size
		height = max(height, c.height)
	}
	if v.Kind == KindMap {
		for _, e := range v.Map.entries {
			add(e.val)
		}
	} else {
		for _, e := range v.Array {
			add(e)
		}
	}
	v.size, v.height = size, height+1
	if size > maxValues {
		return p.errf(pos, "configuration too large: more than %d values once variables are expanded", maxValues)
	}
	if v.height > maxNesting+1 {
		return p.errf(pos, "maps and arrays nested more than %d deep once variables are expanded", maxNesting)
	}
	return nil
}
