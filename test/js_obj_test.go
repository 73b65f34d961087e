package test

import (
	"bytes"
	"errors"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// The object store tests share startKV (js_kv_test.go), so they too can
// run against the reference server.

// randomBytes returns n bytes from a seeded source: the same every run.
func randomBytes(n int, seed int64) []byte {
	b := make([]byte, n)
	rand.New(rand.NewSource(seed)).Read(b)
	return b
}

func createObjectStore(t *testing.T, js jetstream.JetStream, cfg jetstream.ObjectStoreConfig) jetstream.ObjectStore {
	t.Helper()
	obs, err := js.CreateObjectStore(testCtx(t, 10*time.Second), cfg)
	if err != nil {
		t.Fatalf("create object store %s: %v", cfg.Bucket, err)
	}
	return obs
}

func TestObjPutGetLarge(t *testing.T) {
	t.Parallel()
	_, _, js := startKV(t)
	ctx := testCtx(t, time.Minute)
	obs := createObjectStore(t, js, jetstream.ObjectStoreConfig{Bucket: "FILES", Description: "files", Storage: jetstream.MemoryStorage})

	data := randomBytes(10<<20, 1)
	info, err := obs.Put(ctx, jetstream.ObjectMeta{
		Name: "big.bin", Description: "ten megabytes",
		Headers:  nats.Header{"Content-Type": []string{"application/octet-stream"}},
		Metadata: map[string]string{"kind": "blob"},
	}, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	// The default chunk size is 128 KiB: 80 chunks.
	if info.Size != 10<<20 || info.Chunks != 80 || info.Bucket != "FILES" || info.NUID == "" || info.Digest == "" {
		t.Fatalf("put info %+v", info)
	}

	got, err := obs.GetInfo(ctx, "big.bin")
	if err != nil {
		t.Fatal(err)
	}
	if got.Size != info.Size || got.Chunks != info.Chunks || got.Digest != info.Digest || got.NUID != info.NUID ||
		got.Description != "ten megabytes" || got.Headers.Get("Content-Type") != "application/octet-stream" ||
		got.Metadata["kind"] != "blob" || got.Deleted || time.Since(got.ModTime) > time.Minute {
		t.Fatalf("info %+v", got)
	}

	res, err := obs.Get(ctx, "big.bin")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(res); err != nil {
		t.Fatalf("read object: %v", err)
	}
	if err := res.Close(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), data) {
		t.Fatalf("object of %d bytes differs from the %d put", buf.Len(), len(data))
	}
	if ri, err := res.Info(); err != nil || ri.Digest != info.Digest {
		t.Fatalf("result info %v %v", ri, err)
	}

	// The stream holds the chunks and one meta message.
	st, err := obs.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	si := st.(*jetstream.ObjectBucketStatus).StreamInfo()
	if st.Bucket() != "FILES" || st.Description() != "files" || st.Storage() != jetstream.MemoryStorage || st.Sealed() ||
		st.BackingStore() != "JetStream" || st.Size() < 10<<20 || si.State.Msgs != 81 {
		t.Fatalf("status %+v", si)
	}
	if !slices.Equal(si.Config.Subjects, []string{"$O.FILES.C.>", "$O.FILES.M.>"}) || !si.Config.AllowRollup ||
		!si.Config.AllowDirect || si.Config.Discard != jetstream.DiscardNew {
		t.Fatalf("stream config %+v", si.Config)
	}

	// Replacing the object purges the old chunks.
	small := randomBytes(300<<10, 2)
	info2, err := obs.PutBytes(ctx, "big.bin", small)
	if err != nil {
		t.Fatal(err)
	}
	if info2.Chunks != 3 || info2.NUID == info.NUID {
		t.Fatalf("replaced info %+v", info2)
	}
	b, err := obs.GetBytes(ctx, "big.bin")
	if err != nil || !bytes.Equal(b, small) {
		t.Fatalf("get replaced: %d bytes, %v", len(b), err)
	}
	if si, err := js.Stream(ctx, "OBJ_FILES"); err != nil || si.CachedInfo().State.Msgs != 4 {
		t.Fatalf("messages after replace: %v", err)
	}
}

func TestObjBucket(t *testing.T) {
	t.Parallel()
	_, _, js := startKV(t)
	ctx := testCtx(t, time.Minute)
	obs := createObjectStore(t, js, jetstream.ObjectStoreConfig{Bucket: "OB", Storage: jetstream.MemoryStorage})

	if _, err := obs.List(ctx); !errors.Is(err, jetstream.ErrNoObjectsFound) {
		t.Fatalf("list of an empty store: %v", err)
	}
	w, err := obs.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	nextInfo := func() *jetstream.ObjectInfo {
		t.Helper()
		select {
		case i := <-w.Updates():
			return i
		case <-time.After(10 * time.Second):
			t.Fatal("timed out waiting for a watch update")
			return nil
		}
	}
	if i := nextInfo(); i != nil {
		t.Fatalf("first update %+v, want the nil marker", i)
	}

	if _, err := obs.PutString(ctx, "a.txt", "alpha"); err != nil {
		t.Fatal(err)
	}
	if _, err := obs.PutBytes(ctx, "empty", nil); err != nil {
		t.Fatal(err)
	}
	if i := nextInfo(); i == nil || i.Name != "a.txt" || i.Size != 5 {
		t.Fatalf("watch put %+v", i)
	}
	if i := nextInfo(); i == nil || i.Name != "empty" || i.Size != 0 || i.Chunks != 0 {
		t.Fatalf("watch put empty %+v", i)
	}
	if s, err := obs.GetString(ctx, "a.txt"); err != nil || s != "alpha" {
		t.Fatalf("get string %q %v", s, err)
	}
	if b, err := obs.GetBytes(ctx, "empty"); err != nil || len(b) != 0 {
		t.Fatalf("get empty %q %v", b, err)
	}
	if _, err := obs.GetInfo(ctx, "nothing"); !errors.Is(err, jetstream.ErrObjectNotFound) {
		t.Fatalf("info of a missing object: %v", err)
	}
	if _, err := obs.Get(ctx, "nothing"); !errors.Is(err, jetstream.ErrObjectNotFound) {
		t.Fatalf("get of a missing object: %v", err)
	}

	// Links to an object and to another bucket.
	target, err := obs.GetInfo(ctx, "a.txt")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := obs.AddLink(ctx, "link", target); err != nil {
		t.Fatal(err)
	}
	if s, err := obs.GetString(ctx, "link"); err != nil || s != "alpha" {
		t.Fatalf("get through link %q %v", s, err)
	}
	other := createObjectStore(t, js, jetstream.ObjectStoreConfig{Bucket: "OTHER", Storage: jetstream.MemoryStorage})
	if _, err := other.AddLink(ctx, "far", target); err != nil {
		t.Fatal(err)
	}
	if s, err := other.GetString(ctx, "far"); err != nil || s != "alpha" {
		t.Fatalf("get through a link to another bucket %q %v", s, err)
	}
	if i := nextInfo(); i == nil || i.Name != "link" || i.Opts == nil || i.Opts.Link == nil || i.Opts.Link.Name != "a.txt" {
		t.Fatalf("watch link %+v", i)
	}

	// Metadata updates and renames.
	if err := obs.UpdateMeta(ctx, "empty", jetstream.ObjectMeta{Name: "renamed", Description: "was empty"}); err != nil {
		t.Fatal(err)
	}
	if i, err := obs.GetInfo(ctx, "renamed"); err != nil || i.Description != "was empty" {
		t.Fatalf("renamed info %+v %v", i, err)
	}
	if _, err := obs.GetInfo(ctx, "empty"); !errors.Is(err, jetstream.ErrObjectNotFound) {
		t.Fatalf("old name: %v", err)
	}
	if i := nextInfo(); i == nil || i.Name != "renamed" {
		t.Fatalf("watch rename %+v", i)
	}

	list, err := obs.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, i := range list {
		names = append(names, i.Name)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"a.txt", "link", "renamed"}) {
		t.Fatalf("list %v", names)
	}

	// Delete leaves a deleted meta entry and purges the chunks.
	if err := obs.Delete(ctx, "a.txt"); err != nil {
		t.Fatal(err)
	}
	if i := nextInfo(); i == nil || i.Name != "a.txt" || !i.Deleted {
		t.Fatalf("watch delete %+v", i)
	}
	if _, err := obs.Get(ctx, "a.txt"); !errors.Is(err, jetstream.ErrObjectNotFound) {
		t.Fatalf("get deleted: %v", err)
	}
	if i, err := obs.GetInfo(ctx, "a.txt", jetstream.GetObjectInfoShowDeleted()); err != nil || !i.Deleted || i.Size != 0 {
		t.Fatalf("deleted info %+v %v", i, err)
	}
	if list, err := obs.List(ctx, jetstream.ListObjectsShowDeleted()); err != nil || len(list) != 3 {
		t.Fatalf("list with deleted: %d %v", len(list), err)
	}
	if list, err := obs.List(ctx); err != nil || len(list) != 2 {
		t.Fatalf("list without deleted: %d %v", len(list), err)
	}

	// Status, store names and stores.
	st, err := obs.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Bucket() != "OB" || st.TTL() != 0 || st.Replicas() != 1 || st.Sealed() {
		t.Fatalf("status %+v", st)
	}
	var stores []string
	for n := range js.ObjectStoreNames(ctx).Name() {
		stores = append(stores, n)
	}
	slices.Sort(stores)
	if !slices.Equal(stores, []string{"OB", "OTHER"}) {
		t.Fatalf("store names %v", stores)
	}
	stores = stores[:0]
	for s := range js.ObjectStores(ctx).Status() {
		stores = append(stores, s.Bucket())
	}
	slices.Sort(stores)
	if !slices.Equal(stores, []string{"OB", "OTHER"}) {
		t.Fatalf("stores %v", stores)
	}

	// A sealed store refuses changes.
	if err := other.Seal(ctx); err != nil {
		t.Fatal(err)
	}
	if st, err := other.Status(ctx); err != nil || !st.Sealed() {
		t.Fatalf("sealed status: %v", err)
	}
	if _, err := other.PutString(ctx, "x", "y"); err == nil {
		t.Fatal("put into a sealed store succeeded")
	}

	if err := js.DeleteObjectStore(ctx, "OTHER"); err != nil {
		t.Fatal(err)
	}
	if _, err := js.ObjectStore(ctx, "OTHER"); !errors.Is(err, jetstream.ErrBucketNotFound) {
		t.Fatalf("bind deleted store: %v", err)
	}
}

func TestObjFileStorage(t *testing.T) {
	t.Parallel()
	_, _, js := startKV(t)
	ctx := testCtx(t, time.Minute)
	obs := createObjectStore(t, js, jetstream.ObjectStoreConfig{Bucket: "FS", Storage: jetstream.FileStorage})
	data := randomBytes(1<<20, 3)
	if _, err := obs.PutBytes(ctx, "one", data); err != nil {
		t.Fatal(err)
	}
	b, err := obs.GetBytes(ctx, "one")
	if err != nil || !bytes.Equal(b, data) {
		t.Fatalf("get: %d bytes %v", len(b), err)
	}
}

func TestObjCLI(t *testing.T) {
	t.Parallel()
	url := startJSTarget(t)
	cli := func(args ...string) []string { return append([]string{"--server", url}, args...) }
	dir := t.TempDir()
	small := filepath.Join(dir, "f.txt")
	big := filepath.Join(dir, "big.bin")
	bigData := randomBytes(3_000_000, 4)
	if err := os.WriteFile(small, []byte("hello object\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(big, bigData, 0o600); err != nil {
		t.Fatal(err)
	}

	expectCLI(t, 0, []string{"Bucket Name: OB", "Sealed: false", "Storage: Memory", "JetStream Stream: OBJ_OB"},
		cli("obj", "add", "OB", "--storage", "memory")...)
	expectCLI(t, 0, []string{"Object information for OB > f.txt", "Size: 13 B", "Chunks: 1",
		"Digest: SHA-256 120cebcdb0bd8c49afa8786a52049351e19b799de11990e29b718a63aeb48ff8"},
		cli("obj", "put", "OB", small, "--name", "f.txt")...)
	expectCLI(t, 0, []string{"Object information for OB > big.bin", "Size: 2.9 MiB", "Chunks: 23"},
		cli("obj", "put", "OB", big, "--name", "big.bin")...)
	expectCLI(t, 0, []string{"Bucket Contents", "│ f.txt ", "│ big.bin │ 2.9 MiB │"}, cli("obj", "ls", "OB")...)
	expectCLI(t, 0, []string{"Size: 13 B", "Chunks: 1"}, cli("obj", "info", "OB", "f.txt")...)

	out := filepath.Join(dir, "out.txt")
	expectCLI(t, 0, []string{"Wrote: 13 B to " + out}, cli("obj", "get", "OB", "f.txt", "--output", out)...)
	if b, err := os.ReadFile(out); err != nil || string(b) != "hello object\n" {
		t.Fatalf("got %q %v", b, err)
	}
	bigOut := filepath.Join(dir, "big.out")
	expectCLI(t, 0, []string{"Wrote: 2.9 MiB to " + bigOut}, cli("obj", "get", "OB", "big.bin", "--output", bigOut)...)
	if b, err := os.ReadFile(bigOut); err != nil || !bytes.Equal(b, bigData) {
		t.Fatalf("big object differs (%d bytes, %v)", len(b), err)
	}

	expectCLI(t, 0, []string{"Removed OB > f.txt"}, cli("obj", "del", "OB", "f.txt", "-f")...)
	if ls := expectCLI(t, 0, []string{"│ big.bin │"}, cli("obj", "ls", "OB")...); strings.Contains(ls, "f.txt") {
		t.Fatalf("deleted object listed:\n%s", ls)
	}
	expectCLI(t, 1, []string{"object not found"}, cli("obj", "get", "OB", "f.txt", "--output", filepath.Join(dir, "gone"))...)
	expectCLI(t, 0, []string{"Object Store Buckets", "│ OB "}, cli("obj", "ls")...)
	expectCLI(t, 0, []string{"Bucket Name: OB", "Size: 2.9 MiB"}, cli("obj", "info", "OB")...)

	expectCLI(t, 0, []string{"OB has been sealed", "Sealed: true"}, cli("obj", "seal", "OB", "-f")...)
	expectCLI(t, 1, []string{"err_code=10109", "invalid operation on sealed stream"}, cli("obj", "put", "OB", small, "--name", "g.txt")...)
	expectCLI(t, 0, nil, cli("obj", "rm", "OB", "-f")...)
	expectCLI(t, 0, []string{"No Object Store buckets found"}, cli("obj", "ls")...)
}
