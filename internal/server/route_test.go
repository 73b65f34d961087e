package server

import (
	"net"
	"strings"
	"testing"

	"github.com/natsnet/natsnet/internal/route/wire"
)

// newClusterPair returns a clustered server (not listening), a bound
// publisher client and an active route connection on in-memory pipes,
// without writer goroutines, so tests can read what is queued.
func newClusterPair(tb testing.TB) (*Server, *client, *RouteConn) {
	tb.Helper()
	s, err := New(&Options{NoLog: true, Cluster: ClusterOpts{Port: RandomPort}})
	if err != nil {
		tb.Fatal(err)
	}
	a, b := net.Pipe()
	c, d := net.Pipe()
	tb.Cleanup(func() { a.Close(); b.Close(); c.Close(); d.Close() })
	pub := newClient(s, a, 1)
	pub.bindDefault()
	rc := newClient(s, c, 2)
	rc.route = &routeLink{rid: 2}
	rc.route.mu.subs = make(map[*Account]map[string]*subscription)
	rc.echo, rc.headers = true, true
	s.routes.all = map[uint64]*client{2: rc}
	r := &RouteConn{c: rc}
	if err := r.Activate(RouteInfo{RemoteID: "B", RemoteName: "b"}); err != nil {
		tb.Fatal(err)
	}
	return s, pub, r
}

// queued returns and clears what is queued for c.
func queued(c *client) string {
	c.out.mu.Lock()
	var sb strings.Builder
	for _, b := range c.out.chunks {
		sb.Write(b)
	}
	c.out.mu.Unlock()
	drain(c)
	return sb.String()
}

func TestRouteInterestPropagation(t *testing.T) {
	s, pub, rc := newClusterPair(t)
	queued(rc.c)
	sub := &subscription{client: pub, subject: []byte("foo.*"), sid: []byte("1")}
	if err := s.gacc.sl.Insert("foo.*", "", sub); err != nil {
		t.Fatal(err)
	}
	q1 := &subscription{client: pub, subject: []byte("jobs"), queue: []byte("w"), sid: []byte("2")}
	q2 := &subscription{client: pub, subject: []byte("jobs"), queue: []byte("w"), sid: []byte("3")}
	for _, q := range []*subscription{q1, q2} {
		if err := s.gacc.sl.Insert("jobs", "w", q); err != nil {
			t.Fatal(err)
		}
	}
	_ = s.gacc.sl.Remove("jobs", "w", q1)
	_ = s.gacc.sl.Remove("jobs", "w", q2)
	_ = s.gacc.sl.Remove("foo.*", "", sub)
	want := "RS+ $G foo.*\r\nRS+ $G jobs w 1\r\nRS+ $G jobs w 2\r\nRS+ $G jobs w 1\r\nRS- $G jobs w\r\nRS- $G foo.*\r\n"
	if got := queued(rc.c); got != want {
		t.Fatalf("propagated %q", got)
	}
	// Remote interest never propagates back.
	if err := rc.AddSub(s.gacc, []byte("bar"), nil, 0); err != nil {
		t.Fatal(err)
	}
	if got := queued(rc.c); got != "" {
		t.Fatalf("remote interest propagated: %q", got)
	}
}

func TestRouteForwardingRules(t *testing.T) {
	s, pub, rc := newClusterPair(t)
	queued(rc.c)
	// Two remote filters match: one RMSG.
	for _, f := range []string{"foo.*", "foo.>"} {
		if err := rc.AddSub(s.gacc, []byte(f), nil, 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := rc.AddSub(s.gacc, []byte("foo.bar"), []byte("w"), 3); err != nil {
		t.Fatal(err)
	}
	if !s.processMsg(pub, pub.acc, []byte("foo.bar"), []byte("_INBOX.1"), -1, []byte("hi")) {
		t.Fatal("not delivered")
	}
	pub.flushPending()
	if got, want := queued(rc.c), "RMSG $G foo.bar rq _INBOX.1 w 2\r\nhi\r\n"; got != want {
		t.Fatalf("forwarded %q, want %q", got, want)
	}
	// A local queue member is preferred: the RMSG carries no queue.
	local := &subscription{client: pub, subject: []byte("foo.bar"), queue: []byte("w"), sid: []byte("9")}
	if err := s.gacc.sl.Insert("foo.bar", "w", local); err != nil {
		t.Fatal(err)
	}
	queued(rc.c)
	s.processMsg(pub, pub.acc, []byte("foo.bar"), nil, 12, []byte("NATS/1.0\r\n\r\nhi"))
	if got, want := queued(rc.c), "RMSG $G foo.bar h 12 14\r\nNATS/1.0\r\n\r\nhi\r\n"; got != want {
		t.Fatalf("forwarded %q, want %q", got, want)
	}
	// (The local client did not ask for headers.)
	if got := queued(pub); got != "MSG foo.bar 9 2\r\nhi\r\n" {
		t.Fatalf("local member got %q", got)
	}
	// A routed message is delivered locally only, to the queue it names.
	rc.DeliverMsg(s.gacc, &wire.Msg{Account: []byte("$G"), Subject: []byte("foo.bar"), Queues: [][]byte{[]byte("w")}, HeaderLen: -1, Payload: []byte("in")})
	rc.EndRead()
	if got := queued(rc.c); got != "" {
		t.Fatalf("routed message forwarded: %q", got)
	}
	if got := queued(pub); got != "MSG foo.bar 9 2\r\nin\r\n" {
		t.Fatalf("local delivery %q", got)
	}
	// Closing the route drops its interest.
	rc.Close()
	if s.gacc.RemoteInterestServers("foo.bar") != 0 || s.gacc.RemoteQueueServers("foo.bar", "w") != 0 {
		t.Fatal("closed route's interest remains")
	}
}

func TestRouteForwardDoesNotAllocate(t *testing.T) {
	s, pub, rc := newClusterPair(t)
	if err := rc.AddSub(s.gacc, []byte("foo"), nil, 0); err != nil {
		t.Fatal(err)
	}
	subj, payload := []byte("foo"), make([]byte, 128)
	s.processMsg(pub, pub.acc, subj, nil, -1, payload)
	pub.lastPcd = nil
	clear(pub.pcd)
	drain(rc.c)
	allocs := testing.AllocsPerRun(1000, func() {
		for range 64 {
			s.processMsg(pub, pub.acc, subj, nil, -1, payload)
		}
		pub.lastPcd = nil
		clear(pub.pcd)
		drain(rc.c)
	})
	if allocs != 0 {
		t.Fatalf("forwarding allocates %.1f times per 64 messages, want 0", allocs)
	}
}

func BenchmarkForwardToRoute(b *testing.B) {
	s, pub, rc := newClusterPair(b)
	if err := rc.AddSub(s.gacc, []byte("foo"), nil, 0); err != nil {
		b.Fatal(err)
	}
	subj, payload := []byte("foo"), make([]byte, 128)
	b.ReportAllocs()
	b.SetBytes(int64(len(payload)))
	for i := 0; b.Loop(); i++ {
		s.processMsg(pub, pub.acc, subj, nil, -1, payload)
		if i%256 == 255 {
			pub.lastPcd = nil
			clear(pub.pcd)
			drain(rc.c)
		}
	}
}
