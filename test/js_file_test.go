package test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/natsnet/natsnet"
)

// The tests in this file check that file streams and their consumers
// survive restarts and damage.

// startJSDir starts a JetStream server keeping its files in dir.
func startJSDir(t *testing.T, dir string) (*natsnet.Server, *nats.Conn, jetstream.JetStream) {
	t.Helper()
	s := startServer(t, &natsnet.Options{JetStream: true, StoreDir: dir})
	nc := connect(t, s.ClientURL())
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return s, nc, js
}

func TestFileStreamSurvivesRestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := testCtx(t, 60*time.Second)
	s, nc, js := startJSDir(t, dir)

	st, err := js.CreateStream(ctx, jetstream.StreamConfig{
		Name: "F", Subjects: []string{"f.>"}, Storage: jetstream.FileStorage,
		Duplicates: time.Minute, MaxMsgsPerSubject: 50,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "M", Subjects: []string{"m.>"}, Storage: jetstream.MemoryStorage}); err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		if _, err := js.Publish(ctx, fmt.Sprintf("f.%d", i%4), []byte(strconv.Itoa(i)), jetstream.WithMsgID("id-"+strconv.Itoa(i))); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := js.Publish(ctx, "m.x", []byte("gone")); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteMsg(ctx, 190); err != nil {
		t.Fatal(err)
	}
	// A pull consumer that acknowledged some of what it fetched, and one
	// that was deleted.
	pull, err := st.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{Durable: "P", AckPolicy: jetstream.AckExplicitPolicy, FilterSubject: "f.>", Description: "before"})
	if err != nil {
		t.Fatal(err)
	}
	batch, err := pull.Fetch(10, jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for m := range batch.Messages() {
		if n < 6 {
			if err := m.DoubleAck(ctx); err != nil {
				t.Fatal(err)
			}
		}
		n++
	}
	if n != 10 {
		t.Fatalf("fetched %d", n)
	}
	if _, err := st.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{Durable: "P", AckPolicy: jetstream.AckExplicitPolicy, FilterSubject: "f.>", Description: "after"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{Durable: "GONE"}); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteConsumer(ctx, "GONE"); err != nil {
		t.Fatal(err)
	}
	if _, err := js.UpdateStream(ctx, jetstream.StreamConfig{
		Name: "F", Subjects: []string{"f.>"}, Storage: jetstream.FileStorage,
		Duplicates: time.Minute, MaxMsgsPerSubject: 50, Description: "updated",
	}); err != nil {
		t.Fatal(err)
	}
	before, err := st.Info(ctx, jetstream.WithSubjectFilter(">"))
	if err != nil {
		t.Fatal(err)
	}
	cbefore, err := pull.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	nc.Close()
	s.Shutdown()

	_, _, js = startJSDir(t, dir)
	st, err = js.Stream(ctx, "F")
	if err != nil {
		t.Fatalf("file stream after restart: %v", err)
	}
	after, err := st.Info(ctx, jetstream.WithSubjectFilter(">"))
	if err != nil {
		t.Fatal(err)
	}
	if after.Config.Description != "updated" || !after.Created.Equal(before.Created) {
		t.Errorf("config after restart: description %q created %v, want %q %v", after.Config.Description, after.Created, "updated", before.Created)
	}
	b, a := before.State, after.State
	if a.Msgs != b.Msgs || a.Bytes != b.Bytes || a.FirstSeq != b.FirstSeq || a.LastSeq != b.LastSeq ||
		a.NumSubjects != b.NumSubjects || a.NumDeleted != b.NumDeleted || a.Consumers != 1 || len(a.Subjects) != len(b.Subjects) {
		t.Errorf("state after restart:\n got %+v\nwant %+v", a, b)
	}
	if _, err := js.Stream(ctx, "M"); !errors.Is(err, jetstream.ErrStreamNotFound) {
		t.Errorf("memory stream after restart: %v, want not found", err)
	}
	if _, err := st.Consumer(ctx, "GONE"); !errors.Is(err, jetstream.ErrConsumerNotFound) {
		t.Errorf("deleted consumer after restart: %v", err)
	}
	// The duplicate window outlives the restart.
	ack, err := js.Publish(ctx, "f.1", []byte("again"), jetstream.WithMsgID("id-199"))
	if err != nil || !ack.Duplicate || ack.Sequence != 200 {
		t.Errorf("duplicate after restart: %+v %v", ack, err)
	}

	pull, err = st.Consumer(ctx, "P")
	if err != nil {
		t.Fatal(err)
	}
	cafter, err := pull.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cafter.Config.Description != "after" || !cafter.Created.Equal(cbefore.Created) ||
		cafter.Delivered.Stream != cbefore.Delivered.Stream || cafter.Delivered.Consumer != cbefore.Delivered.Consumer ||
		cafter.AckFloor.Stream != cbefore.AckFloor.Stream || cafter.AckFloor.Consumer != cbefore.AckFloor.Consumer ||
		cafter.NumAckPending != cbefore.NumAckPending || cafter.NumPending != cbefore.NumPending {
		t.Errorf("consumer after restart:\n got %+v %+v %d %d\nwant %+v %+v %d %d", cafter.Delivered, cafter.AckFloor, cafter.NumAckPending, cafter.NumPending,
			cbefore.Delivered, cbefore.AckFloor, cbefore.NumAckPending, cbefore.NumPending)
	}
	// The four unacknowledged messages come again (after ack_wait), then
	// the consumer goes on from where it was.
	batch, err = pull.Fetch(1, jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	for m := range batch.Messages() {
		md, _ := m.Metadata()
		if md.Sequence.Stream != 11 || md.NumDelivered != 1 {
			t.Errorf("next message after restart: stream seq %d delivered %d, want 11 and 1", md.Sequence.Stream, md.NumDelivered)
		}
	}
}

func TestFileStreamDeleteRemovesFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := testCtx(t, 30*time.Second)
	_, _, js := startJSDir(t, dir)
	st, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "D", Subjects: []string{"d"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, "d", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{Durable: "C"}); err != nil {
		t.Fatal(err)
	}
	sdir := filepath.Join(dir, "jetstream", "$G", "streams", "D")
	for _, p := range []string{filepath.Join(sdir, "meta.json"), filepath.Join(sdir, "obs", "C")} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("expected %s: %v", p, err)
		}
	}
	if err := st.DeleteConsumer(ctx, "C"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(sdir, "obs", "C")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("consumer file after delete: %v", err)
	}
	if err := js.DeleteStream(ctx, "D"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(sdir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stream directory after delete: %v", err)
	}
}

// TestFileStreamDamage damages the files of two streams while the server
// is down: the one whose metadata is unreadable is left out (and left on
// disk), the one with a corrupt record reports it in stream info, and a
// third stream is served as if nothing happened.
func TestFileStreamDamage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := testCtx(t, 30*time.Second)
	s, nc, js := startJSDir(t, dir)
	for _, name := range []string{"A", "B", "C"} {
		if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: name, Subjects: []string{name + ".>"}}); err != nil {
			t.Fatal(err)
		}
		for i := range 100 {
			if _, err := js.Publish(ctx, fmt.Sprintf("%s.%d", name, i), []byte(fmt.Sprintf("payload-%03d-%s", i, name))); err != nil {
				t.Fatal(err)
			}
		}
	}
	nc.Close()
	s.Shutdown()

	streams := filepath.Join(dir, "jetstream", "$G", "streams")
	// A: corrupt metadata.
	metaA := filepath.Join(streams, "A", "meta.json")
	buf, err := os.ReadFile(metaA)
	if err != nil {
		t.Fatal(err)
	}
	buf[len(buf)/2] ^= 0x20
	if err := os.WriteFile(metaA, buf, 0o640); err != nil {
		t.Fatal(err)
	}
	// B: a flipped byte inside the payload of message 50.
	blocks, err := filepath.Glob(filepath.Join(streams, "B", "*.blk"))
	if err != nil || len(blocks) != 1 {
		t.Fatalf("blocks of B: %v %v", blocks, err)
	}
	data, err := os.ReadFile(blocks[0])
	if err != nil {
		t.Fatal(err)
	}
	at := bytes.Index(data, []byte("payload-050-B"))
	if at < 0 {
		t.Fatal("message 50 not found in the block")
	}
	data[at+3] ^= 0xff
	if err := os.WriteFile(blocks[0], data, 0o640); err != nil {
		t.Fatal(err)
	}

	_, _, js = startJSDir(t, dir)
	if _, err := js.Stream(ctx, "A"); !errors.Is(err, jetstream.ErrStreamNotFound) {
		t.Errorf("stream with corrupt metadata: %v, want not found", err)
	}
	if _, err := os.Stat(metaA); err != nil {
		t.Errorf("corrupt metadata was removed: %v", err)
	}
	b, err := js.Stream(ctx, "B")
	if err != nil {
		t.Fatal(err)
	}
	info, err := b.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Lost == nil || len(info.State.Lost.Msgs) != 1 || info.State.Lost.Msgs[0] != 51 {
		t.Errorf("lost of B: %+v, want message 51", info.State.Lost)
	}
	if info.State.Msgs != 99 || info.State.LastSeq != 100 {
		t.Errorf("B after damage: %+v", info.State)
	}
	if m, err := b.GetMsg(ctx, 100); err != nil || string(m.Data) != "payload-099-B" {
		t.Errorf("B message 100: %v", err)
	}
	c, err := js.Stream(ctx, "C")
	if err != nil {
		t.Fatal(err)
	}
	if info, err := c.Info(ctx); err != nil || info.State.Msgs != 100 || info.State.Lost != nil {
		t.Errorf("C: %+v %v", info, err)
	}
	if _, err := js.Publish(ctx, "C.new", nil); err != nil {
		t.Errorf("publish to C: %v", err)
	}
	// The subjects of the stream left out are free, as on the reference.
	if _, err := js.Publish(ctx, "A.x", nil); !errors.Is(err, jetstream.ErrNoStreamResponse) {
		t.Errorf("publish to A: %v", err)
	}
}

// TestFileStreamKVSurvivesRestart checks the KV layer over a restart.
func TestFileStreamKVSurvivesRestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := testCtx(t, 30*time.Second)
	s, nc, js := startJSDir(t, dir)
	kv := createKV(t, js, jetstream.KeyValueConfig{Bucket: "K", History: 3})
	for i := range 5 {
		if _, err := kv.PutString(ctx, "k", strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := kv.Delete(ctx, "k2"); err != nil {
		t.Fatal(err)
	}
	nc.Close()
	s.Shutdown()

	_, _, js = startJSDir(t, dir)
	kv, err := js.KeyValue(ctx, "K")
	if err != nil {
		t.Fatal(err)
	}
	e, err := kv.Get(ctx, "k")
	if err != nil || string(e.Value()) != "4" || e.Revision() != 5 {
		t.Fatalf("get after restart: %v %v", e, err)
	}
	hist, err := kv.History(ctx, "k")
	if err != nil || len(hist) != 3 {
		t.Fatalf("history after restart: %d %v", len(hist), err)
	}
	if _, err := kv.Update(ctx, "k", []byte("5"), 5); err != nil {
		t.Fatalf("update at revision 5 after restart: %v", err)
	}
}

// TestFileStreamConfigSyncInterval checks the jetstream sync_interval
// option end to end: async mode still keeps everything over a clean
// restart.
func TestFileStreamConfigSyncInterval(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	conf := filepath.Join(dir, "js.conf")
	text := fmt.Sprintf("listen: 127.0.0.1:-1\njetstream { store_dir: %q, sync_interval: \"2m\" }\n", dir)
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	opts, err := natsnet.LoadConfig(conf)
	if err != nil {
		t.Fatal(err)
	}
	if opts.JetStreamSyncInterval != 2*time.Minute {
		t.Fatalf("sync_interval %v", opts.JetStreamSyncInterval)
	}
	ctx := testCtx(t, 30*time.Second)
	s := startServer(t, opts)
	nc := connect(t, s.ClientURL())
	js, _ := jetstream.New(nc)
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "S", Subjects: []string{"s"}}); err != nil {
		t.Fatal(err)
	}
	for range 50 {
		if _, err := js.Publish(ctx, "s", []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	nc.Close()
	s.Shutdown()
	_, _, js = startJSDir(t, dir)
	st, err := js.Stream(ctx, "S")
	if err != nil {
		t.Fatal(err)
	}
	if info, _ := st.Info(ctx); info.State.Msgs != 50 {
		t.Fatalf("after restart: %d messages", info.State.Msgs)
	}

	for _, bad := range []string{`sync_interval: 0`, `sync_interval: "soon"`} {
		path := filepath.Join(dir, "bad.conf")
		if err := os.WriteFile(path, []byte("jetstream { "+bad+" }\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := natsnet.LoadConfig(path); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

// TestFileStreamDiskFull fills a small tmpfs: publishes that do not fit
// get a clear store error, the server keeps serving reads of what was
// stored and memory streams, and a restart keeps every acknowledged
// message. It needs to mount a tmpfs (root with CAP_SYS_ADMIN); elsewhere
// the store's own fault-injection tests cover a full disk.
func TestFileStreamDiskFull(t *testing.T) {
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v: %s); TestFileStoreDiskFull covers a full disk with fault injection", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	ctx := testCtx(t, 30*time.Second)
	s, nc, js := startJSDir(t, dir)
	st, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "FULL", Subjects: []string{"full"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "MEM", Subjects: []string{"mem"}, Storage: jetstream.MemoryStorage}); err != nil {
		t.Fatal(err)
	}
	payload := make([]byte, 4096)
	acked := 0
	var pubErr error
	for range 1000 {
		if _, pubErr = js.Publish(ctx, "full", payload); pubErr != nil {
			break
		}
		acked++
	}
	var apiErr *jetstream.APIError
	if !errors.As(pubErr, &apiErr) || apiErr.ErrorCode != 10077 || !strings.Contains(apiErr.Description, "no space left on device") {
		t.Fatalf("publish to a full disk after %d acks: %v", acked, pubErr)
	}
	if _, err := js.Publish(ctx, "mem", []byte("x")); err != nil {
		t.Errorf("memory stream on a full disk: %v", err)
	}
	if m, err := st.GetMsg(ctx, 1); err != nil || len(m.Data) != len(payload) {
		t.Errorf("read from the full stream: %v", err)
	}
	nc.Close()
	s.Shutdown()
	// Room again: the stream comes back with every acknowledged message.
	if out, err := exec.Command("mount", "-o", "remount,size=4m", dir).CombinedOutput(); err != nil {
		t.Fatalf("remount: %v %s", err, out)
	}
	_, _, js = startJSDir(t, dir)
	st, err = js.Stream(ctx, "FULL")
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil || info.State.Msgs < uint64(acked) {
		t.Fatalf("after restart: %+v %v, want at least %d messages", info, err, acked)
	}
	if _, err := js.Publish(ctx, "full", payload); err != nil {
		t.Errorf("publish after making room: %v", err)
	}
}

// TestFileStreamPausedConsumerSurvivesRestart checks that a pause given
// through the API is written with the consumer's configuration.
func TestFileStreamPausedConsumerSurvivesRestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := testCtx(t, 30*time.Second)
	s, nc, js := startJSDir(t, dir)
	st, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "P", Subjects: []string{"p"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{Durable: "C"}); err != nil {
		t.Fatal(err)
	}
	until := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	if _, err := js.PauseConsumer(ctx, "P", "C", until); err != nil {
		t.Fatal(err)
	}
	nc.Close()
	s.Shutdown()

	_, _, js = startJSDir(t, dir)
	c, err := js.Consumer(ctx, "P", "C")
	if err != nil {
		t.Fatal(err)
	}
	info, err := c.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !info.Paused || info.Config.PauseUntil == nil || !info.Config.PauseUntil.Equal(until) {
		t.Fatalf("after restart: paused %v until %v, want until %v", info.Paused, info.Config.PauseUntil, until)
	}
}
