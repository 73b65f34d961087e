package test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

func TestJSAdvisories(t *testing.T) {
	t.Parallel()
	_, nc, js := startJS(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sub, err := nc.SubscribeSync("$JS.EVENT.ADVISORY.>")
	if err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	st, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "ADV", Storage: jetstream.MemoryStorage})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{Durable: "c"}); err != nil {
		t.Fatal(err)
	}
	if err := js.DeleteStream(ctx, "ADV"); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"$JS.EVENT.ADVISORY.STREAM.CREATED.ADV":     "io.nats.jetstream.advisory.v1.stream_action",
		"$JS.EVENT.ADVISORY.CONSUMER.CREATED.ADV.c": "io.nats.jetstream.advisory.v1.consumer_action",
		"$JS.EVENT.ADVISORY.STREAM.DELETED.ADV":     "io.nats.jetstream.advisory.v1.stream_action",
		"$JS.EVENT.ADVISORY.API":                    "io.nats.jetstream.advisory.v1.api_audit",
	}
	seen := map[string]bool{}
	for len(seen) < len(want) {
		m, err := sub.NextMsg(2 * time.Second)
		if err != nil {
			t.Fatalf("missing advisories; saw %v: %v", seen, err)
		}
		var ev struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(m.Data, &ev); err != nil {
			t.Fatal(err)
		}
		if w, ok := want[m.Subject]; ok {
			if ev.Type != w {
				t.Fatalf("%s: type %q, want %q", m.Subject, ev.Type, w)
			}
			seen[m.Subject] = true
		}
	}
}
