package proto

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
)

type stream struct {
	name  string
	in    string
	maxCL int
	maxPy int
}

var streams = []stream{
	{name: "session", in: "CONNECT {\"verbose\":false,\"headers\":true}\r\n" +
		"SUB foo.* 1\r\nsub  bar\tq 2\n" +
		"PUB foo.a 5\r\nhello\r\n" +
		"pub foo.b _INBOX.x 0\r\n\r\n" +
		"HPUB foo.c 12 16\r\nNATS/1.0\r\n\r\nbody\r\n" +
		"hpub foo.d rep 12 12\nNATS/1.0\r\n\r\n\r\n" +
		"UNSUB 1 10\r\nunsub 2\r\nPING\r\nPONG\r\n" +
		"PUB x 4\r\n\r\n\r\n\r\n"},
	{name: "echoes", in: "INFO {\"x\":1}\r\n+OK\r\n+okay\n-ERR 'oops'\r\nPINGjunk\r\nping\n" +
		"CONNECT{}\r\nINFO\r\n"},
	{name: "bad payload at end", in: "SUB a 1\r\nPUB a 3\r\nabc\r\nPUB a 3\r\nabcd\r\n"},
	{name: "unknown op at end", in: "PING\r\nPUB a 1\r\nb\r\nPUX\r\n"},
	{name: "bad args at end", in: "PONG\r\nHPUB a 5 4\r\n"},
	{name: "max payload", in: "PUB a 3\r\nabc\r\nPUB a 4\r\nabcd\r\n", maxPy: 3},
	{name: "max control line", in: "SUB abc 1\r\nSUB abcde 12\r\nPING\r\n", maxCL: 8},
	{name: "control line at limit with CR", in: "SUB abcd 123\r\nPUB a 1\r\nx\r\nSUB abcd 123\r\r\n", maxCL: 8},
	{name: "big payloads", in: "PUB a 300\r\n" + strings.Repeat("p", 300) + "\r\nHPUB b 100 300\r\n" +
		strings.Repeat("h", 300) + "\r\nPING\r\n"},
}

func outcome(maxCL, maxPy int, chunks [][]byte) ([]string, string, []string) {
	r, err := run(maxCL, maxPy, chunks)
	return r.ops, errKind(err), r.bad
}

// Every split of every stream into two pieces, and every split into three
// pieces for the shorter ones, gives the same result as the whole stream.
func TestEverySplitSameResult(t *testing.T) {
	for _, s := range streams {
		t.Run(s.name, func(t *testing.T) {
			in := []byte(s.in)
			wantOps, wantErr, bad := outcome(s.maxCL, s.maxPy, [][]byte{in})
			if len(bad) > 0 {
				t.Fatalf("bad handler args: %q", bad)
			}
			if len(wantOps) == 0 {
				t.Fatal("stream yields no ops")
			}
			check := func(how string, chunks [][]byte) {
				t.Helper()
				ops, errk, bad := outcome(s.maxCL, s.maxPy, chunks)
				if !slices.Equal(ops, wantOps) || errk != wantErr || len(bad) > 0 {
					t.Fatalf("%s: got %q %s %q\nwant %q %s", how, ops, errk, bad, wantOps, wantErr)
				}
			}
			check("bytewise", bytewise(in))
			for k := 0; k <= len(in); k++ {
				check("split2", splitAt(in, k))
			}
			if len(in) <= 300 {
				for k := 0; k <= len(in); k++ {
					for m := k; m <= len(in); m++ {
						check("split3", splitAt(in, k, m))
					}
				}
			}
			rng := rand.New(rand.NewPCG(1, uint64(len(in))))
			for range 200 {
				var cuts []int
				for c := rng.IntN(8); c < len(in); c += rng.IntN(12) + 1 {
					cuts = append(cuts, c)
				}
				check("random", splitAt(in, cuts...))
			}
		})
	}
}

// nop is a Handler that does nothing, for allocation counts and benchmarks.
type nop struct{ n int }

func (h *nop) ProcessConnect([]byte) error            { return nil }
func (h *nop) ProcessPub(a *PubArgs) error            { h.n += len(a.Payload); return nil }
func (h *nop) ProcessSub(_, _, _ []byte) error        { return nil }
func (h *nop) ProcessUnsub(sid []byte, _ int64) error { return nil }
func (h *nop) ProcessPing() error                     { return nil }
func (h *nop) ProcessPong() error                     { return nil }
func (h *nop) ProcessInfo([]byte) error               { return nil }
func (h *nop) ProcessOK() error                       { return nil }
func (h *nop) ProcessErr([]byte) error                { return nil }

func pubOp(payload int) []byte {
	return []byte("PUB foo.bar.baz _INBOX.reply.1234 " + strconv.Itoa(payload) + "\r\n" + strings.Repeat("x", payload) + "\r\n")
}

func hpubOp(payload int) []byte {
	hdr := "NATS/1.0\r\nTrace-Id: 0123456789abcdef\r\n\r\n"
	return []byte("HPUB foo.bar.baz _INBOX.reply.1234 " + strconv.Itoa(len(hdr)) + " " + strconv.Itoa(len(hdr)+payload) + "\r\n" +
		hdr + strings.Repeat("x", payload) + "\r\n")
}

func TestZeroAllocs(t *testing.T) {
	pub := pubOp(128)
	cases := map[string][][]byte{
		"pub":              {pub},
		"pub split line":   splitAt(pub, 10),
		"pub split body":   splitAt(pub, 60),
		"pub split CRLF":   splitAt(pub, len(pub)-1),
		"pub bytewise":     bytewise(pub),
		"hpub":             {hpubOp(128)},
		"hpub split":       splitAt(hpubOp(128), 20, 80),
		"sub unsub":        {[]byte("SUB foo.bar q 12\r\nUNSUB 12 5\r\n")},
		"ping pong":        {[]byte("PING\r\nPONG\r\n")},
		"connect info err": {[]byte("CONNECT {}\r\nINFO {}\r\n-ERR 'x'\r\n+OK\r\n")},
		"many":             {slices.Concat(pub, pub, hpubOp(5), []byte("PING\r\n"), pub)},
	}
	for name, chunks := range cases {
		p := &Parser{}
		h := &nop{}
		parse := func() {
			for _, c := range chunks {
				if err := p.Parse(c, h); err != nil {
					t.Fatal(err)
				}
			}
		}
		parse() // grow the reusable buffers once
		if a := testing.AllocsPerRun(200, parse); a != 0 {
			t.Errorf("%s: %v allocations per run", name, a)
		}
	}
}
