package raftroute_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/natsnet/natsnet/internal/raft"
	"github.com/natsnet/natsnet/internal/raft/raftlog"
	"github.com/natsnet/natsnet/internal/raft/raftroute"
	"github.com/natsnet/natsnet/internal/route"
	"github.com/natsnet/natsnet/internal/testcluster"
)

// TestNamedTransportServerRestart stops a follower's whole server (so it
// comes back with a new server id) and starts a new server, transport and
// host on the same raft log: with servers named by server name, the
// replica rejoins its group and catches up.
func TestNamedTransportServerRestart(t *testing.T) {
	const n = 3
	trs := make([]*raftroute.Transport, n)
	c := testcluster.New(t, n, testcluster.Config{Setup: func(i int, m *route.Manager) {
		trs[i] = raftroute.NewNamed(m)
	}})
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	names := make([]string, n)
	stores := make([]*raftlog.Store, n)
	for i := range n {
		names[i] = c.Server(i).Name()
		s, err := raftlog.Open(t.TempDir(), raftlog.Options{Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		stores[i] = s
	}
	hosts := make([]*raft.Host, n)
	sms := make([]*counter, n)
	startHost := func(i int) {
		h, err := raft.NewHost(raft.Config{ServerID: names[i], Store: stores[i], Transport: trs[i], Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		sms[i] = &counter{}
		if _, err := h.CreateGroup("g", names, sms[i]); err != nil {
			t.Fatal(err)
		}
		h.Start()
		t.Cleanup(h.Stop)
		hosts[i] = h
	}
	for i := range n {
		startHost(i)
	}
	leader := func() int {
		l := -1
		testcluster.WaitFor(t, 10*time.Second, "a leader", func() bool {
			for i, h := range hosts {
				if h != nil && h.Group("g").IsLeader() {
					l = i
					return true
				}
			}
			return false
		})
		return l
	}
	propose := func(k int) {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		for {
			l := leader()
			_, err := hosts[l].Group("g").Propose(ctx, fmt.Appendf(nil, "e%d", k))
			if err == nil {
				return
			}
			if ctx.Err() != nil {
				t.Fatalf("propose %d: %v", k, err)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	for k := range 20 {
		propose(k)
	}
	f := (leader() + 1) % n
	oldID := c.Server(f).ID()
	hosts[f].Stop()
	hosts[f] = nil
	c.Stop(f)
	for k := 20; k < 40; k++ {
		propose(k)
	}
	c.Restart(f)
	if c.Server(f).ID() == oldID {
		t.Fatal("the restarted server kept its server id; the test needs a new one")
	}
	c.WaitForMesh()
	startHost(f)
	for k := 40; k < 50; k++ {
		propose(k)
	}
	testcluster.WaitFor(t, 10*time.Second, "the restarted replica caught up", func() bool { return sms[f].len() == 50 })
	// The other servers saw the old incarnation's route go down and the
	// new one's come up, in some order; they must deliver to the new one.
	l := leader()
	if err := hosts[l].Group("g").TransferLeadership(t.Context(), names[f]); err != nil {
		t.Fatalf("transfer to the restarted server: %v", err)
	}
	propose(50)
	testcluster.WaitFor(t, 10*time.Second, "51 entries everywhere", func() bool {
		for _, sm := range sms {
			if sm.len() != 51 {
				return false
			}
		}
		return true
	})
}
