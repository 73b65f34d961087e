package consumer

import (
	"fmt"
	"testing"
	"time"

	"github.com/natsnet/natsnet/internal/jsapi"
)

// pushEnv creates a started push consumer "C" on deliver subject "d" after
// publishing n messages foo.a "1".."n".
func pushEnv(t *testing.T, n int, cfg jsapi.ConsumerConfig) *env {
	t.Helper()
	e := newEnv(t, jsapi.LimitsPolicy)
	for i := 1; i <= n; i++ {
		e.stream.publish(t, "foo.a", fmt.Sprint(i))
	}
	cfg.DeliverSubject = "d"
	e.consumer("C", cfg)
	e.start(e.c)
	return e
}

func TestExplicitAckFloors(t *testing.T) {
	e := pushEnv(t, 3, jsapi.ConsumerConfig{AckPolicy: jsapi.AckExplicit})
	e.step()
	msgs := deliveries(e.sender.take())
	eq(t, "deliveries", len(msgs), 3)
	info := e.c.Info()
	eq(t, "ack pending", info.NumAckPending, 3)
	eq(t, "delivered", info.Delivered.Consumer, uint64(3))

	e.ackMsg(msgs[1], "+ACK", "")
	e.checkMirror()
	info = e.c.Info()
	eq(t, "ack pending", info.NumAckPending, 2)
	eq(t, "floor", info.AckFloor, jsapi.SequenceInfo{Last: info.AckFloor.Last})

	e.ackMsg(msgs[0], "", "")
	e.checkMirror()
	info = e.c.Info()
	eq(t, "floor after 1", info.AckFloor.Stream, uint64(2))
	eq(t, "floor after 1 (consumer)", info.AckFloor.Consumer, uint64(2))

	e.ackMsg(msgs[2], "+OK", "")
	e.checkMirror()
	info = e.c.Info()
	eq(t, "floor after all", info.AckFloor.Stream, uint64(3))
	eq(t, "ack pending", info.NumAckPending, 0)
	if info.AckFloor.Last == nil || !info.AckFloor.Last.Equal(e.clock.Now()) {
		t.Fatalf("ack floor last active = %v", info.AckFloor.Last)
	}
}

func TestRedeliveryAfterAckWait(t *testing.T) {
	e := pushEnv(t, 1, jsapi.ConsumerConfig{AckPolicy: jsapi.AckExplicit, AckWait: 30 * time.Second})
	next := e.step()
	m1 := deliveries(e.sender.take())
	eq(t, "first", len(m1), 1)
	eq(t, "wake at ack deadline", next, e.clock.Now().Add(30*time.Second))
	e.advance(29 * time.Second)
	eq(t, "early", len(e.sender.take()), 0)
	e.advance(time.Second)
	m2 := deliveries(e.sender.take())
	eq(t, "redelivered", len(m2), 1)
	a := m2[0].ack(t)
	eq(t, "delivery count", a.Delivered, uint64(2))
	eq(t, "new consumer seq", a.ConsumerSeq, uint64(2))
	eq(t, "stream seq", a.StreamSeq, uint64(1))
	e.checkMirror()
	eq(t, "num redelivered", e.c.Info().NumRedelivered, 1)
	// Acking the redelivery clears everything.
	e.ackMsg(m2[0], "", "")
	e.checkMirror()
	info := e.c.Info()
	eq(t, "pending", info.NumAckPending, 0)
	eq(t, "redelivered", info.NumRedelivered, 0)
	eq(t, "floor", info.AckFloor.Stream, uint64(1))
	eq(t, "floor consumer", info.AckFloor.Consumer, uint64(2))
}

func TestBackoffAndMaxDeliver(t *testing.T) {
	e := pushEnv(t, 1, jsapi.ConsumerConfig{AckPolicy: jsapi.AckExplicit, MaxDeliver: 5,
		BackOff: []time.Duration{time.Second, 5 * time.Second, 10 * time.Second}})
	start := e.clock.Now()
	var at []time.Duration
	var dcs []uint64
	for i := 0; i < 60; i++ {
		e.step()
		for _, m := range deliveries(e.sender.take()) {
			at = append(at, e.clock.Now().Sub(start))
			dcs = append(dcs, m.ack(t).Delivered)
		}
		e.clock.Advance(time.Second)
	}
	secs := func(n ...int) []time.Duration {
		var out []time.Duration
		for _, s := range n {
			out = append(out, time.Duration(s)*time.Second)
		}
		return out
	}
	eqSlice(t, "delivery times", at, secs(0, 1, 6, 16, 26))
	eqSlice(t, "delivery counts", dcs, []uint64{1, 2, 3, 4, 5})
	adv := e.adv.take()
	eq(t, "advisories", len(adv), 1)
	eq(t, "subject", adv[0].subject, "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.S.C")
	ev := adv[0].event.(*jsapi.ConsumerDeliveryExceededAdvisory)
	eq(t, "deliveries", ev.Deliveries, uint64(5))
	eq(t, "stream seq", ev.StreamSeq, uint64(1))
	eq(t, "type", ev.Type, jsapi.ConsumerDeliveryExceededType)
	info := e.c.Info()
	eq(t, "ack pending", info.NumAckPending, 0)
	eq(t, "redelivered", info.NumRedelivered, 1)
	st, _ := e.cs.State()
	eq(t, "store pending", len(st.Pending), 0)
	eq(t, "store redelivered", st.Redelivered[1], uint64(5))
}

func TestMaxDeliverOneHidesRedelivered(t *testing.T) {
	e := pushEnv(t, 1, jsapi.ConsumerConfig{AckPolicy: jsapi.AckExplicit, MaxDeliver: 1, AckWait: time.Second})
	e.step()
	e.sender.take()
	e.advance(time.Second)
	eq(t, "no redelivery", len(e.sender.take()), 0)
	eq(t, "advisory deliveries", e.adv.take()[0].event.(*jsapi.ConsumerDeliveryExceededAdvisory).Deliveries, uint64(1))
	info := e.c.Info()
	eq(t, "num redelivered", info.NumRedelivered, 0)
	eq(t, "ack pending", info.NumAckPending, 0)
	// Interest retention keeps a message that reached max deliver.
	eq(t, "needs ack", e.c.NeedsAck(1, "foo.a"), true)
}

func TestNak(t *testing.T) {
	e := pushEnv(t, 1, jsapi.ConsumerConfig{AckPolicy: jsapi.AckExplicit, AckWait: time.Minute})
	e.step()
	m := deliveries(e.sender.take())[0]

	// Plain NAK: redelivered at once, with an advisory.
	e.ackMsg(m, "-NAK", "")
	e.step()
	m2 := deliveries(e.sender.take())
	eq(t, "nak redelivery", len(m2), 1)
	eq(t, "dc", m2[0].ack(t).Delivered, uint64(2))
	adv := e.adv.take()
	eq(t, "nak advisory", adv[0].subject, "$JS.EVENT.ADVISORY.CONSUMER.MSG_NAKED.S.C")
	nak := adv[0].event.(*jsapi.ConsumerDeliveryNakAdvisory)
	eq(t, "nak dc", nak.Deliveries, uint64(1))
	eq(t, "nak cseq", nak.ConsumerSeq, uint64(1))

	// NAK with a JSON delay.
	e.ackMsg(m2[0], `-NAK {"delay": 2000000000}`, "")
	e.advance(1999 * time.Millisecond)
	eq(t, "too early", len(e.sender.take()), 0)
	e.advance(time.Millisecond)
	m3 := deliveries(e.sender.take())
	eq(t, "delayed redelivery", len(m3), 1)
	e.checkMirror()

	// NAK with a duration string.
	e.ackMsg(m3[0], "-NAK 500ms", "")
	e.advance(499 * time.Millisecond)
	eq(t, "too early", len(e.sender.take()), 0)
	e.advance(time.Millisecond)
	m4 := deliveries(e.sender.take())
	eq(t, "duration redelivery", len(m4), 1)
	eq(t, "dc", m4[0].ack(t).Delivered, uint64(4))

	// A NAK for an old delivery of an acked message is ignored.
	e.ackMsg(m4[0], "", "")
	e.ackMsg(m4[0], "-NAK", "")
	e.step()
	eq(t, "nothing", len(e.sender.take()), 0)
}

func TestProgressResetsAckWait(t *testing.T) {
	e := pushEnv(t, 1, jsapi.ConsumerConfig{AckPolicy: jsapi.AckExplicit, AckWait: 10 * time.Second})
	e.step()
	m := deliveries(e.sender.take())[0]
	e.advance(8 * time.Second)
	e.ackMsg(m, "+WPI", "r")
	eqSlice(t, "wpi reply", describe(e.sender.take()), []string{"r"})
	e.advance(2 * time.Second)
	eq(t, "not redelivered at 10s", len(e.sender.take()), 0)
	e.advance(8 * time.Second)
	eq(t, "redelivered at 18s", len(deliveries(e.sender.take())), 1)
	e.checkMirror()
}

func TestTerm(t *testing.T) {
	e := pushEnv(t, 2, jsapi.ConsumerConfig{AckPolicy: jsapi.AckExplicit, AckWait: time.Second})
	e.step()
	msgs := deliveries(e.sender.take())
	e.ackMsg(msgs[0], "+TERM bad data ", "")
	adv := e.adv.take()
	eq(t, "advisory", adv[0].subject, "$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.S.C")
	ev := adv[0].event.(*jsapi.ConsumerDeliveryTerminatedAdvisory)
	eq(t, "reason", ev.Reason, "bad data")
	eq(t, "seq", ev.StreamSeq, uint64(1))
	e.advance(time.Second)
	got := deliveries(e.sender.take())
	eq(t, "only the other one redelivered", len(got), 1)
	eq(t, "seq", got[0].ack(t).StreamSeq, uint64(2))
	eq(t, "floor", e.c.Info().AckFloor.Stream, uint64(1))
}

func TestDoubleAck(t *testing.T) {
	e := pushEnv(t, 1, jsapi.ConsumerConfig{AckPolicy: jsapi.AckExplicit})
	e.step()
	m := deliveries(e.sender.take())[0]
	e.ackMsg(m, "+ACK", "_INBOX.r1")
	eqSlice(t, "reply", describe(e.sender.take()), []string{"_INBOX.r1"})
	// Acking again is answered too.
	e.ackMsg(m, "+ACK", "_INBOX.r2")
	eqSlice(t, "reply", describe(e.sender.take()), []string{"_INBOX.r2"})
	// An ack for something never delivered is ignored.
	e.rawAck("$JS.ACK.S.C.1.9.9.0.0", "_INBOX.r3", nil)
	eq(t, "no reply", len(e.sender.take()), 0)
	// Subjects that are not ack replies are ignored.
	e.rawAck("$JS.ACK.S.C.1.x.1.0.0", "_INBOX.r4", nil)
	eq(t, "no reply", len(e.sender.take()), 0)
}

func TestAckAll(t *testing.T) {
	e := newEnv(t, jsapi.InterestPolicy)
	for i := 1; i <= 5; i++ {
		e.stream.publish(t, "foo.a", fmt.Sprint(i))
	}
	e.consumer("C", jsapi.ConsumerConfig{DeliverSubject: "d", AckPolicy: jsapi.AckAll})
	e.start(e.c)
	e.step()
	msgs := deliveries(e.sender.take())
	eq(t, "deliveries", len(msgs), 5)
	e.ackMsg(msgs[2], "", "_INBOX.a")
	eqSlice(t, "reply", describe(e.sender.take()), []string{"_INBOX.a"})
	e.checkMirror()
	info := e.c.Info()
	eq(t, "floor", info.AckFloor.Stream, uint64(3))
	eq(t, "pending", info.NumAckPending, 2)
	eqSlice(t, "stream acks", e.stream.ackedSeqs(), []uint64{3, 1, 2})
	eq(t, "stream msgs", e.stream.st.State().Msgs, uint64(2))
	// An ack below the floor changes nothing but is answered.
	e.ackMsg(msgs[1], "", "_INBOX.b")
	eqSlice(t, "reply", describe(e.sender.take()), []string{"_INBOX.b"})
	eq(t, "floor", e.c.Info().AckFloor.Stream, uint64(3))
	e.ackMsg(msgs[4], "", "")
	e.checkMirror()
	eq(t, "all acked", e.c.Info().NumAckPending, 0)
	eq(t, "stream empty", e.stream.st.State().Msgs, uint64(0))
}

func TestAckNone(t *testing.T) {
	e := pushEnv(t, 3, jsapi.ConsumerConfig{})
	e.step()
	msgs := deliveries(e.sender.take())
	eq(t, "deliveries", len(msgs), 3)
	info := e.c.Info()
	eq(t, "floor", info.AckFloor.Stream, uint64(3))
	eq(t, "floor consumer", info.AckFloor.Consumer, uint64(3))
	eq(t, "pending", info.NumAckPending, 0)
	// Acks are not answered.
	e.ackMsg(msgs[0], "", "_INBOX.x")
	eq(t, "no reply", len(e.sender.take()), 0)
}

func TestMaxAckPending(t *testing.T) {
	e := pushEnv(t, 5, jsapi.ConsumerConfig{AckPolicy: jsapi.AckExplicit, MaxAckPending: 2})
	e.step()
	msgs := deliveries(e.sender.take())
	eq(t, "limited", len(msgs), 2)
	e.stream.publish(t, "foo.a", "6")
	e.step()
	eq(t, "still limited", len(e.sender.take()), 0)
	e.ackMsg(msgs[1], "", "")
	e.step()
	got := deliveries(e.sender.take())
	eq(t, "one more", len(got), 1)
	eq(t, "seq", got[0].ack(t).StreamSeq, uint64(3))
	eq(t, "num pending", e.c.Info().NumPending, uint64(3))
}

func TestAckSampling(t *testing.T) {
	e := pushEnv(t, 1, jsapi.ConsumerConfig{AckPolicy: jsapi.AckExplicit, SampleFrequency: "100%"})
	e.step()
	m := deliveries(e.sender.take())[0]
	e.clock.Advance(1500 * time.Millisecond)
	e.ackMsg(m, "", "")
	adv := e.adv.take()
	eq(t, "metrics", len(adv), 1)
	eq(t, "subject", adv[0].subject, "$JS.EVENT.METRIC.CONSUMER.ACK.S.C")
	ev := adv[0].event.(*jsapi.ConsumerAckMetric)
	eq(t, "delay", ev.Delay, int64(1500*time.Millisecond))
	eq(t, "type", ev.Type, jsapi.ConsumerAckMetricType)
	if len(ev.ID) != 22 || !ev.Time.Equal(e.clock.Now()) {
		t.Fatalf("typed event = %+v", ev.TypedEvent)
	}
}

func TestAckNext(t *testing.T) {
	e := newEnv(t, jsapi.LimitsPolicy)
	for i := 1; i <= 3; i++ {
		e.stream.publish(t, "foo.a", fmt.Sprint(i))
	}
	e.consumer("C", jsapi.ConsumerConfig{Durable: "C", AckPolicy: jsapi.AckExplicit})
	e.start(e.c)
	e.c.ProcessPull("_INBOX.1", nil)
	e.step()
	m := deliveries(e.sender.take())
	eqSlice(t, "first", payloads(m), []string{"1"})
	e.ackMsg(m[0], "+NXT 2", "_INBOX.2")
	e.step()
	got := e.sender.take()
	eqSlice(t, "next batch", payloads(got), []string{"2", "3"})
	eq(t, "to the ack reply", got[0].subject, "_INBOX.2")
	eq(t, "acked", e.c.Info().AckFloor.Stream, uint64(1))
}
