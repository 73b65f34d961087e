package test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/natsnet/natsnet"
)

// startJS starts a server with JetStream and returns a jetstream context.
func startJS(t *testing.T) (*natsnet.Server, *nats.Conn, jetstream.JetStream) {
	t.Helper()
	s := startServer(t, &natsnet.Options{JetStream: true, StoreDir: t.TempDir()})
	nc := connect(t, s.ClientURL())
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return s, nc, js
}

func apiErrCode(err error) uint16 {
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) {
		return uint16(apiErr.ErrorCode)
	}
	return 0
}

func TestJSStreamLifecycle(t *testing.T) {
	t.Parallel()
	_, _, js := startJS(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cfg := jetstream.StreamConfig{Name: "ORDERS", Subjects: []string{"orders.>"}, Storage: jetstream.MemoryStorage}
	st, err := js.CreateStream(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Creating again with the same config succeeds; a different one fails.
	if _, err := js.CreateStream(ctx, cfg); err != nil {
		t.Fatalf("idempotent create: %v", err)
	}
	cfg2 := cfg
	cfg2.MaxMsgs = 10
	if _, err := js.CreateStream(ctx, cfg2); apiErrCode(err) != 10058 {
		t.Fatalf("different config: got %v, want err_code 10058", err)
	}
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "OTHER", Subjects: []string{"orders.new"}}); apiErrCode(err) != 10065 {
		t.Fatalf("overlap: got %v, want err_code 10065", err)
	}
	for i := 0; i < 5; i++ {
		ack, err := js.Publish(ctx, "orders.new", []byte("o"))
		if err != nil {
			t.Fatal(err)
		}
		if ack.Stream != "ORDERS" || ack.Sequence != uint64(i+1) {
			t.Fatalf("ack %+v", ack)
		}
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 5 || info.State.LastSeq != 5 {
		t.Fatalf("state %+v", info.State)
	}
	msg, err := st.GetMsg(ctx, 3)
	if err != nil || string(msg.Data) != "o" || msg.Sequence != 3 {
		t.Fatalf("get msg: %v %+v", err, msg)
	}
	if _, err := st.GetMsg(ctx, 99); apiErrCode(err) != 10037 && !errors.Is(err, jetstream.ErrMsgNotFound) {
		t.Fatalf("missing msg: %v", err)
	}
	if err := st.DeleteMsg(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if err := st.Purge(ctx, jetstream.WithPurgeKeep(1)); err != nil {
		t.Fatal(err)
	}
	info, _ = st.Info(ctx)
	if info.State.Msgs != 1 || info.State.FirstSeq != 5 {
		t.Fatalf("after purge: %+v", info.State)
	}
	names := js.StreamNames(ctx)
	var got []string
	for n := range names.Name() {
		got = append(got, n)
	}
	if len(got) != 1 || got[0] != "ORDERS" {
		t.Fatalf("names %v", got)
	}
	if err := js.DeleteStream(ctx, "ORDERS"); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Stream(ctx, "ORDERS"); !errors.Is(err, jetstream.ErrStreamNotFound) {
		t.Fatalf("after delete: %v", err)
	}
}

func TestJSPublishExpectations(t *testing.T) {
	t.Parallel()
	_, _, js := startJS(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "E", Subjects: []string{"e.>"}, Storage: jetstream.MemoryStorage}); err != nil {
		t.Fatal(err)
	}
	ack, err := js.Publish(ctx, "e.a", []byte("1"), jetstream.WithMsgID("id-1"))
	if err != nil || ack.Duplicate {
		t.Fatalf("first: %v %+v", err, ack)
	}
	ack, err = js.Publish(ctx, "e.a", []byte("1"), jetstream.WithMsgID("id-1"))
	if err != nil || !ack.Duplicate || ack.Sequence != 1 {
		t.Fatalf("duplicate: %v %+v", err, ack)
	}
	if _, err := js.Publish(ctx, "e.a", nil, jetstream.WithExpectLastSequence(7)); apiErrCode(err) != 10071 {
		t.Fatalf("expected last seq: %v", err)
	}
	if _, err := js.Publish(ctx, "e.b", nil, jetstream.WithExpectLastSequencePerSubject(0)); err != nil {
		t.Fatalf("first on subject: %v", err)
	}
	if _, err := js.Publish(ctx, "e.b", nil, jetstream.WithExpectLastSequencePerSubject(1)); apiErrCode(err) != 10071 {
		t.Fatalf("expected subject seq: %v", err)
	}
	if _, err := js.Publish(ctx, "e.a", nil, jetstream.WithExpectStream("NOPE")); apiErrCode(err) != 10060 {
		t.Fatalf("expected stream: %v", err)
	}
	if _, err := js.Publish(ctx, "e.a", nil, jetstream.WithExpectLastMsgID("other")); apiErrCode(err) != 10070 {
		t.Fatalf("expected last msg id: %v", err)
	}
}

func TestJSStreamLimitsDiscardNew(t *testing.T) {
	t.Parallel()
	_, _, js := startJS(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "L", Subjects: []string{"l"}, MaxMsgs: 2, Discard: jetstream.DiscardNew, Storage: jetstream.MemoryStorage}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if _, err := js.Publish(ctx, "l", nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := js.Publish(ctx, "l", nil); apiErrCode(err) != 10077 {
		t.Fatalf("over max_msgs: %v", err)
	}
}

func TestJSAccountInfo(t *testing.T) {
	t.Parallel()
	_, _, js := startJS(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "A", Storage: jetstream.MemoryStorage}); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, "A", []byte("x")); err != nil {
		t.Fatal(err)
	}
	ai, err := js.AccountInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ai.Streams != 1 || ai.Memory == 0 {
		t.Fatalf("account info %+v", ai)
	}
}

func TestJSDirectGet(t *testing.T) {
	t.Parallel()
	_, nc, js := startJS(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "D", Subjects: []string{"d.>"}, AllowDirect: true, Storage: jetstream.MemoryStorage})
	if err != nil {
		t.Fatal(err)
	}
	for _, subj := range []string{"d.a", "d.b", "d.a"} {
		if _, err := js.Publish(ctx, subj, []byte(subj)); err != nil {
			t.Fatal(err)
		}
	}
	m, err := st.GetLastMsgForSubject(ctx, "d.a")
	if err != nil || m.Sequence != 3 {
		t.Fatalf("last for d.a: %v %+v", err, m)
	}
	// The subject form of the request.
	resp, err := nc.Request("$JS.API.DIRECT.GET.D.d.b", nil, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Header.Get("Nats-Sequence") != "2" || resp.Header.Get("Nats-Stream") != "D" || string(resp.Data) != "d.b" {
		t.Fatalf("direct get: %v %q", resp.Header, resp.Data)
	}
	resp, err = nc.Request("$JS.API.DIRECT.GET.D", []byte(`{"seq":99}`), time.Second)
	if err != nil || resp.Header.Get("Status") != "404" {
		t.Fatalf("missing: %v %v", err, resp.Header)
	}
	// A batch ends with 204 EOB.
	sub, _ := nc.SubscribeSync(nats.NewInbox())
	if err := nc.PublishRequest("$JS.API.DIRECT.GET.D", sub.Subject, []byte(`{"seq":1,"batch":10}`)); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		m, err := sub.NextMsg(time.Second)
		if err != nil || m.Header.Get("Nats-Sequence") != strconv.Itoa(i) {
			t.Fatalf("batch msg %d: %v %v", i, err, m)
		}
	}
	eob, err := sub.NextMsg(time.Second)
	if err != nil || eob.Header.Get("Status") != "204" {
		t.Fatalf("eob: %v %v", err, eob)
	}
	// Without allow_direct nobody answers.
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "ND", Subjects: []string{"nd"}, Storage: jetstream.MemoryStorage}); err != nil {
		t.Fatal(err)
	}
	if _, err := nc.Request("$JS.API.DIRECT.GET.ND", []byte(`{"seq":1}`), time.Second); !errors.Is(err, nats.ErrNoResponders) {
		t.Fatalf("no direct: %v", err)
	}
}

func TestJSSubjectTransformAndRepublish(t *testing.T) {
	t.Parallel()
	_, nc, js := startJS(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rp, err := nc.SubscribeSync("mirror.>")
	if err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	st, err := js.CreateStream(ctx, jetstream.StreamConfig{
		Name: "T", Subjects: []string{"in.*"}, Storage: jetstream.MemoryStorage,
		SubjectTransform: &jetstream.SubjectTransformConfig{Source: "in.*", Destination: "stored.{{wildcard(1)}}"},
		RePublish:        &jetstream.RePublish{Source: ">", Destination: "mirror.>"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, "in.a", []byte("x")); err != nil {
		t.Fatal(err)
	}
	m, err := st.GetMsg(ctx, 1)
	if err != nil || m.Subject != "stored.a" {
		t.Fatalf("stored %v %+v", err, m)
	}
	rm, err := rp.NextMsg(time.Second)
	if err != nil || rm.Subject != "mirror.stored.a" || rm.Header.Get("Nats-Sequence") != "1" || rm.Header.Get("Nats-Stream") != "T" {
		t.Fatalf("republished %v %+v", err, rm)
	}
}
