package raftsim

import (
	"errors"
	"fmt"
	"slices"
	"sync"

	etcdraft "go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"

	"github.com/natsnet/natsnet/internal/raft"
)

// ErrInjected is returned by a Save that a test made fail.
var ErrInjected = errors.New("raftsim: injected save failure")

// MemStore is an in-memory raft.LogStore. Its state is what Save made
// durable: a host that is discarded without Stop loses exactly its
// unsaved work, as a crashed process would. Reopen the store in a new host
// to restart.
type MemStore struct {
	mu     sync.Mutex
	groups map[string]*memLog // guarded by mu
	// tear, when >= 0, makes the next Save persist only its first tear
	// updates and fail (a crash in the middle of a write). guarded by mu.
	tear  int
	saves int // guarded by mu
}

// NewMemStore returns an empty store.
func NewMemStore() *MemStore {
	return &MemStore{groups: make(map[string]*memLog), tear: -1}
}

type memLog struct {
	*etcdraft.MemoryStorage
	mu   sync.Mutex
	meta []byte // guarded by mu
}

var _ raft.LogStore = (*MemStore)(nil)

// Groups implements raft.LogStore.
func (s *MemStore) Groups() ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.groups))
	for id := range s.groups {
		out = append(out, id)
	}
	slices.Sort(out)
	return out, nil
}

// Open implements raft.LogStore.
func (s *MemStore) Open(group string) (raft.GroupLog, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.openLocked(group), nil
}

func (s *MemStore) openLocked(group string) *memLog {
	l := s.groups[group]
	if l == nil {
		l = &memLog{MemoryStorage: etcdraft.NewMemoryStorage()}
		s.groups[group] = l
	}
	return l
}

// TearNextSave makes the next Save persist only its first n updates and
// then fail, as if the process died during the write.
func (s *MemStore) TearNextSave(n int) {
	s.mu.Lock()
	s.tear = n
	s.mu.Unlock()
}

// Saves reports the number of Save calls.
func (s *MemStore) Saves() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.saves
}

// Save implements raft.LogStore.
func (s *MemStore) Save(updates []raft.Update) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.saves++
	n := len(updates)
	torn := s.tear >= 0
	if torn {
		n = min(n, s.tear)
		s.tear = -1
	}
	for i := range updates[:n] {
		u := &updates[i]
		if err := s.openLocked(u.Group).apply(u); err != nil {
			return fmt.Errorf("raftsim: save group %s: %w", u.Group, err)
		}
	}
	if torn {
		return ErrInjected
	}
	return nil
}

func (l *memLog) apply(u *raft.Update) error {
	if !etcdraft.IsEmptySnap(&u.Snapshot) {
		snap := &raftpb.Snapshot{Data: u.Snapshot.Data, Metadata: u.Snapshot.Metadata}
		if err := l.ApplySnapshot(snap); err != nil && !errors.Is(err, etcdraft.ErrSnapOutOfDate) {
			return err
		}
	}
	if len(u.Entries) > 0 {
		ents := make([]*raftpb.Entry, len(u.Entries))
		for i := range u.Entries {
			e := &u.Entries[i]
			ents[i] = &raftpb.Entry{Term: e.Term, Index: e.Index, Type: e.Type, Data: e.Data}
		}
		if err := l.Append(ents); err != nil {
			return err
		}
	}
	if !etcdraft.IsEmptyHardState(&u.HardState) {
		hs := &raftpb.HardState{Term: u.HardState.Term, Vote: u.HardState.Vote, Commit: u.HardState.Commit}
		if err := l.SetHardState(hs); err != nil {
			return err
		}
	}
	if u.Meta != nil {
		l.mu.Lock()
		l.meta = slices.Clone(u.Meta)
		l.mu.Unlock()
	}
	return nil
}

// Delete implements raft.LogStore.
func (s *MemStore) Delete(group string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.groups, group)
	return nil
}

// Close implements raft.LogStore.
func (s *MemStore) Close() error { return nil }

// Meta implements raft.GroupLog.
func (l *memLog) Meta() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.meta
}

// CreateSnapshot implements raft.GroupLog.
func (l *memLog) CreateSnapshot(index uint64, cs *raftpb.ConfState, data []byte) (raftpb.Snapshot, error) {
	s, err := l.MemoryStorage.CreateSnapshot(index, cs, data)
	if err != nil {
		return raftpb.Snapshot{}, err
	}
	return raftpb.Snapshot{Data: s.Data, Metadata: s.Metadata}, nil
}
