package consumer

import (
	"errors"
	"sync"
	"time"

	"github.com/natsnet/natsnet/internal/jsapi"
	"github.com/natsnet/natsnet/internal/store"
)

// stepLocked does everything that is due at the clock's current time, in
// this order: queued acks, pulls and flow-control replies, the end of a
// pause, the pin timeout, ack deadlines, push
// interest, deliveries, pull request housekeeping (expiry, interest,
// heartbeats, no_wait completion) and push heartbeats. It returns when the
// next step is due (zero: only on a signal) and whether deliveries stopped
// only because the step's batch was used up.
func (c *Consumer) stepLocked() (time.Time, bool) {
	now := c.now()
	var next time.Time
	c.drainInboxLocked(now)

	paused := c.pausedLocked(now)
	if paused {
		next = *c.cfg.PauseUntil
	} else if c.pauseArmed {
		c.pauseArmed = false
		c.pauseAdvisoryLocked(now)
	}
	next = earliest(next, c.checkPinLocked(now))
	c.expireAcksLocked(now)

	push := c.cfg.IsPush()
	if push {
		c.updateInterestLocked(now)
		if !c.active {
			next = earliest(next, now.Add(c.pollDelay))
		}
	}

	var r deliverResult
	if !paused {
		r = c.deliverLocked(now)
		next = earliest(next, r.wait)
	}

	if push {
		if hb := c.cfg.Heartbeat; hb > 0 {
			if !now.Before(c.hbDue) {
				if c.active {
					c.sendHeartbeatLocked(c.cfg.DeliverSubject)
					if c.cfg.AckPolicy == jsapi.AckFlowControl && len(c.pending) > 0 && c.fc.fcid == "" {
						c.sendFlowControlLocked()
					}
				}
				c.hbDue = now.Add(hb)
			}
			next = earliest(next, c.hbDue)
		}
	} else if !r.more {
		// No_wait requests end once the stream is exhausted, but not while
		// delivery is held back by max_ack_pending or pacing. While a burst
		// goes on (more), the housekeeping waits for its end: requests that
		// get messages need no heartbeats, and expired ones are answered
		// when delivery reaches them.
		eos := !r.maxAck && r.wait.IsZero()
		w, _ := c.processWaitingLocked(now, eos)
		next = earliest(next, w)
	}
	// Deliveries and acks (including those of the pull housekeeping) may
	// have moved the earliest ack deadline.
	next = earliest(next, c.nextAckDeadlineLocked())
	return next, r.more
}

// deliverResult says why a delivery round stopped.
type deliverResult struct {
	more   bool      // the step's batch is used up
	maxAck bool      // max_ack_pending reached
	wait   time.Time // pacing (replay, rate limit): the next message is due then
}

// candidate is the next message to deliver.
type candidate struct {
	sm         *store.StoreMsg
	dc         uint64 // delivery count this delivery would have
	redelivery bool
	lps        bool // from the last_per_subject start list
	pooled     bool // sm came from smPool: it goes back once sent
}

// smPool recycles the messages loaded for delivery, with their buffers:
// a consumer streaming a file stream otherwise allocates one per message,
// and the garbage collector's work then costs more than the loads.
var smPool = sync.Pool{New: func() any { return new(store.StoreMsg) }}

// release returns a candidate's message to the pool when it was not
// delivered.
func (cand *candidate) release() {
	if cand.pooled && cand.sm != nil {
		smPool.Put(cand.sm)
		cand.sm = nil
	}
}

// deliverLocked delivers as many messages as may go now, up to
// maxStepDeliveries.
func (c *Consumer) deliverLocked(now time.Time) (r deliverResult) {
	synced := false
	for i := 0; i < maxStepDeliveries; i++ {
		if c.cfg.IsPush() {
			if !c.active || c.fc.blocked() {
				return r
			}
		} else if c.waiting.len() == 0 {
			return r
		}
		cand, maxAck := c.nextCandidateLocked(now)
		if cand.sm == nil {
			r.maxAck = maxAck
			return r
		}
		if !synced {
			c.syncPendingLocked()
			synced = true
		}
		if !cand.redelivery && cand.sm.Seq > c.np.upto {
			c.catchUpLocked(c.st.State())
		}
		if !c.deliverOneLocked(cand, now, &r) {
			cand.release()
			return r
		}
	}
	r.more = true
	return r
}

// nextCandidateLocked finds the next message to deliver without consuming
// it: a queued redelivery first, then (unless max_ack_pending is reached,
// which it reports) the last_per_subject start list or the next matching
// stream message.
func (c *Consumer) nextCandidateLocked(now time.Time) (candidate, bool) {
	for len(c.rdq) > 0 {
		seq := c.rdq[0]
		p := c.pending[seq]
		if p == nil { // acked meanwhile
			c.popRedeliverQueue()
			continue
		}
		dc := c.rdc[seq] + 2
		if c.maxdc > 0 && dc > c.maxdc {
			c.popRedeliverQueue()
			c.exhaustLocked(seq, c.maxdc)
			continue
		}
		sm, err := c.st.LoadMsg(seq, nil)
		if err != nil {
			c.popRedeliverQueue()
			if errors.Is(err, store.ErrNotFound) {
				// Removed from the stream while pending.
				c.termLocked(seq, p.dseq, dc-1, reasonUnackedDeleted, now)
			} else {
				c.log.Warn("loading message for redelivery", "seq", seq, "err", err)
			}
			continue
		}
		return candidate{sm: sm, dc: dc, redelivery: true}, false
	}
	if c.maxp > 0 && len(c.pending) >= c.maxp {
		return candidate{}, true
	}
	for c.lps != nil {
		if len(c.lps.seqs) == 0 {
			c.sseq = max(c.sseq, c.lps.resume+1)
			c.lps = nil
			break
		}
		seq := c.lps.seqs[0]
		sm, err := c.st.LoadMsg(seq, nil)
		if err != nil {
			c.lps.seqs = c.lps.seqs[1:]
			c.np.n--
			continue
		}
		return candidate{sm: sm, dc: 1, lps: true}, false
	}
	buf := smPool.Get().(*store.StoreMsg)
	var sm *store.StoreMsg
	var err error
	switch len(c.filters) {
	case 0:
		sm, err = c.st.LoadNextMsg("", c.sseq, buf)
	case 1:
		sm, err = c.st.LoadNextMsg(c.filters[0], c.sseq, buf)
	default:
		sm, err = c.st.LoadNextMsgMulti(c.filters, c.sseq, buf)
	}
	if err != nil {
		smPool.Put(buf)
		if !errors.Is(err, store.ErrEOF) && !errors.Is(err, store.ErrStoreClosed) {
			c.log.Warn("loading next message", "seq", c.sseq, "err", err)
		}
		return candidate{}, false
	}
	return candidate{sm: sm, dc: 1, pooled: sm == buf}, false
}

// deliverOneLocked delivers cand if its pacing allows and (pull) a request
// takes it. It reports false when delivery has to stop for now.
func (c *Consumer) deliverOneLocked(cand candidate, now time.Time, r *deliverResult) bool {
	sm := cand.sm
	pendingAfter := c.numPendingLocked()
	if !cand.redelivery && pendingAfter > 0 {
		pendingAfter--
	}
	hdr, data := sm.Header, sm.Data
	if c.cfg.HeadersOnly {
		hdr, data = headersOnly(hdr, len(data)), nil
	}
	dseq := c.dseq
	reply := jsapi.AckReply{
		Stream: c.sname, Consumer: c.name, Delivered: cand.dc,
		StreamSeq: sm.Seq, ConsumerSeq: dseq, Timestamp: sm.TS, Pending: pendingAfter,
	}.String()
	sz := len(sm.Subject) + len(reply) + len(hdr) + len(data)

	if due := c.replay.due(sm.TS); due.After(now.Add(time.Millisecond)) {
		r.wait = due
		return false
	}
	if wait := c.rate.delay(now, sz); wait > 0 {
		r.wait = now.Add(wait)
		return false
	}

	var dsubj string
	var wr *pullRequest
	if c.cfg.IsPush() {
		dsubj = c.cfg.DeliverSubject
	} else {
		minPending := int64(c.numPendingLocked())
		if cand.redelivery {
			minPending++
		}
		if wr = c.nextWaitingLocked(now, sz, minPending); wr == nil {
			return false
		}
		dsubj = wr.reply
		if c.cfg.PriorityPolicy == jsapi.PriorityPinnedClient && c.pin.id != "" {
			hdr = addHeader(hdr, jsapi.HdrPinID, c.pin.id)
		}
	}

	// Commit.
	seq := sm.Seq
	switch {
	case cand.redelivery:
		c.popRedeliverQueue()
	case cand.lps:
		c.lps.seqs = c.lps.seqs[1:]
		c.sseq = max(c.sseq, seq+1)
		c.np.n--
	default:
		c.sseq = seq + 1
		c.np.n--
	}
	c.dseq++
	ts := now.UnixNano()
	c.storeDelivered(dseq, seq, cand.dc, ts)
	if c.cfg.AckPolicy == jsapi.AckNone {
		c.adflr, c.asflr = dseq, seq
		c.ackedLocked(seq)
	} else {
		if p := c.pending[seq]; p != nil {
			p.ts = ts // a redelivery keeps its first consumer sequence
		} else {
			if c.pending == nil {
				c.pending = make(map[uint64]*pend)
			}
			c.pending[seq] = &pend{dseq: dseq, ts: ts}
		}
		if cand.dc > 1 {
			if c.rdc == nil {
				c.rdc = make(map[uint64]uint64)
			}
			c.rdc[seq] = cand.dc - 1
		}
		c.scheduleLocked(seq)
	}
	c.deliverMsgLocked(dsubj, sm.Subject, reply, hdr, data)
	if cand.pooled {
		// Back to the pool once the effect is sent (execute).
		c.out[len(c.out)-1].sm = sm
	}
	c.ldt = now
	c.replay.delivered(sm.TS, now, c.sseq)
	c.rate.take(now, sz)

	if c.cfg.IsPush() {
		c.fc.pbytesAdd(len(dsubj)+len(reply)+len(hdr)+len(data), c)
		if c.cfg.Heartbeat > 0 {
			c.hbDue = now.Add(c.cfg.Heartbeat)
		}
	} else {
		c.afterPullDeliveryLocked(wr, now)
	}
	return true
}

// replayState paces a replay_policy original consumer: until it passes the
// stream's last sequence at start, each message waits for the time between
// it and the previous one.
type replayState struct {
	on     bool
	until  uint64    // stream last sequence at start
	lastTS int64     // timestamp of the last delivered message
	lastAt time.Time // when it was delivered
}

// due returns when a message stored at ts may be delivered (zero: now).
func (r *replayState) due(ts int64) time.Time {
	if !r.on || r.lastTS == 0 {
		return time.Time{}
	}
	return r.lastAt.Add(time.Duration(ts - r.lastTS))
}

func (r *replayState) delivered(ts int64, now time.Time, sseq uint64) {
	if !r.on {
		return
	}
	r.lastTS, r.lastAt = ts, now
	if sseq > r.until {
		r.on = false
	}
}

// rateLimiter is a virtual-time token bucket (GCRA) for rate_limit_bps:
// tat is the theoretical time at which the bucket is empty again.
type rateLimiter struct {
	bytesPerSec float64
	tat         time.Time
}

func (r *rateLimiter) setRate(bps uint64) {
	r.bytesPerSec = float64(bps) / 8
}

// delay returns how long sz bytes must wait.
func (r *rateLimiter) delay(now time.Time, sz int) time.Duration {
	if r.bytesPerSec <= 0 || r.tat.IsZero() {
		return 0
	}
	tolerance := time.Duration(float64(rateBurst) / r.bytesPerSec * float64(time.Second))
	cost := time.Duration(float64(sz) / r.bytesPerSec * float64(time.Second))
	if d := r.tat.Add(cost).Sub(now.Add(tolerance)); d > 0 {
		return d
	}
	return 0
}

func (r *rateLimiter) take(now time.Time, sz int) {
	if r.bytesPerSec <= 0 {
		return
	}
	cost := time.Duration(float64(sz) / r.bytesPerSec * float64(time.Second))
	if r.tat.Before(now) {
		r.tat = now
	}
	r.tat = r.tat.Add(cost)
}
