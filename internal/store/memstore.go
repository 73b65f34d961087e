package store

import (
	"bytes"
	"slices"
	"strings"
	"sync"
	"time"
)

// MemStore is the in-memory Store.
//
// Messages live in one aligned seqList keyed by sequence (the index); every
// subject has its own seqList of sequences (its per-subject index), which
// gives per-subject counts, first and last sequences, ranks and "next
// message of this subject" in O(log n) without scanning messages. Messages
// with a deadline (max_age or ttl) also sit in a min-heap, so the next
// expiry is O(1) to read and expiring k messages costs O(k log n).
type MemStore struct {
	clock func() int64 // set once at creation

	// Wildcard searches scan scanBase+scanPerSubject*subjects messages
	// before walking subjects (tests lower them to force the walk).
	scanBase, scanPerSubject int

	// mu guards everything below. Callbacks are never called with mu held.
	mu struct {
		sync.RWMutex
		closed    bool
		cfg       StreamConfig
		first     uint64 // FirstSeq; LastSeq+1 when empty (0 when pristine)
		last      uint64
		firstTS   int64
		lastTS    int64
		msgs      uint64
		bytes     uint64
		index     seqList[msg]
		subjects  map[string]*subjState
		exp       expiryHeap
		cb        StorageUpdateHandler
		ev        events // changes to report once mu is released
		consumers map[*memConsumer]struct{}
	}
}

// msg is a stored message. The subject string is shared with its
// subjState; buf holds the header followed by the data.
type msg struct {
	ss   *subjState
	buf  []byte
	ts   int64
	ttl  time.Duration
	hlen int
}

func (m *msg) hdr() []byte  { return m.buf[:m.hlen] }
func (m *msg) data() []byte { return m.buf[m.hlen:] }
func (m *msg) size() uint64 { return uint64(len(m.ss.subj)+len(m.buf)) + 16 }

// subjState is the per-subject index: the sequences of the subject's
// messages in ascending order.
type subjState struct {
	subj string
	seqs seqList[struct{}]
}

var _ Store = (*MemStore)(nil)

// NewMemStore returns an empty memory store. clock returns the current time
// in nanoseconds and is used only to timestamp StoreMsg; nil means the wall
// clock.
func NewMemStore(cfg StreamConfig, clock func() int64) (*MemStore, error) {
	if clock == nil {
		clock = func() int64 { return time.Now().UnixNano() }
	}
	s := &MemStore{clock: clock, scanBase: 16, scanPerSubject: 4}
	s.mu.cfg = normalizeConfig(cfg)
	s.mu.index.aligned = true
	s.mu.subjects = make(map[string]*subjState)
	if cfg.FirstSeq > 0 {
		s.mu.first, s.mu.last = cfg.FirstSeq, cfg.FirstSeq-1
	}
	return s, nil
}

func normalizeConfig(cfg StreamConfig) StreamConfig {
	cfg.MaxMsgs = max(cfg.MaxMsgs, 0)
	cfg.MaxBytes = max(cfg.MaxBytes, 0)
	cfg.MaxAge = max(cfg.MaxAge, 0)
	cfg.MaxMsgsPerSubject = max(cfg.MaxMsgsPerSubject, 0)
	cfg.MaxMsgSize = max(cfg.MaxMsgSize, 0)
	return cfg
}

// unlockAndNotify releases mu and then reports the changes collected while
// it was held.
func (s *MemStore) unlockAndNotify() {
	ev, cb := s.mu.ev, s.mu.cb
	s.mu.ev = events{}
	s.mu.Unlock()
	if cb != nil {
		ev.fire(cb)
	}
}

// RegisterStorageUpdates sets the handler told about storage changes.
func (s *MemStore) RegisterStorageUpdates(cb StorageUpdateHandler) {
	s.mu.Lock()
	s.mu.cb = cb
	s.mu.Unlock()
}

// StoreMsg implements Store.
func (s *MemStore) StoreMsg(subj string, hdr, data []byte, ttl time.Duration) (uint64, int64, error) {
	s.mu.Lock()
	defer s.unlockAndNotify()
	seq, ts := s.mu.last+1, max(s.clock(), s.mu.lastTS)
	if err := s.storeLocked(subj, hdr, data, seq, ts, ttl, true); err != nil {
		return 0, 0, err
	}
	return seq, ts, nil
}

// StoreMsgAt implements Store.
func (s *MemStore) StoreMsgAt(subj string, hdr, data []byte, seq uint64, ts int64, ttl time.Duration, checkLimits bool) error {
	s.mu.Lock()
	defer s.unlockAndNotify()
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
	if subj == "" {
		return ErrBadSubject
	}
	if seq != s.mu.last+1 {
		return ErrSequenceMismatch
	}
	ss := s.mu.subjects[subj]
	if check {
		if err := s.checkDiscardNewLocked(ss, subj, hdr, data); err != nil {
			return err
		}
	}
	if ss == nil {
		ss = &subjState{subj: strings.Clone(subj)}
		s.mu.subjects[ss.subj] = ss
	}
	var buf []byte
	if len(hdr)+len(data) > 0 {
		// One allocation that is not zeroed before the copy.
		buf = bytes.Join([][]byte{hdr, data}, nil)
	}
	s.mu.index.push(seq, msg{ss: ss, buf: buf, ts: ts, ttl: ttl, hlen: len(hdr)})
	ss.seqs.push(seq, struct{}{})
	size := MsgSize(subj, hdr, data)
	if s.mu.msgs == 0 {
		s.mu.first, s.mu.firstTS = seq, ts
	}
	s.mu.msgs++
	s.mu.bytes += size
	s.mu.last, s.mu.lastTS = seq, ts
	s.mu.ev.added(seq, ss.subj, size)
	if d := s.deadlineLocked(ts, ttl); d != noDeadline {
		s.mu.exp.push(expEntry{d, seq})
	}
	if maxp := s.mu.cfg.MaxMsgsPerSubject; maxp > 0 {
		s.enforceSubjectLimitLocked(ss, uint64(maxp))
	}
	s.enforceLimitsLocked()
	return nil
}

// checkDiscardNewLocked applies max_msg_size and the discard new policy to
// a message about to be stored on subject ss (nil if new).
func (s *MemStore) checkDiscardNewLocked(ss *subjState, subj string, hdr, data []byte) error {
	cfg := &s.mu.cfg
	if cfg.MaxMsgSize > 0 && len(hdr)+len(data) > int(cfg.MaxMsgSize) {
		return ErrMaxMsgSize
	}
	if cfg.Discard != DiscardNew {
		return nil
	}
	// A subject at its per-subject limit evicts its own oldest message, so
	// the store does not grow by a message.
	atSubjLimit := cfg.MaxMsgsPerSubject > 0 && ss != nil && ss.seqs.len() >= int(cfg.MaxMsgsPerSubject)
	if atSubjLimit && cfg.DiscardNewPerSubject {
		return ErrMaxMsgsPerSubject
	}
	if cfg.MaxMsgs > 0 && s.mu.msgs >= uint64(cfg.MaxMsgs) && !atSubjLimit {
		return ErrMaxMsgs
	}
	if size := MsgSize(subj, hdr, data); cfg.MaxBytes > 0 && s.mu.bytes+size > uint64(cfg.MaxBytes) {
		if !atSubjLimit {
			return ErrMaxBytes
		}
		f, _ := ss.seqs.first()
		m, _ := s.mu.index.get(f)
		if s.mu.bytes+size-m.size() > uint64(cfg.MaxBytes) {
			return ErrMaxBytes
		}
	}
	return nil
}

// enforceSubjectLimitLocked evicts the oldest messages of ss beyond maxp.
func (s *MemStore) enforceSubjectLimitLocked(ss *subjState, maxp uint64) {
	for uint64(ss.seqs.len()) > maxp {
		f, _ := ss.seqs.first()
		s.removeSeqLocked(f, false, false)
	}
}

// enforceLimitsLocked evicts the oldest messages beyond max_msgs and
// max_bytes under the discard old policy.
func (s *MemStore) enforceLimitsLocked() {
	cfg := &s.mu.cfg
	if cfg.Discard != DiscardOld {
		return
	}
	for cfg.MaxMsgs > 0 && s.mu.msgs > uint64(cfg.MaxMsgs) {
		s.removeSeqLocked(s.mu.first, false, false)
	}
	for cfg.MaxBytes > 0 && s.mu.bytes > uint64(cfg.MaxBytes) {
		s.removeSeqLocked(s.mu.first, false, false)
	}
}

// removeSeqLocked removes the message with sequence seq if stored.
func (s *MemStore) removeSeqLocked(seq uint64, expired, erase bool) bool {
	p, ok := s.mu.index.find(seq)
	if !ok {
		return false
	}
	s.removeAtLocked(p, expired, erase)
	return true
}

// removeAtLocked removes the message at index position p. expired says the
// caller already popped its expiry entry.
func (s *MemStore) removeAtLocked(p pos, expired, erase bool) {
	idx := &s.mu.index
	seq, m := idx.key(p), *idx.val(p)
	size := m.size()
	if erase {
		clear(m.buf)
	}
	ss := m.ss
	if f, _ := ss.seqs.first(); f == seq {
		ss.seqs.remove(pos{})
	} else if sp, ok := ss.seqs.find(seq); ok {
		ss.seqs.remove(sp)
	}
	if ss.seqs.len() == 0 {
		delete(s.mu.subjects, ss.subj)
	}
	idx.remove(p)
	s.mu.msgs--
	s.mu.bytes -= size
	if seq == s.mu.first {
		if idx.len() > 0 {
			fp := pos{}
			s.mu.first, s.mu.firstTS = idx.key(fp), idx.val(fp).ts
		} else {
			s.mu.first, s.mu.firstTS = s.mu.last+1, 0
		}
	}
	s.mu.ev.removed(seq, ss.subj, size)
	if !expired && s.deadlineLocked(m.ts, m.ttl) != noDeadline {
		s.mu.exp.stale++
	}
	s.pruneExpiryLocked()
}

// RemoveMsg implements Store.
func (s *MemStore) RemoveMsg(seq uint64) (bool, error) { return s.removeMsg(seq, false) }

// EraseMsg implements Store. The payload is zeroed before it is released.
func (s *MemStore) EraseMsg(seq uint64) (bool, error) { return s.removeMsg(seq, true) }

func (s *MemStore) removeMsg(seq uint64, erase bool) (bool, error) {
	s.mu.Lock()
	defer s.unlockAndNotify()
	if s.mu.closed {
		return false, ErrStoreClosed
	}
	return s.removeSeqLocked(seq, false, erase), nil
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
	defer s.unlockAndNotify()
	if s.mu.closed {
		return ErrStoreClosed
	}
	old := s.mu.cfg
	cfg = normalizeConfig(cfg)
	cfg.FirstSeq = old.FirstSeq
	s.mu.cfg = cfg
	if cfg.MaxAge != old.MaxAge || cfg.AllowMsgTTL != old.AllowMsgTTL {
		s.rebuildExpiryLocked()
	}
	if maxp := cfg.MaxMsgsPerSubject; maxp > 0 && (old.MaxMsgsPerSubject == 0 || maxp < old.MaxMsgsPerSubject) {
		// Evict in subject order so that every replica evicts identically.
		var over []*subjState
		for _, ss := range s.mu.subjects {
			if int64(ss.seqs.len()) > maxp {
				over = append(over, ss)
			}
		}
		slices.SortFunc(over, func(a, b *subjState) int { return strings.Compare(a.subj, b.subj) })
		for _, ss := range over {
			s.enforceSubjectLimitLocked(ss, uint64(maxp))
		}
	}
	s.enforceLimitsLocked()
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
	defer s.unlockAndNotify()
	if s.mu.closed {
		return ErrStoreClosed
	}
	s.clearLocked()
	s.mu.first = s.mu.last + 1
	return s.stopLocked()
}

// events accumulates storage changes while s.mu is held.
type events struct {
	addN, addBytes int64
	addSeq         uint64
	addSubj        string
	rmN, rmBytes   int64
	rmSeq          uint64
	rmSubj         string
}

func (e *events) added(seq uint64, subj string, size uint64) {
	e.addN++
	e.addBytes += int64(size)
	e.addSeq, e.addSubj = seq, subj
	if e.addN > 1 {
		e.addSeq, e.addSubj = 0, ""
	}
}

func (e *events) removed(seq uint64, subj string, size uint64) {
	e.rmN++
	e.rmBytes += int64(size)
	e.rmSeq, e.rmSubj = seq, subj
	if e.rmN > 1 {
		e.rmSeq, e.rmSubj = 0, ""
	}
}

func (e *events) fire(cb StorageUpdateHandler) {
	if e.addN != 0 {
		cb(e.addN, e.addBytes, e.addSeq, e.addSubj)
	}
	if e.rmN != 0 {
		cb(-e.rmN, -e.rmBytes, e.rmSeq, e.rmSubj)
	}
}
