package store

// Read paths shared by the stores: locating messages and counting them
// over the indexes. The stores' Store methods take the read lock and load
// the message found (memquery.go, filequery.go).

// seqPos returns the position of the message with sequence seq, or the
// error LoadMsg reports: ErrEOF beyond LastSeq, ErrDeleted within
// [FirstSeq, LastSeq] and ErrNotFound below FirstSeq.
func (x *streamIndex[E]) seqPos(seq uint64) (pos, error) {
	if x.closed {
		return pos{}, ErrStoreClosed
	}
	if p, ok := x.index.find(seq); ok {
		return p, nil
	}
	switch {
	case seq > x.last:
		return pos{}, ErrEOF
	case seq < x.first || seq == 0:
		return pos{}, ErrNotFound
	default:
		return pos{}, ErrDeleted
	}
}

// nextWithHeader returns the sequence of the first message at or after
// start that has a header.
func (x *streamIndex[E]) nextWithHeader(start uint64) (uint64, bool) {
	if x.closed {
		return 0, false
	}
	for p := x.index.lowerBound(start); !x.index.end(p); p = x.index.next(p) {
		if x.index.val(p).ext.hasHeader() {
			return x.index.key(p), true
		}
	}
	return 0, false
}

// subjectForSeq implements Store.SubjectForSeq.
func (x *streamIndex[E]) subjectForSeq(seq uint64) (string, error) {
	p, err := x.seqPos(seq)
	if err != nil {
		return "", err
	}
	return x.index.val(p).ss.subj, nil
}

// nextPos returns the position of the first message at or after start
// that m matches, or the error LoadNextMsg reports.
func (x *streamIndex[E]) nextPos(m *matcher, start uint64) (pos, error) {
	if x.closed {
		return pos{}, ErrStoreClosed
	}
	if p, ok := x.nextMatch(m, start); ok {
		return p, nil
	}
	return pos{}, ErrEOF
}

// prevPos returns the position of the last message at or before start
// that m matches, or the error LoadPrevMsg reports.
func (x *streamIndex[E]) prevPos(m *matcher, start uint64) (pos, error) {
	if x.closed {
		return pos{}, ErrStoreClosed
	}
	if p, ok := x.prevMatch(m, start); ok {
		return p, nil
	}
	return pos{}, ErrEOF
}

// lastPos returns the position of the newest message m matches (not
// necessarily LastSeq, which may have been removed), or the error
// LoadLastMsg reports.
func (x *streamIndex[E]) lastPos(m *matcher) (pos, error) {
	if x.closed {
		return pos{}, ErrStoreClosed
	}
	if p, ok := x.prevMatch(m, x.last); ok {
		return p, nil
	}
	return pos{}, ErrNotFound
}

// nextMatch finds the first message at or after start that m matches.
//
// The message index answers the all filter and the per-subject indexes
// answer literal filters, each in O(log n). A wildcard first scans messages
// from start, which finds dense matches at once; after scanBudget messages
// without a match it walks the matching subjects instead. A wildcard query
// therefore costs at most O(subjects) plus the bounded scan.
func (x *streamIndex[E]) nextMatch(m *matcher, start uint64) (pos, bool) {
	idx := &x.index
	if x.msgs == 0 || start > x.last {
		return pos{}, false
	}
	start = max(start, x.first)
	if m.all {
		p := idx.lowerBound(start)
		return p, !idx.end(p)
	}
	if !m.literal {
		p := idx.lowerBound(start)
		for budget := x.scanBudget(); !idx.end(p); p = idx.next(p) {
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
	forEachSubject(x.subjects, m, func(ss *subjState) bool {
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

// scanBudget is how many messages a wildcard search scans before it walks
// the subjects instead: proportional to the cost of the walk.
func (x *streamIndex[E]) scanBudget() int {
	return x.scanBase + x.scanPerSubject*len(x.subjects)
}

// prevMatch finds the last message at or before start that m matches,
// with the same strategy as nextMatch.
func (x *streamIndex[E]) prevMatch(m *matcher, start uint64) (pos, bool) {
	idx := &x.index
	if x.msgs == 0 || start < x.first {
		return pos{}, false
	}
	start = min(start, x.last)
	if m.all {
		return idx.atOrBelow(start)
	}
	if !m.literal {
		p, ok := idx.atOrBelow(start)
		for budget := x.scanBudget(); ok; p, ok = idx.prev(p) {
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
	forEachSubject(x.subjects, m, func(ss *subjState) bool {
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

// state returns the store's summary but for the consumer count.
func (x *streamIndex[E]) state() StreamState {
	st := StreamState{
		Msgs:        x.msgs,
		Bytes:       x.bytes,
		FirstSeq:    x.first,
		FirstTS:     x.firstTS,
		LastSeq:     x.last,
		LastTS:      x.lastTS,
		NumSubjects: len(x.subjects),
	}
	if st.Msgs > 0 {
		st.NumDeleted = int(st.LastSeq - st.FirstSeq + 1 - st.Msgs)
	}
	return st
}

// deletedSeqs implements Store.DeletedSeqs.
func (x *streamIndex[E]) deletedSeqs() []uint64 {
	if x.msgs == 0 || x.last-x.first+1 == x.msgs {
		return nil
	}
	out := make([]uint64, 0, x.last-x.first+1-x.msgs)
	idx := &x.index
	next := x.first
	for p := idx.lowerBound(0); !idx.end(p); p = idx.next(p) {
		for k := idx.key(p); next < k; next++ {
			out = append(out, next)
		}
		next++
	}
	for ; next <= x.last; next++ {
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

// filtered computes FilteredState and NumPending. The all filter costs
// O(n/256) at worst, a literal subject O(its messages/256), a wildcard
// that plus a walk of the subjects.
func (x *streamIndex[E]) filtered(m *matcher, start uint64, lastPerSubject bool) SimpleState {
	if x.msgs == 0 || start > x.last {
		return SimpleState{}
	}
	start = max(start, x.first)
	idx := &x.index
	if m.all && !lastPerSubject {
		p := idx.lowerBound(start)
		if idx.end(p) {
			return SimpleState{}
		}
		last, _ := idx.last()
		return SimpleState{Msgs: uint64(idx.len() - idx.rank(start)), First: idx.key(p), Last: last}
	}
	var st SimpleState
	forEachSubject(x.subjects, m, func(ss *subjState) bool {
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

// filteredState implements Store.FilteredState.
func (x *streamIndex[E]) filteredState(m *matcher, start uint64) (SimpleState, error) {
	if x.closed {
		return SimpleState{}, ErrStoreClosed
	}
	return x.filtered(m, start, false), nil
}

// numPending implements Store.NumPending.
func (x *streamIndex[E]) numPending(m *matcher, start uint64, lastPerSubject bool) (uint64, error) {
	if x.closed {
		return 0, ErrStoreClosed
	}
	if m.all && lastPerSubject && start <= x.first {
		return uint64(len(x.subjects)), nil
	}
	return x.filtered(m, start, lastPerSubject).Msgs, nil
}

// subjectsState implements Store.SubjectsState; nil if no subject matches.
func (x *streamIndex[E]) subjectsState(m *matcher) map[string]SimpleState {
	var out map[string]SimpleState
	forEachSubject(x.subjects, m, func(ss *subjState) bool {
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

// subjectsTotals implements Store.SubjectsTotals; nil if no subject
// matches.
func (x *streamIndex[E]) subjectsTotals(m *matcher) map[string]uint64 {
	var out map[string]uint64
	forEachSubject(x.subjects, m, func(ss *subjState) bool {
		if out == nil {
			out = make(map[string]uint64)
		}
		out[ss.subj] = uint64(ss.seqs.len())
		return true
	})
	return out
}

// seqFromTime implements Store.GetSeqFromTime with a binary search over
// timestamps.
func (x *streamIndex[E]) seqFromTime(ts int64) uint64 {
	idx := &x.index
	p := idx.searchFunc(func(m *entry[E]) bool { return m.ts >= ts })
	if idx.end(p) {
		return x.last + 1
	}
	return idx.key(p)
}

// nextExpiry implements Store.NextExpiry.
func (x *streamIndex[E]) nextExpiry() (int64, bool) {
	if x.closed || len(x.exp.h) == 0 {
		return 0, false
	}
	return x.exp.h[0].deadline, true
}
