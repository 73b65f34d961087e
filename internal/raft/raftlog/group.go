package raftlog

import (
	"bytes"
	"errors"
	"fmt"
	"sync"

	"github.com/cockroachdb/pebble/v2"
	etcdraft "go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/natsnet/natsnet/internal/raft"
)

// ErrDeleted is returned by the methods of a GroupLog whose group was
// deleted with Store.Delete.
var ErrDeleted = errors.New("raftlog: group deleted")

// cachedEntry is one entry of a group's in-memory cache. It owns the
// scalars the entry's pointer fields point to, so that a cached entry
// costs a single allocation (and usually shares it with its neighbours).
type cachedEntry struct {
	e     raftpb.Entry
	term  uint64
	index uint64
	typ   raftpb.EntryType
	size  uint64 // proto.Size(&e), the size raft limits Entries by
}

// groupLog is the GroupLog of one group. Its state only changes in the
// store's committer goroutine, after the change is durable, under mu.
// The committer reads it without mu (it is the only writer); every other
// reader holds mu.RLock.
type groupLog struct {
	s    *Store
	name string
	key  uint64 // numeric group key, the prefix of all its pebble keys

	mu        sync.RWMutex
	persisted bool // the name->key mapping is durable (written under s.mu)
	deleted   bool
	hs        *raftpb.HardState // nil when never set
	snap      *raftpb.Snapshot  // latest snapshot, never nil
	meta      []byte            // nil when never set
	// offset is the index of the entry before the first one (the
	// compaction point), offsetTerm its term. The log holds the entries
	// offset+1..last; it is empty when last == offset.
	offset, offsetTerm uint64
	last               uint64
	// cache holds the entries cacheFirst()..last, the most recent ones,
	// exactly as durable; cacheBytes is the sum of their sizes.
	cache      []*cachedEntry
	cacheBytes uint64
	cacheTick  uint64 // commit count when entries were last cached (committer only)
}

var _ raft.GroupLog = (*groupLog)(nil)

func newGroupLog(s *Store, name string, key uint64) *groupLog {
	return &groupLog{s: s, name: name, key: key, snap: raftpb.EnsureSnapshot(nil)}
}

// usable reports why the group log cannot serve reads, if it cannot.
func (g *groupLog) usable() error {
	if g.deleted {
		return fmt.Errorf("raftlog: group %q: %w", g.name, ErrDeleted)
	}
	if g.s.isClosed.Load() {
		return fmt.Errorf("raftlog: group %q: %w", g.name, ErrClosed)
	}
	return nil
}

// InitialState implements etcdraft.Storage: the saved HardState (nil when
// none was saved) and the ConfState of the latest snapshot.
func (g *groupLog) InitialState() (*raftpb.HardState, *raftpb.ConfState, error) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	if err := g.usable(); err != nil {
		return nil, nil, err
	}
	var hs *raftpb.HardState
	if g.hs != nil {
		hs = proto.Clone(g.hs).(*raftpb.HardState)
	}
	cs := proto.Clone(g.snap.GetMetadata().GetConfState()).(*raftpb.ConfState)
	return hs, raftpb.EnsureConfState(cs), nil
}

// Entries implements etcdraft.Storage. Recent entries come from the cache,
// older ones from pebble, checksum-verified.
func (g *groupLog) Entries(lo, hi, maxSize uint64) ([]*raftpb.Entry, error) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	if err := g.usable(); err != nil {
		return nil, err
	}
	if lo <= g.offset {
		return nil, etcdraft.ErrCompacted
	}
	if hi > g.last+1 {
		return nil, fmt.Errorf("raftlog: group %q: entries [%d, %d) beyond last index %d: %w",
			g.name, lo, hi, g.last, etcdraft.ErrUnavailable)
	}
	if g.last == g.offset {
		return nil, etcdraft.ErrUnavailable
	}
	if lo >= hi {
		return nil, nil
	}
	out := make([]*raftpb.Entry, 0, min(hi-lo, 256))
	var size uint64
	cf := g.cacheFirst()
	if lo < cf {
		var full bool
		var err error
		out, size, full, err = g.readEntries(out, lo, min(hi, cf), maxSize)
		if err != nil || full {
			return out, err
		}
	}
	for i := max(lo, cf); i < hi; i++ {
		ce := g.cache[i-cf]
		size += ce.size
		if len(out) > 0 && size > maxSize {
			break
		}
		out = append(out, &ce.e)
	}
	return out, nil
}

// readEntries appends the entries lo..hi-1 read from pebble to out while
// their total size (with the size already counted) stays within maxSize;
// the first entry of the result is always included. full reports that the
// limit stopped the read.
func (g *groupLog) readEntries(out []*raftpb.Entry, lo, hi, maxSize uint64) (_ []*raftpb.Entry, size uint64, full bool, err error) {
	it, err := g.s.db.NewIter(&pebble.IterOptions{
		LowerBound: entryKey(g.key, lo),
		UpperBound: entryKey(g.key, hi),
	})
	if err != nil {
		return out, 0, false, fmt.Errorf("raftlog: group %q: read entries [%d, %d): %w", g.name, lo, hi, err)
	}
	defer it.Close()
	next := lo
	for valid := it.First(); valid; valid = it.Next() {
		idx, ok := entryIndex(it.Key(), g.key)
		if !ok || idx != next {
			return out, size, false, fmt.Errorf("raftlog: group %q: entry %d missing (found key %x): %w",
				g.name, next, it.Key(), ErrCorrupt)
		}
		v, err := it.ValueAndErr()
		if err != nil {
			return out, size, false, fmt.Errorf("raftlog: group %q: read entry %d: %w", g.name, idx, err)
		}
		e, sz, err := g.decodeEntry(it.Key(), v, idx)
		if err != nil {
			return out, size, false, err
		}
		size += sz
		if len(out) > 0 && size > maxSize {
			return out, size, true, nil
		}
		out = append(out, e)
		next++
	}
	if err := it.Error(); err != nil {
		return out, size, false, fmt.Errorf("raftlog: group %q: read entries [%d, %d): %w", g.name, lo, hi, err)
	}
	if next != hi {
		return out, size, false, fmt.Errorf("raftlog: group %q: entry %d missing (log should reach %d): %w",
			g.name, next, hi-1, ErrCorrupt)
	}
	return out, size, false, nil
}

// decodeEntry verifies and decodes the value v of entry idx read under key.
func (g *groupLog) decodeEntry(key, v []byte, idx uint64) (*raftpb.Entry, uint64, error) {
	payload, err := openValue(key, v)
	if err != nil {
		return nil, 0, fmt.Errorf("raftlog: group %q: entry %d: %w", g.name, idx, err)
	}
	e := new(raftpb.Entry)
	if err := proto.Unmarshal(payload, e); err != nil {
		return nil, 0, fmt.Errorf("raftlog: group %q: entry %d: %v: %w", g.name, idx, err, ErrCorrupt)
	}
	if e.GetIndex() != idx {
		return nil, 0, fmt.Errorf("raftlog: group %q: entry %d holds index %d: %w", g.name, idx, e.GetIndex(), ErrCorrupt)
	}
	return e, uint64(len(payload)), nil
}

// Term implements etcdraft.Storage.
func (g *groupLog) Term(i uint64) (uint64, error) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	if err := g.usable(); err != nil {
		return 0, err
	}
	return g.term(i)
}

// term returns the durable term of entry i. The caller holds mu or is the
// committer.
func (g *groupLog) term(i uint64) (uint64, error) {
	switch {
	case i < g.offset:
		return 0, etcdraft.ErrCompacted
	case i > g.last:
		return 0, etcdraft.ErrUnavailable
	case i == g.offset:
		return g.offsetTerm, nil
	}
	if cf := g.cacheFirst(); i >= cf {
		return g.cache[i-cf].term, nil
	}
	if g.s.isClosed.Load() {
		return 0, fmt.Errorf("raftlog: group %q: %w", g.name, ErrClosed)
	}
	e, err := g.readEntry(i)
	if err != nil {
		return 0, err
	}
	return e.GetTerm(), nil
}

// readEntry reads entry i from pebble.
func (g *groupLog) readEntry(i uint64) (*raftpb.Entry, error) {
	key := entryKey(g.key, i)
	v, closer, err := g.s.db.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, fmt.Errorf("raftlog: group %q: entry %d missing: %w", g.name, i, ErrCorrupt)
	}
	if err != nil {
		return nil, fmt.Errorf("raftlog: group %q: read entry %d: %w", g.name, i, err)
	}
	defer closer.Close()
	e, _, err := g.decodeEntry(key, v, i)
	return e, err
}

// LastIndex implements etcdraft.Storage.
func (g *groupLog) LastIndex() (uint64, error) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	if err := g.usable(); err != nil {
		return 0, err
	}
	return g.last, nil
}

// FirstIndex implements etcdraft.Storage.
func (g *groupLog) FirstIndex() (uint64, error) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	if err := g.usable(); err != nil {
		return 0, err
	}
	return g.offset + 1, nil
}

// Snapshot implements etcdraft.Storage: a copy of the latest snapshot.
func (g *groupLog) Snapshot() (*raftpb.Snapshot, error) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	if err := g.usable(); err != nil {
		return nil, err
	}
	return proto.Clone(g.snap).(*raftpb.Snapshot), nil
}

// Meta returns a copy of the group's host metadata, nil when never set.
func (g *groupLog) Meta() []byte {
	g.mu.RLock()
	defer g.mu.RUnlock()
	if g.meta == nil {
		return nil
	}
	return bytes.Clone(g.meta)
}

// CreateSnapshot durably records a snapshot at index with the given
// ConfState (the previous one when cs is nil) and data, sharing a sync
// with concurrent writers. It returns etcdraft.ErrSnapOutOfDate when index
// is not above the current snapshot's.
func (g *groupLog) CreateSnapshot(index uint64, cs *raftpb.ConfState, data []byte) (raftpb.Snapshot, error) {
	r := getRequest(reqSnapshot)
	defer putRequest(r)
	r.g, r.index, r.cs, r.data = g, index, cs, data
	if err := g.s.submit(r); err != nil {
		return raftpb.Snapshot{}, err
	}
	return raftpb.Snapshot{
		Data:     bytes.Clone(r.snap.Data),
		Metadata: proto.Clone(r.snap.Metadata).(*raftpb.SnapshotMetadata),
	}, nil
}

// Compact discards the entries up to index (which stays as the term-only
// entry before the first). It returns etcdraft.ErrCompacted when index is
// already compacted. The compaction is committed without a sync of its
// own: a crash may lose it, which only leaves more log than needed; the
// next synced commit of the store makes it durable.
func (g *groupLog) Compact(index uint64) error {
	r := getRequest(reqCompact)
	defer putRequest(r)
	r.g, r.index = g, index
	return g.s.submit(r)
}

// cacheFirst returns the index of the first cached entry, last+1 when the
// cache is empty.
func (g *groupLog) cacheFirst() uint64 {
	if len(g.cache) == 0 {
		return g.last + 1
	}
	return g.cache[0].index
}

// dropCache empties the cache.
func (g *groupLog) dropCache() {
	clear(g.cache)
	g.cache, g.cacheBytes = nil, 0
}

// dropFront drops the first n cached entries.
func (g *groupLog) dropFront(n int) {
	if n >= len(g.cache) {
		g.dropCache()
		return
	}
	for _, ce := range g.cache[:n] {
		g.cacheBytes -= ce.size
	}
	clear(g.cache[:n])
	g.cache = g.cache[n:]
}

// truncateCache drops the cached entries at or above index i.
func (g *groupLog) truncateCache(i uint64) {
	if len(g.cache) == 0 {
		return
	}
	c0 := g.cache[0].index
	if i <= c0 {
		g.dropCache()
		return
	}
	keep := i - c0
	if keep >= uint64(len(g.cache)) {
		return
	}
	for _, ce := range g.cache[keep:] {
		g.cacheBytes -= ce.size
	}
	clear(g.cache[keep:])
	g.cache = g.cache[:keep]
}

// apply installs the state a committed batch produced for this group.
// The caller holds mu.
func (g *groupLog) apply(p *pending, limit uint64) {
	if p.deleted {
		g.deleted = true
		g.dropCache()
		return
	}
	if p.hs != nil {
		g.hs = p.hs
	}
	if p.snap != nil {
		g.snap = p.snap
	}
	if p.metaSet {
		g.meta = p.meta
	}
	if p.reset {
		g.dropCache()
	}
	if len(p.overlay) > 0 {
		first := p.overlay[0].index
		g.truncateCache(first)
		if n := len(g.cache); n > 0 && g.cache[n-1].index+1 != first {
			g.dropCache()
		}
		for _, ce := range p.overlay {
			g.cacheBytes += ce.size
		}
		g.cache = append(g.cache, p.overlay...)
	}
	g.offset, g.offsetTerm, g.last = p.offset, p.offsetTerm, p.last
	g.truncateCache(g.last + 1)
	if len(g.cache) > 0 && g.cache[0].index <= g.offset {
		g.dropFront(int(min(g.offset+1-g.cache[0].index, uint64(len(g.cache)))))
	}
	n := 0
	for held := g.cacheBytes; n < len(g.cache) && held > limit; n++ {
		held -= g.cache[n].size
	}
	if n > 0 {
		g.dropFront(n)
	}
}
