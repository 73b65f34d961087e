package consumer

import (
	"testing"

	"github.com/natsnet/natsnet/internal/jsapi"
)

func TestInterestRetention(t *testing.T) {
	e := newEnv(t, jsapi.InterestPolicy)
	a := e.consumer("A", jsapi.ConsumerConfig{DeliverSubject: "da", AckPolicy: jsapi.AckExplicit, FilterSubject: "foo.a"})
	b := e.consumer("B", jsapi.ConsumerConfig{DeliverSubject: "db", AckPolicy: jsapi.AckExplicit})
	e.start(a)
	e.start(b)
	e.stream.publish(t, "foo.a", "m1")
	e.stream.publish(t, "bar", "m2")

	eq(t, "A needs undelivered m1", a.NeedsAck(1, "foo.a"), true)
	eq(t, "A does not need bar", a.NeedsAck(2, ""), false)
	eq(t, "B needs m2", b.NeedsAck(2, "bar"), true)

	a.step()
	b.step()
	var ma, mb []sent
	for _, m := range deliveries(e.sender.take()) {
		if m.subject == "da" {
			ma = append(ma, m)
		} else {
			mb = append(mb, m)
		}
	}
	eq(t, "A got", len(ma), 1)
	eq(t, "B got", len(mb), 2)
	eq(t, "A needs pending m1", a.NeedsAck(1, ""), true)

	b.ProcessAck(mb[0].reply, "", nil)
	b.step()
	eq(t, "B no longer needs m1", b.NeedsAck(1, ""), false)
	eq(t, "m1 kept for A", e.stream.st.State().Msgs, uint64(2))
	a.ProcessAck(ma[0].reply, "", nil)
	a.step()
	eq(t, "m1 removed", e.stream.st.State().Msgs, uint64(1))
	b.ProcessAck(mb[1].reply, "", nil)
	b.step()
	eq(t, "m2 removed", e.stream.st.State().Msgs, uint64(0))
	eq(t, "A never needed m2", a.NeedsAck(2, "bar"), false)
}

func TestWorkQueueAndAckNoneInterest(t *testing.T) {
	e := newEnv(t, jsapi.WorkQueuePolicy)
	c := e.consumer("W", jsapi.ConsumerConfig{Durable: "W", AckPolicy: jsapi.AckExplicit})
	e.start(c)
	e.stream.publish(t, "foo.a", "1")
	e.stream.publish(t, "foo.a", "2")
	c.ProcessPull("_INBOX.w", []byte("2"))
	c.step()
	msgs := deliveries(e.sender.take())
	eq(t, "delivered", len(msgs), 2)
	c.ProcessAck(msgs[1].reply, "_INBOX.ack", []byte("+ACK"))
	c.step()
	eq(t, "acked message removed", e.stream.st.State().Msgs, uint64(1))
	eqSlice(t, "double ack reply after removal", describe(e.sender.take()), []string{"_INBOX.ack"})

	// Ack none on an interest stream: delivered means done.
	e2 := newEnv(t, jsapi.InterestPolicy)
	c2 := e2.consumer("N", jsapi.ConsumerConfig{DeliverSubject: "dn"})
	e2.start(c2)
	e2.stream.publish(t, "foo.a", "1")
	eq(t, "needed before delivery", c2.NeedsAck(1, "foo.a"), true)
	c2.step()
	eq(t, "delivered", len(e2.sender.take()), 1)
	eq(t, "removed", e2.stream.st.State().Msgs, uint64(0))
	eqSlice(t, "stream acks", e2.stream.ackedSeqs(), []uint64{1})
}
