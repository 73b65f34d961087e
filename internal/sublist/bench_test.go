package sublist

import (
	"fmt"
	"strconv"
	"testing"
)

type benchSub struct{ id int }

// benchSublist builds a sublist shaped like a busy server: many literal
// subscriptions spread over a 3-level hierarchy, some wildcards and queues.
func benchSublist(cacheSize int) *Sublist[*benchSub] {
	s := NewWithCacheSize[*benchSub](cacheSize)
	id := 0
	add := func(subj, queue string) {
		id++
		if err := s.Insert(subj, queue, &benchSub{id}); err != nil {
			panic(err)
		}
	}
	for a := range 10 {
		for b := range 10 {
			for c := range 100 {
				add(fmt.Sprintf("svc.%d.%d.%d", a, b, c), "")
			}
			add(fmt.Sprintf("svc.%d.%d.*", a, b), "")
			add(fmt.Sprintf("svc.%d.*.>", a), "workers")
		}
		add(fmt.Sprintf("svc.%d.>", a), "")
	}
	add("svc.>", "")
	add(">", "audit")
	return s
}

var sinkResult *Result[*benchSub]

func BenchmarkMatchCached(b *testing.B) {
	s := benchSublist(DefaultCacheSize)
	subj := "svc.3.4.55"
	s.Match(subj)
	b.ReportAllocs()
	for b.Loop() {
		sinkResult = s.Match(subj)
	}
}

func BenchmarkMatchBytesCached(b *testing.B) {
	s := benchSublist(DefaultCacheSize)
	subj := []byte("svc.3.4.55")
	s.MatchBytes(subj)
	b.ReportAllocs()
	for b.Loop() {
		sinkResult = s.MatchBytes(subj)
	}
}

func BenchmarkMatchCachedParallel(b *testing.B) {
	s := benchSublist(DefaultCacheSize)
	subjs := make([]string, 256)
	for i := range subjs {
		subjs[i] = fmt.Sprintf("svc.%d.%d.%d", i%10, (i/10)%10, i%100)
		s.Match(subjs[i])
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			_ = s.Match(subjs[i&255])
			i++
		}
	})
}

// BenchmarkMatchUncached measures the trie walk and result construction
// with the cache disabled.
func BenchmarkMatchUncached(b *testing.B) {
	s := benchSublist(0)
	subjs := make([]string, 1000)
	for i := range subjs {
		subjs[i] = fmt.Sprintf("svc.%d.%d.%d", i%10, (i/10)%10, i%100)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		sinkResult = s.Match(subjs[i%len(subjs)])
		i++
	}
}

// BenchmarkMatchMiss measures a cache miss of a subject seen once (a reply
// inbox): the doorkeeper keeps it out of the cache.
func BenchmarkMatchMiss(b *testing.B) {
	s := benchSublist(DefaultCacheSize)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		sinkResult = s.Match("_INBOX.x." + strconv.Itoa(i))
		i++
	}
}

func BenchmarkHasInterest(b *testing.B) {
	s := benchSublist(0)
	b.ReportAllocs()
	for b.Loop() {
		if !s.HasInterest("svc.3.4.55") {
			b.Fatal("no interest")
		}
	}
}

// BenchmarkInsertRemove inserts and removes a literal subscription in a
// populated sublist with a warm cache.
func BenchmarkInsertRemove(b *testing.B) {
	s := benchSublist(DefaultCacheSize)
	for i := range 1000 {
		s.Match(fmt.Sprintf("svc.%d.%d.%d", i%10, (i/10)%10, i%100))
	}
	v := &benchSub{-1}
	b.ReportAllocs()
	for b.Loop() {
		_ = s.Insert("svc.1.2.3", "", v)
		_ = s.Remove("svc.1.2.3", "", v)
	}
}

// BenchmarkInsertRemoveWildcard is the worst case for cache maintenance:
// a wildcard filter forces a scan of the whole (full) cache.
func BenchmarkInsertRemoveWildcard(b *testing.B) {
	s := benchSublist(DefaultCacheSize)
	for i := range 1000 {
		s.Match(fmt.Sprintf("svc.%d.%d.%d", i%10, (i/10)%10, i%100))
	}
	v := &benchSub{-1}
	b.ReportAllocs()
	for b.Loop() {
		_ = s.Insert("svc.1.*.>", "", v)
		_ = s.Remove("svc.1.*.>", "", v)
	}
}

// BenchmarkFanout measures uncached matching of one subject with n
// subscribers (half plain, half in 4 queue groups).
func BenchmarkFanout(b *testing.B) {
	for _, n := range []int{1, 10, 100, 1000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			s := NewWithCacheSize[*benchSub](0)
			for i := range n {
				q := ""
				if i%2 == 1 {
					q = "q" + strconv.Itoa(i%4)
				}
				filter := [...]string{"orders.eu.new", "orders.*.new", "orders.>", "orders.eu.*"}[i%4]
				_ = s.Insert(filter, q, &benchSub{i})
			}
			b.ReportAllocs()
			for b.Loop() {
				sinkResult = s.Match("orders.eu.new")
			}
		})
	}
}
