// Package store is the message store of JetStream streams: the Store and
// ConsumerStore interfaces and their in-memory implementations (MemStore).
// A file store will implement the same interfaces.
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
// Sizes are accounted as len(subject)+len(header)+len(data)+16 (MsgSize).
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
// The store never starts goroutines or timers. A message's deadline is
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
package store
