// Package raftlog is the durable raft.LogStore of a natsnet server: the
// entries, HardState, snapshots and host metadata of every Raft group the
// server hosts, in one pebble database.
//
// # Key layout
//
// Every key starts with a namespace byte:
//
//	0x01 'v'                      format version (uint64)
//	0x01 'n'                      next group key to allocate (uint64)
//	0x02 <group name>             group key of the named group (uint64)
//	0x03 <gk> 0x01                HardState
//	0x03 <gk> 0x02                latest snapshot (metadata and data)
//	0x03 <gk> 0x03                host metadata (opaque bytes)
//	0x03 <gk> 0x04                compaction point: index and term of the
//	                              entry before the first one kept
//	0x03 <gk> 0x10 <index:8 BE>   log entry
//
// A group key gk is a number allocated once per group name from a
// persisted counter and never reused, so a deleted group's keys can never
// be mistaken for a newer group's. It is encoded as one length byte n then
// n big-endian bytes (groups 1 to 255 take two bytes), which keeps the
// encoding ordered and prefix-free: all keys of a group share the prefix
// 0x03 <gk>, and Delete removes them with a single range deletion. Entries
// are keyed by big-endian index, so a range scan reads them in log order,
// and compaction and suffix truncation are range deletions too.
//
// Values are raftpb messages encoded with protobuf (the library's own
// encoding; entries are stored exactly as given, field presence included)
// or fixed-width big-endian integers, each followed by a 4-byte
// little-endian CRC-32C (Castagnoli) of the key and the payload. Pebble
// checksums its blocks; the per-value checksum also catches a value
// corrupted above pebble or written under the wrong key.
//
// # Checksum failures
//
// Nothing whose checksum fails is ever returned. Open verifies, for every
// group, the HardState, snapshot, metadata, compaction point and last
// entry, and fails with an error wrapping ErrCorrupt naming the group and
// key when one does not match: that state decides votes and commits, so
// the server must not start on it (the operator removes or repairs the
// damaged group, which raft then restores from its peers). Other entries
// are verified when read: Entries and Term return an error wrapping
// ErrCorrupt, which makes that group's raft node inoperable, as the
// etcdraft.Storage contract prescribes, while every other group runs on.
//
// # Group commit
//
// Save, CreateSnapshot, Compact and Delete hand a request to the store's
// committer goroutine and wait. The committer takes the first waiting
// request and every other one queued behind it, validates each against
// the state the batch leaves so far (a request that is invalid fails
// alone, without touching the batch), writes them all into one pebble
// batch and commits it with one sync. While it syncs, new requests queue
// up and form the next batch, so concurrent writers share syncs:
// Stats().Saves / Stats().Syncs is the sharing ratio. A batch that holds
// only compactions is committed without a sync: losing a compaction in a
// crash only leaves more log than needed, and the next synced commit makes
// it durable anyway (pebble's log is ordered).
//
// Only after the commit succeeded does the committer install the new state
// in the groups' memory (bounds, HardState, snapshot, metadata and the
// entry cache), so what GroupLogs serve is always durable. A failed commit
// fails every request of the batch and makes the store refuse further
// writes, since pebble's state after a failed sync is unknown.
//
// # Entry cache
//
// Each group keeps its most recent entries in memory, up to
// Options.EntryCacheBytes, always as a contiguous suffix of the durable
// log: appends extend it, conflicting appends truncate it first,
// snapshots clear it, compactions trim it. Entries and Term serve from it
// and read pebble only for older entries. The cache starts empty after
// Open and fills with new appends. Options.EntryCacheTotal bounds the
// caches of all groups together: when a commit takes them past it, the
// committer empties the caches of the groups that appended least recently
// (idle groups) down to 90% of the bound.
//
// # Concurrency
//
// A group's state changes only in the committer, under the group's lock;
// readers take the lock shared. When a batch deletes or rewrites durable
// entries of a group (suffix truncation, snapshot, compaction, Delete),
// the committer holds that group's lock across the commit, so that a
// reader never sees pebble ahead of the group's bounds; plain appends do
// not block readers.
package raftlog
