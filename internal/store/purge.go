package store

import "math"

// Bulk removals: the shared planning of PurgeEx, Compact and Truncate over
// the indexes, and MemStore's Store methods.

// purgeEx removes with r the messages m matches with a sequence below upTo
// (0: no bound), oldest first, leaving at least keep (0: no minimum) of
// the matching messages, and returns how many it removed.
func (x *streamIndex[E]) purgeEx(r remover, m *matcher, upTo, keep uint64) uint64 {
	quota := uint64(math.MaxUint64)
	if keep > 0 {
		total := x.filtered(m, 0, false).Msgs
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
		// Without a quota across subjects, each subject can be purged on
		// its own from its oldest message: no scan of other messages.
		var subjs []*subjState
		forEachSubject(x.subjects, m, func(ss *subjState) bool {
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
				x.removeSeq(r, seq, false)
				n++
				if last {
					break // ss was dropped from the subject map
				}
			}
		}
		return n
	}
	// A quota across several subjects: oldest first over the message index.
	idx := &x.index
	for seq := x.first; n < quota && x.msgs > 0; {
		p := idx.lowerBound(seq)
		if idx.end(p) {
			break
		}
		if seq = idx.key(p); seq >= upTo {
			break
		}
		if m.matches(idx.val(p).ss.subj) {
			r.removeAtLocked(p, false, false)
			n++
		}
		seq++
	}
	return n
}

// removeBelow removes with r every message below seq, which is at most
// LastSeq, and returns how many it removed.
func (x *streamIndex[E]) removeBelow(r remover, seq uint64) uint64 {
	var n uint64
	for x.msgs > 0 && x.first < seq {
		r.removeAtLocked(pos{}, false, false)
		n++
	}
	if x.msgs == 0 {
		x.first = x.last + 1
	}
	return n
}

// removeAbove removes with r every message above seq.
func (x *streamIndex[E]) removeAbove(r remover, seq uint64) {
	idx := &x.index
	for {
		k, ok := idx.last()
		if !ok || k <= seq {
			break
		}
		p, _ := idx.atOrBelow(k)
		r.removeAtLocked(p, false, false)
	}
}

// Purge implements Store: FirstSeq becomes LastSeq+1.
func (s *MemStore) Purge() (uint64, error) {
	s.mu.Lock()
	defer s.mu.unlockAndNotify()
	if s.mu.closed {
		return 0, ErrStoreClosed
	}
	n := s.mu.dropAll()
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
	defer s.mu.unlockAndNotify()
	if s.mu.closed {
		return 0, ErrStoreClosed
	}
	return s.mu.purgeEx(s, &m, upTo, keep), nil
}

// Compact implements Store.
func (s *MemStore) Compact(seq uint64) (uint64, error) {
	if seq == 0 {
		return s.Purge()
	}
	s.mu.Lock()
	defer s.mu.unlockAndNotify()
	if s.mu.closed {
		return 0, ErrStoreClosed
	}
	if seq <= s.mu.first {
		return 0, nil
	}
	if seq > s.mu.last {
		n := s.mu.dropAll()
		s.mu.first, s.mu.last = seq, seq-1
		return n, nil
	}
	return s.mu.removeBelow(s, seq), nil
}

// Truncate implements Store. LastTS becomes the timestamp of the newest
// remaining message at or below seq; if there is none it is unchanged
// (Truncate(0) clears it).
func (s *MemStore) Truncate(seq uint64) error {
	s.mu.Lock()
	defer s.mu.unlockAndNotify()
	if s.mu.closed {
		return ErrStoreClosed
	}
	if seq == 0 {
		s.mu.dropAll()
		s.mu.first, s.mu.last, s.mu.lastTS = 0, 0, 0
		return nil
	}
	if seq > s.mu.last {
		return ErrInvalidSequence
	}
	s.mu.removeAbove(s, seq)
	s.mu.last = seq
	idx := &s.mu.index
	if k, ok := idx.last(); ok {
		s.mu.lastTS = idx.val(idx.lowerBound(k)).ts
	} else {
		s.mu.first, s.mu.firstTS = seq+1, 0
	}
	return nil
}
