package raftlog

import (
	"crypto/rand"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.etcd.io/raft/v3/raftpb"

	"github.com/natsnet/natsnet/internal/raft"
)

// BenchmarkSave measures Save of one 128-byte entry per call, synced, from
// 1, 16 and 64 goroutines, each appending to its own group. entries/s is
// the throughput, syncs/op the fsyncs per Save (1/syncs-per-op Saves share
// one sync).
func BenchmarkSave(b *testing.B) {
	for _, writers := range []int{1, 16, 64} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) { benchSave(b, writers, false) })
	}
}

// BenchmarkSaveNoSync is BenchmarkSave without syncs: the cost of the
// store itself.
func BenchmarkSaveNoSync(b *testing.B) {
	for _, writers := range []int{1, 16, 64} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) { benchSave(b, writers, true) })
	}
}

func benchSave(b *testing.B, writers int, noSync bool) {
	s := mustOpen(b, b.TempDir(), Options{NoSync: noSync})
	defer s.Close()
	data := make([]byte, 128)
	rand.Read(data)
	var next atomic.Int64
	var wg sync.WaitGroup
	before := s.Stats()
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u := []raft.Update{{Group: fmt.Sprintf("bench-%d", w), Entries: make([]raftpb.Entry, 1)}}
			e := &u[0].Entries[0]
			var index uint64
			term := uint64(1)
			e.Term, e.Data = &term, data
			for next.Add(1) <= int64(b.N) {
				index++
				e.Index = &index
				if err := s.Save(u); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	st := s.Stats()
	saves := float64(st.Saves - before.Saves)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "entries/s")
	b.ReportMetric(float64(st.Syncs-before.Syncs)/saves, "syncs/op")
}

// BenchmarkDiskBytesPerEntry writes 100k entries of 128 random bytes to
// one group (100 per Save), flushes pebble's memtable, and reports the
// bytes on disk per entry: in sstables, and for the whole directory (with
// the write-ahead log and manifest). Run with -benchtime=1x.
func BenchmarkDiskBytesPerEntry(b *testing.B) {
	const total, perSave = 100_000, 100
	for range b.N {
		dir := b.TempDir()
		s := mustOpen(b, dir, Options{})
		u := []raft.Update{{Group: "disk", Entries: make([]raftpb.Entry, perSave)}}
		term := uint64(1)
		for i := uint64(1); i <= total; i += perSave {
			for k := range u[0].Entries {
				e := &u[0].Entries[k]
				data := make([]byte, 128)
				rand.Read(data)
				e.Index, e.Term, e.Data = new(i+uint64(k)), &term, data
			}
			if err := s.Save(u); err != nil {
				b.Fatal(err)
			}
		}
		if err := s.db.Flush(); err != nil {
			b.Fatal(err)
		}
		sst, all := dirBytes(b, dir)
		b.ReportMetric(float64(sst)/total, "sst-bytes/entry")
		b.ReportMetric(float64(all)/total, "dir-bytes/entry")
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// dirBytes returns the bytes of the sstables and of all files in dir.
func dirBytes(tb testing.TB, dir string) (sst, all int64) {
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		all += info.Size()
		if strings.HasSuffix(path, ".sst") {
			sst += info.Size()
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return sst, all
}
