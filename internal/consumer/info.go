package consumer

import (
	"time"

	"github.com/natsnet/natsnet/internal/jsapi"
)

// Info returns the consumer's state, as CONSUMER.INFO reports it: delivered
// and ack floor as recorded in the ConsumerStore, num_pending exact for the
// store as it is now, num_waiting after expiring stale requests. It
// returns nil once the consumer is closed. Cluster is left to the caller.
func (c *Consumer) Info() *jsapi.ConsumerInfo {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	now := c.now()
	c.drainInboxLocked(now)
	c.syncPendingLocked()
	info := &jsapi.ConsumerInfo{
		Stream:         c.sname,
		Name:           c.name,
		Created:        c.created.UTC(),
		Config:         c.cfg.Clone(),
		Delivered:      jsapi.SequenceInfo{Consumer: c.dseq - 1, Stream: c.sseq - 1},
		AckFloor:       jsapi.SequenceInfo{Consumer: c.adflr, Stream: c.asflr},
		NumAckPending:  len(c.pending),
		NumRedelivered: len(c.rdc),
		NumPending:     c.numPendingLocked(),
		TimeStamp:      now.UTC(),
	}
	if st, err := c.cs.State(); err == nil {
		// The store is the record (and what followers will report).
		info.Delivered.Consumer, info.Delivered.Stream = st.Delivered.Consumer, st.Delivered.Stream
		info.AckFloor.Consumer, info.AckFloor.Stream = st.AckFloor.Consumer, st.AckFloor.Stream
	}
	if c.cfg.MaxDeliver == 1 {
		// Redeliveries are disabled; counting exhausted messages confuses.
		info.NumRedelivered = 0
	}
	info.Delivered.Last = utcPtr(c.ldt)
	info.AckFloor.Last = utcPtr(c.lat)
	if c.cfg.IsPush() {
		info.PushBound = c.sender.HasInterest(c.cfg.DeliverSubject)
	} else {
		c.processWaitingLocked(now, false)
		info.NumWaiting = c.waiting.len()
	}
	if p := c.cfg.PauseUntil; p != nil && now.Before(*p) {
		info.Paused, info.PauseRemaining = true, p.Sub(now)
	}
	if len(c.cfg.PriorityGroups) > 0 {
		info.PriorityGroups = []jsapi.PriorityGroupState{{
			Group:          c.cfg.PriorityGroups[0],
			PinnedClientID: c.pin.id,
		}}
		if !c.pin.ts.IsZero() {
			info.PriorityGroups[0].PinnedTS = c.pin.ts.UTC()
		}
	}
	c.unlockAndFlush()
	return info
}

// NeedsAck reports whether the consumer still needs stream message seq
// (interest retention keeps a message while some consumer needs it): it
// matches the filters (subject may be empty: then it is looked up) and
// has not been acknowledged, or it reached max_deliver without an ack.
func (c *Consumer) NeedsAck(seq uint64, subj string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.filters) > 0 {
		if subj == "" {
			var err error
			if subj, err = c.st.SubjectForSeq(seq); err != nil {
				return false
			}
		}
		if !c.matches(subj) {
			return false
		}
	}
	var need bool
	switch c.cfg.AckPolicy {
	case jsapi.AckExplicit:
		if seq > c.asflr {
			if seq >= c.sseq {
				need = true
			} else {
				_, need = c.pending[seq]
			}
		}
	default:
		need = seq > c.asflr
	}
	if !need {
		_, need = c.rdc[seq]
	}
	return need
}

// IsInactive reports whether the consumer has been inactive for its
// inactive_threshold (ephemerals get 5s): a push consumer without interest
// in its deliver subject, or a pull consumer without waiting requests,
// requests, deliveries or acks, whose pending messages' ack waits have run
// out too. The JetStream service polls it and deletes inactive consumers.
func (c *Consumer) IsInactive(now time.Time) bool {
	c.mu.Lock()
	defer c.unlockAndFlush()
	thresh := c.cfg.InactiveThreshold
	if c.closed || thresh <= 0 {
		return false
	}
	c.drainInboxLocked(now)
	if c.cfg.IsPush() {
		if c.sender.HasInterest(c.cfg.DeliverSubject) {
			c.inactiveFrom = time.Time{}
			return false
		}
		if c.inactiveFrom.IsZero() {
			c.inactiveFrom = now
		}
		return now.Sub(c.inactiveFrom) >= thresh
	}
	c.processWaitingLocked(now, true)
	if c.waiting.len() > 0 || now.Sub(c.waiting.last) < thresh {
		return false
	}
	// Messages may still be processed: wait for the last ack deadline.
	for seq, p := range c.pending {
		if p.ts+int64(c.ackWaitFor(seq))+int64(thresh) > now.UnixNano() {
			return false
		}
	}
	return true
}

// Pause stops deliveries until the given time (zero resumes now), as
// CONSUMER.PAUSE does, and publishes a PAUSE advisory when the time
// changes; another one follows when the pause ends. Pull requests keep
// waiting and heartbeats continue while paused.
func (c *Consumer) Pause(until time.Time) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	var old time.Time
	if c.cfg.PauseUntil != nil {
		old = *c.cfg.PauseUntil
	}
	cfg := c.cfg
	cfg.PauseUntil = utcPtr(until)
	c.applyPauseLocked(old, &cfg)
	c.cfg.PauseUntil = cfg.PauseUntil
	c.unlockAndFlush()
	c.signal()
}

// applyPauseLocked arms or disarms the end of a pause and advises a change
// of the pause time from old to cfg's.
func (c *Consumer) applyPauseLocked(old time.Time, cfg *jsapi.ConsumerConfig) {
	var nu time.Time
	if cfg.PauseUntil != nil {
		nu = *cfg.PauseUntil
	}
	if old.Equal(nu) {
		return
	}
	now := c.now()
	c.pauseArmed = !nu.IsZero() && now.Before(nu)
	c.pauseAdvisoryFor(now, nu)
}

// pausedLocked reports whether deliveries are paused at now.
func (c *Consumer) pausedLocked(now time.Time) bool {
	return c.cfg.PauseUntil != nil && now.Before(*c.cfg.PauseUntil)
}

// pauseAdvisoryLocked publishes the PAUSE advisory of the current pause
// time.
func (c *Consumer) pauseAdvisoryLocked(now time.Time) {
	var until time.Time
	if c.cfg.PauseUntil != nil {
		until = *c.cfg.PauseUntil
	}
	c.pauseAdvisoryFor(now, until)
}

func (c *Consumer) pauseAdvisoryFor(now, until time.Time) {
	adviseLocked(c, jsapi.EventSubject(jsapi.AdvisoryConsumerPause, c.sname, c.name),
		&jsapi.ConsumerPauseAdvisory{Stream: c.sname, Consumer: c.name, Paused: now.Before(until), PauseUntil: until})
}

// EncodedState returns the consumer's durable state in the ConsumerStore's
// binary format (store.EncodeConsumerState), after applying the acks
// queued so far; stream snapshots carry it.
func (c *Consumer) EncodedState() ([]byte, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, ErrClosed
	}
	c.drainInboxLocked(c.now())
	b, err := c.cs.EncodedState()
	c.unlockAndFlush()
	return b, err
}
