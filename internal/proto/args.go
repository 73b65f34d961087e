package proto

import "fmt"

// maxArgs is one more than the most arguments any operation takes, so that
// split can tell "too many".
const maxArgs = 5

// Separator sets for split, as bit masks over the bytes 0 to 32.
const (
	sepSpaceTab   uint64 = 1<<' ' | 1<<'\t'
	sepSpaceTabCR uint64 = sepSpaceTab | 1<<'\r'
)

// split cuts line into fields separated by runs of the bytes in seps,
// storing at most len(out) of them, and returns how many fields there are
// in all.
func split(line []byte, out *[maxArgs][]byte, seps uint64) int {
	n := 0
	i := 0
	for {
		for i < len(line) && line[i] <= ' ' && seps>>line[i]&1 != 0 {
			i++
		}
		if i == len(line) {
			return n
		}
		start := i
		for i < len(line) && (line[i] > ' ' || seps>>line[i]&1 == 0) {
			i++
		}
		if n < len(out) {
			out[n] = line[start:i]
		}
		n++
	}
}

// maxSizeDigits is the longest size the reference server accepts: 9 digits.
const maxSizeDigits = 9

// parseSize decodes a size of 1 to 9 decimal digits and returns -1 for
// anything else (empty, sign, other bytes, 10 digits or more, even with
// leading zeros). Nine digits cannot overflow an int.
func parseSize(b []byte) int {
	if len(b) == 0 || len(b) > maxSizeDigits {
		return -1
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// dispatch handles one complete control line of the current verb (the
// arguments, up to but not including the LF). fromBuf tells whether line is
// part of the caller's buffer rather than p.line.
func (p *Parser) dispatch(line []byte, h Handler, fromBuf bool) error {
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	if lim := p.maxControlLine(); len(line) > lim {
		return p.fail(fmt.Errorf("%w: %s arguments are %d bytes, limit %d: %q...",
			ErrMaxControlLine, verbs[p.op], len(line), lim, snippet(line, 0)))
	}
	p.state = stStart
	var a [maxArgs][]byte
	var err error
	switch p.op {
	case opPub:
		return p.pub(line, fromBuf)
	case opHPub:
		return p.hpub(line, fromBuf)
	case opSub:
		switch split(line, &a, sepSpaceTabCR) {
		case 2:
			err = h.ProcessSub(a[0], nil, a[1])
		case 3:
			err = h.ProcessSub(a[0], a[1], a[2])
		default:
			return p.badArgs("SUB needs 2 or 3 arguments", line)
		}
	case opUnsub:
		switch split(line, &a, sepSpaceTabCR) {
		case 1:
			err = h.ProcessUnsub(a[0], 0)
		case 2:
			// The reference ignores a maximum that is not a valid
			// size and unsubscribes at once, as with none.
			max := parseSize(a[1])
			if max < 0 {
				max = 0
			}
			err = h.ProcessUnsub(a[0], int64(max))
		default:
			return p.badArgs("UNSUB needs 1 or 2 arguments", line)
		}
	case opConnect:
		err = h.ProcessConnect(line)
	case opInfo:
		err = h.ProcessInfo(line)
	case opErr:
		err = h.ProcessErr(line)
	}
	if err != nil {
		return p.fail(err)
	}
	return nil
}

func (p *Parser) badArgs(what string, line []byte) error {
	return p.fail(fmt.Errorf("%w: %s: %q", ErrBadArgs, what, snippet(line, 0)))
}

// pub decodes the arguments of PUB: <subject> [reply] <#bytes>.
func (p *Parser) pub(line []byte, fromBuf bool) error {
	var a [maxArgs][]byte
	var subject, reply, szb []byte
	switch split(line, &a, sepSpaceTab) {
	case 2:
		subject, szb = a[0], a[1]
	case 3:
		subject, reply, szb = a[0], a[1], a[2]
	default:
		return p.badArgs("PUB needs 2 or 3 arguments", line)
	}
	size := parseSize(szb)
	if size < 0 {
		return p.badArgs("PUB: bad or missing size", line)
	}
	if max := p.maxPayload(); size > max {
		return p.fail(fmt.Errorf("%w: PUB of %d bytes, limit %d", ErrMaxPayload, size, max))
	}
	p.pa = PubArgs{Subject: subject, Reply: reply, HeaderLen: -1, Size: size}
	p.paInBuf = fromBuf
	p.state = stPayload
	return nil
}

// hpub decodes the arguments of HPUB:
// <subject> [reply] <#header bytes> <#total bytes>.
func (p *Parser) hpub(line []byte, fromBuf bool) error {
	var a [maxArgs][]byte
	var subject, reply, hdb, szb []byte
	switch split(line, &a, sepSpaceTab) {
	case 3:
		subject, hdb, szb = a[0], a[1], a[2]
	case 4:
		subject, reply, hdb, szb = a[0], a[1], a[2], a[3]
	default:
		return p.badArgs("HPUB needs 3 or 4 arguments", line)
	}
	hdr := parseSize(hdb)
	if hdr < 0 {
		return p.badArgs("HPUB: bad or missing header size", line)
	}
	size := parseSize(szb)
	if size < 0 {
		return p.badArgs("HPUB: bad or missing total size", line)
	}
	if hdr > size {
		return p.badArgs("HPUB: header size larger than total size", line)
	}
	if max := p.maxPayload(); size > max {
		return p.fail(fmt.Errorf("%w: HPUB of %d bytes, limit %d", ErrMaxPayload, size, max))
	}
	p.pa = PubArgs{Subject: subject, Reply: reply, HeaderLen: hdr, Size: size}
	p.paInBuf = fromBuf
	p.state = stPayload
	return nil
}
