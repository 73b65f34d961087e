package raftlog

import (
	"bytes"
	"cmp"
	"fmt"
	"runtime"
	"slices"
	"sync"

	"github.com/cockroachdb/pebble/v2"
	etcdraft "go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/natsnet/natsnet/internal/raft"
)

type reqKind uint8

const (
	reqSave reqKind = iota
	reqSnapshot
	reqCompact
	reqDelete
)

// request is one call waiting for the committer.
type request struct {
	kind    reqKind
	updates []raft.Update
	groups  []*groupLog // the group of each update
	g       *groupLog   // the group of the other kinds
	index   uint64
	cs      *raftpb.ConfState
	data    []byte
	snap    *raftpb.Snapshot // the snapshot CreateSnapshot recorded
	err     error
	done    chan struct{}
}

var requestPool = sync.Pool{New: func() any { return &request{done: make(chan struct{}, 1)} }}

func getRequest(kind reqKind) *request {
	r := requestPool.Get().(*request)
	r.kind = kind
	return r
}

func putRequest(r *request) {
	clear(r.groups)
	*r = request{groups: r.groups[:0], done: r.done}
	requestPool.Put(r)
}

// submit hands r to the committer and waits until it is durable (or
// failed).
func (s *Store) submit(r *request) error {
	s.closeMu.RLock()
	if s.closed {
		s.closeMu.RUnlock()
		return ErrClosed
	}
	s.reqs <- r
	s.closeMu.RUnlock()
	<-r.done
	return r.err
}

// run is the committer: it gathers every waiting request into one pebble
// batch, commits it with one sync, installs the new state in the groups,
// then wakes the waiters. Requests arriving during a sync form the next
// batch, so the number of syncs stays bounded by the disk's sync rate, not
// by the number of writers.
func (s *Store) run() {
	defer close(s.done)
	batch := make([]*request, 0, 64)
	for {
		r, ok := <-s.reqs
		if !ok {
			return
		}
		batch = append(batch[:0], r)
		// Let the writers just woken by the previous commit queue their
		// next request, so that they join this batch rather than the next.
		runtime.Gosched()
	gather:
		for len(batch) < maxBatchRequests {
			select {
			case r, ok := <-s.reqs:
				if !ok {
					break gather
				}
				batch = append(batch, r)
			default:
				break gather
			}
		}
		s.commit(batch)
		clear(batch)
	}
}

// shape is the part of a group's state that decides whether a request is
// valid.
type shape struct {
	offset, last, snapIndex uint64
	deleted                 bool
}

// pending is the state of a group as the requests planned so far in the
// current batch leave it.
type pending struct {
	g *groupLog
	shape
	offsetTerm uint64
	hs         *raftpb.HardState // new HardState, nil when unchanged
	snap       *raftpb.Snapshot  // new snapshot, nil when unchanged
	meta       []byte
	metaSet    bool
	// overlay holds the entries written in this batch: overlay[0].index..last.
	// The durable entries offset+1..overlay[0].index-1 are unchanged.
	overlay []*cachedEntry
	reset   bool // every durable entry was deleted (snapshot applied)
	// disruptive: the batch deletes or rewrites durable entries, so the
	// group's lock is held across the commit to keep readers off pebble.
	disruptive bool
	mapped     bool // the name mapping is durable or in this batch
	entries    uint64
}

func (g *groupLog) shape() shape {
	return shape{offset: g.offset, last: g.last, snapIndex: g.snap.GetMetadata().GetIndex(), deleted: g.deleted}
}

// pendingOf returns the pending state of g in the current batch.
func (s *Store) pendingOf(g *groupLog) *pending {
	if p := s.pend[g]; p != nil {
		return p
	}
	p := &pending{g: g, shape: g.shape(), offsetTerm: g.offsetTerm, mapped: g.persisted}
	s.pend[g] = p
	s.order = append(s.order, p)
	return p
}

// shapeOf returns the shape of g as the current batch leaves it.
func (s *Store) shapeOf(g *groupLog) shape {
	if p := s.pend[g]; p != nil {
		return p.shape
	}
	return g.shape()
}

func (sh *shape) checkUpdate(u *raft.Update) error {
	if sh.deleted {
		return ErrDeleted
	}
	if !etcdraft.IsEmptySnap(&u.Snapshot) {
		i := u.Snapshot.GetMetadata().GetIndex()
		if sh.snapIndex != 0 && sh.snapIndex >= i {
			return fmt.Errorf("snapshot at %d, have %d: %w", i, sh.snapIndex, etcdraft.ErrSnapOutOfDate)
		}
		sh.offset, sh.last, sh.snapIndex = i, i, i
	}
	n := len(u.Entries)
	if n == 0 {
		return nil
	}
	first := u.Entries[0].GetIndex()
	for k := 1; k < n; k++ {
		if got := u.Entries[k].GetIndex(); got != first+uint64(k) {
			return fmt.Errorf("entry %d of the update has index %d, want %d", k, got, first+uint64(k))
		}
	}
	lastNew := first + uint64(n) - 1
	if lastNew <= sh.offset {
		return nil // all compacted already
	}
	if start := max(first, sh.offset+1); start > sh.last+1 {
		return fmt.Errorf("entries start at %d, after last index %d: %w", start, sh.last, etcdraft.ErrUnavailable)
	}
	sh.last = lastNew
	return nil
}

func (sh *shape) checkCreateSnapshot(i uint64) error {
	switch {
	case sh.deleted:
		return ErrDeleted
	case i <= sh.snapIndex:
		return etcdraft.ErrSnapOutOfDate
	case i > sh.last:
		return fmt.Errorf("snapshot at %d beyond last index %d: %w", i, sh.last, etcdraft.ErrUnavailable)
	}
	sh.snapIndex = i
	return nil
}

func (sh *shape) checkCompact(i uint64) error {
	switch {
	case sh.deleted:
		return ErrDeleted
	case i <= sh.offset:
		return etcdraft.ErrCompacted
	case i > sh.snapIndex || i > sh.last:
		return fmt.Errorf("compact to %d beyond snapshot %d or last index %d: %w", i, sh.snapIndex, sh.last, etcdraft.ErrUnavailable)
	}
	sh.offset = i
	return nil
}

// check validates r against the state the batch planned so far leaves,
// without changing anything.
func (s *Store) check(r *request) error {
	if r.kind != reqSave {
		sh := s.shapeOf(r.g)
		var err error
		switch r.kind {
		case reqSnapshot:
			err = sh.checkCreateSnapshot(r.index)
		case reqCompact:
			err = sh.checkCompact(r.index)
		}
		if err != nil {
			return fmt.Errorf("raftlog: group %q: %w", r.g.name, err)
		}
		return nil
	}
	var one [1]struct {
		g  *groupLog
		sh shape
	}
	local := one[:0]
	for i := range r.updates {
		g := r.groups[i]
		j := 0
		for j < len(local) && local[j].g != g {
			j++
		}
		if j == len(local) {
			local = append(local, struct {
				g  *groupLog
				sh shape
			}{g, s.shapeOf(g)})
		}
		if err := local[j].sh.checkUpdate(&r.updates[i]); err != nil {
			return fmt.Errorf("raftlog: group %q: %w", g.name, err)
		}
	}
	return nil
}

// commit plans, commits and installs one batch of requests.
func (s *Store) commit(reqs []*request) {
	s.mu.Lock()
	err := s.err
	s.mu.Unlock()
	if err != nil {
		for _, r := range reqs {
			r.err = err
			r.done <- struct{}{}
		}
		return
	}
	b := s.db.NewBatch()
	sync := false
	var planErr error
	for _, r := range reqs {
		if r.err = s.check(r); r.err != nil {
			continue
		}
		if planErr = s.plan(r, b); planErr != nil {
			break
		}
		if r.kind != reqCompact {
			sync = true
		}
	}
	for _, p := range s.order {
		if p.disruptive {
			p.g.mu.Lock()
		}
	}
	err = planErr
	if err == nil && !b.Empty() {
		opts := pebble.NoSync
		if sync {
			opts = s.writeOpts
		}
		if err = b.Commit(opts); err == nil {
			s.commits.Add(1)
			if opts == pebble.Sync {
				s.syncs.Add(1)
			}
		} else {
			err = fmt.Errorf("raftlog: commit: %w", err)
		}
	}
	b.Close()
	var entries uint64
	for _, p := range s.order {
		if err == nil {
			if !p.disruptive {
				p.g.mu.Lock()
			}
			before := p.g.cacheBytes
			p.g.apply(p, s.cacheLimit)
			s.cacheBytes += int64(p.g.cacheBytes) - int64(before)
			if len(p.overlay) > 0 {
				p.g.cacheTick = s.commits.Load()
			}
			entries += p.entries
		}
		p.g.mu.Unlock()
	}
	if err != nil {
		s.log.Error("raftlog: commit failed; the store refuses further writes", "err", err)
		s.mu.Lock()
		s.err = err
		s.mu.Unlock()
	} else {
		s.mu.Lock()
		for _, p := range s.order {
			switch {
			case p.deleted:
				p.g.persisted = false
				if s.groups[p.g.name] == p.g {
					delete(s.groups, p.g.name)
				}
			case p.mapped:
				p.g.persisted = true
			}
		}
		s.mu.Unlock()
		s.entries.Add(entries)
		if s.cacheBudget > 0 && s.cacheBytes > s.cacheBudget {
			s.shrinkCaches()
		}
		s.cacheGauge.Store(s.cacheBytes)
	}
	clear(s.pend)
	clear(s.order)
	s.order = s.order[:0]
	for _, r := range reqs {
		if r.err == nil {
			if err != nil {
				r.err = err
			} else {
				s.requests.Add(1)
				if r.kind == reqSave {
					s.saves.Add(1)
				}
			}
		}
		r.done <- struct{}{}
	}
}

// shrinkCaches empties the entry caches of the groups that appended least
// recently until the caches of all groups hold at most 90% of the budget.
func (s *Store) shrinkCaches() {
	s.mu.Lock()
	var held []*groupLog
	for _, g := range s.groups {
		if g.cacheBytes > 0 {
			held = append(held, g)
		}
	}
	s.mu.Unlock()
	slices.SortFunc(held, func(a, b *groupLog) int { return cmp.Compare(a.cacheTick, b.cacheTick) })
	target := s.cacheBudget / 10 * 9
	for _, g := range held {
		if s.cacheBytes <= target {
			break
		}
		g.mu.Lock()
		s.cacheBytes -= int64(g.cacheBytes)
		g.dropCache()
		g.mu.Unlock()
	}
}

// plan writes the changes of the valid request r to b and records their
// effect in the pending states.
func (s *Store) plan(r *request, b *pebble.Batch) error {
	switch r.kind {
	case reqSave:
		for i := range r.updates {
			if err := s.planUpdate(s.pendingOf(r.groups[i]), &r.updates[i], b); err != nil {
				return err
			}
		}
		return nil
	case reqSnapshot:
		return s.planSnapshot(s.pendingOf(r.g), r, b)
	case reqCompact:
		return s.planCompact(s.pendingOf(r.g), r.index, b)
	case reqDelete:
		return s.planDelete(s.pendingOf(r.g), b)
	}
	return fmt.Errorf("raftlog: unknown request kind %d", r.kind)
}

// touch writes the name mapping of p's group unless it is durable already.
func (s *Store) touch(p *pending, b *pebble.Batch) error {
	if p.mapped {
		return nil
	}
	s.mu.Lock()
	next := s.nextKey
	s.mu.Unlock()
	k := nameKey(p.g.name)
	if err := b.Set(k, uint64Value(k, p.g.key), nil); err != nil {
		return err
	}
	if err := b.Set(keyNextGroup, uint64Value(keyNextGroup, next), nil); err != nil {
		return err
	}
	p.mapped = true
	return nil
}

// put writes message m under key, checksummed.
func (s *Store) put(b *pebble.Batch, key []byte, m proto.Message) error {
	buf, err := proto.MarshalOptions{}.MarshalAppend(s.buf[:0], m)
	if err != nil {
		return fmt.Errorf("raftlog: encode %T: %w", m, err)
	}
	buf = sealValue(buf, 0, key)
	s.buf = buf
	return b.Set(key, buf, nil)
}

// term returns the term of entry i as the batch planned so far leaves it.
func (p *pending) term(i uint64) (uint64, error) {
	switch {
	case i == p.offset:
		return p.offsetTerm, nil
	case i < p.offset:
		return 0, etcdraft.ErrCompacted
	case i > p.last:
		return 0, etcdraft.ErrUnavailable
	}
	if len(p.overlay) > 0 && i >= p.overlay[0].index {
		return p.overlay[i-p.overlay[0].index].term, nil
	}
	return p.g.term(i)
}

func (s *Store) planUpdate(p *pending, u *raft.Update, b *pebble.Batch) error {
	want := p.shape
	if err := want.checkUpdate(u); err != nil {
		return err
	}
	g := p.g
	if !etcdraft.IsEmptyHardState(&u.HardState) {
		if err := s.touch(p, b); err != nil {
			return err
		}
		hs := proto.Clone(&u.HardState).(*raftpb.HardState)
		if err := s.put(b, groupKey(g.key, sfxHardState), hs); err != nil {
			return err
		}
		p.hs = hs
	}
	if !etcdraft.IsEmptySnap(&u.Snapshot) {
		if err := s.touch(p, b); err != nil {
			return err
		}
		snap := raftpb.EnsureSnapshot(proto.Clone(&u.Snapshot).(*raftpb.Snapshot))
		i, t := snap.GetMetadata().GetIndex(), snap.GetMetadata().GetTerm()
		if err := s.put(b, groupKey(g.key, sfxSnapshot), snap); err != nil {
			return err
		}
		if err := b.DeleteRange(entryKey(g.key, 0), entriesEnd(g.key), nil); err != nil {
			return err
		}
		k := groupKey(g.key, sfxLogState)
		if err := b.Set(k, logStateValue(k, i, t), nil); err != nil {
			return err
		}
		p.offset, p.offsetTerm, p.last, p.snapIndex = i, t, i, i
		p.snap, p.overlay, p.reset, p.disruptive = snap, nil, true, true
	}
	if n := uint64(len(u.Entries)); n > 0 {
		first := u.Entries[0].GetIndex()
		lastNew := first + n - 1
		if lastNew > p.offset {
			if err := s.touch(p, b); err != nil {
				return err
			}
			skip := uint64(0)
			if first <= p.offset {
				skip = p.offset + 1 - first
			}
			start := first + skip
			if start <= g.last {
				p.disruptive = true
			}
			if lastNew < p.last {
				if err := b.DeleteRange(entryKey(g.key, lastNew+1), entriesEnd(g.key), nil); err != nil {
					return err
				}
			}
			fresh, err := s.putEntries(b, g.key, u.Entries[skip:])
			if err != nil {
				return err
			}
			if len(p.overlay) > 0 && start >= p.overlay[0].index {
				keep := start - p.overlay[0].index
				p.overlay = append(p.overlay[:keep:keep], fresh...)
			} else {
				p.overlay = fresh
			}
			p.last = lastNew
			p.entries += uint64(len(fresh))
		}
	}
	if u.Meta != nil {
		if err := s.touch(p, b); err != nil {
			return err
		}
		m := append([]byte{}, u.Meta...)
		k := groupKey(g.key, sfxMeta)
		if err := b.Set(k, sealValue(append([]byte{}, m...), 0, k), nil); err != nil {
			return err
		}
		p.meta, p.metaSet = m, true
	}
	if p.shape != want {
		return fmt.Errorf("raftlog: group %q: internal error: planned %+v, checked %+v", g.name, p.shape, want)
	}
	return nil
}

// putEntries writes ents to b and returns their cache copies. The copies
// share one allocation, and their data another.
func (s *Store) putEntries(b *pebble.Batch, gk uint64, ents []raftpb.Entry) ([]*cachedEntry, error) {
	total := 0
	for i := range ents {
		total += len(ents[i].Data)
	}
	arena := make([]byte, 0, total)
	slab := make([]cachedEntry, len(ents))
	out := make([]*cachedEntry, len(ents))
	for i := range ents {
		e := &ents[i]
		ce := &slab[i]
		ce.index = e.GetIndex()
		ce.term = e.GetTerm()
		ce.typ = e.GetType()
		if e.Term != nil {
			ce.e.Term = &ce.term
		}
		if e.Index != nil {
			ce.e.Index = &ce.index
		}
		if e.Type != nil {
			ce.e.Type = &ce.typ
		}
		if e.Data != nil {
			off := len(arena)
			arena = append(arena, e.Data...)
			ce.e.Data = arena[off:len(arena):len(arena)]
		}
		s.kbuf = appendEntryKey(s.kbuf[:0], gk, ce.index)
		buf, err := proto.MarshalOptions{}.MarshalAppend(s.buf[:0], &ce.e)
		if err != nil {
			return nil, fmt.Errorf("raftlog: encode entry %d: %w", ce.index, err)
		}
		ce.size = uint64(len(buf))
		buf = sealValue(buf, 0, s.kbuf)
		s.buf = buf
		if err := b.Set(s.kbuf, buf, nil); err != nil {
			return nil, err
		}
		out[i] = ce
	}
	return out, nil
}

func (s *Store) planSnapshot(p *pending, r *request, b *pebble.Batch) error {
	want := p.shape
	if err := want.checkCreateSnapshot(r.index); err != nil {
		return err
	}
	t, err := p.term(r.index)
	if err != nil {
		return fmt.Errorf("raftlog: group %q: term of snapshot index %d: %w", p.g.name, r.index, err)
	}
	prev := p.snap
	if prev == nil {
		prev = p.g.snap
	}
	cs := r.cs
	if cs == nil {
		cs = prev.GetMetadata().GetConfState()
	}
	i := r.index
	snap := raftpb.EnsureSnapshot(&raftpb.Snapshot{
		Data: bytes.Clone(r.data),
		Metadata: &raftpb.SnapshotMetadata{
			Index:     &i,
			Term:      &t,
			ConfState: proto.Clone(cs).(*raftpb.ConfState),
		},
	})
	if err := s.touch(p, b); err != nil {
		return err
	}
	if err := s.put(b, groupKey(p.g.key, sfxSnapshot), snap); err != nil {
		return err
	}
	p.snap, p.snapIndex = snap, i
	r.snap = snap
	return nil
}

func (s *Store) planCompact(p *pending, i uint64, b *pebble.Batch) error {
	want := p.shape
	if err := want.checkCompact(i); err != nil {
		return err
	}
	t, err := p.term(i)
	if err != nil {
		return fmt.Errorf("raftlog: group %q: term of compaction index %d: %w", p.g.name, i, err)
	}
	if err := b.DeleteRange(entryKey(p.g.key, 0), entryKey(p.g.key, i+1), nil); err != nil {
		return err
	}
	k := groupKey(p.g.key, sfxLogState)
	if err := b.Set(k, logStateValue(k, i, t), nil); err != nil {
		return err
	}
	p.offset, p.offsetTerm, p.disruptive = i, t, true
	if len(p.overlay) > 0 && p.overlay[0].index <= i {
		drop := min(i+1-p.overlay[0].index, uint64(len(p.overlay)))
		p.overlay = p.overlay[drop:]
	}
	return nil
}

func (s *Store) planDelete(p *pending, b *pebble.Batch) error {
	if p.deleted {
		return nil
	}
	if err := b.DeleteRange(appendGroupPrefix(nil, p.g.key), groupEnd(p.g.key), nil); err != nil {
		return err
	}
	if err := b.Delete(nameKey(p.g.name), nil); err != nil {
		return err
	}
	p.deleted, p.disruptive, p.reset, p.overlay = true, true, true, nil
	return nil
}

// unmarshal decodes a checksum-verified payload, reporting failures as
// corruption.
func unmarshal(p []byte, m proto.Message) error {
	if err := proto.Unmarshal(p, m); err != nil {
		return fmt.Errorf("decode %T: %v: %w", m, err, ErrCorrupt)
	}
	return nil
}
