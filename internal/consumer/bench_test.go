package consumer

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/natsnet/natsnet/internal/jsapi"
	"github.com/natsnet/natsnet/internal/store"
)

type nopSender struct{}

func (nopSender) Send(subject, reply string, hdr, data []byte) {}
func (nopSender) HasInterest(string) bool                      { return true }

func benchConsumer(b *testing.B, n int, cfg jsapi.ConsumerConfig) *Consumer {
	ms, _ := store.NewMemStore(store.StreamConfig{}, nil)
	payload := make([]byte, 128)
	for i := 0; i < n; i++ {
		if _, _, err := ms.StoreMsg("foo.a", nil, payload, 0); err != nil {
			b.Fatal(err)
		}
	}
	scfg := &jsapi.StreamConfig{Name: "S", Subjects: []string{"foo.>"}}
	cfg.SetDefaults(scfg)
	cs, _ := ms.ConsumerStore("C", store.ConsumerConfig{})
	c, err := New("C", &cfg, time.Now(), Options{Stream: &fakeStream{name: "S", st: ms}, Sender: nopSender{}, Store: cs,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	c.mu.Lock()
	c.startLocked()
	c.mu.Unlock()
	return c
}

// BenchmarkDeliverPushAckNone measures the delivery path of an ordered-style
// push consumer.
func BenchmarkDeliverPushAckNone(b *testing.B) {
	c := benchConsumer(b, b.N, jsapi.ConsumerConfig{DeliverSubject: "d", FlowControl: true, Heartbeat: time.Second})
	c.mu.Lock()
	c.fc.window, c.fc.limit = 1<<40, 1<<40
	c.mu.Unlock()
	b.ReportAllocs()
	b.ResetTimer()
	for delivered := 0; delivered < b.N; {
		c.step()
		c.mu.Lock()
		delivered = int(c.dseq - 1)
		c.mu.Unlock()
	}
}

// BenchmarkDeliverPullExplicit measures pull deliveries with explicit acks.
func BenchmarkDeliverPullExplicit(b *testing.B) {
	c := benchConsumer(b, b.N, jsapi.ConsumerConfig{Durable: "C", AckPolicy: jsapi.AckExplicit, MaxAckPending: -1})
	b.ReportAllocs()
	b.ResetTimer()
	c.ProcessPull("_INBOX.x", []byte(`{"batch":1000000000}`))
	for delivered := 0; delivered < b.N; {
		c.step()
		c.mu.Lock()
		delivered = int(c.dseq - 1)
		c.mu.Unlock()
	}
}
