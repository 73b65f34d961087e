package test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/natsnet/natsnet"
)

func TestJSAccountLimitsFromConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "js.conf")
	conf := `
		listen: 127.0.0.1:-1
		jetstream { store_dir: "` + dir + `" }
		accounts {
			LIM: { jetstream: { max_mem: 1KB, max_file: 1MB, max_streams: 1, max_consumers: 1 }, users: [ {user: l, password: l} ] }
			NOJS: { users: [ {user: n, password: n} ] }
		}
	`
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	opts, err := natsnet.LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	s := startServer(t, opts)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	js, err := jetstream.New(connect(t, s.ClientURL(), nats.UserInfo("l", "l")))
	if err != nil {
		t.Fatal(err)
	}
	ai, err := js.AccountInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ai.Limits.MaxStreams != 1 || ai.Limits.MaxMemory != 1024 {
		t.Fatalf("limits %+v", ai.Limits)
	}
	st, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "M", Storage: jetstream.MemoryStorage})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "M2", Storage: jetstream.MemoryStorage}); apiErrCode(err) != 10027 {
		t.Fatalf("second stream: %v, want 10027", err)
	}
	if _, err := js.Publish(ctx, "M", make([]byte, 600)); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, "M", make([]byte, 600)); apiErrCode(err) != 10002 {
		t.Fatalf("over max_mem: %v, want 10002", err)
	}
	if _, err := st.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{Durable: "a"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{Durable: "b"}); apiErrCode(err) != 10026 {
		t.Fatalf("second consumer: %v, want 10026", err)
	}

	njs, err := jetstream.New(connect(t, s.ClientURL(), nats.UserInfo("n", "n")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := njs.AccountInfo(ctx); apiErrCode(err) != 10039 {
		t.Fatalf("account without JetStream: %v, want 10039", err)
	}
}
