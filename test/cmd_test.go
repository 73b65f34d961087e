package test

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// The tests in this file run the natsnet command as a subprocess.

// freeLoopbackPort returns a TCP port on 127.0.0.1 that was free a moment
// ago.
func freeLoopbackPort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// natsnetCmd is the natsnet binary built for one test run.
type natsnetCmd struct {
	bin string
}

// run runs natsnet to completion.
func (c natsnetCmd) run(t testing.TB, args ...string) (int, string, string) {
	t.Helper()
	return startProc(t, nil, c.bin, args...).wait(30 * time.Second)
}

// serve starts natsnet on a free loopback port with extra args and waits
// until it accepts clients. It returns the process and the client URL.
func (c natsnetCmd) serve(t testing.TB, args ...string) (*proc, string) {
	t.Helper()
	port := freeLoopbackPort(t)
	url := fmt.Sprintf("nats://127.0.0.1:%d", port)
	p := startProc(t, nil, c.bin, append([]string{"-a", "127.0.0.1", "-p", fmt.Sprint(port)}, args...)...)
	waitFor(t, 10*time.Second, "natsnet to accept clients", func() bool {
		if p.exited() {
			code, stdout, stderr := p.wait(0)
			t.Fatalf("natsnet exited with %d before serving\nstdout: %s\nstderr: %s", code, stdout, stderr)
		}
		conn, err := net.DialTimeout("tcp", url[len("nats://"):], time.Second)
		if err != nil {
			return false
		}
		conn.Close()
		return true
	})
	return p, url
}

func TestCmd(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c := natsnetCmd{bin: filepath.Join(dir, "natsnet")}
	build := exec.Command("go", "build", "-o", c.bin, "github.com/natsnet/natsnet/cmd/natsnet")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build natsnet: %v\n%s", err, out)
	}
	writeConf := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	goodConf := writeConf("good.conf", "server_name: from-conf\nmax_payload: 2048\nlame_duck_duration: \"1s\"\nlame_duck_grace_period: \"200ms\"\n")
	badConf := writeConf("bad.conf", "port: 4222\n\nno_such_key: 1\n")

	t.Run("sigterm", func(t *testing.T) {
		t.Parallel()
		mport := freeLoopbackPort(t)
		p, url := c.serve(t, "-n", "sig-test", "-m", fmt.Sprint(mport))
		closed := make(chan struct{})
		nc := connect(t, url, nats.NoReconnect(), nats.ClosedHandler(func(*nats.Conn) { close(closed) }))
		if got := nc.ConnectedServerName(); got != "sig-test" {
			t.Fatalf("server name %q, want sig-test", got)
		}
		resp, err := monClient.Get(fmt.Sprintf("http://127.0.0.1:%d/healthz", mport))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("healthz %s", resp.Status)
		}
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		code, _, stderr := p.wait(10 * time.Second)
		if code != 0 {
			t.Fatalf("exit code %d after SIGTERM\nstderr: %s", code, stderr)
		}
		select {
		case <-closed:
		case <-time.After(5 * time.Second):
			t.Fatal("client not disconnected by the shutdown")
		}
	})

	t.Run("sigint as soon as the port answers", func(t *testing.T) {
		t.Parallel()
		p, _ := c.serve(t)
		if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		if code, _, stderr := p.wait(10 * time.Second); code != 0 {
			t.Fatalf("exit code %d after SIGINT\nstderr: %s", code, stderr)
		}
	})

	t.Run("sigusr2 lame duck", func(t *testing.T) {
		t.Parallel()
		p, url := c.serve(t, "-c", goodConf)
		ldm := make(chan struct{}, 1)
		closed := make(chan struct{})
		nc := connect(t, url, nats.NoReconnect(),
			nats.LameDuckModeHandler(func(*nats.Conn) { ldm <- struct{}{} }),
			nats.ClosedHandler(func(*nats.Conn) { close(closed) }))
		if nc.ConnectedServerName() != "from-conf" || nc.MaxPayload() != 2048 {
			t.Fatalf("config not applied: name %q max payload %d", nc.ConnectedServerName(), nc.MaxPayload())
		}
		if err := p.cmd.Process.Signal(syscall.SIGUSR2); err != nil {
			t.Fatal(err)
		}
		select {
		case <-ldm:
		case <-time.After(5 * time.Second):
			t.Fatal("client not told about lame duck mode")
		}
		select {
		case <-closed:
		case <-time.After(10 * time.Second):
			t.Fatal("client not closed by the end of lame duck mode")
		}
		code, _, stderr := p.wait(10 * time.Second)
		if code != 0 {
			t.Fatalf("exit code %d after lame duck mode\nstderr: %s", code, stderr)
		}
	})

	t.Run("test good config", func(t *testing.T) {
		t.Parallel()
		code, _, stderr := c.run(t, "-t", "-c", goodConf)
		if code != 0 || !strings.Contains(stderr, "test is successful") {
			t.Fatalf("exit code %d, stderr %q", code, stderr)
		}
	})

	t.Run("test bad config", func(t *testing.T) {
		t.Parallel()
		code, _, stderr := c.run(t, "-t", "-c", badConf)
		if code != 1 || !strings.Contains(stderr, badConf+":3:") || !strings.Contains(stderr, "no_such_key") {
			t.Fatalf("exit code %d, stderr %q; want 1 and the file:line of the bad key", code, stderr)
		}
		// Without -t the same error stops the server from starting.
		code, _, stderr = c.run(t, "-c", badConf)
		if code != 1 || !strings.Contains(stderr, badConf+":3:") {
			t.Fatalf("serving a bad config: exit code %d, stderr %q", code, stderr)
		}
	})

	t.Run("version", func(t *testing.T) {
		t.Parallel()
		for _, flag := range []string{"-v", "--version"} {
			code, stdout, _ := c.run(t, flag)
			if code != 0 || !strings.HasPrefix(stdout, "natsnet version ") || !strings.Contains(stdout, "2.15.2") {
				t.Fatalf("%s: exit code %d, stdout %q", flag, code, stdout)
			}
		}
	})

	t.Run("bad arguments", func(t *testing.T) {
		t.Parallel()
		for _, args := range [][]string{{"--no-such-flag"}, {"-p", "notaport"}, {"stray-argument"}} {
			code, _, stderr := c.run(t, args...)
			if code == 0 || !strings.Contains(stderr, strings.TrimLeft(args[0], "-")) {
				t.Errorf("%v: exit code %d, stderr %q; want a failure naming the argument", args, code, stderr)
			}
		}
		code, _, stderr := c.run(t, "-c", filepath.Join(t.TempDir(), "missing.conf"))
		if code == 0 || !strings.Contains(stderr, "missing.conf") {
			t.Errorf("missing config file: exit code %d, stderr %q", code, stderr)
		}
	})
}
