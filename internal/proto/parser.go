package proto

import (
	"bytes"
	"fmt"
)

// Default limits, used when the corresponding Parser field is <= 0. They are
// the reference server's defaults.
const (
	DefaultMaxControlLine = 4096
	DefaultMaxPayload     = 1 << 20
)

// maxKeptPayloadBuf is the largest payload buffer kept for reuse after a
// split message; a larger one is released so that an idle connection does
// not pin up to MaxPayload bytes.
const maxKeptPayloadBuf = 64 << 10

// Handler receives the operations decoded by a Parser. Byte slices are valid
// only during the call. A non-nil error stops parsing and is returned by
// Parse unchanged.
type Handler interface {
	// ProcessConnect receives the raw argument of CONNECT (normally JSON).
	ProcessConnect(arg []byte) error
	// ProcessPub receives a PUB or an HPUB. a.Payload includes the header
	// block when a.HeaderLen >= 0.
	ProcessPub(a *PubArgs) error
	// ProcessSub receives a SUB; queue is nil when none was given.
	ProcessSub(subject, queue, sid []byte) error
	// ProcessUnsub receives an UNSUB; max is 0 when none was given, and
	// also when the given value is not a valid size: the reference server
	// then unsubscribes at once, as for no maximum.
	ProcessUnsub(sid []byte, max int64) error
	ProcessPing() error
	ProcessPong() error
	// ProcessInfo receives the raw argument of an INFO sent by the client.
	ProcessInfo(arg []byte) error
	// ProcessOK receives a +OK sent by the client.
	ProcessOK() error
	// ProcessErr receives the raw argument of a -ERR sent by the client.
	ProcessErr(arg []byte) error
}

// PubArgs describes one PUB or HPUB.
type PubArgs struct {
	Subject []byte
	Reply   []byte // nil when no reply subject was given
	// HeaderLen is -1 for PUB and the header block size for HPUB.
	HeaderLen int
	// Size is the payload size, headers included for HPUB.
	Size int
	// Payload holds Size bytes, headers included for HPUB.
	Payload []byte
}

type state uint8

const (
	stStart          state = iota // at the beginning of an operation
	stVerb                        // matching the letters of a verb
	stNeedSep                     // verb matched, at least one space or tab required
	stSkipSpace                   // skipping spaces and tabs before the arguments
	stArg                         // arguments start here, in the current buffer
	stArgPending                  // arguments being collected in p.line
	stSkipLine                    // discarding until LF (PING, PONG, +OK)
	stPayload                     // payload starts here, in the current buffer
	stPayloadPending              // payload (and CRLF) being collected in p.msg
)

type opcode uint8

const (
	opNone opcode = iota
	opPub
	opHPub
	opSub
	opUnsub
	opPing
	opPong
	opConnect
	opInfo
	opOK
	opErr
)

// verbs holds the upper-case spelling of each verb.
var verbs = [...]string{
	opPub:     "PUB",
	opHPub:    "HPUB",
	opSub:     "SUB",
	opUnsub:   "UNSUB",
	opPing:    "PING",
	opPong:    "PONG",
	opConnect: "CONNECT",
	opInfo:    "INFO",
	opOK:      "+OK",
	opErr:     "-ERR",
}

// Parser is an incremental parser of the client protocol. The zero value is
// ready to use with the default limits. A Parser is not safe for concurrent
// use; it belongs to one connection.
type Parser struct {
	// MaxControlLine bounds the length of a control line's arguments;
	// <= 0 means DefaultMaxControlLine.
	MaxControlLine int
	// MaxPayload bounds the declared (total) payload size; <= 0 means
	// DefaultMaxPayload.
	MaxPayload int

	state state
	op    opcode
	vpos  int   // letters of the verb matched so far
	err   error // sticky error

	line []byte // pending control line arguments, reused
	msg  []byte // pending payload plus CRLF, reused

	pa      PubArgs // the PUB or HPUB in progress
	paInBuf bool    // pa.Subject and pa.Reply point into the caller's buffer
}

// Reset puts the parser back at the start of an operation and clears any
// sticky error. Internal buffers are kept for reuse.
func (p *Parser) Reset() {
	p.state = stStart
	p.op = opNone
	p.vpos = 0
	p.err = nil
	p.line = p.line[:0]
	p.msg = p.msg[:0]
	p.pa = PubArgs{HeaderLen: -1}
}

func (p *Parser) maxControlLine() int {
	if p.MaxControlLine <= 0 {
		return DefaultMaxControlLine
	}
	return p.MaxControlLine
}

func (p *Parser) maxPayload() int {
	if p.MaxPayload <= 0 {
		return DefaultMaxPayload
	}
	return p.MaxPayload
}

// fail makes err sticky and returns it.
func (p *Parser) fail(err error) error {
	p.err = err
	return err
}

// snippet returns at most 32 bytes of b from i, for error messages.
func snippet(b []byte, i int) []byte {
	if i >= len(b) {
		return nil
	}
	b = b[i:]
	if len(b) > 32 {
		b = b[:32]
	}
	return b
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' }

// Parse consumes buf, reporting every complete operation to h. Incomplete
// data at the end of buf is kept (copied when it has to be) and completed by
// the next call. Parse returns nil when all of buf was consumed, or the first
// error; after an error the parser must be Reset before it is used again.
func (p *Parser) Parse(buf []byte, h Handler) error {
	if p.err != nil {
		return p.err
	}
	i := 0
	for i < len(buf) {
		switch p.state {
		case stStart:
			var op opcode
			switch buf[i] {
			case 'P', 'p':
				op = opPub // or PING, PONG: decided by the next letter
			case 'H', 'h':
				op = opHPub
			case 'S', 's':
				op = opSub
			case 'U', 'u':
				op = opUnsub
			case 'C', 'c':
				op = opConnect
			case 'I', 'i':
				op = opInfo
			case '+':
				op = opOK
			case '-':
				op = opErr
			default:
				return p.fail(fmt.Errorf("%w: %q", ErrUnknownOp, snippet(buf, i)))
			}
			p.op, p.vpos, p.state = op, 1, stVerb
			i++

		case stVerb:
			for i < len(buf) && p.state == stVerb {
				b := buf[i] &^ 0x20 // upper case for letters; verbs have letters only past the first byte
				if p.vpos == 1 && p.op == opPub {
					switch b {
					case 'I':
						p.op = opPing
					case 'O':
						p.op = opPong
					}
				}
				v := verbs[p.op]
				if b != v[p.vpos] {
					return p.fail(fmt.Errorf("%w: bad verb at %q", ErrUnknownOp, snippet(buf, i)))
				}
				i++
				p.vpos++
				if p.vpos == len(v) {
					switch p.op {
					case opPing, opPong, opOK:
						p.state = stSkipLine
					case opConnect, opInfo:
						p.state = stSkipSpace
					default:
						p.state = stNeedSep
					}
				}
			}

		case stNeedSep:
			if !isSpace(buf[i]) {
				return p.fail(fmt.Errorf("%w: %s not followed by a space: %q",
					ErrUnknownOp, verbs[p.op], snippet(buf, i)))
			}
			i++
			p.state = stSkipSpace

		case stSkipSpace:
			for i < len(buf) && isSpace(buf[i]) {
				i++
			}
			if i < len(buf) {
				p.state = stArg
			}

		case stArg:
			// Look for LF no further than a line of legal length needs.
			lim := p.maxControlLine()
			end := len(buf)
			if end-i-2 > lim { // written so that a huge lim cannot overflow
				end = i + lim + 2
			}
			if n := bytes.IndexByte(buf[i:end], '\n'); n >= 0 {
				line := buf[i : i+n]
				i += n + 1
				if err := p.dispatch(line, h, true); err != nil {
					return err
				}
				continue
			}
			chunk := buf[i:end]
			if err := p.checkPending(chunk, lim); err != nil {
				return err
			}
			p.line = append(p.line[:0], chunk...)
			p.state = stArgPending
			i = end

		case stArgPending:
			lim := p.maxControlLine()
			end := len(buf)
			if room := lim - len(p.line); end-i-2 > room {
				end = i + room + 2
			}
			if n := bytes.IndexByte(buf[i:end], '\n'); n >= 0 {
				p.line = append(p.line, buf[i:i+n]...)
				i += n + 1
				if err := p.dispatch(p.line, h, false); err != nil {
					return err
				}
				continue
			}
			p.line = append(p.line, buf[i:end]...)
			i = end
			if err := p.checkPending(p.line, lim); err != nil {
				return err
			}

		case stSkipLine:
			n := bytes.IndexByte(buf[i:], '\n')
			if n < 0 {
				i = len(buf)
				continue
			}
			i += n + 1
			p.state = stStart
			var err error
			switch p.op {
			case opPing:
				err = h.ProcessPing()
			case opPong:
				err = h.ProcessPong()
			default:
				err = h.ProcessOK()
			}
			if err != nil {
				return p.fail(err)
			}

		case stPayload:
			size := p.pa.Size
			if len(buf)-i >= size+2 {
				if buf[i+size] != '\r' || buf[i+size+1] != '\n' {
					return p.fail(fmt.Errorf("%w: after %d bytes: %q",
						ErrBadPayload, size, snippet(buf, i+size)))
				}
				p.pa.Payload = buf[i : i+size]
				i += size + 2
				if err := p.deliver(h); err != nil {
					return err
				}
				continue
			}
			p.startPendingPayload()
			i = p.fillPayload(buf, i)
			if err := p.checkTrailer(); err != nil {
				return err
			}

		case stPayloadPending:
			i = p.fillPayload(buf, i)
			if err := p.checkTrailer(); err != nil {
				return err
			}
			if len(p.msg) == p.pa.Size+2 {
				p.pa.Payload = p.msg[:p.pa.Size]
				if err := p.deliver(h); err != nil {
					return err
				}
				if cap(p.msg) > maxKeptPayloadBuf {
					p.msg = nil
				} else {
					p.msg = p.msg[:0]
				}
			}
		}
	}
	if p.state == stPayload {
		// The buffer ended right after the control line: the arguments
		// must not keep pointing into it.
		p.startPendingPayload()
	}
	return nil
}

// checkPending fails when the pending arguments in b are certainly longer
// than lim: a final CR might still be the start of the terminator, so it is
// not counted.
func (p *Parser) checkPending(b []byte, lim int) error {
	n := len(b)
	if n > 0 && b[n-1] == '\r' {
		n--
	}
	if n > lim {
		return p.fail(fmt.Errorf("%w: %s arguments pass %d bytes: %q...",
			ErrMaxControlLine, verbs[p.op], lim, snippet(b, 0)))
	}
	return nil
}

// startPendingPayload is called when the payload of the current PUB does
// not fit in the buffer being parsed. It makes the subject and reply
// independent of that buffer and prepares p.msg.
func (p *Parser) startPendingPayload() {
	if p.paInBuf {
		// The arguments are sub-slices of the caller's buffer: copy them
		// into p.line, which is free since the line was not pending.
		p.line = append(p.line[:0], p.pa.Subject...)
		p.line = append(p.line, p.pa.Reply...)
		n := len(p.pa.Subject)
		p.pa.Subject = p.line[:n:n]
		if p.pa.Reply != nil {
			p.pa.Reply = p.line[n:]
		}
	}
	if need := p.pa.Size + 2; cap(p.msg) < need {
		p.msg = make([]byte, 0, need)
	}
	p.msg = p.msg[:0]
	p.state = stPayloadPending
}

// fillPayload appends to p.msg as much of the missing payload and CRLF as
// buf holds from i, and returns the new index.
func (p *Parser) fillPayload(buf []byte, i int) int {
	take := p.pa.Size + 2 - len(p.msg)
	if rest := len(buf) - i; rest < take {
		take = rest
	}
	p.msg = append(p.msg, buf[i:i+take]...)
	return i + take
}

// checkTrailer verifies the bytes of the CRLF that follow the payload, as
// far as they have been received.
func (p *Parser) checkTrailer() error {
	size := p.pa.Size
	if len(p.msg) > size && p.msg[size] != '\r' ||
		len(p.msg) > size+1 && p.msg[size+1] != '\n' {
		return p.fail(fmt.Errorf("%w: after %d bytes: %q",
			ErrBadPayload, size, snippet(p.msg, size)))
	}
	return nil
}

// deliver hands the complete PUB or HPUB to h and gets ready for the next
// operation.
func (p *Parser) deliver(h Handler) error {
	err := h.ProcessPub(&p.pa)
	p.pa = PubArgs{HeaderLen: -1}
	p.state = stStart
	if err != nil {
		return p.fail(err)
	}
	return nil
}
