// Package test holds end-to-end tests: each starts natsnet servers in
// process through the public embedding API and talks to them with the
// official Go client (nats.go) or over raw TCP.
package test

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/natsnet/natsnet"
)

// startServer starts a server on a random loopback port and shuts it down
// when the test ends.
func startServer(t testing.TB, opts *natsnet.Options) *natsnet.Server {
	t.Helper()
	if opts == nil {
		opts = &natsnet.Options{}
	}
	if opts.Host == "" {
		opts.Host = "127.0.0.1"
	}
	if opts.Port == 0 {
		opts.Port = natsnet.RandomPort
	}
	opts.NoLog = !testing.Verbose()
	s, err := natsnet.New(opts)
	if err != nil {
		t.Fatalf("new server: %v", err)
	}
	if err := s.Start(); err != nil {
		t.Fatalf("start server: %v", err)
	}
	t.Cleanup(s.Shutdown)
	return s
}

// connect opens a nats.go connection that is closed when the test ends.
func connect(t testing.TB, url string, opts ...nats.Option) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		t.Fatalf("connect %s: %v", url, err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// rawConn is a protocol-level client for exact wire checks.
type rawConn struct {
	t  testing.TB
	nc net.Conn
	br *bufio.Reader
}

// dialRaw connects over TCP and consumes the server's INFO line.
func dialRaw(t testing.TB, s *natsnet.Server) *rawConn {
	t.Helper()
	addr := strings.TrimPrefix(s.ClientURL(), "nats://")
	nc, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { nc.Close() })
	rc := &rawConn{t: t, nc: nc, br: bufio.NewReader(nc)}
	if line := rc.readLine(); !strings.HasPrefix(line, "INFO ") {
		t.Fatalf("first line %q, want INFO", line)
	}
	return rc
}

func (rc *rawConn) send(s string) {
	rc.t.Helper()
	if _, err := rc.nc.Write([]byte(s)); err != nil {
		rc.t.Fatalf("write: %v", err)
	}
}

// readLine reads one CRLF-terminated line, without the CRLF.
func (rc *rawConn) readLine() string {
	rc.t.Helper()
	_ = rc.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := rc.br.ReadString('\n')
	if err != nil {
		rc.t.Fatalf("read line: %v (got %q)", err, line)
	}
	return strings.TrimRight(line, "\r\n")
}

// expect reads one line and fails unless it equals want.
func (rc *rawConn) expect(want string) {
	rc.t.Helper()
	if got := rc.readLine(); got != want {
		rc.t.Fatalf("got %q, want %q", got, want)
	}
}

// expectClosed fails unless the server closes the connection.
func (rc *rawConn) expectClosed() {
	rc.t.Helper()
	_ = rc.nc.SetReadDeadline(time.Now().Add(3 * time.Second))
	for {
		line, err := rc.br.ReadString('\n')
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				rc.t.Fatalf("connection still open")
			}
			return
		}
		if strings.HasPrefix(line, "PING") {
			continue
		}
		rc.t.Fatalf("unexpected %q while waiting for close", line)
	}
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
