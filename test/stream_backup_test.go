package test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// TestCLIStreamBackupRestore backs a stream up with `nats stream backup`,
// deletes it, and brings it back with `nats stream restore`.
func TestCLIStreamBackupRestore(t *testing.T) {
	t.Parallel()
	s, _, js := startJS(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "BK", Subjects: []string{"bk.>"}, Storage: jetstream.FileStorage})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 500; i++ {
		if _, err := js.Publish(ctx, "bk.x", []byte("payload-payload-payload")); err != nil {
			t.Fatal(err)
		}
	}
	c, err := st.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{Durable: "keep", AckPolicy: jetstream.AckExplicitPolicy})
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Fetch(10, jetstream.FetchMaxWait(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	for m := range b.Messages() {
		_ = m.DoubleAck(ctx)
	}
	dir := filepath.Join(t.TempDir(), "backup")
	expectCLI(t, 0, nil, "--server", s.ClientURL(), "backup", "stream", "BK", dir, "--consumers", "--no-progress")
	if err := js.DeleteStream(ctx, "BK"); err != nil {
		t.Fatal(err)
	}
	expectCLI(t, 0, nil, "--server", s.ClientURL(), "backup", "restore", "stream", dir, "--no-progress")
	st, err = js.Stream(ctx, "BK")
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 500 || info.State.LastSeq != 500 {
		t.Fatalf("restored state %+v", info.State)
	}
	ci, err := js.Consumer(ctx, "BK", "keep")
	if err != nil {
		t.Fatal(err)
	}
	cinfo, err := ci.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cinfo.AckFloor.Stream != 10 || cinfo.NumPending != 490 {
		t.Fatalf("restored consumer %+v %+v", cinfo.AckFloor, cinfo)
	}
}
