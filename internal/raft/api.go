package raft

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync"
	"time"

	etcdraft "go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
)

// Proposal is a proposal in flight. Done is closed once it is applied on
// this server or failed.
type Proposal struct {
	id   uint64
	data []byte
	// Membership changes.
	cc           *raftpb.ConfChangeV2
	addServer    string
	removeServer string

	once  sync.Once
	done  chan struct{}
	index uint64 // worker only until done
	term  uint64 // worker only
	res   any
	err   error
}

func (p *Proposal) finish(res any, err error) {
	p.once.Do(func() {
		p.res, p.err = res, err
		close(p.done)
	})
}

// Done is closed when the outcome is known.
func (p *Proposal) Done() <-chan struct{} { return p.done }

// Result is the state machine's result and error once Done is closed, or
// the reason the proposal failed. The index is the entry's.
func (p *Proposal) Result() (res any, index uint64, err error) {
	<-p.done
	return p.res, p.index, p.err
}

// Read is a linearizable read in flight: Done is closed once this
// replica applied everything committed when the read was issued.
type Read struct {
	id    uint64
	index uint64
	once  sync.Once
	done  chan struct{}
	err   error
}

func (r *Read) finish(err error) {
	r.once.Do(func() {
		r.err = err
		close(r.done)
	})
}

// Done is closed when the read may proceed, or failed.
func (r *Read) Done() <-chan struct{} { return r.done }

// Err is nil when the read may proceed from the local state machine.
func (r *Read) Err() error {
	<-r.done
	return r.err
}

// ID is the group's id.
func (g *Group) ID() string { return g.id }

// ProposeAsync submits data for replication and returns at once.
func (g *Group) ProposeAsync(data []byte) *Proposal {
	p := &Proposal{id: g.h.nextID(), done: make(chan struct{})}
	p.data = encodeEntry(p.id, data)
	g.submit(p)
	return p
}

func (g *Group) submit(p *Proposal) {
	g.wake()
	g.in.Lock()
	if g.in.stopped {
		g.in.Unlock()
		p.finish(nil, fmt.Errorf("raft: group %s: %w", g.id, ErrStopped))
		return
	}
	g.in.props = append(g.in.props, p)
	g.in.Unlock()
	g.h.sched.enqueue(g)
}

// Propose replicates data and returns once it is committed and applied on
// this server, with the state machine's result. It fails with a
// *NotLeaderError (errors.Is ErrNotLeader) on a follower, ErrDropped
// when the entry will never commit, or ctx's error (the entry may still
// commit).
func (g *Group) Propose(ctx context.Context, data []byte) (any, error) {
	if l := g.pub.Load(); l.hasLeader && l.role != etcdraft.StateLeader {
		return nil, &NotLeaderError{Group: g.id, Leader: l.leader}
	}
	p := g.ProposeAsync(data)
	select {
	case <-p.done:
		return p.res, p.err
	case <-ctx.Done():
		return nil, fmt.Errorf("raft: group %s: propose: %w", g.id, ctx.Err())
	}
}

// ReadIndexAsync starts a linearizable read: Done is closed once this
// replica has applied every entry committed before the call.
func (g *Group) ReadIndexAsync() *Read {
	r := &Read{id: g.h.nextID(), done: make(chan struct{})}
	g.wake()
	g.in.Lock()
	if g.in.stopped {
		g.in.Unlock()
		r.finish(fmt.Errorf("raft: group %s: %w", g.id, ErrStopped))
		return r
	}
	g.in.reads = append(g.in.reads, r)
	g.in.Unlock()
	g.h.sched.enqueue(g)
	return r
}

// ReadIndex returns once the local state machine reflects every write
// committed before the call, so that a read of it is linearizable. It
// works on followers too (the leader confirms the read index).
func (g *Group) ReadIndex(ctx context.Context) error {
	r := g.ReadIndexAsync()
	select {
	case <-r.done:
		return r.err
	case <-ctx.Done():
		return fmt.Errorf("raft: group %s: read index: %w", g.id, ctx.Err())
	}
}

// readIndex hands r to raft. worker only.
func (g *Group) readIndex(r *Read) {
	if g.lead == 0 {
		r.finish(fmt.Errorf("raft: group %s: %w", g.id, ErrNoLeader))
		return
	}
	var ctx [8]byte
	binary.BigEndian.PutUint64(ctx[:], r.id)
	g.readsByID[r.id] = r
	g.rn.ReadIndex(ctx[:])
}

// AddPeer adds server to the group as a voter with a new replica id, and
// returns once the change is applied here (on the leader). The server
// must call JoinGroup. One membership change at a time (ConfChangeV2 with
// a single change, so no joint configuration).
func (g *Group) AddPeer(ctx context.Context, server string) error {
	return g.confChange(ctx, server, "", raftpb.ConfChangeAddNode)
}

// RemovePeer removes server from the group. Its replica id is never
// reused; the removed server should RemoveGroup.
func (g *Group) RemovePeer(ctx context.Context, server string) error {
	return g.confChange(ctx, "", server, raftpb.ConfChangeRemoveNode)
}

func (g *Group) confChange(ctx context.Context, add, remove string, t raftpb.ConfChangeType) error {
	p := &Proposal{id: g.h.nextID(), done: make(chan struct{}), addServer: add, removeServer: remove,
		cc: &raftpb.ConfChangeV2{Changes: []*raftpb.ConfChangeSingle{{Type: t.Enum()}}}}
	g.submit(p)
	select {
	case <-p.done:
		return p.err
	case <-ctx.Done():
		return fmt.Errorf("raft: group %s: membership change: %w", g.id, ctx.Err())
	}
}

// TransferLeadership asks the leader to hand over to server and waits
// until server leads or ctx ends.
func (g *Group) TransferLeadership(ctx context.Context, server string) error {
	if l := g.pub.Load(); l.leader == server {
		return nil
	}
	var errc = make(chan error, 1)
	ok := g.do(func() {
		if g.rn == nil || g.role != etcdraft.StateLeader {
			errc <- &NotLeaderError{Group: g.id, Leader: g.serverOf(g.lead)}
			return
		}
		id := g.peers.idOf(server)
		if id == 0 {
			errc <- fmt.Errorf("raft: group %s: transfer to %s: %w", g.id, server, ErrUnknownPeer)
			return
		}
		g.transferTo = id
		g.rn.TransferLeader(id)
		errc <- nil
	})
	if !ok {
		return fmt.Errorf("raft: group %s: %w", g.id, ErrStopped)
	}
	select {
	case err := <-errc:
		if err != nil {
			return err
		}
	case <-ctx.Done():
		return fmt.Errorf("raft: group %s: transfer leadership: %w", g.id, ctx.Err())
	}
	return g.waitLeader(ctx, func(l string) bool { return l == server })
}

// StepDown hands leadership to the most up-to-date follower and waits
// until another server leads.
func (g *Group) StepDown(ctx context.Context) error {
	st, err := g.Status()
	if err != nil {
		return err
	}
	if st.Leader != g.h.cfg.ServerID {
		return &NotLeaderError{Group: g.id, Leader: st.Leader}
	}
	best, bestMatch := "", uint64(0)
	for _, p := range st.Peers {
		if p.Server != g.h.cfg.ServerID && p.Voter && p.Match >= bestMatch && g.h.peerUp(p.Server) {
			best, bestMatch = p.Server, p.Match
		}
	}
	if best == "" {
		return fmt.Errorf("raft: group %s: step down: no follower to hand over to", g.id)
	}
	return g.TransferLeadership(ctx, best)
}

// waitLeader polls until the published leader satisfies ok.
func (g *Group) waitLeader(ctx context.Context, ok func(string) bool) error {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for {
		if l := g.pub.Load(); l.hasLeader && ok(l.leader) {
			return nil
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			return fmt.Errorf("raft: group %s: waiting for the new leader: %w", g.id, ctx.Err())
		}
	}
}

// Campaign makes this replica start an election now.
func (g *Group) Campaign() {
	g.do(func() {
		if g.rn != nil {
			_ = g.rn.Campaign()
		}
	})
}
