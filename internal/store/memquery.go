package store

// Read paths of MemStore: loads, per-subject state and counts. All of them
// take the read lock only.

// loadAtLocked copies the message at index position p into sm.
func (s *MemStore) loadAtLocked(p pos, sm *StoreMsg) *StoreMsg {
	if sm == nil {
		sm = new(StoreMsg)
	}
	m := s.mu.index.val(p)
	sm.set(m.ss.subj, m.hdr(), m.data(), s.mu.index.key(p), m.ts, m.ttl)
	return sm
}

// LoadMsg implements Store. A missing message yields ErrEOF beyond LastSeq,
// ErrDeleted within [FirstSeq, LastSeq] and ErrNotFound below FirstSeq.
func (s *MemStore) LoadMsg(seq uint64, sm *StoreMsg) (*StoreMsg, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.mu.closed {
		return nil, ErrStoreClosed
	}
	if p, ok := s.mu.index.find(seq); ok {
		return s.loadAtLocked(p, sm), nil
	}
	return nil, s.missingErrLocked(seq)
}

func (s *MemStore) missingErrLocked(seq uint64) error {
	switch {
	case seq > s.mu.last:
		return ErrEOF
	case seq < s.mu.first || seq == 0:
		return ErrNotFound
	default:
		return ErrDeleted
	}
}

// SubjectForSeq implements Store.
func (s *MemStore) SubjectForSeq(seq uint64) (string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.mu.closed {
		return "", ErrStoreClosed
	}
	if m, ok := s.mu.index.get(seq); ok {
		return m.ss.subj, nil
	}
	return "", s.missingErrLocked(seq)
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
	if s.mu.closed {
		return nil, ErrStoreClosed
	}
	if p, ok := s.nextMatchLocked(m, start); ok {
		return s.loadAtLocked(p, sm), nil
	}
	return nil, ErrEOF
}

// nextMatchLocked finds the first message at or after start that m matches.
//
// The message index answers the all filter and the per-subject indexes
// answer literal filters, each in O(log n). A wildcard first scans messages
// from start, which finds dense matches at once; after scanBudget messages
// without a match it walks the matching subjects instead. A wildcard query
// therefore costs at most O(subjects) plus the bounded scan.
func (s *MemStore) nextMatchLocked(m *matcher, start uint64) (pos, bool) {
	idx := &s.mu.index
	if s.mu.msgs == 0 || start > s.mu.last {
		return pos{}, false
	}
	start = max(start, s.mu.first)
	if m.all {
		p := idx.lowerBound(start)
		return p, !idx.end(p)
	}
	if !m.literal {
		p := idx.lowerBound(start)
		for budget := s.scanBudgetLocked(); !idx.end(p); p = idx.next(p) {
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
	s.forEachSubjectLocked(m, func(ss *subjState) bool {
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

// scanBudgetLocked is how many messages a wildcard search scans before it
// walks the subjects instead: proportional to the cost of the walk.
func (s *MemStore) scanBudgetLocked() int {
	return s.scanBase + s.scanPerSubject*len(s.mu.subjects)
}

// LoadPrevMsg implements Store.
func (s *MemStore) LoadPrevMsg(filter string, start uint64, sm *StoreMsg) (*StoreMsg, error) {
	m := newMatcher(filter)
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.mu.closed {
		return nil, ErrStoreClosed
	}
	if p, ok := s.prevMatchLocked(&m, start); ok {
		return s.loadAtLocked(p, sm), nil
	}
	return nil, ErrEOF
}

// prevMatchLocked finds the last message at or before start that m
// matches, with the same strategy as nextMatchLocked.
func (s *MemStore) prevMatchLocked(m *matcher, start uint64) (pos, bool) {
	idx := &s.mu.index
	if s.mu.msgs == 0 || start < s.mu.first {
		return pos{}, false
	}
	start = min(start, s.mu.last)
	if m.all {
		return idx.atOrBelow(start)
	}
	if !m.literal {
		p, ok := idx.atOrBelow(start)
		for budget := s.scanBudgetLocked(); ok; p, ok = idx.prev(p) {
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
	s.forEachSubjectLocked(m, func(ss *subjState) bool {
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

// LoadLastMsg implements Store. The all filter returns the newest stored
// message (not necessarily LastSeq, which may have been removed).
func (s *MemStore) LoadLastMsg(filter string, sm *StoreMsg) (*StoreMsg, error) {
	m := newMatcher(filter)
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.mu.closed {
		return nil, ErrStoreClosed
	}
	if p, ok := s.prevMatchLocked(&m, s.mu.last); ok {
		return s.loadAtLocked(p, sm), nil
	}
	return nil, ErrNotFound
}

// State implements Store.
func (s *MemStore) State() StreamState {
	s.mu.RLock()
	defer s.mu.RUnlock()
	st := StreamState{
		Msgs:        s.mu.msgs,
		Bytes:       s.mu.bytes,
		FirstSeq:    s.mu.first,
		FirstTS:     s.mu.firstTS,
		LastSeq:     s.mu.last,
		LastTS:      s.mu.lastTS,
		NumSubjects: len(s.mu.subjects),
		Consumers:   len(s.mu.consumers),
	}
	if st.Msgs > 0 {
		st.NumDeleted = int(st.LastSeq - st.FirstSeq + 1 - st.Msgs)
	}
	return st
}

// DeletedSeqs implements Store.
func (s *MemStore) DeletedSeqs() []uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.mu.msgs == 0 || s.mu.last-s.mu.first+1 == s.mu.msgs {
		return nil
	}
	out := make([]uint64, 0, s.mu.last-s.mu.first+1-s.mu.msgs)
	idx := &s.mu.index
	next := s.mu.first
	for p := idx.lowerBound(0); !idx.end(p); p = idx.next(p) {
		for k := idx.key(p); next < k; next++ {
			out = append(out, next)
		}
		next++
	}
	for ; next <= s.mu.last; next++ {
		out = append(out, next)
	}
	return out
}

// subjectPending counts the messages of ss at or after start (only its
// newest with lastPerSubject) and returns the first and last of them.
func subjectPending(ss *subjState, start uint64, lastPerSubject bool) (n, first, last uint64) {
	l := &ss.seqs
	f, _ := l.first()
	last, _ = l.last()
	switch {
	case start > last:
		return 0, 0, 0
	case lastPerSubject:
		return 1, last, last
	case start <= f:
		return uint64(l.len()), f, last
	}
	return uint64(l.len() - l.rank(start)), l.key(l.lowerBound(start)), last
}

// filteredLocked computes FilteredState and NumPending.
func (s *MemStore) filteredLocked(m *matcher, start uint64, lastPerSubject bool) SimpleState {
	if s.mu.msgs == 0 || start > s.mu.last {
		return SimpleState{}
	}
	start = max(start, s.mu.first)
	idx := &s.mu.index
	if m.all && !lastPerSubject {
		p := idx.lowerBound(start)
		if idx.end(p) {
			return SimpleState{}
		}
		last, _ := idx.last()
		return SimpleState{Msgs: uint64(idx.len() - idx.rank(start)), First: idx.key(p), Last: last}
	}
	var st SimpleState
	s.forEachSubjectLocked(m, func(ss *subjState) bool {
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
func (s *MemStore) FilteredState(start uint64, filter string) (SimpleState, error) {
	m := newMatcher(filter)
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.mu.closed {
		return SimpleState{}, ErrStoreClosed
	}
	return s.filteredLocked(&m, start, false), nil
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
	if s.mu.closed {
		return 0, ErrStoreClosed
	}
	if m.all && lastPerSubject && start <= s.mu.first {
		return uint64(len(s.mu.subjects)), nil
	}
	return s.filteredLocked(m, start, lastPerSubject).Msgs, nil
}

// SubjectsState implements Store; nil if no subject matches.
func (s *MemStore) SubjectsState(filter string) map[string]SimpleState {
	m := newMatcher(filter)
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out map[string]SimpleState
	s.forEachSubjectLocked(&m, func(ss *subjState) bool {
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
func (s *MemStore) SubjectsTotals(filter string) map[string]uint64 {
	m := newMatcher(filter)
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out map[string]uint64
	s.forEachSubjectLocked(&m, func(ss *subjState) bool {
		if out == nil {
			out = make(map[string]uint64)
		}
		out[ss.subj] = uint64(ss.seqs.len())
		return true
	})
	return out
}

// GetSeqFromTime implements Store with a binary search over timestamps.
func (s *MemStore) GetSeqFromTime(ts int64) uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	idx := &s.mu.index
	p := idx.searchFunc(func(m *msg) bool { return m.ts >= ts })
	if idx.end(p) {
		return s.mu.last + 1
	}
	return idx.key(p)
}
