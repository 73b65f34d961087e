package store

import (
	"bytes"
	"time"
)

// MemStore is the in-memory Store.
//
// Messages live in one aligned seqList keyed by sequence (the index); every
// subject has its own seqList of sequences (its per-subject index), which
// gives per-subject counts, first and last sequences, ranks and "next
// message of this subject" in O(log n) without scanning messages. Messages
// with a deadline (max_age or ttl) also sit in a min-heap, so the next
// expiry is O(1) to read and expiring k messages costs O(k log n). The
// indexes and the algorithms over them are shared with FileStore
// (index.go).
type MemStore struct {
	clock func() int64 // set once at creation

	// mu guards everything below. Callbacks are never called with mu held.
	mu struct {
		streamIndex[memExt]
		consumers map[*memConsumer]struct{}
	}
}

// msg is a stored message's index entry.
type msg = entry[memExt]

// memExt is MemStore's part of an index entry: the payload, header
// followed by data.
type memExt struct {
	buf  []byte
	hlen int
}

func (e memExt) payloadLen() int { return len(e.buf) }

func (e memExt) hasHeader() bool { return e.hlen > 0 }

func (e memExt) accounted(subjLen int) uint64 { return uint64(subjLen+len(e.buf)) + 16 }

func (memExt) sizeOf(subj string, hdr, data []byte) uint64 { return MsgSize(subj, hdr, data) }
func (e memExt) hdr() []byte                               { return e.buf[:e.hlen] }
func (e memExt) data() []byte                              { return e.buf[e.hlen:] }

var _ Store = (*MemStore)(nil)

// NewMemStore returns an empty memory store. clock returns the current time
// in nanoseconds and is used only to timestamp StoreMsg; nil means the wall
// clock.
func NewMemStore(cfg StreamConfig, clock func() int64) (*MemStore, error) {
	if clock == nil {
		clock = func() int64 { return time.Now().UnixNano() }
	}
	s := &MemStore{clock: clock}
	s.mu.init(cfg)
	if cfg.FirstSeq > 0 {
		s.mu.first, s.mu.last = cfg.FirstSeq, cfg.FirstSeq-1
	}
	return s, nil
}

// RegisterStorageUpdates sets the handler told about storage changes.
func (s *MemStore) RegisterStorageUpdates(cb StorageUpdateHandler) { s.mu.setHandler(cb) }

// StoreMsg implements Store.
func (s *MemStore) StoreMsg(subj string, hdr, data []byte, ttl time.Duration) (uint64, int64, error) {
	s.mu.Lock()
	defer s.mu.unlockAndNotify()
	seq, ts := s.mu.last+1, max(s.clock(), s.mu.lastTS)
	if err := s.storeLocked(subj, hdr, data, seq, ts, ttl, true); err != nil {
		return 0, 0, err
	}
	return seq, ts, nil
}

// StoreMsgAt implements Store.
func (s *MemStore) StoreMsgAt(subj string, hdr, data []byte, seq uint64, ts int64, ttl time.Duration, checkLimits bool) error {
	s.mu.Lock()
	defer s.mu.unlockAndNotify()
	if seq == 0 {
		seq = s.mu.last + 1
	}
	return s.storeLocked(subj, hdr, data, seq, ts, ttl, checkLimits)
}

// storeLocked stores one message. s.mu must be held for writing.
func (s *MemStore) storeLocked(subj string, hdr, data []byte, seq uint64, ts int64, ttl time.Duration, check bool) error {
	if s.mu.closed {
		return ErrStoreClosed
	}
	ss, err := s.mu.admit(subj, hdr, data, seq, check)
	if err != nil {
		return err
	}
	var buf []byte
	if len(hdr)+len(data) > 0 {
		// One allocation that is not zeroed before the copy.
		buf = bytes.Join([][]byte{hdr, data}, nil)
	}
	s.mu.add(s, ss, subj, seq, ts, ttl, MsgSize(subj, hdr, data), memExt{buf: buf, hlen: len(hdr)})
	return nil
}

// removeAtLocked removes the message at index position p. expired says the
// caller already popped its expiry entry.
func (s *MemStore) removeAtLocked(p pos, expired, erase bool) {
	seq, m, size := s.mu.removeAt(p, expired)
	if erase {
		clear(m.ext.buf)
	}
	s.mu.ev.removed(seq, m.ss.subj, size)
}

// RemoveMsg implements Store.
func (s *MemStore) RemoveMsg(seq uint64) (bool, error) { return s.removeMsg(seq, false) }

// EraseMsg implements Store. The payload is zeroed before it is released.
func (s *MemStore) EraseMsg(seq uint64) (bool, error) { return s.removeMsg(seq, true) }

func (s *MemStore) removeMsg(seq uint64, erase bool) (bool, error) {
	s.mu.Lock()
	defer s.mu.unlockAndNotify()
	if s.mu.closed {
		return false, ErrStoreClosed
	}
	return s.mu.removeSeq(s, seq, erase), nil
}

// SkipMsg implements Store.
func (s *MemStore) SkipMsg(seq uint64) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if seq == 0 {
		seq = s.mu.last + 1
	}
	if err := s.skipLocked(seq, 1); err != nil {
		return 0, err
	}
	return seq, nil
}

// SkipMsgs implements Store.
func (s *MemStore) SkipMsgs(seq, num uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if seq == 0 {
		seq = s.mu.last + 1
	}
	return s.skipLocked(seq, num)
}

func (s *MemStore) skipLocked(seq, num uint64) error {
	if s.mu.closed {
		return ErrStoreClosed
	}
	if seq != s.mu.last+1 {
		return ErrSequenceMismatch
	}
	if num == 0 {
		return nil
	}
	s.mu.last = seq + num - 1
	if s.mu.msgs == 0 {
		s.mu.first, s.mu.firstTS = s.mu.last+1, 0
	}
	return nil
}

// UpdateConfig implements Store. Count, byte and per-subject limits are
// enforced before it returns; changed max_age or allow_msg_ttl settings
// recompute every deadline, and expired messages go at the owner's next
// ExpireMsgs. FirstSeq is ignored.
func (s *MemStore) UpdateConfig(cfg StreamConfig) error {
	s.mu.Lock()
	defer s.mu.unlockAndNotify()
	if s.mu.closed {
		return ErrStoreClosed
	}
	s.mu.updateConfig(s, cfg)
	return nil
}

// Stop implements Store.
func (s *MemStore) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopLocked()
}

func (s *MemStore) stopLocked() error {
	if s.mu.closed {
		return ErrStoreClosed
	}
	s.mu.closed = true
	for c := range s.mu.consumers {
		c.stop()
	}
	s.mu.consumers = nil
	return nil
}

// Delete implements Store: it removes every message (reporting the released
// usage) and stops the store, atomically.
func (s *MemStore) Delete() error {
	s.mu.Lock()
	defer s.mu.unlockAndNotify()
	if s.mu.closed {
		return ErrStoreClosed
	}
	s.mu.dropAll()
	s.mu.first = s.mu.last + 1
	return s.stopLocked()
}
