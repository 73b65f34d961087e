package store

import (
	"os"
	"path/filepath"
	"testing"
)

// TestFileStorePreallocatedTail checks that a durable store zero-fills its
// write block ahead of the appends, trims it at a clean stop, and that a
// crash leaving the zero tail in place recovers every message without
// reporting damage.
func TestFileStorePreallocatedTail(t *testing.T) {
	dir := t.TempDir()
	s, err := NewFileStore(dir, StreamConfig{}, FileConfig{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		if _, _, err := s.StoreMsg("a", nil, []byte("payload"), 0); err != nil {
			t.Fatal(err)
		}
	}
	blocks, _ := filepath.Glob(filepath.Join(dir, "*.blk"))
	if len(blocks) != 1 {
		t.Fatalf("blocks %v", blocks)
	}
	fi, err := os.Stat(blocks[0])
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() < preallocChunk {
		t.Fatalf("write block is %d bytes, want it zero-filled ahead (>= %d)", fi.Size(), preallocChunk)
	}
	// A crash now: copy the files as they are.
	crashed := t.TempDir()
	data, err := os.ReadFile(blocks[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(crashed, filepath.Base(blocks[0])), data, 0o640); err != nil {
		t.Fatal(err)
	}
	r, err := NewFileStore(crashed, StreamConfig{}, FileConfig{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st := r.State(); st.Msgs != 10 || st.LastSeq != 10 {
		t.Fatalf("recovered %+v", st)
	}
	if lost := r.Lost(); lost != nil {
		t.Fatalf("a zero tail was reported as damage: %+v", lost)
	}
	if _, _, err := r.StoreMsg("a", nil, []byte("after"), 0); err != nil {
		t.Fatal(err)
	}
	if err := r.Stop(); err != nil {
		t.Fatal(err)
	}
	// A clean stop trims the tail.
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	fi, err = os.Stat(blocks[0])
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() >= preallocChunk {
		t.Fatalf("block is %d bytes after a clean stop, want it trimmed", fi.Size())
	}
	r, err = NewFileStore(crashed, StreamConfig{}, FileConfig{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Stop()
	if st := r.State(); st.Msgs != 11 {
		t.Fatalf("after reopening: %+v", st)
	}
}
