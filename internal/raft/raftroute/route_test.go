package raftroute_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/natsnet/natsnet/internal/raft"
	"github.com/natsnet/natsnet/internal/raft/raftlog"
	"github.com/natsnet/natsnet/internal/raft/raftroute"
	"github.com/natsnet/natsnet/internal/raft/raftsim"
	"github.com/natsnet/natsnet/internal/route"
	"github.com/natsnet/natsnet/internal/testcluster"
)

// counter is a state machine that sums uvarints and keeps every entry.
type counter struct {
	mu   sync.Mutex
	ents [][]byte
}

func (s *counter) Apply(_ uint64, data []byte) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ents = append(s.ents, append([]byte(nil), data...))
	return len(s.ents), nil
}

func (s *counter) Snapshot() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b []byte
	for _, e := range s.ents {
		b = binary.AppendUvarint(b, uint64(len(e)))
		b = append(b, e...)
	}
	return b, nil
}

func (s *counter) Restore(b []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ents = nil
	for len(b) > 0 {
		n, k := binary.Uvarint(b)
		b = b[k:]
		s.ents = append(s.ents, append([]byte(nil), b[:n]...))
		b = b[n:]
	}
	return nil
}

func (s *counter) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.ents)
}

// routeCluster is 3 natsnet servers with a raft host each.
type routeCluster struct {
	t     testing.TB
	c     *testcluster.Cluster
	trs   []*raftroute.Transport
	hosts []*raft.Host
	ids   []string
	sms   []map[string]*counter
	cfgs  []raft.Config
}

func newRouteCluster(t testing.TB, n int, cfg func(*raft.Config)) *routeCluster {
	rc := &routeCluster{t: t, trs: make([]*raftroute.Transport, n), sms: make([]map[string]*counter, n)}
	rc.c = testcluster.New(t, n, testcluster.Config{Setup: func(i int, m *route.Manager) {
		rc.trs[i] = raftroute.New(m)
	}})
	for i := range n {
		id := rc.c.Server(i).ID()
		rc.ids = append(rc.ids, id)
		quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
		// The durable pebble store, in a temporary directory, unless
		// -raft.memstore.
		var store raft.LogStore = raftsim.NewMemStore()
		if !*memStore {
			rl, err := raftlog.Open(t.TempDir(), raftlog.Options{Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = rl.Close() })
			store = rl
		}
		c := raft.Config{ServerID: id, Store: store, Transport: rc.trs[i], Logger: quiet}
		if cfg != nil {
			cfg(&c)
		}
		h, err := raft.NewHost(c)
		if err != nil {
			t.Fatal(err)
		}
		h.Start()
		t.Cleanup(h.Stop)
		rc.hosts = append(rc.hosts, h)
		rc.cfgs = append(rc.cfgs, c)
		rc.sms[i] = make(map[string]*counter)
	}
	return rc
}

func (rc *routeCluster) create(group string, members ...int) {
	var servers []string
	for _, i := range members {
		servers = append(servers, rc.ids[i])
	}
	for _, i := range members {
		sm := &counter{}
		if _, err := rc.hosts[i].CreateGroup(group, servers, sm); err != nil {
			rc.t.Fatal(err)
		}
		rc.sms[i][group] = sm
	}
}

func (rc *routeCluster) index(server string) int {
	for i, id := range rc.ids {
		if id == server {
			return i
		}
	}
	return -1
}

// waitLeader waits until the live members agree on a leader, and returns
// its index.
func (rc *routeCluster) waitLeader(group string, members ...int) int {
	rc.t.Helper()
	var l int
	testcluster.WaitFor(rc.t, 10*time.Second, "a leader of "+group, func() bool {
		l = -1
		for _, i := range members {
			g := rc.hosts[i].Group(group)
			if g.IsLeader() {
				l = i
			}
		}
		if l < 0 {
			return false
		}
		for _, i := range members {
			if rc.hosts[i].Group(group).Leader() != rc.ids[l] {
				return false
			}
		}
		return true
	})
	return l
}

func (rc *routeCluster) propose(i int, group string, n int) {
	rc.t.Helper()
	ctx, cancel := context.WithTimeout(rc.t.Context(), 10*time.Second)
	defer cancel()
	g := rc.hosts[i].Group(group)
	var ps []*raft.Proposal
	for k := range n {
		ps = append(ps, g.ProposeAsync(fmt.Appendf(nil, "%s-%d", group, k)))
	}
	for _, p := range ps {
		select {
		case <-p.Done():
			if _, _, err := p.Result(); err != nil {
				rc.t.Fatalf("propose on %s: %v", group, err)
			}
		case <-ctx.Done():
			rc.t.Fatalf("propose on %s: %v", group, ctx.Err())
		}
	}
}

func (rc *routeCluster) waitApplied(group string, n int, members ...int) {
	rc.t.Helper()
	testcluster.WaitFor(rc.t, 10*time.Second, fmt.Sprintf("%d entries of %s applied", n, group), func() bool {
		for _, i := range members {
			if rc.sms[i][group].len() < n {
				return false
			}
		}
		return true
	})
}

func TestRouteElectProposeTransfer(t *testing.T) {
	rc := newRouteCluster(t, 3, nil)
	rc.create("g", 0, 1, 2)
	l := rc.waitLeader("g", 0, 1, 2)
	rc.propose(l, "g", 100)
	rc.waitApplied("g", 100, 0, 1, 2)

	// Linearizable read from a follower.
	f := (l + 1) % 3
	if err := rc.hosts[f].Group("g").ReadIndex(t.Context()); err != nil {
		t.Fatalf("read index on a follower: %v", err)
	}
	if got := rc.sms[f]["g"].len(); got < 100 {
		t.Fatalf("follower applied %d after read index, want 100", got)
	}

	// Transfer to a preferred peer.
	to := (l + 2) % 3
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := rc.hosts[l].Group("g").TransferLeadership(ctx, rc.ids[to]); err != nil {
		t.Fatalf("transfer: %v", err)
	}
	if nl := rc.waitLeader("g", 0, 1, 2); nl != to {
		t.Fatalf("leader is %d after transfer to %d", nl, to)
	}
	st, err := rc.hosts[to].Group("g").Status()
	if err != nil {
		t.Fatal(err)
	}
	if st.Role != "leader" || len(st.Peers) != 3 {
		t.Fatalf("status after transfer: %+v", st)
	}
	for _, p := range st.Peers {
		if p.Match == 0 || p.Server == "" {
			t.Errorf("peer status: %+v", p)
		}
	}
	rc.propose(to, "g", 10)
	rc.waitApplied("g", 110, 0, 1, 2)
	if err := rc.hosts[to].Group("g").StepDown(ctx); err != nil {
		t.Fatalf("step down: %v", err)
	}
	if nl := rc.waitLeader("g", 0, 1, 2); nl == to {
		t.Fatalf("still leading after step down")
	}
}

func TestRouteAddRemovePeer(t *testing.T) {
	rc := newRouteCluster(t, 3, nil)
	rc.create("g", 0, 1)
	l := rc.waitLeader("g", 0, 1)
	rc.propose(l, "g", 20)

	sm := &counter{}
	if _, err := rc.hosts[2].JoinGroup("g", sm); err != nil {
		t.Fatal(err)
	}
	rc.sms[2]["g"] = sm
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	g := rc.hosts[l].Group("g")
	if err := g.AddPeer(ctx, rc.ids[2]); err != nil {
		t.Fatalf("add peer: %v", err)
	}
	rc.propose(l, "g", 5)
	rc.waitApplied("g", 25, 0, 1, 2)

	// Remove the follower of the original pair, then add it back: it gets
	// a new replica id.
	other := 1 - l
	st, _ := g.Status()
	var oldID uint64
	for _, p := range st.Peers {
		if p.Server == rc.ids[other] {
			oldID = p.ReplicaID
		}
	}
	if err := g.RemovePeer(ctx, rc.ids[other]); err != nil {
		t.Fatalf("remove peer: %v", err)
	}
	if err := rc.hosts[other].RemoveGroup("g"); err != nil {
		t.Fatal(err)
	}
	rc.propose(l, "g", 5)
	sm2 := &counter{}
	if _, err := rc.hosts[other].JoinGroup("g", sm2); err != nil {
		t.Fatal(err)
	}
	rc.sms[other]["g"] = sm2
	if err := g.AddPeer(ctx, rc.ids[other]); err != nil {
		t.Fatalf("add peer again: %v", err)
	}
	rc.waitApplied("g", 30, 0, 1, 2)
	st, _ = g.Status()
	for _, p := range st.Peers {
		if p.Server == rc.ids[other] && p.ReplicaID == oldID {
			t.Fatalf("replica id %d reused for %s", oldID, rc.ids[other])
		}
	}
	if len(st.Peers) != 3 {
		t.Fatalf("peers after re-add: %+v", st.Peers)
	}
}

func TestRouteSnapshotCatchUp(t *testing.T) {
	rc := newRouteCluster(t, 3, func(c *raft.Config) {
		c.SnapshotEntries = 50
		c.SnapshotTail = 10
		c.SnapshotChunk = 16 << 10
	})
	rc.create("g", 0, 1, 2)
	l := rc.waitLeader("g", 0, 1, 2)
	lag := (l + 1) % 3
	other := (l + 2) % 3
	rc.c.Partition(l, lag)
	rc.c.Partition(other, lag)
	// 400 entries of 1 KiB: the snapshot is about 400 KiB, 25 chunks.
	big := make([]byte, 1024)
	g := rc.hosts[l].Group("g")
	var ps []*raft.Proposal
	for k := range 400 {
		ps = append(ps, g.ProposeAsync(append(fmt.Appendf(nil, "%d-", k), big...)))
	}
	for _, p := range ps {
		if _, _, err := p.Result(); err != nil {
			t.Fatal(err)
		}
	}
	rc.c.Heal(l, lag)
	rc.c.Heal(other, lag)
	rc.waitApplied("g", 400, lag)
	if st := rc.hosts[lag].Stats(); st.SnapshotsRestored == 0 || st.SnapshotsReceived == 0 {
		t.Fatalf("the lagging follower caught up without a snapshot: %+v", st)
	}
	if st := rc.hosts[l].Stats(); st.SnapshotsSent == 0 {
		t.Fatalf("the leader sent no snapshot: %+v", st)
	}
}

func TestRouteFailover(t *testing.T) {
	rc := newRouteCluster(t, 3, nil)
	groups := 20
	if *long {
		groups = 1000
	}
	for k := range groups {
		rc.create(fmt.Sprintf("g%d", k), 0, 1, 2)
	}
	// Make server 0 lead every group.
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	for k := range groups {
		name := fmt.Sprintf("g%d", k)
		l := rc.waitLeader(name, 0, 1, 2)
		if l != 0 {
			if err := rc.hosts[l].Group(name).TransferLeadership(ctx, rc.ids[0]); err != nil {
				t.Fatal(err)
			}
		}
		rc.propose(0, name, 1)
	}
	// Let the groups quiesce.
	testcluster.WaitFor(t, 30*time.Second, "quiescence", func() bool { return rc.hosts[0].Stats().Quiesced == int64(groups) })
	start := time.Now()
	rc.hosts[0].Stop()
	rc.c.Stop(0)
	testcluster.WaitFor(t, 10*time.Second, "new leaders", func() bool {
		for k := range groups {
			name := fmt.Sprintf("g%d", k)
			if !rc.hosts[1].Group(name).IsLeader() && !rc.hosts[2].Group(name).IsLeader() {
				return false
			}
		}
		return true
	})
	took := time.Since(start)
	t.Logf("failover of %d groups after the leader's server stopped: %v", groups, took)
	if took > time.Second {
		t.Fatalf("failover took %v, want < 1s", took)
	}
	for k := range groups {
		name := fmt.Sprintf("g%d", k)
		l := 1
		if rc.hosts[2].Group(name).IsLeader() {
			l = 2
		}
		rc.propose(l, name, 1)
	}
}

// restartHost stops host i and starts a new one on the same store and
// route, reopening every stored group.
func (rc *routeCluster) restartHost(i int, servers []string) {
	rc.t.Helper()
	rc.hosts[i].Stop()
	h, err := raft.NewHost(rc.cfgs[i])
	if err != nil {
		rc.t.Fatal(err)
	}
	rc.t.Cleanup(h.Stop)
	ids, err := h.StoredGroups()
	if err != nil {
		rc.t.Fatal(err)
	}
	for _, id := range ids {
		sm := &counter{}
		if _, err := h.CreateGroup(id, servers, sm); err != nil {
			rc.t.Fatal(err)
		}
		rc.sms[i][id] = sm
	}
	h.Start()
	rc.hosts[i] = h
}

func TestRouteHostRestart(t *testing.T) {
	rc := newRouteCluster(t, 3, func(c *raft.Config) {
		c.SnapshotEntries = 30
		c.SnapshotTail = 5
	})
	rc.create("g", 0, 1, 2)
	l := rc.waitLeader("g", 0, 1, 2)
	rc.propose(l, "g", 50)
	rc.waitApplied("g", 50, 0, 1, 2)

	f := (l + 1) % 3
	rc.hosts[f].Stop()
	rc.propose(l, "g", 50)
	rc.restartHost(f, rc.ids)
	rc.waitApplied("g", 100, 0, 1, 2)
	if got := rc.sms[f]["g"].len(); got != 100 {
		t.Fatalf("restarted follower has %d entries, want 100", got)
	}

	// Restart the leader's host while its route stays up.
	rc.restartHost(l, rc.ids)
	nl := rc.waitLeader("g", 0, 1, 2)
	rc.propose(nl, "g", 10)
	rc.waitApplied("g", 110, 0, 1, 2)
	for i := range 3 {
		if got := rc.sms[i]["g"].len(); got != 110 {
			t.Fatalf("server %d has %d entries, want 110", i, got)
		}
	}
}
