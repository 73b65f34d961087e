package consumer

import (
	"fmt"
	"testing"
	"time"

	"github.com/natsnet/natsnet/internal/jsapi"
)

// pullEnv creates a started pull consumer "C" after publishing n messages
// foo.a "1".."n".
func pullEnv(t *testing.T, n int, cfg jsapi.ConsumerConfig) *env {
	t.Helper()
	e := newEnv(t, jsapi.LimitsPolicy)
	for i := 1; i <= n; i++ {
		e.stream.publish(t, "foo.a", fmt.Sprint(i))
	}
	cfg.Durable = "C"
	if cfg.AckPolicy == jsapi.AckNone {
		cfg.AckPolicy = jsapi.AckExplicit
	}
	e.consumer("C", cfg)
	e.start(e.c)
	return e
}

// only returns the single message in msgs.
func only(t *testing.T, msgs []sent) sent {
	t.Helper()
	if len(msgs) != 1 {
		t.Fatalf("got %d messages, want 1: %v", len(msgs), msgs)
	}
	return msgs[0]
}

// wantStatus checks a header-only status message byte for byte.
func wantStatus(t *testing.T, m sent, subject, hdr string) {
	t.Helper()
	if m.subject != subject || m.reply != "" || string(m.hdr) != hdr || len(m.data) != 0 {
		t.Fatalf("got %s\nwant %s hdr=%q", m, subject, hdr)
	}
}

func TestPullNoWait(t *testing.T) {
	e := pullEnv(t, 0, jsapi.ConsumerConfig{})
	e.pull("_INBOX.a", jsapi.PullRequest{Batch: 1, NoWait: true})
	wantStatus(t, only(t, e.sender.take()), "_INBOX.a", "NATS/1.0 404 No Messages\r\n\r\n")

	e.stream.publish(t, "foo.a", "1")
	e.stream.publish(t, "foo.a", "2")
	e.pull("_INBOX.b", jsapi.PullRequest{Batch: 5, NoWait: true})
	e.step()
	got := e.sender.take()
	eqSlice(t, "payloads", payloads(got), []string{"1", "2"})
	eq(t, "count", len(got), 3)
	wantStatus(t, got[2], "_INBOX.b", "NATS/1.0 404 No Messages\r\n\r\n")

	// Exactly what is available: no status.
	e.stream.publish(t, "foo.a", "3")
	e.pull("_INBOX.c", jsapi.PullRequest{Batch: 1, NoWait: true})
	e.step()
	eqSlice(t, "exact", describe(e.sender.take())[1:], nil)

	// no_wait with expires waits for a message, then ends with 404.
	e.pull("_INBOX.d", jsapi.PullRequest{Batch: 2, NoWait: true, Expires: time.Second})
	e.step()
	eq(t, "waiting", len(e.sender.take()), 0)
	e.stream.publish(t, "foo.a", "4")
	e.step()
	got = e.sender.take()
	eqSlice(t, "payloads", payloads(got), []string{"4"})
	wantStatus(t, got[1], "_INBOX.d", "NATS/1.0 404 No Messages\r\n\r\n")
}

func TestPullExpires(t *testing.T) {
	e := pullEnv(t, 1, jsapi.ConsumerConfig{})
	e.pull("_INBOX.a", jsapi.PullRequest{Batch: 5, Expires: time.Second})
	next := e.step()
	eqSlice(t, "payloads", payloads(e.sender.take()), []string{"1"})
	if !next.Equal(e.clock.Now().Add(time.Second)) {
		t.Fatalf("next wake %v", next)
	}
	eq(t, "waiting", e.c.Info().NumWaiting, 1)
	e.advance(999 * time.Millisecond)
	eq(t, "early", len(e.sender.take()), 0)
	e.advance(time.Millisecond)
	wantStatus(t, only(t, e.sender.take()), "_INBOX.a",
		"NATS/1.0 408 Request Timeout\r\nNats-Pending-Messages: 4\r\nNats-Pending-Bytes: 0\r\n\r\n")
	eq(t, "waiting", e.c.Info().NumWaiting, 0)
}

func TestPullMaxBytes(t *testing.T) {
	e := pullEnv(t, 2, jsapi.ConsumerConfig{})
	// Too small for the first message.
	e.pull("_INBOX.a", jsapi.PullRequest{Batch: 10, MaxBytes: 1, Expires: time.Minute})
	e.step()
	wantStatus(t, only(t, e.sender.take()), "_INBOX.a",
		"NATS/1.0 409 Message Size Exceeds MaxBytes\r\nNats-Pending-Messages: 10\r\nNats-Pending-Bytes: 1\r\n\r\n")

	// A batch that completes with bytes left.
	e.pull("_INBOX.b", jsapi.PullRequest{Batch: 1, MaxBytes: 1000, Expires: time.Minute})
	e.step()
	got := e.sender.take()
	eq(t, "messages", len(got), 2)
	m := got[0]
	sz := len("foo.a") + len(m.reply) + len(m.hdr) + len(m.data)
	wantStatus(t, got[1], "_INBOX.b",
		fmt.Sprintf("NATS/1.0 409 Batch Completed\r\nNats-Pending-Messages: 0\r\nNats-Pending-Bytes: %d\r\n\r\n", 1000-sz))

	// Bytes running out exactly end the request without a status.
	m2sz := len("foo.a") + len(m.reply) + 1 // same reply length, 1-byte payload
	e.pull("_INBOX.c", jsapi.PullRequest{Batch: 5, MaxBytes: m2sz, Expires: time.Minute})
	e.step()
	got = e.sender.take()
	eqSlice(t, "payloads", payloads(got), []string{"2"})
	eq(t, "no status", len(got), 1)
	eq(t, "waiting", e.c.Info().NumWaiting, 0)
}

func TestPullLimits(t *testing.T) {
	e := pullEnv(t, 0, jsapi.ConsumerConfig{MaxRequestBatch: 5, MaxRequestExpires: time.Second, MaxRequestMaxBytes: 100})
	for _, tt := range []struct {
		body string
		want string
	}{
		{`{"batch":10}`, "NATS/1.0 409 Exceeded MaxRequestBatch of 5\r\n\r\n"},
		{`{"batch":1,"expires":2000000000}`, "NATS/1.0 409 Exceeded MaxRequestExpires of 1s\r\n\r\n"},
		{`{"batch":1,"max_bytes":200}`, "NATS/1.0 409 Exceeded MaxRequestMaxBytes of 100\r\n\r\n"},
		{`{"batch":`, "NATS/1.0 400 Bad Request - unexpected end of JSON input\r\n\r\n"},
		{`{"batch":1,"expires":1000000000,"idle_heartbeat":600000000}`, "NATS/1.0 400 Bad Request - heartbeat value too large\r\n\r\n"},
		{`{"batch":1,"min_pending":5}`, "NATS/1.0 400 Bad Request - Not a Overflow Priority consumer\r\n\r\n"},
		{`{"batch":1,"id":"x"}`, "NATS/1.0 400 Bad Request - Not a Pinned Client Priority consumer\r\n\r\n"},
		{`{"batch":1,"priority":10}`, "NATS/1.0 400 Bad Request - Priority must be between 0 and 9\r\n\r\n"},
	} {
		e.rawPull("_INBOX.x", []byte(tt.body))
		wantStatus(t, only(t, e.sender.take()), "_INBOX.x", tt.want)
	}
	// No reply subject: dropped.
	e.rawPull("", nil)
	eq(t, "dropped", len(e.sender.take()), 0)
	eq(t, "waiting", e.c.Info().NumWaiting, 0)

	p := pushEnv(t, 0, jsapi.ConsumerConfig{})
	p.rawPull("_INBOX.y", nil)
	wantStatus(t, only(t, p.sender.take()), "_INBOX.y", "NATS/1.0 409 Consumer is push based\r\n\r\n")
}

func TestPullMaxWaiting(t *testing.T) {
	e := pullEnv(t, 0, jsapi.ConsumerConfig{MaxWaiting: 1})
	e.pull("_INBOX.a", jsapi.PullRequest{Batch: 1, Expires: time.Minute})
	e.pull("_INBOX.b", jsapi.PullRequest{Batch: 1, Expires: time.Minute})
	wantStatus(t, only(t, e.sender.take()), "_INBOX.b", "NATS/1.0 409 Exceeded MaxWaiting\r\n\r\n")
	// With heartbeats the request is dropped silently.
	e.pull("_INBOX.c", jsapi.PullRequest{Batch: 1, Expires: time.Minute, Heartbeat: time.Second})
	eq(t, "silent", len(e.sender.take()), 0)
	// Expired requests make room.
	e.clock.Advance(time.Minute)
	e.pull("_INBOX.d", jsapi.PullRequest{Batch: 1, Expires: time.Minute})
	got := statuses(e.sender.take())
	eqSlice(t, "statuses", got, []string{"_INBOX.a: 408 Request Timeout"})
	eqSlice(t, "waiting", e.c.pendingRequests(), []string{"_INBOX.d"})
}

func TestPullRequestsPending(t *testing.T) {
	e := pullEnv(t, 3, jsapi.ConsumerConfig{MaxAckPending: 1})
	e.pull("_INBOX.a", jsapi.PullRequest{Batch: 5, Expires: time.Minute})
	e.step()
	eqSlice(t, "first", payloads(e.sender.take()), []string{"1"})
	e.pull("_INBOX.b", jsapi.PullRequest{Batch: 1, NoWait: true})
	wantStatus(t, only(t, e.sender.take()), "_INBOX.b", "NATS/1.0 408 Requests Pending\r\n\r\n")
}

func TestPullHeartbeat(t *testing.T) {
	e := pullEnv(t, 0, jsapi.ConsumerConfig{})
	e.pull("_INBOX.a", jsapi.PullRequest{Batch: 2, Expires: 10 * time.Second, Heartbeat: time.Second})
	next := e.step()
	if !next.Equal(e.clock.Now().Add(time.Second)) {
		t.Fatalf("next wake %v", next)
	}
	e.advance(time.Second)
	wantStatus(t, only(t, e.sender.take()), "_INBOX.a",
		"NATS/1.0 100 Idle Heartbeat\r\nNats-Last-Consumer: 0\r\nNats-Last-Stream: 0\r\n\r\n")
	e.advance(500 * time.Millisecond)
	e.stream.publish(t, "foo.a", "1")
	e.step()
	eqSlice(t, "delivery", payloads(e.sender.take()), []string{"1"})
	// A delivery resets the request's heartbeat.
	e.advance(999 * time.Millisecond)
	eq(t, "no heartbeat yet", len(e.sender.take()), 0)
	e.advance(time.Millisecond)
	wantStatus(t, only(t, e.sender.take()), "_INBOX.a",
		"NATS/1.0 100 Idle Heartbeat\r\nNats-Last-Consumer: 1\r\nNats-Last-Stream: 1\r\n\r\n")
}

func TestPullInterestLost(t *testing.T) {
	e := pullEnv(t, 0, jsapi.ConsumerConfig{})
	e.pull("_INBOX.a", jsapi.PullRequest{Batch: 1, Expires: time.Minute})
	e.pull("_INBOX.b", jsapi.PullRequest{Batch: 1, Expires: time.Minute})
	e.sender.setInterest("_INBOX.a", false)
	e.stream.publish(t, "foo.a", "1")
	e.step()
	got := e.sender.take()
	eq(t, "delivered to b", only(t, got).subject, "_INBOX.b")
	eq(t, "a dropped", e.c.Info().NumWaiting, 0)
	e.advance(time.Minute)
	eq(t, "no timeout for a", len(e.sender.take()), 0)
}

func TestPullRoundRobinAndBodies(t *testing.T) {
	e := pullEnv(t, 5, jsapi.ConsumerConfig{})
	e.c.ProcessPull("_INBOX.a", []byte(" 2 "))
	e.c.ProcessPull("_INBOX.b", []byte(`{"batch":2}`))
	e.c.ProcessPull("_INBOX.c", nil)
	e.step()
	var got []string
	for _, m := range deliveries(e.sender.take()) {
		got = append(got, m.subject+"="+string(m.data))
	}
	eqSlice(t, "order", got, []string{"_INBOX.a=1", "_INBOX.b=2", "_INBOX.c=3", "_INBOX.a=4", "_INBOX.b=5"})
}

func TestPullReleasedOnDeleteAndStop(t *testing.T) {
	e := pullEnv(t, 0, jsapi.ConsumerConfig{})
	e.pull("_INBOX.a", jsapi.PullRequest{Batch: 3, Expires: time.Minute})
	e.c.Delete()
	wantStatus(t, only(t, e.sender.take()), "_INBOX.a", "NATS/1.0 409 Consumer Deleted\r\n\r\n")
	if e.c.Info() != nil {
		t.Fatal("Info after Delete")
	}

	e2 := pullEnv(t, 0, jsapi.ConsumerConfig{})
	e2.pull("_INBOX.b", jsapi.PullRequest{Batch: 3, MaxBytes: 100, Expires: time.Minute})
	e2.c.Stop()
	wantStatus(t, only(t, e2.sender.take()), "_INBOX.b",
		"NATS/1.0 409 Server Shutdown\r\nNats-Pending-Messages: 3\r\nNats-Pending-Bytes: 100\r\n\r\n")
}

func TestPullBatchLimitedByAckPendingKeepsNoWait(t *testing.T) {
	e := pullEnv(t, 3, jsapi.ConsumerConfig{MaxAckPending: 2})
	e.pull("_INBOX.a", jsapi.PullRequest{Batch: 3, NoWait: true})
	e.step()
	got := e.sender.take()
	eqSlice(t, "payloads", payloads(got), []string{"1", "2"})
	eq(t, "no 404 while blocked by max_ack_pending", len(got), 2)
	e.ackMsg(got[0], "", "")
	e.step()
	got = e.sender.take()
	eqSlice(t, "payloads", payloads(got), []string{"3"})
}
