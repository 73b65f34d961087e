package wire

import (
	"bytes"
	"errors"
	"fmt"
)

// Default limits, used when the corresponding Parser field is <= 0. Route
// peers are trusted servers of the same cluster; the limits only bound the
// memory a broken peer can make a connection hold.
const (
	DefaultMaxControlLine = 1 << 20
	DefaultMaxPayload     = 128 << 20
)

// maxKeptBuf is the largest pending-line or payload buffer kept for reuse.
const maxKeptBuf = 64 << 10

// Errors returned (wrapped, with context) by Parser.Parse.
var (
	// ErrUnknownOp reports a verb that is not part of the protocol.
	ErrUnknownOp = errors.New("route: unknown operation")
	// ErrBadArgs reports malformed arguments.
	ErrBadArgs = errors.New("route: invalid arguments")
	// ErrTooLarge reports a control line or payload over the limits.
	ErrTooLarge = errors.New("route: operation too large")
	// ErrBadPayload reports a payload not followed by CRLF.
	ErrBadPayload = errors.New("route: payload not followed by CRLF")
)

// Msg is one RMSG. Slices are valid only during the Handler call.
type Msg struct {
	Account []byte
	// Subject is what receivers match their subscriptions against.
	Subject []byte
	// As, when not nil, is the subject subscribers are shown instead of
	// Subject.
	As []byte
	// Reply is nil when the message has no reply subject.
	Reply []byte
	// Queues are the queue groups the receiver was chosen to deliver to.
	Queues [][]byte
	// HeaderLen is -1 without headers, else the size of the header block
	// at the start of Payload.
	HeaderLen int
	Payload   []byte
}

// Handler receives the operations a Parser decodes. A non-nil error stops
// parsing and is returned by Parse unchanged. Byte slices are valid only
// during the call.
type Handler interface {
	Info(arg []byte) error
	Connect(arg []byte) error
	Ping() error
	Pong() error
	Err(text []byte) error
	// Sub receives RS+; queue is nil (and weight 0) for plain interest.
	Sub(acc, subject, queue []byte, weight int32) error
	// Unsub receives RS-; queue is nil for plain interest.
	Unsub(acc, subject, queue []byte) error
	Msg(m *Msg) error
	Sys(channel, payload []byte) error
}

type opcode uint8

const (
	opNone opcode = iota
	opMsg
	opSys
)

// Parser decodes the route protocol incrementally: any split of the byte
// stream yields the same operations. The zero value is ready to use. A
// Parser belongs to one connection and is not safe for concurrent use.
type Parser struct {
	// MaxControlLine bounds a control line; <= 0 means DefaultMaxControlLine.
	MaxControlLine int
	// MaxPayload bounds a payload; <= 0 means DefaultMaxPayload.
	MaxPayload int

	err     error
	line    []byte   // a control line split across reads
	args    [][]byte // reused argument slices
	op      opcode   // payload operation in progress, or opNone
	ctl     []byte   // its control line
	ctlBuf  bool     // ctl points into the caller's buffer
	size    int      // its payload size
	pend    []byte   // its payload (and CRLF) split across reads
	msg     Msg
	channel []byte
}

func (p *Parser) maxLine() int {
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

func (p *Parser) fail(err error) error {
	p.err = err
	return err
}

// Parse consumes buf, reporting every complete operation to h. It returns
// nil when all of buf was consumed, or the first error, after which the
// parser returns that error for ever.
func (p *Parser) Parse(buf []byte, h Handler) error {
	if p.err != nil {
		return p.err
	}
	i := 0
	for i < len(buf) {
		if p.op != opNone {
			var err error
			if i, err = p.payload(buf, i, h); err != nil {
				return p.fail(err)
			}
			continue
		}
		n := bytes.IndexByte(buf[i:], '\n')
		if n < 0 {
			if len(p.line)+len(buf)-i > p.maxLine()+1 {
				return p.fail(fmt.Errorf("%w: control line over %d bytes", ErrTooLarge, p.maxLine()))
			}
			p.line = append(p.line, buf[i:]...)
			break
		}
		line, fromBuf := buf[i:i+n], true
		if len(p.line) > 0 {
			p.line = append(p.line, line...)
			line, fromBuf = p.line, false
		}
		i += n + 1
		if k := len(line); k > 0 && line[k-1] == '\r' {
			line = line[:k-1]
		}
		if len(line) > p.maxLine() {
			return p.fail(fmt.Errorf("%w: control line of %d bytes", ErrTooLarge, len(line)))
		}
		if err := p.control(line, fromBuf, h); err != nil {
			return p.fail(err)
		}
		if p.op == opNone {
			p.resetLine()
		}
	}
	if p.op != opNone && p.ctlBuf {
		// The payload continues in the next read: the control line must
		// not keep pointing into the caller's buffer.
		p.line = append(p.line[:0], p.ctl...)
		p.ctl, p.ctlBuf = p.line, false
		if err := p.decode(p.ctl); err != nil {
			return p.fail(err)
		}
	}
	return nil
}

func (p *Parser) resetLine() {
	if cap(p.line) > maxKeptBuf {
		p.line = nil
	} else {
		p.line = p.line[:0]
	}
}

// payload collects the payload of the operation in progress from buf[i:]
// and delivers it once complete. It returns the new index.
func (p *Parser) payload(buf []byte, i int, h Handler) (int, error) {
	need := p.size + 2
	var data []byte
	if len(p.pend) == 0 && len(buf)-i >= need {
		data = buf[i : i+need]
		i += need
	} else {
		take := min(need-len(p.pend), len(buf)-i)
		if p.pend == nil {
			p.pend = make([]byte, 0, need)
		}
		p.pend = append(p.pend, buf[i:i+take]...)
		i += take
		if len(p.pend) < need {
			return i, nil
		}
		data = p.pend
	}
	if data[p.size] != '\r' || data[p.size+1] != '\n' {
		return i, fmt.Errorf("%w: after %d bytes", ErrBadPayload, p.size)
	}
	data = data[:p.size]
	var err error
	switch p.op {
	case opMsg:
		p.msg.Payload = data
		err = h.Msg(&p.msg)
	case opSys:
		err = h.Sys(p.channel, data)
	}
	p.op, p.ctl, p.ctlBuf = opNone, nil, false
	p.msg = Msg{}
	p.channel = nil
	if cap(p.pend) > maxKeptBuf {
		p.pend = nil
	} else {
		p.pend = p.pend[:0]
	}
	p.resetLine()
	return i, err
}

// control handles one complete control line (without its line ending).
func (p *Parser) control(line []byte, fromBuf bool, h Handler) error {
	verb, rest := line, []byte(nil)
	if k := bytes.IndexAny(line, " \t"); k >= 0 {
		verb, rest = line[:k], bytes.TrimLeft(line[k+1:], " \t")
	}
	switch string(verb) {
	case "RMSG", "SMSG":
		if err := p.decode(line); err != nil {
			return err
		}
		p.ctl, p.ctlBuf = line, fromBuf
		return nil
	case "RS+":
		a := p.split(rest)
		switch len(a) {
		case 2:
			return h.Sub(a[0], a[1], nil, 0)
		case 4:
			w := parseSize(a[3])
			if w <= 0 || w > 1<<31-1 {
				return fmt.Errorf("%w: RS+ weight %q", ErrBadArgs, a[3])
			}
			return h.Sub(a[0], a[1], a[2], int32(w))
		}
		return fmt.Errorf("%w: RS+ with %d arguments", ErrBadArgs, len(a))
	case "RS-":
		a := p.split(rest)
		switch len(a) {
		case 2:
			return h.Unsub(a[0], a[1], nil)
		case 3:
			return h.Unsub(a[0], a[1], a[2])
		}
		return fmt.Errorf("%w: RS- with %d arguments", ErrBadArgs, len(a))
	case "PING":
		return h.Ping()
	case "PONG":
		return h.Pong()
	case "INFO":
		return h.Info(rest)
	case "CONNECT":
		return h.Connect(rest)
	case "-ERR":
		return h.Err(rest)
	}
	return fmt.Errorf("%w: %q", ErrUnknownOp, snippet(verb))
}

// decode parses the control line of RMSG or SMSG into p.msg or p.channel,
// and sets p.op and p.size.
func (p *Parser) decode(line []byte) error {
	a := p.split(line)
	if len(a) == 0 {
		return fmt.Errorf("%w: empty line", ErrBadArgs)
	}
	verb, a := a[0], a[1:]
	if string(verb) == "SMSG" {
		if len(a) != 2 {
			return fmt.Errorf("%w: SMSG with %d arguments", ErrBadArgs, len(a))
		}
		size := parseSize(a[1])
		if err := p.checkSize(size, a[1]); err != nil {
			return err
		}
		p.channel, p.size, p.op = a[0], size, opSys
		return nil
	}
	if len(a) < 4 {
		return fmt.Errorf("%w: RMSG with %d arguments", ErrBadArgs, len(a))
	}
	m := Msg{Account: a[0], Subject: a[1], HeaderLen: -1}
	var reply, as, queues, hdr bool
	if f := a[2]; string(f) != "-" {
		for _, c := range f {
			switch c {
			case 'r':
				reply = true
			case 's':
				as = true
			case 'q':
				queues = true
			case 'h':
				hdr = true
			default:
				return fmt.Errorf("%w: RMSG flags %q", ErrBadArgs, f)
			}
		}
	}
	idx, end := 3, len(a)-1
	if hdr {
		end--
	}
	if reply {
		if idx >= end {
			return fmt.Errorf("%w: RMSG missing reply", ErrBadArgs)
		}
		m.Reply = a[idx]
		idx++
	}
	if as {
		if idx >= end {
			return fmt.Errorf("%w: RMSG missing presented subject", ErrBadArgs)
		}
		m.As = a[idx]
		idx++
	}
	if queues {
		if idx >= end {
			return fmt.Errorf("%w: RMSG missing queues", ErrBadArgs)
		}
		m.Queues = a[idx:end]
	} else if idx != end {
		return fmt.Errorf("%w: RMSG with %d arguments for flags %q", ErrBadArgs, len(a), a[2])
	}
	size := parseSize(a[len(a)-1])
	if err := p.checkSize(size, a[len(a)-1]); err != nil {
		return err
	}
	if hdr {
		m.HeaderLen = parseSize(a[end])
		if m.HeaderLen < 0 || m.HeaderLen > size {
			return fmt.Errorf("%w: RMSG header size %q", ErrBadArgs, a[end])
		}
	}
	p.msg, p.size, p.op = m, size, opMsg
	return nil
}

func (p *Parser) checkSize(size int, arg []byte) error {
	if size < 0 {
		return fmt.Errorf("%w: size %q", ErrBadArgs, snippet(arg))
	}
	if size > p.maxPayload() {
		return fmt.Errorf("%w: payload of %d bytes", ErrTooLarge, size)
	}
	return nil
}

// split cuts b at runs of spaces and tabs into p.args, which it returns.
func (p *Parser) split(b []byte) [][]byte {
	a := p.args[:0]
	i := 0
	for {
		for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
			i++
		}
		if i == len(b) {
			break
		}
		start := i
		for i < len(b) && b[i] != ' ' && b[i] != '\t' {
			i++
		}
		a = append(a, b[start:i])
	}
	p.args = a
	return a
}

// parseSize decodes 1 to 10 decimal digits; -1 for anything else.
func parseSize(b []byte) int {
	if len(b) == 0 || len(b) > 10 {
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

func snippet(b []byte) []byte {
	if len(b) > 32 {
		return b[:32]
	}
	return b
}
