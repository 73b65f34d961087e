package store

import (
	"bytes"
	"math"
	"time"
)

// noDeadline marks a message that never expires.
const noDeadline = math.MaxInt64

// expEntry schedules the expiry of the message with sequence seq.
type expEntry struct {
	deadline int64
	seq      uint64
}

func (a expEntry) less(b expEntry) bool {
	return a.deadline < b.deadline || (a.deadline == b.deadline && a.seq < b.seq)
}

// expiryHeap is a binary min-heap of expiry entries ordered by deadline,
// then sequence.
//
// Entries are removed lazily: when a message goes for another reason than
// expiry its entry stays behind, and stale counts such entries. An entry is
// live when its sequence holds a message whose deadline is the entry's.
// After every mutation of the store the top entry is live (stale tops are
// popped at once), so NextExpiry is a read of the top; when stale entries
// make up half the heap they are filtered out in one O(n) pass.
//
// Rejected alternatives: an indexed heap (each message remembering its heap
// slot) costs a write to a message on every swap and a field in every
// message; a hashed time wheel cannot answer NextExpiry exactly without
// scanning its slots.
type expiryHeap struct {
	h     []expEntry
	stale int
}

func (e *expiryHeap) reset() { e.h, e.stale = e.h[:0], 0 }

func (e *expiryHeap) push(x expEntry) {
	e.h = append(e.h, x)
	e.up(len(e.h) - 1)
}

func (e *expiryHeap) pop() expEntry {
	top := e.h[0]
	n := len(e.h) - 1
	e.h[0] = e.h[n]
	e.h = e.h[:n]
	if n > 0 {
		e.down(0)
	}
	return top
}

func (e *expiryHeap) up(i int) {
	h := e.h
	x := h[i]
	for i > 0 {
		p := (i - 1) / 2
		if !x.less(h[p]) {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = x
}

func (e *expiryHeap) down(i int) {
	h := e.h
	n := len(h)
	x := h[i]
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if r := c + 1; r < n && h[r].less(h[c]) {
			c = r
		}
		if !h[c].less(x) {
			break
		}
		h[i] = h[c]
		i = c
	}
	h[i] = x
}

func (e *expiryHeap) heapify() {
	for i := len(e.h)/2 - 1; i >= 0; i-- {
		e.down(i)
	}
}

// deadlineLocked returns when a message stored at ts with the given ttl
// expires under the current configuration. A negative ttl (when TTLs are
// allowed) means never, even with max_age; a positive ttl and max_age both
// apply and the earlier wins.
func (s *MemStore) deadlineLocked(ts int64, ttl time.Duration) int64 {
	return msgDeadline(&s.mu.cfg, ts, ttl)
}

// msgDeadline is the deadline of a message stored at ts with ttl under
// cfg, shared by the stores.
func msgDeadline(cfg *StreamConfig, ts int64, ttl time.Duration) int64 {
	d := int64(noDeadline)
	if cfg.AllowMsgTTL && ttl != 0 {
		if ttl < 0 {
			return noDeadline
		}
		d = addSat(ts, int64(ttl))
	}
	if cfg.MaxAge > 0 {
		d = min(d, addSat(ts, int64(cfg.MaxAge)))
	}
	return d
}

// addSat returns a+b (b > 0), or noDeadline if that overflows.
func addSat(a, b int64) int64 {
	if a > noDeadline-b {
		return noDeadline
	}
	return a + b
}

// liveEntryLocked reports whether x still schedules a stored message and
// returns the message's index position.
func (s *MemStore) liveEntryLocked(x expEntry) (pos, bool) {
	p, ok := s.mu.index.find(x.seq)
	if !ok {
		return pos{}, false
	}
	m := s.mu.index.val(p)
	return p, s.deadlineLocked(m.ts, m.ttl) == x.deadline
}

// pruneExpiryLocked restores the "top entry is live" invariant and filters
// out stale entries when they dominate.
func (s *MemStore) pruneExpiryLocked() {
	e := &s.mu.exp
	if e.stale > 32 && 2*e.stale > len(e.h) {
		w := 0
		for _, x := range e.h {
			if _, ok := s.liveEntryLocked(x); ok {
				e.h[w] = x
				w++
			}
		}
		e.h, e.stale = e.h[:w], 0
		e.heapify()
		return
	}
	for len(e.h) > 0 {
		if _, ok := s.liveEntryLocked(e.h[0]); ok {
			return
		}
		e.pop()
		e.stale = max(e.stale-1, 0)
	}
}

// rebuildExpiryLocked recomputes every deadline, after a configuration
// change or a restore.
func (s *MemStore) rebuildExpiryLocked() {
	e := &s.mu.exp
	e.reset()
	idx := &s.mu.index
	for p := idx.lowerBound(0); !idx.end(p); p = idx.next(p) {
		m := idx.val(p)
		if d := s.deadlineLocked(m.ts, m.ttl); d != noDeadline {
			e.h = append(e.h, expEntry{d, idx.key(p)})
		}
	}
	e.heapify()
}

// ExpireMsgs implements Store. Messages are removed in deadline order.
func (s *MemStore) ExpireMsgs(now int64) int {
	n, _ := s.expire(now, false)
	return n
}

// ExpireMsgsLast implements Store.
func (s *MemStore) ExpireMsgsLast(now int64) (int, []ExpiredLast) {
	return s.expire(now, true)
}

// expire removes the messages due at now, in deadline order; withLast
// collects those that were the last on their subject.
func (s *MemStore) expire(now int64, withLast bool) (int, []ExpiredLast) {
	s.mu.Lock()
	defer s.unlockAndNotify()
	if s.mu.closed {
		return 0, nil
	}
	e := &s.mu.exp
	n := 0
	var last []ExpiredLast
	for len(e.h) > 0 && e.h[0].deadline <= now {
		x := e.pop()
		p, ok := s.liveEntryLocked(x)
		if !ok {
			e.stale = max(e.stale-1, 0)
			continue
		}
		if m := s.mu.index.val(p); withLast && m.ss.seqs.len() == 1 {
			last = append(last, ExpiredLast{Subject: m.ss.subj, Header: bytes.Clone(m.hdr())})
		}
		s.removeAtLocked(p, true, false)
		n++
	}
	return n, last
}

// NextExpiry implements Store.
func (s *MemStore) NextExpiry() (int64, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.mu.closed || len(s.mu.exp.h) == 0 {
		return 0, false
	}
	return s.mu.exp.h[0].deadline, true
}
