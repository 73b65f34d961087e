package store

import (
	"errors"
	"time"
)

// Errors returned by stores. Callers branch on them with errors.Is; the
// JetStream layer maps them to API error codes.
var (
	// ErrStoreClosed: the store was stopped or deleted.
	ErrStoreClosed = errors.New("store: closed")
	// ErrNotFound: no message matches (sequence below the first, no message
	// for a subject, no matching message for LoadLastMsg).
	ErrNotFound = errors.New("store: no message found")
	// ErrDeleted: the sequence lies within [FirstSeq, LastSeq] but its
	// message was removed. errors.Is(ErrDeleted, ErrNotFound) is true.
	ErrDeleted error = deletedError{}
	// ErrEOF: the sequence is beyond LastSeq, or no matching message exists
	// at or after (LoadNextMsg) or at or before (LoadPrevMsg) the start.
	ErrEOF = errors.New("store: end of stream")
	// ErrMaxMsgs: discard new policy and the max_msgs limit is reached.
	ErrMaxMsgs = errors.New("store: maximum messages exceeded")
	// ErrMaxBytes: discard new policy and the max_bytes limit would be passed.
	ErrMaxBytes = errors.New("store: maximum bytes exceeded")
	// ErrMaxMsgsPerSubject: discard new per subject and the subject is at
	// its max_msgs_per_subject limit.
	ErrMaxMsgsPerSubject = errors.New("store: maximum messages per subject exceeded")
	// ErrMaxMsgSize: header plus data is longer than max_msg_size.
	ErrMaxMsgSize = errors.New("store: message too large")
	// ErrSequenceMismatch: StoreMsgAt or SkipMsg got a sequence other than
	// LastSeq+1.
	ErrSequenceMismatch = errors.New("store: expected sequence does not match")
	// ErrInvalidSequence: a sequence argument is out of the allowed range
	// (for example Truncate beyond LastSeq).
	ErrInvalidSequence = errors.New("store: invalid sequence")
	// ErrBadSubject: the subject of a message to store is empty.
	ErrBadSubject = errors.New("store: empty subject")
	// ErrBadSnapshot: a snapshot failed its checksum, version or structure
	// checks.
	ErrBadSnapshot = errors.New("store: corrupt or unsupported snapshot")
	// ErrBadConsumerState: a consumer state update is internally
	// inconsistent (ack floor above delivered, pending out of range).
	ErrBadConsumerState = errors.New("store: bad consumer state")
	// ErrOldUpdate: a consumer state update is older than the current state.
	ErrOldUpdate = errors.New("store: old update ignored")
	// ErrNoAckPolicy: an ack or redelivery was recorded for an AckNone
	// consumer.
	ErrNoAckPolicy = errors.New("store: ack policy is none")
)

type deletedError struct{}

func (deletedError) Error() string        { return "store: message deleted" }
func (deletedError) Is(target error) bool { return target == ErrNotFound }

// DiscardPolicy selects what happens when a stream limit is reached.
type DiscardPolicy uint8

const (
	// DiscardOld removes the oldest messages to make room.
	DiscardOld DiscardPolicy = iota
	// DiscardNew rejects the new message.
	DiscardNew
)

// StreamConfig holds the limits a store enforces. Zero or negative limits
// mean unlimited.
type StreamConfig struct {
	MaxMsgs           int64
	MaxBytes          int64
	MaxAge            time.Duration
	MaxMsgsPerSubject int64
	// MaxMsgSize limits len(header)+len(data) of one message.
	MaxMsgSize int32
	Discard    DiscardPolicy
	// DiscardNewPerSubject, with DiscardNew, rejects a message whose subject
	// already holds MaxMsgsPerSubject messages instead of evicting the
	// subject's oldest.
	DiscardNewPerSubject bool
	// AllowMsgTTL makes the per-message ttl passed to StoreMsg effective.
	// When false the ttl is remembered but ignored; enabling it later with
	// UpdateConfig makes the remembered ttls count.
	AllowMsgTTL bool
	// FirstSeq is the sequence of the first message of a new, empty store.
	// It is only read when the store is created.
	FirstSeq uint64
}

// StoreMsg is a message loaded from a store. Loads fill a caller-supplied
// StoreMsg and reuse its buffer, so a caller that loads in a loop allocates
// nothing once the buffer is large enough.
type StoreMsg struct {
	Subject string
	Header  []byte // nil if the message has no header
	Data    []byte // nil if the message has no data
	Seq     uint64
	TS      int64         // nanoseconds since the Unix epoch
	TTL     time.Duration // as passed when stored; 0 none, <0 never expires
	buf     []byte
}

// set copies hdr and data into sm's reusable buffer.
func (sm *StoreMsg) set(subj string, hdr, data []byte, seq uint64, ts int64, ttl time.Duration) {
	n := len(hdr) + len(data)
	if cap(sm.buf) < n {
		sm.buf = make([]byte, n)
	}
	b := sm.buf[:n]
	copy(b, hdr)
	copy(b[len(hdr):], data)
	sm.Header, sm.Data = nil, nil
	if len(hdr) > 0 {
		sm.Header = b[:len(hdr):len(hdr)]
	}
	if len(data) > 0 {
		sm.Data = b[len(hdr):]
	}
	sm.Subject, sm.Seq, sm.TS, sm.TTL = subj, seq, ts, ttl
}

// MsgSize is the size a message is accounted with in a MemStore, against
// max_bytes and in StreamState.Bytes: subject, header and data plus 16
// bytes for sequence and timestamp. FileMsgSize is the FileStore's.
func MsgSize(subj string, hdr, data []byte) uint64 {
	return uint64(len(subj) + len(hdr) + len(data) + 16)
}

// Overheads of FileMsgSize.
const (
	fileMsgOverhead = 30
	fileHdrOverhead = 4
)

// FileMsgSize is the accounted size of a message in a FileStore:
// len(subject)+len(header)+len(data)+30, plus 4 when there is a header.
// These are the sizes the reference's file store reports (its record
// framing), so that stream info, max_bytes and account usage agree with
// it for file streams.
func FileMsgSize(subj string, hdr, data []byte) uint64 {
	n := uint64(len(subj)+len(hdr)+len(data)) + fileMsgOverhead
	if len(hdr) > 0 {
		n += fileHdrOverhead
	}
	return n
}

// StreamState summarises a store. Times are nanoseconds since the Unix
// epoch, 0 when unset.
type StreamState struct {
	Msgs     uint64
	Bytes    uint64
	FirstSeq uint64
	FirstTS  int64
	LastSeq  uint64
	LastTS   int64
	// NumSubjects is the number of distinct subjects with messages.
	NumSubjects int
	// NumDeleted is the number of sequences in [FirstSeq, LastSeq] without a
	// message (interior deletes); DeletedSeqs lists them.
	NumDeleted int
	// Consumers is the number of open consumer stores.
	Consumers int
}

// SimpleState is the state of a subset of messages.
type SimpleState struct {
	Msgs  uint64
	First uint64 // 0 if Msgs == 0
	Last  uint64 // 0 if Msgs == 0
}

// ExpiredLast is an expired message that was the last one on its subject.
type ExpiredLast struct {
	Subject string
	Header  []byte // a copy of the message's header, empty if none
}

// StorageUpdateHandler is told about every change in stored messages and
// bytes. A change of one message carries its sequence and subject; bulk
// changes (purges, limits evicting several messages, expiry of several)
// come as one call with seq 0 and an empty subject. It is called after the
// store's lock is released, so it may call back into the store; calls from
// concurrent operations may arrive in any order.
type StorageUpdateHandler func(msgs, bytes int64, seq uint64, subj string)

// Store is a JetStream stream's message store. All methods are safe for
// concurrent use. See the package documentation for the contract.
type Store interface {
	// StoreMsg stores a message with the next sequence and the store clock's
	// time (never earlier than the last message's), enforcing every limit.
	StoreMsg(subj string, hdr, data []byte, ttl time.Duration) (seq uint64, ts int64, err error)
	// StoreMsgAt stores a message with the given sequence and timestamp, the
	// entry point for applying replicated operations. seq must be LastSeq+1
	// (0 means LastSeq+1). checkLimits enables the discard new and
	// max_msg_size checks; limits that evict (discard old, per subject) are
	// always enforced.
	StoreMsgAt(subj string, hdr, data []byte, seq uint64, ts int64, ttl time.Duration, checkLimits bool) error
	// SkipMsg consumes sequence seq (0: LastSeq+1) without storing a message.
	SkipMsg(seq uint64) (uint64, error)
	// SkipMsgs consumes num sequences starting at seq (0: LastSeq+1).
	SkipMsgs(seq, num uint64) error

	// LoadMsg loads the message with sequence seq into sm (allocated if nil).
	LoadMsg(seq uint64, sm *StoreMsg) (*StoreMsg, error)
	// LoadNextMsg loads the first message at or after start whose subject
	// matches filter ("" or ">" match all).
	LoadNextMsg(filter string, start uint64, sm *StoreMsg) (*StoreMsg, error)
	// LoadNextMsgMulti is LoadNextMsg matching any of filters (none: all).
	LoadNextMsgMulti(filters []string, start uint64, sm *StoreMsg) (*StoreMsg, error)
	// LoadPrevMsg loads the last message at or before start matching filter.
	LoadPrevMsg(filter string, start uint64, sm *StoreMsg) (*StoreMsg, error)
	// LoadLastMsg loads the newest message whose subject matches filter.
	LoadLastMsg(filter string, sm *StoreMsg) (*StoreMsg, error)
	// SubjectForSeq returns the subject of the message with sequence seq.
	SubjectForSeq(seq uint64) (string, error)

	// RemoveMsg removes one message; false if it was not stored.
	RemoveMsg(seq uint64) (bool, error)
	// EraseMsg removes one message and overwrites its payload in memory.
	EraseMsg(seq uint64) (bool, error)
	// Purge removes all messages; the next sequence is unchanged.
	Purge() (uint64, error)
	// PurgeEx removes messages matching filter ("" or ">" all) with a
	// sequence below upTo (0: no bound), oldest first, leaving at least keep
	// (0: no minimum) of the matching messages. With an all filter, keep 0
	// and upTo > 0 it is Compact(upTo).
	PurgeEx(filter string, upTo, keep uint64) (uint64, error)
	// Compact removes all messages below seq. If seq > LastSeq+1 the store
	// becomes empty and the next message gets sequence seq.
	Compact(seq uint64) (uint64, error)
	// Truncate removes all messages above seq and makes seq the last
	// sequence. Truncate(0) resets the store to its pristine state.
	Truncate(seq uint64) error

	// State returns the store's summary.
	State() StreamState
	// DeletedSeqs lists the interior deleted sequences in ascending order.
	DeletedSeqs() []uint64
	// FilteredState summarises messages at or after start matching filter.
	FilteredState(start uint64, filter string) (SimpleState, error)
	// SubjectsState returns per-subject state for subjects matching filter.
	SubjectsState(filter string) map[string]SimpleState
	// SubjectsTotals returns per-subject message counts for a filter.
	SubjectsTotals(filter string) map[string]uint64
	// NumPending counts messages at or after start matching filter; with
	// lastPerSubject only the newest message of each subject is counted
	// (when it is at or after start).
	NumPending(start uint64, filter string, lastPerSubject bool) (uint64, error)
	// NumPendingMulti is NumPending matching any of filters (none: all).
	NumPendingMulti(start uint64, filters []string, lastPerSubject bool) (uint64, error)
	// GetSeqFromTime returns the first sequence whose timestamp is >= ts,
	// or LastSeq+1. Timestamps are assumed non-decreasing in sequence order.
	GetSeqFromTime(ts int64) uint64
	// NextSeqWithHeader returns the sequence of the first message at or
	// after start that has a header, from the index alone (a restart
	// refills the duplicate window from those).
	NextSeqWithHeader(start uint64) (uint64, bool)

	// ExpireMsgs removes every message whose max_age or ttl deadline is at
	// or before now and returns how many were removed.
	ExpireMsgs(now int64) int
	// ExpireMsgsLast is ExpireMsgs that also returns, in removal order,
	// the removed messages that were the last on their subject: the
	// stream leaves subject delete markers for them.
	ExpireMsgsLast(now int64) (int, []ExpiredLast)
	// NextExpiry returns the earliest pending expiry deadline.
	NextExpiry() (int64, bool)

	// UpdateConfig replaces the limits and enforces them on stored messages.
	// Age limits take effect at the owner's next ExpireMsgs.
	UpdateConfig(cfg StreamConfig) error
	// RegisterStorageUpdates sets (or with nil clears) the update handler.
	RegisterStorageUpdates(cb StorageUpdateHandler)

	// EncodeSnapshot encodes every message and the sequence state.
	EncodeSnapshot() ([]byte, error)
	// RestoreSnapshot replaces the store's contents with a snapshot.
	RestoreSnapshot(snap []byte) error

	// ConsumerStore opens the state store of a consumer of this stream.
	ConsumerStore(name string, cfg ConsumerConfig) (ConsumerStore, error)

	// Stop closes the store; later calls return ErrStoreClosed.
	Stop() error
	// Delete purges and closes the store.
	Delete() error
}
