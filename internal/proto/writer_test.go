package proto

import (
	"slices"
	"testing"
)

func TestAppenders(t *testing.T) {
	b := func(s string) []byte { return []byte(s) }
	cases := []struct {
		got, want string
	}{
		{string(AppendMsg(nil, b("foo"), b("1"), nil, b("hello"))), "MSG foo 1 5\r\nhello\r\n"},
		{string(AppendMsg(b("x"), b("foo"), b("1"), b("bar"), b("hello"))), "xMSG foo 1 bar 5\r\nhello\r\n"},
		{string(AppendMsg(nil, b("foo"), b("1"), b(""), nil)), "MSG foo 1 0\r\n\r\n"},
		{string(AppendMsgLine(nil, b("foo"), b("22"), b("r"), 1048576)), "MSG foo 22 r 1048576\r\n"},
		{string(AppendHMsg(nil, b("foo"), b("99"), nil, 12, b("NATS/1.0\r\n\r\nhi"))), "HMSG foo 99 12 14\r\nNATS/1.0\r\n\r\nhi\r\n"},
		{string(AppendHMsg(nil, b("foo"), b("99"), b("r"), 12, b("NATS/1.0\r\n\r\n"))), "HMSG foo 99 r 12 12\r\nNATS/1.0\r\n\r\n\r\n"},
		{string(AppendHMsgLine(nil, b("a"), b("1"), nil, 3, 10)), "HMSG a 1 3 10\r\n"},
		{string(AppendInfo(nil, b(`{"server_id":"x"}`))), "INFO {\"server_id\":\"x\"}\r\n"},
		{string(AppendErr(nil, ErrTextUnknownOp)), "-ERR 'Unknown Protocol Operation'\r\n"},
		{string(AppendPing(nil)), "PING\r\n"},
		{string(AppendPong(nil)), "PONG\r\n"},
		{string(AppendOK(nil)), "+OK\r\n"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestAppendersDoNotAllocate(t *testing.T) {
	dst := make([]byte, 0, 1024)
	s, sid, r, pl := []byte("foo.bar"), []byte("7"), []byte("_INBOX.1"), make([]byte, 300)
	a := testing.AllocsPerRun(100, func() {
		dst = AppendMsg(dst[:0], s, sid, r, pl)
		dst = AppendHMsg(dst, s, sid, r, 10, pl)
		dst = AppendInfo(dst, s)
		dst = AppendErr(dst, ErrTextMaxPayload)
		dst = AppendPing(AppendPong(AppendOK(dst)))
	})
	if a != 0 {
		t.Fatalf("%v allocations", a)
	}
}

// What the server writes for a PUB reads back, through a client-side view of
// the protocol, as the same message: MSG has the same shape as PUB with a
// sid inserted, so parse it as a PUB after dropping the sid.
func TestAppendMsgRoundTrip(t *testing.T) {
	out := AppendHMsg(nil, []byte("s"), []byte("1"), []byte("r"), 12, []byte("NATS/1.0\r\n\r\nbody"))
	in := slices.Concat([]byte("HPUB s r"), out[len("HMSG s 1 r"):])
	r := &recorder{}
	var p Parser
	if err := p.Parse(in, r); err != nil {
		t.Fatal(err)
	}
	want := []string{`HPUB "s" "r" 12 "NATS/1.0\r\n\r\nbody"`}
	if !slices.Equal(r.ops, want) {
		t.Fatalf("got %q", r.ops)
	}
}
