package consumer

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/natsnet/natsnet/internal/jsapi"
)

func TestPushIdleHeartbeat(t *testing.T) {
	e := pushEnv(t, 0, jsapi.ConsumerConfig{Heartbeat: 5 * time.Second})
	next := e.step()
	if !next.Equal(e.clock.Now().Add(5 * time.Second)) {
		t.Fatalf("next wake %v", next)
	}
	e.advance(5 * time.Second)
	wantStatus(t, only(t, e.sender.take()), "d", "NATS/1.0 100 Idle Heartbeat\r\nNats-Last-Consumer: 0\r\nNats-Last-Stream: 0\r\n\r\n")
	e.advance(3 * time.Second)
	e.stream.publish(t, "foo.a", "1")
	e.step()
	eqSlice(t, "delivery", payloads(e.sender.take()), []string{"1"})
	e.advance(4 * time.Second)
	eq(t, "reset by delivery", len(e.sender.take()), 0)
	e.advance(time.Second)
	wantStatus(t, only(t, e.sender.take()), "d", "NATS/1.0 100 Idle Heartbeat\r\nNats-Last-Consumer: 1\r\nNats-Last-Stream: 1\r\n\r\n")
	// No heartbeats without interest.
	e.sender.setInterest("d", false)
	e.advance(5 * time.Second)
	eq(t, "no interest", len(e.sender.take()), 0)
}

func TestPushFlowControl(t *testing.T) {
	e := pushEnv(t, 0, jsapi.ConsumerConfig{FlowControl: true, Heartbeat: time.Second})
	e.c.mu.Lock()
	e.c.fc.limit, e.c.fc.window = 720, 180
	e.c.mu.Unlock()
	for i := 0; i < 10; i++ {
		e.stream.publish(t, "foo.a", "0123456789")
	}
	e.step()
	got := e.sender.take()
	// Each delivery is 1 + 39 + 10 = 50 bytes (subject, reply, data), so the request goes out after
	// the second and delivery stops after the fourth.
	var fc sent
	var n int
	for _, m := range got {
		if m.status() == "100 FlowControl Request" {
			fc = m
			continue
		}
		n++
	}
	eq(t, "deliveries before stall", n, 4)
	if fc.subject != "d" || !strings.HasPrefix(fc.reply, "$JS.FC.S.C.") || len(fc.reply) != len("$JS.FC.S.C.")+4 ||
		string(fc.hdr) != "NATS/1.0 100 FlowControl Request\r\n\r\n" {
		t.Fatalf("flow control message %s", fc)
	}
	e.advance(time.Second)
	wantStatus(t, only(t, e.sender.take()), "d",
		"NATS/1.0 100 Idle Heartbeat\r\nNats-Last-Consumer: 4\r\nNats-Last-Stream: 4\r\nNats-Consumer-Stalled: "+fc.reply+"\r\n\r\n")
	// A reply to another subject is ignored.
	e.c.ProcessFlowControl("$JS.FC.S.C.nope")
	e.step()
	eq(t, "still stalled", len(e.sender.take()), 0)
	e.c.ProcessFlowControl(fc.reply)
	e.step()
	got = e.sender.take()
	eq(t, "resumed", len(deliveries(got)) > 0, true)
	e.c.mu.Lock()
	window := e.c.fc.window
	e.c.mu.Unlock()
	eq(t, "window doubled", window, 360)
}

func TestPushInterest(t *testing.T) {
	e := newEnv(t, jsapi.LimitsPolicy)
	e.sender.setInterest("d", false)
	c := e.consumer("C", jsapi.ConsumerConfig{DeliverSubject: "d"})
	e.start(c)
	e.stream.publish(t, "foo.a", "1")
	next := e.step()
	eq(t, "no delivery", len(e.sender.take()), 0)
	eq(t, "push bound", c.Info().PushBound, false)
	if d := next.Sub(e.clock.Now()); d != interestPollMin {
		t.Fatalf("poll in %v", d)
	}
	// Ephemeral: inactive after 5s without interest.
	eq(t, "inactive threshold stamped", c.Config().InactiveThreshold, EphemeralInactiveThreshold)
	eq(t, "inactive early", c.IsInactive(e.clock.Now().Add(4*time.Second)), false)
	eq(t, "inactive", c.IsInactive(e.clock.Now().Add(5*time.Second)), true)

	e.sender.setInterest("d", true)
	c.InterestChanged()
	e.step()
	eqSlice(t, "delivered", payloads(e.sender.take()), []string{"1"})
	eq(t, "push bound", c.Info().PushBound, true)
	eq(t, "active", c.IsInactive(e.clock.Now().Add(time.Hour)), false)
}

func TestPushDeliverSubjectUpdate(t *testing.T) {
	e := pushEnv(t, 2, jsapi.ConsumerConfig{Durable: "C", AckPolicy: jsapi.AckExplicit})
	e.step()
	eq(t, "first", len(deliveries(e.sender.take())), 2)
	cfg := e.c.Config()
	cfg.DeliverSubject = "d2"
	// Bound: refused.
	if err := e.c.UpdateConfig(&cfg); !jsapi.IsNatsErr(err, jsapi.ErrCodeConsumerNameExist) {
		t.Fatalf("update of a bound consumer: %v", err)
	}
	e.sender.setInterest("d", false)
	if err := e.c.UpdateConfig(&cfg); err != nil {
		t.Fatal(err)
	}
	e.step()
	got := deliveries(e.sender.take())
	eq(t, "redelivered", len(got), 2)
	eq(t, "to the new subject", got[0].subject, "d2")
	eq(t, "dc", got[0].ack(t).Delivered, uint64(2))
	// Not updatable.
	cfg.AckPolicy = jsapi.AckAll
	if err := e.c.UpdateConfig(&cfg); err == nil || !strings.Contains(err.Error(), "ack policy can not be updated") {
		t.Fatalf("err = %v", err)
	}
}

// TestOrderedConsumer checks what nats.go's ordered consumer relies on:
// ack none, max deliver 1, flow control and heartbeats; contiguous consumer
// sequences, pending counting down to zero, heartbeats naming the last
// delivered sequence.
func TestOrderedConsumer(t *testing.T) {
	e := newEnv(t, jsapi.LimitsPolicy)
	for i := 1; i <= 100; i++ {
		e.stream.publish(t, fmt.Sprintf("foo.%d", i%7), fmt.Sprint(i))
	}
	c := e.consumer("ord", jsapi.ConsumerConfig{
		DeliverSubject: "_INBOX.ord", AckPolicy: jsapi.AckNone, MaxDeliver: 1,
		FlowControl: true, Heartbeat: 5 * time.Second, MemoryStorage: true,
		FilterSubject: "foo.>", DeliverPolicy: jsapi.DeliverAll,
	})
	e.start(c)
	e.step()
	var want uint64 = 1
	for _, m := range e.sender.take() {
		if m.status() != "" {
			continue
		}
		a := m.ack(t)
		eq(t, "consumer seq", a.ConsumerSeq, want)
		eq(t, "stream seq", a.StreamSeq, want)
		eq(t, "pending", a.Pending, 100-want)
		want++
	}
	eq(t, "delivered", want, uint64(101))
	e.advance(5 * time.Second)
	wantStatus(t, only(t, e.sender.take()), "_INBOX.ord",
		"NATS/1.0 100 Idle Heartbeat\r\nNats-Last-Consumer: 100\r\nNats-Last-Stream: 100\r\n\r\n")
	info := c.Info()
	eq(t, "num pending", info.NumPending, uint64(0))
	eq(t, "ack floor", info.AckFloor.Consumer, uint64(100))
}
