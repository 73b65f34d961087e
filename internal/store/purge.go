package store

import "math"

// Bulk removals of MemStore: purge, compact and truncate.

// clearLocked removes every message, reporting them as one bulk change,
// and leaves the sequence state to the caller.
func (s *MemStore) clearLocked() uint64 {
	n := s.mu.msgs
	if n > 0 {
		s.mu.ev.rmN += int64(n)
		s.mu.ev.rmBytes += int64(s.mu.bytes)
		s.mu.ev.rmSeq, s.mu.ev.rmSubj = 0, ""
	}
	s.mu.index.reset()
	clear(s.mu.subjects)
	s.mu.exp.reset()
	s.mu.msgs, s.mu.bytes = 0, 0
	s.mu.firstTS = 0
	return n
}

// Purge implements Store: FirstSeq becomes LastSeq+1.
func (s *MemStore) Purge() (uint64, error) {
	s.mu.Lock()
	defer s.unlockAndNotify()
	if s.mu.closed {
		return 0, ErrStoreClosed
	}
	n := s.clearLocked()
	s.mu.first = s.mu.last + 1
	return n, nil
}

// PurgeEx implements Store.
func (s *MemStore) PurgeEx(filter string, upTo, keep uint64) (uint64, error) {
	if upTo == 1 {
		return 0, nil // nothing is below sequence 1
	}
	if isAllFilter(filter) && keep == 0 {
		if upTo == 0 {
			return s.Purge()
		}
		return s.Compact(upTo)
	}
	m := newMatcher(filter)
	s.mu.Lock()
	defer s.unlockAndNotify()
	if s.mu.closed {
		return 0, ErrStoreClosed
	}
	quota := uint64(math.MaxUint64)
	if keep > 0 {
		total := s.filteredLocked(&m, 0, false).Msgs
		if keep >= total {
			return 0, nil
		}
		quota = total - keep
	}
	if upTo == 0 {
		upTo = math.MaxUint64
	}
	var n uint64
	if m.literal || (!m.all && keep == 0) {
		// Without a quota across subjects, each subject can be purged on
		// its own from its oldest message: no scan of other messages.
		var subjs []*subjState
		s.forEachSubjectLocked(&m, func(ss *subjState) bool {
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
				s.removeSeqLocked(seq, false, false)
				n++
				if last {
					break // ss was dropped from the subject map
				}
			}
		}
		return n, nil
	}
	// A quota across several subjects: oldest first over the message index.
	idx := &s.mu.index
	for seq := s.mu.first; n < quota && s.mu.msgs > 0; {
		p := idx.lowerBound(seq)
		if idx.end(p) {
			break
		}
		if seq = idx.key(p); seq >= upTo {
			break
		}
		if m.matches(idx.val(p).ss.subj) {
			s.removeAtLocked(p, false, false)
			n++
		}
		seq++
	}
	return n, nil
}

// Compact implements Store.
func (s *MemStore) Compact(seq uint64) (uint64, error) {
	if seq == 0 {
		return s.Purge()
	}
	s.mu.Lock()
	defer s.unlockAndNotify()
	if s.mu.closed {
		return 0, ErrStoreClosed
	}
	if seq <= s.mu.first {
		return 0, nil
	}
	if seq > s.mu.last {
		n := s.clearLocked()
		s.mu.first, s.mu.last = seq, seq-1
		return n, nil
	}
	var n uint64
	for s.mu.msgs > 0 && s.mu.first < seq {
		s.removeAtLocked(pos{}, false, false)
		n++
	}
	if s.mu.msgs == 0 {
		s.mu.first = s.mu.last + 1
	}
	return n, nil
}

// Truncate implements Store. LastTS becomes the timestamp of the newest
// remaining message at or below seq; if there is none it is unchanged
// (Truncate(0) clears it).
func (s *MemStore) Truncate(seq uint64) error {
	s.mu.Lock()
	defer s.unlockAndNotify()
	if s.mu.closed {
		return ErrStoreClosed
	}
	if seq == 0 {
		s.clearLocked()
		s.mu.first, s.mu.last, s.mu.lastTS = 0, 0, 0
		return nil
	}
	if seq > s.mu.last {
		return ErrInvalidSequence
	}
	idx := &s.mu.index
	for {
		k, ok := idx.last()
		if !ok || k <= seq {
			break
		}
		p, _ := idx.atOrBelow(k)
		s.removeAtLocked(p, false, false)
	}
	s.mu.last = seq
	if k, ok := idx.last(); ok {
		s.mu.lastTS = idx.val(idx.lowerBound(k)).ts
	} else {
		s.mu.first, s.mu.firstTS = seq+1, 0
	}
	return nil
}
