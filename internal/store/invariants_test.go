package store

import (
	"fmt"
	"testing"
)

// checkInvariants verifies the internal consistency of the store's indexes.
func (s *MemStore) checkInvariants(t testing.TB) {
	t.Helper()
	s.mu.RLock()
	defer s.mu.RUnlock()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("invariant: %v", r)
		}
	}()
	idx := &s.mu.index
	idx.checkInvariants()
	if uint64(idx.len()) != s.mu.msgs {
		panic(fmt.Sprintf("index holds %d messages, state %d", idx.len(), s.mu.msgs))
	}
	var bytes uint64
	perSubj := map[*subjState]int{}
	for p := idx.lowerBound(0); !idx.end(p); p = idx.next(p) {
		m, seq := idx.val(p), idx.key(p)
		bytes += m.size()
		perSubj[m.ss]++
		if s.mu.subjects[m.ss.subj] != m.ss {
			panic(fmt.Sprintf("message %d has a detached subject %q", seq, m.ss.subj))
		}
		if _, ok := m.ss.seqs.find(seq); !ok {
			panic(fmt.Sprintf("message %d missing from subject index %q", seq, m.ss.subj))
		}
		if seq > s.mu.last || seq < s.mu.first {
			panic(fmt.Sprintf("message %d outside [%d, %d]", seq, s.mu.first, s.mu.last))
		}
	}
	if bytes != s.mu.bytes {
		panic(fmt.Sprintf("bytes %d, state %d", bytes, s.mu.bytes))
	}
	for subj, ss := range s.mu.subjects {
		ss.seqs.checkInvariants()
		if ss.subj != subj || ss.seqs.len() == 0 || perSubj[ss] != ss.seqs.len() {
			panic(fmt.Sprintf("subject %q: %d sequences, %d messages", subj, ss.seqs.len(), perSubj[ss]))
		}
	}
	if f, ok := idx.first(); ok && (f != s.mu.first || idx.val(pos{}).ts != s.mu.firstTS) {
		panic(fmt.Sprintf("first %d/%d, index first %d", s.mu.first, s.mu.firstTS, f))
	}
	e := &s.mu.exp
	if len(e.h) > 0 {
		if _, ok := s.mu.liveEntry(e.h[0]); !ok {
			panic("expiry heap top is stale")
		}
	}
	for i := 1; i < len(e.h); i++ {
		if e.h[i].less(e.h[(i-1)/2]) {
			panic("expiry heap order broken")
		}
	}
	live := 0
	for _, x := range e.h {
		if _, ok := s.mu.liveEntry(x); ok {
			live++
		}
	}
	for p := idx.lowerBound(0); !idx.end(p); p = idx.next(p) {
		if m := idx.val(p); msgDeadline(&s.mu.cfg, m.ts, m.ttl) != noDeadline {
			live--
		}
	}
	if live < 0 {
		panic("a message with a deadline has no expiry entry")
	}
}
