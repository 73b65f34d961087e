package server

import (
	"net"
	"testing"
)

// newTestPair returns a server (not listening) and two bound clients on
// in-memory pipes: a publisher and a subscriber to "foo".
func newTestPair(tb testing.TB) (*Server, *client, *client, *subscription) {
	tb.Helper()
	s, err := New(&Options{NoLog: true})
	if err != nil {
		tb.Fatal(err)
	}
	mk := func(cid uint64) *client {
		a, b := net.Pipe()
		tb.Cleanup(func() { a.Close(); b.Close() })
		c := newClient(s, a, cid)
		c.bindDefault()
		return c
	}
	pub, sub := mk(1), mk(2)
	sb := &subscription{client: sub, subject: []byte("foo"), sid: []byte("1")}
	if err := s.gacc.sl.Insert("foo", "", sb); err != nil {
		tb.Fatal(err)
	}
	return s, pub, sub, sb
}

// drain empties a client's pending output without writing it.
func drain(c *client) {
	c.out.mu.Lock()
	for i, b := range c.out.chunks {
		putChunk(b)
		c.out.chunks[i] = nil
	}
	c.out.chunks = c.out.chunks[:0]
	c.out.queued = 0
	c.out.mu.Unlock()
}

func TestDeliverDoesNotAllocate(t *testing.T) {
	s, pub, sub, _ := newTestPair(t)
	subj, payload := []byte("foo"), make([]byte, 128)
	s.processMsg(pub, pub.acc, subj, nil, -1, payload) // warm the match cache
	pub.flushPending()
	drain(sub)
	allocs := testing.AllocsPerRun(1000, func() {
		for range 64 {
			s.processMsg(pub, pub.acc, subj, nil, -1, payload)
		}
		pub.flushPending()
		drain(sub)
	})
	if allocs != 0 {
		t.Fatalf("delivery allocates %.1f times per 64 messages, want 0", allocs)
	}
}

func TestDeliverQueuesWireFormat(t *testing.T) {
	s, pub, sub, _ := newTestPair(t)
	s.processMsg(pub, pub.acc, []byte("foo"), []byte("bar"), -1, []byte("hello"))
	sub.out.mu.Lock()
	got := string(sub.out.chunks[0])
	sub.out.mu.Unlock()
	if want := "MSG foo 1 bar 5\r\nhello\r\n"; got != want {
		t.Fatalf("queued %q, want %q", got, want)
	}
}

func BenchmarkDeliverOneSubscriber(b *testing.B) {
	s, pub, sub, _ := newTestPair(b)
	subj, payload := []byte("foo"), make([]byte, 128)
	b.ReportAllocs()
	b.SetBytes(int64(len(payload)))
	for i := 0; b.Loop(); i++ {
		s.processMsg(pub, pub.acc, subj, nil, -1, payload)
		if i%256 == 255 {
			pub.flushPending()
			drain(sub)
		}
	}
}

func BenchmarkPublishNoInterest(b *testing.B) {
	s, pub, _, _ := newTestPair(b)
	subj, payload := []byte("nobody"), make([]byte, 128)
	b.ReportAllocs()
	for b.Loop() {
		s.processMsg(pub, pub.acc, subj, nil, -1, payload)
	}
}
