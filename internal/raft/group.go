package raft

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	etcdraft "go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
)

// StateMachine is the replicated state of a group. The host calls it from
// its worker goroutines, never concurrently for one group.
type StateMachine interface {
	// Apply applies a committed entry. Entries come in log order, each
	// once per process lifetime (after a restart the host restores the
	// latest snapshot and applies the entries after it again). The result
	// and error are handed to the proposer, if it is waiting on this
	// server; an error here is a result, not a failure of the group.
	Apply(index uint64, data []byte) (any, error)
	// Snapshot returns the state as of the last applied entry.
	Snapshot() ([]byte, error)
	// Restore replaces the state with a snapshot's.
	Restore(data []byte) error
}

// Group is one Raft group hosted by a Host. Its methods are safe for
// concurrent use.
type Group struct {
	h  *Host
	id string
	sm StateMachine

	sched int // scheduling state, guarded by h.sched.mu

	// quiesced groups are not ticked; any message but a heartbeat
	// response wakes them.
	quiesced atomic.Bool

	// in is the inbox, filled by any goroutine and drained by the worker.
	in struct {
		sync.Mutex
		msgs    []inMsg
		props   []*Proposal
		reads   []*Read
		ops     []func()
		ticks   int
		stopped bool
	}

	// pub is the state published after each processing, read without
	// locks by Leader, Current and Healthy.
	pub atomic.Pointer[pubState]

	// rnMu is held by the worker processing the group, and by Status. The
	// fields below are guarded by it.
	rnMu      sync.Mutex
	rn        *etcdraft.RawNode // nil until a joining replica learns its id
	gl        GroupLog
	self      uint64
	peers     peerMap
	confState *raftpb.ConfState
	hs        raftpb.HardState // Term, Vote, Commit as last persisted
	lastIndex uint64           // last persisted index
	applied   uint64
	snapIndex uint64
	lead      uint64
	role      etcdraft.StateType
	contact   time.Time // last message from the leader
	metaDirty bool
	stopped   bool
	removed   bool // this replica was removed from the group
	// Proposals handed to raft, by proposal id, and by index once their
	// entry is in the log.
	props   map[uint64]*Proposal
	byIndex map[uint64]*Proposal
	confReq *Proposal // the pending membership change, if any
	// Reads handed to raft by id, and those with a read index waiting
	// for it to be applied.
	readsByID   map[uint64]*Read
	readsByIdx  []*Read
	quiesceReq  *raftpb.Message // a leader's request to quiesce, checked after processing
	transferTo  uint64
	sinceSnapAt time.Time
	// recampaign counts down the ticks until a fast election started on
	// PeerDown is tried again if it has not produced a leader (0: none
	// pending).
	recampaign int
}

// inMsg is an inbound message and the server it came from.
type inMsg struct {
	from    string
	m       *raftpb.Message
	quiesce bool
}

// pubState is what Leader, Current and Healthy read.
type pubState struct {
	leader    string
	leaderID  uint64
	role      etcdraft.StateType
	term      uint64
	commit    uint64
	applied   uint64
	contact   time.Time
	removed   bool
	hasLeader bool
}

func newGroup(h *Host, id string, sm StateMachine, gl GroupLog) *Group {
	g := &Group{h: h, id: id, sm: sm, gl: gl,
		props: make(map[uint64]*Proposal), byIndex: make(map[uint64]*Proposal),
		readsByID: make(map[uint64]*Read), hs: raftpb.HardState{}}
	g.pub.Store(&pubState{})
	return g
}

// raftConfig is the etcd raft configuration of replica id.
func (g *Group) raftConfig(id, applied uint64) *etcdraft.Config {
	c := &g.h.cfg
	return &etcdraft.Config{
		ID:                        id,
		ElectionTick:              c.ElectionTicks,
		HeartbeatTick:             c.HeartbeatTicks,
		Storage:                   g.gl,
		Applied:                   applied,
		MaxSizePerMsg:             c.MaxSizePerMsg,
		MaxCommittedSizePerReady:  4 * c.MaxSizePerMsg,
		MaxUncommittedEntriesSize: 64 << 20,
		MaxInflightMsgs:           c.MaxInflightMsgs,
		CheckQuorum:               true,
		PreVote:                   true,
		ReadOnlyOption:            etcdraft.ReadOnlySafe,
		DisableProposalForwarding: true,
		StepDownOnRemoval:         true,
		Logger:                    g.h.raftLog,
	}
}

// bootstrap starts a new group whose members are servers, with replica
// ids 1..n in the given order.
func (g *Group) bootstrap(servers []string) error {
	g.self = 0
	g.peers = make(peerMap)
	peers := make([]etcdraft.Peer, len(servers))
	for i, s := range servers {
		id := uint64(i + 1)
		g.peers[id] = peer{server: s}
		if s == g.h.cfg.ServerID {
			g.self = id
		}
		peers[i] = etcdraft.Peer{ID: id, Context: encodeConfContext(0, s)}
	}
	if g.self == 0 {
		return fmt.Errorf("raft: group %s: this server %s is not among its peers", g.id, g.h.cfg.ServerID)
	}
	rn, err := etcdraft.NewRawNode(g.raftConfig(g.self, 0))
	if err != nil {
		return fmt.Errorf("raft: group %s: %w", g.id, err)
	}
	if err := rn.Bootstrap(peers); err != nil {
		return fmt.Errorf("raft: group %s: bootstrap: %w", g.id, err)
	}
	g.rn = rn
	g.confState = &raftpb.ConfState{}
	g.metaDirty = true
	if g.self == 1 {
		// The first member campaigns at once: a new group elects without
		// waiting for an election timeout, and thousands of groups created
		// together do not all time out and split their votes.
		if err := rn.Campaign(); err != nil {
			return fmt.Errorf("raft: group %s: campaign: %w", g.id, err)
		}
	}
	return nil
}

// open restarts a group from its persisted state: the latest snapshot
// restores the state machine, and raft hands the committed entries after
// it to apply again.
func (g *Group) open() error {
	self, pm, err := decodeMeta(g.gl.Meta())
	if err != nil {
		return fmt.Errorf("raft: group %s: %w", g.id, err)
	}
	g.self, g.peers = self, pm
	snap, err := g.gl.Snapshot()
	if err != nil {
		return fmt.Errorf("raft: group %s: read snapshot: %w", g.id, err)
	}
	if !etcdraft.IsEmptySnap(snap) {
		if err := g.restore(snap); err != nil {
			return err
		}
	}
	hs, cs, err := g.gl.InitialState()
	if err != nil {
		return fmt.Errorf("raft: group %s: initial state: %w", g.id, err)
	}
	g.confState = cs
	if hs != nil {
		g.hs = raftpb.HardState{Term: hs.Term, Vote: hs.Vote, Commit: hs.Commit}
	}
	if g.lastIndex, err = g.gl.LastIndex(); err != nil {
		return fmt.Errorf("raft: group %s: last index: %w", g.id, err)
	}
	rn, err := etcdraft.NewRawNode(g.raftConfig(g.self, g.applied))
	if err != nil {
		return fmt.Errorf("raft: group %s: %w", g.id, err)
	}
	g.rn = rn
	return nil
}

// join makes a replica that waits for the leader: it learns its replica
// id from the first message addressed to it. worker only.
func (g *Group) join(id uint64, from string, fromID uint64) error {
	g.self = id
	g.peers = peerMap{id: {server: g.h.cfg.ServerID}, fromID: {server: from}}
	rn, err := etcdraft.NewRawNode(g.raftConfig(id, 0))
	if err != nil {
		return fmt.Errorf("raft: group %s: %w", g.id, err)
	}
	g.rn = rn
	g.confState = &raftpb.ConfState{}
	g.metaDirty = true
	return nil
}

// restore installs a snapshot in the state machine. worker only.
func (g *Group) restore(snap *raftpb.Snapshot) error {
	pm, data, err := decodeSnapshot(snap.Data)
	if err != nil {
		return fmt.Errorf("raft: group %s: %w", g.id, err)
	}
	if err := g.sm.Restore(data); err != nil {
		return fmt.Errorf("raft: group %s: restore snapshot at %d: %w", g.id, snap.GetMetadata().GetIndex(), err)
	}
	if g.peers == nil {
		g.peers = make(peerMap)
	}
	if g.peers.merge(pm) {
		g.metaDirty = true
	}
	md := snap.GetMetadata()
	g.applied, g.snapIndex = md.GetIndex(), md.GetIndex()
	g.lastIndex = max(g.lastIndex, md.GetIndex())
	g.confState = md.GetConfState()
	g.h.stats.snapshotsRestored.Add(1)
	return nil
}

// deliver queues an inbound message. Heartbeat responses and quiesce
// requests do not wake a quiesced group.
func (g *Group) deliver(from string, m *raftpb.Message, quiesce bool) {
	if !quiesce && m.GetType() != raftpb.MsgHeartbeatResp {
		g.wake()
	}
	g.in.Lock()
	if g.in.stopped {
		g.in.Unlock()
		return
	}
	g.in.msgs = append(g.in.msgs, inMsg{from: from, m: m, quiesce: quiesce})
	g.in.Unlock()
	g.h.sched.enqueue(g)
}

// do queues fn to run on the worker with the group held, waking the
// group.
func (g *Group) do(fn func()) bool {
	g.wake()
	return g.queue(fn)
}

// queue queues fn like do without waking the group.
func (g *Group) queue(fn func()) bool {
	g.in.Lock()
	if g.in.stopped {
		g.in.Unlock()
		return false
	}
	g.in.ops = append(g.in.ops, fn)
	g.in.Unlock()
	g.h.sched.enqueue(g)
	return true
}

// tick gives the group a tick to process. A group holds at most one
// unprocessed tick: when the workers fall behind, raft time slows down for
// every group alike instead of followers seeing election timeouts the
// leaders' delayed heartbeats could not prevent (an election storm would
// only add load).
func (g *Group) tick() {
	g.in.Lock()
	if g.in.ticks > 0 {
		g.in.Unlock()
		return
	}
	g.in.ticks = 1
	g.in.Unlock()
	g.h.sched.enqueue(g)
}

// wake ends quiescence.
func (g *Group) wake() {
	if g.quiesced.CompareAndSwap(true, false) {
		g.h.stats.quiesced.Add(-1)
		g.h.stats.wakes.Add(1)
	}
}

// serverOf is the server of replica id, "" when unknown. worker only.
func (g *Group) serverOf(id uint64) string {
	if p, ok := g.peers[id]; ok {
		return p.server
	}
	return ""
}

func encodeConfContext(id uint64, server string) []byte {
	return append(encodeEntry(id, nil), server...)
}
