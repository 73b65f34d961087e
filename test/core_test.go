package test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/natsnet/natsnet"
)

func TestPubSubWildcards(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	nc := connect(t, s.ClientURL())
	cases := []struct {
		filter string
		subj   string
		want   bool
	}{
		{"foo", "foo", true},
		{"foo.*", "foo.bar", true},
		{"foo.*", "foo.bar.baz", false},
		{"foo.>", "foo.bar.baz", true},
		{"foo.>", "foo", false},
		{"*.bar", "foo.bar", true},
		{">", "a.b.c", true},
	}
	for _, tc := range cases {
		sub, err := nc.SubscribeSync(tc.filter)
		if err != nil {
			t.Fatal(err)
		}
		if err := nc.Publish(tc.subj, []byte("x")); err != nil {
			t.Fatal(err)
		}
		if err := nc.Flush(); err != nil {
			t.Fatal(err)
		}
		_, err = sub.NextMsg(200 * time.Millisecond)
		if got := err == nil; got != tc.want {
			t.Errorf("filter %q subject %q: delivered=%v, want %v (%v)", tc.filter, tc.subj, got, tc.want, err)
		}
		_ = sub.Unsubscribe()
	}
}

func TestQueueGroupDeliversOncePerGroup(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	nc := connect(t, s.ClientURL())
	var a, b, plain atomic.Int32
	for i := 0; i < 3; i++ {
		if _, err := nc.QueueSubscribe("work", "A", func(*nats.Msg) { a.Add(1) }); err != nil {
			t.Fatal(err)
		}
		if _, err := nc.QueueSubscribe("work", "B", func(*nats.Msg) { b.Add(1) }); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := nc.Subscribe("work", func(*nats.Msg) { plain.Add(1) }); err != nil {
		t.Fatal(err)
	}
	const n = 300
	for i := 0; i < n; i++ {
		if err := nc.Publish("work", []byte("job")); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 3*time.Second, "deliveries", func() bool {
		return a.Load() == n && b.Load() == n && plain.Load() == n
	})
	time.Sleep(50 * time.Millisecond)
	if a.Load() != n || b.Load() != n || plain.Load() != n {
		t.Fatalf("got A=%d B=%d plain=%d, want %d each", a.Load(), b.Load(), plain.Load(), n)
	}
}

func TestHeadersRoundTrip(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	nc := connect(t, s.ClientURL())
	sub, err := nc.SubscribeSync("h")
	if err != nil {
		t.Fatal(err)
	}
	m := nats.NewMsg("h")
	m.Header.Set("X-Trace", "abc")
	m.Header.Add("Multi", "1")
	m.Header.Add("Multi", "2")
	m.Data = []byte("body")
	if err := nc.PublishMsg(m); err != nil {
		t.Fatal(err)
	}
	got, err := sub.NextMsg(time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if got.Header.Get("X-Trace") != "abc" || len(got.Header.Values("Multi")) != 2 || string(got.Data) != "body" {
		t.Fatalf("got header %v data %q", got.Header, got.Data)
	}
}

func TestHeadersStrippedForClientsWithoutHeaderSupport(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	nc := connect(t, s.ClientURL())
	rc := dialRaw(t, s)
	rc.send("CONNECT {\"verbose\":false,\"headers\":false}\r\nSUB h 1\r\nPING\r\n")
	rc.expect("PONG")
	m := nats.NewMsg("h")
	m.Header.Set("K", "V")
	m.Data = []byte("hello")
	if err := nc.PublishMsg(m); err != nil {
		t.Fatal(err)
	}
	rc.expect("MSG h 1 5")
	rc.expect("hello")
}

func TestRequestReplyAndNoResponders(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	nc := connect(t, s.ClientURL())
	if _, err := nc.Subscribe("svc", func(m *nats.Msg) { _ = m.Respond(append([]byte("re:"), m.Data...)) }); err != nil {
		t.Fatal(err)
	}
	resp, err := nc.Request("svc", []byte("q"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if string(resp.Data) != "re:q" {
		t.Fatalf("got %q", resp.Data)
	}
	start := time.Now()
	_, err = nc.Request("nobody.home", nil, 2*time.Second)
	if !errors.Is(err, nats.ErrNoResponders) {
		t.Fatalf("got %v, want ErrNoResponders", err)
	}
	if time.Since(start) > time.Second {
		t.Fatalf("no responders took %v", time.Since(start))
	}
}

func TestNoRespondersWire(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	rc := dialRaw(t, s)
	rc.send("CONNECT {\"verbose\":false,\"headers\":true,\"no_responders\":true,\"protocol\":1}\r\nSUB _INBOX.x.* 9\r\nPUB none _INBOX.x.1 0\r\n\r\nPING\r\n")
	hdr := "NATS/1.0 503\r\nNats-Subject: none\r\n\r\n"
	rc.expect(fmt.Sprintf("HMSG _INBOX.x.1 9 %d %d", len(hdr), len(hdr)))
	rc.expect("NATS/1.0 503")
	rc.expect("Nats-Subject: none")
	rc.expect("")
	rc.expect("")
	rc.expect("PONG")
}

func TestEchoFalse(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	nc := connect(t, s.ClientURL(), nats.NoEcho())
	other := connect(t, s.ClientURL())
	sub, err := nc.SubscribeSync("e")
	if err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := nc.Publish("e", []byte("self")); err != nil {
		t.Fatal(err)
	}
	if err := other.Publish("e", []byte("other")); err != nil {
		t.Fatal(err)
	}
	m, err := sub.NextMsg(time.Second)
	if err != nil || string(m.Data) != "other" {
		t.Fatalf("got %v %v, want the other client's message", m, err)
	}
	if m, err := sub.NextMsg(100 * time.Millisecond); err == nil {
		t.Fatalf("received own message %q with echo off", m.Data)
	}
}

func TestAutoUnsubscribe(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	nc := connect(t, s.ClientURL())
	rc := dialRaw(t, s)
	rc.send("CONNECT {\"verbose\":false,\"pedantic\":false}\r\nSUB a 1\r\nUNSUB 1 2\r\nPING\r\n")
	rc.expect("PONG")
	for i := 0; i < 5; i++ {
		_ = nc.Publish("a", []byte("x"))
	}
	_ = nc.Flush()
	rc.expect("MSG a 1 1")
	rc.expect("x")
	rc.expect("MSG a 1 1")
	rc.expect("x")
	rc.send("PING\r\n")
	rc.expect("PONG")
}

// A CONNECT that leaves verbose and pedantic out gets both, as with the
// reference: +OK for every operation.
func TestConnectDefaultsAreVerbose(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	rc := dialRaw(t, s)
	rc.send("CONNECT {}\r\nSUB foo 1\r\nPING\r\n")
	rc.expect("+OK")
	rc.expect("+OK")
	rc.expect("PONG")
}

func TestVerboseMode(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	rc := dialRaw(t, s)
	rc.send("CONNECT {\"verbose\":true}\r\n")
	rc.expect("+OK")
	rc.send("SUB foo 1\r\n")
	rc.expect("+OK")
	rc.send("PUB foo 2\r\nhi\r\n")
	rc.expect("MSG foo 1 2")
	rc.expect("hi")
	rc.expect("+OK")
	rc.send("UNSUB 1\r\n")
	rc.expect("+OK")
}

func TestPedanticRejectsWildcardPublish(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	rc := dialRaw(t, s)
	rc.send("CONNECT {\"verbose\":false,\"pedantic\":true}\r\nPUB foo.* 0\r\n\r\nPING\r\n")
	rc.expect("-ERR 'Invalid Publish Subject'")
	rc.expect("PONG")
	// Outside pedantic mode wildcard tokens are literal and allowed.
	rc2 := dialRaw(t, s)
	rc2.send("CONNECT {\"verbose\":false,\"pedantic\":false}\r\nSUB foo.* 1\r\nPUB foo.* 1\r\nx\r\nPING\r\n")
	rc2.expect("MSG foo.* 1 1")
	rc2.expect("x")
	rc2.expect("PONG")
}

func TestInvalidSubscriptionSubject(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	rc := dialRaw(t, s)
	rc.send("CONNECT {\"verbose\":false,\"pedantic\":false}\r\nSUB foo..bar 1\r\nPING\r\n")
	rc.expect("-ERR 'Invalid Subject'")
	rc.expect("PONG")
}

func TestMaxPayloadViolation(t *testing.T) {
	t.Parallel()
	s := startServer(t, &natsnet.Options{MaxPayload: 1024})
	nc := connect(t, s.ClientURL())
	if got := nc.MaxPayload(); got != 1024 {
		t.Fatalf("max payload %d, want 1024", got)
	}
	if err := nc.Publish("x", make([]byte, 2000)); !errors.Is(err, nats.ErrMaxPayload) {
		t.Fatalf("client-side check: %v", err)
	}
	rc := dialRaw(t, s)
	rc.send("CONNECT {\"verbose\":false,\"pedantic\":false}\r\nPUB foo 2000\r\n")
	rc.expect("-ERR 'Maximum Payload Violation'")
	rc.expectClosed()
	// The server keeps serving others.
	if _, err := nc.Request("none", nil, 200*time.Millisecond); !errors.Is(err, nats.ErrNoResponders) {
		t.Fatalf("server unhealthy after violation: %v", err)
	}
}

func TestMaxControlLine(t *testing.T) {
	t.Parallel()
	s := startServer(t, &natsnet.Options{MaxControlLine: 256})
	rc := dialRaw(t, s)
	rc.send("CONNECT {\"verbose\":false,\"pedantic\":false}\r\nSUB " + strings.Repeat("a", 400) + " 1\r\n")
	rc.expect("-ERR 'maximum control line exceeded'")
	rc.expectClosed()
}

func TestUnknownProtocolOperation(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	for _, in := range []string{"FOO bar\r\n", "XPUB a 1\r\n", "\x00\x01\x02\r\n"} {
		rc := dialRaw(t, s)
		rc.send("CONNECT {\"verbose\":false,\"pedantic\":false}\r\n" + in)
		rc.expect("-ERR 'Unknown Protocol Operation'")
		rc.expectClosed()
	}
}

func TestInvalidClientProtocol(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	rc := dialRaw(t, s)
	rc.send("CONNECT {\"protocol\":2}\r\n")
	rc.expect("-ERR 'invalid client protocol'")
	rc.expectClosed()
	rc = dialRaw(t, s)
	rc.send("CONNECT {\"no_responders\":true}\r\n")
	rc.expect("-ERR 'no responders requires headers support'")
	rc.expectClosed()
}

func TestClientVanishesMidMessage(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	nc := connect(t, s.ClientURL())
	sub, _ := nc.SubscribeSync("mid")
	_ = nc.Flush()
	for i := 0; i < 20; i++ {
		rc := dialRaw(t, s)
		rc.send("CONNECT {\"verbose\":false,\"pedantic\":false}\r\nPUB mid 100\r\n" + strings.Repeat("x", 40))
		_ = rc.nc.Close()
	}
	waitFor(t, 2*time.Second, "vanished clients to be removed", func() bool { return s.NumClients() == 1 })
	if m, err := sub.NextMsg(100 * time.Millisecond); err == nil {
		t.Fatalf("partial message delivered: %q", m.Data)
	}
	if err := nc.Publish("mid", []byte("ok")); err != nil {
		t.Fatal(err)
	}
	if _, err := sub.NextMsg(5 * time.Second); err != nil {
		t.Fatalf("server stopped delivering: %v (clients %d, status %v, stats %+v)", err, s.NumClients(), nc.Status(), nc.Stats())
	}
}

func TestThousandConnections(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	const n = 1000
	conns := make([]*nats.Conn, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range conns {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			nc, err := nats.Connect(s.ClientURL(), nats.Timeout(10*time.Second))
			if err != nil {
				errs <- err
				return
			}
			conns[i] = nc
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("connect: %v", err)
	}
	defer func() {
		for _, nc := range conns {
			nc.Close()
		}
	}()
	if got := s.NumClients(); got != n {
		t.Fatalf("server has %d clients, want %d", got, n)
	}
	// Every connection is live: each subscribes, one publishes to all.
	var got atomic.Int32
	for _, nc := range conns {
		if _, err := nc.Subscribe("all", func(*nats.Msg) { got.Add(1) }); err != nil {
			t.Fatal(err)
		}
		_ = nc.Flush()
	}
	if err := conns[0].Publish("all", []byte("hi")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "fan-out to 1000 clients", func() bool { return got.Load() == n })
}

func TestPingPongAndStaleConnection(t *testing.T) {
	t.Parallel()
	s := startServer(t, &natsnet.Options{PingInterval: 100 * time.Millisecond, MaxPingsOut: 2})
	rc := dialRaw(t, s)
	rc.send("CONNECT {\"verbose\":false,\"pedantic\":false}\r\nPING\r\n")
	// The server's own PINGs may come before or after our PONG; after two
	// unanswered ones the connection is stale.
	var pongs, pings int
	for {
		line := rc.readLine()
		switch line {
		case "PONG":
			pongs++
			continue
		case "PING":
			pings++
			continue
		}
		if line != "-ERR 'Stale Connection'" {
			t.Fatalf("got %q, want the stale connection error", line)
		}
		break
	}
	if pongs != 1 || pings != 2 {
		t.Fatalf("got %d PONG and %d PING before the error, want 1 and 2", pongs, pings)
	}
	rc.expectClosed()
}

func TestAuthTimeout(t *testing.T) {
	t.Parallel()
	s := startServer(t, &natsnet.Options{Authorization: "secret", AuthTimeout: 100 * time.Millisecond})
	rc := dialRaw(t, s)
	rc.expect("-ERR 'Authentication Timeout'")
	rc.expectClosed()
}

func TestSlowConsumerIsDisconnected(t *testing.T) {
	t.Parallel()
	s := startServer(t, &natsnet.Options{MaxPending: 256 * 1024, MaxPayload: 64 * 1024})
	// A raw subscriber that never reads.
	rc := dialRaw(t, s)
	rc.send("CONNECT {\"verbose\":false,\"pedantic\":false}\r\nSUB slow 1\r\nPING\r\n")
	rc.expect("PONG")
	nc := connect(t, s.ClientURL())
	payload := make([]byte, 32*1024)
	for i := 0; i < 2000 && s.NumClients() == 2; i++ {
		if err := nc.Publish("slow", payload); err != nil {
			t.Fatal(err)
		}
	}
	_ = nc.Flush()
	waitFor(t, 5*time.Second, "slow consumer disconnect", func() bool { return s.NumClients() == 1 })
	if !nc.IsConnected() {
		t.Fatal("publisher was disconnected")
	}
}

func TestLameDuckMode(t *testing.T) {
	t.Parallel()
	s := startServer(t, &natsnet.Options{LameDuckDuration: 300 * time.Millisecond, LameDuckGracePeriod: 100 * time.Millisecond})
	ldm := make(chan struct{}, 1)
	closed := make(chan struct{})
	nc := connect(t, s.ClientURL(), nats.LameDuckModeHandler(func(*nats.Conn) { ldm <- struct{}{} }),
		nats.NoReconnect(), nats.ClosedHandler(func(*nats.Conn) { close(closed) }))
	_ = nc.Flush()
	go s.LameDuckShutdown()
	select {
	case <-ldm:
	case <-time.After(2 * time.Second):
		t.Fatal("client not told about lame duck mode")
	}
	select {
	case <-closed:
	case <-time.After(3 * time.Second):
		t.Fatal("client not closed after lame duck period")
	}
}
