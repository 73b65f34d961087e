package raft

import (
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	etcdraft "go.etcd.io/raft/v3"
)

// Status describes a group on this server, for monitoring.
type Status struct {
	Group     string
	Server    string // this server
	ReplicaID uint64
	// Role is "leader", "follower", "candidate", "precandidate", or
	// "joining" before a joining replica heard from the leader.
	Role     string
	Leader   string // server id, "" when unknown
	Term     uint64
	Commit   uint64
	Applied  uint64
	Snapshot uint64 // index of the latest snapshot taken or installed
	Quiesced bool
	Removed  bool
	// LeaderContact is when this follower last heard from the leader.
	LeaderContact time.Time
	// Peers are known to the leader only (progress is a leader's view);
	// on followers they list the membership without progress.
	Peers []PeerStatus
}

// PeerStatus is the leader's view of one replica.
type PeerStatus struct {
	Server    string
	ReplicaID uint64
	Voter     bool
	Match     uint64
	Next      uint64
	Lag       uint64 // leader's commit - match
	State     string // probe, replicate, snapshot
	Active    bool   // heard from since the last quorum check
}

// Status returns the group's status. It waits for the group's worker if
// it is processing the group.
func (g *Group) Status() (Status, error) {
	g.rnMu.Lock()
	defer g.rnMu.Unlock()
	st := Status{Group: g.id, Server: g.h.cfg.ServerID, ReplicaID: g.self, Applied: g.applied,
		Snapshot: g.snapIndex, Quiesced: g.quiesced.Load(), Removed: g.removed, LeaderContact: g.contact}
	if g.stopped {
		return st, fmt.Errorf("raft: group %s: %w", g.id, ErrStopped)
	}
	if g.rn == nil {
		st.Role = "joining"
		return st, nil
	}
	rs := g.rn.Status()
	st.Role = roleName(rs.RaftState)
	st.Term, st.Commit = rs.GetTerm(), rs.GetCommit()
	if rs.Lead != 0 {
		st.Leader = g.serverOf(rs.Lead)
	}
	voters := rs.Config.Voters.IDs()
	for id, p := range g.peers {
		if p.removed {
			continue
		}
		ps := PeerStatus{Server: p.server, ReplicaID: id}
		_, ps.Voter = voters[id]
		if pr, ok := rs.Progress[id]; ok {
			ps.Match, ps.Next, ps.State, ps.Active = pr.Match, pr.Next, pr.State.String(), pr.RecentActive
			if st.Commit > pr.Match {
				ps.Lag = st.Commit - pr.Match
			}
		}
		st.Peers = append(st.Peers, ps)
	}
	slices.SortFunc(st.Peers, func(a, b PeerStatus) int { return int(a.ReplicaID) - int(b.ReplicaID) })
	return st, nil
}

func roleName(s etcdraft.StateType) string {
	switch s {
	case etcdraft.StateLeader:
		return "leader"
	case etcdraft.StateCandidate:
		return "candidate"
	case etcdraft.StatePreCandidate:
		return "precandidate"
	}
	return "follower"
}

// Leader is the server id of the leader this replica knows of, "" when
// none.
func (g *Group) Leader() string { return g.pub.Load().leader }

// IsLeader reports whether this replica leads the group.
func (g *Group) IsLeader() bool { return g.pub.Load().role == etcdraft.StateLeader }

// Current reports whether this replica may serve reads of recent state
// without a ReadIndex round: it leads, or it is a follower that heard
// from the leader within an election timeout (or was told to quiesce by
// it, and the route to it is up) and has applied everything it knows
// committed.
func (g *Group) Current() bool {
	p := g.pub.Load()
	if p.removed || !p.hasLeader {
		return false
	}
	if p.role == etcdraft.StateLeader {
		return true
	}
	if p.applied < p.commit {
		return false
	}
	if g.quiesced.Load() {
		return g.h.peerUp(p.leader)
	}
	return g.h.clock.Now().Sub(p.contact) < g.h.cfg.electionTimeout()
}

// Healthy reports whether the group works from this replica's point of
// view: a leader is known and was heard from within two election
// timeouts (or the group is quiesced with the leader reachable).
func (g *Group) Healthy() bool {
	p := g.pub.Load()
	if p.removed || !p.hasLeader {
		return false
	}
	if p.role == etcdraft.StateLeader || (g.quiesced.Load() && g.h.peerUp(p.leader)) {
		return true
	}
	return g.h.clock.Now().Sub(p.contact) < 2*g.h.cfg.electionTimeout()
}

// hostStats are the host's counters.
type hostStats struct {
	saves, savedUpdates            atomic.Uint64
	msgsSent, msgsReceived         atomic.Uint64
	msgsDropped                    atomic.Uint64
	framesSent, framesReceived     atomic.Uint64
	bytesSent, bytesReceived       atomic.Uint64
	sendErrors, badFrames          atomic.Uint64
	proposals, applied             atomic.Uint64
	leaderChanges, leaderships     atomic.Uint64
	confChanges                    atomic.Uint64
	snapshotsTaken                 atomic.Uint64
	snapshotsSent, snapshotsFailed atomic.Uint64
	snapshotsReceived              atomic.Uint64
	snapshotsRestored              atomic.Uint64
	ticks, wakes, fastElections    atomic.Uint64
	quiesced                       atomic.Int64
}

// HostStats are a host's counters since it started.
type HostStats struct {
	Groups            int
	Quiesced          int64 // groups asleep now
	Saves             uint64
	SavedUpdates      uint64 // group updates persisted (Saves batch many)
	MsgsSent          uint64
	MsgsReceived      uint64
	MsgsDropped       uint64
	FramesSent        uint64
	FramesReceived    uint64
	BytesSent         uint64
	BytesReceived     uint64
	SendErrors        uint64
	BadFrames         uint64
	Proposals         uint64
	Applied           uint64
	LeaderChanges     uint64
	Leaderships       uint64 // times a group here became leader
	ConfChanges       uint64
	SnapshotsTaken    uint64
	SnapshotsSent     uint64
	SnapshotsFailed   uint64
	SnapshotsReceived uint64
	SnapshotsRestored uint64
	Ticks             uint64 // host ticks
	Wakes             uint64 // groups woken from quiescence
	FastElections     uint64 // campaigns started because the leader's route dropped
}

// Stats returns the host's counters.
func (h *Host) Stats() HostStats {
	s := &h.stats
	h.mu.RLock()
	n := len(h.groups)
	h.mu.RUnlock()
	return HostStats{Groups: n, Quiesced: s.quiesced.Load(), Saves: s.saves.Load(), SavedUpdates: s.savedUpdates.Load(),
		MsgsSent: s.msgsSent.Load(), MsgsReceived: s.msgsReceived.Load(), MsgsDropped: s.msgsDropped.Load(),
		FramesSent: s.framesSent.Load(), FramesReceived: s.framesReceived.Load(), BytesSent: s.bytesSent.Load(),
		BytesReceived: s.bytesReceived.Load(), SendErrors: s.sendErrors.Load(), BadFrames: s.badFrames.Load(),
		Proposals: s.proposals.Load(), Applied: s.applied.Load(), LeaderChanges: s.leaderChanges.Load(),
		Leaderships: s.leaderships.Load(), ConfChanges: s.confChanges.Load(), SnapshotsTaken: s.snapshotsTaken.Load(),
		SnapshotsSent: s.snapshotsSent.Load(), SnapshotsFailed: s.snapshotsFailed.Load(),
		SnapshotsReceived: s.snapshotsReceived.Load(), SnapshotsRestored: s.snapshotsRestored.Load(),
		Ticks: s.ticks.Load(), Wakes: s.wakes.Load(), FastElections: s.fastElections.Load()}
}
