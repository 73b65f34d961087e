package raftlog

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"go.etcd.io/raft/v3/raftpb"

	"github.com/natsnet/natsnet/internal/raft"
)

// ErrClosed is returned by a Store, and the GroupLogs it handed out, once
// it is closed.
var ErrClosed = errors.New("raftlog: store closed")

// Defaults of Options.
const (
	DefaultCacheSize       = 64 << 20
	DefaultEntryCacheBytes = 256 << 10
	DefaultEntryCacheTotal = 256 << 20
)

// maxBatchRequests bounds how many requests one group commit gathers.
const maxBatchRequests = 4096

// Options configure Open.
type Options struct {
	// Logger receives the store's and pebble's logs; slog.Default() when nil.
	Logger *slog.Logger
	// CacheSize is the size in bytes of pebble's block cache;
	// DefaultCacheSize when 0.
	CacheSize int64
	// EntryCacheBytes bounds, per group, the bytes of the most recent
	// entries kept in memory to serve Entries and Term without reading
	// pebble; DefaultEntryCacheBytes when 0, no cache when negative.
	EntryCacheBytes int
	// EntryCacheTotal bounds the bytes of the entry caches of all groups
	// together: past it, the caches of the groups that appended least
	// recently are emptied. DefaultEntryCacheTotal when 0, no bound when
	// negative.
	EntryCacheTotal int64
	// NoSync commits without syncing the write-ahead log. A crash of the
	// machine may then lose acknowledged writes. For benchmarks only.
	NoSync bool

	fs vfs.FS // for tests: pebble's file system, the OS's when nil
}

// Stats counts the work of a Store since Open.
type Stats struct {
	// Saves is the number of Save calls made durable.
	Saves uint64
	// Requests is the number of Save, CreateSnapshot, Compact and Delete
	// calls made durable.
	Requests uint64
	// Commits is the number of pebble batch commits (group commits).
	Commits uint64
	// Syncs is the number of commits that synced the write-ahead log.
	// Saves/Syncs is the average number of Save calls sharing one sync.
	Syncs uint64
	// Entries is the number of entries written.
	Entries uint64
	// CacheBytes is the size of the entries held by the entry caches.
	CacheBytes int64
}

// Store is the durable raft.LogStore of all the Raft groups of a server,
// on one pebble database. See the package documentation for its layout.
type Store struct {
	db          *pebble.DB
	log         *slog.Logger
	cacheLimit  uint64 // per group
	cacheBudget int64  // all groups; 0 when unbounded
	writeOpts   *pebble.WriteOptions

	mu      sync.Mutex
	groups  map[string]*groupLog
	nextKey uint64 // next group key to allocate
	err     error  // sticky error of a failed commit

	closeMu  sync.RWMutex
	closed   bool
	isClosed atomic.Bool
	reqs     chan *request
	done     chan struct{} // closed when the committer exits

	saves, requests, commits, syncs, entries atomic.Uint64
	cacheGauge                               atomic.Int64

	// Committer state.
	buf        []byte
	kbuf       []byte
	pend       map[*groupLog]*pending
	order      []*pending
	cacheBytes int64 // entry cache bytes of all groups
}

var _ raft.LogStore = (*Store)(nil)

// Open opens, or creates, the store in directory dir and recovers every
// group persisted there. It fails with an error wrapping ErrCorrupt when a
// group's HardState, snapshot, metadata, compaction point or last entry
// fails its checksum: the server must not run a group on state it cannot
// trust (see the package documentation).
func Open(dir string, opts Options) (*Store, error) {
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	logger = logger.With("component", "raftlog")
	cacheSize := opts.CacheSize
	if cacheSize <= 0 {
		cacheSize = DefaultCacheSize
	}
	limit := uint64(DefaultEntryCacheBytes)
	switch {
	case opts.EntryCacheBytes > 0:
		limit = uint64(opts.EntryCacheBytes)
	case opts.EntryCacheBytes < 0:
		limit = 0
	}
	budget := opts.EntryCacheTotal
	switch {
	case budget == 0:
		budget = DefaultEntryCacheTotal
	case budget < 0:
		budget = 0
	}
	cache := pebble.NewCache(cacheSize)
	defer cache.Unref()
	start := time.Now()
	db, err := pebble.Open(dir, &pebble.Options{
		Cache:              cache,
		Logger:             pebbleLogger{logger},
		FormatMajorVersion: pebble.FormatNewest,
		FS:                 opts.fs,
	})
	if err != nil {
		return nil, fmt.Errorf("raftlog: open %s: %w", dir, err)
	}
	s := &Store{
		db:          db,
		log:         logger,
		cacheLimit:  limit,
		cacheBudget: budget,
		writeOpts:   pebble.Sync,
		groups:      make(map[string]*groupLog),
		nextKey:     1,
		reqs:        make(chan *request, maxBatchRequests),
		done:        make(chan struct{}),
		pend:        make(map[*groupLog]*pending),
	}
	if opts.NoSync {
		s.writeOpts = pebble.NoSync
	}
	if err := s.load(); err != nil {
		db.Close()
		return nil, err
	}
	go s.run()
	logger.Info("raftlog: opened", "dir", dir, "groups", len(s.groups), "elapsed", time.Since(start))
	return s, nil
}

// load checks the format version and recovers every group.
func (s *Store) load() error {
	v, ok, err := s.getValue(keyVersion)
	switch {
	case err != nil:
		return err
	case !ok:
		if err := s.db.Set(keyVersion, uint64Value(keyVersion, formatVersion), pebble.Sync); err != nil {
			return fmt.Errorf("raftlog: write format version: %w", err)
		}
	case len(v) != 8:
		return fmt.Errorf("raftlog: format version of %d bytes: %w", len(v), ErrCorrupt)
	case binary.BigEndian.Uint64(v) != formatVersion:
		return fmt.Errorf("raftlog: format version %d, want %d", binary.BigEndian.Uint64(v), formatVersion)
	}
	v, ok, err = s.getValue(keyNextGroup)
	if err != nil {
		return err
	}
	if ok {
		if len(v) != 8 {
			return fmt.Errorf("raftlog: group key counter of %d bytes: %w", len(v), ErrCorrupt)
		}
		s.nextKey = max(s.nextKey, binary.BigEndian.Uint64(v))
	}
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: []byte{nsName}, UpperBound: []byte{nsName + 1}})
	if err != nil {
		return fmt.Errorf("raftlog: list groups: %w", err)
	}
	defer it.Close()
	for valid := it.First(); valid; valid = it.Next() {
		name := string(it.Key()[1:])
		v, err := it.ValueAndErr()
		if err != nil {
			return fmt.Errorf("raftlog: group %q: read key: %w", name, err)
		}
		p, err := openValue(it.Key(), v)
		if err != nil {
			return fmt.Errorf("raftlog: group %q: %w", name, err)
		}
		if len(p) != 8 {
			return fmt.Errorf("raftlog: group %q: group key of %d bytes: %w", name, len(p), ErrCorrupt)
		}
		g := newGroupLog(s, name, binary.BigEndian.Uint64(p))
		if err := s.loadGroup(g); err != nil {
			return err
		}
		g.persisted = true
		s.groups[name] = g
		s.nextKey = max(s.nextKey, g.key+1)
	}
	if err := it.Error(); err != nil {
		return fmt.Errorf("raftlog: list groups: %w", err)
	}
	return nil
}

// loadGroup recovers the state of g from pebble.
func (s *Store) loadGroup(g *groupLog) error {
	fail := func(what string, err error) error {
		return fmt.Errorf("raftlog: group %q: load %s: %w", g.name, what, err)
	}
	if p, ok, err := s.getValue(groupKey(g.key, sfxHardState)); err != nil {
		return fail("hard state", err)
	} else if ok {
		hs := new(raftpb.HardState)
		if err := unmarshal(p, hs); err != nil {
			return fail("hard state", err)
		}
		g.hs = hs
	}
	if p, ok, err := s.getValue(groupKey(g.key, sfxSnapshot)); err != nil {
		return fail("snapshot", err)
	} else if ok {
		snap := new(raftpb.Snapshot)
		if err := unmarshal(p, snap); err != nil {
			return fail("snapshot", err)
		}
		g.snap = raftpb.EnsureSnapshot(snap)
	}
	if p, ok, err := s.getValue(groupKey(g.key, sfxMeta)); err != nil {
		return fail("meta", err)
	} else if ok {
		g.meta = append([]byte{}, p...)
	}
	if p, ok, err := s.getValue(groupKey(g.key, sfxLogState)); err != nil {
		return fail("compaction point", err)
	} else if ok {
		if len(p) != 16 {
			return fail("compaction point", fmt.Errorf("%d bytes: %w", len(p), ErrCorrupt))
		}
		g.offset, g.offsetTerm = binary.BigEndian.Uint64(p), binary.BigEndian.Uint64(p[8:])
	}
	if si := g.snap.GetMetadata().GetIndex(); g.offset > si {
		return fail("compaction point", fmt.Errorf("compacted to %d beyond snapshot %d: %w", g.offset, si, ErrCorrupt))
	}
	g.last = g.offset
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: entryKey(g.key, 0), UpperBound: entriesEnd(g.key)})
	if err != nil {
		return fail("entries", err)
	}
	defer it.Close()
	if it.First() {
		first, ok := entryIndex(it.Key(), g.key)
		if !ok || first != g.offset+1 {
			return fail("entries", fmt.Errorf("first entry key %x, want index %d: %w", it.Key(), g.offset+1, ErrCorrupt))
		}
		if !it.Last() {
			return fail("entries", fmt.Errorf("last entry: %w", it.Error()))
		}
		last, ok := entryIndex(it.Key(), g.key)
		if !ok {
			return fail("entries", fmt.Errorf("bad entry key %x: %w", it.Key(), ErrCorrupt))
		}
		v, err := it.ValueAndErr()
		if err != nil {
			return fail("entries", err)
		}
		if _, _, err := g.decodeEntry(it.Key(), v, last); err != nil {
			return fail("entries", err)
		}
		g.last = last
	}
	if err := it.Error(); err != nil {
		return fail("entries", err)
	}
	return nil
}

// getValue reads key and verifies its checksum; ok is false when the key
// does not exist. The payload is a copy.
func (s *Store) getValue(key []byte) (payload []byte, ok bool, err error) {
	v, closer, err := s.db.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("raftlog: read key %x: %w", key, err)
	}
	defer closer.Close()
	p, err := openValue(key, v)
	if err != nil {
		return nil, false, err
	}
	return append([]byte{}, p...), true, nil
}

// Groups lists, sorted, the groups with durable state.
func (s *Store) Groups() ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := make([]string, 0, len(s.groups))
	for name, g := range s.groups {
		if g.persisted {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names, nil
}

// Open returns the GroupLog of group, an empty one when the group has no
// state. Nothing is written until the first Save for the group.
func (s *Store) Open(group string) (raft.GroupLog, error) {
	return s.group(group)
}

// group returns the group log of name, creating it when needed.
func (s *Store) group(name string) (*groupLog, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	if g := s.groups[name]; g != nil {
		return g, nil
	}
	g := newGroupLog(s, name, s.nextKey)
	s.nextKey++
	s.groups[name] = g
	return g, nil
}

// Save makes the updates durable with one synced pebble commit shared
// with every concurrent Save, CreateSnapshot and Delete, and installs them
// in the groups' GroupLogs before it returns. The updates of one call are
// all applied or, when one is invalid (an entry gap, an out-of-date
// snapshot, a deleted group), none is. Save keeps copies of what it
// stores; the caller may reuse updates.
func (s *Store) Save(updates []raft.Update) error {
	if len(updates) == 0 {
		return nil
	}
	r := getRequest(reqSave)
	defer putRequest(r)
	r.updates = updates
	for i := range updates {
		g, err := s.group(updates[i].Group)
		if err != nil {
			return err
		}
		r.groups = append(r.groups, g)
	}
	return s.submit(r)
}

// Delete durably removes every key of group. Its GroupLog then fails with
// ErrDeleted; a later Open of the name starts an empty group under a new
// group key.
func (s *Store) Delete(group string) error {
	s.mu.Lock()
	g := s.groups[group]
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return ErrClosed
	}
	if g == nil {
		return nil
	}
	r := getRequest(reqDelete)
	defer putRequest(r)
	r.g = g
	return s.submit(r)
}

// Close waits for the pending requests, stops the committer and closes
// pebble. Neither the store nor its GroupLogs may be used afterwards.
func (s *Store) Close() error {
	s.closeMu.Lock()
	if s.closed {
		s.closeMu.Unlock()
		return ErrClosed
	}
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	close(s.reqs)
	s.closeMu.Unlock()
	<-s.done
	s.isClosed.Store(true)
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("raftlog: close: %w", err)
	}
	return nil
}

// Stats returns the store's counters.
func (s *Store) Stats() Stats {
	return Stats{
		Saves:      s.saves.Load(),
		Requests:   s.requests.Load(),
		Commits:    s.commits.Load(),
		Syncs:      s.syncs.Load(),
		Entries:    s.entries.Load(),
		CacheBytes: s.cacheGauge.Load(),
	}
}

// pebbleLogger adapts slog to pebble's logger.
type pebbleLogger struct{ l *slog.Logger }

func (p pebbleLogger) Infof(format string, args ...any) {
	p.l.Info("pebble: " + fmt.Sprintf(format, args...))
}

func (p pebbleLogger) Errorf(format string, args ...any) {
	p.l.Error("pebble: " + fmt.Sprintf(format, args...))
}

// Fatalf logs and panics: pebble calls it on unrecoverable states.
func (p pebbleLogger) Fatalf(format string, args ...any) {
	msg := "pebble: " + fmt.Sprintf(format, args...)
	p.l.Error(msg)
	panic(msg)
}
