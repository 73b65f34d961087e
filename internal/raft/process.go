package raft

import (
	"errors"

	etcdraft "go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
)

// worker is the scratch state of one processing goroutine.
type worker struct {
	h       *Host
	batch   []*Group
	readies []groupReady
	updates []Update
	out     *outbox
	// sent remembers, per destination server, the groups and replicas
	// whose messages went into its frames, to report them unreachable if
	// the send fails.
	sent map[string][]sentRef
}

type groupReady struct {
	g  *Group
	rd etcdraft.Ready
}

type sentRef struct {
	g  *Group
	to uint64
}

func newWorker(h *Host) *worker {
	return &worker{h: h, out: newOutbox(h.cfg.MaxFrame), sent: make(map[string][]sentRef)}
}

// run processes batches until the host stops.
func (w *worker) run() {
	for {
		w.batch = w.h.sched.take(w.batch[:0], w.h.cfg.BatchGroups, true)
		if w.batch == nil {
			return
		}
		w.process()
	}
}

// process handles one batch of groups: step their inputs, collect their
// Readys, persist them all with one Save, send their messages, apply
// their committed entries and advance.
func (w *worker) process() {
	h := w.h
	if h.failed.Load() {
		// A failed host has crashed: it persists and sends nothing more.
		for _, g := range w.batch {
			h.sched.done(g, false)
		}
		return
	}
	for _, g := range w.batch {
		g.rnMu.Lock()
		g.stepInputs(w)
	}
	w.readies, w.updates = w.readies[:0], w.updates[:0]
	for _, g := range w.batch {
		if g.stopped || g.rn == nil {
			continue
		}
		if g.rn.HasReady() {
			rd := g.rn.Ready()
			w.readies = append(w.readies, groupReady{g: g, rd: rd})
			w.updates = append(w.updates, Update{Group: g.id})
			g.fillUpdate(&w.updates[len(w.updates)-1], rd)
		} else if g.metaDirty {
			w.updates = append(w.updates, Update{Group: g.id, Meta: encodeMeta(g.self, g.peers)})
			g.metaDirty = false
		}
	}
	if len(w.updates) > 0 {
		h.stats.saves.Add(1)
		h.stats.savedUpdates.Add(uint64(len(w.updates)))
		if err := h.store.Save(w.updates); err != nil {
			// Nothing of this batch may be sent or applied: the host
			// cannot go on without its log.
			h.fail(err)
			for _, g := range w.batch {
				g.rnMu.Unlock()
				h.sched.done(g, false)
			}
			return
		}
	}
	clear(w.updates)
	for i := range w.readies {
		gr := &w.readies[i]
		gr.g.persisted(gr.rd)
		for _, m := range gr.rd.Messages {
			w.route(gr.g, m)
		}
	}
	w.flush()
	for i := range w.readies {
		gr := &w.readies[i]
		gr.g.applyReady(gr.rd)
		gr.g.rn.Advance(gr.rd)
		gr.g.afterAdvance()
	}
	clear(w.readies)
	for _, g := range w.batch {
		more := !g.stopped && g.rn != nil && g.rn.HasReady()
		g.publish()
		g.rnMu.Unlock()
		h.sched.done(g, more)
	}
	clear(w.batch)
}

// route adds m to the frame of the server of its recipient; snapshots go
// through the chunked transfer instead.
func (w *worker) route(g *Group, m *raftpb.Message) {
	to := m.GetTo()
	if to == g.self {
		g.h.stats.msgsDropped.Add(1)
		return
	}
	srv := g.serverOf(to)
	if srv == "" {
		g.h.stats.msgsDropped.Add(1)
		return
	}
	if m.GetType() == raftpb.MsgSnap {
		g.h.snaps.start(g, srv, m)
		return
	}
	b, err := appendMsg(w.out.buf(srv), g.id, m)
	if err != nil {
		g.h.log.Error("raft: dropping message", "group", g.id, "err", err)
		return
	}
	w.out.set(srv, b)
	w.sent[srv] = append(w.sent[srv], sentRef{g: g, to: to})
	g.h.stats.msgsSent.Add(1)
}

// quiesce adds a quiesce request for replica to of g.
func (w *worker) quiesce(g *Group, to uint64) {
	srv := g.serverOf(to)
	if srv == "" {
		return
	}
	b := appendQuiesce(w.out.buf(srv), g.id, g.self, to, g.hs.GetTerm(), g.hs.GetCommit())
	w.out.set(srv, b)
}

// flush sends the frames; when a send fails, the groups that sent to that
// server report its replicas unreachable. Every group of sent is held.
func (w *worker) flush() {
	h := w.h
	for srv, frames := range w.out.frames {
		h.know(srv)
		failed := false
		for _, f := range frames {
			if len(f) <= 1 {
				continue
			}
			h.stats.framesSent.Add(1)
			h.stats.bytesSent.Add(uint64(len(f)))
			if err := h.tr.Send(srv, f); err != nil {
				failed = true
				h.stats.sendErrors.Add(1)
			}
		}
		if failed {
			for _, r := range w.sent[srv] {
				r.g.rn.ReportUnreachable(r.to)
			}
		}
	}
	w.out.reset()
	for k, v := range w.sent {
		clear(v)
		w.sent[k] = v[:0]
	}
}

// stepInputs drains the inbox into the RawNode. worker only, rnMu held.
func (g *Group) stepInputs(w *worker) {
	g.in.Lock()
	msgs, props, reads, ops, ticks := g.in.msgs, g.in.props, g.in.reads, g.in.ops, g.in.ticks
	g.in.msgs, g.in.props, g.in.reads, g.in.ops, g.in.ticks = nil, nil, nil, nil, 0
	g.in.Unlock()
	if g.stopped {
		g.failAll(props, reads, ErrStopped)
		return
	}
	for _, fn := range ops {
		fn()
	}
	for _, im := range msgs {
		g.stepMsg(im)
	}
	if g.rn == nil {
		g.failAll(props, reads, &NotLeaderError{Group: g.id})
		return
	}
	for range ticks {
		g.rn.Tick()
	}
	if ticks > 0 && g.recampaign > 0 {
		g.recampaign--
		if g.recampaign == 0 {
			if st := g.rn.BasicStatus(); st.Lead == etcdraft.None && st.RaftState != etcdraft.StateLeader {
				g.h.stats.fastElections.Add(1)
				_ = g.rn.Campaign()
			}
		}
	}
	if len(props) > 0 {
		g.propose(props)
	}
	for _, r := range reads {
		g.readIndex(r)
	}
	if ticks > 0 {
		g.maybeQuiesce(w)
	}
}

func (g *Group) failAll(props []*Proposal, reads []*Read, err error) {
	for _, p := range props {
		p.finish(nil, err)
	}
	for _, r := range reads {
		r.finish(err)
	}
}

// stepMsg steps an inbound message, creating the replica of a joining
// group from the first message addressed to it.
func (g *Group) stepMsg(im inMsg) {
	m := im.m
	if g.rn == nil {
		if err := g.join(m.GetTo(), im.from, m.GetFrom()); err != nil {
			g.h.log.Error("raft: join failed", "group", g.id, "err", err)
			return
		}
	}
	if m.GetTo() != g.self {
		g.h.stats.msgsDropped.Add(1)
		return
	}
	if _, ok := g.peers[m.GetFrom()]; !ok && im.from != "" {
		g.peers[m.GetFrom()] = peer{server: im.from}
		g.metaDirty = true
	}
	if m.GetFrom() == g.lead && g.lead != 0 {
		g.contact = g.h.clock.Now()
	}
	g.h.stats.msgsReceived.Add(1)
	if err := g.rn.Step(m); err != nil && !errors.Is(err, etcdraft.ErrStepPeerNotFound) {
		g.h.log.Debug("raft: step failed", "group", g.id, "type", m.GetType().String(), "err", err)
	}
	if im.quiesce {
		g.quiesceReq = m
	}
}

// fillUpdate sets what rd asks to persist. (Update holds protobuf
// structs by value, which must not be copied: it is filled in place.)
func (g *Group) fillUpdate(u *Update, rd etcdraft.Ready) {
	if hs := rd.HardState; !etcdraft.IsEmptyHardState(hs) {
		u.HardState = raftpb.HardState{Term: hs.Term, Vote: hs.Vote, Commit: hs.Commit}
	}
	if s := rd.Snapshot; s != nil && !etcdraft.IsEmptySnap(s) {
		u.Snapshot = raftpb.Snapshot{Data: s.Data, Metadata: s.Metadata}
	}
	if len(rd.Entries) > 0 {
		u.Entries = make([]raftpb.Entry, len(rd.Entries))
		for i, e := range rd.Entries {
			u.Entries[i] = raftpb.Entry{Term: e.Term, Index: e.Index, Type: e.Type, Data: e.Data}
		}
	}
	if g.metaDirty {
		u.Meta = encodeMeta(g.self, g.peers)
		g.metaDirty = false
	}
}

// persisted runs once rd is durable: it records what is now in the log and
// installs a received snapshot.
func (g *Group) persisted(rd etcdraft.Ready) {
	if hs := rd.HardState; !etcdraft.IsEmptyHardState(hs) {
		g.hs = raftpb.HardState{Term: hs.Term, Vote: hs.Vote, Commit: hs.Commit}
	}
	if s := rd.Snapshot; s != nil && !etcdraft.IsEmptySnap(s) {
		if err := g.restore(s); err != nil {
			g.h.fail(err)
		}
		g.failBelow(s.GetMetadata().GetIndex())
	}
	if n := len(rd.Entries); n > 0 {
		g.lastIndex = rd.Entries[n-1].GetIndex()
		if len(g.props) > 0 {
			g.noteProposals(rd.Entries)
		}
	}
	if ss := rd.SoftState; ss != nil {
		g.softState(ss)
	}
}

// softState notes a change of leader or role.
func (g *Group) softState(ss *etcdraft.SoftState) {
	if ss.Lead != g.lead {
		g.lead = ss.Lead
		g.contact = g.h.clock.Now()
		g.h.stats.leaderChanges.Add(1)
		// Reads not yet confirmed by the old leader never will be.
		for id, r := range g.readsByID {
			delete(g.readsByID, id)
			r.finish(ErrDropped)
		}
		g.transferTo = 0
	}
	if ss.RaftState != g.role {
		g.role = ss.RaftState
		if g.role == etcdraft.StateLeader {
			g.h.stats.leaderships.Add(1)
		}
	}
}
