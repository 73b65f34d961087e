package consumer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/natsnet/natsnet/internal/jsapi"
	"github.com/natsnet/natsnet/internal/store"
)

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fakeStream is a stream on a MemStore. With interest or workqueue
// retention, Acked removes a message once no consumer needs it.
type fakeStream struct {
	name      string
	st        *store.MemStore
	retention jsapi.RetentionPolicy

	mu        sync.Mutex
	consumers []*Consumer
	acked     []uint64
}

func (s *fakeStream) Name() string                     { return s.name }
func (s *fakeStream) Store() store.Store               { return s.st }
func (s *fakeStream) Retention() jsapi.RetentionPolicy { return s.retention }

func (s *fakeStream) Acked(c *Consumer, seq uint64) {
	s.mu.Lock()
	s.acked = append(s.acked, seq)
	cons := append([]*Consumer(nil), s.consumers...)
	s.mu.Unlock()
	if s.retention == jsapi.LimitsPolicy {
		return
	}
	if s.retention == jsapi.InterestPolicy {
		for _, o := range cons {
			if o.NeedsAck(seq, "") {
				return
			}
		}
	}
	_, _ = s.st.RemoveMsg(seq)
}

func (s *fakeStream) ackedSeqs() []uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]uint64(nil), s.acked...)
}

// publish stores a message and announces it to the consumers.
func (s *fakeStream) publish(t testing.TB, subj string, data string) uint64 {
	t.Helper()
	return s.publishHdr(t, subj, nil, data)
}

func (s *fakeStream) publishHdr(t testing.TB, subj string, hdr []byte, data string) uint64 {
	t.Helper()
	seq, _, err := s.st.StoreMsg(subj, hdr, []byte(data), 0)
	if err != nil {
		t.Fatalf("StoreMsg: %v", err)
	}
	s.mu.Lock()
	cons := append([]*Consumer(nil), s.consumers...)
	s.mu.Unlock()
	for _, c := range cons {
		c.NotifyNewMsg(seq, subj)
	}
	return seq
}

// sent is a message the consumer published: routed by subject, seen by
// the receiver under msgSubj (deliveries only).
type sent struct {
	subject, reply string
	hdr, data      []byte
	msgSubj        string
}

func (m sent) String() string {
	return fmt.Sprintf("%s reply=%q hdr=%q data=%q", m.subject, m.reply, m.hdr, m.data)
}

// status returns the status line of a header-only message ("" if none).
func (m sent) status() string {
	if len(m.data) > 0 || !bytes.HasPrefix(m.hdr, []byte("NATS/1.0 ")) {
		return ""
	}
	line, _, _ := strings.Cut(string(m.hdr), "\r\n")
	return strings.TrimPrefix(line, "NATS/1.0 ")
}

// ack parses the ack reply of a delivery.
func (m sent) ack(t testing.TB) jsapi.AckReply {
	t.Helper()
	a, ok := jsapi.ParseAckReply(m.reply)
	if !ok {
		t.Fatalf("not an ack reply: %s", m)
	}
	return a
}

// fakeSender records messages; every subject has interest unless marked.
type fakeSender struct {
	mu         sync.Mutex
	msgs       []sent
	noInterest map[string]bool
	notify     chan struct{}
}

func newFakeSender() *fakeSender {
	return &fakeSender{noInterest: make(map[string]bool), notify: make(chan struct{}, 1)}
}

func (s *fakeSender) Send(subject, reply string, hdr, data []byte) {
	s.mu.Lock()
	s.msgs = append(s.msgs, sent{subject: subject, reply: reply, hdr: bytes.Clone(hdr), data: bytes.Clone(data)})
	s.mu.Unlock()
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

func (s *fakeSender) SendMsg(deliverTo, subject, reply string, hdr, data []byte) {
	s.mu.Lock()
	s.msgs = append(s.msgs, sent{deliverTo, reply, bytes.Clone(hdr), bytes.Clone(data), subject})
	s.mu.Unlock()
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

func (s *fakeSender) HasInterest(subject string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.noInterest[subject]
}

func (s *fakeSender) setInterest(subject string, on bool) {
	s.mu.Lock()
	s.noInterest[subject] = !on
	s.mu.Unlock()
}

// take returns and forgets the recorded messages.
func (s *fakeSender) take() []sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.msgs
	s.msgs = nil
	return out
}

// advisories records advisories by subject.
type advisories struct {
	mu  sync.Mutex
	got []advisory
}

type advisory struct {
	subject string
	event   any
}

func (a *advisories) add(subject string, ev any) {
	a.mu.Lock()
	a.got = append(a.got, advisory{subject, ev})
	a.mu.Unlock()
}

func (a *advisories) take() []advisory {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := a.got
	a.got = nil
	return out
}

// env is a consumer under test with its collaborators.
type env struct {
	t      testing.TB
	clock  *fakeClock
	stream *fakeStream
	sender *fakeSender
	adv    *advisories
	c      *Consumer
	cs     store.ConsumerStore
}

// newEnv creates a stream "S" on subjects "foo.>" and "bar", with retention r.
func newEnv(t testing.TB, r jsapi.RetentionPolicy) *env {
	t.Helper()
	clock := newFakeClock()
	ms, err := store.NewMemStore(store.StreamConfig{}, func() int64 { return clock.Now().UnixNano() })
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, clock: clock, stream: &fakeStream{name: "S", st: ms, retention: r}, sender: newFakeSender(), adv: &advisories{}}
}

// consumer creates (but does not start) a consumer from cfg after applying
// the jsapi defaults, and registers it with the stream.
func (e *env) consumer(name string, cfg jsapi.ConsumerConfig) *Consumer {
	e.t.Helper()
	scfg := &jsapi.StreamConfig{Name: "S", Subjects: []string{"foo.>", "bar"}, Retention: e.stream.retention}
	cfg.SetDefaults(scfg)
	if err := cfg.Validate(scfg); err != nil {
		e.t.Fatalf("invalid config: %v", err)
	}
	cs, err := e.stream.st.ConsumerStore(name, store.ConsumerConfig{})
	if err != nil {
		e.t.Fatal(err)
	}
	c, err := New(name, &cfg, e.clock.Now(), Options{
		Stream: e.stream, Sender: e.sender, Store: cs, Now: e.clock.Now,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Advisory: e.adv.add,
	})
	if err != nil {
		e.t.Fatalf("New: %v", err)
	}
	e.c, e.cs = c, cs
	e.stream.mu.Lock()
	e.stream.consumers = append(e.stream.consumers, c)
	e.stream.mu.Unlock()
	return c
}

// start prepares c for manual stepping (no goroutine).
func (e *env) start(c *Consumer) {
	c.mu.Lock()
	c.startLocked()
	c.started = true
	c.mu.Unlock()
}

// step runs steps until no more work is immediately available.
func (e *env) step() time.Time {
	e.t.Helper()
	for i := 0; i < 1000; i++ {
		next, more := e.c.step()
		if !more {
			return next
		}
	}
	e.t.Fatal("step did not settle")
	return time.Time{}
}

// advance moves the clock and steps.
func (e *env) advance(d time.Duration) {
	e.clock.Advance(d)
	e.step()
}

// pull sends a pull request with a JSON body and steps.
func (e *env) pull(reply string, req any) {
	b, err := json.Marshal(req)
	if err != nil {
		e.t.Fatal(err)
	}
	e.rawPull(reply, b)
}

// rawPull queues a pull request with the given body and steps.
func (e *env) rawPull(reply string, body []byte) {
	e.c.ProcessPull(reply, body)
	e.step()
}

// rawAck queues an ack and steps.
func (e *env) rawAck(subject, reply string, body []byte) {
	e.c.ProcessAck(subject, reply, body)
	e.step()
}

// ackMsg acks m with body (and optional double-ack reply) and steps.
func (e *env) ackMsg(m sent, body, reply string) {
	e.rawAck(m.reply, reply, []byte(body))
}

// payloads returns the data of the delivered (non-status) messages.
func payloads(msgs []sent) []string {
	var out []string
	for _, m := range msgs {
		if m.reply != "" && strings.HasPrefix(m.reply, "$JS.ACK.") {
			out = append(out, string(m.data))
		}
	}
	return out
}

// deliveries returns the messages that carry an ack reply.
func deliveries(msgs []sent) []sent {
	var out []sent
	for _, m := range msgs {
		if strings.HasPrefix(m.reply, "$JS.ACK.") {
			out = append(out, m)
		}
	}
	return out
}

// statuses returns "subject: status" for header-only status messages.
func statuses(msgs []sent) []string {
	var out []string
	for _, m := range msgs {
		if s := m.status(); s != "" {
			out = append(out, m.subject+": "+s)
		}
	}
	return out
}

func eq[T comparable](t testing.TB, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Fatalf("%s = %v, want %v", what, got, want)
	}
}

func eqSlice[T comparable](t testing.TB, what string, got, want []T) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s = %v, want %v", what, got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s = %v, want %v", what, got, want)
		}
	}
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// checkMirror compares the consumer's in-memory state with its store.
func (e *env) checkMirror() {
	e.t.Helper()
	c := e.c
	st, err := e.cs.State()
	if err != nil {
		e.t.Fatal(err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(st.Pending) != len(c.pending) {
		e.t.Fatalf("pending: store %v, consumer %d entries", st.Pending, len(c.pending))
	}
	for seq, p := range c.pending {
		sp, ok := st.Pending[seq]
		if !ok || sp.Sequence != p.dseq || sp.Timestamp != p.ts {
			e.t.Fatalf("pending %d: store %+v, consumer %+v", seq, sp, *p)
		}
	}
	if st.AckFloor.Stream != c.asflr || st.AckFloor.Consumer != c.adflr {
		e.t.Fatalf("ack floor: store %+v, consumer (%d,%d)", st.AckFloor, c.adflr, c.asflr)
	}
}

// describe renders messages for comparison: an empty message (an ack
// reply) as its subject, anything else in full.
func describe(msgs []sent) []string {
	var out []string
	for _, m := range msgs {
		if m.reply == "" && len(m.hdr) == 0 && len(m.data) == 0 {
			out = append(out, m.subject)
		} else {
			out = append(out, m.String())
		}
	}
	return out
}
