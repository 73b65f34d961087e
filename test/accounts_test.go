package test

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// End-to-end tests of accounts: isolated subject spaces declared in the
// configuration file, and the system account's request services.

const accountsConf = `
authorization {
  users: [ {user: g, password: g} ]
}
accounts {
  A: { users: [ {user: a1, password: a1}, {user: a2, password: a2} ] }
  B: { users: [ {user: b1, password: b1} ] }
}
`

// expectOnly reads one message from sub and fails unless it is subj with
// data: anything that leaked in earlier would come first.
func expectOnly(t testing.TB, sub *nats.Subscription, subj, data string) {
	t.Helper()
	nextMsg(t, sub, subj, data)
	if n, _, _ := sub.Pending(); n != 0 {
		t.Fatalf("%d more messages on %q", n, sub.Subject)
	}
}

func TestAccountsIsolation(t *testing.T) {
	t.Parallel()
	s := startConfig(t, accountsConf)
	a1 := connect(t, s.ClientURL(), nats.UserInfo("a1", "a1"))
	a2 := connect(t, s.ClientURL(), nats.UserInfo("a2", "a2"))
	b1 := connect(t, s.ClientURL(), nats.UserInfo("b1", "b1"))
	g := connect(t, s.ClientURL(), nats.UserInfo("g", "g"))

	// The same subject, and catch-all wildcards, in every account.
	subA := subscribe(t, a2, "orders")
	allA := subscribe(t, a2, ">")
	subB := subscribe(t, b1, "orders")
	allB := subscribe(t, b1, ">")
	allG := subscribe(t, g, ">")

	publish(t, a1, "orders", "from-a")
	flush(t, a1)
	// The publish above was processed before a1's PONG, so had it leaked
	// it would be queued ahead of the markers published now.
	publish(t, b1, "marker.b", "b")
	publish(t, g, "marker.g", "g")

	nextMsg(t, subA, "orders", "from-a")
	nextMsg(t, allA, "orders", "from-a")
	expectOnly(t, allB, "marker.b", "b")
	expectOnly(t, allG, "marker.g", "g")

	publish(t, b1, "orders", "from-b")
	nextMsg(t, subB, "orders", "from-b")
	nextMsg(t, allB, "orders", "from-b")
	flush(t, b1)
	publish(t, a1, "marker.a", "a")
	expectOnly(t, allA, "marker.a", "a")
	if n, _, _ := subA.Pending(); n != 0 {
		t.Fatalf("account A got %d messages from account B", n)
	}
}

func TestAccountsRequestsDoNotCross(t *testing.T) {
	t.Parallel()
	s := startConfig(t, accountsConf)
	a1 := connect(t, s.ClientURL(), nats.UserInfo("a1", "a1"))
	a2 := connect(t, s.ClientURL(), nats.UserInfo("a2", "a2"))
	b1 := connect(t, s.ClientURL(), nats.UserInfo("b1", "b1"))

	if _, err := a2.Subscribe("svc", func(m *nats.Msg) { _ = m.Respond([]byte("A")) }); err != nil {
		t.Fatal(err)
	}
	flush(t, a2)
	reply, err := a1.Request("svc", nil, 3*time.Second)
	if err != nil || string(reply.Data) != "A" {
		t.Fatalf("request in account A: %v %v", reply, err)
	}
	if _, err := b1.Request("svc", nil, 3*time.Second); !errors.Is(err, nats.ErrNoResponders) {
		t.Fatalf("request from account B: %v, want %v", err, nats.ErrNoResponders)
	}
}

func TestAccountsQueueGroupsAreSeparate(t *testing.T) {
	t.Parallel()
	s := startConfig(t, accountsConf)
	a1 := connect(t, s.ClientURL(), nats.UserInfo("a1", "a1"))
	a2 := connect(t, s.ClientURL(), nats.UserInfo("a2", "a2"))
	b1 := connect(t, s.ClientURL(), nats.UserInfo("b1", "b1"))

	var inA, inB atomic.Int32
	for _, nc := range []*nats.Conn{a1, a2} {
		if _, err := nc.QueueSubscribe("jobs", "workers", func(*nats.Msg) { inA.Add(1) }); err != nil {
			t.Fatal(err)
		}
		flush(t, nc)
	}
	if _, err := b1.QueueSubscribe("jobs", "workers", func(*nats.Msg) { inB.Add(1) }); err != nil {
		t.Fatal(err)
	}
	flush(t, b1)

	const n = 50
	for i := 0; i < n; i++ {
		publish(t, a1, "jobs", "j")
	}
	flush(t, a1)
	waitFor(t, 3*time.Second, "account A's queue group", func() bool { return inA.Load() == n })
	// Account B's group is a different group: it gets only B's messages.
	publish(t, b1, "jobs", "b")
	waitFor(t, 3*time.Second, "account B's queue group", func() bool { return inB.Load() == 1 })
	if inA.Load() != n {
		t.Fatalf("account A's group got %d messages, want %d", inA.Load(), n)
	}
}

func TestAccountsNkeyAndPermissions(t *testing.T) {
	t.Parallel()
	pub, kp := nkeyUser(t)
	s := startConfig(t, fmt.Sprintf(`
accounts {
  A: {
    users: [
      {nkey: %q}
      {user: ro, password: ro, permissions: {publish: {deny: ">"}, subscribe: "events.>"}}
    ]
  }
  B: { users: [ {user: b, password: b} ] }
}`, pub))
	nk := connect(t, s.ClientURL(), nkeyOption(pub, kp))
	errs := newAsyncErrs()
	ro := connect(t, s.ClientURL(), nats.UserInfo("ro", "ro"), errs.option())
	b := connect(t, s.ClientURL(), nats.UserInfo("b", "b"))

	events := subscribe(t, ro, "events.>")
	allB := subscribe(t, b, ">")
	publish(t, nk, "events.1", "e")
	nextMsg(t, events, "events.1", "e")

	publish(t, ro, "events.2", "x")
	flush(t, ro)
	errs.expect(t, `Permissions Violation for Publish to "events.2"`)
	if _, err := ro.SubscribeSync("other"); err != nil {
		t.Fatal(err)
	}
	flush(t, ro)
	errs.expect(t, `Permissions Violation for Subscription to "other"`)

	flush(t, nk)
	publish(t, b, "marker", "m")
	expectOnly(t, allB, "marker", "m")
}

// serverPing is the part of a $SYS.REQ.SERVER.PING reply the tests check.
type serverPing struct {
	Server struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"server"`
	Statsz struct {
		Connections int `json:"connections"`
	} `json:"statsz"`
}

// pingServer sends $SYS.REQ.SERVER.PING and decodes the reply.
func pingServer(t testing.TB, nc *nats.Conn) *serverPing {
	t.Helper()
	m, err := nc.Request("$SYS.REQ.SERVER.PING", nil, 3*time.Second)
	if err != nil {
		t.Fatalf("server ping: %v", err)
	}
	var p serverPing
	if err := json.Unmarshal(m.Data, &p); err != nil {
		t.Fatalf("server ping reply %q: %v", m.Data, err)
	}
	return &p
}

func TestSystemAccountDefaultName(t *testing.T) {
	t.Parallel()
	s := startConfig(t, `
accounts {
  $SYS: { users: [ {user: admin, password: admin} ] }
  APP: { users: [ {user: app, password: app} ] }
}`)
	admin := connect(t, s.ClientURL(), nats.UserInfo("admin", "admin"))
	app := connect(t, s.ClientURL(), nats.UserInfo("app", "app"))

	p := pingServer(t, admin)
	if p.Server.ID != s.ID() || p.Server.Name == "" {
		t.Fatalf("ping reply server %+v, want id %s", p.Server, s.ID())
	}
	if p.Statsz.Connections < 2 {
		t.Fatalf("ping reply counts %d connections, want at least 2", p.Statsz.Connections)
	}
	if _, err := app.Request("$SYS.REQ.SERVER.PING", nil, 3*time.Second); !errors.Is(err, nats.ErrNoResponders) {
		t.Fatalf("ping from a normal account: %v, want %v", err, nats.ErrNoResponders)
	}
}

func TestSystemAccountNamed(t *testing.T) {
	t.Parallel()
	s := startConfig(t, `
system_account: SYS
accounts {
  SYS: { users: [ {user: admin, password: admin} ] }
  APP: { users: [ {user: app, password: app} ] }
}`)
	admin := connect(t, s.ClientURL(), nats.UserInfo("admin", "admin"))
	app := connect(t, s.ClientURL(), nats.UserInfo("app", "app"))
	if p := pingServer(t, admin); p.Server.ID != s.ID() {
		t.Fatalf("ping reply server id %q, want %s", p.Server.ID, s.ID())
	}
	if _, err := app.Request("$SYS.REQ.SERVER.PING", nil, 3*time.Second); !errors.Is(err, nats.ErrNoResponders) {
		t.Fatalf("ping from a normal account: %v, want %v", err, nats.ErrNoResponders)
	}
	// A subscriber in the system account does not see what a normal
	// account publishes on $SYS subjects.
	sysSub := subscribe(t, admin, "$SYS.custom")
	publish(t, app, "$SYS.custom", "x")
	flush(t, app)
	publish(t, admin, "$SYS.custom", "own")
	expectOnly(t, sysSub, "$SYS.custom", "own")
}

func TestSystemAccountUnreachableWithoutAuth(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	nc := connect(t, s.ClientURL())
	if _, err := nc.Request("$SYS.REQ.SERVER.PING", nil, 3*time.Second); !errors.Is(err, nats.ErrNoResponders) {
		t.Fatalf("ping from the global account: %v, want %v", err, nats.ErrNoResponders)
	}
}
