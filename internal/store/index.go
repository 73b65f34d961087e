package store

import (
	"slices"
	"strings"
	"sync"
	"time"
)

// The in-memory side that MemStore and FileStore share: both keep the same
// indexes (a message index keyed by sequence, a sequence list per subject,
// an expiry heap) and the same counters, and differ only in where payloads
// live. The algorithms over the indexes are written once here, as methods
// of streamIndex; the stores add loading and the bookkeeping of a removal.

// entry is a message's entry in the message index. The fields the shared
// algorithms read are common; ext is the store's own part: the payload for
// MemStore (memExt), the place of the record for FileStore (fileExt).
type entry[E extension] struct {
	ss  *subjState
	ts  int64
	ttl time.Duration
	ext E
}

// extension is the store-specific part of an index entry.
type extension interface {
	// payloadLen is len(header)+len(data) of the message.
	payloadLen() int
	// hasHeader reports whether the message has a header.
	hasHeader() bool
	// accounted is the message's accounted size given its subject length
	// (MsgSize for the memory store, FileMsgSize for the file store).
	accounted(subjLen int) uint64
	// sizeOf is the accounted size of a message not stored yet; it does
	// not read its receiver.
	sizeOf(subj string, hdr, data []byte) uint64
}

// size is the message's accounted size.
func (m *entry[E]) size() uint64 { return m.ext.accounted(len(m.ss.subj)) }

// subjState is the per-subject index: the sequences of the subject's
// messages in ascending order.
type subjState struct {
	subj string
	seqs seqList[struct{}]
}

// remover removes the message at an index position together with the
// store's own bookkeeping (streamIndex.removeAt does the shared part).
// Both stores implement it; the shared algorithms that evict or purge call
// it.
type remover interface {
	removeAtLocked(p pos, expired, erase bool)
}

// streamIndex is the state a store keeps under its lock and the shared
// algorithms over it. Its methods expect the lock to be held (for writing
// if they change anything).
type streamIndex[E extension] struct {
	sync.RWMutex
	closed   bool
	cfg      StreamConfig
	first    uint64 // FirstSeq; LastSeq+1 when empty (0 when pristine)
	last     uint64
	firstTS  int64
	lastTS   int64
	msgs     uint64
	bytes    uint64
	index    seqList[entry[E]]
	subjects map[string]*subjState
	exp      expiryHeap
	cb       StorageUpdateHandler
	ev       events // changes to report once the lock is released

	// Wildcard searches scan scanBase+scanPerSubject*subjects messages
	// before walking subjects (tests lower them to force the walk).
	scanBase, scanPerSubject int
}

// init prepares an empty index for cfg.
func (x *streamIndex[E]) init(cfg StreamConfig) {
	x.cfg = normalizeConfig(cfg)
	x.index.aligned = true
	x.subjects = make(map[string]*subjState)
	x.scanBase, x.scanPerSubject = 16, 4
}

func normalizeConfig(cfg StreamConfig) StreamConfig {
	cfg.MaxMsgs = max(cfg.MaxMsgs, 0)
	cfg.MaxBytes = max(cfg.MaxBytes, 0)
	cfg.MaxAge = max(cfg.MaxAge, 0)
	cfg.MaxMsgsPerSubject = max(cfg.MaxMsgsPerSubject, 0)
	cfg.MaxMsgSize = max(cfg.MaxMsgSize, 0)
	return cfg
}

// unlockAndNotify releases the lock and then reports the changes collected
// while it was held.
func (x *streamIndex[E]) unlockAndNotify() {
	ev, cb := x.ev, x.cb
	x.ev = events{}
	x.Unlock()
	if cb != nil {
		ev.fire(cb)
	}
}

// setHandler sets the storage update handler.
func (x *streamIndex[E]) setHandler(cb StorageUpdateHandler) {
	x.Lock()
	x.cb = cb
	x.Unlock()
}

// admit checks a message about to be stored with sequence seq; with check
// it also applies max_msg_size and the discard new policy. It returns the
// subject's index, nil if the subject is new.
func (x *streamIndex[E]) admit(subj string, hdr, data []byte, seq uint64, check bool) (*subjState, error) {
	if subj == "" {
		return nil, ErrBadSubject
	}
	if seq != x.last+1 {
		return nil, ErrSequenceMismatch
	}
	ss := x.subjects[subj]
	if check {
		if err := x.checkDiscardNew(ss, subj, hdr, data); err != nil {
			return nil, err
		}
	}
	return ss, nil
}

// checkDiscardNew applies max_msg_size and the discard new policy to a
// message about to be stored on subject ss (nil if new).
func (x *streamIndex[E]) checkDiscardNew(ss *subjState, subj string, hdr, data []byte) error {
	cfg := &x.cfg
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
	if cfg.MaxMsgs > 0 && x.msgs >= uint64(cfg.MaxMsgs) && !atSubjLimit {
		return ErrMaxMsgs
	}
	var e E
	if size := e.sizeOf(subj, hdr, data); cfg.MaxBytes > 0 && x.bytes+size > uint64(cfg.MaxBytes) {
		if !atSubjLimit {
			return ErrMaxBytes
		}
		f, _ := ss.seqs.first()
		m, _ := x.index.get(f)
		if x.bytes+size-m.size() > uint64(cfg.MaxBytes) {
			return ErrMaxBytes
		}
	}
	return nil
}

// add indexes a message with sequence last+1 on subject ss (nil: subj is
// new), reports it, schedules its expiry and then enforces the limits that
// evict, removing with r.
func (x *streamIndex[E]) add(r remover, ss *subjState, subj string, seq uint64, ts int64, ttl time.Duration, size uint64, ext E) {
	if ss == nil {
		ss = &subjState{subj: strings.Clone(subj)}
		x.subjects[ss.subj] = ss
	}
	x.index.push(seq, entry[E]{ss: ss, ts: ts, ttl: ttl, ext: ext})
	ss.seqs.push(seq, struct{}{})
	if x.msgs == 0 {
		x.first, x.firstTS = seq, ts
	}
	x.msgs++
	x.bytes += size
	x.last, x.lastTS = seq, ts
	x.ev.added(seq, ss.subj, size)
	if d := msgDeadline(&x.cfg, ts, ttl); d != noDeadline {
		x.exp.push(expEntry{d, seq})
	}
	if maxp := x.cfg.MaxMsgsPerSubject; maxp > 0 {
		x.enforceSubjectLimit(r, ss, uint64(maxp))
	}
	x.enforceLimits(r)
}

// enforceSubjectLimit evicts the oldest messages of ss beyond maxp.
func (x *streamIndex[E]) enforceSubjectLimit(r remover, ss *subjState, maxp uint64) {
	for uint64(ss.seqs.len()) > maxp {
		f, _ := ss.seqs.first()
		x.removeSeq(r, f, false)
	}
}

// enforceLimits evicts the oldest messages beyond max_msgs and max_bytes
// under the discard old policy.
func (x *streamIndex[E]) enforceLimits(r remover) {
	cfg := &x.cfg
	if cfg.Discard != DiscardOld {
		return
	}
	for cfg.MaxMsgs > 0 && x.msgs > uint64(cfg.MaxMsgs) {
		x.removeSeq(r, x.first, false)
	}
	for cfg.MaxBytes > 0 && x.bytes > uint64(cfg.MaxBytes) {
		x.removeSeq(r, x.first, false)
	}
}

// enforceAllLimits applies every limit to the stored messages, in subject
// order for the per-subject limit so that every replica evicts identically.
func (x *streamIndex[E]) enforceAllLimits(r remover) {
	if maxp := x.cfg.MaxMsgsPerSubject; maxp > 0 {
		var over []*subjState
		for _, ss := range x.subjects {
			if int64(ss.seqs.len()) > maxp {
				over = append(over, ss)
			}
		}
		slices.SortFunc(over, func(a, b *subjState) int { return strings.Compare(a.subj, b.subj) })
		for _, ss := range over {
			x.enforceSubjectLimit(r, ss, uint64(maxp))
		}
	}
	x.enforceLimits(r)
}

// updateConfig replaces the limits (keeping FirstSeq), recomputes the
// deadlines if the age settings changed and enforces the count, byte and
// per-subject limits with r.
func (x *streamIndex[E]) updateConfig(r remover, cfg StreamConfig) {
	old := x.cfg
	cfg = normalizeConfig(cfg)
	cfg.FirstSeq = old.FirstSeq
	x.cfg = cfg
	if cfg.MaxAge != old.MaxAge || cfg.AllowMsgTTL != old.AllowMsgTTL {
		x.rebuildExpiry()
	}
	if maxp := cfg.MaxMsgsPerSubject; maxp > 0 && (old.MaxMsgsPerSubject == 0 || maxp < old.MaxMsgsPerSubject) {
		x.enforceAllLimits(r)
	} else {
		x.enforceLimits(r)
	}
}

// removeSeq removes the message with sequence seq, if stored, with r.
func (x *streamIndex[E]) removeSeq(r remover, seq uint64, erase bool) bool {
	p, ok := x.index.find(seq)
	if !ok {
		return false
	}
	r.removeAtLocked(p, false, erase)
	return true
}

// removeAt is the shared part of removing the message at index position
// p: it leaves the indexes, the counters and the expiry heap consistent
// and returns the message, its sequence and size for the store's own
// bookkeeping. expired says the caller already popped its expiry entry.
func (x *streamIndex[E]) removeAt(p pos, expired bool) (uint64, entry[E], uint64) {
	idx := &x.index
	seq, m := idx.key(p), *idx.val(p)
	size := m.size()
	ss := m.ss
	if f, _ := ss.seqs.first(); f == seq {
		ss.seqs.remove(pos{})
	} else if sp, ok := ss.seqs.find(seq); ok {
		ss.seqs.remove(sp)
	}
	if ss.seqs.len() == 0 {
		delete(x.subjects, ss.subj)
	}
	idx.remove(p)
	x.msgs--
	x.bytes -= size
	if seq == x.first {
		if idx.len() > 0 {
			fp := pos{}
			x.first, x.firstTS = idx.key(fp), idx.val(fp).ts
		} else {
			x.first, x.firstTS = x.last+1, 0
		}
	}
	if !expired && msgDeadline(&x.cfg, m.ts, m.ttl) != noDeadline {
		x.exp.stale++
	}
	x.pruneExpiry()
	return seq, m, size
}

// dropAll removes every message from the indexes, reporting them as one
// bulk change, and leaves the sequence state to the caller.
func (x *streamIndex[E]) dropAll() uint64 {
	n := x.msgs
	if n > 0 {
		x.ev.rmN += int64(n)
		x.ev.rmBytes += int64(x.bytes)
		x.ev.rmSeq, x.ev.rmSubj = 0, ""
	}
	x.index.reset()
	clear(x.subjects)
	x.exp.reset()
	x.msgs, x.bytes = 0, 0
	x.firstTS = 0
	return n
}

// events accumulates storage changes while a store's lock is held.
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
