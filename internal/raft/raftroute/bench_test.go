package raftroute_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/natsnet/natsnet/internal/raft/raftsim"
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
			b.ResetTimer()
			start := time.Now()
			lat, err := raftsim.ProposeLoad(ctx, g, b.N, par, payload)
			b.StopTimer()
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "proposals/s")
			if len(lat) > 0 {
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
