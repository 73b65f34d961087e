package raft

import (
	"encoding/binary"
	"errors"
	"fmt"

	etcdraft "go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
	"go.etcd.io/raft/v3/tracker"
	"google.golang.org/protobuf/proto"
)

// propose hands proposals to raft in one MsgProp. worker only.
func (g *Group) propose(props []*Proposal) {
	st := g.rn.BasicStatus()
	if st.RaftState != etcdraft.StateLeader || g.removed {
		err := &NotLeaderError{Group: g.id, Leader: g.serverOf(st.Lead)}
		g.failAll(props, nil, err)
		return
	}
	if st.LeadTransferee != 0 {
		g.failAll(props, nil, fmt.Errorf("raft: group %s: leadership transfer in progress: %w", g.id, ErrDropped))
		return
	}
	var ents []*raftpb.Entry
	for _, p := range props {
		if p.cc != nil {
			g.proposeConfChange(p)
			continue
		}
		ents = append(ents, &raftpb.Entry{Data: p.data})
	}
	if len(ents) == 0 {
		return
	}
	err := g.rn.Step(&raftpb.Message{Type: raftpb.MsgProp.Enum(), From: &g.self, Entries: ents})
	for _, p := range props {
		if p.cc != nil {
			continue
		}
		if err != nil {
			p.finish(nil, fmt.Errorf("raft: group %s: %w: %w", g.id, ErrDropped, err))
			continue
		}
		g.props[p.id] = p
		g.h.stats.proposals.Add(1)
	}
}

func (g *Group) proposeConfChange(p *Proposal) {
	if g.confReq != nil {
		p.finish(nil, fmt.Errorf("raft: group %s: %w", g.id, ErrConfChangePending))
		return
	}
	cc := p.cc
	if p.addServer != "" {
		if g.peers.idOf(p.addServer) != 0 {
			p.finish(nil, fmt.Errorf("raft: group %s: server %s is already a member", g.id, p.addServer))
			return
		}
		id := g.peers.maxID() + 1
		cc.Changes[0].NodeId = &id
		cc.Context = encodeConfContext(p.id, p.addServer)
	} else {
		id := g.peers.idOf(p.removeServer)
		if id == 0 {
			p.finish(nil, fmt.Errorf("raft: group %s: server %s: %w", g.id, p.removeServer, ErrUnknownPeer))
			return
		}
		cc.Changes[0].NodeId = &id
		cc.Context = encodeConfContext(p.id, p.removeServer)
	}
	if err := g.rn.ProposeConfChange(cc); err != nil {
		p.finish(nil, fmt.Errorf("raft: group %s: membership change: %w: %w", g.id, ErrDropped, err))
		return
	}
	g.props[p.id] = p
	g.confReq = p
}

// noteProposals records the index of this host's proposals in entries.
func (g *Group) noteProposals(ents []*raftpb.Entry) {
	for _, e := range ents {
		var id uint64
		switch e.GetType() {
		case raftpb.EntryNormal:
			id, _, _ = decodeEntry(e.Data)
		default:
			id = confProposalID(e)
		}
		if p := g.props[id]; p != nil && id != 0 {
			delete(g.props, id)
			p.index, p.term = e.GetIndex(), e.GetTerm()
			if old := g.byIndex[p.index]; old != nil {
				old.finish(nil, fmt.Errorf("raft: group %s: %w", g.id, ErrDropped))
			}
			g.byIndex[p.index] = p
		}
	}
}

// confProposalID extracts the proposal id of a conf change entry.
func confProposalID(e *raftpb.Entry) uint64 {
	var ctx []byte
	switch e.GetType() {
	case raftpb.EntryConfChange:
		var cc raftpb.ConfChange
		if proto.Unmarshal(e.Data, &cc) != nil {
			return 0
		}
		ctx = cc.Context
	case raftpb.EntryConfChangeV2:
		var cc raftpb.ConfChangeV2
		if proto.Unmarshal(e.Data, &cc) != nil {
			return 0
		}
		ctx = cc.Context
	}
	id, _, _ := decodeEntry(ctx)
	return id
}

// failBelow fails the proposals whose entries a snapshot jumped over: their
// outcome is unknown here.
func (g *Group) failBelow(index uint64) {
	for i, p := range g.byIndex {
		if i <= index {
			delete(g.byIndex, i)
			p.finish(nil, fmt.Errorf("raft: group %s: entry %d covered by a snapshot: %w", g.id, i, ErrAmbiguous))
		}
	}
}

// applyReady applies the committed entries of rd and notes its read
// states. worker only.
func (g *Group) applyReady(rd etcdraft.Ready) {
	for _, e := range rd.CommittedEntries {
		g.applyEntry(e)
	}
	if n := len(rd.CommittedEntries); n > 0 && len(g.byIndex) > 0 {
		// An entry of term t is committed: entries of earlier terms after
		// it never will be (every later committed entry has term >= t).
		t := rd.CommittedEntries[n-1].GetTerm()
		for i, p := range g.byIndex {
			if p.term < t {
				delete(g.byIndex, i)
				p.finish(nil, fmt.Errorf("raft: group %s: entry %d of term %d superseded: %w", g.id, i, p.term, ErrDropped))
			}
		}
	}
	for _, rs := range rd.ReadStates {
		if len(rs.RequestCtx) != 8 {
			continue
		}
		id := binary.BigEndian.Uint64(rs.RequestCtx)
		if r := g.readsByID[id]; r != nil {
			delete(g.readsByID, id)
			r.index = rs.Index
			g.readsByIdx = append(g.readsByIdx, r)
		}
	}
	if len(g.readsByIdx) > 0 {
		kept := g.readsByIdx[:0]
		for _, r := range g.readsByIdx {
			if r.index <= g.applied {
				r.finish(nil)
			} else {
				kept = append(kept, r)
			}
		}
		clear(g.readsByIdx[len(kept):])
		g.readsByIdx = kept
	}
}

func (g *Group) applyEntry(e *raftpb.Entry) {
	idx := e.GetIndex()
	if idx <= g.applied {
		return
	}
	p := g.byIndex[idx]
	if p != nil {
		delete(g.byIndex, idx)
	}
	var res any
	var err error
	var id uint64
	switch e.GetType() {
	case raftpb.EntryNormal:
		var payload []byte
		var ok bool
		if id, payload, ok = decodeEntry(e.Data); ok {
			res, err = g.sm.Apply(idx, payload)
		}
	case raftpb.EntryConfChange, raftpb.EntryConfChangeV2:
		id, err = g.applyConfChange(e)
	}
	g.applied = idx
	g.h.stats.applied.Add(1)
	if p == nil {
		return
	}
	if p.id != id {
		p.finish(nil, fmt.Errorf("raft: group %s: entry %d was replaced: %w", g.id, idx, ErrDropped))
		return
	}
	p.finish(res, err)
}

// applyConfChange applies a membership change and updates the replica map.
func (g *Group) applyConfChange(e *raftpb.Entry) (uint64, error) {
	var cci raftpb.ConfChangeI
	var ctx []byte
	if e.GetType() == raftpb.EntryConfChange {
		cc := &raftpb.ConfChange{}
		if err := proto.Unmarshal(e.Data, cc); err != nil {
			return 0, fmt.Errorf("raft: group %s: decode conf change %d: %w", g.id, e.GetIndex(), err)
		}
		cci, ctx = cc, cc.Context
	} else {
		cc := &raftpb.ConfChangeV2{}
		if err := proto.Unmarshal(e.Data, cc); err != nil {
			return 0, fmt.Errorf("raft: group %s: decode conf change %d: %w", g.id, e.GetIndex(), err)
		}
		cci, ctx = cc, cc.Context
	}
	id, srv, _ := decodeEntry(ctx)
	for _, c := range cci.AsV2().Changes {
		nid := c.GetNodeId()
		switch c.GetType() {
		case raftpb.ConfChangeAddNode, raftpb.ConfChangeAddLearnerNode:
			if p, ok := g.peers[nid]; !ok || !p.removed {
				g.peers[nid] = peer{server: string(srv)}
			}
		case raftpb.ConfChangeRemoveNode:
			p := g.peers[nid]
			p.removed = true
			g.peers[nid] = p
			if nid == g.self {
				g.removed = true
			}
		}
	}
	g.confState = g.rn.ApplyConfChange(cci)
	g.metaDirty = true
	if g.confReq != nil && g.confReq.id == id {
		g.confReq = nil
	}
	g.h.stats.confChanges.Add(1)
	return id, nil
}

// afterAdvance takes a snapshot when due and settles a quiesce request.
// worker only.
func (g *Group) afterAdvance() {
	if g.applied-g.snapIndex >= g.h.cfg.SnapshotEntries {
		if err := g.snapshot(); err != nil {
			g.h.log.Error("raft: snapshot failed", "group", g.id, "err", err)
		}
	}
	if q := g.quiesceReq; q != nil {
		g.quiesceReq = nil
		c := q.GetCommit()
		if !g.h.cfg.DisableQuiesce && g.lead == q.GetFrom() && g.hs.GetTerm() == q.GetTerm() &&
			g.hs.GetCommit() == c && g.lastIndex == c && g.applied == c && !g.rn.HasReady() {
			if g.quiesced.CompareAndSwap(false, true) {
				g.h.stats.quiesced.Add(1)
			}
		}
	}
}

// snapshot records the state machine at the applied index and compacts
// the log, keeping SnapshotTail entries for followers a little behind.
func (g *Group) snapshot() error {
	data, err := g.sm.Snapshot()
	if err != nil {
		return fmt.Errorf("state machine snapshot: %w", err)
	}
	if _, err := g.gl.CreateSnapshot(g.applied, g.confState, encodeSnapshot(g.peers, data)); err != nil {
		return fmt.Errorf("create snapshot at %d: %w", g.applied, err)
	}
	g.snapIndex = g.applied
	g.h.stats.snapshotsTaken.Add(1)
	if g.applied > g.h.cfg.SnapshotTail {
		first, err := g.gl.FirstIndex()
		if err != nil {
			return fmt.Errorf("first index: %w", err)
		}
		if to := g.applied - g.h.cfg.SnapshotTail; to > first {
			if err := g.gl.Compact(to); err != nil && !errors.Is(err, etcdraft.ErrCompacted) {
				return fmt.Errorf("compact to %d: %w", to, err)
			}
		}
	}
	return nil
}

// maybeQuiesce puts an idle leader to sleep: no proposal or read in
// flight, everything committed and applied, every follower caught up. It
// asks the followers to quiesce too. worker only.
func (g *Group) maybeQuiesce(w *worker) {
	if g.h.cfg.DisableQuiesce || g.quiesced.Load() || g.role != etcdraft.StateLeader || g.removed ||
		len(g.props) > 0 || len(g.byIndex) > 0 || len(g.readsByID) > 0 || len(g.readsByIdx) > 0 ||
		g.confReq != nil || g.transferTo != 0 || g.rn.HasReady() {
		return
	}
	c := g.hs.GetCommit()
	if c != g.lastIndex || g.applied != c {
		return
	}
	st := g.rn.BasicStatus()
	if st.LeadTransferee != 0 || st.GetCommit() != c || st.GetTerm() != g.hs.GetTerm() {
		return
	}
	ok := true
	var ids []uint64
	g.rn.WithProgress(func(id uint64, _ etcdraft.ProgressType, pr tracker.Progress) {
		if id == g.self {
			return
		}
		if pr.Match != c || pr.State != tracker.StateReplicate || !g.h.peerUp(g.serverOf(id)) {
			ok = false
		}
		ids = append(ids, id)
	})
	if !ok {
		return
	}
	if g.quiesced.CompareAndSwap(false, true) {
		g.h.stats.quiesced.Add(1)
	}
	for _, id := range ids {
		w.quiesce(g, id)
	}
}

// publish refreshes the state Leader, Current and Healthy read. worker
// only.
func (g *Group) publish() {
	old := g.pub.Load()
	p := pubState{leaderID: g.lead, role: g.role, term: g.hs.GetTerm(), commit: g.hs.GetCommit(),
		applied: g.applied, contact: g.contact, removed: g.removed, hasLeader: g.lead != 0}
	if g.lead != 0 {
		p.leader = g.serverOf(g.lead)
	}
	if *old != p {
		g.pub.Store(&p)
	}
}
