package store

import (
	"fmt"
	"sync"
)

// Read paths of FileStore: the shared index algorithms (query.go) under
// the read lock, as in MemStore (memquery.go); only loading a message
// differs: its record is read back from the write buffer or with a
// positioned read of its block, and its checksum verified.

// rawPool holds scratch buffers for compressed records, which cannot be
// decoded in place.
var rawPool = sync.Pool{New: func() any { return new([]byte) }}

// Read-ahead: a load that continues where the previous one ended reads a
// window of the block instead of one record, and the next loads of that
// window are copies. A few windows are kept so that several sequential
// readers (consumers) do not evict each other; scattered loads read just
// their record into the caller's buffer and allocate nothing.
const (
	readAheadSize = 64 << 10
	readWindows   = 4
)

// readWindow is an immutable copy of bytes [off, off+len(data)) of a
// block as of its generation gen.
type readWindow struct {
	blk  *fblock
	gen  uint64
	off  int64
	data []byte
}

// windowFor returns the cached bytes of b at [off, off+n), if any.
func (fs *FileStore) windowFor(b *fblock, off int64, n int) []byte {
	for i := range fs.windows {
		if w := fs.windows[i].Load(); w != nil && w.blk == b && w.gen == b.gen &&
			off >= w.off && off+int64(n) <= w.off+int64(len(w.data)) {
			return w.data[off-w.off : off-w.off+int64(n)]
		}
	}
	return nil
}

// readAhead reads a window of b starting at off, at least n bytes.
func (fs *FileStore) readAhead(b *fblock, off int64, n int) ([]byte, error) {
	size := max(min(readAheadSize, b.flushed-off), int64(n))
	data := make([]byte, size)
	if _, err := b.f.ReadAt(data, off); err != nil {
		return nil, ioErr("read "+b.path, err)
	}
	i := fs.nextWindow.Add(1) % readWindows
	fs.windows[i].Store(&readWindow{blk: b, gen: b.gen, off: off, data: data})
	return data[:n], nil
}

// readMsgLocked loads the message m with sequence seq into sm.
func (fs *FileStore) readMsgLocked(seq uint64, m *fmsg, sm *StoreMsg) error {
	b, n, off := m.ext.blk, int(m.ext.rlen), int64(m.ext.off)
	var err error
	if off < b.flushed {
		sequential := fs.lastBlk.Load() == b && fs.lastEnd.Load() == off
		fs.lastBlk.Store(b)
		fs.lastEnd.Store(off + int64(n))
		raw := fs.windowFor(b, off, n)
		if raw == nil && sequential {
			if raw, err = fs.readAhead(b, off, n); err != nil {
				return err
			}
		}
		if raw != nil {
			if err = decodeMsgInto(raw, m.ss.subj, seq, sm); err == ErrCorrupt {
				err = fmt.Errorf("%w: message %d in %s at %d", ErrCorrupt, seq, b.path, off)
			}
			return err
		}
	}
	switch {
	case off >= b.flushed:
		s := off - b.flushed
		err = decodeMsgInto(b.buf[s:s+int64(n)], m.ss.subj, seq, sm)
	case m.ext.z:
		bp := rawPool.Get().(*[]byte)
		var raw []byte
		if raw, err = b.readAt(off, n, *bp); err == nil {
			err = decodeMsgInto(raw, m.ss.subj, seq, sm)
			*bp = raw[:0]
		}
		rawPool.Put(bp)
	default:
		var raw []byte
		if raw, err = b.readAt(off, n, sm.buf); err == nil {
			sm.buf = raw
			err = decodeMsgInto(raw, m.ss.subj, seq, sm)
		}
	}
	if err == ErrCorrupt {
		return fmt.Errorf("%w: message %d in %s at %d", ErrCorrupt, seq, b.path, off)
	}
	return err
}

// loadAtLocked loads the message at index position p into sm (allocated
// if nil), or returns err if it is set.
func (fs *FileStore) loadAtLocked(p pos, err error, sm *StoreMsg) (*StoreMsg, error) {
	if err != nil {
		return nil, err
	}
	if sm == nil {
		sm = new(StoreMsg)
	}
	idx := &fs.mu.index
	if err := fs.readMsgLocked(idx.key(p), idx.val(p), sm); err != nil {
		return nil, err
	}
	return sm, nil
}

// LoadMsg implements Store.
func (fs *FileStore) LoadMsg(seq uint64, sm *StoreMsg) (*StoreMsg, error) {
	fs.mu.RLock()
	defer fs.mu.RUnlock()
	p, err := fs.mu.seqPos(seq)
	return fs.loadAtLocked(p, err, sm)
}

// SubjectForSeq implements Store.
func (fs *FileStore) SubjectForSeq(seq uint64) (string, error) {
	fs.mu.RLock()
	defer fs.mu.RUnlock()
	return fs.mu.subjectForSeq(seq)
}

// NextSeqWithHeader returns the sequence of the first message at or after
// start that has a header, from the index alone: a restart refills the
// duplicate window from those without reading the others.
func (fs *FileStore) NextSeqWithHeader(start uint64) (uint64, bool) {
	fs.mu.RLock()
	defer fs.mu.RUnlock()
	return fs.mu.nextWithHeader(start)
}

// LoadNextMsg implements Store.
func (fs *FileStore) LoadNextMsg(filter string, start uint64, sm *StoreMsg) (*StoreMsg, error) {
	m := newMatcher(filter)
	return fs.loadNext(&m, start, sm)
}

// LoadNextMsgMulti implements Store.
func (fs *FileStore) LoadNextMsgMulti(filters []string, start uint64, sm *StoreMsg) (*StoreMsg, error) {
	m := newMultiMatcher(filters)
	return fs.loadNext(&m, start, sm)
}

func (fs *FileStore) loadNext(m *matcher, start uint64, sm *StoreMsg) (*StoreMsg, error) {
	fs.mu.RLock()
	defer fs.mu.RUnlock()
	p, err := fs.mu.nextPos(m, start)
	return fs.loadAtLocked(p, err, sm)
}

// LoadPrevMsg implements Store.
func (fs *FileStore) LoadPrevMsg(filter string, start uint64, sm *StoreMsg) (*StoreMsg, error) {
	m := newMatcher(filter)
	fs.mu.RLock()
	defer fs.mu.RUnlock()
	p, err := fs.mu.prevPos(&m, start)
	return fs.loadAtLocked(p, err, sm)
}

// LoadLastMsg implements Store.
func (fs *FileStore) LoadLastMsg(filter string, sm *StoreMsg) (*StoreMsg, error) {
	m := newMatcher(filter)
	fs.mu.RLock()
	defer fs.mu.RUnlock()
	p, err := fs.mu.lastPos(&m)
	return fs.loadAtLocked(p, err, sm)
}

// State implements Store.
func (fs *FileStore) State() StreamState {
	fs.mu.RLock()
	defer fs.mu.RUnlock()
	st := fs.mu.state()
	st.Consumers = len(fs.mu.consumers)
	return st
}

// DeletedSeqs implements Store.
func (fs *FileStore) DeletedSeqs() []uint64 {
	fs.mu.RLock()
	defer fs.mu.RUnlock()
	return fs.mu.deletedSeqs()
}

// FilteredState implements Store.
func (fs *FileStore) FilteredState(start uint64, filter string) (SimpleState, error) {
	m := newMatcher(filter)
	fs.mu.RLock()
	defer fs.mu.RUnlock()
	return fs.mu.filteredState(&m, start)
}

// NumPending implements Store.
func (fs *FileStore) NumPending(start uint64, filter string, lastPerSubject bool) (uint64, error) {
	m := newMatcher(filter)
	return fs.numPending(&m, start, lastPerSubject)
}

// NumPendingMulti implements Store.
func (fs *FileStore) NumPendingMulti(start uint64, filters []string, lastPerSubject bool) (uint64, error) {
	m := newMultiMatcher(filters)
	return fs.numPending(&m, start, lastPerSubject)
}

func (fs *FileStore) numPending(m *matcher, start uint64, lastPerSubject bool) (uint64, error) {
	fs.mu.RLock()
	defer fs.mu.RUnlock()
	return fs.mu.numPending(m, start, lastPerSubject)
}

// SubjectsState implements Store; nil if no subject matches.
func (fs *FileStore) SubjectsState(filter string) map[string]SimpleState {
	m := newMatcher(filter)
	fs.mu.RLock()
	defer fs.mu.RUnlock()
	return fs.mu.subjectsState(&m)
}

// SubjectsTotals implements Store; nil if no subject matches.
func (fs *FileStore) SubjectsTotals(filter string) map[string]uint64 {
	m := newMatcher(filter)
	fs.mu.RLock()
	defer fs.mu.RUnlock()
	return fs.mu.subjectsTotals(&m)
}

// GetSeqFromTime implements Store.
func (fs *FileStore) GetSeqFromTime(ts int64) uint64 {
	fs.mu.RLock()
	defer fs.mu.RUnlock()
	return fs.mu.seqFromTime(ts)
}
