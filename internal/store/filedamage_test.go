package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"
)

// Bad input and damage: failing fsyncs, a full disk, a read-only file
// system, and files truncated, overwritten or flipped while closed.

func openMem(t *testing.T, mfs *memFS, cfg StreamConfig, fcfg FileConfig) *FileStore {
	t.Helper()
	s, err := openFileStore("/s", cfg, fcfg, nil, mfs)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func storeN(t *testing.T, s Store, n int, subj string) []uint64 {
	t.Helper()
	var seqs []uint64
	for i := range n {
		seq, _, err := s.StoreMsg(subj, nil, []byte(fmt.Sprintf("%s-%d", subj, i)), 0)
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, seq)
	}
	return seqs
}

func TestFileStoreFsyncFailure(t *testing.T) {
	mfs := newMemFS()
	syncer := NewSyncer()
	defer syncer.Close()
	s := openMem(t, mfs, StreamConfig{}, FileConfig{Syncer: syncer})
	storeN(t, s, 10, "a")
	mfs.mu.Lock()
	mfs.failSync = true
	mfs.mu.Unlock()
	_, _, err := s.StoreMsg("a", nil, []byte("x"), 0)
	if !errors.Is(err, ErrIO) || !errors.Is(err, syscall.EIO) {
		t.Fatalf("StoreMsg with failing fsync = %v", err)
	}
	// The failure is sticky: the kernel may have dropped what it held.
	mfs.mu.Lock()
	mfs.failSync = false
	mfs.mu.Unlock()
	if _, _, err := s.StoreMsg("a", nil, []byte("y"), 0); !errors.Is(err, ErrIO) {
		t.Fatalf("StoreMsg after a failed fsync = %v", err)
	}
	if _, err := s.LoadMsg(5, nil); err != nil {
		t.Fatalf("reads still work: %v", err)
	}
	s.Stop()
	img := mfs.crashNow(newRand(1))
	s2 := openMem(t, img, StreamConfig{}, FileConfig{})
	defer s2.Stop()
	if st := s2.State(); st.Msgs < 10 || st.Msgs > 11 {
		t.Fatalf("recovered %+v", st)
	}
}

func TestFileStoreDiskFull(t *testing.T) {
	for _, async := range []bool{false, true} {
		t.Run(fmt.Sprint("async=", async), func(t *testing.T) {
			mfs := newMemFS()
			fcfg := FileConfig{BlockSize: 4096}
			if async {
				fcfg.SyncInterval = time.Minute
			}
			s := openMem(t, mfs, StreamConfig{}, fcfg)
			mfs.mu.Lock()
			mfs.spaceLeft = 10_000
			mfs.mu.Unlock()
			var acked []uint64
			var err error
			for i := 0; err == nil && i < 10_000; i++ {
				var seq uint64
				if seq, _, err = s.StoreMsg("full", nil, bytes.Repeat([]byte{'z'}, 100), 0); err == nil {
					acked = append(acked, seq)
				}
			}
			if !errors.Is(err, syscall.ENOSPC) || !errors.Is(err, ErrIO) {
				t.Fatalf("StoreMsg on a full disk = %v", err)
			}
			if _, _, err := s.StoreMsg("full", nil, nil, 0); err == nil {
				t.Fatal("store accepted a write after the disk filled")
			}
			s.Stop()
			mfs.mu.Lock()
			mfs.spaceLeft = -1
			mfs.mu.Unlock()
			s2 := openMem(t, mfs, StreamConfig{}, fcfg)
			defer s2.Stop()
			for _, seq := range acked {
				if _, err := s2.LoadMsg(seq, nil); err != nil {
					t.Fatalf("acknowledged %d: %v", seq, err)
				}
			}
			if _, _, err := s2.StoreMsg("full", nil, []byte("again"), 0); err != nil {
				t.Fatalf("store after freeing space: %v", err)
			}
		})
	}
}

func TestFileStoreReadOnly(t *testing.T) {
	mfs := newMemFS()
	mfs.readOnly = true
	if _, err := openFileStore("/s", StreamConfig{}, FileConfig{}, nil, mfs); !errors.Is(err, syscall.EROFS) {
		t.Fatalf("open on a read-only file system = %v", err)
	}
	mfs.readOnly = false
	s := openMem(t, mfs, StreamConfig{}, FileConfig{})
	mfs.mu.Lock()
	mfs.readOnly = true
	mfs.mu.Unlock()
	if _, _, err := s.StoreMsg("a", nil, []byte("x"), 0); !errors.Is(err, syscall.EROFS) {
		t.Fatalf("StoreMsg on a read-only file system = %v", err)
	}
	s.Stop()
}

// blockFiles lists the block files of a store directory on disk.
func blockFiles(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if _, ok := parseBlockName(e.Name()); ok {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	return out
}

// TestFileStoreTornTail cuts the last block at every offset of its last
// records and checks that recovery keeps exactly the complete records.
func TestFileStoreTornTail(t *testing.T) {
	dir := t.TempDir()
	s, err := NewFileStore(dir, StreamConfig{}, FileConfig{BlockSize: 1 << 20}, nil)
	if err != nil {
		t.Fatal(err)
	}
	storeN(t, s, 20, "t")
	s.Stop()
	files := blockFiles(t, dir)
	last := files[len(files)-1]
	orig, _ := os.ReadFile(last)
	for cut := len(orig) - 1; cut > len(orig)-120; cut-- {
		os.WriteFile(last, orig[:cut], 0o640)
		s, err := NewFileStore(dir, StreamConfig{}, FileConfig{}, nil)
		if err != nil {
			t.Fatalf("cut %d: %v", cut, err)
		}
		st, lost := s.State(), s.Lost()
		s.Stop()
		fi, _ := os.Stat(last)
		if st.NumDeleted != 0 || st.Msgs < 15 || st.Msgs > 19 || fi.Size() > int64(cut) {
			t.Fatalf("cut %d: %+v, file %d bytes", cut, st, fi.Size())
		}
		if trimmed := uint64(cut) - uint64(fi.Size()); (trimmed == 0) != (lost == nil) ||
			lost != nil && (lost.Trimmed != trimmed || lost.Bytes != 0) {
			t.Fatalf("cut %d: trimmed %d, lost %+v", cut, trimmed, lost)
		}
	}
}

// TestFileStoreBitFlips flips bytes in the middle of sealed blocks and
// checks that recovery skips the damaged records, reports them and keeps
// everything else.
func TestFileStoreBitFlips(t *testing.T) {
	dir := t.TempDir()
	s, err := NewFileStore(dir, StreamConfig{}, FileConfig{BlockSize: 2048}, nil)
	if err != nil {
		t.Fatal(err)
	}
	storeN(t, s, 200, "f")
	s.Stop()
	files := blockFiles(t, dir)
	if len(files) < 4 {
		t.Fatalf("only %d blocks", len(files))
	}
	for _, path := range files[1:3] {
		data, _ := os.ReadFile(path)
		data[len(data)/2] ^= 0x10
		os.WriteFile(path, data, 0o640)
	}
	s, err = NewFileStore(dir, StreamConfig{}, FileConfig{BlockSize: 2048}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	lost := s.Lost()
	if lost == nil || lost.Bytes == 0 || len(lost.Msgs) != 2 || lost.Trimmed != 0 {
		t.Fatalf("lost %+v", lost)
	}
	st := s.State()
	if st.Msgs != 198 || st.LastSeq != 200 || !slices.Equal(s.DeletedSeqs(), lost.Msgs) {
		t.Fatalf("state %+v, deleted %v, lost %v", st, s.DeletedSeqs(), lost.Msgs)
	}
	for seq := uint64(1); seq <= 200; seq++ {
		m, err := s.LoadMsg(seq, nil)
		if slices.Contains(lost.Msgs, seq) {
			if !errors.Is(err, ErrDeleted) {
				t.Fatalf("lost %d loads as %v", seq, err)
			}
			continue
		}
		if err != nil || string(m.Data) != fmt.Sprint("f-", seq-1) {
			t.Fatalf("LoadMsg(%d) = %v", seq, err)
		}
	}
}

// TestFileStoreOverwritten overwrites whole files with garbage or zeros,
// removes or empties some, and checks that recovery keeps the rest.
func TestFileStoreOverwritten(t *testing.T) {
	const n = 300
	for _, how := range []string{"zeros", "garbage", "header", "remove-first", "empty-last"} {
		t.Run(how, func(t *testing.T) {
			dir := t.TempDir()
			fcfg := FileConfig{BlockSize: 2048, SyncInterval: time.Minute}
			s, err := NewFileStore(dir, StreamConfig{}, fcfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			storeN(t, s, n, "o")
			s.Stop()
			files := blockFiles(t, dir)
			if len(files) < 5 {
				t.Fatalf("only %d blocks", len(files))
			}
			victim := files[2]
			data, _ := os.ReadFile(victim)
			switch how {
			case "zeros":
				clear(data)
			case "garbage":
				r := newRand(9)
				for i := range data {
					data[i] = byte(r.Uint32())
				}
			case "header":
				data[3] ^= 1
			case "remove-first":
				os.Remove(files[0])
			case "empty-last":
				victim, data = files[len(files)-1], nil
			}
			if how != "remove-first" {
				os.WriteFile(victim, data, 0o640)
			}
			s, err = NewFileStore(dir, StreamConfig{}, fcfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			s.checkInvariants(t)
			st, lost := s.State(), s.Lost()
			switch how {
			case "zeros", "garbage":
				if st.LastSeq != n || st.Msgs < n-60 || st.Msgs == n || lost == nil || lost.Bytes == 0 ||
					len(lost.Msgs) != n-int(st.Msgs) {
					t.Fatalf("recovered %+v, lost %+v", st, lost)
				}
			case "header":
				if st.Msgs != n || lost == nil || lost.Bytes != blockHeaderSize {
					t.Fatalf("recovered %+v, lost %+v", st, lost)
				}
			case "remove-first":
				if st.LastSeq != n || st.FirstSeq == 1 || st.NumDeleted != 0 {
					t.Fatalf("recovered %+v, lost %+v", st, lost)
				}
			case "empty-last":
				if st.LastSeq >= n || st.LastSeq < n-60 || st.NumDeleted != 0 {
					t.Fatalf("recovered %+v, lost %+v", st, lost)
				}
			}
			seq, _, err := s.StoreMsg("o", nil, []byte("next"), 0)
			if err != nil || seq != st.LastSeq+1 {
				t.Fatalf("store after recovery = %d, %v", seq, err)
			}
			s.Stop()
			s, err = NewFileStore(dir, StreamConfig{}, fcfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			if st2 := s.State(); st2.LastSeq != seq || st2.Msgs != st.Msgs+1 {
				t.Fatalf("second reopen: %+v", st2)
			}
			s.Stop()
		})
	}
}

// TestFileStoreErase checks that an erased payload is gone from the disk.
func TestFileStoreErase(t *testing.T) {
	dir := t.TempDir()
	s, err := NewFileStore(dir, StreamConfig{}, FileConfig{BlockSize: 2048}, nil)
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte("top-secret-payload")
	s.StoreMsg("e", nil, secret, 0)
	storeN(t, s, 50, "e")
	s.StoreMsg("e", nil, []byte("another-secret-x"), 0)
	for _, seq := range []uint64{1, 52} {
		if ok, err := s.EraseMsg(seq); !ok || err != nil {
			t.Fatalf("EraseMsg(%d) = %v, %v", seq, ok, err)
		}
	}
	s.Stop()
	for _, path := range blockFiles(t, dir) {
		data, _ := os.ReadFile(path)
		if bytes.Contains(data, secret) || bytes.Contains(data, []byte("another-secret")) {
			t.Fatalf("%s still holds an erased payload", path)
		}
	}
	s, _ = NewFileStore(dir, StreamConfig{}, FileConfig{}, nil)
	defer s.Stop()
	if st := s.State(); st.FirstSeq != 2 || st.LastSeq != 52 || st.Msgs != 50 {
		t.Fatalf("after erase and reopen: %+v", st)
	}
}

// TestFileStoreCompaction removes most messages from the middle of the
// log (a KV with one live value per key) and checks that the space is
// reclaimed and the state survives a reopen.
func TestFileStoreCompaction(t *testing.T) {
	dir := t.TempDir()
	cfg := StreamConfig{MaxMsgsPerSubject: 1}
	fcfg := FileConfig{BlockSize: 8192, SyncInterval: time.Minute}
	s, err := NewFileStore(dir, cfg, fcfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	val := bytes.Repeat([]byte{'v'}, 100)
	for i := range 5000 {
		// Every 20th message stays forever, so that old blocks keep a
		// few live messages and must be rewritten rather than removed.
		subj := fmt.Sprint("kv.", i%50)
		if i%20 == 0 {
			subj = fmt.Sprint("keep.", i)
		}
		if _, _, err := s.StoreMsg(subj, nil, val, 0); err != nil {
			t.Fatal(err)
		}
	}
	s.bg.Wait()
	before := observe(t, s)
	var size int64
	for _, path := range blockFiles(t, dir) {
		fi, _ := os.Stat(path)
		size += fi.Size()
	}
	if live := int64(before.state.Bytes); size > 6*live+4*8192 {
		t.Fatalf("%d bytes on disk for %d live bytes: not compacted", size, live)
	}
	s.Stop()
	s, err = NewFileStore(dir, cfg, fcfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	s.checkInvariants(t)
	if after := observe(t, s); after.state != before.state || !bytes.Equal(after.snap, before.snap) {
		t.Fatalf("reopen after compaction: %+v, want %+v", after.state, before.state)
	}
}

// TestFileStoreSnapshotInterop moves snapshots between the memory and the
// file store.
func TestFileStoreSnapshotInterop(t *testing.T) {
	ms, _ := NewMemStore(StreamConfig{}, func() int64 { return 42 })
	for i := range 300 {
		ms.StoreMsg(fmt.Sprint("x.", i%7), []byte("h"), bytes.Repeat([]byte{byte(i)}, i%90), time.Duration(i%3))
	}
	ms.RemoveMsg(5)
	ms.SkipMsgs(0, 3)
	snap, _ := ms.EncodeSnapshot()
	for _, comp := range []Compression{NoCompression, S2Compression} {
		dir := t.TempDir()
		fs, err := NewFileStore(dir, StreamConfig{}, FileConfig{BlockSize: 4096, Compression: comp}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := fs.RestoreSnapshot(snap); err != nil {
			t.Fatal(err)
		}
		if got, _ := fs.EncodeSnapshot(); !bytes.Equal(got, snap) {
			t.Fatal("file store snapshot differs from the memory store's")
		}
		fs.Stop()
		fs, _ = NewFileStore(dir, StreamConfig{}, FileConfig{}, nil)
		got, _ := fs.EncodeSnapshot()
		fs.Stop()
		ms2, _ := NewMemStore(StreamConfig{}, nil)
		if err := ms2.RestoreSnapshot(got); err != nil || ms2.State() != ms.State() {
			t.Fatalf("round trip through the file store: %v, %+v", err, ms2.State())
		}
	}
}
