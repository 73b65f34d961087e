package consumer

import (
	"container/heap"
	"slices"
	"time"
)

// Ack deadlines live in one min-heap of (deadline, stream sequence). An
// entry is valid while its deadline equals the one computed from the
// pending record now; updates (redelivery, +WPI, NAK with delay, a new
// ack_wait) push a fresh entry and leave the old one to be skipped when it
// surfaces, so no update searches the heap. The heap is rebuilt when stale
// entries outnumber live ones. (Rejected: a timer per message, and the
// reference's periodic scan of every pending message.)

type deadline struct {
	at  int64 // unix nanoseconds
	seq uint64
}

type deadlineHeap []deadline

func (h deadlineHeap) Len() int           { return len(h) }
func (h deadlineHeap) Less(i, j int) bool { return h[i].at < h[j].at }
func (h deadlineHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *deadlineHeap) Push(x any)        { *h = append(*h, x.(deadline)) }
func (h *deadlineHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// ackWaitFor is how long the consumer waits for an ack of seq: the backoff
// entry for its redelivery count, or ack_wait.
func (c *Consumer) ackWaitFor(seq uint64) time.Duration {
	if l := len(c.cfg.BackOff); l > 0 {
		i := min(int(c.rdc[seq]), l-1)
		return c.cfg.BackOff[i]
	}
	return c.cfg.AckWait
}

// deadlineOf is the ack deadline of a pending delivery.
func (c *Consumer) deadlineOf(seq uint64, p *pend) int64 {
	return p.ts + int64(c.ackWaitFor(seq))
}

// scheduleLocked (re)arms the ack deadline of pending seq.
func (c *Consumer) scheduleLocked(seq uint64) {
	p := c.pending[seq]
	if p == nil || c.cfg.AckWait <= 0 && len(c.cfg.BackOff) == 0 {
		return
	}
	heap.Push(&c.dl, deadline{at: c.deadlineOf(seq, p), seq: seq})
	if len(c.dl) > 2*len(c.pending)+64 {
		c.scheduleAllLocked()
	}
}

// scheduleAllLocked rebuilds the deadline heap from the pending records.
func (c *Consumer) scheduleAllLocked() {
	c.dl = c.dl[:0]
	if c.cfg.AckWait <= 0 && len(c.cfg.BackOff) == 0 {
		return
	}
	for seq, p := range c.pending {
		c.dl = append(c.dl, deadline{at: c.deadlineOf(seq, p), seq: seq})
	}
	heap.Init(&c.dl)
}

// validTopLocked drops stale entries from the top of the deadline heap and
// reports whether a valid one is left there.
func (c *Consumer) validTopLocked() bool {
	for len(c.dl) > 0 {
		top := c.dl[0]
		p := c.pending[top.seq]
		if p != nil && c.deadlineOf(top.seq, p) == top.at && !c.onRedeliverQueue(top.seq) {
			return true
		}
		heap.Pop(&c.dl)
	}
	return false
}

// nextAckDeadlineLocked returns the earliest ack deadline (zero if none).
func (c *Consumer) nextAckDeadlineLocked() time.Time {
	if !c.validTopLocked() {
		return time.Time{}
	}
	return time.Unix(0, c.dl[0].at).UTC()
}

// expireAcksLocked handles every ack deadline at or before now: the message
// goes on the redelivery queue, or, if it has been delivered max_deliver
// times, leaves pending with a MAX_DELIVERIES advisory.
func (c *Consumer) expireAcksLocked(now time.Time) {
	n := now.UnixNano()
	var expired []uint64
	for c.validTopLocked() {
		top := c.dl[0]
		if top.at > n {
			break
		}
		heap.Pop(&c.dl)
		if c.reachedMaxDeliver(top.seq) {
			continue
		}
		expired = append(expired, top.seq)
	}
	if len(expired) == 0 {
		return
	}
	slices.Sort(expired)
	// Messages below the stream's first sequence are gone (limits, purge):
	// they leave pending quietly, as acked.
	first := c.st.State().FirstSeq
	for _, seq := range expired {
		if p := c.pending[seq]; seq < first && p != nil {
			c.ackLocked(seq, p.dseq, c.rdc[seq]+1, now, false)
			continue
		}
		c.addToRedeliverQueue(seq)
	}
}

// reachedMaxDeliver handles an expired delivery that may not be delivered
// again: it sends the advisory, drops the message from pending (recording
// the exhausted delivery count in the store) and moves the ack floor.
func (c *Consumer) reachedMaxDeliver(seq uint64) bool {
	if c.maxdc == 0 {
		return false
	}
	dc := c.rdc[seq] + 1 // deliveries so far
	if dc < c.maxdc {
		return false
	}
	c.exhaustLocked(seq, c.maxdc)
	return true
}

// exhaustLocked drops seq, delivered `deliveries` times, from pending for
// good.
func (c *Consumer) exhaustLocked(seq, deliveries uint64) {
	c.notifyMaxDeliveriesLocked(seq, deliveries)
	if p := c.pending[seq]; p != nil {
		delete(c.pending, seq)
		c.storeDelivered(p.dseq, seq, deliveries+1, p.ts)
		c.moveAckFloorLocked(p.dseq, seq)
		if c.maxp > 0 && len(c.pending) == c.maxp-1 {
			c.signal()
		}
	}
	if c.rdc == nil {
		c.rdc = make(map[uint64]uint64)
	}
	c.rdc[seq] = deliveries
}

// Redelivery queue.

func (c *Consumer) addToRedeliverQueue(seq uint64) {
	if c.rdqSet == nil {
		c.rdqSet = make(map[uint64]struct{})
	}
	if _, ok := c.rdqSet[seq]; ok {
		return
	}
	c.rdqSet[seq] = struct{}{}
	c.rdq = append(c.rdq, seq)
}

func (c *Consumer) onRedeliverQueue(seq uint64) bool {
	_, ok := c.rdqSet[seq]
	return ok
}

func (c *Consumer) removeFromRedeliverQueue(seq uint64) {
	if _, ok := c.rdqSet[seq]; !ok {
		return
	}
	delete(c.rdqSet, seq)
	if i := slices.Index(c.rdq, seq); i >= 0 {
		c.rdq = slices.Delete(c.rdq, i, i+1)
	}
}

// popRedeliverQueue removes the head of the queue.
func (c *Consumer) popRedeliverQueue() {
	delete(c.rdqSet, c.rdq[0])
	c.rdq = c.rdq[1:]
	if len(c.rdq) == 0 {
		c.rdq = nil
	}
}

// earliest returns the earlier of two times, ignoring zero ones.
func earliest(a, b time.Time) time.Time {
	switch {
	case a.IsZero():
		return b
	case b.IsZero() || a.Before(b):
		return a
	}
	return b
}
