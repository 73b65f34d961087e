package store

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

var genCorpus = flag.Bool("store.gencorpus", false, "rewrite the FuzzRecover seed corpus in testdata")

// recoverSeedBlocks builds a store on a memFS with every kind of record
// and returns the contents of its first two block files.
func recoverSeedBlocks(comp Compression, blockSize int64) (first, second []byte) {
	mfs := newMemFS()
	now := int64(1000)
	s, err := openFileStore("/s", StreamConfig{MaxMsgsPerSubject: 3, AllowMsgTTL: true}, FileConfig{BlockSize: blockSize, Compression: comp}, func() int64 { now++; return now }, mfs)
	if err != nil {
		panic(err)
	}
	s.mu.Lock()
	s.mu.noCompact = true // background rewrites would make the output vary
	s.mu.Unlock()
	for i := range 40 {
		s.StoreMsg(fmt.Sprint("f.", i%5), []byte("NATS/1.0\r\n\r\n"), bytes.Repeat([]byte{'p'}, i*3), time.Duration(i%3))
	}
	s.RemoveMsg(30)
	s.EraseMsg(31)
	s.SkipMsgs(0, 2)
	s.PurgeEx("f.1", 0, 1)
	s.Compact(3)
	s.Truncate(40)
	s.StoreMsg("f.x", nil, []byte("after truncate"), 0)
	s.Stop()
	var blocks [][]byte
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range mfs.files {
			if filepath.Ext(n) == ".blk" && !yield(n) {
				return
			}
		}
	})
	for _, n := range names {
		blocks = append(blocks, mfs.files[n].data)
	}
	for len(blocks) < 2 {
		blocks = append(blocks, nil)
	}
	return blocks[0], blocks[1]
}

// FuzzRecover opens a store made of two damaged block files. Recovery must
// not fail or panic, must leave consistent indexes whose messages all load,
// must accept new messages, and a second recovery must find the same
// state.
func FuzzRecover(f *testing.F) {
	for _, comp := range []Compression{NoCompression, S2Compression} {
		b1, b2 := recoverSeedBlocks(comp, 1024)
		f.Add(b1, b2)
		f.Add(b1[:len(b1)/2], b2)
		f.Add(b2, b1)
		torn := slices.Clone(b2)
		torn[len(torn)-3] ^= 0xff
		f.Add(b1, torn)
	}
	f.Fuzz(func(t *testing.T, b1, b2 []byte) {
		mfs := newMemFS()
		mfs.MkdirAll("/s")
		for i, b := range [][]byte{b1, b2} {
			if b == nil {
				continue
			}
			fl, _ := mfs.OpenFile(filepath.Join("/s", blockName(uint64(i+1))), os.O_RDWR|os.O_CREATE, 0)
			fl.WriteAt(b, 0)
			fl.Close()
		}
		fcfg := FileConfig{BlockSize: 1024}
		clock := func() int64 { return 1 << 50 }
		s, err := openFileStore("/s", StreamConfig{}, fcfg, clock, mfs)
		if err != nil {
			t.Fatalf("recovery failed: %v", err)
		}
		s.checkInvariants(t)
		var sm StoreMsg
		for p := s.mu.index.lowerBound(0); !s.mu.index.end(p); p = s.mu.index.next(p) {
			if _, err := s.LoadMsg(s.mu.index.key(p), &sm); err != nil {
				t.Fatalf("LoadMsg(%d): %v", s.mu.index.key(p), err)
			}
		}
		st := s.State()
		if st.LastSeq < 1<<62 {
			if _, _, err := s.StoreMsg("fuzz", nil, []byte("new"), 0); err != nil {
				t.Fatalf("StoreMsg after recovery: %v", err)
			}
		}
		before := observe(t, s)
		if err := s.Stop(); err != nil {
			t.Fatal(err)
		}
		s, err = openFileStore("/s", StreamConfig{}, fcfg, clock, mfs)
		if err != nil {
			t.Fatalf("second recovery failed: %v", err)
		}
		defer s.Stop()
		after := observe(t, s)
		if before.state != after.state || !bytes.Equal(before.snap, after.snap) {
			t.Fatalf("second recovery differs:\n%+v\n%+v", before.state, after.state)
		}
	})
}

// TestRecoverCorpus checks that testdata/fuzz/FuzzRecover holds the seed
// corpus the generator below produces (it is deterministic), and rewrites
// it when run with -store.gencorpus.
func TestRecoverCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzRecover")
	files := map[string][]byte{}
	add := func(b1, b2 []byte) {
		name := fmt.Sprintf("seed-%02d", len(files))
		files[name] = fmt.Appendf(nil, "go test fuzz v1\n[]byte(%q)\n[]byte(%q)\n", b1, b2)
	}
	for _, comp := range []Compression{NoCompression, S2Compression} {
		b1, b2 := recoverSeedBlocks(comp, 768)
		add(b1, b2)
		add(nil, b2)
		flipped := slices.Clone(b1)
		flipped[len(flipped)/3] ^= 0x40
		add(flipped, b2)
		zeroed := slices.Clone(b1)
		clear(zeroed[min(100, len(zeroed)):min(300, len(zeroed))])
		add(zeroed, b2)
		add(b1, b2[:len(b2)-5])
		add(b1[:blockHeaderSize], nil)
	}
	for name, want := range files {
		path := filepath.Join(dir, name)
		if *genCorpus {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is missing or stale (%v): run with -store.gencorpus", path, err)
		}
	}
}
