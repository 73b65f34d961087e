package test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/natsnet/natsnet"
)

// The key-value and object store tests drive the jetstream package's KV and
// object store APIs. They run against natsnet in process; with
// $NATSNET_REFERENCE_SERVER set to a nats-server binary they run against
// that server instead, which is how their expectations were checked against
// nats-server v2.15.2:
//
//	NATSNET_REFERENCE_SERVER=/path/to/nats-server go test -run 'KV|Obj' ./test/

// startJSTarget starts a JetStream server for one test, natsnet or the
// reference, and returns its client URL.
func startJSTarget(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("NATSNET_REFERENCE_SERVER")
	if bin == "" {
		s := startServer(t, &natsnet.Options{JetStream: true, StoreDir: t.TempDir()})
		return s.ClientURL()
	}
	port := freeLoopbackPort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	p := startProc(t, nil, bin, "-a", "127.0.0.1", "-p", fmt.Sprint(port), "-js", "-sd", t.TempDir())
	waitFor(t, 10*time.Second, "the reference server to accept clients", func() bool {
		if p.exited() {
			code, stdout, stderr := p.wait(0)
			t.Fatalf("%s exited with %d\nstdout: %s\nstderr: %s", bin, code, stdout, stderr)
		}
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return false
		}
		conn.Close()
		return true
	})
	return "nats://" + addr
}

// startKV connects a jetstream context to a fresh JetStream server.
func startKV(t *testing.T) (string, *nats.Conn, jetstream.JetStream) {
	t.Helper()
	url := startJSTarget(t)
	nc := connect(t, url)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return url, nc, js
}

// testCtx is a context that ends with the test, or after d.
func testCtx(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func createKV(t *testing.T, js jetstream.JetStream, cfg jetstream.KeyValueConfig) jetstream.KeyValue {
	t.Helper()
	kv, err := js.CreateKeyValue(testCtx(t, 10*time.Second), cfg)
	if err != nil {
		t.Fatalf("create bucket %s: %v", cfg.Bucket, err)
	}
	return kv
}

// kvEntry is what the tests compare of a KeyValueEntry.
type kvEntry struct {
	key   string
	value string
	rev   uint64
	op    jetstream.KeyValueOp
}

func (e kvEntry) String() string {
	return fmt.Sprintf("%s=%q@%d/%v", e.key, e.value, e.rev, e.op)
}

func entryOf(e jetstream.KeyValueEntry) kvEntry {
	return kvEntry{key: e.Key(), value: string(e.Value()), rev: e.Revision(), op: e.Operation()}
}

// nextUpdates reads n entries from a watcher; a nil entry (end of the
// initial values) is returned as the zero kvEntry.
func nextUpdates(t *testing.T, w jetstream.KeyWatcher, n int) []kvEntry {
	t.Helper()
	var out []kvEntry
	timeout := time.After(10 * time.Second)
	for len(out) < n {
		select {
		case e, ok := <-w.Updates():
			if !ok {
				t.Fatalf("watcher closed after %v", out)
			}
			if e == nil {
				out = append(out, kvEntry{})
				continue
			}
			out = append(out, entryOf(e))
		case <-timeout:
			t.Fatalf("timed out after %v, want %d updates", out, n)
		}
	}
	return out
}

// expectNoUpdate fails if the watcher delivers anything within a short
// window.
func expectNoUpdate(t *testing.T, w jetstream.KeyWatcher) {
	t.Helper()
	select {
	case e := <-w.Updates():
		if e == nil {
			t.Fatalf("unexpected nil marker")
		}
		t.Fatalf("unexpected update %v", entryOf(e))
	case <-time.After(150 * time.Millisecond):
	}
}

func eqEntries(t *testing.T, what string, got, want []kvEntry) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("%s:\n got %v\nwant %v", what, got, want)
	}
}

func TestKVBucketLifecycle(t *testing.T) {
	t.Parallel()
	_, _, js := startKV(t)
	ctx := testCtx(t, 30*time.Second)

	cfg := jetstream.KeyValueConfig{
		Bucket: "CONFIG", Description: "settings", History: 5, TTL: time.Hour,
		MaxValueSize: 1024, MaxBytes: 1 << 20, Storage: jetstream.MemoryStorage,
		Metadata: map[string]string{"owner": "ops"},
	}
	kv := createKV(t, js, cfg)
	if kv.Bucket() != "CONFIG" {
		t.Fatalf("bucket %q", kv.Bucket())
	}
	// Creating it again with the same configuration succeeds.
	if _, err := js.CreateKeyValue(ctx, cfg); err != nil {
		t.Fatalf("create again: %v", err)
	}
	// A different configuration is refused.
	other := cfg
	other.History = 2
	if _, err := js.CreateKeyValue(ctx, other); !errors.Is(err, jetstream.ErrBucketExists) || apiErrCode(err) != 10058 {
		t.Fatalf("create with other config: %v (code %d)", err, apiErrCode(err))
	}

	st, err := kv.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Bucket() != "CONFIG" || st.History() != 5 || st.TTL() != time.Hour || st.Values() != 0 ||
		st.BackingStore() != "JetStream" || st.IsCompressed() || st.Metadata()["owner"] != "ops" {
		t.Fatalf("status: bucket %q history %d ttl %v values %d store %q compressed %v metadata %v",
			st.Bucket(), st.History(), st.TTL(), st.Values(), st.BackingStore(), st.IsCompressed(), st.Metadata())
	}
	si := st.(*jetstream.KeyValueBucketStatus).StreamInfo()
	sc := si.Config
	if sc.Name != "KV_CONFIG" || !slices.Equal(sc.Subjects, []string{"$KV.CONFIG.>"}) || sc.MaxMsgsPerSubject != 5 ||
		sc.MaxMsgSize != 1024 || sc.MaxBytes != 1<<20 || sc.MaxAge != time.Hour || sc.Discard != jetstream.DiscardNew ||
		!sc.AllowDirect || !sc.AllowRollup || !sc.DenyDelete || sc.DenyPurge || sc.Duplicates != 2*time.Minute ||
		sc.Storage != jetstream.MemoryStorage || sc.Description != "settings" {
		t.Fatalf("stream config %+v", sc)
	}
	if c := st.(*jetstream.KeyValueBucketStatus).Config(); c.Bucket != "CONFIG" || c.History != 5 || c.MaxValueSize != 1024 ||
		c.Storage != jetstream.MemoryStorage || c.TTL != time.Hour {
		t.Fatalf("bucket config %+v", c)
	}

	// Values and bytes count every stored revision.
	for i := 0; i < 3; i++ {
		if _, err := kv.PutString(ctx, "k", fmt.Sprint(i)); err != nil {
			t.Fatal(err)
		}
	}
	st, err = kv.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Values() != 3 || st.Bytes() == 0 {
		t.Fatalf("values %d bytes %d", st.Values(), st.Bytes())
	}

	// Update changes the history.
	upd := cfg
	upd.History = 10
	kv2, err := js.UpdateKeyValue(ctx, upd)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := kv2.Status(ctx); err != nil || st.History() != 10 {
		t.Fatalf("after update: %v %v", st, err)
	}
	if _, err := js.UpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "NOPE"}); !errors.Is(err, jetstream.ErrBucketNotFound) {
		t.Fatalf("update missing bucket: %v", err)
	}
	// CreateOrUpdate works both ways.
	if _, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "SECOND", Storage: jetstream.MemoryStorage}); err != nil {
		t.Fatal(err)
	}
	if _, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "SECOND", History: 3, Storage: jetstream.MemoryStorage}); err != nil {
		t.Fatal(err)
	}
	// A plain stream is not listed as a bucket.
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "PLAIN", Subjects: []string{"plain.>"}, Storage: jetstream.MemoryStorage}); err != nil {
		t.Fatal(err)
	}

	var names []string
	nl := js.KeyValueStoreNames(ctx)
	for n := range nl.Name() {
		names = append(names, n)
	}
	if err := nl.Error(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"CONFIG", "SECOND"}) {
		t.Fatalf("bucket names %v", names)
	}
	var buckets []string
	ll := js.KeyValueStores(ctx)
	for s := range ll.Status() {
		buckets = append(buckets, fmt.Sprintf("%s:%d", s.Bucket(), s.History()))
	}
	if err := ll.Error(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(buckets)
	if !slices.Equal(buckets, []string{"CONFIG:10", "SECOND:3"}) {
		t.Fatalf("buckets %v", buckets)
	}

	// Bind to an existing bucket.
	bound, err := js.KeyValue(ctx, "CONFIG")
	if err != nil {
		t.Fatal(err)
	}
	if e, err := bound.Get(ctx, "k"); err != nil || string(e.Value()) != "2" {
		t.Fatalf("get through bound bucket: %v %v", e, err)
	}

	if err := js.DeleteKeyValue(ctx, "CONFIG"); err != nil {
		t.Fatal(err)
	}
	if _, err := js.KeyValue(ctx, "CONFIG"); !errors.Is(err, jetstream.ErrBucketNotFound) {
		t.Fatalf("bind deleted bucket: %v", err)
	}
	if err := js.DeleteKeyValue(ctx, "CONFIG"); !errors.Is(err, jetstream.ErrBucketNotFound) {
		t.Fatalf("delete twice: %v", err)
	}
	if _, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "bad.name"}); !errors.Is(err, jetstream.ErrInvalidBucketName) {
		t.Fatalf("invalid bucket name: %v", err)
	}
}

func TestKVPutGetUpdate(t *testing.T) {
	t.Parallel()
	_, _, js := startKV(t)
	ctx := testCtx(t, 30*time.Second)
	kv := createKV(t, js, jetstream.KeyValueConfig{Bucket: "B", History: 3, MaxValueSize: 128, Storage: jetstream.MemoryStorage})

	rev, err := kv.Put(ctx, "a.b", []byte("one"))
	if err != nil || rev != 1 {
		t.Fatalf("put: rev %d %v", rev, err)
	}
	before := time.Now()
	e, err := kv.Get(ctx, "a.b")
	if err != nil {
		t.Fatal(err)
	}
	if e.Bucket() != "B" || e.Key() != "a.b" || string(e.Value()) != "one" || e.Revision() != 1 ||
		e.Operation() != jetstream.KeyValuePut || e.Delta() != 0 {
		t.Fatalf("entry %v", entryOf(e))
	}
	if d := before.Sub(e.Created()); d < 0 || d > time.Minute {
		t.Fatalf("created %v, now %v", e.Created(), before)
	}
	if _, err := kv.Get(ctx, "missing"); !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Fatalf("get missing: %v", err)
	}
	if _, err := kv.Get(ctx, "bad..key"); !errors.Is(err, jetstream.ErrInvalidKey) {
		t.Fatalf("get invalid key: %v", err)
	}

	// Create fails once the key exists, with the wrong last sequence code.
	if _, err := kv.Create(ctx, "a.b", []byte("x")); !errors.Is(err, jetstream.ErrKeyExists) || apiErrCode(err) != 10071 {
		t.Fatalf("create existing: %v (code %d)", err, apiErrCode(err))
	}
	rev, err = kv.Create(ctx, "c", []byte("new"))
	if err != nil || rev != 2 {
		t.Fatalf("create: rev %d %v", rev, err)
	}

	// Update is a compare-and-set on the key's last revision.
	rev, err = kv.Update(ctx, "a.b", []byte("two"), 1)
	if err != nil || rev != 3 {
		t.Fatalf("update: rev %d %v", rev, err)
	}
	_, err = kv.Update(ctx, "a.b", []byte("stale"), 1)
	if !errors.Is(err, jetstream.ErrKeyRevisionMismatch) || apiErrCode(err) != 10071 {
		t.Fatalf("update with wrong revision: %v (code %d)", err, apiErrCode(err))
	}
	var apiErr *jetstream.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != 400 || apiErr.Description != "wrong last sequence: 3" {
		t.Fatalf("update error %+v", apiErr)
	}
	if _, err := kv.Update(ctx, "never", []byte("x"), 5); apiErrCode(err) != 10071 {
		t.Fatalf("update missing key: %v", err)
	}
	// Revision 0 means "no value yet".
	if rev, err := kv.Update(ctx, "fresh", []byte("f"), 0); err != nil || rev != 4 {
		t.Fatalf("update with revision 0: %d %v", rev, err)
	}

	// Older revisions stay readable.
	if e, err := kv.GetRevision(ctx, "a.b", 1); err != nil || string(e.Value()) != "one" {
		t.Fatalf("get revision 1: %v %v", e, err)
	}
	if _, err := kv.GetRevision(ctx, "a.b", 2); !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Fatalf("revision of another key: %v", err)
	}
	if _, err := kv.GetRevision(ctx, "a.b", 99); !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Fatalf("revision beyond the end: %v", err)
	}

	// Values over max_value_size are refused.
	if _, err := kv.Put(ctx, "big", make([]byte, 129)); apiErrCode(err) != 10054 {
		t.Fatalf("oversized value: %v (code %d)", err, apiErrCode(err))
	}

	// Delete leaves a marker; Get reports the key as missing.
	if err := kv.Delete(ctx, "a.b"); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Get(ctx, "a.b"); !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Fatalf("get deleted: %v", err)
	}
	// Create works again on a deleted key.
	if rev, err := kv.Create(ctx, "a.b", []byte("again")); err != nil || rev != 6 {
		t.Fatalf("create after delete: %d %v", rev, err)
	}
	// Delete with a wrong last revision fails.
	if err := kv.Delete(ctx, "a.b", jetstream.LastRevision(2)); !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		t.Fatalf("delete with wrong revision: %v", err)
	}
	if err := kv.Delete(ctx, "a.b", jetstream.LastRevision(6)); err != nil {
		t.Fatalf("delete with revision: %v", err)
	}

	// Purge removes the history and leaves one marker.
	for _, v := range []string{"p1", "p2"} {
		if _, err := kv.PutString(ctx, "p", v); err != nil {
			t.Fatal(err)
		}
	}
	if err := kv.Purge(ctx, "p"); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Get(ctx, "p"); !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Fatalf("get purged: %v", err)
	}
	h, err := kv.History(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 1 || h[0].Operation() != jetstream.KeyValuePurge || h[0].Revision() != 10 {
		t.Fatalf("history after purge: %v", h)
	}
	// Deleting is denied on the stream: the bucket is append-only.
	if err := js.DeleteStream(ctx, "KV_NOPE"); !errors.Is(err, jetstream.ErrStreamNotFound) {
		t.Fatalf("delete missing stream: %v", err)
	}
	st, err := js.Stream(ctx, "KV_B")
	if err != nil {
		t.Fatal(err)
	}
	// The client flattens this API error into its text.
	if err := st.DeleteMsg(ctx, 2); err == nil || !strings.Contains(err.Error(), "err_code=10057") {
		t.Fatalf("delete message of a bucket: %v", err)
	}
}

func TestKVHistory(t *testing.T) {
	t.Parallel()
	_, _, js := startKV(t)
	ctx := testCtx(t, 30*time.Second)
	kv := createKV(t, js, jetstream.KeyValueConfig{Bucket: "H", History: 4, Storage: jetstream.MemoryStorage})

	for i := 1; i <= 6; i++ {
		if _, err := kv.PutString(ctx, "k", fmt.Sprint("v", i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := kv.PutString(ctx, "other", "o"); err != nil {
		t.Fatal(err)
	}
	if err := kv.Delete(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	h, err := kv.History(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	var got []kvEntry
	for _, e := range h {
		got = append(got, entryOf(e))
	}
	eqEntries(t, "history", got, []kvEntry{
		{"k", "v4", 4, jetstream.KeyValuePut},
		{"k", "v5", 5, jetstream.KeyValuePut},
		{"k", "v6", 6, jetstream.KeyValuePut},
		{"k", "", 8, jetstream.KeyValueDelete},
	})
	// Deltas count down to the newest entry.
	if h[0].Delta() != 3 || h[3].Delta() != 0 {
		t.Fatalf("deltas %d %d", h[0].Delta(), h[3].Delta())
	}
	if _, err := kv.History(ctx, "none"); !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Fatalf("history of a missing key: %v", err)
	}
	st, err := kv.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Values() != 5 {
		t.Fatalf("values %d, want 5", st.Values())
	}

	// PurgeDeletes drops delete markers (older than the threshold, here
	// any) with their history.
	if err := kv.PurgeDeletes(ctx, jetstream.DeleteMarkersOlderThan(-1)); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.History(ctx, "k"); !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Fatalf("history after PurgeDeletes: %v", err)
	}
	if st, err := kv.Status(ctx); err != nil || st.Values() != 1 {
		t.Fatalf("values after PurgeDeletes: %v %v", st, err)
	}
}

func TestKVKeys(t *testing.T) {
	t.Parallel()
	_, _, js := startKV(t)
	ctx := testCtx(t, 30*time.Second)
	kv := createKV(t, js, jetstream.KeyValueConfig{Bucket: "K", History: 2, Storage: jetstream.MemoryStorage})

	if _, err := kv.Keys(ctx); !errors.Is(err, jetstream.ErrNoKeysFound) {
		t.Fatalf("keys of an empty bucket: %v", err)
	}
	for _, k := range []string{"users.alice", "users.bob", "groups.admin", "users.alice", "gone"} {
		if _, err := kv.PutString(ctx, k, "x"); err != nil {
			t.Fatal(err)
		}
	}
	if err := kv.Delete(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	keys, err := kv.Keys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(keys, []string{"groups.admin", "users.alice", "users.bob"}) {
		t.Fatalf("keys %v", keys)
	}
	collect := func(l jetstream.KeyLister, err error) []string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for k := range l.Keys() {
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}
	if got := collect(kv.ListKeys(ctx)); !slices.Equal(got, keys) {
		t.Fatalf("list keys %v", got)
	}
	if got := collect(kv.ListKeysFiltered(ctx, "users.*")); !slices.Equal(got, []string{"users.alice", "users.bob"}) {
		t.Fatalf("list keys users.* %v", got)
	}
	if got := collect(kv.ListKeysFiltered(ctx, "groups.>", "users.bob")); !slices.Equal(got, []string{"groups.admin", "users.bob"}) {
		t.Fatalf("list keys with two filters %v", got)
	}
	if got := collect(kv.ListKeysFiltered(ctx, "nothing.*")); len(got) != 0 {
		t.Fatalf("list keys nothing.* %v", got)
	}
}

func TestKVWatch(t *testing.T) {
	t.Parallel()
	_, _, js := startKV(t)
	ctx := testCtx(t, 30*time.Second)
	kv := createKV(t, js, jetstream.KeyValueConfig{Bucket: "W", History: 10, Storage: jetstream.MemoryStorage})

	// An empty bucket: just the nil marker, then live updates.
	empty, err := kv.WatchAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer empty.Stop()
	eqEntries(t, "empty bucket", nextUpdates(t, empty, 1), []kvEntry{{}})

	for _, kvp := range [][2]string{{"a", "1"}, {"b", "1"}, {"a", "2"}, {"c.x", "1"}, {"c.y", "1"}} {
		if _, err := kv.PutString(ctx, kvp[0], kvp[1]); err != nil {
			t.Fatal(err)
		}
	}
	eqEntries(t, "live updates", nextUpdates(t, empty, 5), []kvEntry{
		{"a", "1", 1, jetstream.KeyValuePut}, {"b", "1", 2, jetstream.KeyValuePut},
		{"a", "2", 3, jetstream.KeyValuePut}, {"c.x", "1", 4, jetstream.KeyValuePut},
		{"c.y", "1", 5, jetstream.KeyValuePut},
	})

	// WatchAll: the last value of every key, the nil marker, then updates
	// including deletes and purges.
	all, err := kv.WatchAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer all.Stop()
	eqEntries(t, "initial values", nextUpdates(t, all, 5), []kvEntry{
		{"b", "1", 2, jetstream.KeyValuePut}, {"a", "2", 3, jetstream.KeyValuePut},
		{"c.x", "1", 4, jetstream.KeyValuePut}, {"c.y", "1", 5, jetstream.KeyValuePut}, {},
	})

	// UpdatesOnly: no initial values and no marker.
	upd, err := kv.WatchAll(ctx, jetstream.UpdatesOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer upd.Stop()
	// IncludeHistory: every stored revision.
	hist, err := kv.WatchAll(ctx, jetstream.IncludeHistory())
	if err != nil {
		t.Fatal(err)
	}
	defer hist.Stop()
	eqEntries(t, "history", nextUpdates(t, hist, 6), []kvEntry{
		{"a", "1", 1, jetstream.KeyValuePut}, {"b", "1", 2, jetstream.KeyValuePut},
		{"a", "2", 3, jetstream.KeyValuePut}, {"c.x", "1", 4, jetstream.KeyValuePut},
		{"c.y", "1", 5, jetstream.KeyValuePut}, {},
	})
	// A key pattern.
	pat, err := kv.Watch(ctx, "c.*")
	if err != nil {
		t.Fatal(err)
	}
	defer pat.Stop()
	eqEntries(t, "pattern", nextUpdates(t, pat, 3), []kvEntry{
		{"c.x", "1", 4, jetstream.KeyValuePut}, {"c.y", "1", 5, jetstream.KeyValuePut}, {},
	})
	// A single key with no value yet.
	none, err := kv.Watch(ctx, "later")
	if err != nil {
		t.Fatal(err)
	}
	defer none.Stop()
	eqEntries(t, "missing key", nextUpdates(t, none, 1), []kvEntry{{}})
	// Metadata only: values are left out.
	meta, err := kv.Watch(ctx, "a", jetstream.MetaOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer meta.Stop()
	eqEntries(t, "meta only", nextUpdates(t, meta, 2), []kvEntry{{"a", "", 3, jetstream.KeyValuePut}, {}})
	// Resume from a revision.
	resume, err := kv.WatchAll(ctx, jetstream.ResumeFromRevision(4), jetstream.IncludeHistory())
	if err != nil {
		t.Fatal(err)
	}
	defer resume.Stop()
	eqEntries(t, "resume", nextUpdates(t, resume, 3), []kvEntry{
		{"c.x", "1", 4, jetstream.KeyValuePut}, {"c.y", "1", 5, jetstream.KeyValuePut}, {},
	})

	if _, err := kv.PutString(ctx, "c.x", "2"); err != nil {
		t.Fatal(err)
	}
	if err := kv.Delete(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if err := kv.Purge(ctx, "c.y"); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.PutString(ctx, "later", "now"); err != nil {
		t.Fatal(err)
	}
	live := []kvEntry{
		{"c.x", "2", 6, jetstream.KeyValuePut}, {"a", "", 7, jetstream.KeyValueDelete},
		{"c.y", "", 8, jetstream.KeyValuePurge}, {"later", "now", 9, jetstream.KeyValuePut},
	}
	for name, w := range map[string]jetstream.KeyWatcher{"all": all, "updates only": upd, "history": hist, "resume": resume, "empty": empty} {
		eqEntries(t, name+" live", nextUpdates(t, w, 4), live)
	}
	eqEntries(t, "pattern live", nextUpdates(t, pat, 2), []kvEntry{live[0], live[2]})
	eqEntries(t, "missing key live", nextUpdates(t, none, 1), live[3:])
	eqEntries(t, "meta only live", nextUpdates(t, meta, 1), live[1:2])
	expectNoUpdate(t, pat)

	// Stop closes the updates channel.
	if err := all.Stop(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the watcher to close", func() bool {
		select {
		case _, ok := <-all.Updates():
			return !ok
		default:
			return false
		}
	})

	// Deltas: pending counts of the initial values.
	w, err := kv.WatchAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	var deltas []uint64
	for e := range w.Updates() {
		if e == nil {
			break
		}
		deltas = append(deltas, e.Delta())
	}
	if !slices.Equal(deltas, []uint64{4, 3, 2, 1, 0}) {
		t.Fatalf("deltas %v", deltas)
	}
}

func TestKVBucketTTL(t *testing.T) {
	t.Parallel()
	_, _, js := startKV(t)
	ctx := testCtx(t, 30*time.Second)
	kv := createKV(t, js, jetstream.KeyValueConfig{Bucket: "T", TTL: time.Second, Storage: jetstream.MemoryStorage})
	st, err := kv.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The duplicate window follows a TTL under two minutes.
	if si := st.(*jetstream.KeyValueBucketStatus).StreamInfo(); si.Config.Duplicates != time.Second || si.Config.MaxAge != time.Second {
		t.Fatalf("config %+v", si.Config)
	}
	if _, err := kv.PutString(ctx, "k", "v"); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Get(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the key to expire", func() bool {
		_, err := kv.Get(ctx, "k")
		return errors.Is(err, jetstream.ErrKeyNotFound)
	})
	if st, err := kv.Status(ctx); err != nil || st.Values() != 0 {
		t.Fatalf("values after expiry: %v", err)
	}
}

func TestKVPerKeyTTL(t *testing.T) {
	t.Parallel()
	_, _, js := startKV(t)
	ctx := testCtx(t, 30*time.Second)
	kv := createKV(t, js, jetstream.KeyValueConfig{Bucket: "PK", History: 2, LimitMarkerTTL: time.Second, Storage: jetstream.MemoryStorage})
	st, err := kv.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.LimitMarkerTTL() != time.Second {
		t.Fatalf("limit marker ttl %v", st.LimitMarkerTTL())
	}
	sc := st.(*jetstream.KeyValueBucketStatus).StreamInfo().Config
	if !sc.AllowMsgTTL || sc.SubjectDeleteMarkerTTL != time.Second || sc.Metadata["_nats.req.level"] != "1" {
		t.Fatalf("config %+v", sc)
	}

	w, err := kv.WatchAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	eqEntries(t, "empty", nextUpdates(t, w, 1), []kvEntry{{}})

	if _, err := kv.PutString(ctx, "keep", "v"); err != nil {
		t.Fatal(err)
	}
	rev, err := kv.Create(ctx, "short", []byte("s"), jetstream.KeyTTL(time.Second))
	if err != nil || rev != 2 {
		t.Fatalf("create with ttl: %d %v", rev, err)
	}
	// The message carries its TTL.
	raw, err := js.Stream(ctx, "KV_PK")
	if err != nil {
		t.Fatal(err)
	}
	m, err := raw.GetMsg(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if m.Header.Get("Nats-TTL") != "1s" {
		t.Fatalf("headers %v", m.Header)
	}
	eqEntries(t, "puts", nextUpdates(t, w, 2), []kvEntry{
		{"keep", "v", 1, jetstream.KeyValuePut}, {"short", "s", 2, jetstream.KeyValuePut},
	})
	// Once the key expires the server leaves a marker, which watchers see
	// as a purge.
	got := nextUpdates(t, w, 1)
	eqEntries(t, "expiry marker", got, []kvEntry{{"short", "", 3, jetstream.KeyValuePurge}})
	if _, err := kv.Get(ctx, "short"); !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Fatalf("get expired: %v", err)
	}
	m, err = raw.GetMsg(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "$KV.PK.short" || m.Header.Get("Nats-Marker-Reason") != "MaxAge" || m.Header.Get("Nats-TTL") != "1s" || len(m.Data) != 0 {
		t.Fatalf("marker %s %v %q", m.Subject, m.Header, m.Data)
	}
	// The marker itself goes after the limit marker TTL.
	waitFor(t, 10*time.Second, "the marker to expire", func() bool {
		_, err := raw.GetMsg(ctx, 3)
		return errors.Is(err, jetstream.ErrMsgNotFound)
	})
	if e, err := kv.Get(ctx, "keep"); err != nil || string(e.Value()) != "v" {
		t.Fatalf("kept key: %v", err)
	}

	// A purge with a TTL: the purge marker goes away too.
	if _, err := kv.PutString(ctx, "p", "v"); err != nil {
		t.Fatal(err)
	}
	if err := kv.Purge(ctx, "p", jetstream.PurgeTTL(time.Second)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the purge marker to expire", func() bool {
		_, err := kv.History(ctx, "p")
		return errors.Is(err, jetstream.ErrKeyNotFound)
	})
	if err := kv.Delete(ctx, "p", jetstream.PurgeTTL(time.Second)); !errors.Is(err, jetstream.ErrTTLOnDeleteNotSupported) {
		t.Fatalf("delete with ttl: %v", err)
	}
}

func TestKVFileStorage(t *testing.T) {
	t.Parallel()
	_, _, js := startKV(t)
	ctx := testCtx(t, 30*time.Second)
	kv := createKV(t, js, jetstream.KeyValueConfig{Bucket: "F", History: 2, Storage: jetstream.FileStorage})
	for i := 0; i < 3; i++ {
		if _, err := kv.PutString(ctx, "k", fmt.Sprint(i)); err != nil {
			t.Fatal(err)
		}
	}
	e, err := kv.Get(ctx, "k")
	if err != nil || string(e.Value()) != "2" || e.Revision() != 3 {
		t.Fatalf("get: %v %v", e, err)
	}
	st, err := kv.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Values() != 2 || st.(*jetstream.KeyValueBucketStatus).StreamInfo().Config.Storage != jetstream.FileStorage {
		t.Fatalf("values %d", st.Values())
	}
}

// cliLines starts the nats CLI and returns its output lines (stdout and
// stderr) as they are printed, for commands that run until stopped; the
// process is killed when the test ends.
func cliLines(t *testing.T, args ...string) <-chan string {
	t.Helper()
	cmd := exec.Command(natsCLIPath(t), args...)
	cmd.Env = cliEnv(t)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 64)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		for range lines {
		}
		_ = cmd.Wait()
	})
	return lines
}

// expectLines reads lines until each of want has been seen as a suffix of
// a line, in order.
func expectLines(t *testing.T, lines <-chan string, want ...string) {
	t.Helper()
	timeout := time.After(30 * time.Second)
	var seen []string
	for len(want) > 0 {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("output ended before %q; got %q", want[0], seen)
			}
			seen = append(seen, l)
			if strings.HasSuffix(l, want[0]) {
				want = want[1:]
			}
		case <-timeout:
			t.Fatalf("timed out waiting for %q; got %q", want[0], seen)
		}
	}
}

func TestKVCLI(t *testing.T) {
	t.Parallel()
	url, _, js := startKV(t)
	ctx := testCtx(t, 2*time.Minute)
	cli := func(args ...string) []string { return append([]string{"--server", url}, args...) }

	expectCLI(t, 0, []string{"Bucket Name: CLI", "History Kept: 5", "Maximum Value Size: 1.0 KiB", "Storage: Memory", "JetStream Stream: KV_CLI"},
		cli("kv", "add", "CLI", "--history", "5", "--storage", "memory", "--max-value-size", "1024")...)
	expectCLI(t, 0, []string{"Bucket Name: OTHER"}, cli("kv", "add", "OTHER", "--storage", "memory")...)
	if out := expectCLI(t, 0, nil, cli("kv", "ls", "--names")...); out != "CLI\nOTHER\n" && out != "OTHER\nCLI\n" {
		t.Fatalf("kv ls --names: %q", out)
	}
	expectCLI(t, 0, []string{"Key-Value Buckets", "│ CLI ", "│ OTHER "}, cli("kv", "ls")...)

	if out := expectCLI(t, 0, nil, cli("kv", "put", "CLI", "k1", "v1")...); out != "v1\n" {
		t.Fatalf("kv put: %q", out)
	}
	expectCLI(t, 0, nil, cli("kv", "put", "CLI", "k1", "v2")...)
	expectCLI(t, 1, []string{"err_code=10071", "wrong last sequence: 2: key exists"}, cli("kv", "create", "CLI", "k1", "v3")...)
	expectCLI(t, 0, nil, cli("kv", "create", "CLI", "k2", "v3")...)
	expectCLI(t, 1, []string{"err_code=10071", "wrong last sequence: 2", "key revision mismatch"}, cli("kv", "update", "CLI", "k1", "v4", "1")...)
	expectCLI(t, 0, nil, cli("kv", "update", "CLI", "k1", "v4", "2")...)
	if out := expectCLI(t, 0, nil, cli("kv", "get", "CLI", "k1", "--raw")...); out != "v4" {
		t.Fatalf("kv get --raw: %q", out)
	}
	expectCLI(t, 0, []string{"CLI > k1 revision: 4 created @", "v4"}, cli("kv", "get", "CLI", "k1")...)
	if out := expectCLI(t, 0, nil, cli("kv", "get", "CLI", "k1", "--revision", "1", "--raw")...); out != "v1" {
		t.Fatalf("kv get --revision 1: %q", out)
	}
	expectCLI(t, 1, []string{"key not found"}, cli("kv", "get", "CLI", "nope")...)
	expectCLI(t, 1, []string{"err_code=10054"}, cli("kv", "put", "CLI", "big", strings.Repeat("x", 1025))...)

	expectCLI(t, 0, nil, cli("kv", "del", "CLI", "k2", "-f")...)
	expectCLI(t, 1, []string{"key not found"}, cli("kv", "get", "CLI", "k2")...)
	out := expectCLI(t, 0, []string{"History for CLI > k1"}, cli("kv", "history", "CLI", "k1")...)
	for _, row := range []string{"│ k1  │        1 │ PUT │", "│ k1  │        2 │ PUT │", "│ k1  │        4 │ PUT │"} {
		if !strings.Contains(out, row) {
			t.Fatalf("history lacks %q:\n%s", row, out)
		}
	}
	expectCLI(t, 0, []string{"│ k2  │        5 │ DELETE │"}, cli("kv", "history", "CLI", "k2")...)
	if out := expectCLI(t, 0, nil, cli("kv", "ls", "CLI")...); out != "k1\n" {
		t.Fatalf("kv ls CLI: %q", out)
	}
	expectCLI(t, 0, nil, cli("kv", "purge", "CLI", "k1", "-f")...)
	expectCLI(t, 0, []string{"No keys found in bucket"}, cli("kv", "ls", "CLI")...)
	expectCLI(t, 0, []string{"Bucket Name: CLI", "Values Stored: 3"}, cli("kv", "info", "CLI")...)

	// kv watch: the current values, then live updates.
	kv, err := js.KeyValue(ctx, "CLI")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.PutString(ctx, "old", "o"); err != nil {
		t.Fatal(err)
	}
	lines := cliLines(t, cli("kv", "watch", "CLI")...)
	expectLines(t, lines, "PUT CLI > old: o")
	if _, err := kv.PutString(ctx, "a.b", "1"); err != nil {
		t.Fatal(err)
	}
	// The purge below rolls a.b up: a watcher that has not received the
	// put by then never will (as with the reference), so wait for it.
	expectLines(t, lines, "PUT CLI > a.b: 1")
	if err := kv.Delete(ctx, "old"); err != nil {
		t.Fatal(err)
	}
	if err := kv.Purge(ctx, "a.b"); err != nil {
		t.Fatal(err)
	}
	expectLines(t, lines, "DELETE CLI > old", "PURGE CLI > a.b")

	// Per-key TTLs: the key expires and its history holds the marker.
	expectCLI(t, 0, []string{"Per-Key TTL Supported: true", "Limit Marker TTL: 2s"},
		cli("kv", "add", "TTL", "--marker-ttl", "2s", "--storage", "memory")...)
	expectCLI(t, 0, nil, cli("kv", "create", "TTL", "k", "v", "--ttl", "1s")...)
	ttlKV, err := js.KeyValue(ctx, "TTL")
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the key to expire", func() bool {
		_, err := ttlKV.Get(ctx, "k")
		return errors.Is(err, jetstream.ErrKeyNotFound)
	})
	expectCLI(t, 1, []string{"key not found"}, cli("kv", "get", "TTL", "k")...)
	expectCLI(t, 0, []string{"│ k   │        2 │ PURGE │"}, cli("kv", "history", "TTL", "k")...)
	expectCLI(t, 0, nil, cli("kv", "rm", "TTL", "-f")...)

	expectCLI(t, 0, nil, cli("kv", "rm", "OTHER", "-f")...)
	if out := expectCLI(t, 0, nil, cli("kv", "ls", "--names")...); out != "CLI\n" {
		t.Fatalf("kv ls --names after rm: %q", out)
	}
	expectCLI(t, 0, nil, cli("kv", "rm", "CLI", "-f")...)
	expectCLI(t, 0, []string{"No Key-Value buckets found"}, cli("kv", "ls")...)
}

// TestStreamSubjectDeleteMarkers checks the markers a stream with
// subject_delete_marker_ttl leaves when max_age removes the last message of
// a subject: their headers (the TTL in whole seconds), one per subject,
// none for purge markers, purges or deletes.
func TestStreamSubjectDeleteMarkers(t *testing.T) {
	t.Parallel()
	_, nc, js := startKV(t)
	ctx := testCtx(t, 30*time.Second)
	st, err := js.CreateStream(ctx, jetstream.StreamConfig{
		Name: "SDM", Subjects: []string{"sdm.>"}, Storage: jetstream.MemoryStorage,
		MaxAge: time.Second, SubjectDeleteMarkerTTL: 90500 * time.Millisecond, AllowDirect: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg := st.CachedInfo().Config
	if !cfg.AllowMsgTTL || !cfg.AllowRollup || cfg.Metadata["_nats.req.level"] != "1" {
		t.Fatalf("config %+v", cfg)
	}
	pub := func(subj string, hdr nats.Header) {
		t.Helper()
		m := nats.NewMsg(subj)
		for k, v := range hdr {
			m.Header[k] = v
		}
		if _, err := js.PublishMsg(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	pub("sdm.a", nil)                                                        // 1
	pub("sdm.a", nil)                                                        // 2
	pub("sdm.b", nats.Header{"Foo": []string{"bar"}})                        // 3
	pub("sdm.purged", nats.Header{"KV-Operation": []string{"PURGE"}})        // 4
	pub("sdm.marker", nats.Header{"Nats-Marker-Reason": []string{"Remove"}}) // 5
	pub("sdm.deleted", nil)                                                  // 6
	pub("sdm.kvdel", nats.Header{"KV-Operation": []string{"DEL"}})           // 7
	if err := st.DeleteMsg(ctx, 6); err != nil {
		t.Fatal(err)
	}
	if err := st.Purge(ctx, jetstream.WithPurgeSubject("sdm.none")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the markers", func() bool {
		info, err := st.Info(ctx)
		return err == nil && info.State.LastSeq == 10 && info.State.Msgs == 3
	})
	var got []string
	for seq := uint64(8); seq <= 10; seq++ {
		m, err := st.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Data) != 0 || m.Header.Get("Nats-Marker-Reason") != "MaxAge" ||
			m.Header.Get("Nats-TTL") != "1m30s" || m.Header.Get("Nats-Rollup") != "sub" {
			t.Fatalf("marker %d: %v %q", seq, m.Header, m.Data)
		}
		got = append(got, m.Subject)
	}
	if !slices.Equal(got, []string{"sdm.a", "sdm.b", "sdm.kvdel"}) {
		t.Fatalf("markers on %v", got)
	}
	// The stored header, byte for byte.
	raw, err := nc.Request("$JS.API.STREAM.MSG.GET.SDM", []byte(`{"seq":8}`), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var got8 struct {
		Message struct {
			Hdrs []byte `json:"hdrs"`
		} `json:"message"`
	}
	if err := json.Unmarshal(raw.Data, &got8); err != nil {
		t.Fatal(err)
	}
	if want := "NATS/1.0\r\nNats-Marker-Reason: MaxAge\r\nNats-TTL: 1m30s\r\nNats-Rollup: sub\r\n\r\n"; string(got8.Message.Hdrs) != want {
		t.Fatalf("marker header %q, want %q", got8.Message.Hdrs, want)
	}
	// The marker is what a direct get of the subject finds.
	resp, err := nc.Request("$JS.API.DIRECT.GET.SDM.sdm.a", nil, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Header.Get("Nats-Sequence") != "8" || resp.Header.Get("Nats-Marker-Reason") != "MaxAge" {
		t.Fatalf("direct get %v", resp.Header)
	}

	// A max_age set by an update applies at once, markers included.
	upd, err := js.CreateStream(ctx, jetstream.StreamConfig{
		Name: "UPD", Subjects: []string{"upd.>"}, Storage: jetstream.MemoryStorage, SubjectDeleteMarkerTTL: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	pub("upd.x", nil)
	ucfg := upd.CachedInfo().Config
	ucfg.MaxAge, ucfg.Duplicates = time.Second, time.Second
	if _, err := js.UpdateStream(ctx, ucfg); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the marker after the update", func() bool {
		m, err := upd.GetLastMsgForSubject(ctx, "upd.x")
		return err == nil && m.Sequence == 2 && m.Header.Get("Nats-Marker-Reason") == "MaxAge"
	})
}
