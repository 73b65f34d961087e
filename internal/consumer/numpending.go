package consumer

import (
	"github.com/natsnet/natsnet/internal/store"
	"github.com/natsnet/natsnet/internal/subject"
)

// numPending counts the messages the consumer has yet to deliver for the
// first time: the stream messages matching its filters at or after sseq
// (for last_per_subject, the rest of the start list plus the messages after
// it). It is kept incrementally: NotifyNewMsg adds announced messages, a
// first delivery subtracts one. Removals are not announced, so the count
// carries a fingerprint of the store, LastSeq-Msgs, which only appends leave
// unchanged; when it moves (purge, delete, limits, expiry, skips) the count
// is recomputed with Store.NumPending. Messages stored but not announced
// yet are counted when the consumer meets them (catchUp), so the pending
// value in an ack reply is exact at delivery.
type numPending struct {
	n     int64  // the count; never read while negative
	upto  uint64 // highest stream sequence accounted for
	gaps  uint64 // store LastSeq-Msgs at the last sync
	valid bool
}

// countStart is the first sequence whose messages the store count covers.
func (c *Consumer) countStart() uint64 {
	if c.lps != nil {
		return max(c.sseq, c.lps.resume+1)
	}
	return c.sseq
}

// matches reports whether subj passes the consumer's filters.
func (c *Consumer) matches(subj string) bool {
	if len(c.filters) == 0 {
		return true
	}
	for _, f := range c.filters {
		if f == subj || subject.Matches(f, subj) {
			return true
		}
	}
	return false
}

// storeCount counts matching messages at or after from, together with a
// store state taken when nothing changed during the count.
func (c *Consumer) storeCount(from uint64) (uint64, store.StreamState) {
	var n uint64
	var st store.StreamState
	for i := 0; i < 4; i++ {
		before := c.st.State()
		var err error
		switch len(c.filters) {
		case 0:
			n, err = c.st.NumPending(from, "", false)
		case 1:
			n, err = c.st.NumPending(from, c.filters[0], false)
		default:
			n, err = c.st.NumPendingMulti(from, c.filters, false)
		}
		st = c.st.State()
		if err != nil {
			n = 0
		}
		if before.LastSeq == st.LastSeq && before.Msgs == st.Msgs {
			break
		}
	}
	return n, st
}

// recountLocked recomputes the count from the store.
func (c *Consumer) recountLocked() {
	n, st := c.storeCount(c.countStart())
	if c.lps != nil {
		n += uint64(len(c.lps.seqs))
	}
	c.np = numPending{n: int64(n), upto: st.LastSeq, gaps: st.LastSeq - st.Msgs, valid: true}
}

// syncPendingLocked makes the count exact for the store as it is now.
func (c *Consumer) syncPendingLocked() {
	st := c.st.State()
	if !c.np.valid || st.LastSeq < c.np.upto || st.LastSeq-st.Msgs != c.np.gaps {
		c.recountLocked()
		return
	}
	c.catchUpLocked(st)
}

// catchUpLocked counts the messages stored after np.upto that NotifyNewMsg
// has not announced yet. Only appends happened since the last sync (the
// fingerprint is unchanged), so every sequence in (upto, LastSeq] holds a
// message.
func (c *Consumer) catchUpLocked(st store.StreamState) {
	if st.LastSeq <= c.np.upto {
		return
	}
	from := max(c.np.upto+1, c.countStart())
	if len(c.filters) == 0 {
		if st.LastSeq >= from {
			c.np.n += int64(st.LastSeq - from + 1)
		}
		c.np.upto = st.LastSeq
		return
	}
	n, st2 := c.storeCount(from)
	if st2.LastSeq-st2.Msgs != c.np.gaps {
		c.recountLocked()
		return
	}
	c.np.n += int64(n)
	c.np.upto = st2.LastSeq
}

// numPendingLocked returns the count, which must have been synced.
func (c *Consumer) numPendingLocked() uint64 {
	if c.np.n < 0 {
		return 0
	}
	return uint64(c.np.n)
}

// NotifyNewMsg tells the consumer that the stream stored a message. Calls
// must come in sequence order, after the message is stored; a skipped
// sequence is fine, a missing announcement only costs a recount.
func (c *Consumer) NotifyNewMsg(seq uint64, subj string) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	switch {
	case !c.np.valid || seq <= c.np.upto:
		// Already counted (or will be recounted).
	case seq == c.np.upto+1:
		if seq >= c.countStart() && c.matches(subj) {
			c.np.n++
		}
		c.np.upto = seq
	default:
		c.np.valid = false
	}
	wake := seq >= c.sseq && (c.cfg.IsPush() || c.waiting.len() > 0)
	c.mu.Unlock()
	if wake {
		c.signal()
	}
}

// NotifyRemoved tells the consumer that the stream removed message seq
// (delete, limits, expiry) outside a purge. It is optional: a pending
// delivery of a removed message is otherwise retired at its ack deadline,
// and num_pending notices removals by itself. With it, a pending delivery
// is retired at once, with a TERMINATED advisory ("Unacknowledged message
// was deleted"), freeing its max_ack_pending slot.
func (c *Consumer) NotifyRemoved(seq uint64, subj string) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	if p := c.pending[seq]; p != nil {
		c.termLocked(seq, p.dseq, c.rdc[seq]+1, reasonUnackedDeleted, c.now())
	} else if _, ok := c.rdc[seq]; ok {
		delete(c.rdc, seq)
		c.storeAcks(0, seq) // drops the redelivery count only
	}
	c.unlockAndFlush()
	c.signal()
}
