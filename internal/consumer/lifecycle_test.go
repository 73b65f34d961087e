package consumer

import (
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/natsnet/natsnet/internal/jsapi"
	"github.com/natsnet/natsnet/internal/store"
)

// TestResumeFromStore stops a consumer and creates it again on a store
// holding its state (what a file store gives after a restart).
func TestResumeFromStore(t *testing.T) {
	e := pushEnv(t, 3, jsapi.ConsumerConfig{Durable: "C", AckPolicy: jsapi.AckExplicit, AckWait: 10 * time.Second})
	e.step()
	msgs := deliveries(e.sender.take())
	e.ackMsg(msgs[0], "", "")
	e.clock.Advance(4 * time.Second)
	e.ackMsg(msgs[1], "-NAK", "")
	e.step()
	eq(t, "nak redelivery", len(deliveries(e.sender.take())), 1)
	state, err := e.cs.State()
	if err != nil {
		t.Fatal(err)
	}
	cfg := e.c.Config()
	e.c.Stop()

	cs2, err := e.stream.st.ConsumerStore("C", store.ConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if err := cs2.Update(state); err != nil {
		t.Fatal(err)
	}
	c2, err := New("C", &cfg, e.clock.Now(), Options{Stream: e.stream, Sender: e.sender, Store: cs2, Now: e.clock.Now,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	e.c, e.cs = c2, cs2
	e.start(c2)
	info := c2.Info()
	eq(t, "delivered", info.Delivered, jsapi.SequenceInfo{Consumer: 4, Stream: 3})
	eq(t, "floor", info.AckFloor, jsapi.SequenceInfo{Consumer: 1, Stream: 1})
	eq(t, "ack pending", info.NumAckPending, 2)
	eq(t, "redelivered", info.NumRedelivered, 1)
	e.checkMirror()

	e.stream.publish(t, "foo.a", "4")
	e.step()
	m := only(t, deliveries(e.sender.take()))
	eq(t, "continues", m.ack(t).ConsumerSeq, uint64(5))
	eq(t, "stream seq", m.ack(t).StreamSeq, uint64(4))
	// Seq 3 was delivered at t0, seq 2 redelivered at t0+4s.
	e.advance(6 * time.Second)
	got := only(t, deliveries(e.sender.take()))
	eq(t, "seq 3 redelivered", got.ack(t).StreamSeq, uint64(3))
	eq(t, "dc", got.ack(t).Delivered, uint64(2))
	// Seq 2 (redelivered at t0+4s) and 4 (delivered at t0+4s) are due at
	// t0+14s.
	e.advance(4 * time.Second)
	var seqs, dcs []uint64
	for _, m := range deliveries(e.sender.take()) {
		seqs, dcs = append(seqs, m.ack(t).StreamSeq), append(dcs, m.ack(t).Delivered)
	}
	eqSlice(t, "redelivered", seqs, []uint64{2, 4})
	eqSlice(t, "delivery counts", dcs, []uint64{3, 2})
}

func TestPullInactive(t *testing.T) {
	e := pullEnv(t, 1, jsapi.ConsumerConfig{InactiveThreshold: 10 * time.Second, AckWait: 30 * time.Second})
	now := e.clock.Now()
	eq(t, "fresh", e.c.IsInactive(now.Add(9*time.Second)), false)
	e.pull("_INBOX.a", jsapi.PullRequest{Batch: 1, Expires: 5 * time.Second})
	e.step()
	e.sender.take()
	// The request delivered, then nothing: wait for the ack deadline too.
	eq(t, "ack outstanding", e.c.IsInactive(now.Add(20*time.Second)), false)
	eq(t, "inactive", e.c.IsInactive(now.Add(40*time.Second)), true)

	e2 := pullEnv(t, 0, jsapi.ConsumerConfig{InactiveThreshold: 10 * time.Second})
	e2.pull("_INBOX.b", jsapi.PullRequest{Batch: 1, Expires: 5 * time.Second})
	eq(t, "waiting request", e2.c.IsInactive(e2.clock.Now().Add(4*time.Second)), false)
	// The request expires at 5s, which counts as activity.
	eq(t, "after expiry", e2.c.IsInactive(e2.clock.Now().Add(14*time.Second)), false)
	eq(t, "inactive", e2.c.IsInactive(e2.clock.Now().Add(15*time.Second)), true)

	// Durables without a threshold never are.
	e3 := pullEnv(t, 0, jsapi.ConsumerConfig{})
	eq(t, "durable", e3.c.IsInactive(e3.clock.Now().Add(time.Hour)), false)
}

// TestRunLoop drives a started consumer with the real clock: deliveries,
// redelivery after ack wait, request expiry and heartbeats all come from the
// consumer's own goroutine and timer.
func TestRunLoop(t *testing.T) {
	ms, err := store.NewMemStore(store.StreamConfig{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	stream := &fakeStream{name: "S", st: ms}
	sender := newFakeSender()
	mk := func(name string, cfg jsapi.ConsumerConfig) *Consumer {
		scfg := &jsapi.StreamConfig{Name: "S", Subjects: []string{"foo.>"}}
		cfg.SetDefaults(scfg)
		cs, _ := ms.ConsumerStore(name, store.ConsumerConfig{})
		c, err := New(name, &cfg, time.Now(), Options{Stream: stream, Sender: sender, Store: cs,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		stream.consumers = append(stream.consumers, c)
		c.Start()
		return c
	}
	push := mk("P", jsapi.ConsumerConfig{DeliverSubject: "d", AckPolicy: jsapi.AckExplicit, AckWait: 50 * time.Millisecond, Heartbeat: 30 * time.Millisecond})
	pull := mk("Q", jsapi.ConsumerConfig{Durable: "Q", AckPolicy: jsapi.AckExplicit})
	defer push.Stop()
	defer pull.Stop()

	var got []sent
	collect := func() {
		got = append(got, sender.take()...)
	}
	count := func(pred func(sent) bool) int {
		collect()
		n := 0
		for _, m := range got {
			if pred(m) {
				n++
			}
		}
		return n
	}
	pull.ProcessPull("_INBOX.q", []byte(`{"batch":2,"expires":80000000}`))
	for i := 1; i <= 3; i++ {
		stream.publish(t, "foo.a", fmt.Sprint(i))
	}
	waitFor(t, 2*time.Second, "push deliveries", func() bool {
		return count(func(m sent) bool { return m.subject == "d" && m.reply != "" }) >= 3
	})
	waitFor(t, 2*time.Second, "pull deliveries", func() bool {
		return count(func(m sent) bool { return m.subject == "_INBOX.q" && m.reply != "" }) == 2
	})
	waitFor(t, 2*time.Second, "push redelivery", func() bool {
		return count(func(m sent) bool {
			a, ok := jsapi.ParseAckReply(m.reply)
			return ok && m.subject == "d" && a.Delivered == 2
		}) >= 1
	})
	waitFor(t, 2*time.Second, "push heartbeat", func() bool {
		return count(func(m sent) bool { return m.subject == "d" && m.status() == "100 Idle Heartbeat" }) >= 1
	})
	pull.ProcessPull("_INBOX.r", []byte(`{"batch":5,"expires":30000000}`))
	waitFor(t, 2*time.Second, "pull timeout", func() bool {
		return count(func(m sent) bool { return m.subject == "_INBOX.r" && m.status() == "408 Request Timeout" }) == 1
	})
	// A request that got its messages does not time out.
	eq(t, "no timeout for a completed request", count(func(m sent) bool { return m.subject == "_INBOX.q" && m.status() != "" }), 0)

	pull.ProcessPull("_INBOX.s", []byte(`{"batch":1,"expires":10000000000}`))
	pull.Delete()
	waitFor(t, time.Second, "consumer deleted", func() bool {
		return count(func(m sent) bool { return m.subject == "_INBOX.s" && m.status() == "409 Consumer Deleted" }) == 1
	})
}

// TestConcurrentPublishAck publishes, pulls and acks from several
// goroutines against a started consumer: every message is delivered once,
// and deliveries reach the Sender in consumer-sequence order.
func TestConcurrentPublishAck(t *testing.T) {
	ms, err := store.NewMemStore(store.StreamConfig{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	stream := &fakeStream{name: "S", st: ms, retention: jsapi.InterestPolicy}
	sender := newFakeSender()
	cfg := jsapi.ConsumerConfig{Durable: "C", AckPolicy: jsapi.AckExplicit, MaxAckPending: 50}
	cfg.SetDefaults(&jsapi.StreamConfig{Name: "S"})
	cs, _ := ms.ConsumerStore("C", store.ConsumerConfig{})
	c, err := New("C", &cfg, time.Now(), Options{Stream: stream, Sender: sender, Store: cs,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	stream.consumers = []*Consumer{c}
	c.Start()
	defer c.Stop()

	const n = 2000
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < n; i++ {
			stream.publish(t, "foo.a", fmt.Sprint(i))
		}
	}()
	seen := make(map[uint64]bool)
	var lastDseq uint64
	deadline := time.Now().Add(10 * time.Second)
	for len(seen) < n && time.Now().Before(deadline) {
		c.ProcessPull("_INBOX.p", []byte(`{"batch":100,"expires":1000000000}`))
		select {
		case <-sender.notify:
		case <-time.After(50 * time.Millisecond):
		}
		for _, m := range sender.take() {
			if m.reply == "" {
				continue
			}
			a := m.ack(t)
			if a.ConsumerSeq <= lastDseq {
				t.Fatalf("consumer seq %d after %d", a.ConsumerSeq, lastDseq)
			}
			lastDseq = a.ConsumerSeq
			if seen[a.StreamSeq] {
				t.Fatalf("seq %d delivered twice", a.StreamSeq)
			}
			seen[a.StreamSeq] = true
			go c.ProcessAck(m.reply, "", nil)
		}
	}
	<-done
	eq(t, "delivered", len(seen), n)
	waitFor(t, 5*time.Second, "all acked", func() bool {
		info := c.Info()
		return info.NumAckPending == 0 && info.NumPending == 0 && ms.State().Msgs == 0
	})
}
