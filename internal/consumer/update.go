package consumer

import (
	"errors"
	"slices"
	"time"

	"github.com/natsnet/natsnet/internal/jsapi"
	"github.com/natsnet/natsnet/internal/store"
)

// UpdateConfig replaces the configuration with cfg (defaulted and
// validated) if only updatable fields changed (jsapi CheckUpdate; moving a
// bound push consumer to another deliver subject is refused with 10013).
// A new deliver subject redelivers everything pending to it; new filters
// recount num_pending; a new ack wait or backoff reschedules pending acks;
// a new pause time publishes a PAUSE advisory.
func (c *Consumer) UpdateConfig(cfg *jsapi.ConsumerConfig) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return jsapi.NewConsumerDoesNotExistError()
	}
	ncfg := cfg.Clone()
	if ncfg.Durable == "" && ncfg.InactiveThreshold <= 0 {
		ncfg.InactiveThreshold = EphemeralInactiveThreshold
	}
	old := c.cfg.Clone()
	bound := old.DeliverSubject != "" && old.DeliverSubject != ncfg.DeliverSubject &&
		c.sender.HasInterest(old.DeliverSubject)
	if err := ncfg.CheckUpdate(old, bound); err != nil {
		c.mu.Unlock()
		return err
	}
	if err := c.cs.UpdateConfig(storeConfig(ncfg)); err != nil {
		c.mu.Unlock()
		return err
	}
	var oldPause time.Time
	if old.PauseUntil != nil {
		oldPause = *old.PauseUntil
	}
	oldFilters := c.filters
	c.setConfigLocked(ncfg)

	if old.DeliverSubject != c.cfg.DeliverSubject {
		// Whatever was sent to the old subject goes to the new one.
		c.forceExpirePendingLocked()
		c.active = false
		c.inactiveFrom = time.Time{}
		c.pollDelay = 0
	}
	if old.AckWait != c.cfg.AckWait || !slices.Equal(old.BackOff, c.cfg.BackOff) {
		c.scheduleAllLocked()
	}
	if !slices.Equal(oldFilters, c.filters) {
		c.recountLocked()
	}
	c.applyPauseLocked(oldPause, &c.cfg)
	c.unlockAndFlush()
	c.signal()
	return nil
}

// forceExpirePendingLocked queues every pending message for redelivery (or
// retires it if it reached max_deliver).
func (c *Consumer) forceExpirePendingLocked() {
	seqs := make([]uint64, 0, len(c.pending))
	for seq := range c.pending {
		seqs = append(seqs, seq)
	}
	slices.Sort(seqs)
	for _, seq := range seqs {
		if !c.onRedeliverQueue(seq) && !c.reachedMaxDeliver(seq) {
			c.addToRedeliverQueue(seq)
		}
	}
}

// NotifyPurged tells the consumer that the stream was purged or compacted
// and that firstSeq is now its first sequence (0: read it from the store).
// The consumer skips ahead to it, drops pending deliveries below it or no
// longer in the stream (a filtered purge), acks them in the ConsumerStore
// and recounts num_pending.
func (c *Consumer) NotifyPurged(firstSeq uint64) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	if firstSeq == 0 {
		st := c.st.State()
		firstSeq = max(st.FirstSeq, 1)
		if st.Msgs == 0 {
			firstSeq = st.LastSeq + 1
		}
	}
	c.sseq = max(c.sseq, firstSeq)
	if c.lps != nil {
		c.lps.seqs = slices.DeleteFunc(c.lps.seqs, func(s uint64) bool { return s < firstSeq })
	}
	if c.asflr < firstSeq {
		c.asflr = firstSeq - 1
	}
	seqs := make([]uint64, 0, len(c.pending))
	for seq := range c.pending {
		seqs = append(seqs, seq)
	}
	slices.Sort(seqs)
	for _, seq := range seqs {
		p := c.pending[seq]
		gone := seq <= c.asflr
		if !gone {
			_, err := c.st.LoadMsg(seq, nil)
			gone = errors.Is(err, store.ErrNotFound)
		}
		if !gone {
			continue
		}
		if p.dseq > c.adflr {
			c.adflr = p.dseq
		}
		delete(c.pending, seq)
		delete(c.rdc, seq)
		c.removeFromRedeliverQueue(seq)
	}
	for seq := range c.rdc {
		if seq < firstSeq {
			delete(c.rdc, seq)
		}
	}
	if len(c.pending) == 0 {
		c.adflr, c.asflr = c.dseq-1, c.sseq-1
	}
	c.adflr = min(c.adflr, c.dseq-1)
	c.writeStateLocked()
	c.scheduleAllLocked()
	c.recountLocked()
	c.unlockAndFlush()
	c.signal()
}

// writeStateLocked replaces the stored state with the in-memory one.
func (c *Consumer) writeStateLocked() {
	st := &store.ConsumerState{
		Delivered: store.SequencePair{Consumer: c.dseq - 1, Stream: c.sseq - 1},
		AckFloor:  store.SequencePair{Consumer: c.adflr, Stream: c.asflr},
	}
	if len(c.pending) > 0 {
		st.Pending = make(map[uint64]store.Pending, len(c.pending))
		for seq, p := range c.pending {
			st.Pending[seq] = store.Pending{Sequence: p.dseq, Timestamp: p.ts}
		}
	}
	if len(c.rdc) > 0 {
		st.Redelivered = make(map[uint64]uint64, len(c.rdc))
		for seq, n := range c.rdc {
			st.Redelivered[seq] = n
		}
	}
	if err := c.cs.Update(st); err != nil && !errors.Is(err, store.ErrStoreClosed) {
		c.log.Warn("writing consumer state", "err", err)
	}
}
