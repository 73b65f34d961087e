package raft_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/natsnet/natsnet/internal/raft"
	"github.com/natsnet/natsnet/internal/raft/raftsim"
)

// liveCluster runs n hosts with their own goroutines over an in-memory
// network.
func liveCluster(tb testing.TB, n int, cfg func(*raft.Config)) ([]*raft.Host, []string) {
	net := raftsim.NewLiveNetwork()
	tb.Cleanup(net.Close)
	var hosts []*raft.Host
	var ids []string
	for i := range n {
		ids = append(ids, fmt.Sprintf("s%d", i))
	}
	for _, id := range ids {
		c := raft.Config{ServerID: id, Store: raftsim.NewMemStore(), Transport: net.Endpoint(id), Logger: quietLogger()}
		if cfg != nil {
			cfg(&c)
		}
		h, err := raft.NewHost(c)
		if err != nil {
			tb.Fatal(err)
		}
		h.Start()
		tb.Cleanup(h.Stop)
		hosts = append(hosts, h)
	}
	return hosts, ids
}

// liveLeader waits for a leader of group and returns its host.
func liveLeader(tb testing.TB, hosts []*raft.Host, group string) *raft.Group {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, h := range hosts {
			if g := h.Group(group); g != nil && g.IsLeader() {
				return g
			}
		}
		time.Sleep(time.Millisecond)
	}
	tb.Fatalf("no leader for %s", group)
	return nil
}

// countSM counts applied entries; its snapshot is 8 bytes.
type countSM struct{ n atomic.Uint64 }

func (s *countSM) Apply(uint64, []byte) (any, error) { return s.n.Add(1), nil }
func (s *countSM) Snapshot() ([]byte, error)         { return binary.AppendUvarint(nil, s.n.Load()), nil }
func (s *countSM) Restore(b []byte) error {
	v, _ := binary.Uvarint(b)
	s.n.Store(v)
	return nil
}

func reportLatency(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

// BenchmarkProposeR3 measures one R3 group over the in-memory transport
// and store (no fsync): commit-and-apply latency of sequential proposals,
// and throughput with 64 proposers.
func BenchmarkProposeR3(b *testing.B) {
	payload := make([]byte, 100)
	for _, par := range []int{1, 64} {
		b.Run(fmt.Sprintf("inflight=%d", par), func(b *testing.B) {
			hosts, ids := liveCluster(b, 3, nil)
			for _, h := range hosts {
				if _, err := h.CreateGroup("bench", ids, &countSM{}); err != nil {
					b.Fatal(err)
				}
			}
			g := liveLeader(b, hosts, "bench")
			ctx := context.Background()
			b.ResetTimer()
			start := time.Now()
			lat, err := raftsim.ProposeLoad(ctx, g, b.N, par, payload)
			b.StopTimer()
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "proposals/s")
			reportLatency(b, lat)
		})
	}
}
