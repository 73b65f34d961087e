package raft_test

import (
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/natsnet/natsnet/internal/raft"
	"github.com/natsnet/natsnet/internal/raft/raftsim"
)

const tick = 50 * time.Millisecond

// kv is a test state machine: it records every applied entry.
type kv struct {
	mu      sync.Mutex
	applied []applied
}

type applied struct {
	index uint64
	data  string
}

func (s *kv) Apply(index uint64, data []byte) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.applied = append(s.applied, applied{index, string(data)})
	return len(s.applied), nil
}

func (s *kv) Snapshot() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b []byte
	for _, a := range s.applied {
		b = binary.AppendUvarint(b, a.index)
		b = binary.AppendUvarint(b, uint64(len(a.data)))
		b = append(b, a.data...)
	}
	return b, nil
}

func (s *kv) Restore(b []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.applied = nil
	for len(b) > 0 {
		idx, n := binary.Uvarint(b)
		b = b[n:]
		l, n := binary.Uvarint(b)
		b = b[n:]
		s.applied = append(s.applied, applied{idx, string(b[:l])})
		b = b[l:]
	}
	return nil
}

func (s *kv) entries() []applied {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.applied)
}

// simNode is one server of a simulated cluster.
type simNode struct {
	id    string
	store *raftsim.MemStore
	host  *raft.Host // nil while crashed
	sms   map[string]*kv
}

// tb is what the harness needs of testing.TB and rapid.T.
type tb interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

// simCluster runs manual hosts over a simulated network.
type simCluster struct {
	t      tb
	clock  *raftsim.Clock
	net    *raftsim.Network
	nodes  []*simNode
	cfg    func(*raft.Config)
	groups map[string][]string // group -> servers
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newSimCluster(t tb, n int, seed uint64, cfg func(*raft.Config)) *simCluster {
	c := &simCluster{t: t, clock: raftsim.NewClock(), cfg: cfg, groups: make(map[string][]string)}
	c.net = raftsim.NewNetwork(c.clock, seed)
	for i := range n {
		nd := &simNode{id: fmt.Sprintf("s%d", i), store: raftsim.NewMemStore()}
		c.nodes = append(c.nodes, nd)
		c.startHost(nd)
	}
	return c
}

func (c *simCluster) startHost(nd *simNode) {
	cfg := raft.Config{ServerID: nd.id, Store: nd.store, Transport: c.net.Endpoint(nd.id), Logger: quietLogger(),
		Clock: c.clock, Manual: true, TickInterval: tick, SnapshotEntries: 1 << 30}
	if c.cfg != nil {
		c.cfg(&cfg)
	}
	h, err := raft.NewHost(cfg)
	if err != nil {
		c.t.Fatal(err)
	}
	nd.host = h
	nd.sms = make(map[string]*kv)
	h.Start()
}

func (c *simCluster) servers() []string {
	var out []string
	for _, nd := range c.nodes {
		out = append(out, nd.id)
	}
	return out
}

// createGroup creates group on every node.
func (c *simCluster) createGroup(group string) {
	c.groups[group] = c.servers()
	for _, nd := range c.nodes {
		sm := &kv{}
		if _, err := nd.host.CreateGroup(group, c.groups[group], sm); err != nil {
			c.t.Fatal(err)
		}
		nd.sms[group] = sm
	}
}

// crash drops node i's host without stopping it: everything it did not
// save is lost.
func (c *simCluster) crash(i int) {
	nd := c.nodes[i]
	if nd.host == nil {
		return
	}
	c.net.Down(nd.id)
	nd.host = nil
}

// restart starts node i again from its store and reopens its groups.
func (c *simCluster) restart(i int) {
	nd := c.nodes[i]
	if nd.host != nil {
		return
	}
	c.startHost(nd)
	ids, err := nd.host.StoredGroups()
	if err != nil {
		c.t.Fatal(err)
	}
	for _, g := range ids {
		sm := &kv{}
		if _, err := nd.host.CreateGroup(g, c.groups[g], sm); err != nil {
			c.t.Fatal(err)
		}
		nd.sms[g] = sm
	}
	c.net.Up(nd.id)
}

// settle processes every host and delivers due frames until nothing moves.
func (c *simCluster) settle() {
	for range 1000 {
		n := 0
		for _, nd := range c.nodes {
			if nd.host != nil {
				n += nd.host.Process()
			}
		}
		n += c.net.Deliver()
		if n == 0 {
			return
		}
	}
	c.t.Fatalf("the cluster did not settle")
}

// step advances the clock by one tick, ticks every host, and settles.
func (c *simCluster) step() {
	c.clock.Advance(tick)
	for _, nd := range c.nodes {
		if nd.host != nil {
			nd.host.Tick()
		}
	}
	c.settle()
}

func (c *simCluster) group(i int, g string) *raft.Group {
	if c.nodes[i].host == nil {
		return nil
	}
	return c.nodes[i].host.Group(g)
}

// leader returns the index of the node that leads g, or -1.
func (c *simCluster) leader(g string) int {
	for i := range c.nodes {
		if gr := c.group(i, g); gr != nil && gr.IsLeader() {
			return i
		}
	}
	return -1
}

// waitLeader steps until g has a leader.
func (c *simCluster) waitLeader(g string, steps int) int {
	c.t.Helper()
	for range steps {
		if l := c.leader(g); l >= 0 {
			return l
		}
		c.step()
	}
	c.t.Fatalf("no leader for %s after %d steps", g, steps)
	return -1
}
