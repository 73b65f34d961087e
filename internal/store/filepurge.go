package store

import "math"

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
	n := fs.mu.purgeEx(fs, &m, upTo, keep)
	if err := fs.finish(n > 0, nil); err != nil {
		return n, err
	}
	return n, nil
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
	n = fs.mu.removeBelow(fs, seq)
	fs.mu.dels = fs.mu.dels[:0] // the RANGE record covers them
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
	fs.mu.removeAbove(fs, seq)
	fs.mu.dels = fs.mu.dels[:0] // the RANGE record covers them
	fs.mu.last, fs.mu.lastTS = seq, lastTS
	if idx.len() == 0 {
		fs.mu.first, fs.mu.firstTS = seq+1, 0
	}
	return nil
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
	n, last := fs.mu.expire(fs, now, withLast)
	fs.finish(false, nil)
	return n, last
}

// headerLocked implements expirer: it reads the message back, and returns
// nil if that fails.
func (fs *FileStore) headerLocked(seq uint64, m *fmsg, sm *StoreMsg) []byte {
	if fs.readMsgLocked(seq, m, sm) != nil {
		return nil
	}
	return sm.Header
}

// NextExpiry implements Store.
func (fs *FileStore) NextExpiry() (int64, bool) {
	fs.mu.RLock()
	defer fs.mu.RUnlock()
	return fs.mu.nextExpiry()
}
