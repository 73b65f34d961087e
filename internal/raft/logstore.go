package raft

import (
	etcdraft "go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
)

// LogStore persists the Raft state of every group a server hosts: entries,
// HardState, snapshots and a little host metadata per group. One Save makes
// the updates of many groups durable with a single sync (group commit).
//
// Implementations: raftlog.Store (pebble, on disk) for servers, and an
// in-memory one for deterministic tests.
type LogStore interface {
	// Groups lists the groups that have persisted state, for restart.
	Groups() ([]string, error)
	// Open returns the log of group, creating an empty one when the group
	// has no state. Opening a group twice returns the same GroupLog.
	Open(group string) (GroupLog, error)
	// Save makes every update durable and visible through the groups'
	// GroupLogs before it returns. Updates of one group apply in order.
	// It is safe to call from several goroutines; concurrent calls share
	// syncs.
	Save(updates []Update) error
	// Delete removes every trace of group durably.
	Delete(group string) error
	// Close releases the store; GroupLogs must not be used afterwards.
	Close() error
}

// Update is what one Ready of one group asks to persist.
type Update struct {
	Group string
	// HardState is written unless it is empty (etcdraft.IsEmptyHardState).
	HardState raftpb.HardState
	// Snapshot, unless empty, replaces the log: entries at or below its
	// index are dropped. It is applied before Entries.
	Snapshot raftpb.Snapshot
	// Entries are appended. When the first has an index at or below the
	// last stored one, the stored suffix from that index on is replaced.
	Entries []raftpb.Entry
	// Meta, unless nil, replaces the group's opaque host metadata (for
	// example the map of replica ids to server ids).
	Meta []byte
}

// GroupLog is one group's view of a LogStore. Its etcdraft.Storage methods
// serve what Save made durable.
type GroupLog interface {
	etcdraft.Storage
	// CreateSnapshot durably records a snapshot of the applied state at
	// index (which must be applied, and not below the current snapshot),
	// so that Snapshot and a restart see it. It does not compact.
	CreateSnapshot(index uint64, cs *raftpb.ConfState, data []byte) (raftpb.Snapshot, error)
	// Compact discards the entries below index (index becomes the first
	// index - 1, as with etcdraft.MemoryStorage.Compact). index must not
	// be above the latest snapshot's index.
	Compact(index uint64) error
	// Meta returns the group's host metadata, nil when never set.
	Meta() []byte
}
