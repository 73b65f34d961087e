package raft

import (
	"cmp"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	etcdraft "go.etcd.io/raft/v3"
)

// Host runs the Raft groups of one server on a fixed set of goroutines.
// Create it with NewHost, open groups, then Start it.
type Host struct {
	cfg     Config
	log     *slog.Logger
	raftLog etcdraft.Logger
	store   LogStore
	tr      Transport
	clock   Clock
	sched   *scheduler
	snaps   *snapXfer
	stats   hostStats
	ids     atomic.Uint64 // proposal and read ids
	failed  atomic.Bool   // set by fail

	mu      sync.RWMutex
	groups  map[string]*Group     // guarded by mu
	opening map[string]bool       // ids being opened; guarded by mu
	list    []*Group              // the groups, for the ticker; guarded by mu
	down    map[string]bool       // servers whose connection is down; guarded by mu
	peers   map[string]*peerState // servers that get beats; guarded by mu
	started bool                  // guarded by mu
	err     error                 // the fatal error that stopped the host; guarded by mu

	quit chan struct{}
	wg   sync.WaitGroup
	stop sync.Once
}

// NewHost creates a host and binds it to its transport.
func NewHost(cfg Config) (*Host, error) {
	if cfg.ServerID == "" || cfg.Store == nil || cfg.Transport == nil {
		return nil, fmt.Errorf("raft: NewHost needs ServerID, Store and Transport")
	}
	cfg.setDefaults()
	h := &Host{cfg: cfg, log: cfg.Logger.With("server", cfg.ServerID), store: cfg.Store, tr: cfg.Transport,
		clock: cfg.Clock, sched: newScheduler(), groups: make(map[string]*Group), opening: make(map[string]bool), down: make(map[string]bool),
		peers: make(map[string]*peerState), quit: make(chan struct{})}
	h.raftLog = &raftLogger{l: h.log}
	h.snaps = newSnapXfer(h)
	var seed [4]byte
	_, _ = rand.Read(seed[:])
	// Proposal ids: a random epoch in the high half, so that ids of an
	// earlier run of this server found in its log never match.
	h.ids.Store(uint64(binary.BigEndian.Uint32(seed[:])) << 32)
	h.tr.Bind(h)
	return h, nil
}

func (h *Host) nextID() uint64 { return h.ids.Add(1) }

// ID is the server id.
func (h *Host) ID() string { return h.cfg.ServerID }

// Start runs the ticker and the workers, unless the host is manual.
func (h *Host) Start() {
	h.mu.Lock()
	if h.started {
		h.mu.Unlock()
		return
	}
	h.started = true
	h.mu.Unlock()
	if h.cfg.Manual {
		return
	}
	for range h.cfg.Workers {
		w := newWorker(h)
		h.wg.Add(1)
		go func() { defer h.wg.Done(); w.run() }()
	}
	h.wg.Add(1)
	go func() { defer h.wg.Done(); h.tickLoop() }()
}

// Stop stops the goroutines and fails every pending proposal and read
// with ErrStopped. It does not close the store.
func (h *Host) Stop() {
	h.stop.Do(func() {
		close(h.quit)
		h.sched.stop()
		h.wg.Wait()
		h.mu.Lock()
		gs := slices.Clone(h.list)
		h.mu.Unlock()
		for _, g := range gs {
			g.close()
		}
	})
}

// Err returns the error that stopped the host, if any.
func (h *Host) Err() error {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.err
}

// fail stops the host after an error it cannot recover from: a failed
// Save.
func (h *Host) fail(err error) {
	h.failed.Store(true)
	h.mu.Lock()
	first := h.err == nil
	if first {
		h.err = err
	}
	h.mu.Unlock()
	if first {
		h.log.Error("raft: host stopping", "err", err)
		go h.Stop()
	}
}

func (h *Host) tickLoop() {
	t := time.NewTicker(h.cfg.TickInterval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			h.Tick()
		case <-h.quit:
			return
		}
	}
}

// Tick ticks every group that is not quiesced. The ticker calls it;
// manual hosts call it themselves.
func (h *Host) Tick() {
	h.stats.ticks.Add(1)
	h.mu.RLock()
	list := h.list
	h.mu.RUnlock()
	for _, g := range list {
		if !g.quiesced.Load() {
			g.tick()
		}
	}
	h.snaps.tick()
	h.beat()
}

// Process runs the groups with work until none is left, on the calling
// goroutine, and returns how many group passes it made. For manual hosts.
func (h *Host) Process() int {
	w := newWorker(h)
	n := 0
	for {
		w.batch = h.sched.take(w.batch[:0], h.cfg.BatchGroups, false)
		if len(w.batch) == 0 {
			return n
		}
		n += len(w.batch)
		w.process()
	}
}

// Pending reports how many groups wait for processing.
func (h *Host) Pending() int { return h.sched.pending() }

// CreateGroup opens group id with members servers (this server among
// them), or reopens it from the store if it has state there, in which
// case servers is ignored. Every member must create the group with the
// same servers in the same order: the order gives the replica ids.
func (h *Host) CreateGroup(id string, servers []string, sm StateMachine) (*Group, error) {
	return h.openGroup(id, servers, sm, false)
}

// JoinGroup opens group id on a server being added to it with AddPeer: the
// replica waits for the leader to contact it. It reopens the group if it
// has state in the store.
func (h *Host) JoinGroup(id string, sm StateMachine) (*Group, error) {
	return h.openGroup(id, nil, sm, true)
}

func (h *Host) openGroup(id string, servers []string, sm StateMachine, join bool) (*Group, error) {
	// The store may sync to open a group: reserve the id and open it
	// without holding h.mu, which delivery and the ticker need.
	h.mu.Lock()
	if h.groups[id] != nil || h.opening[id] {
		h.mu.Unlock()
		return nil, fmt.Errorf("raft: group %s: %w", id, ErrGroupExists)
	}
	h.opening[id] = true
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		delete(h.opening, id)
		h.mu.Unlock()
	}()
	gl, err := h.store.Open(id)
	if err != nil {
		return nil, fmt.Errorf("raft: group %s: open log: %w", id, err)
	}
	g := newGroup(h, id, sm, gl)
	switch {
	case gl.Meta() != nil:
		err = g.open()
	case !join:
		err = g.bootstrap(servers)
	}
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	h.groups[id] = g
	// Appending never disturbs the prefix a concurrent Tick iterates;
	// RemoveGroup copies instead.
	h.list = append(h.list, g)
	h.mu.Unlock()
	g.publish()
	h.sched.enqueue(g)
	return g, nil
}

// Group returns the open group id, or nil.
func (h *Host) Group(id string) *Group {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.groups[id]
}

// Groups lists the open groups' ids, sorted.
func (h *Host) Groups() []string {
	h.mu.RLock()
	defer h.mu.RUnlock()
	out := make([]string, 0, len(h.groups))
	for id := range h.groups {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// StoredGroups lists the groups with state in the store, to reopen after a
// restart.
func (h *Host) StoredGroups() ([]string, error) { return h.store.Groups() }

// RemoveGroup closes group id and deletes its state from the store.
func (h *Host) RemoveGroup(id string) error {
	h.mu.Lock()
	g := h.groups[id]
	if g == nil {
		h.mu.Unlock()
		return fmt.Errorf("raft: group %s: %w", id, ErrNoGroup)
	}
	delete(h.groups, id)
	h.list = slices.DeleteFunc(slices.Clone(h.list), func(x *Group) bool { return x == g })
	h.mu.Unlock()
	g.close()
	if err := h.store.Delete(id); err != nil {
		return fmt.Errorf("raft: group %s: delete: %w", id, err)
	}
	return nil
}

// close stops the group: its inbox refuses work and pending operations
// fail with ErrStopped.
func (g *Group) close() {
	g.in.Lock()
	g.in.stopped = true
	props, reads := g.in.props, g.in.reads
	g.in.props, g.in.reads, g.in.msgs, g.in.ops = nil, nil, nil, nil
	g.in.Unlock()
	g.rnMu.Lock()
	defer g.rnMu.Unlock()
	g.stopped = true
	err := fmt.Errorf("raft: group %s: %w", g.id, ErrStopped)
	g.failAll(props, reads, err)
	for _, p := range g.props {
		p.finish(nil, err)
	}
	for _, p := range g.byIndex {
		p.finish(nil, err)
	}
	for _, r := range g.readsByID {
		r.finish(err)
	}
	for _, r := range g.readsByIdx {
		r.finish(err)
	}
	if g.quiesced.CompareAndSwap(true, false) {
		g.h.stats.quiesced.Add(-1)
	}
	g.publish()
}

func (h *Host) lookup(id string) *Group {
	h.mu.RLock()
	g := h.groups[id]
	h.mu.RUnlock()
	return g
}

// peerUp reports whether the connection to server is up (this server is
// always up). Servers never reported down count as up.
func (h *Host) peerUp(server string) bool {
	if server == h.cfg.ServerID {
		return true
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	return !h.down[server]
}

// Deliver implements Receiver.
func (h *Host) Deliver(from string, frame []byte) {
	h.heard(from)
	h.stats.framesReceived.Add(1)
	h.stats.bytesReceived.Add(uint64(len(frame)))
	err := decodeFrame(frame, func(r *record) {
		switch r.kind {
		case recSnapChunk:
			h.snaps.chunk(from, r)
		case recSnapAck:
			h.snaps.ack(from, r)
		case recBeat:
		default:
			g := h.lookup(r.group)
			if g == nil {
				h.stats.msgsDropped.Add(1)
				return
			}
			g.deliver(from, r.msg, r.kind == recQuiesce)
		}
	})
	if err != nil {
		h.stats.badFrames.Add(1)
		h.log.Warn("raft: bad frame", "from", from, "err", err)
	}
}

// PeerUp implements Receiver: groups with a replica there wake, so that
// their leaders bring it up to date.
func (h *Host) PeerUp(server string) {
	h.mu.Lock()
	delete(h.down, server)
	if p := h.peers[server]; p != nil {
		p.heard.Store(h.clock.Now().UnixNano())
		p.silent = false
	} else {
		h.peers[server] = newPeerState(h.clock.Now())
	}
	list := h.list
	h.mu.Unlock()
	for _, g := range list {
		g.queue(func() {
			if g.rn != nil && g.peers.idOf(server) != 0 {
				g.wake()
			}
		})
	}
}

// PeerDown implements Receiver: transfers to server fail, and the
// followers of groups led from there forget their leader; one of them per
// group (the first voter by server id among those still reachable)
// campaigns at once instead of waiting for an election timeout.
func (h *Host) PeerDown(server string) {
	h.mu.Lock()
	h.down[server] = true
	list := h.list
	h.mu.Unlock()
	h.snaps.peerDown(server)
	for _, g := range list {
		g.queue(func() { g.peerDown(server) })
	}
}

// fastRecampaignTicks is how many ticks after a fast election its
// campaigner tries again when no leader has emerged.
const fastRecampaignTicks = 2

// peerDown reacts to the loss of the route to server. worker only.
func (g *Group) peerDown(server string) {
	if g.rn == nil {
		return
	}
	id := g.peers.idOf(server)
	if id == 0 {
		return
	}
	g.wake()
	if g.role == etcdraft.StateLeader {
		g.rn.ReportUnreachable(id)
		return
	}
	if g.lead != id {
		return
	}
	_ = g.rn.ForgetLeader()
	// The first reachable voter by server id campaigns; the others only
	// forget the leader, so that they grant it their (pre-)votes.
	type cand struct {
		server string
		id     uint64
	}
	var cands []cand
	for _, v := range g.confState.GetVoters() {
		if s := g.serverOf(v); s != "" && g.h.peerUp(s) {
			cands = append(cands, cand{s, v})
		}
	}
	slices.SortFunc(cands, func(a, b cand) int { return cmp.Compare(a.server, b.server) })
	if len(cands) > 0 && cands[0].id == g.self {
		g.h.stats.fastElections.Add(1)
		_ = g.rn.Campaign()
		// Another follower may get its own PeerDown only after our
		// pre-vote: still in the old leader's lease, it ignores it, and
		// the election would wait for a timeout. Try again shortly.
		g.recampaign = fastRecampaignTicks
	}
}
