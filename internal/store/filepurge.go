package store

import (
	"bytes"
	"math"
)

// Bulk removals and expiry of FileStore, mirroring purge.go and expiry.go.
// Purge, Compact and Truncate log one RANGE record each (appended before
// the indexes change, so a failed append changes nothing); PurgeEx and
// expiry log the removed sequences as DEL records.

// Purge implements Store.
func (fs *FileStore) Purge() (uint64, error) {
	fs.mu.Lock()
	n, err := fs.purgeLocked()
	if err = fs.finish(err == nil, err); err != nil {
		return 0, err
	}
	return n, nil
}

func (fs *FileStore) purgeLocked() (uint64, error) {
	if err := fs.usableLocked(); err != nil {
		return 0, err
	}
	st := seqState{last: fs.mu.last, lastTS: fs.mu.lastTS}
	if err := fs.appendRecLocked(appendRangeRec(fs.mu.rec[:0], 0, math.MaxUint64, &st)); err != nil {
		return 0, err
	}
	n := fs.clearLocked()
	fs.mu.first = fs.mu.last + 1
	return n, nil
}

// PurgeEx implements Store.
func (fs *FileStore) PurgeEx(filter string, upTo, keep uint64) (uint64, error) {
	if upTo == 1 {
		return 0, nil
	}
	if isAllFilter(filter) && keep == 0 {
		if upTo == 0 {
			return fs.Purge()
		}
		return fs.Compact(upTo)
	}
	m := newMatcher(filter)
	fs.mu.Lock()
	if err := fs.usableLocked(); err != nil {
		fs.mu.Unlock()
		return 0, err
	}
	n := fs.purgeExLocked(&m, upTo, keep)
	if err := fs.finish(n > 0, nil); err != nil {
		return n, err
	}
	return n, nil
}

func (fs *FileStore) purgeExLocked(m *matcher, upTo, keep uint64) uint64 {
	quota := uint64(math.MaxUint64)
	if keep > 0 {
		total := fs.filteredLocked(m, 0, false).Msgs
		if keep >= total {
			return 0
		}
		quota = total - keep
	}
	if upTo == 0 {
		upTo = math.MaxUint64
	}
	var n uint64
	if m.literal || (!m.all && keep == 0) {
		var subjs []*subjState
		forEachSubject(fs.mu.subjects, m, func(ss *subjState) bool {
			subjs = append(subjs, ss)
			return true
		})
		for _, ss := range subjs {
			for n < quota {
				seq, _ := ss.seqs.first()
				if seq >= upTo {
					break
				}
				last := ss.seqs.len() == 1
				fs.removeSeqLocked(seq, false, false)
				n++
				if last {
					break
				}
			}
		}
		return n
	}
	idx := &fs.mu.index
	for seq := fs.mu.first; n < quota && fs.mu.msgs > 0; {
		p := idx.lowerBound(seq)
		if idx.end(p) {
			break
		}
		if seq = idx.key(p); seq >= upTo {
			break
		}
		if m.matches(idx.val(p).ss.subj) {
			fs.removeAtLocked(p, false, false)
			n++
		}
		seq++
	}
	return n
}

// Compact implements Store.
func (fs *FileStore) Compact(seq uint64) (uint64, error) {
	if seq == 0 {
		return fs.Purge()
	}
	fs.mu.Lock()
	n, changed, err := fs.compactLocked(seq)
	if err = fs.finish(changed, err); err != nil {
		return 0, err
	}
	return n, nil
}

func (fs *FileStore) compactLocked(seq uint64) (n uint64, changed bool, err error) {
	if err := fs.usableLocked(); err != nil {
		return 0, false, err
	}
	if seq <= fs.mu.first {
		return 0, false, nil
	}
	if seq > fs.mu.last {
		st := seqState{last: seq - 1, lastTS: fs.mu.lastTS}
		if err := fs.appendRecLocked(appendRangeRec(fs.mu.rec[:0], 0, math.MaxUint64, &st)); err != nil {
			return 0, false, err
		}
		n := fs.clearLocked()
		fs.mu.first, fs.mu.last = seq, seq-1
		return n, true, nil
	}
	if err := fs.appendRecLocked(appendRangeRec(fs.mu.rec[:0], 0, seq-1, nil)); err != nil {
		return 0, false, err
	}
	for fs.mu.msgs > 0 && fs.mu.first < seq {
		fs.removeAtLocked(pos{}, false, false)
		n++
	}
	fs.mu.dels = fs.mu.dels[:0] // the RANGE record covers them
	if fs.mu.msgs == 0 {
		fs.mu.first = fs.mu.last + 1
	}
	return n, true, nil
}

// Truncate implements Store.
func (fs *FileStore) Truncate(seq uint64) error {
	fs.mu.Lock()
	err := fs.truncateLocked(seq)
	return fs.finish(err == nil, err)
}

func (fs *FileStore) truncateLocked(seq uint64) error {
	if err := fs.usableLocked(); err != nil {
		return err
	}
	if seq == 0 {
		st := seqState{pristine: true}
		if err := fs.appendRecLocked(appendRangeRec(fs.mu.rec[:0], 0, math.MaxUint64, &st)); err != nil {
			return err
		}
		fs.clearLocked()
		fs.mu.first, fs.mu.last, fs.mu.lastTS = 0, 0, 0
		return nil
	}
	if seq > fs.mu.last {
		return ErrInvalidSequence
	}
	idx := &fs.mu.index
	lastTS := fs.mu.lastTS
	if p, ok := idx.atOrBelow(seq); ok {
		lastTS = idx.val(p).ts
	}
	st := seqState{last: seq, lastTS: lastTS}
	if err := fs.appendRecLocked(appendRangeRec(fs.mu.rec[:0], seq+1, math.MaxUint64, &st)); err != nil {
		return err
	}
	for {
		k, ok := idx.last()
		if !ok || k <= seq {
			break
		}
		p, _ := idx.atOrBelow(k)
		fs.removeAtLocked(p, false, false)
	}
	fs.mu.dels = fs.mu.dels[:0] // the RANGE record covers them
	fs.mu.last, fs.mu.lastTS = seq, lastTS
	if idx.len() == 0 {
		fs.mu.first, fs.mu.firstTS = seq+1, 0
	}
	return nil
}

// liveEntryLocked reports whether x still schedules a stored message.
func (fs *FileStore) liveEntryLocked(x expEntry) bool {
	m, ok := fs.mu.index.get(x.seq)
	return ok && msgDeadline(&fs.mu.cfg, m.ts, m.ttl) == x.deadline
}

// pruneExpiryLocked keeps the top entry of the expiry heap live.
func (fs *FileStore) pruneExpiryLocked() {
	e := &fs.mu.exp
	if e.stale > 32 && 2*e.stale > len(e.h) {
		w := 0
		for _, x := range e.h {
			if fs.liveEntryLocked(x) {
				e.h[w] = x
				w++
			}
		}
		e.h, e.stale = e.h[:w], 0
		e.heapify()
		return
	}
	for len(e.h) > 0 {
		if fs.liveEntryLocked(e.h[0]) {
			return
		}
		e.pop()
		e.stale = max(e.stale-1, 0)
	}
}

// rebuildExpiryLocked recomputes every deadline.
func (fs *FileStore) rebuildExpiryLocked() {
	e := &fs.mu.exp
	e.reset()
	idx := &fs.mu.index
	for p := idx.lowerBound(0); !idx.end(p); p = idx.next(p) {
		m := idx.val(p)
		if d := msgDeadline(&fs.mu.cfg, m.ts, m.ttl); d != noDeadline {
			e.h = append(e.h, expEntry{d, idx.key(p)})
		}
	}
	e.heapify()
}

// ExpireMsgs implements Store. The removals are logged, not waited for: a
// message brought back by a crash expires again.
func (fs *FileStore) ExpireMsgs(now int64) int {
	n, _ := fs.expire(now, false)
	return n
}

// ExpireMsgsLast implements Store. The headers of the reported messages
// are read back from disk.
func (fs *FileStore) ExpireMsgsLast(now int64) (int, []ExpiredLast) {
	return fs.expire(now, true)
}

func (fs *FileStore) expire(now int64, withLast bool) (int, []ExpiredLast) {
	fs.mu.Lock()
	if fs.usableLocked() != nil {
		fs.mu.Unlock()
		return 0, nil
	}
	e := &fs.mu.exp
	n := 0
	var last []ExpiredLast
	var sm StoreMsg
	for len(e.h) > 0 && e.h[0].deadline <= now {
		x := e.pop()
		p, ok := fs.mu.index.find(x.seq)
		if !ok || !fs.liveEntryLocked(x) {
			e.stale = max(e.stale-1, 0)
			continue
		}
		if m := fs.mu.index.val(p); withLast && m.ss.seqs.len() == 1 {
			el := ExpiredLast{Subject: m.ss.subj}
			if fs.readMsgLocked(x.seq, m, &sm) == nil {
				el.Header = bytes.Clone(sm.Header)
			}
			last = append(last, el)
		}
		fs.removeAtLocked(p, true, false)
		n++
	}
	fs.finish(false, nil)
	return n, last
}

// NextExpiry implements Store.
func (fs *FileStore) NextExpiry() (int64, bool) {
	fs.mu.RLock()
	defer fs.mu.RUnlock()
	if fs.mu.closed || len(fs.mu.exp.h) == 0 {
		return 0, false
	}
	return fs.mu.exp.h[0].deadline, true
}
