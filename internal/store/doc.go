// Package store is the message store of JetStream streams: the Store and
// ConsumerStore interfaces, their in-memory implementations (MemStore) and
// their durable ones (FileStore, see "File store" below).
//
// # Sequences and state
//
// Every stored message gets the next stream sequence, LastSeq+1; sequences
// never go backwards except through Truncate. Removing messages leaves gaps
// (interior deletes): FirstSeq is the lowest stored sequence and LastSeq the
// highest sequence ever assigned, so a stream whose newest messages were
// removed keeps its LastSeq. An empty store has FirstSeq == LastSeq+1, except
// a pristine one (new without StreamConfig.FirstSeq, or after Truncate(0)),
// which reports 0 and 0. NumDeleted counts the gaps in [FirstSeq, LastSeq];
// DeletedSeqs lists them.
//
// Sizes are accounted as len(subject)+len(header)+len(data)+16 in the
// MemStore (MsgSize) and with the reference file store's record framing,
// +30 and +4 more with a header, in the FileStore (FileMsgSize): stream
// info, max_bytes and account usage then agree with the reference for
// both kinds of stream.
//
// # Limits
//
// Under DiscardOld, max_msgs and max_bytes evict the oldest messages after a
// store; under DiscardNew the store fails with ErrMaxMsgs or ErrMaxBytes,
// except that a message on a subject already at max_msgs_per_subject is
// accepted because it evicts that subject's oldest message (unless
// DiscardNewPerSubject, which makes it ErrMaxMsgsPerSubject). The
// per-subject limit always evicts the subject's oldest otherwise.
// UpdateConfig enforces lowered limits on stored messages at once.
//
// # Determinism
//
// Every mutation is a deterministic function of the store's state and the
// call's arguments: two stores given the same calls hold the same messages,
// state and snapshot bytes. StoreMsg is the only call that reads the clock
// (func() int64 nanoseconds, given to NewMemStore); it never returns a
// timestamp earlier than LastTS. Replicated streams apply operations with
// StoreMsgAt, passing the sequence and timestamp chosen by the leader, and
// decide discard-new outcomes on the leader (checkLimits) so that replicas
// cannot diverge.
//
// # Expiry
//
// Expiry uses no goroutines or timers of the store's. A message's deadline is
// ts+max_age, or ts+ttl if that is earlier (with AllowMsgTTL); a negative
// ttl means never. The owner asks NextExpiry when to wake up and then calls
// ExpireMsgs(now), which removes every message whose deadline is <= now;
// ExpireMsgsLast also reports the removed messages that left their subject
// empty, for subject delete markers.
// Deadlines are kept in a min-heap, so neither call scans messages.
//
// # Ownership
//
// The store copies header and data on store, so callers may reuse their
// buffers; the subject of a new subject is cloned as well. Loads copy into
// the caller's *StoreMsg (allocated if nil), reusing its buffer: the
// Header and Data slices belong to the caller and stay valid until the
// StoreMsg is reused. Subject strings returned by loads are shared and
// immutable. Maps and slices returned by queries are fresh copies.
//
// # Errors
//
// Loads distinguish ErrEOF (beyond LastSeq, or nothing further in the
// direction of the search), ErrDeleted (a removed sequence within
// [FirstSeq, LastSeq]; errors.Is(ErrDeleted, ErrNotFound) holds) and
// ErrNotFound. After Stop every operation fails with ErrStoreClosed (queries
// that return no error report the last state).
//
// # Concurrency
//
// All methods are safe for concurrent use: mutations take the store's write
// lock, queries its read lock, and a query never allocates beyond what it
// returns. StorageUpdateHandler callbacks run after the lock is released.
// Lock order: stream store, then consumer store.
//
// # File store
//
// A FileStore keeps the same in-memory indexes as the MemStore (the
// sequence list, per-subject sequence lists, the expiry heap), but each
// index entry locates a record on disk instead of holding the payload; a
// load is one positioned read (or a copy from the write buffer) and a
// checksum check. Every mutation appends records to an append-only log
// split into block files, dir/<16 hex digits>.blk, ids increasing in log
// order; the last block takes the appends and is sealed (written out and
// fsynced) once FileConfig.BlockSize is reached.
//
// A block starts with a 48-byte header: "NNFB", version 1, flags (bit 0
// pristine, bit 1 restore block, bit 2 restore commit), two zero bytes, the
// block id, then the sequence state at the block's start (last sequence and
// last timestamp, little endian), zero padding and a CRC-32C (Castagnoli)
// of the 44 bytes before it. Records follow back to back, each framed as
// body length (uint32 LE) and CRC-32C of the length and body (uint32 LE),
// then the body, a type byte and its fields:
//
//	1 MSG     seq u64, ts i64, ttl varint, len(subject) uvarint,
//	          len(header) uvarint, subject, header, data
//	2 MSG s2  the same, header and data compressed together with s2
//	3 DEL     first seq u64, count uvarint, count-1 ascending deltas:
//	          removes those messages
//	4 RANGE   lo u64, hi u64, flags u8, last u64, lastTS i64: removes every
//	          message in [lo, hi]; with flag 1 also sets the sequence state
//	          (flag 2: pristine). Purge, Compact and Truncate are one each.
//	5 STATE   last u64, lastTS i64, flags u8: sets the sequence state
//	          (SkipMsgs)
//	6 PAD     seq u64, ts i64, zeros: an erased message, overwritten in
//	          place with the same length; it still advances the sequence
//
// Replay applies the records in log order, starting each block from its
// header's state. FirstSeq, FirstTS, counts and sizes are derived from the
// messages left; an empty store is pristine (0, 0) or has FirstSeq =
// LastSeq+1. Limits evictions, expiry and removals are logged as DEL
// records; nothing is re-derived from limits on replay, but the limits of
// the configuration the store is opened with are enforced afterwards (as
// UpdateConfig would).
//
// Space is reclaimed two ways. A front block without live messages is
// removed once a later block's header is durable. A sealed block more than
// half dead is rewritten in the background (temporary file, fsync, rename,
// directory fsync) keeping its live messages and the tombstones still
// needed: a tombstone is needed while a dead message record it removes is
// physically present in an earlier block. A block left empty is deleted.
//
// RestoreSnapshot writes the snapshot's messages to new blocks flagged as
// restore blocks, then a commit block, fsyncs all of them and only then
// deletes the old blocks. On open, blocks before the last committed restore
// are deleted, and restore blocks that end the log (an interrupted restore)
// are discarded.
//
// # Durability
//
// By default a StoreMsg returns only once its record is fsynced. Group
// commit makes this affordable: appends go to the write block's buffer
// under the store lock, then the caller waits for a round of the Syncer (one
// per process unless FileConfig.Syncer says otherwise), which writes out the
// buffers of every waiting store, fsyncs all their files in parallel, and
// releases the waiters; appends made meanwhile join the next round. Other
// durable-before-return operations: StoreMsgAt, SkipMsg(s), EraseMsg,
// Purge, PurgeEx, Compact, Truncate and RestoreSnapshot. RemoveMsg,
// ExpireMsgs and UpdateConfig evictions are written to the operating system
// at once but fsynced within 200ms, so a power loss may bring such a
// message back (redelivered, or expired again). With FileConfig.SyncInterval
// > 0 (async) every operation is acknowledged once written to the
// operating system, and fsyncs happen every interval. Sealing a block
// fsyncs it before the next block is written, so a crash loses at most a
// suffix of the log. After a failed write or fsync the store accepts no
// more mutations (the error is sticky and wraps ErrIO and the os error, for
// example syscall.ENOSPC); reopening it recovers what reached the disk.
//
// # Recovery
//
// Opening a FileStore scans every block and verifies every checksum; there
// are no index files to trust. A record that fails its checksum (or makes
// no sense) starts a damaged region; the scan resynchronises at the next
// offset where a valid record starts. In the last block, damage that no
// valid record follows is a torn write: it is cut off and the file
// truncated (LostData.Trimmed). Elsewhere the damaged bytes are skipped and
// reported (LostData.Bytes), and the sequences between the last message
// before the damage and the first after it that are not stored are reported
// as presumed lost (LostData.Msgs). A block whose header is damaged keeps
// its records and gets a repaired header. A lost DEL record cannot be
// detected: the messages it removed come back.
//
// Consumer state lives in one append-only operation log per consumer, see
// fileconsumer.go.
package store
