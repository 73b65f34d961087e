package stream

import (
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/natsnet/natsnet/internal/jsapi"
	"github.com/natsnet/natsnet/internal/store"
)

// recorder is a Sender (and BatchSender) that records what it sends.
type recorder struct {
	mu   sync.Mutex
	acks []jsapi.PubAckResponse
	sent chan struct{}
}

func newRecorder() *recorder { return &recorder{sent: make(chan struct{}, 1024)} }

func (r *recorder) Send(_, _ string, _, data []byte) {
	var resp jsapi.PubAckResponse
	_ = json.Unmarshal(data, &resp)
	r.mu.Lock()
	r.acks = append(r.acks, resp)
	r.mu.Unlock()
	r.sent <- struct{}{}
}

func (r *recorder) Flush() {}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.acks)
}

// waitAcks waits until n acks were sent.
func (r *recorder) waitAcks(t *testing.T, n int) []jsapi.PubAckResponse {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for r.count() < n {
		select {
		case <-r.sent:
		case <-deadline:
			t.Fatalf("%d acks sent, want %d", r.count(), n)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]jsapi.PubAckResponse(nil), r.acks...)
}

// batch is a Sender that is also a Deferrer: it runs deferred functions
// when end is called, as a publisher's read loop does.
type batch struct {
	*recorder
	deferred []func()
	keys     []any
}

func (b *batch) Defer(key any, fn func()) {
	for _, k := range b.keys {
		if k == key {
			return
		}
	}
	b.keys = append(b.keys, key)
	b.deferred = append(b.deferred, fn)
}

func (b *batch) end() {
	fns := b.deferred
	b.deferred, b.keys = nil, nil
	for _, fn := range fns {
		fn()
	}
}

// failingSync is a FileStore whose fsyncs fail.
type failingSync struct{ *store.FileStore }

func (failingSync) WaitDurable(uint64) error { return errors.New("fsync failed") }

func newDurableStream(t *testing.T, wrap func(*store.FileStore) store.Store) (*Stream, *recorder) {
	t.Helper()
	cfg := &jsapi.StreamConfig{Name: "S", Subjects: []string{"s.>"}, Storage: jsapi.FileStorage}
	if e := cfg.Normalize(jsapi.CheckOptions{}); e != nil {
		t.Fatal(e)
	}
	acks := newRecorder()
	dir := t.TempDir()
	st, err := New(cfg, time.Now(), Options{
		Sender:   acks,
		AckBatch: acks,
		OpenStore: func(sc store.StreamConfig, clock func() int64) (store.Store, error) {
			fs, err := store.NewFileStore(dir, sc, store.FileConfig{}, clock)
			if err != nil || wrap == nil {
				return fs, err
			}
			return wrap(fs), nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Stop)
	return st, acks
}

// TestDurableAcksWaitForTheEndOfTheBatch checks that a durable stream
// holds the acks of a publisher's batch until the batch ends, then sends
// them all once the messages are on disk, duplicates included.
func TestDurableAcksWaitForTheEndOfTheBatch(t *testing.T) {
	st, acks := newDurableStream(t, nil)
	b := &batch{recorder: newRecorder()}
	hdr := jsapi.HeaderWith(nil, jsapi.HdrMsgID, "one")
	st.Ingest(b, "s.a", "r1", hdr, []byte("1"))
	st.Ingest(b, "s.a", "r2", nil, []byte("2"))
	st.Ingest(b, "s.a", "r3", hdr, []byte("1 again"))
	time.Sleep(20 * time.Millisecond)
	if n := acks.count(); n != 0 {
		t.Fatalf("%d acks sent before the end of the batch", n)
	}
	if b.count() != 0 {
		t.Fatal("acks were sent through the publisher's batch, not held")
	}
	b.end()
	got := acks.waitAcks(t, 3)
	want := []struct {
		seq uint64
		dup bool
	}{{1, false}, {2, false}, {1, true}}
	for i, w := range want {
		if got[i].Error != nil || got[i].PubAck == nil || got[i].Sequence != w.seq || got[i].Duplicate != w.dup {
			t.Errorf("ack %d: %+v %+v, want seq %d duplicate %v", i, got[i].PubAck, got[i].Error, w.seq, w.dup)
		}
	}
	// Errors are answered at once, through the publisher.
	st.Ingest(b, "s.a", "r4", jsapi.HeaderWith(nil, jsapi.HdrExpectedStream, "OTHER"), nil)
	if b.count() != 1 {
		t.Fatalf("an error ack was held: %d sent through the publisher", b.count())
	}
}

// TestDurableAcksBecomeErrorsWhenTheSyncFails checks that held acks turn
// into store errors when the fsync they wait for fails.
func TestDurableAcksBecomeErrorsWhenTheSyncFails(t *testing.T) {
	st, acks := newDurableStream(t, func(fs *store.FileStore) store.Store { return failingSync{fs} })
	b := &batch{recorder: newRecorder()}
	st.Ingest(b, "s.a", "r1", nil, []byte("1"))
	b.end()
	got := acks.waitAcks(t, 1)
	if got[0].Error == nil || got[0].Error.ErrCode != 10077 {
		t.Fatalf("ack after a failed fsync: %+v %+v, want error 10077", got[0].PubAck, got[0].Error)
	}
}

// TestDurableAcksFromTheRunLoop checks the queued path: acks of publishes
// the stream's goroutine applies are released at the end of its batch.
func TestDurableAcksFromTheRunLoop(t *testing.T) {
	st, acks := newDurableStream(t, nil)
	for i := range 50 {
		st.Enqueue("s.b", "r", nil, []byte{byte(i)})
	}
	got := acks.waitAcks(t, 50)
	for i, a := range got {
		if a.Error != nil || a.Sequence != uint64(i+1) {
			t.Fatalf("ack %d: %+v %+v", i, a.PubAck, a.Error)
		}
	}
}
