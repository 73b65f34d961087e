package proto

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

// Facts about the reference server (nats-server v2.15.2, default limits:
// max_control_line 4096, max_payload 1048576) were observed by sending each
// input over a raw TCP connection after a valid CONNECT and "SUB > 99", then
// a PING. "ok" below means the op was processed and the PING answered;
// "closed" means the connection was closed. See REFERENCE_FACTS.md.

type parseCase struct {
	name  string
	in    string
	ops   []string
	err   error // sentinel, or nil
	maxCL int
	maxPy int
}

var hdrBlock = "NATS/1.0\r\n\r\n" // 12 bytes

var parseCases = []parseCase{
	// ---- PUB ----
	// ref: ok.
	{name: "pub", in: "PUB foo 5\r\nhello\r\n", ops: []string{`PUB "foo" - "hello"`}},
	// ref: verbs are case-insensitive; ok.
	{name: "pub lower", in: "pub foo 5\r\nhello\r\n", ops: []string{`PUB "foo" - "hello"`}},
	{name: "pub mixed", in: "PuB foo 5\r\nhello\r\n", ops: []string{`PUB "foo" - "hello"`}},
	// ref: tabs separate like spaces; ok.
	{name: "pub tabs", in: "PUB\tfoo\t5\r\nhello\r\n", ops: []string{`PUB "foo" - "hello"`}},
	// ref: "PUB foo  5" (two spaces) is PUB foo with size 5; ok.
	{name: "pub double space", in: "PUB foo  5\r\nhello\r\n", ops: []string{`PUB "foo" - "hello"`}},
	// ref: any run of whitespace after the verb; ok.
	{name: "pub leading spaces", in: "PUB    foo 5\r\nhello\r\n", ops: []string{`PUB "foo" - "hello"`}},
	// ref: trailing spaces and tabs before CRLF are ignored; ok.
	{name: "pub trailing ws", in: "PUB foo 5 \t \r\nhello\r\n", ops: []string{`PUB "foo" - "hello"`}},
	// ref: bare LF ends a control line; ok.
	{name: "pub bare LF", in: "PUB foo 5\nhello\r\n", ops: []string{`PUB "foo" - "hello"`}},
	// ref: ok, delivered with the reply.
	{name: "pub reply", in: "PUB foo bar 5\r\nhello\r\n", ops: []string{`PUB "foo" "bar" "hello"`}},
	// ref: ok, empty message.
	{name: "pub size 0", in: "PUB foo 0\r\n\r\n", ops: []string{`PUB "foo" - ""`}},
	// ref: 9 digits with leading zeros accepted ("05", "000000005"); ok.
	{name: "pub leading zeros", in: "PUB foo 000000005\r\nhello\r\n", ops: []string{`PUB "foo" - "hello"`}},
	// ref: 10 digits or more are refused even when the value is small; closed, no -ERR.
	{name: "pub 10 digits", in: "PUB foo 0000000005\r\nhello\r\n", err: ErrBadArgs},
	{name: "pub 1e9", in: "PUB foo 1000000000\r\n", err: ErrBadArgs},
	{name: "pub huge", in: "PUB foo 99999999999999999999\r\nhello\r\n", err: ErrBadArgs},
	// ref: closed, no -ERR.
	{name: "pub missing size", in: "PUB foo\r\n", err: ErrBadArgs},
	// ref: "-ERR 'Unknown Protocol Operation'", closed (PUB needs a space).
	{name: "pub no sep", in: "PUB\r\n", err: ErrUnknownOp},
	{name: "pubx", in: "PUBX foo 5\r\nhello\r\n", err: ErrUnknownOp},
	// ref: closed, no -ERR.
	{name: "pub space no args", in: "PUB \r\n", err: ErrBadArgs},
	{name: "pub 4 args", in: "PUB a b c 5\r\nhello\r\n", err: ErrBadArgs},
	{name: "pub negative", in: "PUB foo -5\r\nhello\r\n", err: ErrBadArgs},
	{name: "pub plus", in: "PUB foo +5\r\nhello\r\n", err: ErrBadArgs},
	{name: "pub non digit", in: "PUB foo 5x\r\nhello\r\n", err: ErrBadArgs},
	// ref: a CR inside the arguments is not a separator; closed, no -ERR.
	{name: "pub CR inside", in: "PUB foo\r5\r\nhello\r\n", err: ErrBadArgs},
	{name: "pub CRCRLF", in: "PUB foo 5\r\r\nhello\r\n", err: ErrBadArgs},
	// ref: "-ERR 'Maximum Payload Violation'", closed, as soon as the line is read.
	{name: "pub max payload", in: "PUB foo 1048577\r\n", err: ErrMaxPayload},
	{name: "pub 999999999", in: "PUB foo 999999999\r\n", err: ErrMaxPayload},
	// ref: exactly max_payload is accepted (server waits for the payload).
	{name: "pub at max payload", in: "PUB foo 1048576\r\nxyz"},
	{name: "pub small max", in: "PUB foo 5\r\nhello\r\n", maxPy: 4, err: ErrMaxPayload},
	{name: "pub small max ok", in: "PUB foo 5\r\nhello\r\n", maxPy: 5, ops: []string{`PUB "foo" - "hello"`}},
	// ref: a payload not followed by CRLF: "-ERR 'Unknown Protocol Operation'", closed.
	{name: "pub payload long", in: "PUB foo 5\r\nhelloXX\r\n", err: ErrBadPayload},
	{name: "pub payload short", in: "PUB foo 5\r\nhel\r\nPING\r\n", err: ErrBadPayload},
	{name: "pub payload bare LF", in: "PUB foo 5\r\nhello\nPING\r\n", err: ErrBadPayload},
	{name: "pub payload CR only", in: "PUB foo 5\r\nhello\rPING\r\n", err: ErrBadPayload},
	{name: "pub 0 no CRLF", in: "PUB foo 0\r\nPING\r\n", err: ErrBadPayload},
	{name: "pub 0 LF", in: "PUB foo 0\r\n\nPING\r\n", err: ErrBadPayload},
	// ref: a NUL in a subject passes the parser (and is delivered).
	{name: "pub NUL subject", in: "PUB f\x00o 1\r\nx\r\n", ops: []string{`PUB "f\x00o" - "x"`}},
	// Payload bytes are opaque, CRLF inside included.
	{name: "pub CRLF in payload", in: "PUB foo 4\r\n\r\n\r\n\r\n", ops: []string{`PUB "foo" - "\r\n\r\n"`}},
	{name: "pub incomplete", in: "PUB foo 5\r\nhell"},

	// ---- HPUB ----
	// ref: ok, delivered as HMSG.
	{name: "hpub", in: "HPUB foo 12 14\r\n" + hdrBlock + "hi\r\n", ops: []string{`HPUB "foo" - 12 "NATS/1.0\r\n\r\nhi"`}},
	{name: "hpub lower", in: "hpub foo 12 14\r\n" + hdrBlock + "hi\r\n", ops: []string{`HPUB "foo" - 12 "NATS/1.0\r\n\r\nhi"`}},
	{name: "hpub reply", in: "HPUB foo r 12 14\r\n" + hdrBlock + "hi\r\n", ops: []string{`HPUB "foo" "r" 12 "NATS/1.0\r\n\r\nhi"`}},
	// ref: header size equal to total size is fine; ok.
	{name: "hpub hdr=total", in: "HPUB foo 12 12\r\n" + hdrBlock + "\r\n", ops: []string{`HPUB "foo" - 12 "NATS/1.0\r\n\r\n"`}},
	// ref: header size 0 is accepted and delivered as a plain MSG.
	{name: "hpub hdr 0", in: "HPUB foo 0 2\r\nhi\r\n", ops: []string{`HPUB "foo" - 0 "hi"`}},
	// ref: the header block is not validated by the parser ("hi" as headers is delivered).
	{name: "hpub junk header", in: "HPUB foo 2 2\r\nhi\r\n", ops: []string{`HPUB "foo" - 2 "hi"`}},
	// ref: closed, no -ERR.
	{name: "hpub hdr>total", in: "HPUB foo 14 12\r\n" + hdrBlock + "hi\r\n", err: ErrBadArgs},
	{name: "hpub missing total", in: "HPUB foo 12\r\n" + hdrBlock + "\r\n", err: ErrBadArgs},
	{name: "hpub bad hdr", in: "HPUB foo x 12\r\n", err: ErrBadArgs},
	{name: "hpub bad total", in: "HPUB foo 1 x\r\n", err: ErrBadArgs},
	{name: "hpub 10 digit hdr", in: "HPUB foo 0000000012 14\r\n", err: ErrBadArgs},
	{name: "hpub 5 args", in: "HPUB a b c 12 14\r\n", err: ErrBadArgs},
	// ref: the header/total check comes before the max payload check.
	{name: "hpub hdr>total>max", in: "HPUB foo 2000000 1500000\r\n", err: ErrBadArgs},
	// ref: "-ERR 'Maximum Payload Violation'", closed; the total counts.
	{name: "hpub max payload", in: "HPUB foo 12 1048577\r\n", err: ErrMaxPayload},
	{name: "hpub small max", in: "HPUB foo 2 6\r\n", maxPy: 5, err: ErrMaxPayload},
	// ref: "-ERR 'Unknown Protocol Operation'", closed.
	{name: "hpub no sep", in: "HPUBfoo 12 14\r\n", err: ErrUnknownOp},
	{name: "hpub payload LF", in: "HPUB foo 12 14\r\n" + hdrBlock + "hi\n", err: ErrBadPayload},

	// ---- SUB / UNSUB ----
	{name: "sub", in: "SUB foo 1\r\n", ops: []string{`SUB "foo" - "1"`}},
	// ref: extra spaces and tabs anywhere; ok.
	{name: "sub queue ws", in: "SUB  foo \t q  1 \r\n", ops: []string{`SUB "foo" "q" "1"`}},
	{name: "sub lower", in: "sub foo 1\n", ops: []string{`SUB "foo" - "1"`}},
	{name: "sub CRCRLF", in: "SUB foo 1\r\r\n", ops: []string{`SUB "foo" - "1"`}},
	// ref: closed, no -ERR.
	{name: "sub 1 arg", in: "SUB foo\r\n", err: ErrBadArgs},
	{name: "sub 4 args", in: "SUB a b c d\r\n", err: ErrBadArgs},
	// ref: "-ERR 'Unknown Protocol Operation'", closed.
	{name: "sub no sep", in: "SUBfoo 1\r\n", err: ErrUnknownOp},
	{name: "sub CRLF", in: "SUB\r\n", err: ErrUnknownOp},
	// ref: subject validity is not the parser's business: "-ERR 'Invalid Subject'", stays open.
	{name: "sub bad subject", in: "SUB foo..bar 1\r\n", ops: []string{`SUB "foo..bar" - "1"`}},
	{name: "unsub", in: "UNSUB 1\r\n", ops: []string{`UNSUB "1" 0`}},
	// ref: auto-unsubscribe after 2 messages.
	{name: "unsub max", in: "UNSUB 1 2\r\n", ops: []string{`UNSUB "1" 2`}},
	// ref: max 0, or a max that is not a valid size (abc, -1, 10 digits),
	// unsubscribes at once, as if no max was given; stays open.
	{name: "unsub max 0", in: "UNSUB 1 0\r\n", ops: []string{`UNSUB "1" 0`}},
	{name: "unsub bad max", in: "UNSUB 1 abc\r\n", ops: []string{`UNSUB "1" 0`}},
	{name: "unsub neg max", in: "UNSUB 1 -1\r\n", ops: []string{`UNSUB "1" 0`}},
	{name: "unsub 10 digit max", in: "UNSUB 1 1000000000\r\n", ops: []string{`UNSUB "1" 0`}},
	{name: "unsub 9 digit max", in: "UNSUB 1 999999999\r\n", ops: []string{`UNSUB "1" 999999999`}},
	// ref: "-ERR 'Unknown Protocol Operation'", closed.
	{name: "unsub CRLF", in: "UNSUB\r\n", err: ErrUnknownOp},
	// ref: closed, no -ERR.
	{name: "unsub space", in: "UNSUB \r\n", err: ErrBadArgs},
	{name: "unsub 3 args", in: "UNSUB 1 2 3\r\n", err: ErrBadArgs},

	// ---- PING / PONG / +OK ----
	// ref: everything after PING up to LF is ignored ("PINGxyz", "PING ").
	{name: "ping", in: "PING\r\n", ops: []string{"PING"}},
	{name: "ping lower", in: "ping\r\n", ops: []string{"PING"}},
	{name: "ping LF", in: "PING\n", ops: []string{"PING"}},
	{name: "ping junk", in: "PINGxyz\r\n", ops: []string{"PING"}},
	{name: "ping space", in: "PING \r\n", ops: []string{"PING"}},
	{name: "pingpong", in: "PINGPONG\r\n", ops: []string{"PING"}},
	// ref: no length limit on what PING ignores.
	{name: "ping long junk", in: "PING" + strings.Repeat("a", 10000) + "\r\n", ops: []string{"PING"}},
	{name: "pong", in: "PONG\r\n", ops: []string{"PONG"}},
	// ref: "-ERR 'Unknown Protocol Operation'", closed.
	{name: "pin", in: "PIN\r\n", err: ErrUnknownOp},
	{name: "p", in: "P\r\n", err: ErrUnknownOp},
	{name: "pix", in: "PIXG\r\n", err: ErrUnknownOp},
	// ref: +OK from a client is ignored; ok.
	{name: "ok", in: "+OK\r\n", ops: []string{"OK"}},
	{name: "ok lower junk", in: "+okjunk\r\n", ops: []string{"OK"}},
	{name: "+O", in: "+O\r\n", err: ErrUnknownOp},

	// ---- INFO / -ERR / CONNECT ----
	// ref: INFO from a client is parsed as JSON and ignored when valid; closed without -ERR when not.
	{name: "info", in: "INFO {}\r\n", ops: []string{`INFO "{}"`}},
	// ref: INFO needs no separator; ok.
	{name: "info no sep", in: "INFO{}\r\n", ops: []string{`INFO "{}"`}},
	{name: "info lower", in: "info {}\r\n", ops: []string{`INFO "{}"`}},
	// ref: -ERR from a client closes the connection without a reply.
	{name: "err", in: "-ERR 'boom'\r\n", ops: []string{`ERR "'boom'"`}},
	{name: "err lower tab", in: "-err\t'x'\r\n", ops: []string{`ERR "'x'"`}},
	// ref: "-ERR 'Unknown Protocol Operation'", closed (-ERR needs a space).
	{name: "err no sep", in: "-ERR\r\n", err: ErrUnknownOp},
	{name: "connect", in: "CONNECT {\"verbose\":false}\r\n", ops: []string{`CONNECT "{\"verbose\":false}"`}},
	// ref: CONNECT needs no separator, a tab works too; ok.
	{name: "connect no sep", in: "CONNECT{}\r\n", ops: []string{`CONNECT "{}"`}},
	{name: "connect tab lower", in: "connect\t{}\n", ops: []string{`CONNECT "{}"`}},
	// ref: "CONNECT" alone or bad JSON: closed, no -ERR (the server's JSON decoding fails).
	{name: "connect empty", in: "CONNECT\r\n", ops: []string{`CONNECT ""`}},
	{name: "connect bad json", in: "CONNECT {bad\r\n", ops: []string{`CONNECT "{bad"`}},

	// ---- garbage ----
	// ref: all "-ERR 'Unknown Protocol Operation'", closed.
	{name: "unknown verb", in: "FOO bar\r\n", err: ErrUnknownOp},
	{name: "empty line", in: "\r\n", err: ErrUnknownOp},
	{name: "empty LF", in: "\n", err: ErrUnknownOp},
	{name: "leading space", in: " PING\r\n", err: ErrUnknownOp},
	{name: "msg from client", in: "MSG foo 1 5\r\nhello\r\n", err: ErrUnknownOp},
	{name: "hmsg from client", in: "HMSG foo 1 12 14\r\n", err: ErrUnknownOp},
	{name: "high byte", in: "\xd0UB foo 1\r\n", err: ErrUnknownOp},
	{name: "ops before garbage", in: "PING\r\nSUB a 1\r\nXX", ops: []string{"PING", `SUB "a" - "1"`}, err: ErrUnknownOp},

	// ---- control line limit (arguments only; terminator excluded) ----
	// ref: 4096 bytes of PUB arguments ok, 4097 "-ERR 'maximum control line exceeded'", closed.
	{name: "cl 4096", in: "PUB " + strings.Repeat("a", 4094) + " 1\r\nx\r\n", ops: []string{`PUB "` + strings.Repeat("a", 4094) + `" - "x"`}},
	{name: "cl 4097", in: "PUB " + strings.Repeat("a", 4095) + " 1\r\nx\r\n", err: ErrMaxControlLine},
	// ref: trailing whitespace counts.
	{name: "cl 4096+2 spaces", in: "PUB " + strings.Repeat("a", 4094) + " 1  \r\nx\r\n", err: ErrMaxControlLine},
	// ref: detected without any line terminator.
	{name: "cl no LF", in: "PUB " + strings.Repeat("a", 4097), err: ErrMaxControlLine},
	// ref: the same for CONNECT (4096 ok, 4097 refused), INFO, -ERR, SUB, UNSUB.
	{name: "cl connect 4096", in: "CONNECT " + strings.Repeat("a", 4096) + "\r\n", ops: []string{`CONNECT "` + strings.Repeat("a", 4096) + `"`}},
	{name: "cl connect 4097", in: "CONNECT " + strings.Repeat("a", 4097) + "\r\n", err: ErrMaxControlLine},
	{name: "cl sub", in: "SUB " + strings.Repeat("a", 4998) + " 1\r\n", err: ErrMaxControlLine},
	{name: "cl unsub", in: "UNSUB " + strings.Repeat("a", 5000) + "\r\n", err: ErrMaxControlLine},
	{name: "cl info", in: "INFO " + strings.Repeat("a", 5000) + "\r\n", err: ErrMaxControlLine},
	{name: "cl err", in: "-ERR " + strings.Repeat("a", 5000) + "\r\n", err: ErrMaxControlLine},
	// ref: whitespace between the verb and the arguments does not count (10000 spaces ok).
	{name: "cl spaces after verb", in: "PUB" + strings.Repeat(" ", 10000) + "foo 1\r\nx\r\n", ops: []string{`PUB "foo" - "x"`}},
	{name: "cl small", in: "SUB abcdefgh 1\r\n", maxCL: 10, ops: []string{`SUB "abcdefgh" - "1"`}},
	{name: "cl small over", in: "SUB abcdefgh 12\r\n", maxCL: 10, err: ErrMaxControlLine},
	{name: "cl small CRCRLF", in: "SUB abcdefgh 1\r\r\n", maxCL: 10, err: ErrMaxControlLine},
	{name: "cl small bare LF", in: "SUB abcdefgh 1\n", maxCL: 10, ops: []string{`SUB "abcdefgh" - "1"`}},
	{name: "cl small no LF", in: "SUB abcdefgh 12", maxCL: 10, err: ErrMaxControlLine},
	{name: "cl small no LF at limit", in: "SUB abcdefgh 1\r", maxCL: 10},

	// ---- deliberate differences (REFERENCE_FACTS.md, "Quirks") ----
	// ref: the byte after the whitespace is never a line end, so this is
	// SUB l 67 there; natsnet ends the line at the first LF.
	{name: "quirk sub LF after ws", in: "SUB \nl 67\r\n", err: ErrBadArgs},
	// ref: accepted with subject "\nx" and delivered as "MSG \nx 99 1".
	{name: "quirk pub LF after ws", in: "PUB \nx 1\r\na\r\n", err: ErrBadArgs},
	// ref: CONNECT argument "\nPING".
	{name: "quirk connect LF", in: "CONNECT\nPING\r\n", ops: []string{`CONNECT ""`, "PING"}},
	// ref: closed (the "5" is dropped when a CR is in a line ending in bare LF).
	{name: "quirk pub CR bare LF", in: "PUB ab\rc 5\nhello\r\n", ops: []string{`PUB "ab\rc" - "hello"`}},
	// ref: the same with CRLF is accepted and delivered as "MSG a\rb 99 5".
	{name: "pub CR in subject", in: "PUB a\rb 5\r\nhello\r\n", ops: []string{`PUB "a\rb" - "hello"`}},
	// ref: swallowed silently when exactly "HMSG ...\r\n\r\n" is in one read.
	{name: "quirk hmsg", in: "HMSG foo 1 2 2\r\n\r\n", err: ErrUnknownOp},
}

func TestParseTable(t *testing.T) {
	for _, tc := range parseCases {
		t.Run(tc.name, func(t *testing.T) {
			in := []byte(tc.in)
			check := func(how string, chunks [][]byte) {
				t.Helper()
				r, err := run(tc.maxCL, tc.maxPy, chunks)
				if !slices.Equal(r.ops, tc.ops) {
					t.Errorf("%s: ops\n got %q\nwant %q", how, r.ops, tc.ops)
				}
				if tc.err == nil && err != nil || tc.err != nil && !errors.Is(err, tc.err) {
					t.Errorf("%s: err = %v, want %v", how, err, tc.err)
				}
				if len(r.bad) > 0 {
					t.Errorf("%s: handler saw bad arguments: %q", how, r.bad)
				}
			}
			check("whole", [][]byte{in})
			check("bytewise", bytewise(in))
			if len(in) < 600 {
				for k := 0; k <= len(in); k++ {
					check("split", splitAt(in, k))
				}
			}
		})
	}
}

func TestHandlerErrorStopsAndSticks(t *testing.T) {
	in := []byte("PING\r\nSUB a 1\r\nPUB a 1\r\nx\r\nPONG\r\n")
	for _, failOn := range []string{"PING", "SUB", "PUB", "PONG"} {
		p := &Parser{}
		r := &recorder{failOn: failOn}
		err := p.Parse(in, r)
		if err != errHandler {
			t.Fatalf("failOn %s: err = %v, want the handler's error unwrapped", failOn, err)
		}
		last := r.ops[len(r.ops)-1]
		if !strings.HasPrefix(last, failOn) {
			t.Fatalf("failOn %s: parsing went on after the error: %q", failOn, r.ops)
		}
		n := len(r.ops)
		if err := p.Parse([]byte("PING\r\n"), r); err != errHandler || len(r.ops) != n {
			t.Fatalf("failOn %s: parser not stuck after error: %v %q", failOn, err, r.ops)
		}
		p.Reset()
		r.failOn = ""
		if err := p.Parse([]byte("PING\r\n"), r); err != nil || r.ops[len(r.ops)-1] != "PING" {
			t.Fatalf("failOn %s: after Reset: %v %q", failOn, err, r.ops)
		}
	}
}

func TestProtocolErrorSticksUntilReset(t *testing.T) {
	p := &Parser{}
	r := &recorder{}
	err := p.Parse([]byte("PUB foo 5\r\nhel"), r)
	if err != nil {
		t.Fatal(err)
	}
	err = p.Parse([]byte("loXX"), r)
	if !errors.Is(err, ErrBadPayload) {
		t.Fatalf("err = %v", err)
	}
	if err2 := p.Parse([]byte("PING\r\n"), r); err2 != err {
		t.Fatalf("second call: %v", err2)
	}
	p.Reset()
	if err := p.Parse([]byte("PING\r\n"), r); err != nil || len(r.ops) != 1 {
		t.Fatalf("after Reset: %v %q", err, r.ops)
	}
}

// The pending control line never grows past MaxControlLine+2 bytes and the
// violation is reported on the first byte that makes it certain.
func TestMaxControlLineDetectedEarly(t *testing.T) {
	for _, lim := range []int{1, 10, 4096} {
		p := &Parser{MaxControlLine: lim}
		r := &recorder{}
		in := append([]byte("PUB "), strings.Repeat("a", 3*lim+10)...)
		fed := 0
		var err error
		for fed < len(in) && err == nil {
			err = p.Parse(in[fed:fed+1], r)
			fed++
			if len(p.line) > lim+2 {
				t.Fatalf("lim %d: pending line grew to %d", lim, len(p.line))
			}
		}
		if !errors.Is(err, ErrMaxControlLine) || fed != 4+lim+1 {
			t.Fatalf("lim %d: err %v after %d bytes, want ErrMaxControlLine after %d", lim, err, fed, 4+lim+1)
		}
		// The same in one call with a large buffer.
		p = &Parser{MaxControlLine: lim}
		if err := p.Parse(in, r); !errors.Is(err, ErrMaxControlLine) {
			t.Fatalf("lim %d: whole: %v", lim, err)
		}
	}
}

// A payload straddling calls is reassembled; a large buffer is not pinned.
func TestLargeSplitPayload(t *testing.T) {
	p := &Parser{}
	payload := strings.Repeat("z", 200000)
	in := []byte("PUB big reply 200000\r\n" + payload + "\r\nPING\r\n")
	r := &recorder{}
	if err := feed(p, r, splitAt(in, 10, 30, 1000, 150000, len(in)-7, len(in)-6)); err != nil {
		t.Fatal(err)
	}
	want := []string{`PUB "big" "reply" "` + payload + `"`, "PING"}
	if !slices.Equal(r.ops, want) {
		t.Fatalf("ops differ: %d ops", len(r.ops))
	}
	if cap(p.msg) > maxKeptPayloadBuf {
		t.Fatalf("payload buffer of %d bytes kept", cap(p.msg))
	}
}

func TestZeroValueAndDefaults(t *testing.T) {
	var p Parser
	if p.maxControlLine() != DefaultMaxControlLine || p.maxPayload() != DefaultMaxPayload {
		t.Fatal("bad defaults")
	}
	p.MaxControlLine, p.MaxPayload = -1, -5
	if p.maxControlLine() != 4096 || p.maxPayload() != 1<<20 {
		t.Fatal("bad defaults for negative limits")
	}
}

func TestHugeLimits(t *testing.T) {
	in := []byte("SUB a 1\r\nPUB a 3\r\nabc\r\nPUB " + strings.Repeat("b", 9000) + " 2\r\nxy\r\n")
	want := []string{`SUB "a" - "1"`, `PUB "a" - "abc"`, `PUB "` + strings.Repeat("b", 9000) + `" - "xy"`}
	for _, chunks := range [][][]byte{{in}, bytewise(in), splitAt(in, 20, 100, 5000)} {
		r, err := run(math.MaxInt, math.MaxInt, chunks)
		if err != nil || !slices.Equal(r.ops, want) {
			t.Fatalf("err %v, %d ops", err, len(r.ops))
		}
	}
}

func TestClientErrText(t *testing.T) {
	cases := []struct {
		in   string
		text string
		send bool
	}{
		{"FOO\r\n", ErrTextUnknownOp, true},
		{"PUB foo 1\r\nxx", ErrTextUnknownOp, true},
		{"PUB foo 2000000\r\n", ErrTextMaxPayload, true},
		{"SUB " + strings.Repeat("x", 5000), ErrTextMaxControlLine, true},
		{"PUB foo\r\n", "", false},
	}
	for _, c := range cases {
		var p Parser
		err := p.Parse([]byte(c.in), &recorder{})
		text, send := ClientErrText(err)
		if text != c.text || send != c.send {
			t.Errorf("%q: %v -> (%q, %v), want (%q, %v)", c.in, err, text, send, c.text, c.send)
		}
	}
	if _, send := ClientErrText(errHandler); send {
		t.Error("handler error mapped to a reply")
	}
}
