package store

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// fillStore stores n messages with a 128-byte payload round-robin over
// nsubj subjects "bench.<i>" and removes every 10th message.
func fillStore(tb testing.TB, n, nsubj int) *MemStore {
	s, err := NewMemStore(StreamConfig{}, nil)
	if err != nil {
		tb.Fatal(err)
	}
	subjs := make([]string, nsubj)
	for i := range subjs {
		subjs[i] = fmt.Sprint("bench.", i)
	}
	data := make([]byte, 128)
	for i := range n {
		if _, _, err := s.StoreMsg(subjs[i%nsubj], nil, data, 0); err != nil {
			tb.Fatal(err)
		}
	}
	for seq := uint64(5); seq <= uint64(n); seq += 10 {
		s.RemoveMsg(seq)
	}
	return s
}

// TestConcurrentUse runs writers, readers and expiry at once; run it with
// -race.
func TestConcurrentUse(t *testing.T) {
	s, err := NewMemStore(StreamConfig{MaxMsgs: 500, MaxAge: time.Millisecond, AllowMsgTTL: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var usage sync.Mutex
	var msgs int64
	s.RegisterStorageUpdates(func(m, _ int64, _ uint64, _ string) {
		usage.Lock()
		msgs += m
		usage.Unlock()
	})
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Go(func() {
			for i := range 2000 {
				s.StoreMsg(fmt.Sprint("w.", w, ".", i%7), nil, []byte("payload"), time.Duration(i%3))
				if i%50 == 0 {
					s.RemoveMsg(uint64(i))
				}
			}
		})
	}
	for range 3 {
		wg.Go(func() {
			var sm StoreMsg
			for i := range 2000 {
				s.LoadNextMsg("w.*.3", uint64(i), &sm)
				s.LoadMsg(uint64(i), &sm)
				s.NumPending(uint64(i), "w.1.>", i%2 == 0)
				s.SubjectsState(">")
				s.ExpireMsgs(time.Now().UnixNano())
			}
		})
	}
	wg.Go(func() {
		for range 50 {
			if snap, err := s.EncodeSnapshot(); err == nil {
				s.RestoreSnapshot(snap)
			}
			s.PurgeEx("w.2.>", 0, 10)
		}
	})
	wg.Wait()
	s.checkInvariants(t)
	usage.Lock()
	defer usage.Unlock()
	if st := s.State(); int64(st.Msgs) != msgs {
		t.Fatalf("usage callbacks sum to %d, store holds %d", msgs, st.Msgs)
	}
}

func BenchmarkStoreMsg(b *testing.B) {
	for _, cfg := range []struct {
		name string
		cfg  StreamConfig
	}{
		{"nolimits", StreamConfig{}},
		{"maxmsgs", StreamConfig{MaxMsgs: 100_000}},
		{"maxage+perSubject", StreamConfig{MaxAge: time.Hour, MaxMsgsPerSubject: 100}},
		{"maxmsgs+fakeclock", StreamConfig{MaxMsgs: 100_000}},
	} {
		b.Run(cfg.name, func(b *testing.B) {
			var clock func() int64 // the wall clock
			if strings.HasSuffix(cfg.name, "fakeclock") {
				now := int64(0)
				clock = func() int64 { now++; return now }
			}
			s, _ := NewMemStore(cfg.cfg, clock)
			data := make([]byte, 128)
			subjs := make([]string, 1000)
			for i := range subjs {
				subjs[i] = fmt.Sprint("orders.eu.", i)
			}
			b.SetBytes(128)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, _, err := s.StoreMsg(subjs[i%len(subjs)], nil, data, 0); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// benchSizes are store sizes for the read benchmarks: one that fits in
// the CPU caches and one (about 250 MB) that does not.
var benchSizes = []int{10_000, 1_000_000}

func BenchmarkLoadMsg(b *testing.B) {
	for _, n := range benchSizes {
		s := fillStore(b, n, 100)
		for _, order := range []string{"sequential", "scattered"} {
			b.Run(fmt.Sprintf("msgs=%d/%s", n, order), func(b *testing.B) {
				var sm StoreMsg
				b.ReportAllocs()
				seq := uint64(1)
				for b.Loop() {
					s.LoadMsg(seq, &sm)
					if order == "sequential" {
						seq = seq%uint64(n) + 1
					} else {
						seq = seq*7919%uint64(n) + 1
					}
				}
			})
		}
	}
}

func BenchmarkLoadNextMsgFilter(b *testing.B) {
	for _, n := range benchSizes {
		s := fillStore(b, n, 100)
		for _, f := range []string{">", "bench.42", "bench.*", "*.42"} {
			b.Run(fmt.Sprintf("msgs=%d/%s", n, f), func(b *testing.B) {
				var sm StoreMsg
				b.ReportAllocs()
				next := uint64(0)
				for b.Loop() {
					// Iterate like a consumer: each load starts after the last.
					m, err := s.LoadNextMsg(f, next, &sm)
					if err != nil {
						next = 0
						continue
					}
					next = m.Seq + 1
				}
			})
		}
	}
}

func BenchmarkNumPending(b *testing.B) {
	const n = 1_000_000
	s := fillStore(b, n, 100)
	for _, tc := range []struct {
		filter string
		lps    bool
	}{{">", false}, {">", true}, {"bench.42", false}, {"bench.*", false}, {"bench.*", true}} {
		b.Run(fmt.Sprintf("msgs=%d/%s/lastPerSubject=%v", n, tc.filter, tc.lps), func(b *testing.B) {
			b.ReportAllocs()
			start := uint64(1)
			for b.Loop() {
				s.NumPending(start, tc.filter, tc.lps)
				start = start*7919%n + 1
			}
		})
	}
}

func BenchmarkExpireMsgs(b *testing.B) {
	s, _ := NewMemStore(StreamConfig{MaxAge: 1000}, func() int64 { return 0 })
	data := make([]byte, 128)
	b.ReportAllocs()
	now := int64(0)
	for b.Loop() {
		s.StoreMsgAt("a", nil, data, 0, now, 0, false)
		now++
		s.ExpireMsgs(now)
	}
}
