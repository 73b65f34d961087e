package conf

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// incl is a parsed include file, kept so that a file included many times is
// read and parsed once per top-level parse.
type incl struct {
	m   *Map
	sum [sha256.Size]byte
}

// include handles an include directive whose keyword starts at at; the
// cursor is just after the keyword. The included file is parsed on its own
// (it sees only its own keys and the environment as variables) and its keys
// are then merged into m, as if written at this point.
//
// Forms: include 'path', include "path", include path, each optionally
// followed by a quoted digest "sha256:<hex>" that the file's bytes must
// match.
func (p *parser) include(m *Map, at Pos) error {
	p.skipInline()
	pathPos := p.pos()
	var path string
	switch c := p.ch(); {
	case c == '\'' || c == '"':
		s, err := p.quotedRaw(byte(c), "include path")
		if err != nil {
			return err
		}
		path = s
	case c == eof || isNL(c) || c == ';' || c == '}' || c == '[' || c == '{' || c == '(':
		return p.errf(pathPos, "expected an include path, found %s", p.describe())
	default:
		start := p.off
		for c := p.ch(); c != eof && !isNL(c) && !isInlineSpace(c) && c != ';' && c != '}' && c != '\''; c = p.ch() {
			p.adv()
		}
		path = p.src[start:p.off]
	}
	if path == "" {
		return p.errf(pathPos, "empty include path")
	}
	var digest string
	p.skipInline()
	if c := p.ch(); c == '\'' || c == '"' {
		dpos := p.pos()
		s, err := p.quotedRaw(byte(c), "include digest")
		if err != nil {
			return err
		}
		if digest, err = parseDigest(s); err != nil {
			return p.errf(dpos, "%v", err)
		}
	}

	// Check the syntax of the rest of the line before doing any I/O.
	if err := p.valueEnd("include"); err != nil {
		return err
	}

	st := p.st
	fail := func(err error) error {
		msg := err.Error()
		if e, ok := err.(*Error); ok {
			msg = e.Pos.String() + ": " + e.Msg
			if e.Pos.String() == "" {
				msg = e.Msg
			}
		}
		return &Error{Pos: at, Msg: fmt.Sprintf("include %q: %s", path, msg), Err: err}
	}
	if st.nest >= maxIncludeDepth {
		return fail(fmt.Errorf("includes nested more than %d deep", maxIncludeDepth))
	}
	st.includes++
	if st.includes > maxIncludes {
		return fail(fmt.Errorf("more than %d include directives", maxIncludes))
	}
	full := path
	if !filepath.IsAbs(full) {
		full = filepath.Join(p.dir, full)
	}
	abs, err := filepath.Abs(full)
	if err != nil {
		return fail(err)
	}
	if slices.Contains(st.stack, abs) {
		return fail(errors.New("include cycle: the file includes itself, directly or indirectly"))
	}
	inc, ok := st.cache[abs]
	if !ok {
		data, err := readConfigFile(full)
		if err != nil {
			return fail(err)
		}
		st.nest++
		st.stack = append(st.stack, abs)
		sub, err := st.parseDoc(data, full, filepath.Dir(full))
		st.stack = st.stack[:len(st.stack)-1]
		st.nest--
		if err != nil {
			return fail(err)
		}
		inc = incl{m: sub, sum: sha256.Sum256([]byte(data))}
		st.cache[abs] = inc
	}
	if digest != "" && digest != hex.EncodeToString(inc.sum[:]) {
		return fail(fmt.Errorf("digest mismatch: file has sha256:%x", inc.sum))
	}
	st.merged += inc.m.Len()
	if st.merged > maxValues {
		return fail(fmt.Errorf("more than %d keys merged from included files", maxValues))
	}
	for _, k := range inc.m.keys {
		e := inc.m.entries[k]
		m.set(k, e.val, e.keyPos)
	}
	return nil
}

// parseDigest validates an include digest, returning its lower-case hex.
func parseDigest(s string) (string, error) {
	h, ok := strings.CutPrefix(s, "sha256:")
	if !ok {
		return "", fmt.Errorf("invalid include digest %q: expected \"sha256:<hex>\"", s)
	}
	h = strings.ToLower(h)
	if b, err := hex.DecodeString(h); err != nil || len(b) != sha256.Size {
		return "", fmt.Errorf("invalid include digest %q: expected %d hexadecimal digits", s, 2*sha256.Size)
	}
	return h, nil
}

// readConfigFile reads a regular file of bounded size. Devices, pipes and
// directories are refused so that an include cannot block or read forever.
func readConfigFile(path string) (string, error) {
	// Check before opening: opening a FIFO can block.
	fi, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("%s: not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	fi, err = f.Stat()
	if err != nil {
		return "", err
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("%s: not a regular file", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return "", err
	}
	if len(data) > maxFileSize {
		return "", fmt.Errorf("%s: larger than %d bytes", path, maxFileSize)
	}
	return string(data), nil
}
