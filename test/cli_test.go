package test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/natsnet/natsnet"
)

// The tests in this file drive the official nats CLI against natsnet.

// natsCLIVersion is the natscli release the tests are written against.
const natsCLIVersion = "v0.5.0"

var natsCLI struct {
	once sync.Once
	path string
	err  error
}

// natsCLIPath returns the nats CLI to run, finding or building it once per
// test binary run: $NATS_CLI if set, else /tmp/tools/bin/nats if it is the
// expected version, else a build cached under the user cache directory
// (made with `go install`, which needs only the Go module proxy).
func natsCLIPath(t testing.TB) string {
	t.Helper()
	natsCLI.once.Do(func() { natsCLI.path, natsCLI.err = findNatsCLI() })
	if natsCLI.err != nil {
		t.Fatalf("nats CLI %s: %v", natsCLIVersion, natsCLI.err)
	}
	return natsCLI.path
}

func findNatsCLI() (string, error) {
	if p := os.Getenv("NATS_CLI"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("$NATS_CLI: %w", err)
		}
		return p, nil
	}
	if p := "/tmp/tools/bin/nats"; isNatsCLIVersion(p) {
		return p, nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "natsnet-test", "natscli-"+natsCLIVersion)
	bin := filepath.Join(dir, "nats")
	if isNatsCLIVersion(bin) {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	// Build into a fresh directory and move the binary into place, so
	// concurrent test binaries never see a partial file.
	gobin, err := os.MkdirTemp(dir, "build-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(gobin)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "install", "github.com/nats-io/natscli/nats@"+natsCLIVersion)
	cmd.Dir = gobin
	cmd.Env = append(os.Environ(), "GOBIN="+gobin, "GOWORK=off", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go install: %v\n%s", err, out)
	}
	if err := os.Rename(filepath.Join(gobin, "nats"), bin); err != nil {
		return "", err
	}
	if !isNatsCLIVersion(bin) {
		return "", fmt.Errorf("%s does not report version %s", bin, natsCLIVersion)
	}
	return bin, nil
}

func isNatsCLIVersion(path string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "--version").CombinedOutput()
	return err == nil && strings.TrimSpace(string(out)) == natsCLIVersion
}

// cliEnv is the environment for the CLI: without NATS_* settings and with
// an empty configuration directory, so no saved context is used.
func cliEnv(t testing.TB) []string {
	t.Helper()
	home := t.TempDir()
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "NATS_") && !strings.HasPrefix(kv, "HOME=") && !strings.HasPrefix(kv, "XDG_CONFIG_HOME=") {
			env = append(env, kv)
		}
	}
	return append(env, "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"), "NO_COLOR=1")
}

// proc is a running subprocess whose output is collected.
type proc struct {
	t              testing.TB
	cmd            *exec.Cmd
	stdout, stderr bytes.Buffer
	done           chan struct{}
	err            error // set before done is closed
}

// startProc starts path with args and env (nil: the test's environment);
// it is killed when the test ends if it is still running.
func startProc(t testing.TB, env []string, path string, args ...string) *proc {
	t.Helper()
	p := &proc{t: t, done: make(chan struct{})}
	p.cmd = exec.Command(path, args...)
	p.cmd.Env = env
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s %v: %v", path, args, err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// exited reports whether the process has ended.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// wait waits for the process to exit and returns its exit code, stdout and
// stderr. The output must only be read after the process has ended.
func (p *proc) wait(d time.Duration) (int, string, string) {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(d):
		if p.exited() {
			break
		}
		_ = p.cmd.Process.Kill()
		<-p.done
		p.t.Fatalf("%v did not exit within %v\nstdout: %s\nstderr: %s", p.cmd.Args, d, &p.stdout, &p.stderr)
	}
	code := 0
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		code = ee.ExitCode()
	} else if p.err != nil {
		p.t.Fatalf("%v: %v", p.cmd.Args, p.err)
	}
	return code, p.stdout.String(), p.stderr.String()
}

// startCLI starts the nats CLI with args.
func startCLI(t testing.TB, args ...string) *proc {
	t.Helper()
	return startProc(t, cliEnv(t), natsCLIPath(t), args...)
}

// runCLI runs the nats CLI to completion.
func runCLI(t testing.TB, args ...string) (int, string, string) {
	t.Helper()
	return startCLI(t, args...).wait(time.Minute)
}

// expectCLI runs the nats CLI and fails unless it exits with code and its
// combined output contains every one of want.
func expectCLI(t testing.TB, code int, want []string, args ...string) string {
	t.Helper()
	got, stdout, stderr := runCLI(t, args...)
	out := stdout + stderr
	if got != code {
		t.Fatalf("nats %v: exit code %d, want %d\nstdout: %s\nstderr: %s", args, got, code, stdout, stderr)
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Fatalf("nats %v: output lacks %q\nstdout: %s\nstderr: %s", args, w, stdout, stderr)
		}
	}
	return stdout
}

// waitForInterest polls /subsz until some subscription matches subj.
func waitForInterest(t testing.TB, s *natsnet.Server, subj string) {
	t.Helper()
	waitFor(t, 30*time.Second, "a subscription on "+subj, func() bool {
		var sz monSubsz
		monJSON(t, s, "/subsz?subs=1&test="+subj, &sz)
		return sz.Total > 0
	})
}

func TestCLIPublish(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	nc := connect(t, s.ClientURL())
	sub, err := nc.SubscribeSync("cli.pub")
	if err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	expectCLI(t, 0, []string{`Published 14 bytes to "cli.pub"`},
		"--server", s.ClientURL(), "pub", "cli.pub", "hello from cli", "-H", "X-Test:yes")
	m, err := sub.NextMsg(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if string(m.Data) != "hello from cli" || m.Header.Get("X-Test") != "yes" {
		t.Fatalf("got %q with header %v", m.Data, m.Header)
	}

	expectCLI(t, 0, nil, "--server", s.ClientURL(), "pub", "cli.pub", "n{{Count}}", "--count", "3")
	for i := 1; i <= 3; i++ {
		m, err := sub.NextMsg(5 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("n%d", i); string(m.Data) != want {
			t.Fatalf("message %d is %q, want %q", i, m.Data, want)
		}
	}
}

func TestCLISubscribe(t *testing.T) {
	t.Parallel()
	s := startMonitored(t, nil)
	nc := connect(t, s.ClientURL())
	p := startCLI(t, "--server", s.ClientURL(), "sub", "cli.sub.>", "--count", "2")
	waitForInterest(t, s, "cli.sub.x")
	for _, m := range []struct{ subj, data string }{{"cli.sub.one", "first"}, {"cli.sub.two", "second"}} {
		if err := nc.Publish(m.subj, []byte(m.data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := p.wait(30 * time.Second)
	if code != 0 {
		t.Fatalf("sub exited %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	for _, w := range []string{`[#1] Received on "cli.sub.one"`, "first", `[#2] Received on "cli.sub.two"`, "second"} {
		if !strings.Contains(stdout, w) {
			t.Fatalf("sub output lacks %q:\n%s", w, stdout)
		}
	}
}

func TestCLIRequestReply(t *testing.T) {
	t.Parallel()
	s := startMonitored(t, nil)
	nc := connect(t, s.ClientURL())

	// nats request against a nats.go responder.
	if _, err := nc.Subscribe("cli.svc", func(m *nats.Msg) { _ = m.Respond(append([]byte("re:"), m.Data...)) }); err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	if out := expectCLI(t, 0, nil, "--server", s.ClientURL(), "request", "cli.svc", "question"); !strings.Contains(out, "re:question") {
		t.Fatalf("request printed %q", out)
	}
	// The CLI reports no responders (and still exits 0, as it does with
	// nats-server).
	expectCLI(t, 0, []string{"No responders are available"}, "--server", s.ClientURL(), "request", "cli.nobody", "x")

	// nats reply serving a nats.go requester.
	p := startCLI(t, "--server", s.ClientURL(), "reply", "cli.rpc", "answer", "--count", "1")
	waitForInterest(t, s, "cli.rpc")
	resp, err := nc.Request("cli.rpc", []byte("q"), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if string(resp.Data) != "answer" {
		t.Fatalf("reply %q", resp.Data)
	}
	// natscli v0.5.0 exits 1 once --count is reached; it does the same
	// against nats-server v2.15.2.
	code, stdout, stderr := p.wait(30 * time.Second)
	if code != 1 || !strings.Contains(stderr, `Received on subject "cli.rpc"`) {
		t.Fatalf("reply exited %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
}

func TestCLIServerCommands(t *testing.T) {
	t.Parallel()
	s := startServer(t, &natsnet.Options{
		ServerName: "cli-test",
		Users: []*natsnet.User{
			{Username: "sys", Password: "p", Account: "$SYS"},
			{Username: "app", Password: "p"},
		},
	})
	app := connect(t, s.ClientURL(), nats.UserInfo("app", "p"))
	if _, err := app.SubscribeSync("busy"); err != nil {
		t.Fatal(err)
	}
	if err := app.Flush(); err != nil {
		t.Fatal(err)
	}
	sys := []string{"--server", s.ClientURL(), "--user", "sys", "--password", "p"}
	cli := func(args ...string) []string { return append(append([]string(nil), sys...), args...) }

	t.Run("list", func(t *testing.T) {
		out := expectCLI(t, 0, nil, cli("server", "list", "1", "--json")...)
		var list []sysStatsz
		if err := json.Unmarshal([]byte(out), &list); err != nil {
			t.Fatalf("server list --json: %v in %s", err, out)
		}
		if len(list) != 1 || list[0].Server.ID != s.ID() || list[0].Server.Name != "cli-test" ||
			list[0].Stats == nil || list[0].Stats.Connections != 2 {
			t.Fatalf("server list: %s", out)
		}
		expectCLI(t, 0, []string{"Server Overview", "cli-test", "2.15.2"}, cli("server", "list", "1")...)
	})
	t.Run("info", func(t *testing.T) {
		want := []string{"Server information for cli-test", "Version: 2.15.2", "Auth Required: true", "Connections: 2"}
		expectCLI(t, 0, want, cli("server", "info")...)
		expectCLI(t, 0, want, cli("server", "info", "cli-test")...)
		expectCLI(t, 0, want, cli("server", "info", s.ID())...)
		expectCLI(t, 1, []string{"no results received"}, cli("--timeout", "1s", "server", "info", "no-such-server")...)
	})
	t.Run("ping", func(t *testing.T) {
		expectCLI(t, 0, []string{"cli-test", "rtt=", "1 replies"}, cli("server", "ping", "1")...)
		expectCLI(t, 0, []string{s.ID()}, cli("server", "ping", "1", "--id")...)
	})
	t.Run("check connection", func(t *testing.T) {
		out := expectCLI(t, 0, []string{"connected to " + s.ClientURL()},
			cli("server", "check", "connection", "--connect-warn=20s", "--connect-critical=30s",
				"--rtt-warn=20s", "--rtt-critical=30s", "--req-warn=20s", "--req-critical=30s")...)
		if !strings.HasPrefix(out, "OK Connection") {
			t.Fatalf("check connection: %s", out)
		}
	})
	t.Run("needs system account", func(t *testing.T) {
		expectCLI(t, 1, []string{"no results received"},
			"--server", s.ClientURL(), "--user", "app", "--password", "p", "--timeout", "1s", "server", "list", "1")
	})
}
