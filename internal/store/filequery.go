package store

import (
	"fmt"
	"sync"
)

// Read paths of FileStore. They mirror MemStore's (memquery.go) over the
// same kind of indexes; only loading a message differs: its record is read
// back from the write buffer or with a positioned read of its block, and
// its checksum verified.

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
	b, n, off := m.blk, int(m.rlen), int64(m.off)
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
	case m.z:
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

func (fs *FileStore) loadAtLocked(p pos, sm *StoreMsg) (*StoreMsg, error) {
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
	if fs.mu.closed {
		return nil, ErrStoreClosed
	}
	if p, ok := fs.mu.index.find(seq); ok {
		return fs.loadAtLocked(p, sm)
	}
	return nil, fs.missingErrLocked(seq)
}

func (fs *FileStore) missingErrLocked(seq uint64) error {
	switch {
	case seq > fs.mu.last:
		return ErrEOF
	case seq < fs.mu.first || seq == 0:
		return ErrNotFound
	default:
		return ErrDeleted
	}
}

// SubjectForSeq implements Store.
func (fs *FileStore) SubjectForSeq(seq uint64) (string, error) {
	fs.mu.RLock()
	defer fs.mu.RUnlock()
	if fs.mu.closed {
		return "", ErrStoreClosed
	}
	if m, ok := fs.mu.index.get(seq); ok {
		return m.ss.subj, nil
	}
	return "", fs.missingErrLocked(seq)
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
	if fs.mu.closed {
		return nil, ErrStoreClosed
	}
	if p, ok := fs.nextMatchLocked(m, start); ok {
		return fs.loadAtLocked(p, sm)
	}
	return nil, ErrEOF
}

// Wildcard searches scan this many messages (plus so many per subject)
// before walking the subjects, as in MemStore.
const fileScanBase, fileScanPerSubject = 16, 4

func (fs *FileStore) scanBudgetLocked() int {
	return fileScanBase + fileScanPerSubject*len(fs.mu.subjects)
}

// nextMatchLocked finds the first message at or after start that m
// matches; see MemStore.nextMatchLocked.
func (fs *FileStore) nextMatchLocked(m *matcher, start uint64) (pos, bool) {
	idx := &fs.mu.index
	if fs.mu.msgs == 0 || start > fs.mu.last {
		return pos{}, false
	}
	start = max(start, fs.mu.first)
	if m.all {
		p := idx.lowerBound(start)
		return p, !idx.end(p)
	}
	if !m.literal {
		p := idx.lowerBound(start)
		for budget := fs.scanBudgetLocked(); !idx.end(p); p = idx.next(p) {
			if m.matches(idx.val(p).ss.subj) {
				return p, true
			}
			if budget--; budget == 0 {
				break
			}
		}
		if idx.end(p) {
			return pos{}, false
		}
		start = idx.key(p)
	}
	best, found := uint64(0), false
	forEachSubject(fs.mu.subjects, m, func(ss *subjState) bool {
		sp := ss.seqs.lowerBound(start)
		if !ss.seqs.end(sp) {
			if k := ss.seqs.key(sp); !found || k < best {
				best, found = k, true
			}
		}
		return true
	})
	if !found {
		return pos{}, false
	}
	return idx.find(best)
}

// LoadPrevMsg implements Store.
func (fs *FileStore) LoadPrevMsg(filter string, start uint64, sm *StoreMsg) (*StoreMsg, error) {
	m := newMatcher(filter)
	fs.mu.RLock()
	defer fs.mu.RUnlock()
	if fs.mu.closed {
		return nil, ErrStoreClosed
	}
	if p, ok := fs.prevMatchLocked(&m, start); ok {
		return fs.loadAtLocked(p, sm)
	}
	return nil, ErrEOF
}

func (fs *FileStore) prevMatchLocked(m *matcher, start uint64) (pos, bool) {
	idx := &fs.mu.index
	if fs.mu.msgs == 0 || start < fs.mu.first {
		return pos{}, false
	}
	start = min(start, fs.mu.last)
	if m.all {
		return idx.atOrBelow(start)
	}
	if !m.literal {
		p, ok := idx.atOrBelow(start)
		for budget := fs.scanBudgetLocked(); ok; p, ok = idx.prev(p) {
			if m.matches(idx.val(p).ss.subj) {
				return p, true
			}
			if budget--; budget == 0 {
				break
			}
		}
		if !ok {
			return pos{}, false
		}
		start = idx.key(p)
	}
	best, found := uint64(0), false
	forEachSubject(fs.mu.subjects, m, func(ss *subjState) bool {
		if sp, ok := ss.seqs.atOrBelow(start); ok {
			if k := ss.seqs.key(sp); !found || k > best {
				best, found = k, true
			}
		}
		return true
	})
	if !found {
		return pos{}, false
	}
	return idx.find(best)
}

// LoadLastMsg implements Store.
func (fs *FileStore) LoadLastMsg(filter string, sm *StoreMsg) (*StoreMsg, error) {
	m := newMatcher(filter)
	fs.mu.RLock()
	defer fs.mu.RUnlock()
	if fs.mu.closed {
		return nil, ErrStoreClosed
	}
	if p, ok := fs.prevMatchLocked(&m, fs.mu.last); ok {
		return fs.loadAtLocked(p, sm)
	}
	return nil, ErrNotFound
}

// State implements Store.
func (fs *FileStore) State() StreamState {
	fs.mu.RLock()
	defer fs.mu.RUnlock()
	st := StreamState{
		Msgs:        fs.mu.msgs,
		Bytes:       fs.mu.bytes,
		FirstSeq:    fs.mu.first,
		FirstTS:     fs.mu.firstTS,
		LastSeq:     fs.mu.last,
		LastTS:      fs.mu.lastTS,
		NumSubjects: len(fs.mu.subjects),
		Consumers:   len(fs.mu.consumers),
	}
	if st.Msgs > 0 {
		st.NumDeleted = int(st.LastSeq - st.FirstSeq + 1 - st.Msgs)
	}
	return st
}

// DeletedSeqs implements Store.
func (fs *FileStore) DeletedSeqs() []uint64 {
	fs.mu.RLock()
	defer fs.mu.RUnlock()
	if fs.mu.msgs == 0 || fs.mu.last-fs.mu.first+1 == fs.mu.msgs {
		return nil
	}
	out := make([]uint64, 0, fs.mu.last-fs.mu.first+1-fs.mu.msgs)
	idx := &fs.mu.index
	next := fs.mu.first
	for p := idx.lowerBound(0); !idx.end(p); p = idx.next(p) {
		for k := idx.key(p); next < k; next++ {
			out = append(out, next)
		}
		next++
	}
	for ; next <= fs.mu.last; next++ {
		out = append(out, next)
	}
	return out
}

func (fs *FileStore) filteredLocked(m *matcher, start uint64, lastPerSubject bool) SimpleState {
	if fs.mu.msgs == 0 || start > fs.mu.last {
		return SimpleState{}
	}
	start = max(start, fs.mu.first)
	idx := &fs.mu.index
	if m.all && !lastPerSubject {
		p := idx.lowerBound(start)
		if idx.end(p) {
			return SimpleState{}
		}
		last, _ := idx.last()
		return SimpleState{Msgs: uint64(idx.len() - idx.rank(start)), First: idx.key(p), Last: last}
	}
	var st SimpleState
	forEachSubject(fs.mu.subjects, m, func(ss *subjState) bool {
		n, f, l := subjectPending(ss, start, lastPerSubject)
		if n > 0 {
			st.Msgs += n
			if st.First == 0 || f < st.First {
				st.First = f
			}
			st.Last = max(st.Last, l)
		}
		return true
	})
	return st
}

// FilteredState implements Store.
func (fs *FileStore) FilteredState(start uint64, filter string) (SimpleState, error) {
	m := newMatcher(filter)
	fs.mu.RLock()
	defer fs.mu.RUnlock()
	if fs.mu.closed {
		return SimpleState{}, ErrStoreClosed
	}
	return fs.filteredLocked(&m, start, false), nil
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
	if fs.mu.closed {
		return 0, ErrStoreClosed
	}
	if m.all && lastPerSubject && start <= fs.mu.first {
		return uint64(len(fs.mu.subjects)), nil
	}
	return fs.filteredLocked(m, start, lastPerSubject).Msgs, nil
}

// SubjectsState implements Store; nil if no subject matches.
func (fs *FileStore) SubjectsState(filter string) map[string]SimpleState {
	m := newMatcher(filter)
	fs.mu.RLock()
	defer fs.mu.RUnlock()
	var out map[string]SimpleState
	forEachSubject(fs.mu.subjects, &m, func(ss *subjState) bool {
		if out == nil {
			out = make(map[string]SimpleState)
		}
		f, _ := ss.seqs.first()
		l, _ := ss.seqs.last()
		out[ss.subj] = SimpleState{Msgs: uint64(ss.seqs.len()), First: f, Last: l}
		return true
	})
	return out
}

// SubjectsTotals implements Store; nil if no subject matches.
func (fs *FileStore) SubjectsTotals(filter string) map[string]uint64 {
	m := newMatcher(filter)
	fs.mu.RLock()
	defer fs.mu.RUnlock()
	var out map[string]uint64
	forEachSubject(fs.mu.subjects, &m, func(ss *subjState) bool {
		if out == nil {
			out = make(map[string]uint64)
		}
		out[ss.subj] = uint64(ss.seqs.len())
		return true
	})
	return out
}

// GetSeqFromTime implements Store.
func (fs *FileStore) GetSeqFromTime(ts int64) uint64 {
	fs.mu.RLock()
	defer fs.mu.RUnlock()
	idx := &fs.mu.index
	p := idx.searchFunc(func(m *fmsg) bool { return m.ts >= ts })
	if idx.end(p) {
		return fs.mu.last + 1
	}
	return idx.key(p)
}
