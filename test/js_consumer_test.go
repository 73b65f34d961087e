package test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

func TestJSPullConsumerFetchAndAck(t *testing.T) {
	t.Parallel()
	_, _, js := startJS(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "P", Subjects: []string{"p.>"}, Storage: jetstream.MemoryStorage})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		if _, err := js.Publish(ctx, "p.x", []byte{byte('0' + i)}); err != nil {
			t.Fatal(err)
		}
	}
	c, err := st.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{Durable: "d", AckPolicy: jetstream.AckExplicitPolicy})
	if err != nil {
		t.Fatal(err)
	}
	batch, err := c.Fetch(4, jetstream.FetchMaxWait(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for m := range batch.Messages() {
		meta, err := m.Metadata()
		if err != nil {
			t.Fatal(err)
		}
		n++
		if meta.Sequence.Stream != uint64(n) || meta.NumPending != uint64(10-n) {
			t.Fatalf("message %d: meta %+v", n, meta)
		}
		if err := m.Ack(); err != nil {
			t.Fatal(err)
		}
	}
	if batch.Error() != nil || n != 4 {
		t.Fatalf("fetched %d, err %v", n, batch.Error())
	}
	info, err := c.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.NumPending != 6 || info.Delivered.Stream != 4 {
		t.Fatalf("info %+v", info)
	}
	// No wait on an empty consumer returns at once.
	c2, err := st.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{Durable: "empty", FilterSubject: "p.none", AckPolicy: jetstream.AckExplicitPolicy})
	if err != nil {
		t.Fatal(err)
	}
	b2, err := c2.FetchNoWait(5)
	if err != nil {
		t.Fatal(err)
	}
	for range b2.Messages() {
		t.Fatal("got a message from an empty consumer")
	}
	names := st.ConsumerNames(ctx)
	count := 0
	for range names.Name() {
		count++
	}
	if count != 2 {
		t.Fatalf("%d consumer names, want 2", count)
	}
	if err := st.DeleteConsumer(ctx, "d"); err != nil {
		t.Fatal(err)
	}
}

func TestJSPushAndOrderedConsume(t *testing.T) {
	t.Parallel()
	_, _, js := startJS(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "O", Subjects: []string{"o.>"}, Storage: jetstream.MemoryStorage})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		if _, err := js.PublishAsync("o.x", []byte("m")); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-ctx.Done():
		t.Fatal("async publishes not acknowledged")
	}
	oc, err := st.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan uint64, 200)
	cc, err := oc.Consume(func(m jetstream.Msg) {
		meta, _ := m.Metadata()
		got <- meta.Sequence.Stream
	})
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Stop()
	for want := uint64(1); want <= 100; want++ {
		select {
		case seq := <-got:
			if seq != want {
				t.Fatalf("got seq %d, want %d", seq, want)
			}
		case <-ctx.Done():
			t.Fatalf("ordered consumer stalled at %d", want)
		}
	}
}
