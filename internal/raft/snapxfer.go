package raft

import (
	"sync"
	"time"

	etcdraft "go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// snapXfer moves snapshots between hosts in chunks of Config.SnapshotChunk
// bytes, each in its own frame, with at most SnapshotWindow chunks
// unacknowledged. The receiver acknowledges every chunk; it assembles the
// snapshot and steps the MsgSnap into its group once the last chunk is in.
// The sender reports the outcome to raft (ReportSnapshot) when the last
// chunk is acknowledged, the transfer stalls for SnapshotTimeout, a chunk
// arrives out of order, or the route to the receiver drops.
//
// It runs on whatever goroutine calls it (workers, the ticker, transport
// delivery) and never blocks beyond mu.
type snapXfer struct {
	h  *Host
	mu sync.Mutex
	// out are the transfers this host sends, by id; guarded by mu.
	out    map[uint64]*snapOut
	nextID uint64 // guarded by mu
	// in are the transfers being received, by sender and id; guarded by
	// mu.
	in map[snapKey]*snapIn
}

type snapKey struct {
	from string
	id   uint64
}

type snapOut struct {
	id       uint64
	g        *Group
	server   string
	from, to uint64
	header   []byte
	data     []byte
	sent     int
	acked    int
	allSent  bool
	last     time.Time
}

type snapIn struct {
	group  string
	header []byte
	buf    []byte
	total  int
	last   time.Time
}

func newSnapXfer(h *Host) *snapXfer {
	return &snapXfer{h: h, out: make(map[uint64]*snapOut), in: make(map[snapKey]*snapIn)}
}

// start begins sending the snapshot of MsgSnap m to server. worker only
// (called with g held).
func (x *snapXfer) start(g *Group, server string, m *raftpb.Message) {
	hm := &raftpb.Message{Type: m.Type, To: m.To, From: m.From, Term: m.Term, LogTerm: m.LogTerm, Index: m.Index,
		Commit: m.Commit, Snapshot: &raftpb.Snapshot{Metadata: m.GetSnapshot().GetMetadata()}}
	header, err := proto.Marshal(hm)
	if err != nil {
		x.h.log.Error("raft: encode snapshot header", "group", g.id, "err", err)
		g.rn.ReportSnapshot(m.GetTo(), etcdraft.SnapshotFailure)
		return
	}
	x.mu.Lock()
	x.nextID++
	o := &snapOut{id: x.nextID, g: g, server: server, from: m.GetFrom(), to: m.GetTo(), header: header,
		data: m.GetSnapshot().GetData(), last: x.h.clock.Now()}
	x.out[o.id] = o
	x.pumpLocked(o)
	x.mu.Unlock()
	x.h.stats.snapshotsSent.Add(1)
}

// pumpLocked sends chunks while the window allows. x.mu must be held.
func (x *snapXfer) pumpLocked(o *snapOut) {
	chunk, window := x.h.cfg.SnapshotChunk, x.h.cfg.SnapshotWindow*x.h.cfg.SnapshotChunk
	for !o.allSent && o.sent-o.acked < window {
		end := min(o.sent+chunk, len(o.data))
		var hdr []byte
		if o.sent == 0 {
			hdr = o.header
		}
		f := appendSnapChunk([]byte{frameVersion}, o.g.id, o.from, o.to, o.id, uint64(o.sent), uint64(len(o.data)), hdr, o.data[o.sent:end])
		if err := x.h.tr.Send(o.server, f); err != nil {
			return // retried by tick
		}
		x.h.stats.framesSent.Add(1)
		x.h.stats.bytesSent.Add(uint64(len(f)))
		o.sent = end
		o.allSent = end == len(o.data)
	}
}

// finish reports the transfer's outcome to its group.
func (x *snapXfer) finish(o *snapOut, ok bool) {
	st := etcdraft.SnapshotFinish
	if !ok {
		st = etcdraft.SnapshotFailure
		x.h.stats.snapshotsFailed.Add(1)
	}
	to := o.to
	o.g.do(func() {
		if o.g.rn != nil {
			o.g.rn.ReportSnapshot(to, st)
		}
	})
}

// ack handles a receiver's acknowledgement.
func (x *snapXfer) ack(from string, r *record) {
	x.mu.Lock()
	o := x.out[r.snapID]
	if o == nil || o.server != from {
		x.mu.Unlock()
		return
	}
	o.last = x.h.clock.Now()
	switch r.ackStatus {
	case snapAckProgress:
		o.acked = max(o.acked, int(r.offset))
		x.pumpLocked(o)
		x.mu.Unlock()
		return
	}
	delete(x.out, o.id)
	x.mu.Unlock()
	x.finish(o, r.ackStatus == snapAckDone)
}

// chunk handles a received chunk.
func (x *snapXfer) chunk(from string, r *record) {
	key := snapKey{from: from, id: r.snapID}
	x.mu.Lock()
	in := x.in[key]
	if r.offset == 0 && in == nil {
		in = &snapIn{group: r.group, header: r.header, total: int(r.total), buf: make([]byte, 0, r.total)}
		x.in[key] = in
	}
	if in == nil || int(r.offset) != len(in.buf) || len(in.buf)+len(r.data) > in.total {
		delete(x.in, key)
		x.mu.Unlock()
		x.sendAck(from, r, 0, snapAckFail)
		return
	}
	in.buf = append(in.buf, r.data...)
	in.last = x.h.clock.Now()
	done := len(in.buf) == in.total
	if done {
		delete(x.in, key)
	}
	x.mu.Unlock()
	if !done {
		x.sendAck(from, r, uint64(len(in.buf)), snapAckProgress)
		return
	}
	m := &raftpb.Message{}
	g := x.h.lookup(in.group)
	if err := proto.Unmarshal(in.header, m); err != nil || g == nil || m.GetSnapshot() == nil {
		x.sendAck(from, r, 0, snapAckFail)
		return
	}
	m.Snapshot.Data = in.buf
	x.h.stats.snapshotsReceived.Add(1)
	g.deliver(from, m, false)
	x.sendAck(from, r, uint64(in.total), snapAckDone)
}

func (x *snapXfer) sendAck(to string, r *record, acked uint64, status byte) {
	f := appendSnapAck([]byte{frameVersion}, r.group, r.to, r.from, r.snapID, acked, status)
	_ = x.h.tr.Send(to, f)
}

// tick retries stalled sends and fails transfers without progress.
func (x *snapXfer) tick() {
	now := x.h.clock.Now()
	var failed []*snapOut
	x.mu.Lock()
	for id, o := range x.out {
		if now.Sub(o.last) > x.h.cfg.SnapshotTimeout {
			delete(x.out, id)
			failed = append(failed, o)
			continue
		}
		x.pumpLocked(o)
	}
	for k, in := range x.in {
		if now.Sub(in.last) > x.h.cfg.SnapshotTimeout {
			delete(x.in, k)
		}
	}
	x.mu.Unlock()
	for _, o := range failed {
		x.finish(o, false)
	}
}

// peerDown fails the transfers to and from server.
func (x *snapXfer) peerDown(server string) {
	var failed []*snapOut
	x.mu.Lock()
	for id, o := range x.out {
		if o.server == server {
			delete(x.out, id)
			failed = append(failed, o)
		}
	}
	for k := range x.in {
		if k.from == server {
			delete(x.in, k)
		}
	}
	x.mu.Unlock()
	for _, o := range failed {
		x.finish(o, false)
	}
}
