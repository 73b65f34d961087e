package raftroute_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// BenchmarkRouteProposeR3 measures one R3 group over real routes between 3
// in-process servers, each with a pebble raftlog store that syncs:
// latency of sequential proposals, and throughput with 64 proposers.
func BenchmarkRouteProposeR3(b *testing.B) {
	payload := make([]byte, 100)
	for _, par := range []int{1, 64} {
		b.Run(fmt.Sprintf("inflight=%d", par), func(b *testing.B) {
			rc := newRouteCluster(b, 3, nil)
			rc.create("bench", 0, 1, 2)
			l := rc.waitLeader("bench", 0, 1, 2)
			g := rc.hosts[l].Group("bench")
			ctx := context.Background()
			var mu sync.Mutex
			var lat []time.Duration
			b.ResetTimer()
			start := time.Now()
			var wg sync.WaitGroup
			for w := range par {
				n := b.N / par
				if w == 0 {
					n += b.N % par
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					mine := make([]time.Duration, 0, n)
					for range n {
						t0 := time.Now()
						if _, err := g.Propose(ctx, payload); err != nil {
							b.Error(err)
							return
						}
						mine = append(mine, time.Since(t0))
					}
					mu.Lock()
					lat = append(lat, mine...)
					mu.Unlock()
				}()
			}
			wg.Wait()
			b.StopTimer()
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "proposals/s")
			if len(lat) > 0 {
				slices.Sort(lat)
				b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
				b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
			}
			st := rc.hosts[l].Stats()
			if st.Saves > 0 {
				b.ReportMetric(float64(st.SavedUpdates)/float64(st.Saves), "updates/save")
			}
		})
	}
}
