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

// msgDeadline is when a message stored at ts with the given ttl expires
// under cfg. A negative ttl (when TTLs are allowed) means never, even with
// max_age; a positive ttl and max_age both apply and the earlier wins.
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

// liveEntry reports whether x still schedules a stored message and
// returns the message's index position.
func (x *streamIndex[E]) liveEntry(xe expEntry) (pos, bool) {
	p, ok := x.index.find(xe.seq)
	if !ok {
		return pos{}, false
	}
	m := x.index.val(p)
	return p, msgDeadline(&x.cfg, m.ts, m.ttl) == xe.deadline
}

// pruneExpiry restores the "top entry is live" invariant and filters out
// stale entries when they dominate.
func (x *streamIndex[E]) pruneExpiry() {
	e := &x.exp
	if e.stale > 32 && 2*e.stale > len(e.h) {
		w := 0
		for _, xe := range e.h {
			if _, ok := x.liveEntry(xe); ok {
				e.h[w] = xe
				w++
			}
		}
		e.h, e.stale = e.h[:w], 0
		e.heapify()
		return
	}
	for len(e.h) > 0 {
		if _, ok := x.liveEntry(e.h[0]); ok {
			return
		}
		e.pop()
		e.stale = max(e.stale-1, 0)
	}
}

// rebuildExpiry recomputes every deadline, after a configuration change,
// a restore or recovery.
func (x *streamIndex[E]) rebuildExpiry() {
	e := &x.exp
	e.reset()
	idx := &x.index
	for p := idx.lowerBound(0); !idx.end(p); p = idx.next(p) {
		m := idx.val(p)
		if d := msgDeadline(&x.cfg, m.ts, m.ttl); d != noDeadline {
			e.h = append(e.h, expEntry{d, idx.key(p)})
		}
	}
	e.heapify()
}

// expirer is what expiry needs from a store: removal, and the header of a
// message it reports as the last on its subject.
type expirer[E extension] interface {
	remover
	// headerLocked returns the header of message m with sequence seq,
	// valid until the next call; sm is scratch space for reading it.
	headerLocked(seq uint64, m *entry[E], sm *StoreMsg) []byte
}

// expire removes the messages due at now with r, in deadline order;
// withLast collects those that were the last on their subject.
func (x *streamIndex[E]) expire(r expirer[E], now int64, withLast bool) (int, []ExpiredLast) {
	e := &x.exp
	n := 0
	var last []ExpiredLast
	var sm *StoreMsg
	for len(e.h) > 0 && e.h[0].deadline <= now {
		xe := e.pop()
		p, ok := x.liveEntry(xe)
		if !ok {
			e.stale = max(e.stale-1, 0)
			continue
		}
		if m := x.index.val(p); withLast && m.ss.seqs.len() == 1 {
			if sm == nil {
				sm = new(StoreMsg)
			}
			hdr := bytes.Clone(r.headerLocked(xe.seq, m, sm))
			last = append(last, ExpiredLast{Subject: m.ss.subj, Header: hdr})
		}
		r.removeAtLocked(p, true, false)
		n++
	}
	return n, last
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

func (s *MemStore) expire(now int64, withLast bool) (int, []ExpiredLast) {
	s.mu.Lock()
	defer s.mu.unlockAndNotify()
	if s.mu.closed {
		return 0, nil
	}
	return s.mu.expire(s, now, withLast)
}

// headerLocked implements expirer.
func (s *MemStore) headerLocked(_ uint64, m *msg, _ *StoreMsg) []byte { return m.ext.hdr() }

// NextExpiry implements Store.
func (s *MemStore) NextExpiry() (int64, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.mu.nextExpiry()
}
