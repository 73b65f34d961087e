package consumer

import (
	"fmt"
	"testing"
	"time"

	"github.com/natsnet/natsnet/internal/jsapi"
)

func TestDeliverPolicies(t *testing.T) {
	// Stream: 1 foo.a a1, 2 foo.b b1, 3 bar x, 4 foo.a a2, 5 foo.b b2
	tests := []struct {
		name string
		cfg  jsapi.ConsumerConfig
		want []string // before the new message
		then []string // after publishing foo.c "new"
	}{
		{"all", jsapi.ConsumerConfig{}, []string{"a1", "b1", "x", "a2", "b2"}, []string{"new"}},
		{"all filtered", jsapi.ConsumerConfig{FilterSubject: "foo.a"}, []string{"a1", "a2"}, nil},
		{"multi filter", jsapi.ConsumerConfig{FilterSubjects: []string{"foo.b", "bar"}}, []string{"b1", "x", "b2"}, nil},
		{"wildcard filter", jsapi.ConsumerConfig{FilterSubject: "foo.*"}, []string{"a1", "b1", "a2", "b2"}, []string{"new"}},
		{"last", jsapi.ConsumerConfig{DeliverPolicy: jsapi.DeliverLast}, []string{"b2"}, []string{"new"}},
		{"last filtered", jsapi.ConsumerConfig{DeliverPolicy: jsapi.DeliverLast, FilterSubject: "foo.a"}, []string{"a2"}, nil},
		{"last multi", jsapi.ConsumerConfig{DeliverPolicy: jsapi.DeliverLast, FilterSubjects: []string{"bar", "foo.a"}}, []string{"a2"}, nil},
		{"new", jsapi.ConsumerConfig{DeliverPolicy: jsapi.DeliverNew}, nil, []string{"new"}},
		{"by seq", jsapi.ConsumerConfig{DeliverPolicy: jsapi.DeliverByStartSequence, OptStartSeq: 3}, []string{"x", "a2", "b2"}, []string{"new"}},
		{"by seq future", jsapi.ConsumerConfig{DeliverPolicy: jsapi.DeliverByStartSequence, OptStartSeq: 7}, nil, nil},
		{"last per subject", jsapi.ConsumerConfig{DeliverPolicy: jsapi.DeliverLastPerSubject, FilterSubject: ">"}, []string{"x", "a2", "b2"}, []string{"new"}},
		{"last per subject filtered", jsapi.ConsumerConfig{DeliverPolicy: jsapi.DeliverLastPerSubject, FilterSubject: "foo.*"}, []string{"a2", "b2"}, []string{"new"}},
		{"last per subject multi", jsapi.ConsumerConfig{DeliverPolicy: jsapi.DeliverLastPerSubject, FilterSubjects: []string{"foo.a", "bar"}}, []string{"x", "a2"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, jsapi.LimitsPolicy)
			for _, m := range [][2]string{{"foo.a", "a1"}, {"foo.b", "b1"}, {"bar", "x"}, {"foo.a", "a2"}, {"foo.b", "b2"}} {
				e.stream.publish(t, m[0], m[1])
			}
			cfg := tt.cfg
			cfg.DeliverSubject = "d"
			c := e.consumer("C", cfg)
			e.start(c)
			e.step()
			eqSlice(t, "deliveries", payloads(e.sender.take()), tt.want)
			e.stream.publish(t, "foo.c", "new")
			e.step()
			eqSlice(t, "after publish", payloads(e.sender.take()), tt.then)
		})
	}
}

func TestDeliverByStartTime(t *testing.T) {
	e := newEnv(t, jsapi.LimitsPolicy)
	e.stream.publish(t, "foo.a", "1")
	e.clock.Advance(time.Second)
	start := e.clock.Now()
	e.stream.publish(t, "foo.a", "2")
	e.clock.Advance(time.Second)
	e.stream.publish(t, "foo.a", "3")
	c := e.consumer("C", jsapi.ConsumerConfig{DeliverSubject: "d", DeliverPolicy: jsapi.DeliverByStartTime, OptStartTime: &start})
	e.start(c)
	e.step()
	eqSlice(t, "deliveries", payloads(e.sender.take()), []string{"2", "3"})
}

func TestDeliverEmptyStreamAndPurged(t *testing.T) {
	e := newEnv(t, jsapi.LimitsPolicy)
	c := e.consumer("C", jsapi.ConsumerConfig{DeliverSubject: "d", DeliverPolicy: jsapi.DeliverLast})
	e.start(c)
	e.step()
	eq(t, "deliveries", len(e.sender.take()), 0)
	e.stream.publish(t, "foo.a", "1")
	e.step()
	eqSlice(t, "deliveries", payloads(e.sender.take()), []string{"1"})

	// A stream whose messages were purged: start at the next sequence.
	e2 := newEnv(t, jsapi.LimitsPolicy)
	e2.stream.publish(t, "foo.a", "1")
	e2.stream.publish(t, "foo.a", "2")
	if _, err := e2.stream.st.Purge(); err != nil {
		t.Fatal(err)
	}
	c2 := e2.consumer("C", jsapi.ConsumerConfig{DeliverSubject: "d"})
	e2.start(c2)
	e2.step()
	eq(t, "deliveries", len(e2.sender.take()), 0)
	eq(t, "delivered stream seq", c2.Info().Delivered.Stream, uint64(2))
	e2.stream.publish(t, "foo.a", "3")
	e2.step()
	eqSlice(t, "deliveries", payloads(e2.sender.take()), []string{"3"})
}

func TestAckReplySubject(t *testing.T) {
	e := newEnv(t, jsapi.LimitsPolicy)
	for i := 1; i <= 3; i++ {
		e.stream.publish(t, "foo.a", fmt.Sprint(i))
	}
	c := e.consumer("C", jsapi.ConsumerConfig{DeliverSubject: "d", AckPolicy: jsapi.AckExplicit})
	e.start(c)
	e.step()
	msgs := deliveries(e.sender.take())
	eq(t, "deliveries", len(msgs), 3)
	sm, _ := e.stream.st.LoadMsg(2, nil)
	want := fmt.Sprintf("$JS.ACK.S.C.1.2.2.%d.1", sm.TS)
	eq(t, "reply", msgs[1].reply, want)
	eq(t, "routed by the deliver subject", msgs[1].subject, "d")
	eq(t, "seen under the stream subject", msgs[1].msgSubj, "foo.a")
}

func TestHeadersOnly(t *testing.T) {
	e := newEnv(t, jsapi.LimitsPolicy)
	e.stream.publish(t, "foo.a", "hello")
	e.stream.publishHdr(t, "foo.a", []byte("NATS/1.0\r\nX: y\r\n\r\n"), "hi")
	c := e.consumer("C", jsapi.ConsumerConfig{DeliverSubject: "d", HeadersOnly: true})
	e.start(c)
	e.step()
	msgs := deliveries(e.sender.take())
	eq(t, "deliveries", len(msgs), 2)
	eq(t, "hdr 1", string(msgs[0].hdr), "NATS/1.0\r\nNats-Msg-Size: 5\r\n\r\n")
	eq(t, "hdr 2", string(msgs[1].hdr), "NATS/1.0\r\nX: y\r\nNats-Msg-Size: 2\r\n\r\n")
	eq(t, "data", len(msgs[0].data)+len(msgs[1].data), 0)
}

func TestReplayOriginal(t *testing.T) {
	e := newEnv(t, jsapi.LimitsPolicy)
	e.stream.publish(t, "foo.a", "1")
	e.clock.Advance(2 * time.Second)
	e.stream.publish(t, "foo.a", "2")
	e.clock.Advance(3 * time.Second)
	e.stream.publish(t, "foo.a", "3")
	c := e.consumer("C", jsapi.ConsumerConfig{DeliverSubject: "d", ReplayPolicy: jsapi.ReplayOriginal})
	e.start(c)
	next := e.step()
	eqSlice(t, "first", payloads(e.sender.take()), []string{"1"})
	eq(t, "next wake", next, e.clock.Now().Add(2*time.Second))
	e.advance(time.Second)
	eq(t, "early", len(e.sender.take()), 0)
	e.advance(time.Second)
	eqSlice(t, "second", payloads(e.sender.take()), []string{"2"})
	e.advance(3 * time.Second)
	eqSlice(t, "third", payloads(e.sender.take()), []string{"3"})
	// Caught up: new messages go at once.
	e.stream.publish(t, "foo.a", "4")
	e.step()
	eqSlice(t, "live", payloads(e.sender.take()), []string{"4"})
}

func TestRateLimit(t *testing.T) {
	e := newEnv(t, jsapi.LimitsPolicy)
	big := string(make([]byte, 400*1024))
	for i := 0; i < 4; i++ {
		e.stream.publish(t, "foo.a", big)
	}
	// 8 Mbit/s = 1 MiB/s (1,000,000 bytes/s) with a 1 MiB burst.
	c := e.consumer("C", jsapi.ConsumerConfig{DeliverSubject: "d", RateLimit: 8_000_000})
	e.start(c)
	next := e.step()
	eq(t, "burst", len(e.sender.take()), 2)
	if d := next.Sub(e.clock.Now()); d <= 0 || d > time.Second {
		t.Fatalf("next wake in %v", d)
	}
	e.clock.Advance(next.Sub(e.clock.Now()))
	e.step()
	eq(t, "after wait", len(e.sender.take()), 1)
}

func TestPause(t *testing.T) {
	e := newEnv(t, jsapi.LimitsPolicy)
	until := e.clock.Now().Add(time.Minute)
	c := e.consumer("C", jsapi.ConsumerConfig{DeliverSubject: "d", Heartbeat: 10 * time.Second, PauseUntil: &until})
	e.start(c)
	e.stream.publish(t, "foo.a", "1")
	e.step()
	eq(t, "paused deliveries", len(e.sender.take()), 0)
	info := c.Info()
	eq(t, "paused", info.Paused, true)
	eq(t, "pause remaining", info.PauseRemaining, time.Minute)
	// Heartbeats continue while paused.
	e.advance(10 * time.Second)
	eqSlice(t, "heartbeat", statuses(e.sender.take()), []string{"d: 100 Idle Heartbeat"})
	e.advance(50 * time.Second)
	eqSlice(t, "resumed", payloads(e.sender.take()), []string{"1"})
	adv := e.adv.take()
	eq(t, "advisories", len(adv), 1)
	pa := adv[0].event.(*jsapi.ConsumerPauseAdvisory)
	eq(t, "unpause advisory", pa.Paused, false)
	eq(t, "advisory subject", adv[0].subject, "$JS.EVENT.ADVISORY.CONSUMER.PAUSE.S.C")

	// Pause through the API method, then resume early.
	c.Pause(e.clock.Now().Add(time.Hour))
	e.stream.publish(t, "foo.a", "2")
	e.step()
	eq(t, "paused again", len(payloads(e.sender.take())), 0)
	adv = e.adv.take()
	eq(t, "pause advisory", adv[0].event.(*jsapi.ConsumerPauseAdvisory).Paused, true)
	c.Pause(time.Time{})
	e.step()
	eqSlice(t, "unpaused", payloads(e.sender.take()), []string{"2"})
	eq(t, "config", c.Config().PauseUntil == nil, true)
	eq(t, "resume advisory", e.adv.take()[0].event.(*jsapi.ConsumerPauseAdvisory).Paused, false)
}
