package store

// Read paths of MemStore: the shared index algorithms (query.go) under the
// read lock, and loading a message from memory.

// loadAtLocked copies the message at index position p into sm (allocated
// if nil), or returns err if it is set.
func (s *MemStore) loadAtLocked(p pos, err error, sm *StoreMsg) (*StoreMsg, error) {
	if err != nil {
		return nil, err
	}
	if sm == nil {
		sm = new(StoreMsg)
	}
	m := s.mu.index.val(p)
	sm.set(m.ss.subj, m.ext.hdr(), m.ext.data(), s.mu.index.key(p), m.ts, m.ttl)
	return sm, nil
}

// LoadMsg implements Store. A missing message yields ErrEOF beyond LastSeq,
// ErrDeleted within [FirstSeq, LastSeq] and ErrNotFound below FirstSeq.
func (s *MemStore) LoadMsg(seq uint64, sm *StoreMsg) (*StoreMsg, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, err := s.mu.seqPos(seq)
	return s.loadAtLocked(p, err, sm)
}

// SubjectForSeq implements Store.
func (s *MemStore) SubjectForSeq(seq uint64) (string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.mu.subjectForSeq(seq)
}

// NextSeqWithHeader returns the sequence of the first message at or after
// start that has a header.
func (s *MemStore) NextSeqWithHeader(start uint64) (uint64, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.mu.nextWithHeader(start)
}

// LoadNextMsg implements Store.
func (s *MemStore) LoadNextMsg(filter string, start uint64, sm *StoreMsg) (*StoreMsg, error) {
	m := newMatcher(filter)
	return s.loadNext(&m, start, sm)
}

// LoadNextMsgMulti implements Store.
func (s *MemStore) LoadNextMsgMulti(filters []string, start uint64, sm *StoreMsg) (*StoreMsg, error) {
	m := newMultiMatcher(filters)
	return s.loadNext(&m, start, sm)
}

func (s *MemStore) loadNext(m *matcher, start uint64, sm *StoreMsg) (*StoreMsg, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, err := s.mu.nextPos(m, start)
	return s.loadAtLocked(p, err, sm)
}

// LoadPrevMsg implements Store.
func (s *MemStore) LoadPrevMsg(filter string, start uint64, sm *StoreMsg) (*StoreMsg, error) {
	m := newMatcher(filter)
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, err := s.mu.prevPos(&m, start)
	return s.loadAtLocked(p, err, sm)
}

// LoadLastMsg implements Store. The all filter returns the newest stored
// message (not necessarily LastSeq, which may have been removed).
func (s *MemStore) LoadLastMsg(filter string, sm *StoreMsg) (*StoreMsg, error) {
	m := newMatcher(filter)
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, err := s.mu.lastPos(&m)
	return s.loadAtLocked(p, err, sm)
}

// State implements Store.
func (s *MemStore) State() StreamState {
	s.mu.RLock()
	defer s.mu.RUnlock()
	st := s.mu.state()
	st.Consumers = len(s.mu.consumers)
	return st
}

// DeletedSeqs implements Store.
func (s *MemStore) DeletedSeqs() []uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.mu.deletedSeqs()
}

// FilteredState implements Store.
func (s *MemStore) FilteredState(start uint64, filter string) (SimpleState, error) {
	m := newMatcher(filter)
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.mu.filteredState(&m, start)
}

// NumPending implements Store. The all filter costs O(n/256) at worst, a
// literal subject O(its messages/256), a wildcard that plus a walk of the
// subjects.
func (s *MemStore) NumPending(start uint64, filter string, lastPerSubject bool) (uint64, error) {
	m := newMatcher(filter)
	return s.numPending(&m, start, lastPerSubject)
}

// NumPendingMulti implements Store.
func (s *MemStore) NumPendingMulti(start uint64, filters []string, lastPerSubject bool) (uint64, error) {
	m := newMultiMatcher(filters)
	return s.numPending(&m, start, lastPerSubject)
}

func (s *MemStore) numPending(m *matcher, start uint64, lastPerSubject bool) (uint64, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.mu.numPending(m, start, lastPerSubject)
}

// SubjectsState implements Store; nil if no subject matches.
func (s *MemStore) SubjectsState(filter string) map[string]SimpleState {
	m := newMatcher(filter)
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.mu.subjectsState(&m)
}

// SubjectsTotals implements Store; nil if no subject matches.
func (s *MemStore) SubjectsTotals(filter string) map[string]uint64 {
	m := newMatcher(filter)
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.mu.subjectsTotals(&m)
}

// GetSeqFromTime implements Store with a binary search over timestamps.
func (s *MemStore) GetSeqFromTime(ts int64) uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.mu.seqFromTime(ts)
}
