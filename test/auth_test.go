package test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
	"golang.org/x/crypto/bcrypt"

	"github.com/natsnet/natsnet"
)

// End-to-end tests of authentication and authorization through nats.go.
// The expected -ERR texts, and whether the server keeps the connection
// open after each, are those of nats-server v2.15.2.

// writeTemp writes content to a file in the test's temporary directory and
// returns its path.
func writeTemp(t testing.TB, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatalf("write %s: %v", name, err)
	}
	return path
}

// startConfig loads a configuration file with the given text, as an
// embedding program would with natsnet.LoadConfig, and starts a server from
// it on a random loopback port.
func startConfig(t testing.TB, conf string) *natsnet.Server {
	t.Helper()
	opts, err := natsnet.LoadConfig(writeTemp(t, "server.conf", conf))
	if err != nil {
		t.Fatalf("load config: %v", err)
	}
	return startServer(t, opts)
}

// asyncErrs collects the errors nats.go hands to a connection's async error
// handler.
type asyncErrs chan error

func newAsyncErrs() asyncErrs { return make(asyncErrs, 64) }

// option installs the collector as the connection's error handler.
func (a asyncErrs) option() nats.Option {
	return nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
		select {
		case a <- err:
		default:
		}
	})
}

// expect waits for the next async error and fails unless it is a
// permissions violation carrying exactly the server's text want.
func (a asyncErrs) expect(t testing.TB, want string) {
	t.Helper()
	select {
	case err := <-a:
		if !errors.Is(err, nats.ErrPermissionViolation) {
			t.Fatalf("async error %v, want a permissions violation", err)
		}
		if got := strings.TrimPrefix(err.Error(), nats.ErrPermissionViolation.Error()+": "); got != want {
			t.Fatalf("async error text %q, want %q", got, want)
		}
	case <-time.After(3 * time.Second):
		t.Fatalf("no async error, want %q", want)
	}
}

// expectNone fails if an async error is pending. Errors arrive before the
// PONG of a Flush, so call it after one.
func (a asyncErrs) expectNone(t testing.TB) {
	t.Helper()
	select {
	case err := <-a:
		t.Fatalf("unexpected async error: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
}

// flush round-trips a PING, failing the test if the connection broke.
func flush(t testing.TB, nc *nats.Conn) {
	t.Helper()
	if err := nc.FlushTimeout(5 * time.Second); err != nil {
		t.Fatalf("flush: %v", err)
	}
}

// nextMsg waits for a message on sub and checks its subject and data.
func nextMsg(t testing.TB, sub *nats.Subscription, subj, data string) *nats.Msg {
	t.Helper()
	m, err := sub.NextMsg(3 * time.Second)
	if err != nil {
		t.Fatalf("waiting on %q for %q: %v", sub.Subject, subj, err)
	}
	if m.Subject != subj || string(m.Data) != data {
		t.Fatalf("on %q got %q %q, want %q %q", sub.Subject, m.Subject, m.Data, subj, data)
	}
	return m
}

// subscribe makes a synchronous subscription and waits until the server
// has it.
func subscribe(t testing.TB, nc *nats.Conn, subj string) *nats.Subscription {
	t.Helper()
	sub, err := nc.SubscribeSync(subj)
	if err != nil {
		t.Fatalf("subscribe %q: %v", subj, err)
	}
	flush(t, nc)
	return sub
}

// publish sends a message, failing the test on a client-side error.
func publish(t testing.TB, nc *nats.Conn, subj, data string) {
	t.Helper()
	if err := nc.Publish(subj, []byte(data)); err != nil {
		t.Fatalf("publish %q: %v", subj, err)
	}
}

// connectErr connects expecting failure and returns the error.
func connectErr(t testing.TB, url string, opts ...nats.Option) error {
	t.Helper()
	nc, err := nats.Connect(url, append(opts, nats.NoReconnect())...)
	if err == nil {
		nc.Close()
		t.Fatal("connect succeeded, want an error")
	}
	return err
}

// expectAuthFailure fails unless connecting with opts is refused with
// 'Authorization Violation'.
func expectAuthFailure(t testing.TB, url string, opts ...nats.Option) {
	t.Helper()
	if err := connectErr(t, url, opts...); !errors.Is(err, nats.ErrAuthorization) {
		t.Fatalf("connect error %v, want %v", err, nats.ErrAuthorization)
	}
}

// roundTrip checks that nc can still publish to and receive from itself.
func roundTrip(t testing.TB, nc *nats.Conn, subj string) {
	t.Helper()
	sub := subscribe(t, nc, subj)
	defer sub.Unsubscribe()
	publish(t, nc, subj, "ping")
	nextMsg(t, sub, subj, "ping")
}

func TestAuthUserPassword(t *testing.T) {
	t.Parallel()
	s := startConfig(t, `authorization { user: alice, password: "s3cret" }`)
	good := connect(t, s.ClientURL(), nats.UserInfo("alice", "s3cret"))
	roundTrip(t, good, "hello")

	expectAuthFailure(t, s.ClientURL())
	expectAuthFailure(t, s.ClientURL(), nats.UserInfo("alice", "wrong"))
	expectAuthFailure(t, s.ClientURL(), nats.UserInfo("mallory", "s3cret"))
	expectAuthFailure(t, s.ClientURL(), nats.Token("s3cret"))

	// Credentials in the URL work as well.
	u := strings.Replace(s.ClientURL(), "nats://", "nats://alice:s3cret@", 1)
	roundTrip(t, connect(t, u), "url")

	// The failures did not disturb the authenticated client.
	if !good.IsConnected() {
		t.Fatal("authenticated client lost its connection")
	}
	roundTrip(t, good, "still")
}

func TestAuthUsersPlainAndBcrypt(t *testing.T) {
	t.Parallel()
	hash, err := bcrypt.GenerateFromPassword([]byte("hashed-pw"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	s := startConfig(t, fmt.Sprintf(`
authorization {
  users: [
    {user: plain, password: "plain-pw"}
    {user: hashed, password: %q}
  ]
}`, hash))
	plain := connect(t, s.ClientURL(), nats.UserInfo("plain", "plain-pw"))
	hashed := connect(t, s.ClientURL(), nats.UserInfo("hashed", "hashed-pw"))

	// Both users are in the global account and see each other.
	sub := subscribe(t, hashed, "greet")
	publish(t, plain, "greet", "hi")
	nextMsg(t, sub, "greet", "hi")

	expectAuthFailure(t, s.ClientURL(), nats.UserInfo("hashed", "wrong"))
	// The stored hash is not itself a valid password.
	expectAuthFailure(t, s.ClientURL(), nats.UserInfo("hashed", string(hash)))
	expectAuthFailure(t, s.ClientURL(), nats.UserInfo("plain", "hashed-pw"))
	expectAuthFailure(t, s.ClientURL(), nats.UserInfo("nobody", "plain-pw"))
	roundTrip(t, plain, "after")
}

func TestAuthToken(t *testing.T) {
	t.Parallel()
	s := startConfig(t, `authorization { token: "t0ken" }`)
	roundTrip(t, connect(t, s.ClientURL(), nats.Token("t0ken")), "tok")
	u := strings.Replace(s.ClientURL(), "nats://", "nats://t0ken@", 1)
	roundTrip(t, connect(t, u), "tok.url")

	expectAuthFailure(t, s.ClientURL())
	expectAuthFailure(t, s.ClientURL(), nats.Token("wrong"))
	expectAuthFailure(t, s.ClientURL(), nats.UserInfo("t0ken", "t0ken"))
}

func TestAuthBcryptToken(t *testing.T) {
	t.Parallel()
	hash, err := bcrypt.GenerateFromPassword([]byte("t0ken"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	s := startConfig(t, fmt.Sprintf(`authorization { token: %q }`, hash))
	roundTrip(t, connect(t, s.ClientURL(), nats.Token("t0ken")), "tok")
	expectAuthFailure(t, s.ClientURL(), nats.Token("wrong"))
	expectAuthFailure(t, s.ClientURL(), nats.Token(string(hash)))
}

// nkeyUser creates a user key pair and returns its public key with the
// nats.go option that signs the server's nonce with it.
func nkeyUser(t testing.TB) (string, nkeys.KeyPair) {
	t.Helper()
	kp, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	pub, err := kp.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	return pub, kp
}

func nkeyOption(pub string, kp nkeys.KeyPair) nats.Option {
	return nats.Nkey(pub, kp.Sign)
}

func TestAuthNkeyUsers(t *testing.T) {
	t.Parallel()
	pub, kp := nkeyUser(t)
	otherPub, otherKP := nkeyUser(t)
	s := startConfig(t, fmt.Sprintf(`
authorization {
  users: [
    {nkey: %q}
    {user: bob, password: bob}
  ]
}`, pub))
	nc := connect(t, s.ClientURL(), nkeyOption(pub, kp))
	bob := connect(t, s.ClientURL(), nats.UserInfo("bob", "bob"))
	sub := subscribe(t, bob, "from.nkey")
	publish(t, nc, "from.nkey", "signed")
	nextMsg(t, sub, "from.nkey", "signed")

	// An unknown key, and a known key with someone else's signature.
	expectAuthFailure(t, s.ClientURL(), nkeyOption(otherPub, otherKP))
	expectAuthFailure(t, s.ClientURL(), nats.Nkey(pub, otherKP.Sign))
	expectAuthFailure(t, s.ClientURL())
	roundTrip(t, nc, "nkey.after")
}

func TestAuthEmbeddedOptions(t *testing.T) {
	t.Parallel()
	pub, kp := nkeyUser(t)
	s := startServer(t, &natsnet.Options{
		Users: []*natsnet.User{
			{Username: "alice", Password: "pa"},
			{Username: "limited", Password: "pl", Permissions: &natsnet.Permissions{
				Publish: &natsnet.SubjectPermission{Allow: []string{"ok"}},
			}},
		},
		NkeyUsers: []*natsnet.NkeyUser{{Nkey: pub}},
	})
	alice := connect(t, s.ClientURL(), nats.UserInfo("alice", "pa"))
	sub := subscribe(t, alice, ">")
	errs := newAsyncErrs()
	limited := connect(t, s.ClientURL(), nats.UserInfo("limited", "pl"), errs.option())
	publish(t, limited, "no", "x")
	publish(t, limited, "ok", "y")
	flush(t, limited)
	errs.expect(t, `Permissions Violation for Publish to "no"`)
	nextMsg(t, sub, "ok", "y")

	nk := connect(t, s.ClientURL(), nkeyOption(pub, kp))
	publish(t, nk, "nk", "z")
	nextMsg(t, sub, "nk", "z")
	expectAuthFailure(t, s.ClientURL(), nats.UserInfo("alice", "pl"))
}

func TestAuthNoAuthUser(t *testing.T) {
	t.Parallel()
	s := startConfig(t, `
accounts {
  A { users: [ {user: a, password: a} ] }
  B { users: [ {user: b, password: b} ] }
}
no_auth_user: b
`)
	anon := connect(t, s.ClientURL())
	b := connect(t, s.ClientURL(), nats.UserInfo("b", "b"))
	a := connect(t, s.ClientURL(), nats.UserInfo("a", "a"))

	// A client without credentials is bound to user b, so it shares b's
	// account and not a's.
	subB := subscribe(t, b, "acct")
	subA := subscribe(t, a, "acct")
	publish(t, anon, "acct", "from-anon")
	flush(t, anon)
	nextMsg(t, subB, "acct", "from-anon")
	publish(t, a, "acct", "from-a")
	// a's first message is its own: the anonymous one never reached it.
	nextMsg(t, subA, "acct", "from-a")

	// Credentials that are given must still be right.
	expectAuthFailure(t, s.ClientURL(), nats.UserInfo("a", "wrong"))
	expectAuthFailure(t, s.ClientURL(), nats.UserInfo("nobody", "x"))
}

func TestAuthFailureWire(t *testing.T) {
	t.Parallel()
	s := startConfig(t, `authorization { user: u, password: p }`)

	rc := dialRaw(t, s)
	rc.send("CONNECT {\"verbose\":false,\"user\":\"u\",\"pass\":\"bad\"}\r\nPING\r\n")
	rc.expect("-ERR 'Authorization Violation'")
	rc.expectClosed()

	// Anything before CONNECT is refused the same way.
	rc = dialRaw(t, s)
	rc.send("PUB foo 1\r\nx\r\n")
	rc.expect("-ERR 'Authorization Violation'")
	rc.expectClosed()

	rc = dialRaw(t, s)
	rc.send("SUB foo 1\r\n")
	rc.expect("-ERR 'Authorization Violation'")
	rc.expectClosed()

	rc = dialRaw(t, s)
	rc.send("CONNECT {\"verbose\":false,\"user\":\"u\",\"pass\":\"p\"}\r\nPING\r\n")
	rc.expect("PONG")
}

func TestAuthTimeoutKeepsOthers(t *testing.T) {
	t.Parallel()
	s := startConfig(t, `authorization { user: u, password: p, timeout: 0.25 }`)
	nc := connect(t, s.ClientURL(), nats.UserInfo("u", "p"))
	start := time.Now()
	rc := dialRaw(t, s)
	rc.expect("-ERR 'Authentication Timeout'")
	rc.expectClosed()
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Fatalf("auth timeout after %v, want about 250ms", d)
	}
	// The authenticated client is past the timeout and stays.
	roundTrip(t, nc, "alive")
}

// permsConf has a watcher allowed everything and users with restricted
// permissions.
const permsConf = `
authorization {
  users: [
    {user: watcher, password: w}
    {user: pub, password: p, permissions: {
      publish: {allow: ["allowed.>", "_INBOX.>"], deny: ["allowed.secret"]}
    }}
    {user: sub, password: s, permissions: {
      subscribe: {allow: ["feed.>", "_INBOX.>"], deny: ["feed.private"]}
    }}
    {user: queue, password: q, permissions: {
      subscribe: {allow: ["jobs grp", "work.* w.*", "_INBOX.>"], deny: ["work.secret"]}
    }}
    {user: qdeny, password: q, permissions: {
      subscribe: {deny: ["jobs bad"]}
    }}
    {user: partial, password: p, permissions: {
      subscribe: {deny: ["s.secret", "s.hidden.>"]}
    }}
  ]
}`

func TestPermissionsPublish(t *testing.T) {
	t.Parallel()
	s := startConfig(t, permsConf)
	watcher := connect(t, s.ClientURL(), nats.UserInfo("watcher", "w"))
	all := subscribe(t, watcher, ">")
	errs := newAsyncErrs()
	nc := connect(t, s.ClientURL(), nats.UserInfo("pub", "p"), errs.option())

	publish(t, nc, "forbidden", "1")
	flush(t, nc)
	errs.expect(t, `Permissions Violation for Publish to "forbidden"`)
	publish(t, nc, "allowed.secret", "2")
	flush(t, nc)
	errs.expect(t, `Permissions Violation for Publish to "allowed.secret"`)

	// The connection stays up and allowed subjects still go through; the
	// refused messages were never delivered.
	if !nc.IsConnected() {
		t.Fatal("connection closed after a permissions violation")
	}
	publish(t, nc, "allowed.news", "3")
	flush(t, nc)
	errs.expectNone(t)
	nextMsg(t, all, "allowed.news", "3")

	// The reply subject of a request is not a publish target: a reply
	// outside the allow list is accepted.
	if err := nc.PublishRequest("allowed.req", "not.allowed.reply", []byte("4")); err != nil {
		t.Fatal(err)
	}
	flush(t, nc)
	errs.expectNone(t)
	m := nextMsg(t, all, "allowed.req", "4")
	if m.Reply != "not.allowed.reply" {
		t.Fatalf("reply %q, want not.allowed.reply", m.Reply)
	}
}

func TestPermissionsSubscribe(t *testing.T) {
	t.Parallel()
	s := startConfig(t, permsConf)
	watcher := connect(t, s.ClientURL(), nats.UserInfo("watcher", "w"))
	errs := newAsyncErrs()
	nc := connect(t, s.ClientURL(), nats.UserInfo("sub", "s"), errs.option(), nats.PermissionErrOnSubscribe(true))

	other, err := nc.SubscribeSync("other")
	if err != nil {
		t.Fatal(err)
	}
	flush(t, nc)
	errs.expect(t, `Permissions Violation for Subscription to "other"`)
	// nats.go also reports the refusal on the subscription itself.
	if _, err := other.NextMsg(time.Second); !errors.Is(err, nats.ErrPermissionViolation) {
		t.Fatalf("NextMsg on a refused subscription: %v, want a permissions violation", err)
	}

	if _, err := nc.SubscribeSync("feed.private"); err != nil {
		t.Fatal(err)
	}
	flush(t, nc)
	errs.expect(t, `Permissions Violation for Subscription to "feed.private"`)
	if _, err := nc.SubscribeSync(">"); err != nil {
		t.Fatal(err)
	}
	flush(t, nc)
	errs.expect(t, `Permissions Violation for Subscription to ">"`)

	feed := subscribe(t, nc, "feed.public")
	errs.expectNone(t)
	publish(t, watcher, "other", "x")
	publish(t, watcher, "feed.public", "y")
	nextMsg(t, feed, "feed.public", "y")
	if n, _, _ := other.Pending(); n != 0 {
		t.Fatalf("refused subscription got %d messages", n)
	}
	if !nc.IsConnected() {
		t.Fatal("connection closed after a permissions violation")
	}
}

func TestPermissionsQueue(t *testing.T) {
	t.Parallel()
	s := startConfig(t, permsConf)
	watcher := connect(t, s.ClientURL(), nats.UserInfo("watcher", "w"))
	errs := newAsyncErrs()
	nc := connect(t, s.ClientURL(), nats.UserInfo("queue", "q"), errs.option())

	refused := []struct {
		subj, queue, want string
	}{
		{"jobs", "", `Permissions Violation for Subscription to "jobs"`},
		{"jobs", "other", `Permissions Violation for Subscription to "jobs" using queue "other"`},
		{"work.a", "x", `Permissions Violation for Subscription to "work.a" using queue "x"`},
		{"work.secret", "w.1", `Permissions Violation for Subscription to "work.secret" using queue "w.1"`},
	}
	for _, r := range refused {
		var err error
		if r.queue == "" {
			_, err = nc.SubscribeSync(r.subj)
		} else {
			_, err = nc.QueueSubscribeSync(r.subj, r.queue)
		}
		if err != nil {
			t.Fatal(err)
		}
		flush(t, nc)
		errs.expect(t, r.want)
	}

	jobs, err := nc.QueueSubscribeSync("jobs", "grp")
	if err != nil {
		t.Fatal(err)
	}
	work, err := nc.QueueSubscribeSync("work.a", "w.1")
	if err != nil {
		t.Fatal(err)
	}
	flush(t, nc)
	errs.expectNone(t)
	publish(t, watcher, "jobs", "j")
	publish(t, watcher, "work.a", "w")
	nextMsg(t, jobs, "jobs", "j")
	nextMsg(t, work, "work.a", "w")

	// A "subject queue" deny entry refuses only that queue.
	qerrs := newAsyncErrs()
	qd := connect(t, s.ClientURL(), nats.UserInfo("qdeny", "q"), qerrs.option())
	if _, err := qd.QueueSubscribeSync("jobs", "bad"); err != nil {
		t.Fatal(err)
	}
	flush(t, qd)
	qerrs.expect(t, `Permissions Violation for Subscription to "jobs" using queue "bad"`)
	plain := subscribe(t, qd, "jobs")
	good, err := qd.QueueSubscribeSync("jobs", "good")
	if err != nil {
		t.Fatal(err)
	}
	flush(t, qd)
	qerrs.expectNone(t)
	publish(t, watcher, "jobs", "k")
	nextMsg(t, plain, "jobs", "k")
	nextMsg(t, good, "jobs", "k")
}

func TestPermissionsWildcardPartlyDenied(t *testing.T) {
	t.Parallel()
	s := startConfig(t, permsConf)
	watcher := connect(t, s.ClientURL(), nats.UserInfo("watcher", "w"))
	errs := newAsyncErrs()
	nc := connect(t, s.ClientURL(), nats.UserInfo("partial", "p"), errs.option())

	// Wildcards that overlap a denied subject are accepted ...
	star := subscribe(t, nc, "s.*")
	full := subscribe(t, nc, ">")
	queue, err := nc.QueueSubscribeSync("s.>", "q")
	if err != nil {
		t.Fatal(err)
	}
	flush(t, nc)
	errs.expectNone(t)
	// ... while the denied subjects themselves are not.
	if _, err := nc.SubscribeSync("s.secret"); err != nil {
		t.Fatal(err)
	}
	flush(t, nc)
	errs.expect(t, `Permissions Violation for Subscription to "s.secret"`)
	if _, err := nc.SubscribeSync("s.hidden.x"); err != nil {
		t.Fatal(err)
	}
	flush(t, nc)
	errs.expect(t, `Permissions Violation for Subscription to "s.hidden.x"`)

	// Messages on denied subjects never reach the wildcard subscriptions.
	// They are published before the allowed ones, so each subscription's
	// first message proves they were dropped.
	publish(t, watcher, "s.secret", "no")
	publish(t, watcher, "s.hidden.deep", "no")
	publish(t, watcher, "s.open", "yes")
	publish(t, watcher, "s.hidden", "yes")
	for _, sub := range []*nats.Subscription{star, full, queue} {
		nextMsg(t, sub, "s.open", "yes")
		nextMsg(t, sub, "s.hidden", "yes")
	}
}

func TestPermissionsAllowResponses(t *testing.T) {
	t.Parallel()
	s := startConfig(t, `
authorization {
  users: [
    {user: client, password: c}
    {user: svc, password: s, permissions: {subscribe: "svc.>", allow_responses: true}}
    {user: svc2, password: s, permissions: {subscribe: "multi", publish: "events", allow_responses: {max: 2}}}
  ]
}`)
	client := connect(t, s.ClientURL(), nats.UserInfo("client", "c"))
	errs := newAsyncErrs()
	svc := connect(t, s.ClientURL(), nats.UserInfo("svc", "s"), errs.option())

	reqs := subscribe(t, svc, "svc.echo")
	inbox := nats.NewInbox()
	replies := subscribe(t, client, inbox)
	if err := client.PublishRequest("svc.echo", inbox, []byte("q")); err != nil {
		t.Fatal(err)
	}
	req := nextMsg(t, reqs, "svc.echo", "q")
	if err := req.Respond([]byte("a1")); err != nil {
		t.Fatal(err)
	}
	flush(t, svc)
	errs.expectNone(t)
	nextMsg(t, replies, inbox, "a1")

	// One response per request by default.
	if err := req.Respond([]byte("a2")); err != nil {
		t.Fatal(err)
	}
	flush(t, svc)
	errs.expect(t, fmt.Sprintf("Permissions Violation for Publish to %q", inbox))
	// The responder may publish nothing else.
	publish(t, svc, "svc.echo", "x")
	flush(t, svc)
	errs.expect(t, `Permissions Violation for Publish to "svc.echo"`)
	if !svc.IsConnected() {
		t.Fatal("responder lost its connection")
	}

	// With max: 2, two responses are allowed, then no more; the user's
	// own publish permissions still apply.
	errs2 := newAsyncErrs()
	svc2 := connect(t, s.ClientURL(), nats.UserInfo("svc2", "s"), errs2.option())
	multi := subscribe(t, svc2, "multi")
	inbox2 := nats.NewInbox()
	replies2 := subscribe(t, client, inbox2)
	if err := client.PublishRequest("multi", inbox2, []byte("q")); err != nil {
		t.Fatal(err)
	}
	req2 := nextMsg(t, multi, "multi", "q")
	for _, d := range []string{"r1", "r2", "r3"} {
		if err := req2.Respond([]byte(d)); err != nil {
			t.Fatal(err)
		}
	}
	publish(t, svc2, "events", "e")
	flush(t, svc2)
	errs2.expect(t, fmt.Sprintf("Permissions Violation for Publish to %q", inbox2))
	errs2.expectNone(t)
	nextMsg(t, replies2, inbox2, "r1")
	nextMsg(t, replies2, inbox2, "r2")
}

func TestPermissionsAllowResponsesExpire(t *testing.T) {
	t.Parallel()
	s := startConfig(t, `
authorization {
  users: [
    {user: client, password: c}
    {user: svc, password: s, permissions: {allow_responses: {max: -1, expires: "500ms"}}}
  ]
}`)
	client := connect(t, s.ClientURL(), nats.UserInfo("client", "c"))
	errs := newAsyncErrs()
	svc := connect(t, s.ClientURL(), nats.UserInfo("svc", "s"), errs.option())
	reqs := subscribe(t, svc, "svc")
	inbox := nats.NewInbox()
	replies := subscribe(t, client, inbox)
	if err := client.PublishRequest("svc", inbox, []byte("q")); err != nil {
		t.Fatal(err)
	}
	req := nextMsg(t, reqs, "svc", "q")

	// A negative max allows any number of responses until the grant
	// expires; then the reply subject is refused like any other.
	start := time.Now()
	waitFor(t, 5*time.Second, "the response grant to expire", func() bool {
		if err := req.Respond([]byte("r")); err != nil {
			t.Fatal(err)
		}
		flush(t, svc)
		select {
		case err := <-errs:
			want := fmt.Sprintf("Permissions Violation for Publish to %q", inbox)
			if !errors.Is(err, nats.ErrPermissionViolation) || !strings.HasSuffix(err.Error(), want) {
				t.Fatalf("async error %v, want %q", err, want)
			}
			return true
		default:
			return false
		}
	})
	if d := time.Since(start); d < 400*time.Millisecond {
		t.Fatalf("grant expired after %v, want 500ms", d)
	}
	nextMsg(t, replies, inbox, "r")
	nextMsg(t, replies, inbox, "r")
}

func TestPublishReservedReplyRefused(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	watcher := connect(t, s.ClientURL())
	all := subscribe(t, watcher, ">")
	errs := newAsyncErrs()
	nc := connect(t, s.ClientURL(), errs.option())
	for _, reply := range []string{"_R_.abc", "$JS.ACK.s.c.1", "_GR_.x.y", "$GR.x"} {
		if err := nc.PublishRequest("svc", reply, []byte("x")); err != nil {
			t.Fatal(err)
		}
		flush(t, nc)
		errs.expect(t, fmt.Sprintf("Permissions Violation for Publish with Reply of %q", reply))
	}
	// The same subjects are fine as plain subjects and other replies.
	publish(t, nc, "_R_.abc", "plain")
	if err := nc.PublishRequest("svc", "_R_", []byte("ok")); err != nil {
		t.Fatal(err)
	}
	flush(t, nc)
	errs.expectNone(t)
	nextMsg(t, all, "_R_.abc", "plain")
	if m := nextMsg(t, all, "svc", "ok"); m.Reply != "_R_" {
		t.Fatalf("reply %q, want _R_", m.Reply)
	}
}
