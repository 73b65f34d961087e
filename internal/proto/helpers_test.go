package proto

import (
	"errors"
	"fmt"
	"strings"
)

var errHandler = errors.New("handler says stop")

// recorder is a Handler that records every operation as a string, checks the
// invariants of what it is given, and can be told to fail.
type recorder struct {
	ops    []string
	failOn string // return errHandler after recording an op with this prefix
	bad    []string
}

func q(b []byte) string {
	if b == nil {
		return "-"
	}
	return fmt.Sprintf("%q", b)
}

func (r *recorder) add(s string) error {
	r.ops = append(r.ops, s)
	if r.failOn != "" && strings.HasPrefix(s, r.failOn) {
		return errHandler
	}
	return nil
}

func (r *recorder) ProcessConnect(arg []byte) error { return r.add("CONNECT " + q(arg)) }
func (r *recorder) ProcessInfo(arg []byte) error    { return r.add("INFO " + q(arg)) }
func (r *recorder) ProcessErr(arg []byte) error     { return r.add("ERR " + q(arg)) }
func (r *recorder) ProcessOK() error                { return r.add("OK") }
func (r *recorder) ProcessPing() error              { return r.add("PING") }
func (r *recorder) ProcessPong() error              { return r.add("PONG") }

func (r *recorder) ProcessSub(subject, queue, sid []byte) error {
	if len(subject) == 0 || len(sid) == 0 || (queue != nil && len(queue) == 0) {
		r.bad = append(r.bad, "empty SUB field")
	}
	return r.add("SUB " + q(subject) + " " + q(queue) + " " + q(sid))
}

func (r *recorder) ProcessUnsub(sid []byte, max int64) error {
	if len(sid) == 0 || max < 0 {
		r.bad = append(r.bad, "bad UNSUB")
	}
	return r.add(fmt.Sprintf("UNSUB %s %d", q(sid), max))
}

func (r *recorder) ProcessPub(a *PubArgs) error {
	if len(a.Payload) != a.Size || a.HeaderLen < -1 || a.HeaderLen > a.Size ||
		len(a.Subject) == 0 || (a.Reply != nil && len(a.Reply) == 0) {
		r.bad = append(r.bad, fmt.Sprintf("bad PubArgs %+v", *a))
	}
	if a.HeaderLen < 0 {
		return r.add("PUB " + q(a.Subject) + " " + q(a.Reply) + " " + q(a.Payload))
	}
	return r.add(fmt.Sprintf("HPUB %s %s %d %s", q(a.Subject), q(a.Reply), a.HeaderLen, q(a.Payload)))
}

// feed parses chunks in order through p, copying each into a scratch buffer
// that is scribbled over after every call, so that any slice the parser kept
// into the caller's buffer shows up as corrupted data.
func feed(p *Parser, h Handler, chunks [][]byte) error {
	var scratch []byte
	for _, c := range chunks {
		scratch = append(scratch[:0], c...)
		err := p.Parse(scratch, h)
		for i := range scratch {
			scratch[i] = '#'
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// run parses chunks with a fresh parser using the given limits.
func run(maxCL, maxPay int, chunks [][]byte) (*recorder, error) {
	p := &Parser{MaxControlLine: maxCL, MaxPayload: maxPay}
	r := &recorder{}
	err := feed(p, r, chunks)
	return r, err
}

// splitAt cuts in at the given (increasing) positions.
func splitAt(in []byte, at ...int) [][]byte {
	var out [][]byte
	prev := 0
	for _, a := range at {
		out = append(out, in[prev:a])
		prev = a
	}
	return append(out, in[prev:])
}

// bytewise cuts in into one-byte chunks.
func bytewise(in []byte) [][]byte {
	out := make([][]byte, len(in))
	for i := range in {
		out[i] = in[i : i+1]
	}
	return out
}

// errKind names the sentinel err wraps, for comparing outcomes.
func errKind(err error) string {
	for _, s := range []error{ErrUnknownOp, ErrMaxControlLine, ErrMaxPayload, ErrBadArgs, ErrBadPayload, errHandler} {
		if errors.Is(err, s) {
			return s.Error()
		}
	}
	if err != nil {
		return "other: " + err.Error()
	}
	return "nil"
}
