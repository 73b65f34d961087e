package wire

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// rec records operations as strings.
type rec struct{ ops []string }

func (r *rec) Info(a []byte) error    { r.ops = append(r.ops, "INFO "+string(a)); return nil }
func (r *rec) Connect(a []byte) error { r.ops = append(r.ops, "CONNECT "+string(a)); return nil }
func (r *rec) Ping() error            { r.ops = append(r.ops, "PING"); return nil }
func (r *rec) Pong() error            { r.ops = append(r.ops, "PONG"); return nil }
func (r *rec) Err(t []byte) error     { r.ops = append(r.ops, "ERR "+string(t)); return nil }
func (r *rec) Sub(acc, s, q []byte, w int32) error {
	r.ops = append(r.ops, fmt.Sprintf("SUB %s %s %q %d", acc, s, q, w))
	return nil
}
func (r *rec) Unsub(acc, s, q []byte) error {
	r.ops = append(r.ops, fmt.Sprintf("UNSUB %s %s %q", acc, s, q))
	return nil
}
func (r *rec) Msg(m *Msg) error {
	r.ops = append(r.ops, fmt.Sprintf("MSG %s %s as=%q reply=%q q=%q h=%d %q", m.Account, m.Subject, m.As, m.Reply, m.Queues, m.HeaderLen, m.Payload))
	return nil
}
func (r *rec) Sys(ch, p []byte) error {
	r.ops = append(r.ops, fmt.Sprintf("SYS %s %q", ch, p))
	return nil
}

// stream is every operation the writers produce, and what each parses to.
func stream() ([]byte, []string) {
	var b []byte
	var want []string
	b = AppendInfo(b, []byte(`{"server_id":"A"}`))
	want = append(want, `INFO {"server_id":"A"}`)
	b = AppendConnect(b, []byte(`{"x":1}`))
	want = append(want, `CONNECT {"x":1}`)
	b = append(b, PingOp...)
	b = append(b, PongOp...)
	want = append(want, "PING", "PONG")
	b = AppendSub(b, "$G", "foo.*", "", 0)
	want = append(want, `SUB $G foo.* "" 0`)
	b = AppendSub(b, "$G", "foo.>", "workers", 3)
	want = append(want, `SUB $G foo.> "workers" 3`)
	b = AppendUnsub(b, "$G", "foo.*", "")
	want = append(want, `UNSUB $G foo.* ""`)
	b = AppendUnsub(b, "$G", "foo.>", "workers")
	want = append(want, `UNSUB $G foo.> "workers"`)
	b = AppendRMsg(b, "$G", []byte("foo.bar"), nil, nil, nil, -1, []byte("hello"))
	want = append(want, `MSG $G foo.bar as="" reply="" q=[] h=-1 "hello"`)
	b = AppendRMsg(b, "A", []byte("foo"), []byte("shown"), []byte("_INBOX.1"), []string{"q1", "q2"}, 12, []byte("NATS/1.0\r\n\r\nbody"))
	want = append(want, `MSG A foo as="shown" reply="_INBOX.1" q=["q1" "q2"] h=12 "NATS/1.0\r\n\r\nbody"`)
	b = AppendRMsg(b, "A", []byte("foo"), nil, nil, []string{"q"}, -1, nil)
	want = append(want, `MSG A foo as="" reply="" q=["q"] h=-1 ""`)
	b = AppendSys(b, "raft", []byte("\x00\x01\r\n"))
	want = append(want, `SYS raft "\x00\x01\r\n"`)
	b = AppendErr(b, "Authorization Violation")
	want = append(want, `ERR 'Authorization Violation'`)
	return b, want
}

func parseChunks(t *testing.T, chunks [][]byte) []string {
	t.Helper()
	var p Parser
	r := &rec{}
	for _, c := range chunks {
		if err := p.Parse(c, r); err != nil {
			t.Fatalf("parse: %v", err)
		}
	}
	return r.ops
}

func TestRoundTrip(t *testing.T) {
	b, want := stream()
	if got := parseChunks(t, [][]byte{b}); !slices.Equal(got, want) {
		t.Fatalf("whole:\n got %q\nwant %q", got, want)
	}
	var bytewise [][]byte
	for i := range b {
		bytewise = append(bytewise, b[i:i+1])
	}
	if got := parseChunks(t, bytewise); !slices.Equal(got, want) {
		t.Fatalf("bytewise:\n got %q\nwant %q", got, want)
	}
	for cut := 1; cut < len(b); cut += 7 {
		buf := bytes.Clone(b)
		if got := parseChunks(t, [][]byte{buf[:cut], buf[cut:]}); !slices.Equal(got, want) {
			t.Fatalf("cut at %d:\n got %q\nwant %q", cut, got, want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		in   string
		want error
	}{
		{"HELLO\r\n", ErrUnknownOp},
		{"RS+ $G\r\n", ErrBadArgs},
		{"RS+ $G foo q 0\r\n", ErrBadArgs},
		{"RS- $G\r\n", ErrBadArgs},
		{"RMSG $G foo - x\r\n", ErrBadArgs},
		{"RMSG $G foo z 3\r\n", ErrBadArgs},
		{"RMSG $G foo r 3\r\n", ErrBadArgs},
		{"RMSG $G foo - extra 3\r\n", ErrBadArgs},
		{"RMSG $G foo h 9 3\r\nabc\r\n", ErrBadArgs},
		{"RMSG $G foo - 3\r\nabcd\r\n", ErrBadPayload},
		{"SMSG raft\r\n", ErrBadArgs},
		{"RMSG $G foo - 999999999\r\n", ErrTooLarge},
	}
	for _, c := range cases {
		var p Parser
		p.MaxPayload = 1 << 20
		err := p.Parse([]byte(c.in), &rec{})
		if !errors.Is(err, c.want) {
			t.Errorf("%q: got %v, want %v", c.in, err, c.want)
		}
	}
	var p Parser
	p.MaxControlLine = 16
	if err := p.Parse([]byte(strings.Repeat("x", 40)), &rec{}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("long line: %v", err)
	}
}

// A handler error stops parsing and is returned as is.
func TestHandlerError(t *testing.T) {
	boom := errors.New("boom")
	var p Parser
	if err := p.Parse([]byte("PING\r\n"), errHandler{boom}); err != boom {
		t.Fatalf("got %v", err)
	}
	if err := p.Parse([]byte("PONG\r\n"), &rec{}); err != boom {
		t.Fatalf("error not sticky: %v", err)
	}
}

type errHandler struct{ err error }

func (e errHandler) Info([]byte) error                 { return e.err }
func (e errHandler) Connect([]byte) error              { return e.err }
func (e errHandler) Ping() error                       { return e.err }
func (e errHandler) Pong() error                       { return e.err }
func (e errHandler) Err([]byte) error                  { return e.err }
func (e errHandler) Sub(_, _, _ []byte, _ int32) error { return e.err }
func (e errHandler) Unsub(_, _, _ []byte) error        { return e.err }
func (e errHandler) Msg(*Msg) error                    { return e.err }
func (e errHandler) Sys(_, _ []byte) error             { return e.err }

func FuzzParse(f *testing.F) {
	b, _ := stream()
	f.Add(b, []byte{3, 9, 1})
	f.Add([]byte("RMSG a b rsqh r s q1 q2 2 4\r\nab12\r\n"), []byte{5})
	f.Fuzz(func(t *testing.T, data, cuts []byte) {
		var whole Parser
		rw := &rec{}
		werr := whole.Parse(data, rw)
		var split Parser
		rs := &rec{}
		var serr error
		rest := data
		for _, c := range cuts {
			n := min(int(c)%17, len(rest))
			if serr = split.Parse(rest[:n], rs); serr != nil {
				break
			}
			rest = rest[n:]
		}
		if serr == nil {
			serr = split.Parse(rest, rs)
		}
		if (werr == nil) != (serr == nil) || !slices.Equal(rw.ops, rs.ops) {
			t.Fatalf("split differs: %v %q vs %v %q", werr, rw.ops, serr, rs.ops)
		}
	})
}

func BenchmarkParseRMsg(b *testing.B) {
	op := AppendRMsg(nil, "$G", []byte("foo.bar.baz"), nil, nil, nil, -1, bytes.Repeat([]byte("x"), 128))
	buf := bytes.Repeat(op, 32<<10/len(op))
	var p Parser
	h := nopHandler{}
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Parse(buf, h); err != nil {
			b.Fatal(err)
		}
	}
}

type nopHandler struct{}

func (nopHandler) Info([]byte) error                 { return nil }
func (nopHandler) Connect([]byte) error              { return nil }
func (nopHandler) Ping() error                       { return nil }
func (nopHandler) Pong() error                       { return nil }
func (nopHandler) Err([]byte) error                  { return nil }
func (nopHandler) Sub(_, _, _ []byte, _ int32) error { return nil }
func (nopHandler) Unsub(_, _, _ []byte) error        { return nil }
func (nopHandler) Msg(*Msg) error                    { return nil }
func (nopHandler) Sys(_, _ []byte) error             { return nil }

func BenchmarkAppendRMsg(b *testing.B) {
	payload := bytes.Repeat([]byte("x"), 128)
	dst := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		dst = AppendRMsg(dst[:0], "$G", []byte("foo.bar.baz"), nil, []byte("_INBOX.abc.def"), nil, -1, payload)
	}
}
