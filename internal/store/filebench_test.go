package store

import (
	"flag"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var (
	bigStore     = flag.Bool("store.big", false, "make TestFileStoreBigOpen write a 1 GB store (-store.bigmb)")
	bigStoreMB   = flag.Int("store.bigmb", 1024, "size of the -store.big store in MB")
	bigStorePayl = flag.Int("store.bigpayload", 128, "payload size of the TestFileStoreBigOpen messages")
)

// benchStoreMsg has writers goroutines store b.N 128-byte messages into
// streams stores sharing one syncer, and reports the message rate and how
// many messages each group commit round carried.
func benchStoreMsg(b *testing.B, fcfg FileConfig, streams, writers int) {
	syncer := NewSyncer()
	defer syncer.Close()
	fcfg.Syncer = syncer
	stores := make([]*FileStore, streams)
	for i := range stores {
		s, err := NewFileStore(b.TempDir(), StreamConfig{}, fcfg, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer s.Stop()
		stores[i] = s
	}
	data := make([]byte, 128)
	b.SetBytes(128)
	b.ReportAllocs()
	r0, f0 := syncer.Stats()
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	for w := range writers * streams {
		s := stores[w%streams]
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				if _, _, err := s.StoreMsg("bench.subj", nil, data, 0); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	r1, f1 := syncer.Stats()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	if r1 > r0 {
		b.ReportMetric(float64(b.N)/float64(r1-r0), "msgs/round")
		b.ReportMetric(float64(f1-f0)/float64(r1-r0), "fsyncs/round")
	}
}

// BenchmarkFileStoreMsg measures StoreMsg with 1, 8 and 64 concurrent
// writers on one stream, durable (group commit) and async (fsync every
// second).
func BenchmarkFileStoreMsg(b *testing.B) {
	for _, mode := range []string{"durable", "async"} {
		for _, writers := range []int{1, 8, 64} {
			b.Run(fmt.Sprintf("%s/writers=%d", mode, writers), func(b *testing.B) {
				var fcfg FileConfig
				if mode == "async" {
					fcfg.SyncInterval = time.Second
				}
				benchStoreMsg(b, fcfg, 1, writers)
			})
		}
	}
}

// BenchmarkFileStoreMsgStreams measures durable StoreMsg from 4 writers
// on each of 16 streams sharing the syncer: one fsync round covers the
// appends of many streams.
func BenchmarkFileStoreMsgStreams(b *testing.B) {
	benchStoreMsg(b, FileConfig{}, 16, 4)
}

// BenchmarkFileStoreMsgCompressed is the async single writer with s2.
func BenchmarkFileStoreMsgCompressed(b *testing.B) {
	benchStoreMsg(b, FileConfig{SyncInterval: time.Second, Compression: S2Compression}, 1, 1)
}

func fillFileStore(tb testing.TB, n int, fcfg FileConfig) *FileStore {
	fcfg.SyncInterval = time.Minute
	s, err := NewFileStore(tb.TempDir(), StreamConfig{}, fcfg, nil)
	if err != nil {
		tb.Fatal(err)
	}
	data := make([]byte, 128)
	for i := range n {
		if _, _, err := s.StoreMsg(fmt.Sprint("bench.", i%100), nil, data, 0); err != nil {
			tb.Fatal(err)
		}
	}
	return s
}

func BenchmarkFileLoadMsg(b *testing.B) {
	const n = 200_000
	for _, comp := range []Compression{NoCompression, S2Compression} {
		s := fillFileStore(b, n, FileConfig{Compression: comp})
		for _, order := range []string{"sequential", "scattered"} {
			b.Run(fmt.Sprintf("compression=%d/%s", comp, order), func(b *testing.B) {
				var sm StoreMsg
				b.ReportAllocs()
				seq := uint64(1)
				for b.Loop() {
					if _, err := s.LoadMsg(seq, &sm); err != nil {
						b.Fatal(err)
					}
					if order == "sequential" {
						seq = seq%n + 1
					} else {
						seq = seq*7919%n + 1
					}
				}
			})
		}
		s.Stop()
	}
}

// TestFileStoreBigOpen writes a store and measures how long recovering it
// on open takes: 4 MB by default, 1 GB (-store.bigmb) with -store.big.
func TestFileStoreBigOpen(t *testing.T) {
	mb := 4
	if *bigStore {
		mb = *bigStoreMB
	}
	dir := t.TempDir()
	s, err := NewFileStore(dir, StreamConfig{}, FileConfig{SyncInterval: time.Minute}, nil)
	if err != nil {
		t.Fatal(err)
	}
	data := make([]byte, *bigStorePayl)
	n := (mb << 20) / (len(data) + 40)
	start := time.Now()
	for i := range n {
		if _, _, err := s.StoreMsg(fmt.Sprint("big.", i%1000), nil, data, 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %d messages of %d bytes in %v", n, len(data), time.Since(start))
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	start = time.Now()
	s, err = NewFileStore(dir, StreamConfig{}, FileConfig{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&m1)
	st := s.State()
	var size int64
	for _, b := range s.mu.blocks {
		size += b.size
	}
	t.Logf("opened %d messages, %d MB in %d blocks in %v (%.0f MB/s); index heap %d MB",
		st.Msgs, size>>20, len(s.mu.blocks), took, float64(size>>20)/took.Seconds(), (m1.HeapAlloc-m0.HeapAlloc)>>20)
	if st.Msgs != uint64(n) || s.Lost() != nil {
		t.Fatalf("recovered %+v, lost %+v", st, s.Lost())
	}
	s.Stop()
}
