package consumer

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/natsnet/natsnet/internal/jsapi"
	"github.com/natsnet/natsnet/internal/subject"
)

// bruteNumPending counts the matching messages at or after the consumer's
// next sequence by walking the store.
func bruteNumPending(e *env) uint64 {
	c := e.c
	c.mu.Lock()
	from, filters := c.sseq, c.filters
	c.mu.Unlock()
	var n uint64
	st := e.stream.st.State()
	for seq := max(from, st.FirstSeq); seq <= st.LastSeq; seq++ {
		sm, err := e.stream.st.LoadMsg(seq, nil)
		if err != nil {
			continue
		}
		ok := len(filters) == 0
		for _, f := range filters {
			ok = ok || subject.Matches(f, sm.Subject)
		}
		if ok {
			n++
		}
	}
	return n
}

func TestNumPendingRandomized(t *testing.T) {
	for _, filter := range []jsapi.ConsumerConfig{{}, {FilterSubject: "foo.a"}, {FilterSubject: "foo.*"}, {FilterSubjects: []string{"foo.b", "bar"}}} {
		t.Run(fmt.Sprint(filter.Filters()), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			e := newEnv(t, jsapi.LimitsPolicy)
			filter.Durable = "C"
			filter.AckPolicy = jsapi.AckExplicit
			e.consumer("C", filter)
			e.start(e.c)
			subjects := []string{"foo.a", "foo.b", "bar", "foo.c"}
			for round := 0; round < 400; round++ {
				switch op := rng.IntN(10); {
				case op < 5:
					e.stream.publish(t, subjects[rng.IntN(len(subjects))], "x")
				case op == 5:
					// Stored but not announced yet.
					if _, _, err := e.stream.st.StoreMsg(subjects[rng.IntN(len(subjects))], nil, []byte("y"), 0); err != nil {
						t.Fatal(err)
					}
				case op == 6:
					st := e.stream.st.State()
					if st.Msgs > 0 {
						_, _ = e.stream.st.RemoveMsg(st.FirstSeq + uint64(rng.IntN(int(st.LastSeq-st.FirstSeq+1))))
					}
				case op == 7:
					before := bruteNumPending(e)
					e.c.ProcessPull("_INBOX.p", []byte(fmt.Sprint(1+rng.IntN(3))))
					e.step()
					for i, m := range deliveries(e.sender.take()) {
						// The pending value is exact at delivery.
						eq(t, "pending in ack reply", m.ack(t).Pending, before-1-uint64(i))
						e.ackMsg(m, "", "")
					}
				case op == 8:
					if _, err := e.stream.st.PurgeEx("foo.c", 0, 0); err != nil {
						t.Fatal(err)
					}
				case op == 9:
					e.c.ProcessPull("_INBOX.q", []byte(`{"batch":1,"no_wait":true}`))
					e.step()
					e.sender.take()
				}
				if got, want := e.c.Info().NumPending, bruteNumPending(e); got != want {
					t.Fatalf("round %d: num_pending = %d, want %d", round, got, want)
				}
			}
		})
	}
}

// TestAckReplyPendingExact checks the pending token of every delivery
// against a count taken at delivery time, with messages arriving (some
// announced late) and removed in between.
func TestAckReplyPendingExact(t *testing.T) {
	e := newEnv(t, jsapi.LimitsPolicy)
	e.consumer("C", jsapi.ConsumerConfig{Durable: "C", FilterSubject: "foo.*", AckPolicy: jsapi.AckExplicit})
	e.start(e.c)
	for i := 0; i < 10; i++ {
		e.stream.publish(t, "foo.a", "a")
		e.stream.publish(t, "bar", "b")
	}
	_, _ = e.stream.st.RemoveMsg(3)
	// Stored, not announced.
	_, _, _ = e.stream.st.StoreMsg("foo.z", nil, []byte("z"), 0)
	for i := 0; i < 12; i++ {
		want := bruteNumPending(e) - 1
		e.c.ProcessPull("_INBOX.p", nil)
		e.step()
		m := deliveries(e.sender.take())
		if len(m) == 0 {
			break
		}
		eq(t, fmt.Sprintf("pending of delivery %d", i), m[0].ack(t).Pending, want)
	}
}

// TestLastPerSubjectPending is the KV watch pattern: the last initial value
// carries pending 0, later updates count again.
func TestLastPerSubjectPending(t *testing.T) {
	e := newEnv(t, jsapi.LimitsPolicy)
	for i := 0; i < 3; i++ {
		for _, k := range []string{"foo.k1", "foo.k2", "foo.k3"} {
			e.stream.publish(t, k, fmt.Sprint(k, i))
		}
	}
	c := e.consumer("W", jsapi.ConsumerConfig{DeliverSubject: "_INBOX.w", DeliverPolicy: jsapi.DeliverLastPerSubject,
		FilterSubject: "foo.>", AckPolicy: jsapi.AckNone, MaxDeliver: 1, FlowControl: true, Heartbeat: 5 * time.Second})
	eq(t, "initial num pending", c.Info().NumPending, uint64(3))
	e.start(c)
	e.step()
	var got []string
	var pend []uint64
	for _, m := range deliveries(e.sender.take()) {
		got = append(got, string(m.data))
		pend = append(pend, m.ack(t).Pending)
	}
	eqSlice(t, "values", got, []string{"foo.k12", "foo.k22", "foo.k32"})
	eqSlice(t, "pending", pend, []uint64{2, 1, 0})
	e.stream.publish(t, "foo.k1", "new")
	e.step()
	m := only(t, deliveries(e.sender.take()))
	eq(t, "update", string(m.data), "new")
	eq(t, "update pending", m.ack(t).Pending, uint64(0))
	eq(t, "update seq", m.ack(t).ConsumerSeq, uint64(4))
}

func TestNotifyPurged(t *testing.T) {
	e := pullEnv(t, 6, jsapi.ConsumerConfig{AckWait: time.Minute})
	e.pull("_INBOX.a", jsapi.PullRequest{Batch: 3})
	e.step()
	msgs := deliveries(e.sender.take())
	eq(t, "delivered", len(msgs), 3)
	// Compact below 3: deliveries 1 and 2 go away.
	if _, err := e.stream.st.Compact(3); err != nil {
		t.Fatal(err)
	}
	e.c.NotifyPurged(3)
	e.checkMirror()
	info := e.c.Info()
	eq(t, "ack pending", info.NumAckPending, 1)
	eq(t, "floor", info.AckFloor.Stream, uint64(2))
	eq(t, "num pending", info.NumPending, uint64(3))

	// A filtered purge removes a pending message above the floor.
	e.stream.publish(t, "bar", "b")
	if _, err := e.stream.st.PurgeEx("foo.a", 4, 0); err != nil { // removes 3
		t.Fatal(err)
	}
	e.c.NotifyPurged(0)
	e.checkMirror()
	info = e.c.Info()
	eq(t, "ack pending", info.NumAckPending, 0)
	eq(t, "num pending", info.NumPending, uint64(4))

	// Purge everything: start after the last sequence.
	if _, err := e.stream.st.Purge(); err != nil {
		t.Fatal(err)
	}
	e.c.NotifyPurged(0)
	info = e.c.Info()
	eq(t, "num pending", info.NumPending, uint64(0))
	eq(t, "delivered", info.Delivered.Stream, uint64(7))
	e.stream.publish(t, "foo.a", "8")
	e.pull("_INBOX.b", jsapi.PullRequest{Batch: 3, NoWait: true})
	e.step()
	eqSlice(t, "after purge", payloads(e.sender.take()), []string{"8"})
}

func TestRedeliveryOfRemovedMessage(t *testing.T) {
	e := pushEnv(t, 3, jsapi.ConsumerConfig{AckPolicy: jsapi.AckExplicit, AckWait: time.Second})
	e.step()
	e.sender.take()
	_, _ = e.stream.st.RemoveMsg(2) // an interior delete
	e.advance(time.Second)
	var seqs []uint64
	for _, m := range deliveries(e.sender.take()) {
		seqs = append(seqs, m.ack(t).StreamSeq)
	}
	eqSlice(t, "redelivered", seqs, []uint64{1, 3})
	adv := e.adv.take()
	eq(t, "advisories", len(adv), 1)
	ev := adv[0].event.(*jsapi.ConsumerDeliveryTerminatedAdvisory)
	eq(t, "reason", ev.Reason, "Unacknowledged message was deleted")
	eq(t, "seq", ev.StreamSeq, uint64(2))
	eq(t, "deliveries", ev.Deliveries, uint64(1))
	eq(t, "pending", e.c.Info().NumAckPending, 2)
	e.checkMirror()
}

func TestFilterUpdateRecounts(t *testing.T) {
	e := pullEnv(t, 0, jsapi.ConsumerConfig{FilterSubject: "foo.a"})
	e.stream.publish(t, "foo.a", "1")
	e.stream.publish(t, "bar", "2")
	e.stream.publish(t, "bar", "3")
	eq(t, "num pending", e.c.Info().NumPending, uint64(1))
	cfg := e.c.Config()
	cfg.FilterSubject = "bar"
	if err := e.c.UpdateConfig(&cfg); err != nil {
		t.Fatal(err)
	}
	eq(t, "num pending after update", e.c.Info().NumPending, uint64(2))
}

func TestNotifyRemovedFreesAckPending(t *testing.T) {
	e := pushEnv(t, 2, jsapi.ConsumerConfig{AckPolicy: jsapi.AckExplicit, MaxAckPending: 1})
	e.step()
	eqSlice(t, "first", payloads(e.sender.take()), []string{"1"})
	_, _ = e.stream.st.RemoveMsg(1)
	e.c.NotifyRemoved(1, "foo.a")
	e.step()
	eqSlice(t, "slot freed", payloads(e.sender.take()), []string{"2"})
	ev := e.adv.take()[0].event.(*jsapi.ConsumerDeliveryTerminatedAdvisory)
	eq(t, "reason", ev.Reason, "Unacknowledged message was deleted")
	e.checkMirror()
}

func TestPendingBelowFirstSeqDroppedQuietly(t *testing.T) {
	e := pushEnv(t, 2, jsapi.ConsumerConfig{AckPolicy: jsapi.AckExplicit, AckWait: time.Second})
	e.step()
	e.sender.take()
	if _, err := e.stream.st.Compact(2); err != nil {
		t.Fatal(err)
	}
	e.advance(time.Second)
	got := deliveries(e.sender.take())
	eq(t, "only seq 2 redelivered", len(got), 1)
	eq(t, "seq", got[0].ack(t).StreamSeq, uint64(2))
	eq(t, "no advisory", len(e.adv.take()), 0)
	info := e.c.Info()
	eq(t, "ack pending", info.NumAckPending, 1)
	eq(t, "floor", info.AckFloor.Stream, uint64(1))
}
